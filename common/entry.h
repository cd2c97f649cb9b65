/* ukiboot — boot entries: BLS Type #1 (.conf) and Type #2 (UKI in /EFI/Linux), loader.conf, ordering. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "source.h"

#define UK_ENTRY_MAX_INITRDS 8
#define UK_PATH_MAX 256
#define UK_OPTIONS_MAX 4096
#define UK_URL_MAX 512
#define UK_TRIES_UNSET UINT32_MAX
#define UK_SHOW_TITLE_MAX 256

enum uk_entry_type {
        UK_ENTRY_TYPE1,       /* /loader/entries/NAME.conf */
        UK_ENTRY_TYPE2,       /* /EFI/Linux/NAME.efi */
        UK_ENTRY_AUTO,        /* made up by the boot loader: "auto-windows", "auto-reboot-to-firmware-setup", ... */
};

/* An integrity pin: `uki-sha256 HEX` in an entry, --sha256 HEX for an image given directly. The image's
 * bytes are hashed whole before any of them is used, and a mismatch refuses the boot. A pin that cannot be
 * read (not 64 hex digits, or two different ones) is kept as MALFORMED so the entry is refused rather than
 * booted unpinned. */
enum uk_pin_state {
        UK_PIN_NONE,
        UK_PIN_SHA256,
        UK_PIN_MALFORMED,
};
struct uk_pin {
        enum uk_pin_state state;
        uint8_t sha256[32];
};

/* Read a pin's value: 64 hex digits (either case). */
uk_err uk_pin_parse(const char *s, size_t len, struct uk_pin *ret_pin);

/* What an entry boots. A .conf naming several: uki-url wins over linux-url, linux-url over uki, uki over
 * linux, linux over multiboot, multiboot over efi. */
enum uk_entry_kind {
        UK_ENTRY_KIND_UKI,        /* `uki PATH` or Type #2 */
        UK_ENTRY_KIND_UKI_URL,    /* `uki-url URL` */
        UK_ENTRY_KIND_LINUX,      /* `linux` + `initrd` (kernel with EFI stub) */
        UK_ENTRY_KIND_LINUX_URL,  /* `linux-url` + `initrd-url` (and `initrd` on the ESP): a kernel by URL */
        UK_ENTRY_KIND_MULTIBOOT,  /* `multiboot` + `module` (GRUB's words): a Multiboot v1 kernel, modules in initrd[] */
        UK_ENTRY_KIND_EFI,        /* `efi` chain-load */
        UK_ENTRY_KIND_FIRMWARE_SETUP,  /* auto: reboot into the firmware's setup (OsIndications) */
        UK_ENTRY_KIND_REBOOT,          /* auto: reboot */
        UK_ENTRY_KIND_POWEROFF,        /* auto: power off */
        UK_ENTRY_KIND_URL_PROMPT,      /* auto (`ukiboot-url-prompt`): a person types a URL, booted as uki-url */
};

struct uk_entry {
        enum uk_entry_type type;
        enum uk_entry_kind kind;
        char id[UK_PATH_MAX];          /* file name, lower-cased, boot-counter stripped ("foo.conf", "bar.efi") */
        char path[UK_PATH_MAX];        /* ESP path of the .conf or .efi file, '/'-separated, leading '/' */
        char title[128];
        char show_title[UK_SHOW_TITLE_MAX];   /* what menus and lists show: uk_entries_show_titles */
        char version[64];
        char sort_key[64];
        char machine_id[33];
        char architecture[16];
        char linux_path[UK_PATH_MAX];  /* `linux`, or `multiboot` */
        char efi_path[UK_PATH_MAX];    /* `efi` */
        char uki_path[UK_PATH_MAX];    /* `uki`, or the Type #2 file itself */
        char url[UK_URL_MAX];          /* `uki-url`, `linux-url` */
        char devicetree[UK_PATH_MAX];
        struct uk_pin pin;             /* `uki-sha256` / `linux-sha256`: the image's bytes, hashed whole */
        char initrd[UK_ENTRY_MAX_INITRDS][UK_PATH_MAX];
        unsigned n_initrd;
        char initrd_url[UK_ENTRY_MAX_INITRDS][UK_PATH_MAX];      /* `initrd-url`, in order */
        unsigned n_initrd_url;
        struct uk_pin initrd_pin[UK_ENTRY_MAX_INITRDS];  /* `initrd-sha256`: the n-th pins the n-th initrd-url */
        unsigned n_initrd_pin;
        char options[UK_OPTIONS_MAX];  /* all `options` lines joined by one space */
        bool has_options;
        bool has_profile;
        unsigned profile;              /* `profile N`, or the @N of a Type #2 profile entry */
        uint32_t tries_left;           /* UK_TRIES_UNSET without boot counting */
        uint32_t tries_done;
        bool xbootldr;                 /* found on the Extended Boot Loader partition: path and every file it
                                        * names are there, not on the ESP (as systemd-boot reads them) */
};

