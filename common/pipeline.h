/* ukiboot — the entry-to-plan pipeline: the one path from an ESP to a boot plan, and the one failure policy.
 *
 *   uk_bootmenu_load    loader.conf (one size limit, one fallback), entries (one capacity), titles, default
 *   uk_boot_prepare     open what an entry names, verify it, parse it, extras, command line, plan
 *   uk_failure_next     what an entry that could not be booted leads to
 *
 * The twins supply I/O and machine facts (struct uk_boot_io, struct uk_boot_request) and carry the result
 * out; every decision and every sentence about it is made here, so both twins print the same. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "entry.h"
#include "addon.h"
#include "extras.h"
#include "plan.h"
#include "sbat.h"
#include "uki.h"
#include "url.h"

#define UK_LOADER_CONF_PATH "/loader/loader.conf"
#define UK_LOADER_CONF_MAX 16384
#define UK_NOTE_MAX 384       /* a pin's refusal holds two SHA-256s besides the entry and its URL */
#define UK_BOOTMENU_NOTES 4
#define UK_BOOT_NOTES 8
#define UK_EFI_OPTIONS_MAX (UK_OPTIONS_MAX + 1024)

/* ---- what the ESP offers ------------------------------------------------------------------------ */

struct uk_bootmenu {
        struct uk_loader_conf conf;       /* as read, or the defaults (a note says why) */
        bool have_conf;                   /* loader.conf was read and parsed */
        struct uk_discovery found;
        int def;                          /* index of the default entry, -1 when there is none */
        char notes[UK_BOOTMENU_NOTES][UK_NOTE_MAX];   /* sentences both twins print */
        unsigned n_notes;
        /* Set when a file the menu depends on could not be read ("<path>: read error", the first one): the
         * menu may then differ from the ESP's (a default from the wrong loader.conf, an entry missing), so
         * nothing is booted without a person's choice (EFI) and the running system stops (Linux). */
        char io_error[UK_NOTE_MAX];
        struct uk_entry entries[UK_ENTRIES_MAX + UK_AUTO_ENTRIES_MAX];  /* found.n of them: the ESP's, then the automatic ones */
        char text[UK_LOADER_CONF_MAX];    /* loader.conf is read here */
};

/* Read loader.conf, discover the entries and pick the default (one_shot: LoaderEntryOneShot, efi_default:
 * LoaderEntryDefault, last_booted: LoaderEntryLastBooted for "@saved"; NULL if unset). An unreadable or
 * malformed loader.conf means the defaults, with a note. Fails only when no entry directory could be read
 * at all (then ret->found.n is 0). */
uk_err uk_bootmenu_load(const struct uk_fs_ops *fs, const char *one_shot, const char *efi_default,
                        const char *last_booted, struct uk_bootmenu *ret);
/* The same, with what the machine tells about itself: the automatic entries (uk_entries_add_auto) follow
 * the ESP's. uk_bootmenu_load knows no facts (only the file-based automatic entries can appear). */
uk_err uk_bootmenu_load_facts(const struct uk_fs_ops *fs, const struct uk_menu_facts *facts, const char *one_shot,
                              const char *efi_default, const char *last_booted, struct uk_bootmenu *ret);

/* ---- one entry to a plan ------------------------------------------------------------------------- */

/* Where an image comes from, for the twin's open hook. */
enum uk_image_where {
        UK_IMAGE_ESP,           /* an ESP path (`uki`, `linux`, Type #2) */
        UK_IMAGE_XBOOTLDR,      /* the same, of an entry on the XBOOTLDR partition */
        UK_IMAGE_URL,           /* `uki-url`, `linux-url`, `initrd-url`, or a URL given directly */
        UK_IMAGE_FILE,          /* a file given directly (Linux twin: a path on the running system) */
};

