/* ukiboot — PCR 11 section lists: which sections systemd-stub measures, in which order, how many bytes,
 * and which stub generation a UKI's .sdmagic names. Expected orders are systemd's (252 from the Debian 12
 * stub binary, 253+ from systemd's section enum), written out here, not taken from common/. */
#include "unit.h"
#include "pe_builder.h"
#include "uki.h"
#include "util.h"

static uint8_t img[16384];

static uk_err parse(const struct peb_section *s, unsigned n, struct uk_uki *uki, struct uk_source *src) {
        size_t len = peb_build(img, sizeof(img), s, n);
        CHECK(len > 0, "builder overflow");
        uk_source_from_memory(src, img, len);
        return uk_uki_parse(src, uki);
}

/* Names of the measured sections, space separated. */
static const char *names(const struct uk_pcr11_item *it, unsigned n) {
        static char buf[256];
        buf[0] = 0;
        for (unsigned i = 0; i < n; i++) {
                strcat(buf, i ? " " : "");
                strcat(buf, uk_sec_table[it[i].sec].name);
        }
        return buf;
}

#define S(n, text) { .name = (n), .data = (text), .len = sizeof(text) - 1 }

static void test_orders(void) {
        /* Every UKI section, in file order unlike any measurement order. */
        const struct peb_section s[] = {
                S(".text", "code"), S(".sbat", "sbat"), S(".pcrsig", "sig"), S(".efifw", "fw"),
                S(".hwids", "hw"), S(".dtbauto", "da"), S(".pcrpkey", "key"), S(".dtb", "dtb"),
                S(".splash", "bmp"), S(".ucode", "uc"), S(".uname", "6.1"), S(".initrd", "cpio"),
                S(".cmdline", "quiet"), S(".osrel", "ID=x"), S(".linux", "MZkernel"),
        };
        struct uk_pcr11_item it[_UK_SEC_MAX];
        struct uk_uki uki;
        struct uk_source src;
        unsigned n = 99;

        CHECK_EQ_INT(parse(s, UK_ELEMENTSOF(s), &uki, &src), UK_OK, "parse");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 0, UK_STUB_GEN_252, it, &n), UK_OK, "252 items");
        CHECK_EQ_STR(names(it, n), ".linux .osrel .cmdline .initrd .splash .dtb .pcrpkey");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 0, UK_STUB_GEN_253, it, &n), UK_OK, "253 items");
        CHECK_EQ_STR(names(it, n), ".linux .osrel .cmdline .initrd .ucode .splash .dtb .uname .sbat .pcrpkey "
                     ".dtbauto .hwids .efifw");
        /* Offsets and lengths are the section's bytes in the file. */
        CHECK_EQ_INT(it[0].length, 8, ".linux length");
        CHECK(memcmp(img + it[0].offset, "MZkernel", 8) == 0, ".linux offset");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 1, UK_STUB_GEN_252, it, &n), UK_E_NO_SUCH_PROFILE, "no profile 1");
}

static void test_sizes_and_profiles(void) {
        /* VirtualSize beyond the raw data: the loaded image is zero-filled, and that is what is measured.
         * VirtualSize 0: the stub finds no such section. */
        const struct peb_section s[] = {
                { .name = ".linux", .data = "MZkern", .len = 6, .virtual_size = 10 },
                { .name = ".osrel", .data = "ID=x", .len = 4, .zero_vsize = 1 },
                { .name = ".cmdline", .data = "quiet\0\0\0", .len = 8, .virtual_size = 5 },
                S(".profile", "ID=a"),
                S(".profile", "ID=b"), S(".cmdline", "debug"),
        };
        struct uk_pcr11_item it[_UK_SEC_MAX];
        struct uk_uki uki;
        struct uk_source src;
        unsigned n = 0;

        CHECK_EQ_INT(parse(s, UK_ELEMENTSOF(s), &uki, &src), UK_OK, "parse");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 0, UK_STUB_GEN_252, it, &n), UK_OK, "profile 0");
        CHECK_EQ_STR(names(it, n), ".linux .cmdline");
        CHECK_EQ_INT(it[0].length, 6, "raw bytes of .linux");
        CHECK_EQ_INT(it[0].zero_fill, 4, "zero fill of .linux");
        CHECK_EQ_INT(it[1].length, 5, ".cmdline: VirtualSize only");
        CHECK_EQ_INT(it[1].zero_fill, 0, ".cmdline: no fill");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 1, UK_STUB_GEN_253, it, &n), UK_OK, "profile 1");
        CHECK_EQ_STR(names(it, n), ".linux .cmdline .profile");
        CHECK(memcmp(img + it[1].offset, "debug", 5) == 0, "profile 1 measures its own .cmdline");
        CHECK(memcmp(img + it[2].offset, "ID=b", 4) == 0, "and its own .profile");
}

