/* ukiboot — host test harness: whole EFI boots of the real efi/ sources against the fake firmware, then the
 * same boots again with the Nth call of every kind of firmware service failing, for every N the boot makes.
 *
 * For each injection: ukiboot must end in one of the ways its failure policy allows — the same boot (the
 * failure did not matter), another entry or the menu or the firmware, each only after a line that says
 * what failed — and never hang, never misuse the firmware, never boot something else silently. When it
 * returns to the firmware, every page and pool block, file, event, image and protocol it created must be
 * gone and the Security hooks must be the firmware's again. Prints a table per scenario (call kind ×
 * outcome) and PASS:/FAIL: lines. Run under ASan/UBSan by make test-efihost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_fw.h"
#include "pe_builder.h"
#include "sha256.h"
#include "util.h"

static EFI_GUID global_guid = { 0x8be4df61, 0x93ca, 0x11d2, { 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c } };
static EFI_GUID loader_guid = { 0x4a67b082, 0x0a4c, 0x41cf, { 0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f } };

static int passed, failed;

/* ---- the images on the test ESPs ---- */

static uint8_t kernel[4096];
static uint8_t multi_uki[32768], plain_uki[32768], signed_uki[32768], net_uki[32768], shell_efi[1024], dt_uki[32768];
static size_t dt_len;
/* A minimal flattened device tree: header, empty reservation map, the root node, no strings (72 bytes). */
static const uint8_t dt_blob[72] = {
        0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 72, 0, 0, 0, 56, 0, 0, 0, 72, 0, 0, 0, 40, 0, 0, 0, 17, 0, 0, 0, 16,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9,
};
static size_t multi_len, plain_len, signed_len, net_len, shell_len;
static const char initrd_img[] = "A-TYPE1-INITRD-FILE";
static const char osrel[] = "ID=test\nVERSION_ID=1\nPRETTY_NAME=\"Test OS\"\n";

/* A kernel the plan accepts (LoadFile2 initrd) without the EFI handover entry: the harness cannot jump. */
static void make_kernel(void) {
        peb_fake_kernel(kernel, sizeof(kernel));
        kernel[0x236] = kernel[0x237] = 0;      /* xloadflags: no XLF_EFI_HANDOVER_64 */
}

#define SEC(n, s) { .name = n, .data = s, .len = (uint32_t) (sizeof(s) - 1) }

static void make_images(void) {
        make_kernel();
        const struct peb_section multi[] = {
                SEC(".osrel", osrel),
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                SEC(".initrd", "UKI-INITRD"),
                SEC(".profile", "ID=zero\nTITLE=Profile zero"), SEC(".cmdline", "profile=zero"),
                SEC(".profile", "ID=one\nTITLE=Profile one"), SEC(".cmdline", "profile=one"),
        };
        multi_len = peb_build(multi_uki, sizeof(multi_uki), multi, UK_ELEMENTSOF(multi));
        const struct peb_section plain[] = {
                SEC(".osrel", osrel), SEC(".cmdline", "plain=1"),
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                SEC(".initrd", "PLAIN-INITRD"),
        };
        plain_len = peb_build(plain_uki, sizeof(plain_uki), plain, UK_ELEMENTSOF(plain));
        /* Trusted by the fake db as a whole; the kernel inside is not (its bytes lack the marker). */
        const struct peb_section sig[] = {
                SEC(".osrel", osrel), SEC(".cmdline", "signed=1"),
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                SEC(".initrd", "SIGNED-INITRD"), SEC(".sbat", "sbat,1,x,y,z,w\nFAKE-DB-SIGNED\n"),
        };
        signed_len = peb_build(signed_uki, sizeof(signed_uki), sig, UK_ELEMENTSOF(sig));
        const struct peb_section net[] = {
                SEC(".osrel", osrel), SEC(".cmdline", "from=network"),
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                SEC(".initrd", "NET-INITRD"),
        };
        net_len = peb_build(net_uki, sizeof(net_uki), net, UK_ELEMENTSOF(net));
        const struct peb_section dt[] = {
                SEC(".osrel", osrel), SEC(".cmdline", "dt=1"),
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".dtb", .data = (const char *) dt_blob, .len = sizeof(dt_blob) },
        };
        dt_len = peb_build(dt_uki, sizeof(dt_uki), dt, UK_ELEMENTSOF(dt));
        const struct peb_section shell[] = { SEC(".text", "an EFI shell") };
        shell_len = peb_build(shell_efi, sizeof(shell_efi), shell, 1);
        if (!multi_len || !plain_len || !signed_len || !net_len || !shell_len || !dt_len) {
                fprintf(stderr, "efihost: cannot build the test images\n");
                exit(2);
        }
}

