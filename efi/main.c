/* ukiboot EFI — entry point: find entries on our ESP, show the menu, boot, fall back on failure. */
#include "boot.h"
#include "console.h"
#include "cleanup.h"
#include "efi-util.h"
#include "entry.h"
#include "fs.h"
#include "editor.h"
#include "menu.h"
#include "pipeline.h"
#include "text.h"
#include "timeout.h"
#include "secure.h"
#include "util.h"
#include "vars.h"
#include "smbios_table.h"
#include "dtb_table.h"
#include "cvm.h"
#include "xbootldr.h"

/* Parse a timeout variable's text (common/timeout.h); false when absent or not a timeout (ignored, as
 * systemd-boot ignores it). */
static bool timeout_var(const char *text, bool have, uint64_t *ret) {
        return have && uk_timeout_parse(text, uk_strlen(text), true, ret) == UK_OK;
}

/* The menu's timing (common/timeout.c decides): loader.conf, LoaderConfigTimeout, LoaderConfigTimeoutOneShot,
 * as the menu takes it: 0 hidden (a key opens it), MENU_TIMEOUT_FOREVER shown without a countdown. */
static uint32_t pick_timeout(const struct uk_loader_conf *conf, const struct uk_timeout_sources *vars,
                             bool *ret_keys_ignored) {
        struct uk_timeout_sources in = *vars;
        struct uk_menu_timing m;

        in.has_conf = conf->has_timeout;
        in.conf = conf->timeout;
        uk_menu_timing(&in, &m);
        *ret_keys_ignored = !m.show && !m.key_opens;
        if (!m.show)
                return 0;
        return m.counts_down ? m.seconds : MENU_TIMEOUT_FOREVER;
}

static void list_entries(const struct uk_bootmenu *m) {
        if (m->found.hidden)
                log_info(L"%d entries found, %d skipped, %d hidden (their files are missing)", m->found.n,
                         m->found.skipped, m->found.hidden);
        else
                log_info(L"%d entries found, %d skipped", m->found.n, m->found.skipped);
        for (size_t i = 0; i < m->found.n; i++) {
                const struct uk_entry *e = &m->entries[i];
                log_info(L"entry %d: %a [%a, %a%a] %a%a", i, e->id,
                         e->type == UK_ENTRY_TYPE1 ? "type1" : e->type == UK_ENTRY_TYPE2 ? "type2" : "auto",
                         uk_entry_kind_name(e->kind), e->xbootldr ? ", xbootldr" : "",
                         e->show_title, (int) i == m->def ? " (default)" : "");
        }
}

/* Boot sel, and on failure do what common/pipeline.c's failure policy says: the next entry for an automatic
 * boot, back to the menu for a person's choice. Returns the policy's last word: UK_NEXT_MENU, or
 * UK_NEXT_FIRMWARE / UK_NEXT_REBOOT once no other entry may be tried. */
/* The variables that chose the default, for LoaderEntryLastBooted (NULL: unset). */
struct choice {
        const char *one_shot, *efi_default;
};

static enum uk_next boot_with_policy(const struct boot_env *env, struct uk_bootmenu *m, const struct choice *c,
                                     size_t sel, bool chosen, const char *append, const char *replace) {
        /* The chosen entry's own options while the editor's line replaces them for its attempt. */
        static char saved[UK_OPTIONS_MAX];
        bool saved_has = false;
        size_t n = m->found.n;
        for (size_t k = 0; k < n; k++) {
                struct uk_entry *e = &m->entries[uk_failure_order(sel, k, n)];
                if (k > 0 && !uk_entry_may_fall_back_to(e))
                        continue;
                if (k > 0)
                        log_info(L"falling back to entry %a", e->id);
                else
                        log_info(L"booting entry %a", e->id);
                /* As systemd-boot does before starting an entry: `default @saved` remembers it. */
                if (uk_entry_records_boot(e))
                        vars_apply_last_booted(uk_last_booted_action(e->id, c->one_shot, c->efi_default,
                                                                     m->conf.default_pattern), e->id);
                /* Edits were meant for the chosen entry, not for its fallbacks. */
                bool measured = false, replaced = k == 0 && replace;
                if (replaced) {
                        uk_memcpy(saved, e->options, sizeof(saved));
                        saved_has = e->has_options;
                        uk_strlcpy_checked(e->options, sizeof(e->options), replace);
                        e->has_options = true;
                }
                EFI_STATUS st = boot_entry(env, e, k == 0 ? append : NULL, &measured);
                if (replaced) {
                        uk_memcpy(e->options, saved, sizeof(saved));
                        e->has_options = saved_has;
                }
                struct uk_attempt a = { .chosen = chosen && k == 0, .tried = k + 1, .n = n,
                                        .reboot_on_error = m->conf.reboot_on_error, .measured = measured };
                enum uk_next next = uk_failure_next(&a);
                log_info(L"entry %a failed (%r)%a: %a", e->id, st, measured ? " after the TPM measured it" : "",
                         uk_next_text(next));
                if (next != UK_NEXT_ENTRY)
                        return next;
        }
        /* Only with no entries at all (efi_main returns before): the policy's word for "all tried". */
        struct uk_attempt none = { .tried = n, .n = n, .reboot_on_error = m->conf.reboot_on_error };
        return uk_failure_next(&none);
}

