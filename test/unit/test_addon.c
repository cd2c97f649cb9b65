/* ukiboot — unit tests of UKI addons (common/addon.c): which files, in which order, which addons a UKI takes
 * (systemd-stub v258's rules, the .uname prefix compare included) and how their lines combine. */
#include <stdint.h>
#include <string.h>
#include "fake_fs.h"
#include "pe_builder.h"
#include "unit.h"
#include "addon.h"
#include "pe.h"

static void test_wanted(void) {
        static const struct { const char *name; bool is_dir, want; } t[] = {
                { "a.addon.efi", false, true },
                { "A.ADDON.EFI", false, true },
                { "a.addon.efi", true, false },
                { ".a.addon.efi", false, false },
                { "a.efi", false, false },
                { "addon.efi", false, false },
                { ".addon.efi", false, false },
                { "\xc3\xa4.addon.efi", false, false },
                { "a.addon.efi.bak", false, false },
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                CHECK(uk_addon_wanted(t[i].name, t[i].is_dir) == t[i].want, "row %zu (%s)", i, t[i].name);
}

static void test_scan(void) {
        static const struct fake_file files[] = {
                { "/loader/addons/b.addon.efi", "x", 1, false },
                { "/loader/addons/Z.addon.efi", "x", 1, false },
                { "/loader/addons/a.addon.efi", "x", 1, true },         /* a directory */
                { "/loader/addons/c.efi", "x", 1, false },
                { "/EFI/Linux/u.efi.extra.d/a.addon.efi", "x", 1, false },
                { "/EFI/Linux/u.efi.extra.d/0.addon.efi", "x", 1, false },
                { "/EFI/Linux/u.efi.extra.d/s.raw", "x", 1, false },
        };
        struct fake_fs fs = { .files = files, .n = sizeof(files) / sizeof(files[0]) };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        static struct uk_addons a;
        static const char *const want[] = {
                "/loader/addons/Z.addon.efi", "/loader/addons/b.addon.efi",     /* global first, byte order */
                "/EFI/Linux/u.efi.extra.d/0.addon.efi", "/EFI/Linux/u.efi.extra.d/a.addon.efi",
        };
        CHECK_EQ_INT(uk_addons_scan(&ops, "/EFI/Linux/u+2-1.efi", &a), UK_OK, "scan (a counted UKI)");
        CHECK_EQ_INT(a.n, 4, "four addons");
        for (unsigned i = 0; i < a.n && i < 4; i++)
                CHECK_EQ_STR(a.files[i].path, want[i]);
        CHECK_EQ_STR(a.files[0].name, "Z.addon.efi");
        fs.fail_dir = "/loader/addons";
        CHECK_EQ_INT(uk_addons_scan(&ops, "/EFI/Linux/u.efi", &a), UK_E_IO, "an unreadable directory");
        CHECK(a.n == 0 && strcmp(a.io_path, "/loader/addons") == 0, "named");
        fs.fail_dir = NULL;

        static struct fake_file many[UK_ADDONS_MAX + 1];
        static char names[UK_ADDONS_MAX + 1][64];
        for (unsigned i = 0; i <= UK_ADDONS_MAX; i++) {
                snprintf(names[i], sizeof(names[i]), "/loader/addons/%02u.addon.efi", i);
                many[i] = (struct fake_file) { names[i], "x", 1, false };
        }
        struct fake_fs mfs = { .files = many, .n = UK_ADDONS_MAX + 1 };
        struct uk_fs_ops mops = fake_fs_ops(&mfs);
        CHECK_EQ_INT(uk_addons_scan(&mops, "/EFI/Linux/u.efi", &a), UK_E_TOO_MANY, "more than the table holds");
        CHECK_EQ_INT(a.n, 0, "none then");
}

static uint8_t img[16384];

/* Build an addon from sections, parse it, judge it against a UKI with .uname uname. */
static uk_err judge(const struct peb_section *s, unsigned n, const char *uname, struct uk_addon_parts *parts,
                    const char **why) {
        static struct uk_pe pe;
        struct uk_source src;
        size_t len = peb_build(img, sizeof(img), s, n);
        uk_source_from_memory(&src, img, len);
        if (!len || uk_pe_parse(&src, &pe) != UK_OK)
                return UK_E_SYNTAX;
        *why = NULL;
        return uk_addon_check(&src, &pe, UK_PE_MACHINE_X64, uname, uname ? strlen(uname) : 0, parts, why);
}

static void test_check(void) {
        struct uk_addon_parts cmd;
        const char *why;
        const struct peb_section cmdline[] = { { .name = ".cmdline", .data = "quiet", .len = 5 } };
        CHECK_EQ_INT(judge(cmdline, 1, "6.1.0-13-amd64", &cmd, &why), UK_OK, "a .cmdline addon");
        CHECK(cmd.cmdline.length == 5 && memcmp(img + cmd.cmdline.offset, "quiet", 5) == 0, "its .cmdline span");
        CHECK(cmd.ucode.memory_size == 0 && cmd.initrd.memory_size == 0, "no initrd parts");

        const struct peb_section none[] = { { .name = ".sbat", .data = "sbat,1", .len = 6 } };
        CHECK_EQ_INT(judge(none, 1, NULL, &cmd, &why), UK_E_NOT_FOUND, "nothing an addon carries");
        CHECK(why && strstr(why, "not an addon"), "why: %s", why);
        const struct peb_section empty[] = { { .name = ".cmdline", .data = "x", .len = 1, .zero_vsize = 1 },
                                             { .name = ".sbat", .data = "sbat,1", .len = 6 } };
        CHECK_EQ_INT(judge(empty, 2, NULL, &cmd, &why), UK_E_NOT_FOUND, "VirtualSize 0 is absent");

        const struct peb_section uki[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                           { .name = ".linux", .data = "K", .len = 1 } };
        CHECK_EQ_INT(judge(uki, 2, NULL, &cmd, &why), UK_E_BAD_ENTRY, "a whole UKI");

        /* .uname: the stub's strncmp over the addon's bytes. */
        const struct peb_section u_prefix[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                                { .name = ".uname", .data = "6.1", .len = 3 } };
        CHECK_EQ_INT(judge(u_prefix, 2, "6.1.0-13-amd64", &cmd, &why), UK_OK, "a prefix of the UKI's release passes");
        const struct peb_section u_exact[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                               { .name = ".uname", .data = "6.1.0-13-amd64\0", .len = 15 } };
        CHECK_EQ_INT(judge(u_exact, 2, "6.1.0-13-amd64", &cmd, &why), UK_OK, "the same release");
        const struct peb_section u_other[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                               { .name = ".uname", .data = "6.2", .len = 3 } };
        CHECK_EQ_INT(judge(u_other, 2, "6.1.0-13-amd64", &cmd, &why), UK_E_BAD_KERNEL, "another release");
        CHECK(why && strstr(why, ".uname"), "why: %s", why);
        const struct peb_section u_long[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                              { .name = ".uname", .data = "6.1.0-13-amd64-x", .len = 16 } };
        CHECK_EQ_INT(judge(u_long, 2, "6.1.0-13-amd64", &cmd, &why), UK_E_BAD_KERNEL, "longer than the UKI's");
        CHECK_EQ_INT(judge(u_other, 2, NULL, &cmd, &why), UK_OK, "a UKI without .uname takes any");

        const struct peb_section initrd[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                              { .name = ".initrd", .data = "I", .len = 1 } };
        CHECK_EQ_INT(judge(initrd, 2, NULL, &cmd, &why), UK_OK, "an addon with .cmdline and .initrd");
        CHECK(cmd.initrd.length == 1 && img[cmd.initrd.offset] == 'I', "its .initrd span");
        const struct peb_section ucode[] = { { .name = ".ucode", .data = "UC", .len = 2, .virtual_size = 8 },
                                             { .name = ".initrd", .data = "I", .len = 1 } };
        CHECK_EQ_INT(judge(ucode, 2, NULL, &cmd, &why), UK_OK, ".ucode alone is an addon");
        CHECK(cmd.ucode.length == 2 && cmd.ucode.memory_size == 8 && memcmp(img + cmd.ucode.offset, "UC", 2) == 0,
              "its .ucode span: 2 file bytes, 8 in memory");
        CHECK(cmd.cmdline.memory_size == 0, "no .cmdline");
        const struct peb_section dtb[] = { { .name = ".cmdline", .data = "a", .len = 1 },
                                           { .name = ".dtb", .data = "D", .len = 1 } };
        CHECK_EQ_INT(judge(dtb, 2, NULL, &cmd, &why), UK_OK, "a device-tree addon");
        CHECK(cmd.devicetree.length == 1 && img[cmd.devicetree.offset] == 'D', "its .dtb");
        const struct peb_section dtbauto[] = { { .name = ".dtb", .data = "D", .len = 1 },
                                               { .name = ".dtbauto", .data = "A", .len = 1 } };
        CHECK_EQ_INT(judge(dtbauto, 2, NULL, &cmd, &why), UK_OK, "both kinds");
        CHECK(cmd.devicetree.length == 1 && img[cmd.devicetree.offset] == 'A', "its .dtbauto is taken first, unmatched");

        static struct uk_pe pe;
        struct uk_source src;
        size_t len = peb_build(img, sizeof(img), cmdline, 1);
        uk_source_from_memory(&src, img, len);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "parse");
        CHECK_EQ_INT(uk_addon_check(&src, &pe, UK_PE_MACHINE_ARM64, NULL, 0, &cmd, &why), UK_E_WRONG_ARCH,
                     "another CPU");
}

static void test_cmdline(void) {
        char acc[32];
        size_t n = 0;
        acc[0] = 0;
        CHECK_EQ_INT(uk_addon_cmdline_append(acc, sizeof(acc), &n, " \tquiet\nsplash \n", 17), UK_OK, "first");
        CHECK_EQ_STR(acc, "quiet splash");
        CHECK_EQ_INT(uk_addon_cmdline_append(acc, sizeof(acc), &n, "  \n", 3), UK_OK, "blank adds nothing");
        CHECK_EQ_STR(acc, "quiet splash");
        CHECK_EQ_INT(uk_addon_cmdline_append(acc, sizeof(acc), &n, "x=1\0ignored", 11), UK_OK, "stops at NUL");
        CHECK_EQ_STR(acc, "quiet splash x=1");
        CHECK_EQ_INT(uk_addon_cmdline_append(acc, sizeof(acc), &n, "a-very-long-argument=1", 22), UK_E_CMDLINE_TOO_LONG,
                     "does not fit");
        CHECK_EQ_STR(acc, "quiet splash x=1");
}

int main(void) {
        unit_suite = "addon";
        test_wanted();
        test_scan();
        test_check();
        test_cmdline();
        return unit_finish();
}
