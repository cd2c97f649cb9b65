/* ukiboot — PE/COFF parser tests: synthetic images mutated one field at a time, plus systemd's real stub. */
#include "unit.h"
#include "pe_builder.h"
#include "pe.h"
#include "error.h"
#include "util.h"

/* Where the builder puts the base image's two sections: after the table, 16-aligned. */
#define TEXT_OFF ((PEB_TABLE + 2 * 40 + 15) & ~15u)
#define DATA_OFF (TEXT_OFF + 64)

static uint8_t img[8192];
static size_t img_len;

/* Two-section base image every mutation starts from. */
static void build_base(void) {
        static const char text[64] = "code";
        static const char data[32] = "data";
        const struct peb_section s[] = {
                { .name = ".text", .data = text, .len = sizeof(text) },
                { .name = ".data", .data = data, .len = sizeof(data) },
        };
        img_len = peb_build(img, sizeof(img), s, 2);
}

static uk_err parse_buf(const uint8_t *buf, size_t len, struct uk_pe *pe) {
        struct uk_source src;
        uk_source_from_memory(&src, buf, len);
        return uk_pe_parse(&src, pe);
}

static void test_valid(void) {
        struct uk_pe pe;

        build_base();
        CHECK(img_len > 0, "builder failed");
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "valid image");
        CHECK_EQ_INT(pe.machine, UK_PE_MACHINE_X64, "machine");
        CHECK(pe.pe32plus, "PE32+");
        CHECK_EQ_INT(pe.subsystem, 10, "subsystem");
        CHECK_EQ_INT(pe.entry_point, 0x1000, "entry");
        CHECK_EQ_INT(pe.image_base, 0x10000000, "image base");
        CHECK_EQ_INT(pe.section_alignment, 0x1000, "section alignment");
        CHECK_EQ_INT(pe.file_alignment, 0x10, "file alignment");
        CHECK_EQ_INT(pe.major_image_version, 1, "major image version");
        CHECK_EQ_INT(pe.minor_image_version, 2, "minor image version");
        CHECK_EQ_INT(pe.size_of_image, 0x100000, "size of image");
        CHECK_EQ_INT(pe.pe_offset, 0x40, "e_lfanew");
        CHECK_EQ_INT(pe.n_sections, 2, "section count");
        CHECK_EQ_INT(pe.headers_end, PEB_TABLE + 2 * 40, "headers end");
        CHECK(memcmp(pe.sections[0].name, ".text\0\0\0\0", 9) == 0, "name 0");
        CHECK(memcmp(pe.sections[1].name, ".data\0\0\0\0", 9) == 0, "name 1");
        CHECK_EQ_INT(pe.sections[0].raw_offset, TEXT_OFF, "first data at 16-aligned end of table");
        CHECK_EQ_INT(pe.sections[0].size, 64, "size 0");
        CHECK_EQ_INT(pe.sections[1].raw_offset, DATA_OFF, "second data");
        CHECK_EQ_INT(pe.sections[1].size, 32, "size 1");
        CHECK_EQ_INT(pe.sections[1].virtual_address, 0x2000, "va 1");
        CHECK_EQ_INT(pe.sections[1].characteristics, 0x40000040, "characteristics");
        CHECK_EQ_INT(uk_pe_find(&pe, ".data"), 1, "find .data");
        CHECK_EQ_INT(uk_pe_find(&pe, ".text"), 0, "find .text");
        CHECK_EQ_INT(uk_pe_find(&pe, ".bss"), -1, "find absent");
}

/* One mutation of the base image: optionally patch a field, optionally cut the file. */
struct mutation {
        const char *name;
        uint32_t off;
        unsigned width;          /* 0: no patch; 1, 2 or 4 bytes */
        uint32_t val;
        int64_t truncate;        /* >= 0: new file length; < 0: keep */
        uk_err expect;
};

