/* ukiboot — kernel image inspection tests: synthetic setup headers, zboot, arm64, plus Debian's real kernel. */
#include "unit.h"
#include "pe_builder.h"
#include "kernel.h"
#include "util.h"

static uint8_t k[16384];

/* A bzImage-like setup area: setup_sects sectors + boot sector, "HdrS", given protocol and fields. */
struct bz {
        uint8_t setup_sects;
        uint16_t protocol;
        uint32_t cmdline_size;
        uint32_t handover;
        uint16_t xloadflags;
        const char *version;      /* NULL: kernel_version pointer 0 */
        bool pe;                  /* add "MZ" + PE header */
        uint16_t image_major;     /* PE MajorImageVersion */
};

static size_t build_bz(const struct bz *b, size_t len) {
        memset(k, 0, sizeof(k));
        k[0x1f1] = b->setup_sects;
        peb_put16(k + 0x1fe, 0xaa55);
        memcpy(k + 0x202, "HdrS", 4);
        peb_put16(k + 0x206, b->protocol);
        peb_put16(k + 0x236, b->xloadflags);
        peb_put32(k + 0x238, b->cmdline_size);
        peb_put32(k + 0x264, b->handover);
        if (b->version) {
                /* The string lives in the setup code, here at 0x300; the pointer is relative to 0x200. */
                strcpy((char *) k + 0x300, b->version);
                peb_put16(k + 0x20e, 0x100);
        }
        if (b->pe) {
                k[0] = 'M', k[1] = 'Z';
                peb_put32(k + 0x3c, 0x80);
                memcpy(k + 0x80, "PE\0\0", 4);
                peb_put16(k + 0x84, 0x8664);
                peb_put16(k + 0x98, 0x20b);                 /* optional header magic at 0x80 + 24 */
                peb_put16(k + 0x98 + 44, b->image_major);
        }
        return len;
}

static uk_err inspect(size_t len, struct uk_kernel_info *info) {
        struct uk_source src;
        uk_source_from_memory(&src, k, len);
        return uk_kernel_inspect(&src, info);
}

