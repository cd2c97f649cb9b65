/* ukiboot — UKI model tests: canonical table, section classification, profiles and their resolution. */
#include "unit.h"
#include "pe_builder.h"
#include "uki.h"
#include "util.h"

static uint8_t img[16384];

/* Build a PE from sections; each section's contents are its name-unique text so spans are checkable. */
static size_t build(const struct peb_section *s, unsigned n) {
        size_t len = peb_build(img, sizeof(img), s, n);
        if (len == 0)
                printf("FAIL: uki: builder overflow\n");
        return len;
}

static uk_err parse(size_t len, struct uk_uki *uki) {
        struct uk_source src;
        uk_source_from_memory(&src, img, len);
        return uk_uki_parse(&src, uki);
}

/* The bytes a resolved span covers, as a string (sections here hold short text). */
static const char *span_text(const struct uk_span *sp) {
        static char buf[256];
        if (sp->length == 0)
                return "(absent)";
        snprintf(buf, sizeof(buf), "%.*s", (int) sp->length, (const char *) img + sp->offset);
        return buf;
}

#define S(n, text) { .name = (n), .data = (text), .len = sizeof(text) - 1 }

static void test_table(void) {
        /* Names and order from the UAPI UKI specification / systemd's canonical measurement order. */
        static const char *const names[_UK_SEC_MAX] = {
                ".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".splash", ".dtb", ".dtbauto",
                ".hwids", ".uname", ".sbat", ".pcrsig", ".pcrpkey", ".profile", ".efifw",
        };
        for (int i = 0; i < _UK_SEC_MAX; i++) {
                struct uk_pe_section s = {};
                CHECK_EQ_STR(uk_sec_table[i].name, names[i]);
                CHECK(uk_sec_table[i].measured == (i != UK_SEC_PCRSIG), "%s measured flag", names[i]);
                CHECK(uk_sec_table[i].per_profile == (i != UK_SEC_PROFILE), "%s per_profile flag", names[i]);
                strncpy(s.name, names[i], 8);
                CHECK_EQ_INT(uk_sec_from_name(&s), i, "%s classifies", names[i]);
        }
        struct uk_pe_section s = {};
        const char *others[] = { ".text", ".dtbaut", ".linuxx", ".sdmagic", ".reloc", "linux", "" };
        for (size_t i = 0; i < UK_ELEMENTSOF(others); i++) {
                memset(s.name, 0, sizeof(s.name));
                strncpy(s.name, others[i], 8);
                CHECK_EQ_INT(uk_sec_from_name(&s), -1, "%s is not a UKI section", others[i]);
        }
        memcpy(s.name, ".dtb\0xyz", 9);
        CHECK_EQ_INT(uk_sec_from_name(&s), -1, ".dtb with trailing junk is not .dtb");
}

static void test_single_profile(void) {
        const struct peb_section s[] = {
                S(".text", "stubcode"), S(".osrel", "ID=test\n"), S(".cmdline", "console=ttyS0"),
                S(".dtbauto", "DTBAUTO"), S(".dtb", "DTB"), S(".uname", "6.1.0"), S(".initrd", "INITRD"),
                S(".linux", "KERNEL"),
        };
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len = build(s, UK_ELEMENTSOF(s));

        CHECK_EQ_INT(parse(len, &uki), UK_OK, "single-profile UKI");
        CHECK_EQ_INT(uki.n_profiles, 0, "no .profile sections");
        CHECK_EQ_INT(uk_uki_profile_count(&uki), 1, "one implicit profile");
        CHECK_EQ_INT(uki.base[UK_SEC_LINUX], 7, "base .linux index");
        CHECK_EQ_INT(uki.base[UK_SEC_UCODE], -1, "no .ucode");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 0, sp), UK_OK, "resolve @0");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_LINUX]), "KERNEL");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), "console=ttyS0");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_OSREL]), "ID=test\n");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_INITRD]), "INITRD");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_DTB]), "DTB");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_DTBAUTO]), "DTBAUTO");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_UNAME]), "6.1.0");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_UCODE]), "(absent)");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_PROFILE]), "(absent)");
        CHECK_EQ_INT(sp[UK_SEC_LINUX].offset, uki.pe.sections[7].raw_offset, "span offset is the file offset");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 1, sp), UK_E_NO_SUCH_PROFILE, "@1 of a single-profile UKI");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 0xffffffffu, sp), UK_E_NO_SUCH_PROFILE, "@UINT_MAX");
}