static void test_bss_section(void) {
        /* No file bytes at all (SizeOfRawData 0, PointerToRawData anywhere): the stub hashes VirtualSize zeros. */
        const struct peb_section s[] = {
                S(".linux", "MZkernel"),
                { .name = ".dtb", .len = 0, .virtual_size = 8, .raw_offset = 0x10 },
        };
        struct uk_pcr11_item it[_UK_SEC_MAX];
        struct uk_uki uki;
        struct uk_source src;
        unsigned n = 0;

        CHECK_EQ_INT(parse(s, UK_ELEMENTSOF(s), &uki, &src), UK_OK, "parse");
        CHECK_EQ_INT(uk_uki_pcr11_items(&uki, 0, UK_STUB_GEN_252, it, &n), UK_OK, "items");
        CHECK_EQ_STR(names(it, n), ".linux .dtb");
        CHECK_EQ_INT(it[1].offset, 0, "no file offset");
        CHECK_EQ_INT(it[1].length, 0, "no file bytes");
        CHECK_EQ_INT(it[1].zero_fill, 8, "all zero fill");
}

static void test_stub_gen(void) {
        static const struct {
                const char *magic;
                enum uk_stub_gen want;
        } t[] = {
                { "#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####", UK_STUB_GEN_252 },
                { "#### LoaderInfo: systemd-stub 251 ####", UK_STUB_GEN_252 },
                { "#### LoaderInfo: systemd-stub 253 ####", UK_STUB_GEN_253 },
                { "#### LoaderInfo: systemd-stub 257.9-1 ####", UK_STUB_GEN_253 },
                { "#### LoaderInfo: systemd-stub v252-rc1 ####", UK_STUB_GEN_252 },
                { "#### LoaderInfo: systemd-stub  ####", UK_STUB_GEN_253 },
                { "#### LoaderInfo: other-stub 1 ####", UK_STUB_GEN_253 },
                { "systemd-stub 99999999999999999999", UK_STUB_GEN_253 },
                { "systemd-stub 25", UK_STUB_GEN_252 },
                { "", UK_STUB_GEN_253 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                const struct peb_section s[] = {
                        { .name = ".sdmagic", .data = t[i].magic, .len = (uint32_t) strlen(t[i].magic) + 1 },
                        S(".linux", "MZkernel"),
                };
                struct uk_uki uki;
                struct uk_source src;
                CHECK_EQ_INT(parse(s, UK_ELEMENTSOF(s), &uki, &src), UK_OK, "parse %zu", i);
                enum uk_stub_gen g = 99;
                CHECK_EQ_INT(uk_uki_stub_gen(&src, &uki, &g), UK_OK, "magic '%s' read", t[i].magic);
                CHECK_EQ_INT(g, t[i].want, "magic '%s'", t[i].magic);
        }
        const struct peb_section none[] = { S(".linux", "MZkernel") };
        struct uk_uki uki;
        struct uk_source src;
        CHECK_EQ_INT(parse(none, 1, &uki, &src), UK_OK, "parse");
        enum uk_stub_gen g = 99;
        CHECK_EQ_INT(uk_uki_stub_gen(&src, &uki, &g), UK_OK, "no .sdmagic");
        CHECK_EQ_INT(g, UK_STUB_GEN_253, "no .sdmagic: current list");
        /* Debian's 252 arm64 stub has no .sdmagic section: the text lies elsewhere in the stub's part of the
         * file (here inside another section, after a kilobyte of filler so it straddles a read window). */
        static char filler[2048];
        memset(filler, 'x', sizeof(filler));
        memcpy(filler + 1000, "#### LoaderInfo: systemd-stub 252.39 ####", 41);
        const struct peb_section hidden[] = { { .name = ".data", .data = filler, .len = sizeof(filler) },
                                              S(".linux", "MZkernel") };
        CHECK_EQ_INT(parse(hidden, 2, &uki, &src), UK_OK, "parse, magic outside .sdmagic");
        g = 99;
        CHECK_EQ_INT(uk_uki_stub_gen(&src, &uki, &g), UK_OK, "magic found in the file");
        CHECK_EQ_INT(g, UK_STUB_GEN_252, "a 252 stub without .sdmagic");
        /* A magic whose bytes cannot be read is an I/O error, not "no magic" (the list measured would change). */
        const struct peb_section magic[] = {
                { .name = ".sdmagic", .data = "#### LoaderInfo: systemd-stub 252 ####", .len = 39 },
                S(".linux", "MZkernel"),
        };
        struct uk_source failing = { .read_at = peb_failing_read, .size = 0 };
        CHECK_EQ_INT(parse(magic, UK_ELEMENTSOF(magic), &uki, &src), UK_OK, "parse with magic");
        failing.size = src.size;
        g = 99;
        CHECK_EQ_INT(uk_uki_stub_gen(&failing, &uki, &g), UK_E_IO, "unreadable magic");
        CHECK_EQ_INT(g, 99, "nothing written on failure");
}

int main(void) {
        unit_suite = "pcr11";
        test_orders();
        test_sizes_and_profiles();
        test_bss_section();
        test_stub_gen();
        return unit_finish();
}
