/* ukiboot — the menu editor's line. systemd-boot edits the whole command line an entry would boot with;
 * this says what the editor starts from and what an edit means for the plan. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "entry.h"
#include "error.h"

/* The line the editor starts from into buf[cap]: the entry's `options`, else (a UKI on the ESP) the
 * .cmdline of its profile, else "". UK_E_BUFFER_TOO_SMALL when it does not fit; a UKI that cannot be read
 * starts from "" (booting it fails with its own refusal). Control characters become spaces. */
uk_err uk_editor_start(const struct uk_fs_ops *fs, const struct uk_entry *e, char *buf, size_t cap);

enum uk_edit {
        UK_EDIT_UNCHANGED,      /* boot as if nothing was typed */
        UK_EDIT_APPEND,         /* words added after the line: the same plan as the Linux twin's --append */
        UK_EDIT_REPLACE,        /* anything else: the edited line replaces the entry's options */
};

/* What an edit means, from the line the editor started with and the one it ended with (both trimmed of
 * surrounding blanks first). For UK_EDIT_APPEND, *ret_append points into edited at the added words. */
enum uk_edit uk_editor_result(const char *start, const char *edited, const char **ret_append);
