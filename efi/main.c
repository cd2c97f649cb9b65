/* ukiboot EFI — entry point: find entries on our ESP, show the menu, boot, fall back on failure. */
#include "boot.h"
#include "efi-util.h"
#include "entry.h"
#include "fs.h"
#include "menu.h"
#include "secure.h"
#include "util.h"
#include "vars.h"

#define MAX_ENTRIES 64
#define LOADER_CONF "/loader/loader.conf"

static void read_loader_conf(struct uk_fs_ops *ops, struct uk_loader_conf *conf) {
        static char text[8192];
        size_t len;
        uk_err r;

        uk_memset(conf, 0, sizeof(*conf));
        conf->editor = true;
        r = ops->read_file(ops->ctx, LOADER_CONF, text, sizeof(text), &len);
        if (r == UK_E_NOT_FOUND)
                return;
        if (r == UK_OK)
                r = uk_loader_conf_parse(text, len, conf);
        if (r) {
                log_error(L"%a: %a (using defaults)", LOADER_CONF, uk_strerror(r));
                uk_memset(conf, 0, sizeof(*conf));
                conf->editor = true;
        }
}

/* Menu timeout: loader.conf, overridden by LoaderConfigTimeout ("menu-force" or seconds) like systemd-boot. */
static uint32_t pick_timeout(const struct uk_loader_conf *conf) {
        uint32_t t = conf->has_timeout ? conf->timeout_sec : 0;
        char v[32];
        uint64_t n;

        if (vars_get_str(L"LoaderConfigTimeout", v, sizeof(v))) {
                if (uk_strcmp(v, "menu-force") == 0)
                        t = MENU_TIMEOUT_FOREVER;
                else if (uk_parse_u64(v, uk_strlen(v), &n))
                        t = n >= MENU_TIMEOUT_FOREVER ? MENU_TIMEOUT_FOREVER - 1 : (uint32_t) n;
        }
        return t;
}

static void list_entries(const struct uk_entry *entries, size_t n, size_t skipped, int def) {
        static const char *const kinds[] = { "uki", "uki-url", "linux", "efi" };
        log_info(L"%d entries found, %d skipped", n, skipped);
        for (size_t i = 0; i < n; i++) {
                const struct uk_entry *e = &entries[i];
                log_info(L"entry %d: %a [%a, %a] %a%a", i, e->id, e->type == UK_ENTRY_TYPE1 ? "type1" : "type2",
                         (unsigned) e->kind < UK_ELEMENTSOF(kinds) ? kinds[e->kind] : "?",
                         e->title, (int) i == def ? " (default)" : "");
        }
}

/* Try sel first, then every other entry in menu order once; returns only if all failed. */
static void boot_with_fallback(const struct boot_env *env, const struct uk_entry *entries, size_t n,
                               size_t sel, const char *append) {
        for (size_t k = 0; k < n; k++) {
                size_t i = (sel + k) % n;
                if (k > 0)
                        log_info(L"falling back to entry %a", entries[i].id);
                else
                        log_info(L"booting entry %a", entries[i].id);
                /* Edits were meant for the chosen entry, not for its fallbacks. */
                EFI_STATUS st = boot_entry(env, &entries[i], k == 0 ? append : NULL);
                log_info(L"entry %a failed (%r)", entries[i].id, st);
        }
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
        EFI_LOADED_IMAGE *loaded = NULL;
        struct uk_loader_conf conf;
        struct uk_entry *entries;
        struct uk_fs_ops ops;
        struct efi_fs fs = {};
        size_t n = 0, skipped = 0;
        char oneshot[UK_PATH_MAX], efi_default[UK_PATH_MAX];
        static char append[1024];
        bool have_oneshot, have_default;
        uint64_t init_usec;
        EFI_STATUS st;
        uk_err r;
        int def;

        InitializeLib(image, systab);
        timer_calibrate();
        init_usec = timer_usec();
        /* The firmware arms a 5-minute watchdog for boot options; a menu may legitimately wait longer. */
        BS->SetWatchdogTimer(0, 0x10000, 0, NULL);
        Print(L"%a\n", ukiboot_id);

        st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **) &loaded);
        if (EFI_ERROR(st)) {
                log_error(L"no loaded image protocol: %r", st);
                return st;
        }
        vars_set_startup(loaded, init_usec);
        st = efi_fs_open(loaded->DeviceHandle, &fs);
        if (EFI_ERROR(st)) {
                log_error(L"cannot open the ESP we were loaded from: %r", st);
                return st;
        }
        efi_fs_ops(&fs, &ops);
        read_loader_conf(&ops, &conf);

        entries = AllocatePool(MAX_ENTRIES * sizeof(*entries));
        if (!entries) {
                log_error(L"out of memory");
                return EFI_OUT_OF_RESOURCES;
        }
        r = uk_entries_discover(&ops, entries, MAX_ENTRIES, &n, &skipped);
        if (r && r != UK_E_TOO_MANY) {
                log_error(L"entry discovery failed: %a", uk_strerror(r));
                n = 0;
        }
        vars_set_entries(entries, n);

        have_oneshot = vars_get_str(L"LoaderEntryOneShot", oneshot, sizeof(oneshot));
        if (have_oneshot)
                vars_delete(L"LoaderEntryOneShot");
        have_default = vars_get_str(L"LoaderEntryDefault", efi_default, sizeof(efi_default));
        def = uk_entries_default(entries, n, have_oneshot ? oneshot : NULL, have_default ? efi_default : NULL,
                                 conf.default_pattern);
        list_entries(entries, n, skipped, def);
        if (n == 0) {
                log_error(L"no boot entries found in /loader/entries or /EFI/Linux");
                BS->Stall(3 * 1000 * 1000);
                efi_fs_close(&fs);
                return EFI_NOT_FOUND;
        }

        struct menu_config mc = {
                .timeout_sec = have_oneshot ? 0 : pick_timeout(&conf),
                .editor = conf.editor,
                .cmdline_locked = vars_secure_boot() ? secure_editor_locked : NULL,
                .cmdline_locked_ctx = &fs,
                .save_default = vars_save_default,
                .saved_default = efi_default,
                .saved_default_cap = sizeof(efi_default),
        };
        if (!have_default)
                efi_default[0] = 0;
        int sel = menu_run(entries, n, def, &mc, append, sizeof(append));
        if (sel < 0)
                sel = def >= 0 ? def : 0;
        if (append[0])
                log_info(L"appending to the command line: %a", append);

        struct boot_env env = {
                .image = image,
                .fs = &fs,
                .secure_boot = vars_secure_boot(),
                .force_handover = conf.ukiboot_handover,
        };
        boot_with_fallback(&env, entries, n, (size_t) sel, append);

        log_error(L"no entry could be booted; returning to the firmware");
        BS->Stall(3 * 1000 * 1000);
        efi_fs_close(&fs);
        return EFI_LOAD_ERROR;
}