/* Parse a Type #1 .conf file named `filename` (for id and boot counting) found at `path`. */
uk_err uk_entry_parse_conf(const char *text, size_t len, const char *filename, const char *path,
                           struct uk_entry *ret_entry);

/* Like uk_entry_parse_conf, but parses straight into *entry, which holds garbage on failure (lets discovery
 * fill the caller's table in place instead of keeping an 8 KiB struct on the stack). */
uk_err uk_entry_parse_conf_into(const char *text, size_t len, const char *filename, const char *path,
                                struct uk_entry *entry);

/* Split "name+LEFT[-DONE].ext" into the id "name.ext" and counters (UK_TRIES_UNSET without them). */
uk_err uk_entry_parse_tries(const char *filename, char *ret_id, size_t cap, uint32_t *ret_left, uint32_t *ret_done);

/* Boot counting as systemd-boot does it: before an entry whose file name carries "+LEFT[-DONE]" is started,
 * the file is renamed to "+(LEFT-1)-(DONE+1)" (LEFT stays at 0, DONE stops at INT32_MAX) and
 * LoaderBootCountPath names the new file, for systemd-bless-boot to find once the system is up. */
struct uk_count {
        char from[UK_PATH_MAX];         /* the entry file's ESP path now ('/' separators) */
        char to[UK_PATH_MAX];           /* its path after the rename, same directory */
        const char *to_name;            /* the file name part of `to` (what EFI's SetInfo takes) */
        char var[UK_PATH_MAX];          /* LoaderBootCountPath's value: `to` with '\' separators */
};
/* The rename that counts one boot of the entry file at path; UK_E_NOT_FOUND when its name has no counter. */
uk_err uk_entry_count_next(const char *path, struct uk_count *ret);
/* After that rename: the entry's path, and its UKI when that is the same file (Type #2), become c->to. */
void uk_entry_apply_count(struct uk_entry *e, const struct uk_count *c);

struct uk_loader_conf {
        char default_pattern[UK_PATH_MAX];  /* `default` glob, "" when unset */
        uint64_t timeout;                   /* `timeout`: seconds or a UK_TIMEOUT_* value (common/timeout.h) */
        bool has_timeout;
        bool editor;                        /* `editor` (default yes) */
        bool auto_entries;                  /* `auto-entries` (default yes): Windows, EFI shell, EFI default loader */
        bool auto_firmware;                 /* `auto-firmware` (default yes): reboot into firmware setup */
        bool auto_reboot;                   /* `auto-reboot` (default no) */
        bool auto_poweroff;                 /* `auto-poweroff` (default no) */
        bool ukiboot_handover;              /* `ukiboot-handover` (ours): force the x86 EFI handover protocol */
        bool ukiboot_url_prompt;            /* `ukiboot-url-prompt` (ours, default no): a "Boot From URL..." entry */
        bool reboot_on_error;               /* `reboot-on-error`: reboot once every entry failed (default: back to
                                             * the firmware, which tries its next boot option) */
        uint32_t console_mode;              /* `console-mode`: a text mode number or UK_CONSOLE_MODE_* */
        bool beep;                          /* `beep`: the PC speaker beeps N times for the Nth entry */
        uint8_t log_level;                  /* `log-level`: syslog numbering, UK_LOG_* (default info) */
};

#define UK_CONSOLE_MODE_KEEP UINT32_MAX           /* leave the firmware's mode (the default) */
#define UK_CONSOLE_MODE_AUTO (UINT32_MAX - 1)     /* "auto": ukiboot keeps the firmware's mode too (doc/efi.md) */
#define UK_CONSOLE_MODE_MAX (UINT32_MAX - 2)      /* the mode with the most character cells */
#define UK_LOG_ERR 3            /* errors only */
#define UK_LOG_INFO 6           /* what ukiboot does (the default) */

