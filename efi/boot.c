/* ukiboot EFI — turn an entry into a plan (common/) and carry it out with firmware services. */
#include "boot.h"
#include "cleanup.h"
#include "dtb_table.h"
#include "pipeline.h"
#include "handover.h"
#include "http.h"
#include "tftp.h"
#include "initrd.h"
#include "mbstart.h"
#include "plan.h"
#include "secure.h"
#include "seed.h"
#include "splash.h"
#include "tpm.h"
#include "uki.h"
#include "util.h"
#include "vars.h"

/* Everything a kernel start needs, whatever kind of entry produced it. */
struct kernel_start {
        const struct uk_entry *entry;
        const char *image_path;          /* ESP path recorded as the kernel's FilePath; NULL if fetched */
        const uint8_t *kernel;
        uint64_t kernel_len;
        const struct uk_plan *plan;
        const void *uki;                 /* buffer UKI pieces are served from */
        uint64_t uki_size;
        bool verified;                   /* kernel lies inside a UKI the firmware verified (Secure Boot) */
};

/* The partition an entry's files are on, and the one a plan's file pieces are read from. */
static struct efi_fs *entry_fs(const struct boot_env *env, const struct uk_entry *e) {
        return e->xbootldr ? env->xbootldr : env->fs;
}
static struct efi_fs *plan_fs(const struct boot_env *env, const struct uk_plan *p) {
        return p->xbootldr ? env->xbootldr : env->fs;
}

/* Read piece bytes of a Type #1 `initrd` file: opened per call, LoadFile2 asks only twice. */
static uk_err file_read(void *ctx, const char *path, uint64_t offset, void *buf, size_t len) {
        struct efi_fs *fs = ctx;
        struct uk_fs_ops ops;
        struct uk_source src;
        uk_err r;

        efi_fs_ops(fs, &ops);
        r = ops.open_source(ops.ctx, path, &src);
        if (r)
                return r;
        r = uk_source_read(&src, offset, buf, len);
        ops.close_source(ops.ctx, &src);
        return r;
}

/* Set LoadOptions of a loaded image to a UTF-16 copy of the ASCII s. The copy (NULL when len is 0) is
 * the caller's to free once the image has returned: the image only borrows it while it runs. */
static EFI_STATUS set_load_options(EFI_HANDLE h, const char *s, size_t len, CHAR16 **ret_opts) {
        EFI_LOADED_IMAGE *li = NULL;
        CHAR16 *o = NULL;
        EFI_STATUS st = BS->HandleProtocol(h, &LoadedImageProtocol, (void **) &li);
        if (EFI_ERROR(st))
                return st;
        if (len > 0) {
                o = xstr8_to_16(s, len);
                if (!o)
                        return EFI_OUT_OF_RESOURCES;
        }
        li->LoadOptions = o;
        li->LoadOptionsSize = o ? (UINT32) ((len + 1) * sizeof(CHAR16)) : 0;
        *ret_opts = o;
        return EFI_SUCCESS;
}

