/* ukiboot — UKI addons (systemd 254+): PE files named *.addon.efi in /loader/addons and next to a UKI in its
 * .extra.d directory, whose .cmdline extends the UKI's command line and whose .ucode and .initrd (v257+) join
 * the initrd, as systemd-stub (v258) applies them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "entry.h"
#include "extras.h"
#include "pe.h"
#include "source.h"
#include "uki.h"

#define UK_ADDONS_MAX 16                /* addons a boot takes; more are not picked up at all (a note says so) */
#define UK_ADDON_SIZE_MAX (64u << 20)   /* read whole into memory the twin holds; anything larger is skipped */
#define UK_ADDONS_GLOBAL_DIR "/loader/addons"
#define UK_ADDON_SUFFIX ".addon.efi"

struct uk_addon_file {
        char name[UK_EXTRA_NAME_MAX];   /* as listed (case kept): the stub's description for it */
        char path[UK_PATH_MAX];
};

/* In the order the stub applies them: /loader/addons sorted by name (byte order), then the UKI's own. */
struct uk_addons {
        struct uk_addon_file files[UK_ADDONS_MAX];
        unsigned n;
        char io_path[UK_PATH_MAX];      /* after UK_E_IO: the directory that could not be listed */
};

/* Whether a directory entry is an addon: a regular, non-hidden file, ASCII name of at most 255 bytes ending
 * in ".addon.efi" (any case). */
bool uk_addon_wanted(const char *name, bool is_dir);

/* List /loader/addons and <UKI>.extra.d (named without the UKI's boot counter) on fs into ret, in order.
 * Missing directories are empty; UK_E_IO (ret->io_path) when one cannot be listed; UK_E_TOO_MANY past
 * UK_ADDONS_MAX. ret is fully written. */
uk_err uk_addons_scan(const struct uk_fs_ops *fs, const char *uki_path, struct uk_addons *ret);

/* What an addon contributes: each span is the first section of that name present in memory (length 0: none). */
struct uk_addon_parts {
        struct uk_span cmdline, ucode, initrd;
        struct uk_span devicetree;      /* its .dtbauto (taken as it is: the stub matches none in addons), else .dtb */
};

/* Judge one addon, parsed as pe from src, for a UKI whose .uname (of the profile booted) is uname[uname_len]
 * (NULL: none), on a machine of PE type machine (0: not checked), as systemd-stub judges it. UK_OK: usable,
 * *ret_parts says what it carries. Otherwise *ret_why says why it is skipped: not an addon (none of .cmdline
 * .dtb .dtbauto .initrd .ucode), a whole UKI (.linux), another kernel (.uname), another CPU. */
uk_err uk_addon_check(const struct uk_source *src, const struct uk_pe *pe, uint16_t machine, const char *uname,
                      size_t uname_len, struct uk_addon_parts *ret_parts, const char **ret_why);

/* Append the addon command line text[len] to acc[cap] (length *acc_len) as the stub does: UTF-8 up to its
 * first NUL, blanks (<= 0x20, 0x7f) at both ends dropped, others inside turned into spaces, one space
 * between addons. UK_E_CMDLINE_TOO_LONG if it does not fit (acc unchanged). */
uk_err uk_addon_cmdline_append(char *acc, size_t cap, size_t *acc_len, const char *text, size_t len);
