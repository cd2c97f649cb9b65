/* ukiboot — files systemd-stub picks up next to a UKI on the ESP: credentials, system and configuration
 * extensions (v258's rules). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "entry.h"

#define UK_EXTRAS_MAX 24                /* files a plan carries; more is refused (UK_E_TOO_MANY), not cut */
#define UK_EXTRA_NAME_MAX 256           /* Linux's 255-byte name limit, as systemd-stub applies it, + NUL */
#define UK_EXTRAS_GLOBAL_DIR "/loader/credentials"
#define UK_EXTRAS_EXTENSIONS_DIR "/loader/extensions"
#define UK_EXTRAS_DROPIN_SUFFIX ".extra.d"

/* In boot order: systemd-stub (v258) appends the archives in this order after the UKI's .initrd. */
enum uk_extra_kind {
        UK_EXTRA_CREDENTIAL,            /* <UKI>.extra.d/ NAME.cred -> /.extra/credentials/, 0400 */
        UK_EXTRA_GLOBAL_CREDENTIAL,     /* /loader/credentials/ NAME.cred -> /.extra/global_credentials/, 0400 */
        UK_EXTRA_SYSEXT,                /* <UKI>.extra.d/ NAME.raw, not .confext.raw -> /.extra/sysext/, 0444 */
        UK_EXTRA_GLOBAL_SYSEXT,         /* /loader/extensions/ the same -> /.extra/global_sysext/ (v258) */
        UK_EXTRA_CONFEXT,               /* <UKI>.extra.d/ NAME.confext.raw -> /.extra/confext/, 0444 */
        UK_EXTRA_GLOBAL_CONFEXT,        /* /loader/extensions/ the same -> /.extra/global_confext/ (v258) */
        _UK_EXTRA_KIND_MAX,
};

struct uk_extra_file {
        enum uk_extra_kind kind;
        char name[UK_EXTRA_NAME_MAX];   /* file name as listed (case kept) */
        char path[UK_PATH_MAX];         /* ESP path it is read from */
        uint64_t size;
};

/* The pieces to append, ordered by kind then name (byte order, as the stub's strcmp16 sorts). */
struct uk_extras {
        struct uk_extra_file files[UK_EXTRAS_MAX];
        unsigned n;
        char io_path[UK_PATH_MAX];      /* after UK_E_IO from uk_extras_scan: the directory or file that failed */
};

/* Where each kind comes from and how it is packed: the cpio directory, its mode, the files' mode, the PCR
 * (systemd-stub v258's stub.c). */
struct uk_extra_layout {
        const char *dir;                /* ".extra/credentials" (no leading '/', as in the archive) */
        const char *from;               /* the ESP directory listed, NULL: the UKI's own <UKI>.extra.d */
        const char *suffix;             /* matched case-insensitively */
        const char *exclude;            /* names ending so (case-insensitively) are another kind's; NULL: none */
        uint32_t dir_mode;
        uint32_t file_mode;
        uint32_t pcr;                   /* where the stub measures the whole archive */
        const char *description;        /* its event log description */
};
const struct uk_extra_layout *uk_extra_layout(enum uk_extra_kind kind);

/* The stub's filter for files it picks up from a directory: a regular, non-hidden file with an ASCII name of
 * at most 255 bytes ending in suffix and not in exclude (NULL: none), both matched case-insensitively. */
bool uk_stub_file_wanted(const char *name, bool is_dir, const char *suffix, const char *exclude);

/* Whether a directory entry is picked up for kind: a regular file, not hidden, ASCII name of at most
 * 255 bytes ending in the kind's suffix. */
bool uk_extra_wanted(enum uk_extra_kind kind, const char *name, bool is_dir);

/* Offer one listed file of known size; kept if wanted. UK_E_TOO_MANY past UK_EXTRAS_MAX files, and
 * UK_E_BUFFER_TOO_SMALL if dir/name does not fit an ESP path. Call uk_extras_finish once all are offered. */
uk_err uk_extras_offer(struct uk_extras *x, enum uk_extra_kind kind, const char *dir, const char *name,
                       bool is_dir, uint64_t size);

/* Put the files in boot order, and drop every file of a kind that has one over 4 GiB - 1: systemd-stub
 * then fails that whole archive (cpio sizes are 32-bit) and boots without it. */
void uk_extras_finish(struct uk_extras *x);

/* "<dir>/<name without +LEFT[-DONE]>.extra.d" into buf[cap]: the stub names the drop-in directory after the
 * UKI as it was installed, so a counted UKI keeps its extras and addons. False if it would not fit. */
bool uk_extras_dropin_dir(const char *uki_path, char *buf, size_t cap);

/* List <uki_path>.extra.d (the UKI's name without its boot counter, as the stub names it), /loader/credentials
 * and /loader/extensions through fs, take the sizes, and fill ret in boot order.
 * Missing directories and files that vanish or are not regular files are skipped, as systemd-stub skips
 * them. An I/O error listing a directory or opening a file fails with UK_E_IO and ret->io_path (the stub
 * would skip it, but the initrd would then silently lack files the ESP has: doc/efi.md); more files than
 * a plan can carry fails with UK_E_TOO_MANY. ret is fully written (n may be 0). */
uk_err uk_extras_scan(const struct uk_fs_ops *fs, const char *uki_path, struct uk_extras *ret);