/* The line the menu's editor starts from (common/editor.c decides): "" when it would not fit. */
static void editor_start(void *ctx, const struct uk_entry *e, char *buf, size_t cap) {
        if (uk_editor_start(ctx, e, buf, cap) != UK_OK)
                buf[0] = 0;
}

/* Whether the firmware can be asked to open its setup at the next boot (OsIndicationsSupported). It decides
 * whether an entry exists, so a read error is one like the choice variables' (*ret_failed names it). */
static bool firmware_setup_supported(const CHAR16 **ret_failed) {
        EFI_GUID global = EFI_GLOBAL_VARIABLE;
        UINT64 v = 0;
        UINTN size = sizeof(v);
        EFI_STATUS st = RT->GetVariable(L"OsIndicationsSupported", &global, NULL, &size, &v);
        if (EFI_ERROR(st) && st != EFI_NOT_FOUND && st != EFI_BUFFER_TOO_SMALL) {
                log_error(L"cannot read the OsIndicationsSupported variable: %r", st);
                if (!*ret_failed)
                        *ret_failed = L"OsIndicationsSupported";
        }
        return !EFI_ERROR(st) && size == sizeof(v) && (v & 0x1);       /* EFI_OS_INDICATIONS_BOOT_TO_FW_UI */
}

/* Our own file as the loaded image's file path names it (common/entry_auto.c reads it); false if none. */
static bool own_image_path(EFI_LOADED_IMAGE *loaded, char *buf, size_t cap) {
        _cleanup_pool_ CHAR16 *p = loaded && loaded->FilePath ? DevicePathToStr(loaded->FilePath) : NULL;
        size_t n = 0;
        while (p && p[n])
                n++;
        return p && str16_to_8(p, n, buf, cap);
}

/* Read a Boot Loader Interface variable that steers the automatic choice; true if it is set. A read error
 * (not "absent") names the variable in *ret_failed: the choice it steers is then not made without it. */