#define FILE_STR(p, s) { .path = p, .data = s, .len = sizeof(s) - 1 }

/* ---- scenarios ---- */

struct scenario {
        const char *name;
        const char *what;           /* what its baseline boot exercises */
        struct fw_setup setup;
        const char *counted;        /* the rename boot counting must make ("from -> to"), NULL: none */
        const char *count_var;      /* and LoaderBootCountPath after it */
        const char *must_say;       /* the clean boot's console must contain this (NULL: nothing asked) */
        const char *must_not_say;   /* ... and must not contain this */
        const char *seed_file_hex;  /* the seed file's first 32 bytes after the clean boot (NULL: not checked) */
        const char *seed_table_hex; /* and the kernel's seed table */
        const uint8_t *dtb;         /* the device-tree table the kernel must find (NULL: not checked) */
        size_t dtb_len;
        bool expect_reset;          /* the clean boot ends in a reset into firmware setup, not a start */
};

static struct fw_file type1_files[8], quiet_files[8], linux_files[8], sb_files[4], net_files[4], efi_files[4], menu_files[8];
static const struct fw_var sb_vars[] = {
        { .name = "SecureBoot", .guid = &global_guid, .raw = "\1", .raw_len = 1 },
        { .name = "SetupMode", .guid = &global_guid, .raw = "\0", .raw_len = 1 },
};
static const struct fw_var menu_vars[] = {
        { .name = "LoaderEntryDefault", .guid = &loader_guid, .ascii = "plain.efi" },
};
/* bootctl set-timeout menu-force writes the number; systemctl reboot --boot-loader-entry= the one-shot. */
static const struct fw_var timeout_vars[] = {
        { .name = "LoaderConfigTimeout", .guid = &loader_guid, .ascii = "4294967295" },
        { .name = "LoaderEntryOneShot", .guid = &loader_guid, .ascii = "plain.efi" },
};
static const struct fw_var disabled_vars[] = {
        { .name = "LoaderConfigTimeout", .guid = &loader_guid, .ascii = "menu-disabled" },
};
static struct fw_file timeout_files[8], disabled_files[8], seed_files[10], setup_files[8], dt_files[9];
static const uint8_t fw_ui_supported[8] = { 1 };     /* EFI_OS_INDICATIONS_BOOT_TO_FW_UI */
static const struct fw_var setup_vars[] = {
        { .name = "OsIndicationsSupported", .guid = &global_guid, .raw = fw_ui_supported, .raw_len = 8 },
        { .name = "LoaderEntryOneShot", .guid = &loader_guid, .ascii = "auto-reboot-to-firmware-setup" },
};
/* The random seed: a system token and a 40-byte seed file (longer than a seed: the rest must become zeros). */
static const uint8_t seed_token[32] = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c,
        0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f };
static uint8_t seed_file_bytes[40];
static const struct fw_var seed_vars[] = {
        { .name = "LoaderSystemToken", .guid = &loader_guid, .raw = seed_token, .raw_len = sizeof(seed_token) },
};