static const struct mutation mutations[] = {
        { "empty file",               0, 0, 0, 0, UK_E_TRUNCATED },
        { "one byte",                 0, 0, 0, 1, UK_E_TRUNCATED },
        { "MZ only",                  0, 0, 0, 2, UK_E_TRUNCATED },
        { "DOS header cut",           0, 0, 0, 0x3f, UK_E_TRUNCATED },
        { "bad MZ",                   0, 1, 'X', -1, UK_E_BAD_DOS_MAGIC },
        { "bad MZ, short file",       1, 1, 'X', 0x10, UK_E_BAD_DOS_MAGIC },
        { "e_lfanew past end",        0x3c, 4, 0x10000, -1, UK_E_BAD_LFANEW },
        { "e_lfanew at end-3",        0x3c, 4, 0, -1, UK_E_BAD_LFANEW },    /* patched below */
        { "e_lfanew overflow",        0x3c, 4, 0xfffffffe, -1, UK_E_BAD_LFANEW },
        { "e_lfanew inside DOS hdr",  0x3c, 4, 0x20, -1, UK_E_BAD_LFANEW },
        { "PE sig cut",               0, 0, 0, PEB_SIG + 2, UK_E_BAD_LFANEW },
        { "bad PE sig",               PEB_SIG + 1, 1, 'X', -1, UK_E_BAD_PE_SIGNATURE },
        { "bad PE sig NULs",          PEB_SIG + 3, 1, 'E', -1, UK_E_BAD_PE_SIGNATURE },
        { "COFF header cut",          0, 0, 0, PEB_COFF + 10, UK_E_TRUNCATED },
        { "machine arm32",            PEB_COFF, 2, 0x01c2, -1, UK_E_UNKNOWN_MACHINE },
        { "machine ia64",             PEB_COFF, 2, 0x0200, -1, UK_E_UNKNOWN_MACHINE },
        { "machine i386",             PEB_COFF, 2, 0x014c, -1, UK_OK },
        { "machine arm64",            PEB_COFF, 2, 0xaa64, -1, UK_OK },
        { "machine riscv64",          PEB_COFF, 2, 0x5064, -1, UK_OK },
        { "machine loong64",          PEB_COFF, 2, 0x6264, -1, UK_OK },
        { "97 sections",              PEB_COFF + 2, 2, 97, -1, UK_E_TOO_MANY_SECTIONS },
        { "65535 sections",           PEB_COFF + 2, 2, 0xffff, -1, UK_E_TOO_MANY_SECTIONS },
        { "96 sections, table past end", PEB_COFF + 2, 2, 96, -1, UK_E_TOO_MANY_SECTIONS },
        { "optional header cut",      0, 0, 0, PEB_OPT + 100, UK_E_TRUNCATED },
        { "opt size 0",               PEB_COFF + 16, 2, 0, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "opt size 1",               PEB_COFF + 16, 2, 1, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "opt size < PE32+ fixed",   PEB_COFF + 16, 2, 111, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "opt size past end",        PEB_COFF + 16, 2, 0xffff, -1, UK_E_TRUNCATED },
        { "opt magic ROM",            PEB_OPT, 2, 0x107, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "data dirs overflow",       PEB_OPT + 108, 4, 17, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "data dirs huge",           PEB_OPT + 108, 4, 0xffffffff, -1, UK_E_BAD_OPTIONAL_HEADER },
        { "fewer data dirs",          PEB_OPT + 108, 4, 6, -1, UK_OK },
        { "table cut",                0, 0, 0, PEB_TABLE + 60, UK_E_TOO_MANY_SECTIONS },
        { "section data cut",         0, 0, 0, DATA_OFF + 31, UK_E_SECTION_OUT_OF_BOUNDS },
        { "raw offset past end",      PEB_TABLE + 40 + 20, 4, 0x10000, -1, UK_E_SECTION_OUT_OF_BOUNDS },
        { "raw offset overflow",      PEB_TABLE + 40 + 20, 4, 0xffffffff, -1, UK_E_SECTION_OUT_OF_BOUNDS },
        { "raw+vsize overflow",       PEB_TABLE + 20, 4, 0xfffffff0, -1, UK_E_SECTION_OUT_OF_BOUNDS },
        { "raw size past end, vsize ok", PEB_TABLE + 16, 4, 0x100000, -1, UK_OK },
        { "both sizes past end",      PEB_TABLE + 8, 4, 0x100000, -1, UK_E_SECTION_OUT_OF_BOUNDS }, /* patched below */
        { "overlap: same offset",     PEB_TABLE + 40 + 20, 4, TEXT_OFF, -1, UK_E_OVERLAPPING_SECTIONS },
        { "overlap: last byte",       PEB_TABLE + 40 + 20, 4, TEXT_OFF + 63, -1, UK_E_OVERLAPPING_SECTIONS },
        { "adjacent: no overlap",     PEB_TABLE + 40 + 20, 4, TEXT_OFF + 64, -1, UK_OK },
        { "overlap hidden by vsize",  PEB_TABLE + 8, 4, 16, -1, UK_OK },   /* patched below */
        { "zero-size at same offset", PEB_TABLE + 40 + 16, 4, 0, -1, UK_OK },   /* patched below */
};