/* Multi-profile layout from the spec's example, plus a profile that replaces the initrd. */
static void test_profiles(void) {
        const struct peb_section s[] = {
                S(".linux", "KERNEL"), S(".osrel", "ID=test\n"), S(".cmdline", "quiet"), S(".initrd", "BASE-INITRD"),
                S(".profile", "ID=regular"),                                            /* @0 */
                S(".profile", "ID=factory-reset"), S(".cmdline", "quiet factory"),     /* @1 */
                S(".profile", "ID=debug"), S(".cmdline", "debug"), S(".initrd", "P2-INITRD"), S(".ucode", "P2-UCODE"),
        };
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len = build(s, UK_ELEMENTSOF(s));
        struct {
                unsigned profile;
                const char *profile_text, *cmdline, *initrd, *ucode;
        } expect[] = {
                { 0, "ID=regular", "quiet", "BASE-INITRD", "(absent)" },
                { 1, "ID=factory-reset", "quiet factory", "BASE-INITRD", "(absent)" },
                { 2, "ID=debug", "debug", "P2-INITRD", "P2-UCODE" },
        };

        CHECK_EQ_INT(parse(len, &uki), UK_OK, "three-profile UKI");
        CHECK_EQ_INT(uki.n_profiles, 3, "three .profile sections");
        CHECK_EQ_INT(uk_uki_profile_count(&uki), 3, "profile count");
        CHECK_EQ_INT(uki.profile_first[0], 4, "@0 starts at its .profile");
        CHECK_EQ_INT(uki.profile_end[0], 5, "@0 ends at the next .profile");
        CHECK_EQ_INT(uki.profile_first[1], 5, "@1 first");
        CHECK_EQ_INT(uki.profile_end[1], 7, "@1 end");
        CHECK_EQ_INT(uki.profile_first[2], 7, "@2 first");
        CHECK_EQ_INT(uki.profile_end[2], 11, "@2 runs to the end of the table");
        CHECK_EQ_INT(uki.base[UK_SEC_CMDLINE], 2, "base .cmdline");
        CHECK_EQ_INT(uki.base[UK_SEC_PROFILE], -1, "base holds no .profile");
        CHECK_EQ_INT(uki.base[UK_SEC_UCODE], -1, "profile sections are not base sections");

        for (size_t i = 0; i < UK_ELEMENTSOF(expect); i++) {
                CHECK_EQ_INT(uk_uki_resolve(&uki, expect[i].profile, sp), UK_OK, "resolve @%u", expect[i].profile);
                CHECK_EQ_STR(span_text(&sp[UK_SEC_PROFILE]), expect[i].profile_text);
                CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), expect[i].cmdline);
                CHECK_EQ_STR(span_text(&sp[UK_SEC_INITRD]), expect[i].initrd);
                CHECK_EQ_STR(span_text(&sp[UK_SEC_UCODE]), expect[i].ucode);
                CHECK_EQ_STR(span_text(&sp[UK_SEC_LINUX]), "KERNEL");
                CHECK_EQ_STR(span_text(&sp[UK_SEC_OSREL]), "ID=test\n");
        }
        CHECK_EQ_INT(uk_uki_resolve(&uki, 3, sp), UK_E_NO_SUCH_PROFILE, "@3 does not exist");
}

static void test_one_profile(void) {
        const struct peb_section s[] = {
                S(".linux", "KERNEL"), S(".cmdline", "base"), S(".profile", "ID=only"), S(".cmdline", "mine"),
        };
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len = build(s, UK_ELEMENTSOF(s));

        CHECK_EQ_INT(parse(len, &uki), UK_OK, "one-profile UKI");
        CHECK_EQ_INT(uk_uki_profile_count(&uki), 1, "one profile");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 0, sp), UK_OK, "resolve @0");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), "mine");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_PROFILE]), "ID=only");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 1, sp), UK_E_NO_SUCH_PROFILE, "@1");
}

