/* ukiboot — turn "what to boot" (a UKI file, an entry on the ESP, a .conf file, a URL) into a plan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "efivars.h"
#include "esp.h"
#include "firmware_tables.h"
#include "cvm.h"
#include "target.h"
#include "fetch.h"
#include "fill.h"
#include "pem.h"
#include "url.h"
#include "util.h"
#include "verbs.h"

bool target_opt(struct target_opts *o, int opt, const char *arg, int *ret_err) {
        switch (opt) {
        case OPT_ENTRY:
                o->entry = arg;
                return true;
        case OPT_DEFAULT:
                o->use_default = true;
                return true;
        case OPT_ESP:
                o->esp = arg;
                return true;
        case OPT_XBOOTLDR:
                o->xbootldr = arg;
                return true;
        case OPT_APPEND:
                o->append = arg;
                return true;
        case OPT_PROFILE: {
                uint64_t v;
                if (!uk_parse_u64(arg, strlen(arg), &v) || v >= UK_MAX_PROFILES) {
                        *ret_err = log_fail(EXIT_USAGE, "--profile: '%s' is not a profile number (0..%d)",
                                            arg, UK_MAX_PROFILES - 1);
                        return true;
                }
                o->has_profile = true;
                o->profile = (unsigned) v;
                return true;
        }
        case OPT_SECURE_BOOT:
                if (strcmp(arg, "on") == 0)
                        o->secure_boot = 1;
                else if (strcmp(arg, "off") == 0)
                        o->secure_boot = 0;
                else
                        *ret_err = log_fail(EXIT_USAGE, "--secure-boot: expected 'on' or 'off', got '%s'", arg);
                return true;
        case OPT_ASSUME_NO_SB:
                o->assume_no_secure_boot = true;
                return true;
        case OPT_DB:
                o->db_file = arg;
                return true;
        case OPT_DBX:
                o->dbx_file = arg;
                return true;
        case OPT_CA:
                /* Said at once: a typo must not surface as "certificate not trusted" after a download. */
                if (access(arg, R_OK) != 0)
                        *ret_err = log_fail(EXIT_USAGE, "--ca: %s: %s", arg, strerror(errno));
                o->ca_file = arg;
                return true;
        case OPT_SHA256:
                if (uk_pin_parse(arg, strlen(arg), &o->pin) != UK_OK)
                        *ret_err = log_fail(EXIT_USAGE, "--sha256: '%s' is not a SHA-256 (64 hex digits)", arg);
                return true;
        case OPT_BOOT_KERNEL:
                if (o->kernel)
                        *ret_err = log_fail(EXIT_USAGE, "--kernel: given twice");
                else if (!arg[0])
                        *ret_err = log_fail(EXIT_USAGE, "--kernel: empty");
                o->kernel = arg;
                return true;
        case OPT_BOOT_INITRD:
                if (o->n_initrds >= UK_ENTRY_MAX_INITRDS)
                        *ret_err = log_fail(EXIT_USAGE, "--initrd: at most %d", UK_ENTRY_MAX_INITRDS);
                else if (!arg[0])
                        *ret_err = log_fail(EXIT_USAGE, "--initrd: empty");
                else
                        o->initrds[o->n_initrds++] = arg;
                return true;
        default:
                return false;
        }
}

int target_opts_finish(const char *verb, struct target_opts *o, int n, char **args) {
        if (n > 1)
                return usage_error(verb, "expected at most one UKI file");
        if (n == 1)
                o->uki_path = args[0];
        if ((o->uki_path != NULL) + (o->kernel != NULL) + (o->entry != NULL) + o->use_default > 1)
                return usage_error(verb, "a UKI file, --kernel, --entry and --default exclude each other");
        if (!o->uki_path && !o->kernel && !o->entry && !o->use_default)
                return usage_error(verb, "expected a UKI file, --kernel URL|FILE, --entry ID or --default");
        if (o->n_initrds > 0 && !o->kernel)
                return usage_error(verb, "--initrd goes with --kernel (a UKI brings its own; an entry names its own)");
        return EXIT_OK;
}

/* An --entry argument names a .conf file (rather than an id on the ESP) only when it is a path, with a
 * '/' in it ("./x.conf" for one in the current directory): a bare id resolves inside the ESP alone, so a
 * file of that name wherever the command happens to run cannot stand in for the ESP's entry. */
static bool entry_is_file(const char *arg) {
        return strchr(arg, '/') != NULL;
}