static EFI_STATUS start_kernel(const struct boot_env *env, const struct kernel_start *k) {
        const struct uk_plan *p = k->plan;
        _cleanup_image_ EFI_HANDLE h = NULL;
        _cleanup_pool_ EFI_DEVICE_PATH *dp = NULL;
        _cleanup_pool_ CHAR16 *opts = NULL;
        struct initrd_server *initrd = NULL;
        EFI_STATUS st;
        /* x86 EFI handover protocol (efi/handover.c) instead of LoadImage: forced, or for kernels that
         * cannot fetch the initrd through LoadFile2; never for kernel bytes the firmware has not verified
         * under Secure Boot. */
        const struct handover_in ho = {
                .image = env->image, .kernel = k->kernel, .kernel_len = k->kernel_len, .plan = p,
                .uki = k->uki, .uki_size = k->uki_size, .file_read = file_read, .file_ctx = plan_fs(env, p),
        };
        bool ho_allowed = !env->secure_boot || k->verified;
        const char *why = NULL;

        switch (handover_choose(&ho, env->force_handover, ho_allowed, &why)) {
        case HANDOVER_YES:
                log_info(L"%a: EFI handover protocol: %a", k->entry->id, why);
                return handover_boot(&ho, k->entry);
        case HANDOVER_IMPOSSIBLE:
                log_error(L"%a: cannot use the EFI handover protocol: %a", k->entry->id, why);
                return EFI_UNSUPPORTED;
        case HANDOVER_NO:
                break;
        }
        if (k->image_path) {
                _cleanup_pool_ CHAR16 *path16 = xpath_to_16(k->image_path);
                if (path16)
                        dp = FileDevicePath(entry_fs(env, k->entry)->device, path16);
        }
        if (k->verified)
                st = secure_load_verified(env->image, dp, k->kernel, k->kernel_len, &h);
        else
                st = BS->LoadImage(FALSE, env->image, dp, (void *) k->kernel, k->kernel_len, &h);
        if (st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED) {
                log_error(L"%a: firmware refused the kernel (%r): Secure Boot is on and the kernel is not signed "
                          L"by a key in db", k->entry->id, st);
                return st;
        }
        if (EFI_ERROR(st)) {
                /* A PE entry the firmware will not load (not a security verdict) is what handover is for. */
                if (ho_allowed && handover_supported(&ho, &why)) {
                        log_info(L"%a: firmware cannot load the kernel's PE image (%r): EFI handover protocol",
                                 k->entry->id, st);
                        return handover_boot(&ho, k->entry);
                }
                log_error(L"%a: cannot load kernel: %r", k->entry->id, st);
                return st;
        }
        st = set_load_options(h, p->cmdline, p->cmdline_len, &opts);
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot set kernel command line: %r", k->entry->id, st);
                return st;
        }
        st = initrd_install(p, k->uki, k->uki_size, file_read, plan_fs(env, p), &initrd);
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot provide initrd: %r", k->entry->id, st);
                return st;
        }
        vars_set_exec(k->entry, p);
        log_info(L"starting kernel of %a", k->entry->id);
        /* The kernel is an EFI application: if its stub returns, the firmware has unloaded it already. */
        st = BS->StartImage(TAKE_PTR(h), NULL, NULL);
        /* Only reached if the kernel's EFI stub gave up (e.g. out of memory, bad initrd). */
        initrd_uninstall(initrd);
        log_error(L"%a: kernel returned: %r", k->entry->id, st);
        return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

static void export_plan(const struct uk_plan *p) {
        static char canonical[UK_PLAN_CANONICAL_MAX];
        size_t len;
        if (uk_plan_canonical(p, canonical, sizeof(canonical), &len) == UK_OK)
                vars_set_plan(canonical, len);
        /* What is known of the bytes: generated pieces only. Hashing the kernel and initrd here would cost
         * seconds under the firmware (doc/architecture.md, "Content identity"), so the rest stays "-" and
         * `ukiboot plan --diff-current` says it cannot tell rather than claim identity. */
#ifndef UKIBOOT_NO_CONTENT_RECORD      /* make bench's baseline: the same build without it */
        if (uk_plan_content_format(p, canonical, sizeof(canonical), &len) == UK_OK)
                vars_set_content(canonical, len);
#endif
}

/* The bytes of the image being booted: read whole from the ESP, or downloaded. */
struct efi_image_io {
        const struct boot_env *env;
        const char *id;
        void *buf;
        uint64_t size;
        UINTN pages;
        EFI_STATUS status;               /* the firmware's word behind a failure, for the detail line */
        const struct https_ca *https_ca; /* the CAs an https download is checked with */
        bool status_said;                /* status is in a line printed already */
        void *held[UK_ADDONS_MAX];       /* addons and initrd-url files read whole: pieces are served from here */
        unsigned n_held;
};

static void *io_hold(void *ctx, size_t size) {
        struct efi_image_io *io = ctx;
        void *p = io->n_held < UK_ELEMENTSOF(io->held) ? AllocatePool(size) : NULL;
        if (p)
                io->held[io->n_held++] = p;
        return p;
}

static void io_release_held(void *ctx) {
        struct efi_image_io *io = ctx;
        while (io->n_held > 0)
                FreePool(io->held[--io->n_held]);
}

