/* ukiboot — command-line merging policy (documented in doc/cmdline-policy.md). */
#pragma once
#include <stddef.h>
#include <stdbool.h>
#include "error.h"

/* Inputs to the merge; NULL pointers mean "absent". Lengths exclude any NUL. */
struct uk_cmdline_in {
        const char *uki_cmdline;     /* .cmdline of the chosen profile (untrusted bytes) */
        size_t uki_cmdline_len;
        bool uki_has_cmdline;
        const char *entry_options;   /* Type #1 `options`, or load options passed to the boot loader */
        bool has_entry_options;
        const char *append;          /* extra arguments: menu editor / --append */
        bool secure_boot;            /* firmware Secure Boot is on */
        size_t max_len;              /* kernel limit in bytes excluding the NUL (bzImage cmdline_size) */
};

/* Why a piece was not used; recorded in the plan so both twins report it identically. */
enum uk_cmdline_note {
        UK_CMDLINE_NOTE_NONE = 0,
        UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB = 1 << 0,   /* options dropped: Secure Boot + embedded .cmdline */
        UK_CMDLINE_NOTE_APPEND_IGNORED_SB = 1 << 1,    /* append dropped: Secure Boot + embedded .cmdline */
};

/* Merge per policy into ret[cap] (NUL-terminated, normalised). *ret_notes gets uk_cmdline_note bits. */
uk_err uk_cmdline_merge(const struct uk_cmdline_in *in, char *ret, size_t cap, size_t *ret_len, unsigned *ret_notes);

/* Normalise in place: control characters -> space, runs kept, leading/trailing whitespace trimmed. Returns new length. */
size_t uk_cmdline_normalize(char *s, size_t len);
