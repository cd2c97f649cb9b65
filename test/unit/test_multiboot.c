/* ukiboot — common/multiboot.c: Multiboot (v1) kernels judged and laid out. Each case builds a small ELF32
 * i386 image in memory (a header at 4 KiB, its segments as given) or a header with its own addresses, and
 * names the result: the layout, or the error and the sentence that says why. */
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include "multiboot.h"
#include "multiboot_info.h"
#include "util.h"

#define IMG_SIZE 16384
#define HDR_AT 4096

struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz; };

static void put32(uint8_t *p, uint32_t v) { p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v, p[1] = v >> 8; }

/* An ELF32 i386 executable with the given program headers and a Multiboot header (flags) at hdr_at. */
static size_t build_elf(uint8_t *img, uint32_t flags, uint32_t hdr_at, uint32_t entry, const struct phdr *ph, unsigned n) {
        memset(img, 0, IMG_SIZE);
        memcpy(img, "\177ELF\1\1\1", 7);
        put16(img + 16, 2);             /* ET_EXEC */
        put16(img + 18, 3);             /* EM_386 */
        put32(img + 20, 1);
        put32(img + 24, entry);
        put32(img + 28, 52);            /* e_phoff */
        put16(img + 40, 52);
        put16(img + 42, 32);
        put16(img + 44, (uint16_t) n);
        for (unsigned i = 0; i < n; i++) {
                uint8_t *p = img + 52 + 32 * i;
                put32(p, ph[i].type), put32(p + 4, ph[i].offset), put32(p + 8, ph[i].vaddr), put32(p + 12, ph[i].paddr);
                put32(p + 16, ph[i].filesz), put32(p + 20, ph[i].memsz);
        }
        put32(img + hdr_at, UK_MB_HEADER_MAGIC);
        put32(img + hdr_at + 4, flags);
        put32(img + hdr_at + 8, (uint32_t) -(UK_MB_HEADER_MAGIC + flags));
        return IMG_SIZE;
}

static uk_err parse(const uint8_t *img, size_t len, struct uk_multiboot *mb, const char **why) {
        struct uk_source src;
        uk_source_from_memory(&src, img, len);
        *why = NULL;
        return uk_multiboot_parse(&src, mb, why);
}