static uk_err io_open_image(void *ctx, enum uk_image_where where, const char *name, struct uk_source *ret_src) {
        struct efi_image_io *io = ctx;
        uk_err r;

        if (where == UK_IMAGE_URL) {
                /* The pipeline checked the URL and its scheme: tftp:// is MTFTPv4's, the rest HttpDxe's. */
                static struct uk_url u;
                bool tftp = uk_url_parse(name, &u) == UK_OK && uk_strcmp(u.scheme, "tftp") == 0;
                io->status = tftp ? tftp_fetch(io->id, name, &io->buf, &io->size, &io->pages)
                                  : http_fetch(io->id, name, io->https_ca, &io->buf, &io->size, &io->pages);
                r = EFI_ERROR(io->status) ? (io->status == EFI_NOT_FOUND ? UK_E_NOT_FOUND : UK_E_IO) : UK_OK;
                io->status_said = r != UK_OK;   /* http_fetch's own line already gave the firmware's word */
        } else if (where == UK_IMAGE_ESP || (where == UK_IMAGE_XBOOTLDR && io->env->xbootldr)) {
                r = efi_fs_read_whole(where == UK_IMAGE_ESP ? io->env->fs : io->env->xbootldr, name, &io->buf,
                                      &io->size, &io->pages);
                io->status = r ? efi_fs_last_status() : EFI_SUCCESS;
        } else
                r = UK_E_NOT_FOUND;     /* the EFI twin boots nothing from outside the ESP and XBOOTLDR */
        if (r)
                return r;
        uk_source_from_memory(ret_src, io->buf, io->size);
        return UK_OK;
}

static void io_close_image(void *ctx, struct uk_source *src) {
        struct efi_image_io *io = ctx;
        pages_free(io->buf, io->pages);
        io->buf = NULL;
        io->pages = 0;
        src->ctx = NULL;
}

static uk_err io_verify_image(void *ctx, enum uk_image_where where, const char *name, const struct uk_source *src,
                              char *why, size_t why_cap) {
        struct efi_image_io *io = ctx;
        bool on_disk = where == UK_IMAGE_ESP || where == UK_IMAGE_XBOOTLDR;
        struct efi_fs *fs = where == UK_IMAGE_XBOOTLDR ? io->env->xbootldr : io->env->fs;
        /* The very bytes that will be used: the image read whole, or an addon the pipeline holds. */
        const void *mem = uk_source_memory(src);
        EFI_STATUS st = secure_verify_uki(io->env->image, fs->device, on_disk ? name : NULL, mem ? mem : io->buf,
                                          mem ? src->size : io->size);
        /* The firmware's word is kept for the image's own refusal line, not for an addon's skip. */
        if (!mem || mem == io->buf)
                io->status = st;
        if (!EFI_ERROR(st))
                return UK_OK;
        return st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED ? UK_E_SECURITY : UK_E_IO;
}

static void export_and_log(const struct uk_entry *e, const struct uk_plan *p) {
        log_info(L"plan: profile %d of %d, kernel %ld bytes, initrd %d pieces %ld bytes",
                 p->profile, p->n_profiles ? p->n_profiles : 1, p->kernel.length, p->n_initrd, p->initrd_total);
        log_info(L"cmdline: %a", p->cmdline);
        export_plan(p);
}

/* `efi` entries: the firmware loads the file itself; the load options are the pipeline's. */
static EFI_STATUS boot_efi(const struct boot_env *env, const struct uk_entry *e, const char *opts, size_t len,
                           bool *ret_measured) {
        _cleanup_image_ EFI_HANDLE h = NULL;
        _cleanup_pool_ EFI_DEVICE_PATH *dp = NULL;
        _cleanup_pool_ CHAR16 *path16 = xpath_to_16(e->efi_path);
        _cleanup_pool_ CHAR16 *lo = NULL;
        EFI_STATUS st;

        if (!path16 || !(dp = FileDevicePath(entry_fs(env, e)->device, path16))) {
                log_error(L"%a: cannot load %a: out of memory", e->id, e->efi_path);
                return EFI_OUT_OF_RESOURCES;
        }
        st = secure_load_file(env->image, dp, &h);
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot load %a: %r", e->id, e->efi_path, st);
                return st;
        }
        st = set_load_options(h, opts, len, &lo);
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot pass the options to %a: %r", e->id, e->efi_path, st);
                return st;
        }
        vars_set_exec(e, NULL);
        *ret_measured = tpm_measure_loader_options(opts, len);
        log_info(L"chain-loading %a", e->efi_path);
        /* An application that returns is unloaded by the firmware itself. */
        st = BS->StartImage(TAKE_PTR(h), NULL, NULL);
        log_error(L"%a: %a returned: %r", e->id, e->efi_path, st);
        return EFI_ERROR(st) ? st : EFI_ABORTED;
}

