/* ukiboot — command-line merging policy (documented in doc/cmdline-policy.md). */
#pragma once
#include <stddef.h>
#include <stdbool.h>
#include "error.h"

/* A kernel that states no limit gets this one: bzImage protocol < 2.06 had 255; 2047 is the x86
 * COMMAND_LINE_SIZE - 1. */
#define UK_CMDLINE_DEFAULT_MAX 2047

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
        UK_CMDLINE_NOTE_ADDONS_TOO_LONG = 1 << 2,      /* the addons' part left out: over the kernel's limit */
        UK_CMDLINE_NOTE_SMBIOS_TOO_LONG = 1 << 3,      /* the SMBIOS extra left out: over the kernel's limit */
        /* Provenance, recorded by the merge itself so nobody re-derives it (the TPM code measures a line
         * that came from outside the UKI into PCR 12, as systemd-stub does). */
        UK_CMDLINE_NOTE_FROM_OPTIONS = 1 << 8,         /* the line starts with the entry's options */
        UK_CMDLINE_NOTE_FROM_APPEND = 1 << 9,          /* editor text / --append was added */
};
#define UK_CMDLINE_NOTES_DROPPED (UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB | UK_CMDLINE_NOTE_APPEND_IGNORED_SB)
#define UK_CMDLINE_NOTES_FROM (UK_CMDLINE_NOTE_FROM_OPTIONS | UK_CMDLINE_NOTE_FROM_APPEND)

/* Merge per policy into ret[cap] (NUL-terminated, normalised). *ret_notes gets uk_cmdline_note bits. */
uk_err uk_cmdline_merge(const struct uk_cmdline_in *in, char *ret, size_t cap, size_t *ret_len, unsigned *ret_notes);

/* Load options for an `efi` entry's program: the entry's options, a space, the editor text (append, NULL
 * for none) into ret[cap]. UK_E_CMDLINE_TOO_LONG when they do not fit (never cut). */
uk_err uk_cmdline_efi_options(const char *options, bool has_options, const char *append, char *ret, size_t cap,
                              size_t *ret_len);

/* Normalise in place: control characters -> space, runs kept, leading/trailing whitespace trimmed. Returns new length. */
size_t uk_cmdline_normalize(char *s, size_t len);

/* The part of text[len] systemd-stub keeps: up to the first NUL, blanks (control characters, space, DEL)
 * at both ends dropped. *ret points into text (*ret_len 0: nothing left). */
void uk_cmdline_trim(const char *text, size_t len, const char **ret, size_t *ret_len);

/* Copy s[len] to out with every blank turned into a space (runs kept, as systemd-stub keeps them). */
void uk_cmdline_copy(char *out, const char *s, size_t len);