static void test_mutations(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(mutations); i++) {
                const struct mutation *m = &mutations[i];
                size_t len;
                struct uk_pe pe;
                uk_err r;

                build_base();
                len = img_len;
                if (m->width == 1)
                        img[m->off] = (uint8_t) m->val;
                else if (m->width == 2)
                        peb_put16(img + m->off, (uint16_t) m->val);
                else if (m->width == 4)
                        peb_put32(img + m->off, m->val);
                if (m->truncate >= 0)
                        len = (size_t) m->truncate;

                /* Cases that need more than one field or a length-relative value. */
                if (!strcmp(m->name, "e_lfanew at end-3"))
                        peb_put32(img + 0x3c, (uint32_t) len - 3);
                if (!strcmp(m->name, "both sizes past end"))
                        peb_put32(img + PEB_TABLE + 16, 0x100000);
                if (!strcmp(m->name, "overlap hidden by vsize")) {
                        /* .text has 64 raw bytes but only 16 used: .data may start right after those 16. */
                        peb_put32(img + PEB_TABLE + 40 + 20, TEXT_OFF + 16);
                }
                if (!strcmp(m->name, "zero-size at same offset")) {
                        peb_put32(img + PEB_TABLE + 40 + 8, 0);
                        peb_put32(img + PEB_TABLE + 40 + 20, TEXT_OFF);
                }
                if (!strcmp(m->name, "96 sections, table past end"))
                        len = PEB_TABLE + 95 * 40;

                r = parse_buf(img, len, &pe);
                CHECK(r == m->expect, "%s: got %d (%s), expected %d (%s)", m->name, r, uk_strerror(r),
                      m->expect, uk_strerror(m->expect));
        }
}

static void test_section_sizes(void) {
        static const char d[64];
        struct {
                const char *name;
                uint32_t len, raw, vs;
                int zero_vs;
                uint64_t expect;
        } cases[] = {
                { "vsize == raw",      64, 0, 0, 0, 64 },
                { "vsize < raw",       64, 64, 20, 0, 20 },
                { "vsize > raw (bss)", 64, 64, 4096, 0, 64 },
                { "vsize 0 uses raw",  64, 64, 0, 1, 64 },
                { "raw 0 (pure bss)",  0, 0, 4096, 0, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(cases); i++) {
                struct peb_section s = { .name = ".x", .data = d, .len = cases[i].len, .raw_size = cases[i].raw,
                                         .virtual_size = cases[i].vs, .zero_vsize = cases[i].zero_vs };
                struct uk_pe pe;
                img_len = peb_build(img, sizeof(img), &s, 1);
                CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "%s", cases[i].name);
                CHECK(pe.sections[0].size == cases[i].expect, "%s: size %llu, expected %llu", cases[i].name,
                      (unsigned long long) pe.sections[0].size, (unsigned long long) cases[i].expect);
        }

        /* A pure-bss section (no raw data) may point anywhere without being out of bounds or overlapping. */
        struct peb_section s[] = {
                { .name = ".text", .data = d, .len = 64 },
                { .name = ".bss", .len = 0, .virtual_size = 4096, .raw_offset = TEXT_OFF },
        };
        struct uk_pe pe;
        img_len = peb_build(img, sizeof(img), s, 2);
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "bss sharing an offset");
        peb_put32(img + PEB_TABLE + 40 + 20, 0xffffff00);
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "bss with wild offset");
}