static int entry_from_conf_file(const char *path, struct uk_entry *ret) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", path, strerror(errno));
        const size_t cap = UK_OPTIONS_MAX * 4;   /* an entry is a few lines; refuse anything huge */
        char *text = malloc(cap + 1);
        if (!text) {
                close(fd);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        size_t n = 0;
        for (;;) {
                ssize_t k = read(fd, text + n, cap + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = log_fail(EXIT_FAILED, "%s: %s", path, strerror(errno));
                        close(fd);
                        free(text);
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > cap) {
                        close(fd);
                        free(text);
                        return log_fail(EXIT_INVALID, "%s: too large for a boot entry", path);
                }
        }
        close(fd);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char esp_path[UK_PATH_MAX];
        snprintf(esp_path, sizeof esp_path, "/loader/entries/%s", base);
        uk_err e = uk_entry_parse_conf(text, n, base, esp_path, ret);
        free(text);
        if (e)
                return log_uk(e, path);
        return EXIT_OK;
}

/* The entry --entry names, or the default, from the ESP's boot menu (the EFI twin's own reading of it). */
static int entry_from_esp(const struct target_opts *o, struct target *t, size_t *ret_index) {
        int r = esp_bootmenu(&t->esp, &t->menu, &t->choice);
        if (r)
                return r;
        int i = o->entry ? uk_entries_find(t->menu->entries, t->menu->found.n, o->entry) : t->menu->def;
        if (i < 0) {
                if (o->entry)
                        return log_fail(EXIT_NOT_FOUND, "%s: no boot entry with id '%s' (see 'ukiboot list')",
                                        t->esp.path, o->entry);
                return log_fail(EXIT_NOT_FOUND, "%s: no boot entries found", t->esp.path);
        }
        *ret_index = (size_t) i;
        return EXIT_OK;
}

static int need_esp(const struct target_opts *o, struct target *t) {
        if (t->have_esp)
                return EXIT_OK;
        int r = esp_open(o->esp, o->xbootldr, &t->esp);
        if (r == EXIT_OK)
                t->have_esp = true;
        return r;
}

/* Under Secure Boot the bytes checked must be the bytes booted: a file on disk can change between the
 * check and the copy into the kexec memfds, so it is first copied into a sealed memory file and everything
 * (signature, plan, kernel, initrd) is read from that one copy. Downloads already live in a memfd. */