struct uk_boot_io {
        void *ctx;
        const struct uk_fs_ops *fs;       /* the ESP (and its XBOOTLDR, fs->xbootldr); NULL when there is none */
        /* Open the image to boot (a UKI, or a `linux` entry's kernel) as a source that stays valid until
         * close_image; the twin chooses how (read whole, file descriptor, download). */
        uk_err (*open_image)(void *ctx, enum uk_image_where where, const char *name, struct uk_source *ret_src);
        void (*close_image)(void *ctx, struct uk_source *src);
        /* Secure Boot's verdict over a whole UKI before anything in it is parsed (UK_E_SECURITY to refuse);
         * a twin that knows more than "refused" (the Linux twin's own check does) says so in why[why_cap],
         * which then ends the refusal instead of the error's text. NULL: nothing is checked. */
        uk_err (*verify_image)(void *ctx, enum uk_image_where where, const char *name, const struct uk_source *src,
                               char *why, size_t why_cap);
        /* Memory for one addon or `initrd-url` file read whole: size bytes that stay put until
         * uk_boot_release, because the plan's pieces point into them (NULL when there is none). NULL hook:
         * addons are not picked up, and initrds by URL are refused. */
        void *(*hold)(void *ctx, size_t size);
        /* Give back everything hold handed out for this boot (uk_boot_release calls it). */
        void (*release_held)(void *ctx);
};

/* URL schemes a twin can download (struct uk_boot_request.fetch_schemes). */
enum {
        UK_FETCH_HTTP = 1 << 0,
        UK_FETCH_HTTPS = 1 << 1,
        UK_FETCH_TFTP = 1 << 2,
};

struct uk_boot_request {
        const struct uk_entry *entry;     /* what to boot; NULL: the UKI `image` itself */
        enum uk_image_where image_where;  /* entry == NULL: where image lives */
        const char *image;
        const struct uk_loader_conf *conf;        /* the ESP's loader.conf; NULL when booting outside an ESP */
        const char *append;               /* editor text / --append; NULL or "" for none */
        bool has_profile;
        unsigned profile;
        struct uk_machine machine;
        bool can_chain_load;              /* this twin can start an `efi` entry's program */
        bool can_pass_devicetree;         /* this twin hands the plan's device tree to the kernel */
        bool can_multiboot;               /* this twin starts Multiboot kernels (the EFI twin on x86-64) */
        unsigned fetch_schemes;           /* UK_FETCH_*: the URL schemes this twin can download */
        bool https_has_ca;                /* CA certificates to check an https server with are at hand (the
                                           * ESP's UK_HTTPS_CA_PATH, the firmware's or the system's) */
        struct uk_pin pin;                /* entry == NULL: the pin image must match (--sha256); an entry
                                           * brings its own (`uki-sha256`, `linux-sha256`) */
        /* entry == NULL: image is a kernel with an EFI stub, booted with these initrds (URLs or, where the
         * twin reads files, files; uk_url_has_scheme tells which) and the command line append, planned as a
         * `linux-url` entry would be (the Linux twin's --kernel and --initrd). */
        bool image_is_kernel;
        const char *const *initrds;
        unsigned n_initrds;
};

/* The pin the image of req must match (state UK_PIN_NONE: none). A twin that could hand the kernel other
 * bytes than those hashed (a file that may change) reads a pinned image into a private copy first. */
const struct uk_pin *uk_boot_pin(const struct uk_boot_request *req);

/* Why an entry is not booted: one line, the same on both twins. */
enum uk_refusal_stage {
        UK_REFUSE_NONE,
        UK_REFUSE_KIND,         /* this twin cannot start what the entry names */
        UK_REFUSE_READ,         /* an I/O error: the bytes could not be had */
        UK_REFUSE_VERIFY,       /* Secure Boot refused the image */
        UK_REFUSE_CONTENT,      /* the bytes are malformed or cannot be booted */
        UK_REFUSE_POLICY,       /* the command line may not be changed, or it does not fit */
};
struct uk_refusal {
        enum uk_refusal_stage stage;
        uk_err err;
        char text[UK_NOTE_MAX];           /* "<entry id>: <what>: <why>" */
};