static void test_pe32(void) {
        struct uk_pe pe;

        /* Rewrite the optional header as PE32: 96 fixed bytes, ImageBase is 32-bit at 28. */
        build_base();
        peb_put16(img + PEB_OPT, 0x10b);
        peb_put32(img + PEB_OPT + 24, 0xdeadbeef);      /* BaseOfData in PE32 */
        peb_put32(img + PEB_OPT + 28, 0x00400000);
        peb_put32(img + PEB_OPT + 92, 16);              /* NumberOfRvaAndSizes: 96 + 128 = 224 <= 240 */
        peb_put32(img + PEB_OPT + 108, 0);
        peb_put16(img + PEB_COFF, 0x014c);
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "PE32");
        CHECK(!pe.pe32plus, "PE32 is not PE32+");
        CHECK_EQ_INT(pe.image_base, 0x00400000, "PE32 image base");
        CHECK_EQ_INT(pe.machine, UK_PE_MACHINE_I386, "i386");

        peb_put32(img + PEB_OPT + 92, 19);              /* 96 + 152 > 240 */
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_E_BAD_OPTIONAL_HEADER, "PE32 data dirs overflow");
        peb_put32(img + PEB_OPT + 92, 0);
        peb_put16(img + PEB_COFF + 16, 95);
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_E_BAD_OPTIONAL_HEADER, "PE32 opt size < 96");
}

static void test_names(void) {
        static const char d[16];
        const struct peb_section s[] = {
                { .name = ".dtbauto", .data = d, .len = 16 },
                { .name = ".pcrpkey", .data = d, .len = 16 },
                { .name = ".dtb", .data = d, .len = 16 },
                { .name = ".dtb", .data = d, .len = 16 },
                { .name = ".linux", .data = d, .len = 16 },
        };
        struct uk_pe pe;

        img_len = peb_build(img, sizeof(img), s, UK_ELEMENTSOF(s));
        /* Fourth section: ".dtb\0xyz" - equal to ".dtb" only in its first 5 bytes. */
        memcpy(img + PEB_TABLE + 3 * 40, ".dtb\0xyz", 8);
        CHECK_EQ_INT(parse_buf(img, img_len, &pe), UK_OK, "names image");
        CHECK(memcmp(pe.sections[0].name, ".dtbauto", 9) == 0, "8-char name kept whole, NUL-terminated");
        CHECK(memcmp(pe.sections[1].name, ".pcrpkey", 9) == 0, ".pcrpkey kept whole");
        CHECK(memcmp(pe.sections[3].name, ".dtb\0xyz", 9) == 0, "raw bytes after NUL kept");

        struct { int sec; const char *name; bool eq; } eqs[] = {
                { 0, ".dtbauto", true },  { 0, ".dtb", false },     { 0, ".dtbaut", false },
                { 0, ".dtbautox", false }, { 1, ".pcrpkey", true }, { 1, ".pcrpke", false },
                { 2, ".dtb", true },      { 2, ".dtbauto", false }, { 2, ".dt", false },
                { 3, ".dtb", false },     { 4, ".linux", true },    { 4, ".linu", false },
                { 4, "", false },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(eqs); i++)
                CHECK(uk_pe_name_eq(&pe.sections[eqs[i].sec], eqs[i].name) == eqs[i].eq,
                      "name_eq(section %d, \"%s\") should be %d", eqs[i].sec, eqs[i].name, eqs[i].eq);
        CHECK_EQ_INT(uk_pe_find(&pe, ".dtb"), 2, "find .dtb skips .dtbauto, returns first exact");
        CHECK_EQ_INT(uk_pe_find(&pe, ".dtbauto"), 0, "find .dtbauto");
}

