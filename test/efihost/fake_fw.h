/* ukiboot — host test harness: a fake UEFI firmware of our own, just the services efi/ calls, so the EFI
 * front end's real source files run on the host under ASan/UBSan. Every firmware call a fault can hit is
 * counted per kind; a run can make the Nth call of one kind fail and then checks what ukiboot did about it. */
#pragma once
#include <efi.h>
#include <efilib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The firmware calls a fault can be injected into (one counter each). */
enum fw_call {
        FW_ALLOCATE_POOL,
        FW_ALLOCATE_PAGES,
        FW_FILE_OPEN,
        FW_FILE_READ,
        FW_FILE_GET_INFO,
        FW_FILE_SET_POSITION,
        FW_FILE_SET_INFO,
        FW_HANDLE_PROTOCOL,
        FW_LOCATE_PROTOCOL,
        FW_INSTALL_PROTOCOL,
        FW_LOAD_IMAGE,
        FW_START_IMAGE,
        FW_GET_VARIABLE,
        FW_SET_VARIABLE,
        FW_CREATE_EVENT,
        FW_HASH_LOG_EXTEND,
        FW_HTTP_CONFIGURE,
        FW_HTTP_REQUEST,
        FW_HTTP_RESPONSE,
        FW_FILE_WRITE,
        FW_GET_MONOTONIC_COUNT,
        FW_INSTALL_CONFIG_TABLE,
        FW_N_CALLS,
};
extern const char *const fw_call_name[FW_N_CALLS];

/* How a run ended. */
enum fw_outcome {
        FW_BOOTED,          /* a kernel's StartImage got its command line and initrd: the boot happened */
        FW_CHAINLOADED,     /* an `efi` entry's program was started */
        FW_RETURNED,        /* efi_main returned to the firmware */
        FW_RESET,           /* ResetSystem */
        FW_WAITS,           /* the menu waits for a key that never comes (a person must choose) */
        FW_HANG,            /* a storm of calls or of stalls: ukiboot would never finish */
        FW_VIOLATION,       /* a misuse the firmware would not survive (bad free, unknown handle, ...) */
};
extern const char *const fw_outcome_name[];

/* One file of the in-memory ESP ("/loader/loader.conf"); directories are implied by the paths. */
struct fw_file {
        const char *path;
        const void *data;
        size_t len;
};

/* A variable present before the run (UTF-16 values are given as ASCII and widened). */
struct fw_var {
        const char *name;
        const EFI_GUID *guid;
        const char *ascii;          /* widened to UTF-16 with its NUL, or ... */
        const void *raw;            /* ... these bytes as they are */
        size_t raw_len;
};

struct fw_setup {
        const struct fw_file *files;
        size_t n_files;
        const struct fw_var *vars;
        size_t n_vars;
        const char *keys;           /* keys typed at the menu, in order ('\r' Enter, 'j'/'k' down/up); NULL: none */
        bool secure_boot;           /* Security2 refuses images without the fake db marker */
        bool tpm;                   /* a TPM 2.0 is present */
        const void *http_body;      /* the one file the fake HTTP server serves (NULL: no network stack) */
        size_t http_len;
        enum fw_call fail_call;     /* inject: the fail_nth-th call of this kind fails (fail_nth 0: none) */
        unsigned fail_nth;
};

struct fw_result {
        enum fw_outcome outcome;
        EFI_STATUS returned;                /* FW_RETURNED: what efi_main returned */
        char cmdline[4096];                 /* FW_BOOTED: the kernel's load options, as ASCII */
        uint8_t initrd_sha256[32];          /* FW_BOOTED: digest of what LoadFile2 served (zero: no initrd) */
        uint64_t initrd_len;
        size_t kernel_len;                  /* FW_BOOTED: size of the image started */
        char chainloaded[512];              /* FW_CHAINLOADED: the file path started */
        char renamed[1100];                 /* the last rename: "from -> to" ("" if none) */
        char boot_count_path[512];          /* LoaderBootCountPath at the end, as ASCII ("" if unset) */
        uint8_t seed_file[64];              /* /loader/random-seed at the end (its first 64 bytes) */
        size_t seed_file_len;               /* its length (0: absent) */
        bool seed_file_written;             /* something was written to it */
        uint8_t seed_table[32];             /* the LINUX_EFI_RANDOM_SEED_TABLE installed, if any */
        bool seed_table_installed;
        uint8_t dtb_sha256[32];             /* the device-tree configuration table at the end (its totalsize bytes) */
        bool dtb_installed;
        int reset_type;                     /* FW_RESET: the EFI_RESET_TYPE asked for */
        uint64_t os_indications;            /* OsIndications at the end (0: unset) */
        unsigned calls[FW_N_CALLS];         /* calls made, per kind */
        bool injected;                      /* the fault was actually hit */
        unsigned measurements;              /* successful HashLogExtendEvent calls */
        /* What was left behind when ukiboot returned control (only meaningful for RETURNED/RESET). */
        unsigned pool_left, pages_left, files_left, events_left, images_left, foreign_handles_left;
        bool hooks_restored;                /* Security/Security2 function pointers are the firmware's again */
        char problem[512];                  /* FW_VIOLATION / FW_HANG: what happened */
        char *console;                      /* everything printed (malloc'ed; free with fw_result_free) */
        size_t console_len;
};

/* Run efi_main once over setup; the result says how it ended. */
void fw_run(const struct fw_setup *setup, struct fw_result *ret);
void fw_result_free(struct fw_result *r);

/* Called by the host gnu-efi library (libefi_host.c): console text and the pool the library allocates. */
void fw_console_append(const CHAR16 *s);