static bool read_choice_var(const CHAR16 *name, char *buf, size_t cap, const CHAR16 **ret_failed) {
        EFI_STATUS st = vars_read_str(name, buf, cap);
        if (st == EFI_SUCCESS)
                return true;
        buf[0] = 0;
        if (st != EFI_NOT_FOUND) {
                log_error(L"cannot read the %s variable: %r", name, st);
                if (!*ret_failed)
                        *ret_failed = name;
        }
        return false;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
        EFI_LOADED_IMAGE *loaded = NULL;
        _cleanup_pool_ struct uk_bootmenu *m = NULL;
        _cleanup_fs_ struct efi_fs fs = {};
        _cleanup_fs_ struct efi_fs xbootldr = {};
        bool have_xbootldr;
        struct uk_fs_ops ops, xb_ops;
        char oneshot[UK_PATH_MAX], efi_default[UK_PATH_MAX], last_booted[UK_PATH_MAX], timeout_text[32];
        char timeout_oneshot_text[32];
        struct uk_timeout_sources timeouts = {};
        static char edited[UK_OPTIONS_MAX], start[UK_OPTIONS_MAX], message[UK_NOTE_MAX + 64];
        bool have_oneshot, have_default, have_last_booted, chosen, was_edited, keys_ignored = false;
        const CHAR16 *var_failed = NULL;
        uint64_t init_usec;
        EFI_STATUS st;
        uk_err r;

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
        /* Entries on an Extended Boot Loader partition of the same disk join the ESP's (systemd-boot's layout
         * when /boot is not the ESP). */
        have_xbootldr = !EFI_ERROR(xbootldr_open(&fs, &xbootldr));
        if (have_xbootldr)
                log_info(L"XBOOTLDR partition found: its entries join the ESP's");
        efi_fs_ops_pair(&fs, have_xbootldr ? &xbootldr : NULL, &ops, &xb_ops);

        m = AllocatePool(sizeof(*m));
        if (!m) {
                log_error(L"out of memory");
                return EFI_OUT_OF_RESOURCES;
        }
        have_oneshot = read_choice_var(L"LoaderEntryOneShot", oneshot, sizeof(oneshot), &var_failed);
        if (have_oneshot)
                vars_delete(L"LoaderEntryOneShot");
        have_default = read_choice_var(L"LoaderEntryDefault", efi_default, sizeof(efi_default), &var_failed);
        timeouts.has_var = timeout_var(timeout_text, read_choice_var(L"LoaderConfigTimeout", timeout_text,
                                                                      sizeof(timeout_text), &var_failed),
                                       &timeouts.var);
        /* `systemctl reboot --boot-loader-menu=`: used once (deleted only when it was a timeout at all). */
        timeouts.has_oneshot = timeout_var(timeout_oneshot_text,
                                           read_choice_var(L"LoaderConfigTimeoutOneShot", timeout_oneshot_text,
                                                           sizeof(timeout_oneshot_text), &var_failed),
                                           &timeouts.oneshot);
        if (timeouts.has_oneshot)
                vars_delete(L"LoaderConfigTimeoutOneShot");
        have_last_booted = read_choice_var(L"LoaderEntryLastBooted", last_booted, sizeof(last_booted), &var_failed);
        struct uk_menu_facts facts = { .firmware_setup = firmware_setup_supported(&var_failed) };
        char own_path[UK_PATH_MAX];
        if (own_image_path(loaded, own_path, sizeof(own_path)))
                facts.own_path = own_path;
        r = uk_bootmenu_load_facts(&ops, &facts, have_oneshot ? oneshot : NULL, have_default ? efi_default : NULL,
                                   have_last_booted ? last_booted : NULL, m);
        if (var_failed && !m->io_error[0]) {
                /* Same words as a file the menu could not read (common/pipeline.c). */
                char name[64];
                struct uk_text t;
                if (!str16_to_8(var_failed, 63, name, sizeof(name)))
                        name[0] = 0;
                uk_text_init(&t, m->io_error, sizeof(m->io_error));
                uk_text_add(&t, name);
                uk_text_add(&t, ": ");
                uk_text_add(&t, uk_strerror(UK_E_IO));
        }
        for (unsigned i = 0; i < m->n_notes; i++)
                log_info(L"note: %a", m->notes[i]);
        if (r) {
                log_error(L"entry discovery failed: %a", uk_strerror(r));
                m->found.n = 0;
        }
        /* loader.conf's display settings before anything else is said. */
        efi_log_level = m->conf.log_level;
        vars_set_entries(m->entries, m->found.n);
        list_entries(m);
        if (m->found.n == 0) {
                log_error(L"no boot entries found in /loader/entries or /EFI/Linux");
                BS->Stall(3 * 1000 * 1000);
                return EFI_NOT_FOUND;
        }

        /* A file the menu depends on could not be read: the default may not be the ESP's, so nothing boots
         * until a person chooses (the Linux twin stops with the same line). */
        if (m->io_error[0])
                log_error(L"%a; waiting for a choice", m->io_error);
        struct menu_config mc = {
                /* A one-shot entry is only preselected (common/pipeline.c made it the default), as in
                 * systemd-boot; the timeouts decide whether the menu shows. */
                .timeout_sec = m->io_error[0] ? MENU_TIMEOUT_FOREVER : pick_timeout(&m->conf, &timeouts, &keys_ignored),
                .keys_ignored = !m->io_error[0] && keys_ignored,
                .editor = m->conf.editor,
                .cmdline_locked = vars_secure_boot() ? secure_editor_locked : NULL,
                .cmdline_locked_ctx = &ops,
                .editor_start = editor_start,
                .editor_ctx = &ops,
                .save_default = vars_save_default,
                .saved_default = efi_default,
                .saved_default_cap = sizeof(efi_default),
                .timeout_now = timeouts.has_var ? timeouts.var : m->conf.has_timeout ? m->conf.timeout : UK_TIMEOUT_UNSET,
                .save_timeout = vars_save_timeout,
                .beep = m->conf.beep,
                .secure_boot = vars_secure_boot(),
        };
        console_set_configured(m->conf.console_mode);
        static char sbat_level[4096];
        struct boot_env env = {
                .image = image,
                .fs = &fs,
                .xbootldr = have_xbootldr ? &xbootldr : NULL,
                .secure_boot = vars_secure_boot(),
                .sbat_level = sbat_level,
                .sbat_level_len = vars_sbat_level(sbat_level, sizeof(sbat_level)),
                .force_handover = m->conf.ukiboot_handover,
                .conf = &m->conf,
        };
        /* Its OEM strings may extend a command line (common/smbios.c decides which and how). */
        (void) efi_smbios_table(&env.smbios, &env.smbios_len);
        (void) efi_dtb_table(&env.fdt, &env.fdt_len);
        env.confidential_vm = efi_confidential_vm();
        const char *shown = NULL;
        enum uk_next next;
        int def = m->def;
        for (;;) {
                int sel = menu_run(m->entries, m->found.n, def, &mc, shown, edited, sizeof(edited), &was_edited,
                                   &chosen);
                if (sel < 0)
                        sel = def >= 0 ? def : 0;
                /* The URL prompt: what a person typed boots as a `uki-url` entry of that name, their choice (a
                 * failure comes back here); without a URL (no person, or none typed) the menu waits for one. */
                struct uk_entry *picked = &m->entries[sel];
                if (picked->kind == UK_ENTRY_KIND_URL_PROMPT) {
                        if (!was_edited || !edited[0]) {
                                shown = "Boot From URL: press Enter on it and type the URL";
                                def = sel;
                                mc.timeout_sec = MENU_TIMEOUT_FOREVER;
                                continue;
                        }
                        /* One attempt, nothing recorded: the prompt is no entry to come back to (`@saved`). */
                        bool measured = false;
                        EFI_STATUS bst = EFI_INVALID_PARAMETER;
                        if (uk_strlcpy_checked(picked->url, sizeof(picked->url), edited) != 0) {
                                log_error(L"the URL typed is longer than %d characters", (int) sizeof(picked->url) - 1);
                        } else {
                                log_info(L"booting the URL typed: %a", edited);
                                picked->kind = UK_ENTRY_KIND_UKI_URL;
                                bst = boot_entry(&env, picked, NULL, &measured);
                                picked->kind = UK_ENTRY_KIND_URL_PROMPT;
                        }
                        picked->url[0] = 0;
                        struct uk_attempt a = { .chosen = true, .tried = 1, .n = m->found.n,
                                                .reboot_on_error = m->conf.reboot_on_error, .measured = measured };
                        next = uk_failure_next(&a);
                        log_info(L"the URL typed failed (%r): %a", bst, uk_next_text(next));
                        if (next != UK_NEXT_MENU)
                                break;
                        uk_strlcpy_checked(message, sizeof(message), "could not boot the URL typed");
                        shown = message;
                        def = sel;
                        mc.timeout_sec = MENU_TIMEOUT_FOREVER;
                        continue;
                }
                /* What the edit means (common/editor.c): words added are the Linux twin's --append, anything
                 * else replaces the entry's options. */
                const char *append = NULL, *replace = NULL;
                if (was_edited) {
                        editor_start(&ops, &m->entries[sel], start, sizeof(start));
                        switch (uk_editor_result(start, edited, &append)) {
                        case UK_EDIT_UNCHANGED:
                                break;
                        case UK_EDIT_APPEND:
                                log_info(L"appending to the command line: %a", append);
                                break;
                        case UK_EDIT_REPLACE:
                                log_info(L"command line edited: %a", edited);
                                replace = edited;
                                break;
                        }
                }
                /* efi_default follows the menu's `d` key: the saved default as it is now. */
                const struct choice c = { .one_shot = have_oneshot ? oneshot : NULL, .efi_default = efi_default };
                next = boot_with_policy(&env, m, &c, (size_t) sel, chosen, append, replace);
                if (next != UK_NEXT_MENU)
                        break;
                /* Back to the menu, waiting for the person, the failed entry still selected. */
                uk_memcpy(message, "could not boot ", 15);
                uk_strlcpy_checked(message + 15, sizeof(message) - 15, m->entries[sel].id);
                shown = message;
                def = sel;
                mc.timeout_sec = MENU_TIMEOUT_FOREVER;
        }

        /* The failed entry's line already said what follows (uk_next_text): not said twice. */
        BS->Stall(3 * 1000 * 1000);
        if (next == UK_NEXT_REBOOT) {
                /* ResetSystem does not return: nothing is left open for the firmware that comes after. */
                efi_fs_close(&fs);
                efi_fs_close(&xbootldr);
                FreePool(TAKE_PTR(m));
                RT->ResetSystem(EfiResetCold, EFI_LOAD_ERROR, 0, NULL);
        }
        return EFI_LOAD_ERROR;
}