static size_t esp_common(struct fw_file *f, const char *loader_conf) {
        size_t n = 0;
        f[n++] = (struct fw_file) { "/loader/loader.conf", loader_conf, strlen(loader_conf) };
        f[n++] = (struct fw_file) FILE_STR("/loader/entries/sel.conf", "title Selected\nuki /EFI/Linux/multi.efi\nprofile 1\n");
        f[n++] = (struct fw_file) FILE_STR("/loader/entries/other+3-1.conf",
                                           "title Other\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=/dev/other\n");
        f[n++] = (struct fw_file) { "/EFI/Linux/multi.efi", multi_uki, multi_len };
        f[n++] = (struct fw_file) { "/EFI/Linux/plain.efi", plain_uki, plain_len };
        f[n++] = (struct fw_file) { "/vmlinuz", kernel, sizeof(kernel) };
        f[n++] = (struct fw_file) FILE_STR("/initrd.img", initrd_img);
        return n;
}

static size_t make_scenarios(struct scenario *s) {
        size_t n = 0;
        s[n++] = (struct scenario) {
                .name = "type1-profile", "Type #1 `uki` + `profile 1` as loader.conf's default, hidden menu, TPM",
                { .files = type1_files, .n_files = esp_common(type1_files, "default sel.conf\ntimeout 0\n"), .tpm = true },
        };
        s[n++] = (struct scenario) {
                .name = "type1-linux", "`linux` + `initrd` files served through LoadFile2, boot counting, TPM",
                { .files = linux_files, .n_files = esp_common(linux_files, "default other.conf\ntimeout 0\n"), .tpm = true },
                "/loader/entries/other+3-1.conf -> /loader/entries/other+2-2.conf", "\\loader\\entries\\other+2-2.conf",
        };
        sb_files[0] = (struct fw_file) FILE_STR("/loader/loader.conf", "timeout 0\n");
        sb_files[1] = (struct fw_file) { "/EFI/Linux/signed.efi", signed_uki, signed_len };
        sb_files[2] = (struct fw_file) { "/EFI/Linux/plain.efi", plain_uki, plain_len };
        s[n++] = (struct scenario) {
                .name = "secure-boot", "Secure Boot: the firmware verifies the UKI, its kernel loads under the waiver",
                { .files = sb_files, .n_files = 3, .vars = sb_vars, .n_vars = UK_ELEMENTSOF(sb_vars) },
        };
        net_files[0] = (struct fw_file) FILE_STR("/loader/loader.conf", "timeout 0\ndefault net.conf\n");
        net_files[1] = (struct fw_file) FILE_STR("/loader/entries/net.conf", "title Net\nuki-url http://10.0.2.2/net.efi\n");
        net_files[2] = (struct fw_file) { "/EFI/Linux/plain.efi", plain_uki, plain_len };
        s[n++] = (struct scenario) {
                .name = "uki-url", "`uki-url` fetched with the firmware's HTTP protocol, TPM",
                { .files = net_files, .n_files = 3, .http_body = net_uki, .http_len = net_len, .tpm = true },
        };
        efi_files[0] = (struct fw_file) FILE_STR("/loader/loader.conf", "timeout 0\ndefault shell.conf\n");
        efi_files[1] = (struct fw_file) FILE_STR("/loader/entries/shell.conf", "title Shell\nefi /EFI/tools/shell.efi\noptions -nostartup\n");
        efi_files[2] = (struct fw_file) { "/EFI/tools/shell.efi", shell_efi, shell_len };
        efi_files[3] = (struct fw_file) { "/EFI/Linux/plain.efi", plain_uki, plain_len };
        s[n++] = (struct scenario) {
                .name = "efi-chainload", "`efi` entry chain-loaded with its options, TPM",
                { .files = efi_files, .n_files = 4, .tpm = true },
        };
        s[n++] = (struct scenario) {
                .name = "menu-choice", "menu with a countdown, LoaderEntryDefault, a person moves down and presses Enter",
                { .files = menu_files, .n_files = esp_common(menu_files, "default sel.conf\ntimeout 3\n"),
                  .vars = menu_vars, .n_vars = UK_ELEMENTSOF(menu_vars), .keys = "j\r" },
        };
        s[n++] = (struct scenario) {
                .name = "timeouts", "LoaderConfigTimeout menu-force over loader.conf's 5 s, a one-shot entry preselected, Enter",
                { .files = timeout_files, .n_files = esp_common(timeout_files, "default sel.conf\ntimeout 5\n"),
                  .vars = timeout_vars, .n_vars = UK_ELEMENTSOF(timeout_vars), .keys = "\r" },
                .must_say = "Up/Down: select", .must_not_say = "Boot in",
        };
        s[n++] = (struct scenario) {
                .name = "menu-disabled", "LoaderConfigTimeout menu-disabled: a key pressed at start is ignored",
                { .files = disabled_files, .n_files = esp_common(disabled_files, "default sel.conf\ntimeout 5\n"),
                  .vars = disabled_vars, .n_vars = UK_ELEMENTSOF(disabled_vars), .keys = "j" },
                .must_say = "booting entry sel.conf", .must_not_say = "Up/Down: select",
        };
        memset(seed_file_bytes, 0x77, sizeof(seed_file_bytes));
        size_t ns = esp_common(seed_files, "default sel.conf\ntimeout 0\n");
        seed_files[ns++] = (struct fw_file) { "/loader/random-seed", seed_file_bytes, sizeof(seed_file_bytes) };
        /* Expected values computed apart (Python's hashlib, systemd-boot's derivation) from: no earlier table,
         * no RNG, the token, the 40 file bytes, monotonic count 0, the fake clock 2026-12-01 12:00:00. */
        s[n++] = (struct scenario) {
                .name = "random-seed", "LoaderSystemToken and /loader/random-seed: the file refreshed, then the kernel's table",
                { .files = seed_files, .n_files = ns, .vars = seed_vars, .n_vars = UK_ELEMENTSOF(seed_vars) },
                .must_say = "random seed: \\loader\\random-seed refreshed",
                .seed_file_hex = "fb93d3f5e9b767999086b3c9d860ba8b0572c3d369867121071f7c07ad1d636c",
                .seed_table_hex = "9586eafaeee10848d06ed48c93496b392115bf8ac4dfcffea0673295dcbcec51",
        };
        s[n++] = (struct scenario) {
                .name = "firmware-setup", "the automatic entry auto-reboot-to-firmware-setup as the one-shot: OsIndications, cold reset",
                { .files = setup_files, .n_files = esp_common(setup_files, "default sel.conf\ntimeout 0\n"),
                  .vars = setup_vars, .n_vars = UK_ELEMENTSOF(setup_vars) },
                .must_say = "auto-reboot-to-firmware-setup: reboots into the firmware's setup",
                .expect_reset = true,
        };
        size_t nd = esp_common(dt_files, "default dt.efi\ntimeout 0\n");
        dt_files[nd++] = (struct fw_file) { "/EFI/Linux/dt.efi", dt_uki, dt_len };
        s[n++] = (struct scenario) {
                .name = "devicetree", "a UKI's .dtb installed as the device-tree configuration table before the start",
                { .files = dt_files, .n_files = nd }, .must_say = "device tree .dtb installed (72 bytes)",
                .dtb = dt_blob, .dtb_len = sizeof(dt_blob),
        };
        s[n++] = (struct scenario) {
                .name = "log-level", "loader.conf `log-level err`: type1-profile's boot without its informational lines",
                { .files = quiet_files, .n_files = esp_common(quiet_files, "default sel.conf\ntimeout 0\nlog-level err\n"),
                  .tpm = true },
                .must_not_say = "ukiboot: booting entry",
        };
        return n;
}