static int seal_copy(struct fd_source *f, char *detail, size_t cap) {
        int m = memfd_create("ukiboot-verified", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (m < 0) {
                snprintf(detail, cap, "memfd_create: %s", strerror(errno));
                return -errno;
        }
        int r = copy_range(f->fd, 0, f->src.size, m);
        if (r == 0 && fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                r = -errno;
        if (r < 0) {
                snprintf(detail, cap, "%s: copy into memory: %s", f->label, strerror(-r));
                close(m);
                return r;
        }
        close(f->fd);
        f->fd = m;
        return 0;
}

/* ---- the I/O the pipeline asks of this twin ---- */

static uk_err io_open_image(void *ctx, enum uk_image_where where, const char *name, struct uk_source *ret_src) {
        struct target *t = ctx;
        int r;

        t->detail[0] = 0;
        t->reason_printed = false;
        switch (where) {
        case UK_IMAGE_ESP:
        case UK_IMAGE_XBOOTLDR: {
                const struct esp *part = t->have_esp ? esp_part(&t->esp, where == UK_IMAGE_XBOOTLDR) : NULL;
                if (!part)
                        return UK_E_NOT_FOUND;
                int fd = esp_open_file(part, name, O_RDONLY);
                char label[4096 + UK_PATH_MAX];
                snprintf(label, sizeof label, "%s%s", part->path, name);
                if (fd < 0) {
                        snprintf(t->detail, sizeof t->detail, "%s: %s", label, strerror(-fd));
                        return uk_err_from_errno(-fd);
                }
                r = fd_source_from_fd(fd, label, &t->file);
                break;
        }
        case UK_IMAGE_URL: {
                /* Download into a memfd (progress and HTTP errors are printed by fetch_url). */
                struct uk_url parsed;
                uk_err e = uk_url_parse(name, &parsed);
                if (e)
                        return e;
                /* An ESP entry trusts what the EFI program would: the ESP's bundle, unless --ca says otherwise. */
                const char *ca = t->ca_file;
                char esp_ca[4096 + sizeof(UK_HTTPS_CA_PATH)];
                /* (For an http entry too: a redirect may lead to https, where the EFI twin uses the bundle.) */
                if (!ca && t->entry && t->have_esp) {
                        snprintf(esp_ca, sizeof esp_ca, "%s%s", esp_part(&t->esp, false)->path, UK_HTTPS_CA_PATH);
                        if (access(esp_ca, R_OK) == 0)
                                ca = esp_ca;
                }
                int fd;
                if ((r = fetch_url(t->who, name, ca, &fd))) {
                        t->reason_printed = true;
                        return r == EXIT_NOT_FOUND ? UK_E_NOT_FOUND : UK_E_IO;
                }
                r = fd_source_from_fd(fd, name, &t->file);
                break;
        }
        case UK_IMAGE_FILE:
        default:
                r = fd_source_open(name, &t->file);
                t->reason_printed = r != EXIT_OK;
                break;
        }
        if (r)
                return r == EXIT_NOT_FOUND ? UK_E_NOT_FOUND : UK_E_IO;
        if (t->seal && where != UK_IMAGE_URL && (r = seal_copy(&t->file, t->detail, sizeof t->detail)) < 0) {
                fd_source_close(&t->file);
                return uk_err_from_errno(-r);
        }
        t->have_file = true;
        *ret_src = t->file.src;
        return UK_OK;
}

static void io_close_image(void *ctx, struct uk_source *src) {
        struct target *t = ctx;
        if (t->have_file)
                fd_source_close(&t->file);
        t->have_file = false;
        src->ctx = NULL;
}

#if defined(__x86_64__)
#define KEXEC_TAKES_MULTIBOOT true
#else
#define KEXEC_TAKES_MULTIBOOT false
#endif
#if defined(__aarch64__)
#define KEXEC_TAKES_DEVICETREE true
#else
#define KEXEC_TAKES_DEVICETREE false
#endif

static void *io_hold(void *ctx, size_t size) {
        struct target *t = ctx;
        void *p = t->n_held < sizeof(t->held) / sizeof(t->held[0]) ? malloc(size) : NULL;
        if (p)
                t->held[t->n_held++] = p;
        return p;
}

static void io_release_held(void *ctx) {
        struct target *t = ctx;
        while (t->n_held > 0)
                free(t->held[--t->n_held]);
}

static uk_err io_verify_image(void *ctx, enum uk_image_where where, const char *name, const struct uk_source *src,
                              char *why, size_t why_cap) {
        struct target *t = ctx;
        uk_err r = trust_verify(&t->trust, src);
        if (r)
                snprintf(why, why_cap, "%s", t->trust.verdict);
        return r;
}

/* Boot counting, as the EFI program and systemd-boot do it (common/entry_conf.c names the new file): the
 * entry's file is renamed before it is prepared, so an attempt that never comes back still counts. A
 * rename that fails is said and the boot goes on uncounted. LoaderBootCountPath tells the next system's
 * systemd-bless-boot which file to bless; most firmware refuses to create that volatile variable once the
 * OS runs, which is said too (doc/ukiboot.1, BOOT COUNTING). */
static void count_boot(struct target *t, struct uk_entry *e) {
        struct uk_count c;
        if (uk_entry_count_next(e->path, &c) != UK_OK)
                return;
        int r = esp_rename(esp_part(&t->esp, e->xbootldr), c.from, c.to);
        if (r < 0) {
                log_warn("%s: boot not counted: cannot rename %s to %s: %s", e->id, c.from, c.to_name, strerror(-r));
                return;
        }
        uk_entry_apply_count(e, &c);
        log_warn("%s: boot counted: %s", e->id, c.to);
        r = efivar_write_string("LoaderBootCountPath", EFI_LOADER_GUID, c.var, false);
        if (r < 0)
                log_warn("%s: LoaderBootCountPath not set (%s): systemd-bless-boot after the soft reboot will not "
                         "see this count", e->id, strerror(-r));
}

/* What starting ESP entry e records on the machine, as the EFI program records it before it starts one:
 * the boot counter, and LoaderEntryLastBooted for `default @saved` (common/entry_order.c decides). */
static void record_boot(struct target *t, struct uk_entry *e) {
        const struct esp_choice *c = &t->choice;
        count_boot(t, e);
        enum uk_last_booted a = uk_last_booted_action(e->id, c->have_one_shot ? c->one_shot : NULL,
                                                      c->have_default ? c->efi_default : NULL,
                                                      t->menu->conf.default_pattern);
        int r = 0;
        if (a == UK_LAST_BOOTED_SAVE && !(c->have_last_booted && strcmp(c->last_booted, e->id) == 0))
                r = efivar_write_string("LoaderEntryLastBooted", EFI_LOADER_GUID, e->id, true);
        else if (a == UK_LAST_BOOTED_FORGET && c->have_last_booted)
                r = efivar_delete("LoaderEntryLastBooted", EFI_LOADER_GUID);
        if (r < 0)
                log_warn("%s: LoaderEntryLastBooted not %s: %s", e->id, a == UK_LAST_BOOTED_SAVE ? "saved" : "deleted",
                         strerror(-r));
}

/* Run the pipeline for one entry (or the UKI o->uki_path); prints notes and the refusal. Exit code. */
static int prepare(const struct target_opts *o, struct target *t, const struct uk_entry *e) {
        struct uk_fs_ops ops;
        if (t->have_esp)
                esp_fs_ops(&t->esp, &ops);
        const struct uk_boot_io io = {
                .ctx = t, .fs = t->have_esp ? &ops : NULL,
                .open_image = io_open_image, .close_image = io_close_image,
                /* The kernel checks only the kernel's own signature (kexec_file_load under lockdown): the
                 * whole UKI is checked here, as the firmware checks it for the EFI twin. */
                .verify_image = t->trust.verify ? io_verify_image : NULL,
                .hold = io_hold, .release_held = io_release_held,
        };
        const struct uk_boot_request req = {
                .entry = e,
                .image_where = uk_url_has_scheme(o->kernel ? o->kernel : o->uki_path) ? UK_IMAGE_URL : UK_IMAGE_FILE,
                .image = o->kernel ? o->kernel : o->uki_path,
                .image_is_kernel = o->kernel != NULL,
                .initrds = o->initrds,
                .n_initrds = o->n_initrds,
                .conf = t->menu && t->menu->have_conf ? &t->menu->conf : NULL,
                .append = o->append,
                .has_profile = o->has_profile,
                .profile = o->profile,
                .machine = {
                        .secure_boot = t->trust.secure_boot,
                        .sbat_level = t->trust.sbat_level,
                        .sbat_level_len = t->trust.sbat_level_len,
                        .pe_machine = o->this_machine ? uk_pe_machine_native() : 0,
                        .confidential_vm = cvm_detect(),
                        .smbios = t->smbios,
                        .smbios_len = t->smbios_len,
                        .fdt = t->fdt,
                        .fdt_len = t->fdt_len,
                },
                .can_chain_load = false,
                /* kexec_load with a layout and trampoline of ours (linux/kexec_multiboot.c), on x86-64. */
                .can_multiboot = !o->this_machine || KEXEC_TAKES_MULTIBOOT,
                /* arm64's kexec_load takes the plan's tree; x86's kexec_file_load takes none. */
                .can_pass_devicetree = KEXEC_TAKES_DEVICETREE,
                .fetch_schemes = fetch_schemes(),
                .https_has_ca = true,   /* --ca, the ESP's bundle, else the system's store */
                .pin = o->pin,
        };
        t->who = e ? e->id : NULL;
        /* Checked bytes must be the booted bytes: under Secure Boot, and for a pinned image. */
        t->seal = t->trust.verify || uk_boot_pin(&req)->state != UK_PIN_NONE;
        uk_err r = uk_boot_prepare(&io, &req, t->boot);
        for (unsigned i = 0; i < t->boot->n_notes; i++)
                log_warn("note: %s", t->boot->notes[i]);
        if (r) {
                /* A download or file whose reason was already said on one line (HTTP status, a lost
                 * connection, errno) needs no second line, as on the EFI twin. */
                if (t->boot->refusal.stage == UK_REFUSE_READ && t->reason_printed)
                        return exit_code_for_uk(r);
                int code = log_fail(exit_code_for_uk(r), "%s", t->boot->refusal.text);
                if (t->detail[0])
                        log_warn("%s", t->detail);
                return code;
        }
        t->plan = &t->boot->plan;
        t->uki = t->boot->is_uki ? &t->boot->uki : NULL;
        return EXIT_OK;
}

int target_plan(const struct target_opts *o, struct target *t) {
        memset(t, 0, sizeof *t);
        t->file.fd = -1;
        t->esp.dir_fd = -1;
        int r;

        t->ca_file = o->ca_file;
        t->boot = calloc(1, sizeof *t->boot);
        if (!t->boot)
                return log_fail(EXIT_FAILED, "out of memory");
        const struct trust_opts to = { .secure_boot = o->secure_boot, .assume_off = o->assume_no_secure_boot,
                                       .for_boot = o->this_machine, .db_file = o->db_file, .dbx_file = o->dbx_file };
        if ((r = trust_setup(&to, &t->trust)))
                return r;
        /* The firmware's OEM strings may extend the command line, as they do under the EFI twin. */
        dmi_table_read(&t->smbios, &t->smbios_len);
        fdt_table_read(&t->fdt, &t->fdt_len);
        const char *direct = o->kernel ? o->kernel : o->uki_path;
        if (direct && !o->entry && !o->use_default) {
                /* A UKI or kernel named directly: an ESP is read only for the files an entry would name. A
                 * URL that cannot be one is a usage error, said before anything is fetched. */
                struct uk_url parsed;
                uk_err ue;
                if (uk_url_has_scheme(direct) && (ue = uk_url_parse(direct, &parsed)))
                        return log_fail(EXIT_USAGE, "%s: %s (expected http://HOST[:PORT]/PATH, https://... or tftp://...)",
                                        direct, uk_strerror(ue));
                for (unsigned i = 0; i < o->n_initrds; i++)
                        if (uk_url_has_scheme(o->initrds[i]) && (ue = uk_url_parse(o->initrds[i], &parsed)))
                                return log_fail(EXIT_USAGE, "--initrd %s: %s (expected http://HOST[:PORT]/PATH, "
                                                "https://... or tftp://...)", o->initrds[i], uk_strerror(ue));
                if (o->esp && (r = need_esp(o, t)))
                        return r;
                return prepare(o, t, NULL);
        }
        if (!o->entry && !o->use_default)
                return log_fail(EXIT_USAGE, "nothing to boot: give a UKI file, --entry ID or --default");
        if (o->pin.state != UK_PIN_NONE)
                return log_fail(EXIT_USAGE, "--sha256 pins a UKI or URL given directly; an entry pins its image "
                                "with its own `uki-sha256` line");

        t->entry = calloc(1, sizeof *t->entry);
        if (!t->entry)
                return log_fail(EXIT_FAILED, "out of memory");
        if (o->entry && entry_is_file(o->entry)) {
                if ((r = entry_from_conf_file(o->entry, t->entry)))
                        return r;
                /* The files it names live on an ESP, if there is one to read them from. */
                if (uk_entry_reads_esp(t->entry) && (r = need_esp(o, t)))
                        return r;
                return prepare(o, t, t->entry);
        }
        size_t first = 0;
        if ((r = need_esp(o, t)) || (r = entry_from_esp(o, t, &first)))
                return r;

        /* The failure policy (common/pipeline.c): an entry a person named is refused on its own; the default
         * falls back through the other entries in boot order, as the EFI twin's automatic boot does. */
        /* A one-shot entry is used up by the boot it chose, as the EFI program deletes it once read. */
        if (o->starts_boot && o->use_default && t->choice.have_one_shot && (r = efivar_delete("LoaderEntryOneShot",
                                                                                              EFI_LOADER_GUID)) < 0)
                log_warn("LoaderEntryOneShot not deleted: %s", strerror(-r));
        size_t n = t->menu->found.n;
        for (size_t k = 0; k < n; k++) {
                size_t i = uk_failure_order(first, k, n);
                if (k > 0 && !uk_entry_may_fall_back_to(&t->menu->entries[i]))
                        continue;
                *t->entry = t->menu->entries[i];
                if (k > 0)
                        log_warn("falling back to entry %s", t->entry->id);
                if (o->starts_boot && uk_entry_records_boot(t->entry)) {
                        record_boot(t, t->entry);
                        /* The menu keeps following the file, as the EFI program's does. */
                        t->menu->entries[i] = *t->entry;
                }
                r = prepare(o, t, t->entry);
                if (r == EXIT_OK)
                        return EXIT_OK;
                struct uk_attempt a = { .chosen = o->entry != NULL, .tried = k + 1, .n = n,
                                        .reboot_on_error = t->menu->conf.reboot_on_error,
                                        .read_failed = t->boot->refusal.stage == UK_REFUSE_READ &&
                                                       t->boot->refusal.err == UK_E_IO,
                                        .running_system = true };
                enum uk_next next = uk_failure_next(&a);
                if (next == UK_NEXT_ENTRY)
                        continue;
                if (next == UK_NEXT_STOP)
                        log_warn("%s: %s", t->entry->id, uk_next_text(next));
                /* The firmware path would now return to the firmware or reset; this running system stays up. */
                if (next == UK_NEXT_REBOOT || next == UK_NEXT_FIRMWARE)
                        log_warn("every entry was refused (the EFI program would say: %s)", uk_next_text(next));
                return r;
        }
        return r;
}

void target_free(struct target *t) {
        if (t->have_file)
                fd_source_close(&t->file);
        if (t->have_esp)
                esp_close(&t->esp);
        free(t->entry);
        free(t->menu);
        free(t->boot);
        free(t->smbios);
        free(t->fdt);
        io_release_held(t);
        trust_free(&t->trust);
        t->uki = NULL, t->entry = NULL, t->plan = NULL, t->menu = NULL, t->boot = NULL;
        t->have_file = t->have_esp = false;
}