static void test_bzimage(void) {
        struct uk_kernel_info info;
        struct {
                const char *name;
                struct bz b;
                size_t len;
                uk_err expect;
                uint16_t protocol;
                uint32_t cmdline_size, handover;
                uint16_t xloadflags;
                const char *version;
                bool has_pe, loadfile2;
        } cases[] = {
                { "2.15 with PE stub v1",
                  { 4, 0x20f, 2047, 0x190, 0x7f, "6.1.0-28-amd64 (x@y) #1 SMP", true, 1 }, 4096,
                  UK_OK, 0x20f, 2047, 0x190, 0x7f, "6.1.0-28-amd64 (x@y) #1 SMP", true, true },
                { "no PE stub: no LoadFile2",
                  { 4, 0x20f, 2047, 0x190, 0x7f, "6.1.0", false, 0 }, 4096,
                  UK_OK, 0x20f, 2047, 0x190, 0x7f, "6.1.0", false, false },
                { "stub v0, version 5.8 -> LoadFile2",
                  { 4, 0x20f, 2047, 0, 0x7f, "5.8.0-1", true, 0 }, 4096,
                  UK_OK, 0x20f, 2047, 0, 0x7f, "5.8.0-1", true, true },
                { "stub v0, version 5.10",
                  { 4, 0x20f, 2047, 0, 0, "5.10.0", true, 0 }, 4096, UK_OK, 0x20f, 2047, 0, 0, "5.10.0", true, true },
                { "stub v0, version 5.7: no LoadFile2",
                  { 4, 0x20f, 2047, 0, 0, "5.7.19", true, 0 }, 4096, UK_OK, 0x20f, 2047, 0, 0, "5.7.19", true, false },
                { "stub v0, version 4.19: no LoadFile2",
                  { 4, 0x20d, 2047, 0, 0, "4.19.0", true, 0 }, 4096, UK_OK, 0x20d, 2047, 0, 0, "4.19.0", true, false },
                { "stub v0, no version string",
                  { 4, 0x20f, 2047, 0, 0, NULL, true, 0 }, 4096, UK_OK, 0x20f, 2047, 0, 0, "", true, false },
                { "2.05: cmdline 255, no handover, no xloadflags",
                  { 4, 0x205, 9999, 0x190, 0x7f, "2.6.11", false, 0 }, 4096, UK_OK, 0x205, 255, 0, 0, "2.6.11", false, false },
                { "2.06: cmdline_size read",
                  { 4, 0x206, 4095, 0x190, 0x7f, NULL, false, 0 }, 4096, UK_OK, 0x206, 4095, 0, 0, "", false, false },
                { "2.11: handover read, no xloadflags",
                  { 4, 0x20b, 2047, 0x190, 0x7f, NULL, false, 0 }, 4096, UK_OK, 0x20b, 2047, 0x190, 0, "", false, false },
                { "2.12: xloadflags read",
                  { 4, 0x20c, 2047, 0x190, 0x1b, NULL, false, 0 }, 4096, UK_OK, 0x20c, 2047, 0x190, 0x1b, "", false, false },
                { "setup_sects 0 means 4",
                  { 0, 0x20f, 2047, 0, 0, NULL, false, 0 }, 5 * 512, UK_OK, 0x20f, 2047, 0, 0, "", false, false },
                { "setup area cut off",
                  { 4, 0x20f, 2047, 0, 0, NULL, false, 0 }, 5 * 512 - 1, UK_E_BAD_KERNEL, 0, 0, 0, 0, "", false, false },
                { "setup_sects 0, cut off",
                  { 0, 0x20f, 2047, 0, 0, NULL, false, 0 }, 5 * 512 - 1, UK_E_BAD_KERNEL, 0, 0, 0, 0, "", false, false },
                { "setup_sects 30 needs 31 sectors",
                  { 30, 0x20f, 2047, 0, 0, NULL, false, 0 }, 30 * 512, UK_E_BAD_KERNEL, 0, 0, 0, 0, "", false, false },
                { "control byte ends the version",
                  { 4, 0x20f, 2047, 0, 0, "6.9.1\x01junk", false, 0 }, 4096, UK_OK, 0x20f, 2047, 0, 0, "6.9.1", false, false },
        };

        for (size_t i = 0; i < UK_ELEMENTSOF(cases); i++) {
                size_t len = build_bz(&cases[i].b, cases[i].len);
                uk_err r;

                memset(&info, 0xee, sizeof(info));
                r = inspect(len, &info);
                CHECK(r == cases[i].expect, "%s: got %d (%s)", cases[i].name, r, uk_strerror(r));
                if (r != UK_OK) {
                        CHECK(info.format == (enum uk_kernel_format) 0xeeeeeeee, "%s: written on failure", cases[i].name);
                        continue;
                }
                CHECK(info.format == UK_KERNEL_BZIMAGE, "%s: format %d", cases[i].name, info.format);
                CHECK(info.boot_protocol == cases[i].protocol, "%s: protocol %#x", cases[i].name, info.boot_protocol);
                CHECK(info.cmdline_size == cases[i].cmdline_size, "%s: cmdline_size %u", cases[i].name, info.cmdline_size);
                CHECK(info.handover_offset == cases[i].handover, "%s: handover %#x", cases[i].name, info.handover_offset);
                CHECK(info.xloadflags == cases[i].xloadflags, "%s: xloadflags %#x", cases[i].name, info.xloadflags);
                CHECK(strcmp(info.version, cases[i].version) == 0, "%s: version \"%s\"", cases[i].name, info.version);
                CHECK(info.has_pe_stub == cases[i].has_pe, "%s: has_pe_stub %d", cases[i].name, info.has_pe_stub);
                CHECK(info.initrd_loadfile2_ok == cases[i].loadfile2, "%s: loadfile2 %d", cases[i].name,
                      info.initrd_loadfile2_ok);
        }
}

