/* ukiboot — Linux front end: declarations shared by the files in linux/. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "error.h"
#include "source.h"
#include "entry.h"
#include "plan.h"
#include "pipeline.h"
#include "uki.h"
#include "bli.h"
#include "sha256.h"

/* Exit codes, documented in `ukiboot --help` and doc/ukiboot.1. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,        /* an operation failed (I/O, kernel refused with an unexpected error) */
        EXIT_USAGE = 2,         /* bad command-line arguments */
        EXIT_INVALID = 3,       /* the UKI, entry or configuration is malformed or cannot be booted */
        EXIT_NOT_FOUND = 4,     /* file, entry, ESP or EFI variable not found */
        EXIT_DENIED = 5,        /* permission or kernel policy (root, lockdown, signature) refused */
        EXIT_NOT_LOADED = 6,    /* exec/reboot without a loaded kernel */
};

/* ---- log.c: one-line messages "ukiboot: <what>: <reason>" on stderr ---- */
/* Print "ukiboot: " + message and return code, so callers can `return log_fail(...)`. */
int log_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a common/ error: not found, I/O or invalid input. */
int exit_code_for_uk(uk_err e);
/* "ukiboot: <what>: <uk_strerror(e)>", returning exit_code_for_uk(e). */
int log_uk(uk_err e, const char *what);
/* Write s as a JSON string literal (quotes included), escaping control and non-ASCII-safe bytes. */
void json_string(FILE *f, const char *s);
void json_string_n(FILE *f, const char *s, size_t len);

/* ---- source_fd.c ---- */
struct fd_source {
        struct uk_source src;
        int fd;
        char *label;            /* path shown in messages */
};
/* Open path read-only and wrap it; on failure prints the reason and returns an exit code. */
int fd_source_open(const char *path, struct fd_source *ret);
/* Wrap an already open fd (ownership passes to the source). */
int fd_source_from_fd(int fd, const char *label, struct fd_source *ret);
void fd_source_close(struct fd_source *s);
/* A source reading [offset, offset+length) of parent; ret must outlive its use. */
struct slice_ctx {
        const struct uk_source *parent;
        uint64_t offset;
};
void source_slice(const struct uk_source *parent, uint64_t offset, uint64_t length,
                  struct slice_ctx *ctx, struct uk_source *ret);
/* Feed len bytes of src at offset into a running SHA-256 through one fixed buffer (never the whole range). */
uk_err source_sha256_update(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len);
/* Read a small range of a source into a fresh NUL-terminated buffer (free() it). */
uk_err source_read_alloc(const struct uk_source *src, uint64_t offset, uint64_t length, size_t max,
                         char **ret_buf);

/* ---- efivars.c ---- */
#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_LOADER_GUID UK_BLI_LOADER_GUID_STR
/* Read efivarfs variable Name-guid: data after the 4 attribute bytes, malloc'd; -errno on failure. */
int efivar_read(const char *name, const char *guid, uint8_t **ret_data, size_t *ret_len);
/* Read a UTF-16LE string variable as UTF-8 into ret[cap]; -errno on failure. */
int efivar_read_string(const char *name, const char *guid, char *ret, size_t cap);
/* Convert UTF-16LE bytes (NUL-terminated or not) to UTF-8. Returns length or -1 if it does not fit. */
int utf16le_to_utf8(const uint8_t *in, size_t in_len, char *ret, size_t cap);
/* Secure Boot state from efivarfs: 1 on, 0 off, -1 unknown (no EFI or no variable). */
int efivar_secure_boot(void);

/* ---- esp.c ---- */
struct esp {
        int dir_fd;             /* O_PATH|O_DIRECTORY of the ESP root */
        char path[4096];
};
/* Use dir if given, else find the ESP like bootctl: /efi, /boot, /boot/efi holding /loader or /EFI. */
int esp_open(const char *dir, struct esp *ret);
void esp_close(struct esp *e);
/* Open an ESP-absolute path ('/' separators), matching names case-insensitively like FAT. -errno. */
int esp_open_file(const struct esp *e, const char *path, int flags);
/* The uk_fs_ops over this ESP. */
void esp_fs_ops(struct esp *e, struct uk_fs_ops *ret);
/* loader.conf, the entries and the default, as the EFI twin reads them (common/pipeline.c), with the
 * one-shot and default entries from efivarfs; notes printed as warnings. malloc'd: free(). Exit code. */
int esp_bootmenu(struct esp *e, struct uk_bootmenu **ret);