struct uk_fs_ops;

/* What the machine tells about itself that decides the automatic entries: both twins supply it. */
struct uk_menu_facts {
        bool firmware_setup;        /* OsIndicationsSupported has EFI_OS_INDICATIONS_BOOT_TO_FW_UI */
        const char *own_path;       /* the boot loader's own ESP path as the firmware names it ('\' or '/'
                                     * separated; EFI: its loaded image, Linux: LoaderImageIdentifier),
                                     * NULL if unknown; anything not starting with a separator is unknown */
};

#define UK_AUTO_ENTRIES_MAX 7

/* Append systemd-boot's automatic entries after entries[0..n) (already in boot order), in its order: Windows
 * Boot Manager, EFI Shell, EFI Default Loader (when those files exist, with `auto-entries`; the default
 * loader only when it is not the boot loader itself, and never when that is unknown), then reboot into
 * firmware setup (`auto-firmware`, when supported), power off (`auto-poweroff`), reboot (`auto-reboot`).
 * At most UK_AUTO_ENTRIES_MAX; cap is entries' room. Returns the new count. facts NULL: nothing known. */
size_t uk_entries_add_auto(const struct uk_fs_ops *fs, const struct uk_loader_conf *conf,
                           const struct uk_menu_facts *facts, struct uk_entry *entries, size_t n, size_t cap);

/* True for the entries that are an action of the firmware, not a program to start. */
bool uk_entry_is_action(const struct uk_entry *e);
/* Whether starting e records a boot (LoaderEntryLastBooted, LoaderEntrySelected, the boot counter): not
 * for actions, as systemd-boot saves only entries that start something. */
bool uk_entry_records_boot(const struct uk_entry *e);
/* Whether the random seed is refreshed and handed over before e starts: only a Linux kernel ukiboot starts
 * itself (`linux`, `uki`, Type #2), as systemd-boot does; a chain-loaded program or a fetched UKI's stub
 * sees to its own. */
bool uk_entry_takes_random_seed(const struct uk_entry *e);
/* Whether the failure policy may fall back to e after another entry failed: never to an action (a failed
 * boot must not power the machine off or reboot it into setup). */
bool uk_entry_may_fall_back_to(const struct uk_entry *e);

/* Whether booting e downloads something (its image, or an initrd): the twin looks at its network then. */
bool uk_entry_fetches(const struct uk_entry *e);

/* The word for an entry kind, as entries say it: "uki", "uki-url", "linux", "linux-url", "efi". */
const char *uk_entry_kind_name(enum uk_entry_kind kind);
/* What the entry names to boot: its UKI path, URL, kernel path or EFI program ("" if none). */
const char *uk_entry_target(const struct uk_entry *e);

/* True if the entry may boot on x86-64: no `architecture`, or "x64" (any case), as systemd-boot checks. */
bool uk_entry_is_for_x64(const struct uk_entry *e);

/* One "KEY<sep>VALUE" line of a config text, read the way systemd-boot reads loader.conf, entry files and
 * .osrel: lines end at LF or CR, blank and '#' lines are skipped, surrounding blanks trimmed, a value
 * wrapped in double quotes is unquoted; reading stops at the end or at a NUL byte. */
struct uk_kv_iter {
        const char *text;
        size_t len;
        size_t pos;
};
struct uk_kv {
        const char *key;
        size_t key_len;
        const char *val;
        size_t val_len;
};
/* Next pair separated by any char of seps; false at the end. */
bool uk_kv_next(struct uk_kv_iter *it, const char *seps, struct uk_kv *ret_kv);
/* True if the pair's key equals key exactly (keys are case-sensitive, as in systemd-boot). */
bool uk_kv_key_is(const struct uk_kv *kv, const char *key);

/* Parse loader.conf; unknown keys are ignored like systemd-boot does. */
uk_err uk_loader_conf_parse(const char *text, size_t len, struct uk_loader_conf *ret_conf);

/* systemd-boot's version comparison (strverscmp_improved): <0, 0, >0. */
int uk_strverscmp(const char *a, const char *b);

/* systemd-boot's entry order: <0 if a boots before b. */
int uk_entry_compare(const struct uk_entry *a, const struct uk_entry *b);

/* Sort entries in place (stable insertion sort; n is small). */
void uk_entries_sort(struct uk_entry *entries, size_t n);