static void test_version_pointer_bounds(void) {
        struct bz b = { 4, 0x20f, 2047, 0, 0, "6.1.0", false, 0 };
        struct uk_kernel_info info;
        size_t len = build_bz(&b, 4096);

        /* Pointer past the setup area (5 sectors = 0xa00): ignored, not read from kernel code. */
        peb_put16(k + 0x20e, 0xa00 - 0x200);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "pointer at setup end");
        CHECK_EQ_STR(info.version, "");
        peb_put16(k + 0x20e, 0xffff);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "pointer 0xffff");
        CHECK_EQ_STR(info.version, "");
        /* A string running to the end of the setup area is cut there. */
        memset(k + 0xa00 - 3, 'z', 3);
        memset(k + 0xa00, 'q', 16);
        peb_put16(k + 0x20e, 0xa00 - 3 - 0x200);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "string at setup end");
        CHECK_EQ_STR(info.version, "zzz");
        /* A long string is cut to the field. */
        memset(k + 0x300, 'v', 400);
        peb_put16(k + 0x20e, 0x100);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "long string");
        CHECK_EQ_INT(strlen(info.version), sizeof(info.version) - 1, "version cut to the field");
}

static size_t build_zboot(const char *comp, uint32_t off, uint32_t size, size_t len) {
        memset(k, 0, sizeof(k));
        k[0] = 'M', k[1] = 'Z';
        memcpy(k + 4, "zimg", 4);
        peb_put32(k + 8, off);
        peb_put32(k + 12, size);
        memcpy(k + 0x18, comp, strlen(comp) < 32 ? strlen(comp) : 32);
        peb_put32(k + 0x3c, 0x40);
        memcpy(k + 0x40, "PE\0\0", 4);
        peb_put16(k + 0x44, 0xaa64);
        peb_put16(k + 0x58, 0x20b);
        peb_put16(k + 0x58 + 44, 1);
        return len;
}

static void test_zboot(void) {
        struct uk_kernel_info info;
        struct {
                const char *name, *comp;
                uint32_t off, size;
                size_t len;
                uk_err expect;
        } cases[] = {
                { "gzip", "gzip", 0x1000, 0x800, 0x2000, UK_OK },
                { "zstd22", "zstd22", 0x1000, 0x1000, 0x2000, UK_OK },
                { "payload to the last byte", "lz4", 0x1000, 0x1000, 0x2000, UK_OK },
                { "payload past end", "gzip", 0x1000, 0x1001, 0x2000, UK_E_BAD_COMPRESSION },
                { "payload offset past end", "gzip", 0x3000, 0, 0x2000, UK_E_BAD_COMPRESSION },
                { "payload overflow", "gzip", 0xffffffff, 0xffffffff, 0x2000, UK_E_BAD_COMPRESSION },
                { "empty compression name", "", 0x1000, 0x10, 0x2000, UK_E_BAD_COMPRESSION },
                { "name longer than the field", "verylongname", 0x1000, 0x10, 0x2000, UK_E_BAD_COMPRESSION },
                { "name of 7 fits", "xzkern7", 0x1000, 0x10, 0x2000, UK_OK },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(cases); i++) {
                size_t len = build_zboot(cases[i].comp, cases[i].off, cases[i].size, cases[i].len);
                uk_err r = inspect(len, &info);
                CHECK(r == cases[i].expect, "%s: got %d (%s)", cases[i].name, r, uk_strerror(r));
                if (r != UK_OK)
                        continue;
                CHECK(info.format == UK_KERNEL_ZBOOT, "%s: format", cases[i].name);
                CHECK(strcmp(info.zboot_comp, cases[i].comp) == 0, "%s: comp \"%s\"", cases[i].name, info.zboot_comp);
                CHECK(info.zboot_payload_offset == cases[i].off, "%s: offset", cases[i].name);
                CHECK(info.zboot_payload_size == cases[i].size, "%s: size", cases[i].name);
                CHECK(info.has_pe_stub, "%s: zboot is a PE", cases[i].name);
                CHECK(info.initrd_loadfile2_ok, "%s: stub v1 -> LoadFile2", cases[i].name);
        }
        /* A file too short for the whole zboot header is not taken for one. */
        size_t len = build_zboot("gzip", 0, 0, 0x30);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "short zimg");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "short zimg is unknown");
}