/* ---- judging one run ---- */

static bool said_error(const struct fw_result *r) {
        return r->console && strstr(r->console, "ukiboot: error: ");
}

static bool same_boot(const struct fw_result *a, const struct fw_result *b) {
        if (a->outcome != b->outcome)
                return false;
        if (a->outcome == FW_RESET)
                return a->reset_type == b->reset_type && a->os_indications == b->os_indications;
        if (a->outcome == FW_CHAINLOADED)
                return strcmp(a->chainloaded, b->chainloaded) == 0;
        return a->outcome == FW_BOOTED && strcmp(a->cmdline, b->cmdline) == 0 && a->kernel_len == b->kernel_len &&
               a->initrd_len == b->initrd_len && memcmp(a->initrd_sha256, b->initrd_sha256, 32) == 0;
}

static void describe(const struct fw_result *r, char *buf, size_t cap) {
        switch (r->outcome) {
        case FW_BOOTED:
                snprintf(buf, cap, "booted cmdline \"%s\", initrd %llu bytes", r->cmdline,
                         (unsigned long long) r->initrd_len);
                break;
        case FW_CHAINLOADED:
                snprintf(buf, cap, "chain-loaded %s", r->chainloaded);
                break;
        case FW_RETURNED:
                snprintf(buf, cap, "returned 0x%llx to the firmware", (unsigned long long) r->returned);
                break;
        default:
                snprintf(buf, cap, "%s%s%s", fw_outcome_name[r->outcome], r->problem[0] ? ": " : "", r->problem);
        }
}

