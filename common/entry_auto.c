/* ukiboot — the entries the boot loader makes up itself, as systemd-boot v258 does (config_load_all_entries):
 * after the sorted entries of the ESP, in a fixed order, each only where the machine has it. */
#include "entry.h"
#include "util.h"

#define WINDOWS_PATH "/EFI/Microsoft/Boot/bootmgfw.efi"
/* systemd-boot names them after the CPU it runs on (EFI_MACHINE_TYPE_NAME); so does each build of ukiboot. */
#if defined(__aarch64__)
#define SHELL_PATH "/shellaa64.efi"
#define DEFAULT_LOADER_PATH "/EFI/BOOT/BOOTAA64.EFI"
#else
#define SHELL_PATH "/shellx64.efi"
#define DEFAULT_LOADER_PATH "/EFI/BOOT/BOOTX64.EFI"
#endif

static bool exists(const struct uk_fs_ops *fs, const char *path) {
        return uk_fs_probe(fs, path) == UK_OK;
}

/* Whether the boot loader is known to be somewhere else than the firmware's fallback path: own is an ESP
 * path with either separator ("\EFI\BOOT\BOOTX64.EFI" as firmware and LoaderImageIdentifier say it). */
static bool known_elsewhere(const char *own) {
        char p[UK_PATH_MAX];
        if (!own || (own[0] != '/' && own[0] != '\\') || uk_strlcpy_checked(p, sizeof(p), own) != 0)
                return false;
        for (char *c = p; *c; c++)
                if (*c == '\\')
                        *c = '/';
        return !uk_str_case_eq(p, DEFAULT_LOADER_PATH);
}

static size_t add(struct uk_entry *entries, size_t n, size_t cap, const char *id, const char *title,
                  enum uk_entry_kind kind, const char *efi_path) {
        if (n >= cap)
                return n;
        struct uk_entry *e = &entries[n];
        uk_memset(e, 0, sizeof(*e));
        e->type = UK_ENTRY_AUTO;
        e->kind = kind;
        uk_strlcpy_checked(e->id, sizeof(e->id), id);
        uk_strlcpy_checked(e->title, sizeof(e->title), title);
        uk_strlcpy_checked(e->show_title, sizeof(e->show_title), title);
        if (efi_path)
                uk_strlcpy_checked(e->efi_path, sizeof(e->efi_path), efi_path);
        e->tries_left = e->tries_done = UK_TRIES_UNSET;
        return n + 1;
}

size_t uk_entries_add_auto(const struct uk_fs_ops *fs, const struct uk_loader_conf *conf,
                           const struct uk_menu_facts *facts, struct uk_entry *entries, size_t n, size_t cap) {
        const size_t limit = n + UK_AUTO_ENTRIES_MAX < cap ? n + UK_AUTO_ENTRIES_MAX : cap;
        if (!conf || !entries)
                return n;
        if (conf->auto_entries) {
                if (exists(fs, WINDOWS_PATH))
                        n = add(entries, n, limit, "auto-windows", "Windows Boot Manager", UK_ENTRY_KIND_EFI, WINDOWS_PATH);
                if (exists(fs, SHELL_PATH))
                        n = add(entries, n, limit, "auto-efi-shell", "EFI Shell", UK_ENTRY_KIND_EFI, SHELL_PATH);
                /* The firmware's fallback loader, unless that is the boot loader itself (or nobody knows). */
                if (facts && known_elsewhere(facts->own_path) && exists(fs, DEFAULT_LOADER_PATH))
                        n = add(entries, n, limit, "auto-efi-default", "EFI Default Loader", UK_ENTRY_KIND_EFI,
                                DEFAULT_LOADER_PATH);
        }
        /* kboot's prompt: only where loader.conf asks for it, so systemd-boot's menu stays as it was. */
        if (conf->ukiboot_url_prompt)
                n = add(entries, n, limit, "auto-url-prompt", "Boot From URL...", UK_ENTRY_KIND_URL_PROMPT, NULL);
        if (conf->auto_firmware && facts && facts->firmware_setup)
                n = add(entries, n, limit, "auto-reboot-to-firmware-setup", "Reboot Into Firmware Interface",
                        UK_ENTRY_KIND_FIRMWARE_SETUP, NULL);
        if (conf->auto_poweroff)
                n = add(entries, n, limit, "auto-poweroff", "Power Off The System", UK_ENTRY_KIND_POWEROFF, NULL);
        if (conf->auto_reboot)
                n = add(entries, n, limit, "auto-reboot", "Reboot The System", UK_ENTRY_KIND_REBOOT, NULL);
        return n;
}

bool uk_entry_is_action(const struct uk_entry *e) {
        return e && (e->kind == UK_ENTRY_KIND_FIRMWARE_SETUP || e->kind == UK_ENTRY_KIND_REBOOT ||
                     e->kind == UK_ENTRY_KIND_POWEROFF || e->kind == UK_ENTRY_KIND_URL_PROMPT);
}

bool uk_entry_records_boot(const struct uk_entry *e) {
        return e && !uk_entry_is_action(e);
}

bool uk_entry_takes_random_seed(const struct uk_entry *e) {
        return e && (e->kind == UK_ENTRY_KIND_UKI || e->kind == UK_ENTRY_KIND_LINUX ||
                     e->kind == UK_ENTRY_KIND_LINUX_URL);
}

bool uk_entry_fetches(const struct uk_entry *e) {
        return e && (e->kind == UK_ENTRY_KIND_UKI_URL || e->kind == UK_ENTRY_KIND_LINUX_URL);
}

bool uk_entry_may_fall_back_to(const struct uk_entry *e) {
        return e && !uk_entry_is_action(e);
}