/* ---- target.c: what to boot (UKI file, entry on the ESP, URL) -> plan ---- */
struct target_opts {
        const char *uki_path;
        const char *entry;      /* id on the ESP, or a .conf file path when no ESP is given */
        bool use_default;
        const char *esp;
        const char *append;
        bool has_profile;
        unsigned profile;
        int secure_boot;        /* -1: read efivars */
        bool this_machine;      /* the plan will be booted here: refuse UKIs for another CPU */
};
struct target {
        struct fd_source file;  /* the UKI (or the kernel of a `linux` entry), opened for the pipeline */
        bool have_file;
        const struct uk_uki *uki;       /* NULL for a `linux` entry */
        struct uk_entry *entry; /* NULL for a plain UKI */
        struct esp esp;
        bool have_esp;
        struct uk_bootmenu *menu;       /* the ESP's entries, when the entry came from there */
        struct uk_boot *boot;   /* the pipeline's result (common/pipeline.c) */
        const struct uk_plan *plan;     /* &boot->plan once planned */
        char detail[4400];      /* the system's word behind a failed open, printed after the refusal */
        bool reason_printed;    /* the failed open already said why on its own line */
};
/* Resolve opts into an opened source and a built plan; prints the reason and returns an exit code. */
int target_plan(const struct target_opts *o, struct target *ret);
void target_free(struct target *t);
/* getopt_long option ids shared by plan/load/kexec. */
enum {
        OPT_ENTRY = 0x100, OPT_DEFAULT, OPT_ESP, OPT_APPEND, OPT_PROFILE, OPT_SECURE_BOOT, OPT_JSON,
        OPT_CANONICAL, OPT_CRASH, OPT_FORCE, OPT_CURRENT, OPT_DIFF_CURRENT, OPT_HELP, OPT_KERNEL,
        OPT_INITRD, OPT_OUTPUT, OPT_NO_EXEC, OPT_FLAG, OPT_CONTENT, OPT_DIFF,
};
/* The getopt_long entries target_opt handles, for the option tables of plan/load/kexec/extract. */
#define TARGET_OPTIONS \
        { "entry", required_argument, NULL, OPT_ENTRY }, \
        { "default", no_argument, NULL, OPT_DEFAULT }, \
        { "esp", required_argument, NULL, OPT_ESP }, \
        { "append", required_argument, NULL, OPT_APPEND }, \
        { "profile", required_argument, NULL, OPT_PROFILE }
/* Handle one target option; false if opt is not one. Sets *ret_err to an exit code on bad values. */
bool target_opt(struct target_opts *o, int opt, const char *arg, int *ret_err);

/* ---- fill.c: kernel and initrd bytes into file descriptors, without holding them in memory ---- */
/* Copy len bytes at in_off of in_fd to out_fd's current position: copy_file_range, falling back to sendfile. */
int copy_range(int in_fd, uint64_t in_off, uint64_t len, int out_fd);
/* Write the kernel kexec_file_load can take (decompressed if needed) to out_fd. -errno / reason printed. */
int fill_kernel(struct target *t, int out_fd);
/* Write the concatenated initrd (pieces + padding) to out_fd; exactly plan->initrd_total bytes. */
int fill_initrd(struct target *t, int out_fd);
/* Hash every piece the plan has not hashed yet (content identity). Exit code. */
int target_hash_content(struct target *t);

/* ---- kexec_arm64.c: kexec_load for arm64 kernels without kexec_file_load (Debian's) ---- */
/* Place the Image in kernel_fd, the initrd (-1: none) and a device tree with cmdline in RAM; kexec_load them.
 * Reason printed; exit code. */
int kexec_load_arm64(int kernel_fd, int initrd_fd, const char *cmdline, const char *what);
/* Unload what kexec_load loaded: 0 or -errno. */
int kexec_unload_legacy(void);

/* ---- zboot.c: streaming decompression, output bounded by max_out ---- */
#define ZBOOT_MAX_OUTPUT (1024ULL * 1024 * 1024)
/* Inflate a gzip stream at [in_off, in_off+in_len) of in_fd, appending to out_fd. UK error code. */
uk_err gunzip_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out);
/* Same for a zstd frame sequence. */
uk_err unzstd_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out);

/* ---- fetch.c ---- */
/* Download url (http/https) into a fresh memfd; progress on stderr. Reason printed; exit code. */
int fetch_url(const char *url, int *ret_fd);

/* ---- pcr.c ---- */
/* Print the SHA-256 PCR 11 value systemd-stub would leave for the UKI's profile (from zeros). Exit code. */
int inspect_pcr11(const struct fd_source *file, unsigned profile, bool json);

/* ---- verbs ---- */
int verb_inspect(int argc, char **argv);
int verb_plan(int argc, char **argv);
int verb_list(int argc, char **argv);
int verb_load(int argc, char **argv);
int verb_kexec(int argc, char **argv);
int verb_unload(int argc, char **argv);
int verb_exec(int argc, char **argv);
int verb_reboot(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_extract(int argc, char **argv);
/* Print a verb's --help text to f. */
void verb_usage(FILE *f, const char *verb);
/* getopt_long returned '?' or ':' (optstring starts with ':'): report the offending option. */
int option_error(const char *verb, int c, char **argv);

/* Parse the options of a VERB whose only option besides --help is the boolean --FLAG_NAME.
 * Returns -1 to go on (positional arguments start at optind), else the exit code to return. */
int parse_flag_option(const char *verb, const char *flag_name, int argc, char **argv, bool *ret_flag);
/* Print "ukiboot: <verb>: <msg>" and a hint to use --help; returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- load.c / reboot.c internals shared with kexec ---- */
int do_load(const struct target_opts *o, bool crash);
int do_exec(bool force);

/* ---- current.c ---- */
/* Print the plan the EFI twin exported (UkibootPlan variable). */
int plan_current(void);
/* Compare this plan (canonical[len] + content[content_len]) with the one the EFI twin exported (from_file
 * NULL) or one saved by `plan --canonical --content` (from_file): a line diff of the layout, then piece by
 * piece content, saying "cannot tell" wherever one side did not hash a piece. */
int plan_diff(const char *from_file, const char *canonical, size_t len, const char *content, size_t content_len);

#define UKIBOOT_RUN_DIR "/run/ukiboot"
#define UKIBOOT_LOADED_FILE UKIBOOT_RUN_DIR "/loaded"
#define UKIBOOT_LOADED_CRASH_FILE UKIBOOT_RUN_DIR "/loaded-crash"