static void test_elf(void) {
        static uint8_t img[IMG_SIZE];
        static const struct {
                const char *name;
                uint32_t flags, entry;
                struct phdr ph[3];
                unsigned n;
                uk_err err;
                const char *why;
                unsigned n_segments;
                uint32_t want_entry;
        } t[] = {
                { "one segment at 1 MiB", 3, 0x100010, { { 1, 4096, 0x100000, 0x100000, 8192, 12288 } }, 1,
                  UK_OK, NULL, 1, 0x100010 },
                { "higher half: the entry follows its segment", 3, 0xc0100020,
                  { { 1, 4096, 0xc0100000, 0x100000, 4096, 4096 }, { 0x6474e551, 0, 0, 0, 0, 0 } }, 2,
                  UK_OK, NULL, 1, 0x100020 },
                { "two segments", 0, 0x100000, { { 1, 4096, 0x100000, 0x100000, 4096, 4096 },
                                                 { 1, 8192, 0x200000, 0x200000, 4096, 65536 } }, 2, UK_OK, NULL, 2, 0x100000 },
                { "outside the file", 3, 0x100000, { { 1, 4096, 0x100000, 0x100000, 65536, 65536 } }, 1,
                  UK_E_SECTION_OUT_OF_BOUNDS, "a segment lies outside the file", 0, 0 },
                { "file size over memory size", 3, 0x100000, { { 1, 4096, 0x100000, 0x100000, 8192, 4096 } }, 1,
                  UK_E_SECTION_OUT_OF_BOUNDS, "a segment lies outside the file", 0, 0 },
                { "below 1 MiB", 3, 0x9000, { { 1, 4096, 0x9000, 0x9000, 4096, 4096 } }, 1,
                  UK_E_SECTION_OUT_OF_BOUNDS, "a segment's address is below 1 MiB or above 4 GiB", 0, 0 },
                { "past 4 GiB", 3, 0xfffff000, { { 1, 4096, 0xfffff000, 0xfffff000, 4096, 8192 } }, 1,
                  UK_E_SECTION_OUT_OF_BOUNDS, "a segment's address is below 1 MiB or above 4 GiB", 0, 0 },
                { "overlap", 3, 0x100000, { { 1, 4096, 0x100000, 0x100000, 4096, 8192 },
                                            { 1, 8192, 0x101000, 0x101000, 4096, 4096 } }, 2,
                  UK_E_OVERLAPPING_SECTIONS, "two segments overlap in memory", 0, 0 },
                { "entry nowhere", 3, 0x300000, { { 1, 4096, 0x100000, 0x100000, 4096, 4096 } }, 1,
                  UK_E_BAD_KERNEL, "its entry point is in none of its segments", 0, 0 },
                { "nothing to load", 3, 0x100000, { { 0x6474e551, 0, 0, 0, 0, 0 } }, 1,
                  UK_E_BAD_KERNEL, "it has nothing to load", 0, 0 },
                { "video mode", 7, 0x100000, { { 1, 4096, 0x100000, 0x100000, 4096, 4096 } }, 1,
                  UK_E_UNSUPPORTED, "its header asks for a video mode, which ukiboot does not set", 0, 0 },
                { "an unknown requirement", 0x8003, 0x100000, { { 1, 4096, 0x100000, 0x100000, 4096, 4096 } }, 1,
                  UK_E_UNSUPPORTED, "its header requires a feature this Multiboot loader does not know", 0, 0 },
                { "optional bits are fine", 0x80000003, 0x100000, { { 1, 4096, 0x100000, 0x100000, 4096, 4096 } }, 1,
                  UK_OK, NULL, 1, 0x100000 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_multiboot mb;
                const char *why;
                memset(&mb, 0xa5, sizeof(mb));
                size_t len = build_elf(img, t[i].flags, HDR_AT, t[i].entry, t[i].ph, t[i].n);
                uk_err r = parse(img, len, &mb, &why);
                CHECK_EQ_INT(r, t[i].err, "%s", t[i].name);
                if (t[i].why)
                        CHECK(why && strcmp(why, t[i].why) == 0, "%s: why '%s'", t[i].name, why ? why : "(none)");
                if (r) {
                        CHECK(mb.n_segments == 0xa5a5a5a5u, "%s: nothing written on failure", t[i].name);
                        continue;
                }
                CHECK_EQ_INT(mb.n_segments, t[i].n_segments, "%s: segments", t[i].name);
                CHECK_EQ_INT(mb.entry, t[i].want_entry, "%s: entry", t[i].name);
                CHECK_EQ_INT(mb.header_offset, HDR_AT, "%s: header offset", t[i].name);
                CHECK(mb.segments[0].paddr == t[i].ph[0].paddr && mb.segments[0].file_offset == t[i].ph[0].offset &&
                      mb.low == 0x100000, "%s: first segment", t[i].name);
        }
}

/* The header found or not: magic, checksum, the 8 KiB window, 4-byte alignment. */
static void test_header(void) {
        static uint8_t img[IMG_SIZE];
        const struct phdr ph = { 1, 4096, 0x100000, 0x100000, 4096, 4096 };
        struct uk_multiboot mb;
        struct uk_source src;
        const char *why;

        build_elf(img, 3, 8180, 0x100000, &ph, 1);
        CHECK_EQ_INT(parse(img, IMG_SIZE, &mb, &why), UK_OK, "the header's last possible place (all of it in 8 KiB)");
        build_elf(img, 3, 8184, 0x100000, &ph, 1);
        CHECK_EQ_INT(parse(img, IMG_SIZE, &mb, &why), UK_E_BAD_KERNEL, "the header partly past the first 8 KiB");
        CHECK(why && strstr(why, "no Multiboot header"), "said: %s", why ? why : "(none)");
        build_elf(img, 3, HDR_AT, 0x100000, &ph, 1);
        memmove(img + HDR_AT + 2, img + HDR_AT, 12);
        memset(img + HDR_AT, 0, 2);
        CHECK_EQ_INT(parse(img, IMG_SIZE, &mb, &why), UK_E_BAD_KERNEL, "not 4-aligned");
        build_elf(img, 3, HDR_AT, 0x100000, &ph, 1);
        img[HDR_AT + 8] ^= 1;
        uk_source_from_memory(&src, img, IMG_SIZE);
        CHECK(!uk_multiboot_detect(&src), "a bad checksum is no header");
        CHECK_EQ_INT(parse(img, IMG_SIZE, &mb, &why), UK_E_BAD_KERNEL, "bad checksum");
        img[HDR_AT + 8] ^= 1;
        CHECK(uk_multiboot_detect(&src), "detected");
        CHECK_EQ_INT(parse(img, 20, &mb, &why), UK_E_BAD_KERNEL, "a 20-byte file");
        memcpy(img, "MZ", 2);
        CHECK_EQ_INT(parse(img, IMG_SIZE, &mb, &why), UK_E_BAD_KERNEL, "not ELF, no addresses");
        CHECK_EQ_INT(uk_multiboot_parse(NULL, &mb, NULL), UK_E_INVALID_ARG, "NULL source");
}

/* Flag 16: the header's own addresses (an a.out-style kernel, or any that prefers them). */
static void test_addresses(void) {
        static uint8_t img[IMG_SIZE];
        static const struct {
                const char *name;
                uint32_t header_addr, load_addr, load_end, bss_end, entry;
                uk_err err;
                uint32_t file_offset, file_size, mem_size;
        } t[] = {
                { "whole file from load_addr", 0x101000, 0x100000, 0, 0, 0x101020, UK_OK, 0, IMG_SIZE, IMG_SIZE },
                { "load end and bss", 0x101000, 0x100000, 0x102000, 0x110000, 0x100000, UK_OK, 0, 0x2000, 0x10000 },
                { "load_addr after the header", 0x101000, 0x102000, 0, 0, 0x102000, UK_E_SECTION_OUT_OF_BOUNDS, 0, 0, 0 },
                { "header further than the file allows", 0x200000, 0x100000, 0, 0, 0x100000, UK_E_SECTION_OUT_OF_BOUNDS, 0, 0, 0 },
                { "load end past the file", 0x101000, 0x100000, 0x180000, 0, 0x100000, UK_E_SECTION_OUT_OF_BOUNDS, 0, 0, 0 },
                { "bss end below load end", 0x101000, 0x100000, 0x102000, 0x101000, 0x100000, UK_E_SECTION_OUT_OF_BOUNDS, 0, 0, 0 },
                { "entry outside", 0x101000, 0x100000, 0x102000, 0, 0x103000, UK_E_BAD_KERNEL, 0, 0, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_multiboot mb;
                const char *why;
                memset(img, 0, sizeof(img));
                uint32_t flags = UK_MB_ADDRESSES | UK_MB_MEMORY_INFO;
                put32(img + HDR_AT, UK_MB_HEADER_MAGIC), put32(img + HDR_AT + 4, flags);
                put32(img + HDR_AT + 8, (uint32_t) -(UK_MB_HEADER_MAGIC + flags));
                put32(img + HDR_AT + 12, t[i].header_addr), put32(img + HDR_AT + 16, t[i].load_addr);
                put32(img + HDR_AT + 20, t[i].load_end), put32(img + HDR_AT + 24, t[i].bss_end);
                put32(img + HDR_AT + 28, t[i].entry);
                uk_err r = parse(img, IMG_SIZE, &mb, &why);
                CHECK_EQ_INT(r, t[i].err, "%s (%s)", t[i].name, why ? why : "");
                if (r)
                        continue;
                CHECK(mb.n_segments == 1 && mb.segments[0].file_offset == t[i].file_offset &&
                      mb.segments[0].file_size == t[i].file_size && mb.segments[0].mem_size == t[i].mem_size &&
                      mb.entry == t[i].entry, "%s: layout", t[i].name);
        }
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24; }

/* The information block both twins hand over, field by field (specification 0.6.96, section 3.3). */
static void test_info(void) {
        static uint8_t buf[UK_MB_INFO_SIZE];
        const uint32_t base = 0x200000;
        const struct uk_mb_module mods[] = { { 0x300000, 0x300010, "/mb/m1" }, { 0x301000, 0x301003, "/mb/m2 x" } };
        const struct uk_mb_region map[] = {
                { 0, 0x9fc00, UK_MB_RAM }, { 0x9fc00, 0x400, UK_MB_RESERVED },
                { 0x100000, 0x700000, UK_MB_RAM }, { 0x800000, 0x100000, UK_MB_RAM },    /* adjacent: one entry */
                { 0x900000, 0x10000, UK_MB_ACPI_NVS }, { 0xa00000, 0x1000000, UK_MB_RAM },
        };
        CHECK_EQ_INT(uk_multiboot_info(buf, base, "/mb/k -- a", "ukiboot test", mods, 2, map, 6), UK_OK, "laid out");
        CHECK_EQ_INT(get32(buf), 1u | 4u | 8u | 64u | 512u, "flags: memory, cmdline, modules, map, loader name");
        CHECK_EQ_INT(get32(buf + 4), 639, "mem_lower: RAM from 0, KiB");
        CHECK_EQ_INT(get32(buf + 8), 0x800000 / 1024, "mem_upper: RAM without a gap from 1 MiB, KiB");
        CHECK(strcmp((const char *) buf + (get32(buf + 16) - base), "/mb/k -- a") == 0, "command line");
        CHECK(strcmp((const char *) buf + (get32(buf + 64) - base), "ukiboot test") == 0, "loader name");
        CHECK_EQ_INT(get32(buf + 20), 2, "mods_count");
        const uint8_t *m = buf + (get32(buf + 24) - base);
        CHECK(get32(m) == 0x300000 && get32(m + 4) == 0x300010 && get32(m + 16) == 0x301000 && get32(m + 20) == 0x301003,
              "module ranges");
        CHECK(strcmp((const char *) buf + (get32(m + 24) - base), "/mb/m2 x") == 0, "module string");
        CHECK_EQ_INT(get32(buf + 44), 5 * 24, "mmap_length: five entries (two adjacent RAM ranges merged)");
        const uint8_t *e = buf + (get32(buf + 48) - base) + 2 * 24;
        CHECK(get32(e) == 20 && get32(e + 4) == 0x100000 && get32(e + 12) == 0x800000 && get32(e + 20) == UK_MB_RAM,
              "the merged entry: size 20, base 1 MiB, 8 MiB of RAM");
        CHECK_EQ_INT(uk_multiboot_info(buf, base, "x", "y", mods, 9, map, 6), UK_E_TOO_MANY, "nine modules");
        CHECK_EQ_INT(uk_multiboot_info(buf, 0xffffc000u, "x", "y", NULL, 0, NULL, 0), UK_E_INVALID_ARG, "past 4 GiB");

        /* The pages a loader reserves: sorted, shared pages merged. */
        struct uk_multiboot mb = { .n_segments = 3 };
        mb.segments[0] = (struct uk_mb_segment) { .paddr = 0x200800, .mem_size = 0x100 };
        mb.segments[1] = (struct uk_mb_segment) { .paddr = 0x100000, .mem_size = 0x1800 };
        mb.segments[2] = (struct uk_mb_segment) { .paddr = 0x101900, .mem_size = 0x10 };
        uint64_t lo[UK_MB_SEGMENTS_MAX], hi[UK_MB_SEGMENTS_MAX];
        unsigned n = uk_multiboot_pages(&mb, lo, hi);
        CHECK(n == 2 && lo[0] == 0x100000 && hi[0] == 0x102000 && lo[1] == 0x200000 && hi[1] == 0x201000,
              "pages: %u ranges", n);
}

int main(void) {
        unit_suite = "multiboot";
        test_elf();
        test_header();
        test_addresses();
        test_info();
        return unit_finish();
}