struct uk_boot {
        enum uk_entry_kind kind;          /* UK_ENTRY_KIND_EFI: efi_path + efi_options; an action (firmware
                                           * setup, reboot, power off): efi_what says it; else a plan */
        bool have_plan;
        struct uk_plan plan;
        struct uk_uki uki;                /* valid for UKI kinds */
        bool is_uki;
        struct uk_source src;             /* the opened image; release with uk_boot_release */
        bool src_open;
        enum uk_image_where where;
        const char *image_name;           /* ESP path, URL or file the image was read from */
        char efi_options[UK_EFI_OPTIONS_MAX];     /* `efi` entries: the load options */
        size_t efi_options_len;
        char efi_what[UK_NOTE_MAX];       /* `efi` entries: "chain-loads the EFI program P with load options "O"" */
        char notes[UK_BOOT_NOTES][UK_NOTE_MAX];   /* sentences both twins print (extras skipped ...) */
        unsigned n_notes;
        struct uk_refusal refusal;
        struct uk_extras extras;          /* scratch for the extras scan */
        struct uk_addons addons;          /* scratch for the addons scan */
        struct uk_pe addon_pe;            /* scratch: the addon being judged */
        char addon_cmdline[UK_CMDLINE_MAX];       /* the addons' combined command line */
        struct uk_addon_piece addon_pieces[UK_ADDON_PIECES_MAX];        /* their .ucode and .initrd */
        unsigned n_addon_pieces;
        char sbat[UK_SBAT_SECTION_MAX];   /* scratch: the UKI's .sbat, read for the SBAT check */
        struct uk_url url;                /* scratch: a URL image's parts, for the scheme check */
        struct uk_held_file held_initrds[UK_ENTRY_MAX_INITRDS];  /* a `linux-url` entry's initrds, read whole */
        struct uk_entry direct;           /* scratch: the `linux-url` entry a kernel given directly is planned as */
        struct uk_multiboot multiboot;    /* a `multiboot` entry's kernel, as common/multiboot.c lays it out */
        uint8_t hash_scratch[16384];      /* scratch: a pinned image hashed through a source that is not memory */
};

/* Turn a request into a plan (or, for an `efi` entry, the load options). On failure the image is closed
 * again, ret->refusal says why and the error is returned. On success the image stays open: the plan's UKI
 * pieces are read from ret->src until uk_boot_release. */
uk_err uk_boot_prepare(const struct uk_boot_io *io, const struct uk_boot_request *req, struct uk_boot *ret);

/* Whether booting e reads files from the ESP or its XBOOTLDR partition (a UKI or kernel path, initrd files),
 * from the kind table. */
bool uk_entry_reads_esp(const struct uk_entry *e);

/* Close the image uk_boot_prepare opened and give back the addons' memory (idempotent). */
void uk_boot_release(const struct uk_boot_io *io, struct uk_boot *b);

/* Whether the command line of e may be edited in the menu (Secure Boot + embedded .cmdline of the entry's
 * profile locks it); reads the UKI's headers through fs. An unreadable UKI is reported unlocked: booting
 * it fails anyway, with its own refusal. */
bool uk_boot_editor_locked(const struct uk_fs_ops *fs, const struct uk_entry *e, bool secure_boot);

/* ---- the failure policy -------------------------------------------------------------------------- */

enum uk_next {
        UK_NEXT_ENTRY,          /* try the next entry in boot order */
        UK_NEXT_MENU,           /* back to whoever chose the entry: the menu (EFI), the exit status (Linux) */
        UK_NEXT_FIRMWARE,       /* every entry failed: back to the firmware's next boot option */
        UK_NEXT_REBOOT,         /* every entry failed and loader.conf says `reboot-on-error` */
        UK_NEXT_STOP,           /* a running system stops with the error rather than choose another entry */
};

struct uk_attempt {
        bool chosen;            /* a person chose this entry (menu, --entry, a file): do not boot another */
        size_t tried;           /* entries tried so far, this one included */
        size_t n;               /* entries there are */
        bool reboot_on_error;
        bool measured;          /* the TPM was extended for this entry before it failed */
        bool read_failed;       /* the refusal is an I/O error (the entry may be fine: its bytes were not had) */
        bool running_system;    /* the Linux twin: a running system that can stop and say so */
};

/* What follows a refusal. Once the TPM was extended for an entry, no other entry may boot with PCRs that
 * still describe it (a secret sealed to that entry would unseal under another): back to the firmware, or
 * a reboot with `reboot-on-error`, as systemd-boot returns the error to the firmware. */
enum uk_next uk_failure_next(const struct uk_attempt *a);

/* The k-th entry to try when the first choice is `first`: it, then the others in boot order, wrapping. */
size_t uk_failure_order(size_t first, size_t k, size_t n);

/* The sentence both twins print for a step of the policy. */
const char *uk_next_text(enum uk_next next);

/* The twins keep UK_ADDONS_MAX held buffers: enough for a `linux-url` entry's initrds too. */
_Static_assert(UK_ADDONS_MAX >= UK_ENTRY_MAX_INITRDS, "held buffers");