static void test_machine_names(void) {
        CHECK_EQ_STR(uk_pe_machine_name(0x8664), "x86-64");
        CHECK_EQ_STR(uk_pe_machine_name(0x014c), "x86");
        CHECK_EQ_STR(uk_pe_machine_name(0xaa64), "arm64");
        CHECK_EQ_STR(uk_pe_machine_name(0x5064), "riscv64");
        CHECK_EQ_STR(uk_pe_machine_name(0x6264), "loongarch64");
        CHECK_EQ_STR(uk_pe_machine_name(0x01c2), "unknown");
}

static void test_io_and_args(void) {
        struct uk_source src = { .read_at = peb_failing_read, .size = 4096 };
        struct uk_pe pe;
        struct peb_counting cnt = { .mem = img };

        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_E_IO, "read errors propagate");
        CHECK_EQ_INT(uk_pe_parse(NULL, &pe), UK_E_INVALID_ARG, "NULL source");

        /* ret_pe is untouched on failure, even when the failure is found last (overlap). */
        build_base();
        peb_put32(img + PEB_TABLE + 40 + 20, TEXT_OFF);
        memset(&pe, 0xa5, sizeof(pe));
        CHECK(parse_buf(img, img_len, &pe) != UK_OK, "bad image");
        CHECK(pe.machine == 0xa5a5 && pe.n_sections == 0xa5a5, "ret_pe written on failure");

        /* The parser reads headers and the section table only, never section data. */
        build_base();
        src = (struct uk_source) { .read_at = peb_counting_read, .ctx = &cnt, .size = img_len };
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "counting parse");
        CHECK(cnt.max_end <= pe.headers_end, "read up to %llu, headers end at %llu",
              (unsigned long long) cnt.max_end, (unsigned long long) pe.headers_end);
}

static void test_real_stub(const char *argv0) {
        char path[4096];
        int fd = peb_open_real("UKIBOOT_SYSTEMD_STUB", "/usr/lib/systemd/boot/efi/linuxx64.efi.stub", argv0,
                               path, sizeof(path));
        struct uk_source src;
        struct uk_pe pe;

        if (fd < 0) {
                printf("SKIP: pe-real-stub: %s not found\n", path);
                return;
        }
        peb_source_fd(&src, fd);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "parse %s", path);
        CHECK_EQ_INT(pe.machine, UK_PE_MACHINE_X64, "stub machine");
        CHECK(pe.pe32plus, "stub is PE32+");
        CHECK_EQ_INT(pe.subsystem, 10, "stub is an EFI application");
        CHECK(uk_pe_find(&pe, ".sdmagic") >= 0, "stub has .sdmagic");
        CHECK(uk_pe_find(&pe, ".sbat") >= 0, "stub has .sbat");
        CHECK(uk_pe_find(&pe, ".text") >= 0, "stub has .text");
        CHECK(uk_pe_find(&pe, ".linux") < 0, "bare stub has no .linux");

        /* .sdmagic holds systemd's magic string: read it through the source to prove the span is right. */
        int i = uk_pe_find(&pe, ".sdmagic");
        if (i >= 0) {
                char magic[64] = "";
                size_t n = pe.sections[i].size < sizeof(magic) - 1 ? pe.sections[i].size : sizeof(magic) - 1;
                CHECK_EQ_INT(uk_source_read(&src, pe.sections[i].raw_offset, magic, n), UK_OK, "read .sdmagic");
                CHECK(strncmp(magic, "#### LoaderInfo: systemd-stub ", 30) == 0, ".sdmagic content: %s", magic);
        }
        close(fd);
}

int main(int argc, char **argv) {
        unit_suite = "pe";
        (void) argc;
        test_valid();
        test_mutations();
        test_section_sizes();
        test_pe32();
        test_names();
        test_machine_names();
        test_io_and_args();
        test_real_stub(argv[0]);
        return unit_finish();
}