/* What the policy allows after one failed call; NULL if fine, else why not. */
static const char *judge(const struct fw_result *base, const struct fw_result *r, char *why, size_t cap) {
        if (r->outcome == FW_HANG || r->outcome == FW_VIOLATION)
                return snprintf(why, cap, "%s: %s", fw_outcome_name[r->outcome], r->problem), why;
        if (!r->hooks_restored)
                return "the Security/Security2 hooks were left in place";
        /* The seed the kernel gets must never come from a file that still holds what it was derived from. */
        if (r->seed_table_installed && !r->seed_file_written)
                return "the kernel was handed a random seed, but the seed file was not refreshed";
        if (same_boot(base, r)) {
                /* An absorbed failure hands the kernel no more than the clean boot did. */
                if (r->pool_left > base->pool_left || r->pages_left > base->pages_left ||
                    r->files_left > base->files_left || r->events_left > base->events_left ||
                    r->images_left > base->images_left || r->foreign_handles_left > base->foreign_handles_left)
                        return snprintf(why, cap, "the same boot, but with more left behind than without the fault "
                                        "(%u/%u pool, %u/%u pages, %u/%u files, %u/%u handles)", r->pool_left,
                                        base->pool_left, r->pages_left, base->pages_left, r->files_left,
                                        base->files_left, r->foreign_handles_left, base->foreign_handles_left), why;
                return NULL;
        }
        if (!r->injected)
                return "the fault was never hit, yet the boot differs";
        if (!said_error(r))
                return "a different outcome without any error line (a silent wrong choice)";
        if (r->outcome == FW_RETURNED || r->outcome == FW_RESET) {
                if (r->pool_left || r->pages_left || r->files_left || r->events_left || r->images_left ||
                    r->foreign_handles_left)
                        return snprintf(why, cap, "left behind: %u pool, %u page allocations, %u files, %u events, "
                                        "%u images, %u handles", r->pool_left, r->pages_left, r->files_left,
                                        r->events_left, r->images_left, r->foreign_handles_left), why;
        }
        return NULL;
}

enum column { COL_SAME, COL_OTHER, COL_WAITS, COL_FIRMWARE, COL_FAIL, N_COLS };
static const char *const column_name[N_COLS] = { "same boot", "other entry", "menu waits", "firmware", "FAILED" };