/* Which .linux a profile sees, and the errors when it sees none or an empty one. */
static void test_linux_rules(void) {
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len;

        {       /* No .linux at all. */
                const struct peb_section s[] = { S(".text", "code"), S(".osrel", "ID=x") };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_E_NO_LINUX, "no .linux");
        }
        {       /* Zero-size .linux. */
                const struct peb_section s[] = { S(".osrel", "ID=x"), { .name = ".linux", .len = 0 } };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_E_EMPTY_LINUX, "empty .linux");
        }
        {       /* VirtualSize 0 but raw data present: the raw size counts. */
                const struct peb_section s[] = { { .name = ".linux", .data = "K", .len = 1, .zero_vsize = 1 } };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_OK, ".linux with VirtualSize 0");
        }
        {       /* .linux only inside profile @0; @1 has none. */
                const struct peb_section s[] = {
                        S(".osrel", "ID=x"), S(".profile", "ID=a"), S(".linux", "K0"), S(".profile", "ID=b"),
                };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_OK, ".linux in @0 only");
                CHECK_EQ_INT(uk_uki_resolve(&uki, 0, sp), UK_OK, "@0 resolves");
                CHECK_EQ_STR(span_text(&sp[UK_SEC_LINUX]), "K0");
                CHECK_EQ_INT(uk_uki_resolve(&uki, 1, sp), UK_E_NO_LINUX, "@1 has no kernel");
        }
        {       /* .linux only in @1: the default view (@0) has no kernel. */
                const struct peb_section s[] = {
                        S(".osrel", "ID=x"), S(".profile", "ID=a"), S(".profile", "ID=b"), S(".linux", "K1"),
                };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_E_NO_LINUX, ".linux in @1 only");
        }
        {       /* A profile may carry its own kernel. */
                const struct peb_section s[] = {
                        S(".linux", "BASE-K"), S(".profile", "ID=a"), S(".profile", "ID=b"), S(".linux", "K1"),
                };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_OK, "kernel override");
                CHECK_EQ_INT(uk_uki_resolve(&uki, 0, sp), UK_OK, "@0");
                CHECK_EQ_STR(span_text(&sp[UK_SEC_LINUX]), "BASE-K");
                CHECK_EQ_INT(uk_uki_resolve(&uki, 1, sp), UK_OK, "@1");
                CHECK_EQ_STR(span_text(&sp[UK_SEC_LINUX]), "K1");
        }
        {       /* Empty .linux in @0 and none in the base: reported as empty, not missing. */
                const struct peb_section s[] = {
                        S(".osrel", "ID=x"), S(".profile", "ID=a"), { .name = ".linux", .len = 0 },
                };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_E_EMPTY_LINUX, "empty .linux in @0");
        }
        {       /* Empty .linux in the base, a real one in @1: parse fails on @0's view. */
                const struct peb_section s[] = {
                        { .name = ".linux", .len = 0 }, S(".profile", "ID=a"), S(".profile", "ID=b"), S(".linux", "K1"),
                };
                len = build(s, UK_ELEMENTSOF(s));
                CHECK_EQ_INT(parse(len, &uki), UK_E_EMPTY_LINUX, "empty base .linux");
        }
}

/* Duplicates inside one range: the first wins (systemd-stub's choice), both in base and in a profile. */
static void test_duplicates(void) {
        const struct peb_section s[] = {
                S(".linux", "KERNEL"), S(".cmdline", "first"), S(".cmdline", "second"), S(".dtb", "DTB1"), S(".dtb", "DTB2"),
                S(".profile", "ID=a"),
                S(".profile", "ID=b"), S(".cmdline", "b-first"), S(".cmdline", "b-second"),
                S(".profile", "ID=c"), { .name = ".cmdline", .len = 0 }, S(".initrd", "C-INITRD"),
        };
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len = build(s, UK_ELEMENTSOF(s));

        CHECK_EQ_INT(parse(len, &uki), UK_OK, "duplicates parse");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 0, sp), UK_OK, "@0");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), "first");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_DTB]), "DTB1");
        CHECK_EQ_INT(uk_uki_resolve(&uki, 1, sp), UK_OK, "@1");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), "b-first");
        /* An empty section in a profile is absent: it does not hide the base one. */
        CHECK_EQ_INT(uk_uki_resolve(&uki, 2, sp), UK_OK, "@2");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_CMDLINE]), "first");
        CHECK_EQ_STR(span_text(&sp[UK_SEC_INITRD]), "C-INITRD");
}

