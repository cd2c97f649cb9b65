/* ukiboot — what to boot (a UKI file, an entry on the ESP, a URL) and its plan, through common/pipeline.c. */
#pragma once
#include <getopt.h>
#include <stdbool.h>
#include "pipeline.h"
#include "esp.h"
#include "source_fd.h"
#include "trust.h"

struct target_opts {
        const char *uki_path;
        const char *entry;      /* id on the ESP, or a .conf file path when no ESP is given */
        bool use_default;
        const char *esp;
        const char *xbootldr;   /* --xbootldr DIR */
        const char *append;
        bool has_profile;
        unsigned profile;
        int secure_boot;        /* -1: read efivars */
        bool assume_no_secure_boot;     /* load/kexec: an unreadable Secure Boot state counts as off */
        const char *db_file, *dbx_file; /* plan: check signatures against these lists */
        struct uk_pin pin;      /* --sha256: the image given directly must hash to this */
        const char *kernel;     /* --kernel URL|FILE: a kernel with an EFI stub instead of a UKI */
        const char *initrds[UK_ENTRY_MAX_INITRDS];       /* --initrd URL|FILE, in order (with --kernel) */
        unsigned n_initrds;
        const char *ca_file;    /* --ca FILE: CA certificates for https instead of the system's */
        bool this_machine;      /* the plan will be booted here: refuse UKIs for another CPU */
        bool starts_boot;       /* load/kexec: record the boot of an ESP entry as the EFI program does (its
                                 * boot counter, LoaderEntryLastBooted, a LoaderEntryOneShot used up) */
};
struct target {
        struct fd_source file;  /* the UKI (or the kernel of a `linux` entry), opened for the pipeline */
        bool have_file;
        const struct uk_uki *uki;       /* NULL for a `linux` entry */
        struct uk_entry *entry; /* NULL for a plain UKI */
        struct esp esp;
        bool have_esp;
        struct uk_bootmenu *menu;       /* the ESP's entries, when the entry came from there */
        struct esp_choice choice;       /* and the variables that chose its default */
        struct uk_boot *boot;   /* the pipeline's result (common/pipeline.c) */
        struct trust trust;     /* Secure Boot: the state assumed and what signatures are checked against */
        const struct uk_plan *plan;     /* &boot->plan once planned */
        uint8_t *smbios;        /* the SMBIOS structure table (dmi_table_read), NULL if none */
        size_t smbios_len;
        uint8_t *fdt;           /* the running kernel's device tree (fdt_table_read), NULL if none */
        size_t fdt_len;
        char detail[4400];      /* the system's word behind a failed open, printed after the refusal */
        bool reason_printed;    /* the failed open already said why on its own line */
        bool seal;              /* read the image into a sealed private copy before it is checked */
        const char *ca_file;    /* --ca: what an https server must chain to */
        const char *who;        /* the entry being prepared (its id), NULL for an image given directly */
        void *held[UK_ADDONS_MAX];      /* addons and --initrd/initrd-url files read whole: the plan's pieces */
        unsigned n_held;
};
/* Resolve opts into an opened source and a built plan; prints the reason and returns an exit code. */
int target_plan(const struct target_opts *o, struct target *ret);
void target_free(struct target *t);
/* getopt_long option ids shared by plan/load/kexec. */
enum {
        OPT_ENTRY = 0x100, OPT_DEFAULT, OPT_ESP, OPT_APPEND, OPT_PROFILE, OPT_SECURE_BOOT, OPT_JSON,
        OPT_CANONICAL, OPT_CRASH, OPT_FORCE, OPT_CURRENT, OPT_DIFF_CURRENT, OPT_HELP, OPT_KERNEL,
        OPT_INITRD, OPT_OUTPUT, OPT_NO_EXEC, OPT_FLAG, OPT_CONTENT, OPT_DIFF, OPT_ASSUME_NO_SB, OPT_DB, OPT_DBX, OPT_NO_COUNT, OPT_KEXEC_LOAD, OPT_XBOOTLDR, OPT_SHA256, OPT_CA,
        OPT_BOOT_KERNEL, OPT_BOOT_INITRD,
};
/* The getopt_long entries target_opt handles, for the option tables of plan/load/kexec/extract. */
#define TARGET_OPTIONS \
        { "entry", required_argument, NULL, OPT_ENTRY }, \
        { "default", no_argument, NULL, OPT_DEFAULT }, \
        { "esp", required_argument, NULL, OPT_ESP }, \
        { "xbootldr", required_argument, NULL, OPT_XBOOTLDR }, \
        { "append", required_argument, NULL, OPT_APPEND }, \
        { "profile", required_argument, NULL, OPT_PROFILE }, \
        { "sha256", required_argument, NULL, OPT_SHA256 }, \
        { "ca", required_argument, NULL, OPT_CA }
/* plan/load/kexec (not extract, whose --kernel and --initrd are outputs): a kernel and initrds to boot. */
#define KERNEL_OPTIONS \
        { "kernel", required_argument, NULL, OPT_BOOT_KERNEL }, \
        { "initrd", required_argument, NULL, OPT_BOOT_INITRD }
/* Handle one target option; false if opt is not one. Sets *ret_err to an exit code on bad values. */
bool target_opt(struct target_opts *o, int opt, const char *arg, int *ret_err);
/* After the options: take the UKI argument (args[0..n)) and check that exactly one thing to boot was
 * named (a UKI, --kernel, --entry or --default); an exit code, EXIT_OK when fine. */
int target_opts_finish(const char *verb, struct target_opts *o, int n, char **args);