static void test_other_formats(void) {
        struct uk_kernel_info info;

        /* arm64 Image with an EFI stub ("MZ" + PE) and the ARM\x64 magic at 0x38. */
        memset(k, 0, sizeof(k));
        k[0] = 'M', k[1] = 'Z';
        memcpy(k + 0x38, "ARM\x64", 4);
        peb_put32(k + 0x3c, 0x40);
        memcpy(k + 0x40, "PE\0\0", 4);
        CHECK_EQ_INT(inspect(0x1000, &info), UK_OK, "arm64 Image");
        CHECK_EQ_INT(info.format, UK_KERNEL_ARM64_IMAGE, "arm64 format");
        CHECK(info.has_pe_stub, "arm64 has PE stub");
        CHECK(!info.initrd_loadfile2_ok, "no optional header: image version unknown");

        /* Plain arm64 Image without a stub. */
        k[0] = 0, k[1] = 0;
        CHECK_EQ_INT(inspect(0x1000, &info), UK_OK, "bare arm64 Image");
        CHECK_EQ_INT(info.format, UK_KERNEL_ARM64_IMAGE, "bare arm64 format");
        CHECK(!info.has_pe_stub, "no stub");

        /* Some other PE (e.g. an EFI application). */
        size_t len = peb_build(k, sizeof(k), NULL, 0);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "plain PE");
        CHECK_EQ_INT(info.format, UK_KERNEL_PE, "PE format");
        CHECK(info.has_pe_stub && info.initrd_loadfile2_ok, "builder sets image version 1");

        /* "MZ" but e_lfanew past the end or no PE signature: not a PE. */
        peb_put32(k + 0x3c, 0x7fffffff);
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "MZ, bad e_lfanew");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "unknown");
        CHECK(!info.has_pe_stub, "no stub");
        peb_put32(k + 0x3c, PEB_SIG);
        k[PEB_SIG] = 'X';
        CHECK_EQ_INT(inspect(len, &info), UK_OK, "MZ, bad PE signature");
        CHECK(!info.has_pe_stub, "no stub");

        /* gzip. */
        memset(k, 0, sizeof(k));
        k[0] = 0x1f, k[1] = 0x8b, k[2] = 8;
        CHECK_EQ_INT(inspect(100, &info), UK_OK, "gzip");
        CHECK_EQ_INT(info.format, UK_KERNEL_GZIP, "gzip format");

        /* Unknown bytes, tiny and empty files: UNKNOWN, not an error. */
        memset(k, 0x41, 0x1000);
        CHECK_EQ_INT(inspect(0x1000, &info), UK_OK, "junk");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "junk format");
        CHECK_EQ_STR(info.version, "");
        CHECK_EQ_INT(inspect(1, &info), UK_OK, "one byte");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "one byte format");
        CHECK_EQ_INT(inspect(0, &info), UK_OK, "empty");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "empty format");

        /* "HdrS" in a file that ends inside the magic: not a bzImage. */
        memset(k, 0, sizeof(k));
        memcpy(k + 0x202, "HdrS", 4);
        CHECK_EQ_INT(inspect(0x204, &info), UK_OK, "cut HdrS");
        CHECK_EQ_INT(info.format, UK_KERNEL_UNKNOWN, "cut HdrS format");

        struct uk_source src = { .read_at = peb_failing_read, .size = 4096 };
        CHECK_EQ_INT(uk_kernel_inspect(&src, &info), UK_E_IO, "read error");
        CHECK_EQ_INT(uk_kernel_inspect(NULL, &info), UK_E_INVALID_ARG, "NULL source");
}