static void test_limits_and_errors(void) {
        struct peb_section s[UK_PE_MAX_SECTIONS + 1];
        struct uk_uki uki;
        struct uk_span sp[_UK_SEC_MAX];
        size_t len;

        /* As many profiles as a PE image can hold sections for: all of them offered. */
        s[0] = (struct peb_section) S(".linux", "K");
        for (unsigned i = 1; i < UK_ELEMENTSOF(s); i++)
                s[i] = (struct peb_section) S(".profile", "P");
        len = build(s, UK_PE_MAX_SECTIONS);
        CHECK_EQ_INT(parse(len, &uki), UK_OK, "%d profiles", UK_PE_MAX_SECTIONS - 1);
        CHECK_EQ_INT(uk_uki_profile_count(&uki), UK_PE_MAX_SECTIONS - 1, "every profile");
        CHECK_EQ_INT(uki.profiles_ignored, 0, "none ignored");
        CHECK_EQ_INT(uk_uki_resolve(&uki, UK_PE_MAX_SECTIONS - 2, sp), UK_OK, "last profile");
        CHECK(uk_uki_resolve(&uki, UK_PE_MAX_SECTIONS - 1, sp) != UK_OK, "one past the last");
        len = build(s, UK_PE_MAX_SECTIONS + 1);
        CHECK_EQ_INT(parse(len, &uki), UK_E_TOO_MANY_SECTIONS, "a PE image over systemd's 96 sections");

        /* PE errors come through unchanged, and ret_uki is untouched on failure. */
        const struct peb_section o[] = { S(".linux", "KERNEL"), S(".initrd", "INITRD") };
        len = build(o, 2);
        peb_put32(img + PEB_TABLE + 40 + 20, uk_le32(img + PEB_TABLE + 20));
        memset(&uki, 0x5a, sizeof(uki));
        CHECK_EQ_INT(parse(len, &uki), UK_E_OVERLAPPING_SECTIONS, "overlap");
        CHECK(uki.n_profiles == 0x5a5a5a5a, "ret_uki written on failure");
        img[0] = 'Z';
        CHECK_EQ_INT(parse(len, &uki), UK_E_BAD_DOS_MAGIC, "not PE");
        CHECK_EQ_INT(uk_uki_parse(NULL, &uki), UK_E_INVALID_ARG, "NULL source");
        CHECK_EQ_INT(uk_uki_resolve(NULL, 0, sp), UK_E_INVALID_ARG, "NULL uki");
}

static void test_real_stub(const char *argv0) {
        char path[4096];
        int fd = peb_open_real("UKIBOOT_SYSTEMD_STUB", "/usr/lib/systemd/boot/efi/linuxx64.efi.stub", argv0,
                               path, sizeof(path));
        struct uk_source src;
        struct uk_uki uki;

        if (fd < 0) {
                printf("SKIP: uki-real-stub: %s not found\n", path);
                return;
        }
        /* The bare stub is a valid PE with .sbat but no kernel: not a UKI. */
        peb_source_fd(&src, fd);
        CHECK_EQ_INT(uk_uki_parse(&src, &uki), UK_E_NO_LINUX, "bare systemd stub");
        close(fd);
}

int main(int argc, char **argv) {
        unit_suite = "uki";
        (void) argc;
        test_table();
        test_single_profile();
        test_profiles();
        test_one_profile();
        test_linux_rules();
        test_duplicates();
        test_limits_and_errors();
        test_real_stub(argv[0]);
        return unit_finish();
}
