/* ukiboot EFI — turn an entry into a plan (common/) and carry it out with firmware services. */
#include "boot.h"
#include "handover.h"
#include "http.h"
#include "initrd.h"
#include "plan.h"
#include "secure.h"
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

/* Build the plan for entry e and show it, or say on the console why there is none. */
static EFI_STATUS build_plan(const struct uk_entry *e, const struct uk_plan_in *in, struct uk_plan *p) {
        uk_err r = uk_plan_build(in, p);
        if (r) {
                log_error(L"%a: no boot plan: %a", e->id, uk_strerror(r));
                return uk_err_to_efi(r);
        }
        log_info(L"plan: profile %d of %d, kernel %ld bytes, initrd %d pieces %ld bytes",
                 p->profile, p->n_profiles ? p->n_profiles : 1, p->kernel.length, p->n_initrd, p->initrd_total);
        log_info(L"cmdline: %a", p->cmdline);
        return EFI_SUCCESS;
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
        struct initrd_server *initrd = NULL;
        EFI_DEVICE_PATH *dp = NULL;
        EFI_HANDLE h = NULL;
        CHAR16 *path16, *opts = NULL;
        EFI_STATUS st;
        /* x86 EFI handover protocol (efi/handover.c) instead of LoadImage: forced, or for kernels that
         * cannot fetch the initrd through LoadFile2; never for kernel bytes the firmware has not verified
         * under Secure Boot. */
        const struct handover_in ho = {
                .image = env->image, .kernel = k->kernel, .kernel_len = k->kernel_len, .plan = p,
                .uki = k->uki, .uki_size = k->uki_size, .file_read = file_read, .file_ctx = env->fs,
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
        path16 = k->image_path ? xpath_to_16(k->image_path) : NULL;
        if (path16) {
                dp = FileDevicePath(env->fs->device, path16);
                FreePool(path16);
        }
        if (k->verified)
                st = secure_load_verified(env->image, dp, k->kernel, k->kernel_len, &h);
        else
                st = BS->LoadImage(FALSE, env->image, dp, (void *) k->kernel, k->kernel_len, &h);
        if (dp)
                FreePool(dp);
        if (st == EFI_SECURITY_VIOLATION || st == EFI_ACCESS_DENIED) {
                if (h)
                        BS->UnloadImage(h);
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
                BS->UnloadImage(h);
                return st;
        }
        st = initrd_install(p, k->uki, k->uki_size, file_read, env->fs, &initrd);
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot provide initrd: %r", k->entry->id, st);
                BS->UnloadImage(h);
                if (opts)
                        FreePool(opts);
                return st;
        }
        vars_set_exec(k->entry, true);
        log_info(L"starting kernel of %a", k->entry->id);
        st = BS->StartImage(h, NULL, NULL);
        /* Only reached if the kernel's EFI stub gave up (e.g. out of memory, bad initrd). */
        initrd_uninstall(initrd);
        BS->UnloadImage(h);
        if (opts)
                FreePool(opts);
        log_error(L"%a: kernel returned: %r", k->entry->id, st);
        return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

static void export_plan(const struct uk_plan *p) {
        static char canonical[UK_PLAN_CANONICAL_MAX];
        size_t len;
        if (uk_plan_canonical(p, canonical, sizeof(canonical), &len) == UK_OK)
                vars_set_plan(canonical, len);
}

/* Boot a UKI already in memory (read from the ESP or downloaded); takes ownership of the pages. `what` names
 * it in messages, image_path is its ESP path (NULL for a download). The plan never depends on either. */
static EFI_STATUS boot_uki_buffer(const struct boot_env *env, const struct uk_entry *e, const char *append,
                                  const char *what, const char *image_path, const struct uk_extras *extras,
                                  void *buf, uint64_t size, UINTN pages) {
        struct uk_uki *uki = NULL;
        struct uk_plan *plan = NULL;
        struct uk_source src;
        EFI_STATUS st = EFI_LOAD_ERROR;
        uk_err r;

        uki = AllocatePool(sizeof(*uki));
        plan = AllocatePool(sizeof(*plan));
        if (!uki || !plan) {
                log_error(L"%a: out of memory", e->id);
                st = EFI_OUT_OF_RESOURCES;
                goto out;
        }
        /* Under Secure Boot nothing of the UKI is used before the firmware has accepted all of it. */
        if (env->secure_boot) {
                bool on_esp = e->kind == UK_ENTRY_KIND_UKI;
                st = secure_verify_uki(env->image, env->fs->device, on_esp ? e->uki_path : NULL, buf, size);
                if (EFI_ERROR(st)) {
                        log_error(L"%a: %a refused under Secure Boot: %a (%r)", e->id,
                                  on_esp ? e->uki_path : e->uki_url, secure_verify_reason(st), st);
                        goto out;
                }
        }
        uk_source_from_memory(&src, buf, size);
        r = uk_uki_parse(&src, uki);
        if (r) {
                log_error(L"%a: %a is not a bootable UKI: %a", e->id, what, uk_strerror(r));
                st = uk_err_to_efi(r);
                goto out;
        }
        struct uk_plan_in in = {
                .src = &src,
                .uki = uki,
                .entry = e,
                .append = append && *append ? append : NULL,
                .extras = extras,
                .machine = { .secure_boot = env->secure_boot, .pe_machine = uk_pe_machine_native() },
        };
        st = build_plan(e, &in, plan);
        if (EFI_ERROR(st))
                goto out;
        st = EFI_LOAD_ERROR;
        if (plan->kernel.source != UK_PIECE_UKI || !uk_range_ok(plan->kernel.offset, plan->kernel.length, size)) {
                log_error(L"%a: kernel piece outside the UKI", e->id);
                goto out;
        }
        export_plan(plan);
        tpm_measure_uki(e, append, buf, size, uki, plan);
        struct kernel_start k = {
                .entry = e,
                .image_path = image_path,
                .kernel = (const uint8_t *) buf + plan->kernel.offset,
                .kernel_len = plan->kernel.length,
                .plan = plan,
                .uki = buf,
                .uki_size = size,
                .verified = env->secure_boot,
        };
        st = start_kernel(env, &k);
out:
        if (plan)
                FreePool(plan);
        if (uki)
                FreePool(uki);
        pages_free(buf, pages);
        return st;
}

/* Credentials and system extensions next to the UKI, as systemd-stub would pick them up when started from
 * this path; NULL (after saying why) when there are none or they cannot be listed. */
static struct uk_extras *scan_extras(const struct boot_env *env, const struct uk_entry *e) {
        struct uk_extras *x = AllocateZeroPool(sizeof(*x));
        struct uk_fs_ops ops;
        uk_err r;

        if (!x) {
                log_error(L"%a: out of memory for credentials and system extensions", e->id);
                return NULL;
        }
        efi_fs_ops(env->fs, &ops);
        r = uk_extras_scan(&ops, e->uki_path, x);
        if (r == UK_OK && x->n > 0) {
                log_info(L"%a: %d credential and system extension files picked up", e->id, x->n);
                return x;
        }
        if (r)
                log_error(L"%a: credentials and system extensions: %a", e->id, uk_strerror(r));
        FreePool(x);
        return NULL;
}

static EFI_STATUS boot_uki(const struct boot_env *env, const struct uk_entry *e, const char *append) {
        struct uk_extras *extras;
        void *buf = NULL;
        uint64_t size = 0;
        UINTN pages = 0;
        EFI_STATUS st;
        uk_err r;

        r = efi_fs_read_whole(env->fs, e->uki_path, &buf, &size, &pages);
        if (r) {
                log_error(L"%a: cannot read %a: %a", e->id, e->uki_path, uk_strerror(r));
                return uk_err_to_efi(r);
        }
        /* Only a UKI started from the ESP has an ESP path for systemd-stub to look next to. */
        extras = scan_extras(env, e);
        st = boot_uki_buffer(env, e, append, e->uki_path, e->uki_path, extras, buf, size, pages);
        if (extras)
                FreePool(extras);
        return st;
}

/* `uki-url`: download into memory, then exactly the path of a UKI read from the ESP. */
static EFI_STATUS boot_uki_url(const struct boot_env *env, const struct uk_entry *e, const char *append) {
        void *buf = NULL;
        uint64_t size = 0;
        UINTN pages = 0;
        EFI_STATUS st;

        st = http_fetch(e->id, e->uki_url, &buf, &size, &pages);
        if (EFI_ERROR(st))
                return st;
        return boot_uki_buffer(env, e, append, e->uki_url, NULL, NULL, buf, size, pages);
}

/* Type #1 `linux` + `initrd`: kernel file in memory, initrd files served from the ESP on demand. */
static EFI_STATUS boot_linux(const struct boot_env *env, const struct uk_entry *e, const char *append) {
        struct uk_plan *plan = NULL;
        struct uk_source src;
        void *buf = NULL;
        uint64_t size = 0;
        UINTN pages = 0;
        EFI_STATUS st = EFI_LOAD_ERROR;
        uk_err r;

        struct uk_plan_in in = {
                .src = &src,
                .entry = e,
                .append = append && *append ? append : NULL,
                .machine = { .secure_boot = env->secure_boot },
        };
        for (unsigned i = 0; i < e->n_initrd && i < UK_ENTRY_MAX_INITRDS; i++) {
                r = efi_fs_file_size(env->fs, e->initrd[i], &in.initrd_file_sizes[i]);
                if (r) {
                        log_error(L"%a: initrd %a: %a", e->id, e->initrd[i], uk_strerror(r));
                        return uk_err_to_efi(r);
                }
        }
        r = efi_fs_read_whole(env->fs, e->linux_path, &buf, &size, &pages);
        if (r) {
                log_error(L"%a: cannot read %a: %a", e->id, e->linux_path, uk_strerror(r));
                return uk_err_to_efi(r);
        }
        uk_source_from_memory(&src, buf, size);
        plan = AllocatePool(sizeof(*plan));
        if (!plan) {
                st = EFI_OUT_OF_RESOURCES;
                goto out;
        }
        st = build_plan(e, &in, plan);
        if (EFI_ERROR(st))
                goto out;
        st = EFI_LOAD_ERROR;
        if (!uk_range_ok(plan->kernel.offset, plan->kernel.length, size)) {
                log_error(L"%a: kernel piece outside the kernel file", e->id);
                goto out;
        }
        export_plan(plan);
        tpm_measure_loader_options(plan->cmdline, plan->cmdline_len);
        struct kernel_start k = {
                .entry = e,
                .image_path = e->linux_path,
                .kernel = (const uint8_t *) buf + plan->kernel.offset,
                .kernel_len = plan->kernel.length,
                .plan = plan,
                .uki = buf,
                .uki_size = size,
        };
        st = start_kernel(env, &k);
out:
        if (plan)
                FreePool(plan);
        pages_free(buf, pages);
        return st;
}

/* `efi` entries: the firmware loads the file itself; options (+ editor text) become its LoadOptions. */
static EFI_STATUS boot_efi(const struct boot_env *env, const struct uk_entry *e, const char *append) {
        static char opts[UK_OPTIONS_MAX + 512];
        EFI_DEVICE_PATH *dp = NULL;
        EFI_HANDLE h = NULL;
        CHAR16 *path16, *lo = NULL;
        size_t len = 0;
        EFI_STATUS st;

        path16 = xpath_to_16(e->efi_path);
        if (!path16)
                return EFI_OUT_OF_RESOURCES;
        dp = FileDevicePath(env->fs->device, path16);
        FreePool(path16);
        if (!dp)
                return EFI_OUT_OF_RESOURCES;
        st = BS->LoadImage(FALSE, env->image, dp, NULL, 0, &h);
        FreePool(dp);
        if (EFI_ERROR(st)) {
                if (h)
                        BS->UnloadImage(h);
                log_error(L"%a: cannot load %a: %r", e->id, e->efi_path, st);
                return st;
        }
        if (e->has_options) {
                len = uk_strlen(e->options);
                uk_memcpy(opts, e->options, len);
        }
        if (append && *append) {
                size_t alen = uk_strlen(append);
                if (len + 1 + alen < sizeof(opts)) {
                        if (len > 0)
                                opts[len++] = ' ';
                        uk_memcpy(opts + len, append, alen);
                        len += alen;
                } else
                        log_error(L"%a: editor text dropped: options and text exceed %d bytes", e->id,
                                  (int) sizeof(opts) - 1);
        }
        opts[len] = 0;
        st = set_load_options(h, opts, len, &lo);
        if (EFI_ERROR(st)) {
                BS->UnloadImage(h);
                return st;
        }
        vars_set_exec(e, false);
        tpm_measure_loader_options(opts, len);
        log_info(L"chain-loading %a", e->efi_path);
        st = BS->StartImage(h, NULL, NULL);
        if (lo)
                FreePool(lo);
        log_error(L"%a: %a returned: %r", e->id, e->efi_path, st);
        return EFI_ERROR(st) ? st : EFI_ABORTED;
}

EFI_STATUS boot_entry(const struct boot_env *env, const struct uk_entry *e, const char *append) {
        switch (e->kind) {
        case UK_ENTRY_KIND_UKI:
                return boot_uki(env, e, append);
        case UK_ENTRY_KIND_LINUX:
                return boot_linux(env, e, append);
        case UK_ENTRY_KIND_EFI:
                return boot_efi(env, e, append);
        case UK_ENTRY_KIND_UKI_URL:
                return boot_uki_url(env, e, append);
        }
        return EFI_UNSUPPORTED;
}