/* Index of the default entry, as systemd-boot picks it: the one_shot glob, else efivar_default's, else
 * loader.conf `default`'s, else the first entry with tries left. "@saved" (either default) stands for
 * last_booted (LoaderEntryLastBooted); a LoaderEntryDefault of "@saved" also sets loader.conf's aside. Each
 * may be NULL or "". -1 when n == 0. */
int uk_entries_default(const struct uk_entry *entries, size_t n, const char *one_shot,
                       const char *efivar_default, const char *conf_default, const char *last_booted);

/* What booting the entry `id` does to LoaderEntryLastBooted (systemd-boot's save_selected_entry). */
enum uk_last_booted {
        UK_LAST_BOOTED_KEEP,    /* leave it: the entry was the one-shot */
        UK_LAST_BOOTED_SAVE,    /* write id (non-volatile): a default of "@saved" is in effect */
        UK_LAST_BOOTED_FORGET,  /* delete it: nothing uses it */
};
enum uk_last_booted uk_last_booted_action(const char *id, const char *one_shot, const char *efivar_default,
                                          const char *conf_default);

/* Index of the entry whose id equals id (case-insensitively, ".conf"/".efi" suffix optional), or -1. */
int uk_entries_find(const struct uk_entry *entries, size_t n, const char *id);

/* File-system access the discovery code needs; paths are ESP-absolute with '/' separators. */
struct uk_fs_ops {
        void *ctx;
        /* Call cb for each entry of directory `dir`; missing directory -> UK_E_NOT_FOUND. */
        uk_err (*list_dir)(void *ctx, const char *dir,
                           uk_err (*cb)(void *cb_ctx, const char *name, bool is_dir), void *cb_ctx);
        /* Read a whole small file (config) into buf[cap]; *ret_len set on success. */
        uk_err (*read_file)(void *ctx, const char *path, char *buf, size_t cap, size_t *ret_len);
        /* Open a file as a source for PE parsing of Type #2 UKIs; close with close_source. */
        uk_err (*open_source)(void *ctx, const char *path, struct uk_source *ret_src);
        void (*close_source)(void *ctx, struct uk_source *src);
        /* The Extended Boot Loader partition beside this ESP (same ops, its own ctx), NULL without one:
         * entries are found on both, loader.conf and the random seed only on the ESP. */
        const struct uk_fs_ops *xbootldr;
};

/* The file system an entry's files are on: esp's XBOOTLDR partition for an entry found there, else esp. */
const struct uk_fs_ops *uk_entry_fs(const struct uk_fs_ops *esp, const struct uk_entry *e);

/* Open path on fs and close it again: UK_OK when it is there, else the open's error (UK_E_NOT_FOUND for
 * absence, UK_E_IO when it could not be told). */
uk_err uk_fs_probe(const struct uk_fs_ops *fs, const char *path);

/* Fill every entry's show_title as systemd-boot 252 does: the title (else the id); where two entries
 * would look alike, " (version)" is added to those, then " (" + 8 characters of machine-id + ")", then
 * " (id)". Only the first UK_ENTRIES_MAX entries take part. Control characters become '?'. */
void uk_entries_show_titles(struct uk_entry *entries, size_t n);

#define UK_ENTRIES_MAX 128      /* the one capacity both twins discover into */

struct uk_discovery {
        size_t n;               /* entries in the table */
        size_t skipped;         /* malformed or unreadable files, unreadable directories */
        size_t dropped;         /* well-formed entries beyond the capacity: the last ones in boot order */
        size_t io_errors;       /* files or directories whose bytes could not be had (I/O error, not content) */
        size_t hidden;          /* well-formed Type #1 entries whose linux/efi/uki file is absent (not offered) */
        char io_path[UK_PATH_MAX];      /* the first of them */
};

/* Find all entries on the ESP and on its XBOOTLDR partition (fs->xbootldr): /loader/entries/NAME.conf and
 * /EFI/Linux/NAME.efi (one entry per UKI profile), fill entries[cap] with the first cap of them in boot order (whatever order the directories list them in),
 * sort them and set their show titles. Malformed files are skipped and counted; a Type #1 entry whose file
 * is absent is hidden and counted (as systemd-boot, which does not offer it). */
uk_err uk_entries_discover(const struct uk_fs_ops *fs, struct uk_entry *entries, size_t cap,
                           struct uk_discovery *ret);