/* What a loader placing the kernel itself reads (boot.rst): each field only from the protocol that has it. */
static void test_bzimage_load_fields(void) {
        static const struct {
                const char *name;
                uint8_t setup_sects;
                uint16_t protocol;
                uint32_t setup_len, initrd_addr_max, kernel_alignment, init_size;
                bool relocatable;
                uint64_t pref_address;
        } cases[] = {
                { "2.15, setup_sects 0 meaning 4", 0, 0x20f, 5 * 512, 0x7fffffff, 0x200000, 0x2400000, true, 0x1000000 },
                { "2.15, 27 setup sectors", 27, 0x20f, 28 * 512, 0x7fffffff, 0x200000, 0x2400000, true, 0x1000000 },
                { "2.05: alignment and relocatable, no init_size", 4, 0x205, 5 * 512, 0x7fffffff, 0x200000, 0, true, 0 },
                { "2.02: nothing but the default initrd limit", 4, 0x202, 5 * 512, 0x37ffffff, 0, 0, false, 0 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct bz b = { .setup_sects = cases[i].setup_sects, .protocol = cases[i].protocol };
                size_t len = build_bz(&b, sizeof(k));
                peb_put32(k + 0x22c, 0x7fffffff);
                peb_put32(k + 0x230, 0x200000);
                k[0x234] = 1;
                peb_put32(k + 0x258, 0x1000000);
                peb_put32(k + 0x260, 0x2400000);
                struct uk_kernel_info info;
                CHECK_EQ_INT(inspect(len, &info), UK_OK, "%s: inspect", cases[i].name);
                CHECK_EQ_INT(info.setup_len, cases[i].setup_len, "%s: setup_len", cases[i].name);
                CHECK_EQ_INT(info.initrd_addr_max, cases[i].initrd_addr_max, "%s: initrd_addr_max", cases[i].name);
                CHECK_EQ_INT(info.kernel_alignment, cases[i].kernel_alignment, "%s: kernel_alignment", cases[i].name);
                CHECK_EQ_INT(info.relocatable, cases[i].relocatable, "%s: relocatable", cases[i].name);
                CHECK(info.pref_address == cases[i].pref_address, "%s: pref_address %#llx", cases[i].name,
                      (unsigned long long) info.pref_address);
                CHECK_EQ_INT(info.init_size, cases[i].init_size, "%s: init_size", cases[i].name);
        }
}

static void test_real_kernel(const char *argv0) {
        char path[4096];
        int fd = peb_open_real("UKIBOOT_KERNEL", ".cache/kernel/vmlinuz", argv0, path, sizeof(path));
        struct uk_source src;
        struct uk_kernel_info info;

        if (fd < 0) {
                printf("SKIP: kernel-real-vmlinuz: %s not found\n", path);
                return;
        }
        peb_source_fd(&src, fd);
        CHECK_EQ_INT(uk_kernel_inspect(&src, &info), UK_OK, "inspect %s", path);
        CHECK_EQ_INT(info.format, UK_KERNEL_BZIMAGE, "Debian kernel is a bzImage");
        CHECK(info.boot_protocol >= 0x20f, "protocol %#x >= 2.15", info.boot_protocol);
        CHECK_EQ_INT(info.cmdline_size, 2047, "Debian cmdline_size");
        CHECK(strncmp(info.version, "6.1", 3) == 0, "version \"%s\" starts with 6.1", info.version);
        CHECK(info.has_pe_stub, "EFI stub present");
        CHECK(info.initrd_loadfile2_ok, "6.1 supports LoadFile2 initrd");
        CHECK(info.handover_offset != 0, "x86-64 kernel has an EFI handover entry");
        CHECK(info.xloadflags & 1, "XLF_KERNEL_64");
        CHECK(info.relocatable && info.kernel_alignment >= 0x200000, "relocatable, aligned to %#x", info.kernel_alignment);
        CHECK(info.pref_address == 0x1000000, "prefers 16 MiB (%#llx)", (unsigned long long) info.pref_address);
        CHECK(info.init_size > 8u << 20, "init_size %u covers the decompressed kernel", info.init_size);
        close(fd);
}

int main(int argc, char **argv) {
        unit_suite = "kernel";
        (void) argc;
        test_bzimage();
        test_bzimage_load_fields();
        test_version_pointer_bounds();
        test_zboot();
        test_other_formats();
        test_real_kernel(argv[0]);
        return unit_finish();
}