static enum column column_of(const struct fw_result *base, const struct fw_result *r, bool bad) {
        if (bad)
                return COL_FAIL;
        if (same_boot(base, r))
                return COL_SAME;
        if (r->outcome == FW_BOOTED || r->outcome == FW_CHAINLOADED)
                return COL_OTHER;
        return r->outcome == FW_WAITS ? COL_WAITS : COL_FIRMWARE;
}

/* Last lines of the console, for a failure report. */
static void print_tail(const struct fw_result *r, int lines) {
        if (!r->console)
                return;
        const char *p = r->console + r->console_len;
        for (int n = 0; p > r->console && n <= lines; )
                if (*--p == '\n')
                        n++;
        fprintf(stdout, "    | %s\n", p);
}

static void run_scenario(const struct scenario *sc, unsigned table[FW_N_CALLS][N_COLS]) {
        struct fw_result base;
        char what[512], why[600];

        fw_run(&sc->setup, &base);
        describe(&base, what, sizeof(what));
        if (sc->expect_reset) {
                if (base.outcome != FW_RESET || base.reset_type != EfiResetCold || !(base.os_indications & 1)) {
                        printf("FAIL: efihost %s: expected a cold reset with OsIndications bit 0: %s, type %d, OsIndications %llx\n",
                               sc->name, what, base.reset_type, (unsigned long long) base.os_indications);
                        print_tail(&base, 12);
                        failed++;
                        fw_result_free(&base);
                        return;
                }
                printf("PASS: efihost %s: without faults a cold reset with OsIndications=%llx\n", sc->name,
                       (unsigned long long) base.os_indications);
                passed++;
        } else if (base.outcome != FW_BOOTED && base.outcome != FW_CHAINLOADED) {
                printf("FAIL: efihost %s: the boot without faults did not boot: %s\n", sc->name, what);
                print_tail(&base, 12);
                failed++;
                fw_result_free(&base);
                return;
        }
        unsigned total = 0;
        for (int c = 0; c < FW_N_CALLS; c++)
                total += base.calls[c];
        printf("PASS: efihost %s: without faults %s after %u firmware calls (%s)\n", sc->name, what, total, sc->what);
        if ((sc->must_say && !strstr(base.console, sc->must_say)) ||
            (sc->must_not_say && strstr(base.console, sc->must_not_say))) {
                printf("FAIL: efihost %s: the console should%s say \"%s\"%s%s%s\n", sc->name,
                       sc->must_say ? "" : " not", sc->must_say ? sc->must_say : sc->must_not_say,
                       sc->must_say && sc->must_not_say ? " and not \"" : "",
                       sc->must_say && sc->must_not_say ? sc->must_not_say : "", sc->must_say && sc->must_not_say ? "\"" : "");
                print_tail(&base, 10);
                failed++;
        } else if (sc->must_say || sc->must_not_say) {
                printf("PASS: efihost %s: the console says \"%s\", not \"%s\"\n", sc->name,
                       sc->must_say ? sc->must_say : "", sc->must_not_say ? sc->must_not_say : "");
                passed++;
        }
        if (strcmp(base.renamed, sc->counted ? sc->counted : "") != 0 ||
            strcmp(base.boot_count_path, sc->count_var ? sc->count_var : "") != 0) {
                printf("FAIL: efihost %s: boot counting renamed \"%s\" and set LoaderBootCountPath \"%s\"; expected \"%s\", \"%s\"\n",
                       sc->name, base.renamed, base.boot_count_path, sc->counted ? sc->counted : "",
                       sc->count_var ? sc->count_var : "");
                failed++;
        } else if (sc->counted) {
                printf("PASS: efihost %s: boot counted before the start: %s, LoaderBootCountPath=%s\n", sc->name,
                       base.renamed, base.boot_count_path);
                passed++;
        }
        passed++;
        if (sc->seed_file_hex) {
                char fh[65], th[65];
                static const uint8_t zeros[8];
                uk_sha256_hex(base.seed_file, fh);
                uk_sha256_hex(base.seed_table, th);
                if (!base.seed_table_installed || base.seed_file_len != 40 || strcmp(fh, sc->seed_file_hex) != 0 ||
                    strcmp(th, sc->seed_table_hex) != 0 || memcmp(base.seed_file + 32, zeros, 8) != 0) {
                        printf("FAIL: efihost %s: seed file %s (%zu bytes), table %s%s; expected %s, %s\n", sc->name, fh,
                               base.seed_file_len, th, base.seed_table_installed ? "" : " (not installed)",
                               sc->seed_file_hex, sc->seed_table_hex);
                        failed++;
                } else {
                        printf("PASS: efihost %s: the seed file holds the derived seed (zeros after it), the kernel's table the other\n",
                               sc->name);
                        passed++;
                }
        }

        if (sc->dtb) {
                uint8_t want[32];
                uk_sha256(sc->dtb, sc->dtb_len, want);
                if (!base.dtb_installed || memcmp(want, base.dtb_sha256, 32) != 0) {
                        printf("FAIL: efihost %s: the device-tree table is %s\n", sc->name,
                               base.dtb_installed ? "not the UKI's .dtb" : "not installed");
                        failed++;
                } else {
                        printf("PASS: efihost %s: the kernel finds the UKI's .dtb as the device-tree table\n", sc->name);
                        passed++;
                }
        }

        printf("  %-34s %6s", "call that fails", "runs");
        for (int k = 0; k < N_COLS; k++)
                printf(" %12s", column_name[k]);
        printf("\n");
        for (int c = 0; c < FW_N_CALLS; c++) {
                unsigned bad = 0;
                if (base.calls[c] == 0)
                        continue;
                for (unsigned nth = 1; nth <= base.calls[c]; nth++) {
                        struct fw_setup s = sc->setup;
                        struct fw_result r;
                        s.fail_call = (enum fw_call) c;
                        s.fail_nth = nth;
                        fw_run(&s, &r);
                        const char *problem = judge(&base, &r, why, sizeof(why));
                        table[c][column_of(&base, &r, problem != NULL)]++;
                        if (problem && bad++ < 2) {
                                describe(&r, what, sizeof(what));
                                printf("FAIL: efihost %s: %s #%u fails: %s (%s)\n", sc->name, fw_call_name[c], nth,
                                       problem, what);
                                print_tail(&r, 8);
                        }
                        fw_result_free(&r);
                }
                printf("  %-34s %6u", fw_call_name[c], base.calls[c]);
                for (int k = 0; k < N_COLS; k++)
                        printf(" %12u", table[c][k]);
                printf("\n");
                if (bad) {
                        if (bad > 2)
                                printf("FAIL: efihost %s: %s: %u more failing injections\n", sc->name, fw_call_name[c],
                                       bad - 2);
                        failed += bad > 2 ? 3 : (int) bad;
                } else {
                        printf("PASS: efihost %s: %s fails at each of its %u calls: handled\n", sc->name,
                               fw_call_name[c], base.calls[c]);
                        passed++;
                }
        }
        fw_result_free(&base);
}

int main(int argc, char **argv) {
        struct scenario sc[16];
        size_t n;
        const char *only = argc > 1 ? argv[1] : NULL;
        bool verbose = getenv("EFIHOST_VERBOSE") != NULL;

        make_images();
        n = make_scenarios(sc);
        for (size_t i = 0; i < n; i++) {
                static unsigned table[FW_N_CALLS][N_COLS];
                if (only && strcmp(only, sc[i].name) != 0)
                        continue;
                if (verbose) {
                        struct fw_result r;
                        fw_run(&sc[i].setup, &r);
                        printf("---- %s console ----\n%s\n----\n", sc[i].name, r.console ? r.console : "");
                        fw_result_free(&r);
                }
                memset(table, 0, sizeof(table));
                run_scenario(&sc[i], table);
        }
        printf("efihost: %d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
}