#define OS_INDICATIONS_BOOT_TO_FW_UI 0x1ULL

/* The automatic entries that are firmware actions. Reboot into setup: OsIndications gets the bit (kept
 * non-volatile, as the specification wants it), then a cold reset; the firmware clears it once it obeyed. */
static EFI_STATUS do_action(const struct uk_entry *e, const struct uk_boot *b) {
        EFI_GUID global = EFI_GLOBAL_VARIABLE;
        log_info(L"%a: %a", e->id, b->efi_what);
        if (b->kind == UK_ENTRY_KIND_FIRMWARE_SETUP) {
                UINT64 ind = 0;
                UINTN size = sizeof(ind);
                UINT32 attr = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;
                EFI_STATUS st = RT->GetVariable(L"OsIndications", &global, NULL, &size, &ind);
                if (st == EFI_NOT_FOUND || size != sizeof(ind))
                        ind = 0;
                else if (EFI_ERROR(st)) {
                        log_error(L"%a: cannot read OsIndications: %r", e->id, st);
                        return st;
                }
                ind |= OS_INDICATIONS_BOOT_TO_FW_UI;
                st = RT->SetVariable(L"OsIndications", &global, attr, sizeof(ind), &ind);
                if (EFI_ERROR(st)) {
                        log_error(L"%a: cannot set OsIndications: %r", e->id, st);
                        return st;
                }
        }
        RT->ResetSystem(b->kind == UK_ENTRY_KIND_POWEROFF ? EfiResetShutdown : EfiResetCold, EFI_SUCCESS, 0, NULL);
        log_error(L"%a: the firmware did not reset", e->id);
        return EFI_DEVICE_ERROR;
}

/* Carry out a prepared boot: the pipeline decided everything, this only starts it. */
static EFI_STATUS execute(const struct boot_env *env, const struct uk_entry *e, const struct uk_boot *b,
                          const struct efi_image_io *img, bool *ret_measured) {
        if (uk_entry_is_action(e))
                return do_action(e, b);
        if (b->kind == UK_ENTRY_KIND_EFI) {
                log_info(L"%a: %a", e->id, b->efi_what);
                return boot_efi(env, e, b->efi_options, b->efi_options_len, ret_measured);
        }
        export_and_log(e, &b->plan);
        /* A Multiboot kernel: no stub, no LoadFile2; the plan's own measurements (its files, its line). */
        if (b->plan.is_multiboot) {
                *ret_measured = tpm_measure_plan(img->buf, img->size, &b->plan, file_read, plan_fs(env, &b->plan));
                return mb_start(env->image, e->id, &b->plan, img->buf, img->size, file_read, plan_fs(env, &b->plan));
        }
        if (b->plan.splash.length > 0 && uk_range_ok(b->plan.splash.offset, b->plan.splash.length, img->size))
                splash_show((const uint8_t *) img->buf + b->plan.splash.offset, (size_t) b->plan.splash.length);
        *ret_measured = tpm_measure_plan(img->buf, img->size, &b->plan, file_read, plan_fs(env, &b->plan));
        /* After the measurements, as the stub installs it; a tree that cannot be installed is said and the
         * boot goes on with the firmware's, as the stub goes on. */
        struct dtb_install dt;
        EFI_STATUS dst = dtb_install(&b->plan, img->buf, img->size, file_read, plan_fs(env, &b->plan), &dt);
        if (EFI_ERROR(dst))
                log_error(L"%a: device tree not installed: %r", e->id, dst);
        else if (dt.installed)
                log_info(L"%a: device tree %a installed (%d bytes)", e->id,
                         b->plan.devicetree.source == UK_DT_UKI ? b->plan.devicetree.label :
                         uk_plan_path_name(b->plan.devicetree.path),
                         (int) (b->plan.devicetree.length + b->plan.devicetree.zero_fill));
        struct kernel_start k = {
                .entry = e,
                .image_path = b->where == UK_IMAGE_ESP || b->where == UK_IMAGE_XBOOTLDR ? b->image_name : NULL,
                .kernel = (const uint8_t *) img->buf + b->plan.kernel.offset,
                .kernel_len = b->plan.kernel.length,
                .plan = &b->plan,
                .uki = img->buf,
                .uki_size = img->size,
                .verified = b->is_uki && env->secure_boot,
        };
        EFI_STATUS st = start_kernel(env, &k);
        dtb_restore(&dt);
        return st;
}

/* Boot counting (common/entry_conf.c decides the new name): rename the entry's file before anything else,
 * as systemd-boot does, so an attempt that never comes back still counts; then tell the OS where the file
 * went. A rename that fails is said, and the boot goes on uncounted. */
static void count_boot(const struct boot_env *env, struct uk_entry *e) {
        static struct uk_count c;
        EFI_STATUS st;

        if (uk_entry_count_next(e->path, &c) != UK_OK)
                return;
        log_info(L"%a: counting this boot: %a -> %a", e->id, c.from, c.to_name);
        st = efi_fs_rename(entry_fs(env, e), c.from, c.to_name);
        if (EFI_ERROR(st)) {
                log_error(L"%a: boot not counted: cannot rename %a to %a: %r", e->id, c.from, c.to_name, st);
                return;
        }
        uk_entry_apply_count(e, &c);
        log_info(L"%a: boot counted: %a", e->id, c.to);
        vars_set_str(L"LoaderBootCountPath", c.var);
}

EFI_STATUS boot_entry(const struct boot_env *env, struct uk_entry *e, const char *append, bool *ret_measured) {
        _cleanup_pool_ struct uk_boot *b = AllocatePool(sizeof(*b));
        struct https_ca ca = {};
        struct efi_image_io img = { .env = env, .id = e->id, .https_ca = &ca };
        struct uk_fs_ops ops, xb_ops;
        EFI_STATUS st;
        uk_err r;

        *ret_measured = false;
        if (!b) {
                log_error(L"%a: out of memory", e->id);
                return EFI_OUT_OF_RESOURCES;
        }
        if (uk_entry_records_boot(e))
                count_boot(env, e);
        /* As systemd-boot: after the counter, before the image is read, for every kernel it starts itself. */
        if (uk_entry_takes_random_seed(e))
                random_seed_process(env->fs, env->secure_boot);
        efi_fs_ops_pair(env->fs, env->xbootldr, &ops, &xb_ops);
        /* What this firmware can fetch, looked at only for an entry that fetches. */
        bool tls = uk_entry_fetches(e) && http_tls_available();
        if (tls)
                https_ca_load(env->fs, e->id, &ca);
        const struct uk_boot_io io = {
                .ctx = &img, .fs = &ops,
                .open_image = io_open_image, .close_image = io_close_image, .verify_image = io_verify_image,
                .hold = io_hold, .release_held = io_release_held,
        };
        const struct uk_boot_request req = {
                .entry = e,
                .conf = env->conf,
                .append = append,
                .machine = { .secure_boot = env->secure_boot, .pe_machine = uk_pe_machine_native(),
                             .sbat_level = env->sbat_level, .sbat_level_len = env->sbat_level_len,
                             .smbios = env->smbios, .smbios_len = env->smbios_len,
                             .confidential_vm = env->confidential_vm, .fdt = env->fdt, .fdt_len = env->fdt_len },
                .can_chain_load = true,
                .can_pass_devicetree = true,
                .can_multiboot = mb_supported(),
                /* efi/http.c (HttpDxe, TlsDxe for https), efi/tftp.c (Mtftp4Dxe) */
                .fetch_schemes = UK_FETCH_HTTP | UK_FETCH_TFTP | (tls ? UK_FETCH_HTTPS : 0),
                .https_has_ca = ca.list || ca.firmware_has,
        };
        r = uk_boot_prepare(&io, &req, b);
        for (unsigned i = 0; i < b->n_notes; i++)
                log_info(L"note: %a", b->notes[i]);
        https_ca_free(&ca);
        if (r) {
                /* A download that failed said why on its own line ("<id>: <url>: <reason>"): one line a fault. */
                if (!(b->refusal.stage == UK_REFUSE_READ && img.status_said))
                        log_error(L"%a", b->refusal.text);
                if (EFI_ERROR(img.status) && !img.status_said)
                        log_error(L"%a: firmware status %r", e->id, img.status);
                return uk_err_to_efi(r);
        }
        st = execute(env, e, b, &img, ret_measured);
        uk_boot_release(&io, b);
        return st;
}
