/* ukiboot — boot plan: built from synthetic in-memory UKIs (single and two-profile) and a `linux` entry.
 * Checks pieces, order, pads, totals, the canonical text, digest stability, initrd_read across piece and
 * padding boundaries, and the three output formats (JSON validated by python3's json module). */
#include <stdint.h>
#include <unistd.h>
#include "unit.h"
#include "plan.h"
#include "cmdline.h"
#include "sha256.h"
#include "uki.h"
#include "util.h"

/* ---- a tiny PE32+ writer (independent of common/pe.c) ---- */

struct sec {
        const char *name;
        const void *data;
        size_t len;
        size_t offset;          /* filled in by build_pe: PointerToRawData */
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t) v; p[1] = (uint8_t) (v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t) v); put16(p + 2, (uint16_t) (v >> 16)); }

#define FILE_ALIGN 0x200u
#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))
static uint32_t size_of_headers;

/* Sections get raw sizes rounded to FILE_ALIGN and VirtualSize = the true length, as objcopy/ukify do. */
static size_t build_pe(uint8_t *out, size_t cap, struct sec *s, unsigned n) {
        const size_t lfanew = 0x80, opt = lfanew + 24, table = opt + 240;
        size_t pos = ALIGN_UP(table + 40 * n, FILE_ALIGN);
        uint32_t va = 0x1000;

        memset(out, 0, cap);
        size_of_headers = (uint32_t) pos;
        out[0] = 'M', out[1] = 'Z';
        put32(out + 0x3c, (uint32_t) lfanew);
        memcpy(out + lfanew, "PE\0\0", 4);
        put16(out + lfanew + 4, 0x8664);
        put16(out + lfanew + 6, (uint16_t) n);
        put16(out + lfanew + 20, 240);
        put16(out + lfanew + 22, 0x0022);
        put16(out + opt, 0x20b);
        put32(out + opt + 32, 0x1000);
        put32(out + opt + 36, FILE_ALIGN);
        put32(out + opt + 60, size_of_headers);
        put16(out + opt + 68, 10);
        put32(out + opt + 108, 16);
        for (unsigned i = 0; i < n; i++) {
                uint8_t *h = out + table + 40 * i;
                size_t raw = ALIGN_UP(s[i].len, FILE_ALIGN);
                if (pos + raw > cap)
                        return 0;
                memcpy(h, s[i].name, strlen(s[i].name));
                put32(h + 8, (uint32_t) s[i].len);
                put32(h + 12, va);
                put32(h + 16, (uint32_t) raw);
                put32(h + 20, (uint32_t) pos);
                put32(h + 36, 0x40000040);
                memcpy(out + pos, s[i].data, s[i].len);
                s[i].offset = pos;
                pos += raw;
                va += (uint32_t) ALIGN_UP(s[i].len ? s[i].len : 1, 0x1000);
        }
        put32(out + opt + 56, va);
        return pos;
}

/* A fake x86 bzImage: MZ + PE stub header, "HdrS" at 0x202, protocol 2.15, cmdline_size at 0x238. */
static uint8_t kernel[2048 + 5];
static void make_kernel(uint32_t cmdline_size, bool pe_stub) {
        memset(kernel, 0xcc, sizeof(kernel));
        if (pe_stub) {
                kernel[0] = 'M', kernel[1] = 'Z';
                put32(kernel + 0x3c, 0x80);
                memcpy(kernel + 0x80, "PE\0\0", 4);
                put16(kernel + 0x80 + 24, 0x20b);
                put16(kernel + 0x80 + 24 + 44, 1);     /* MajorImageVersion: LoadFile2 initrd */
        } else
                kernel[0] = 0xeb, kernel[1] = 0x3c;
        kernel[0x1f1] = 1;                              /* setup_sects: setup area is 1024 bytes */
        memcpy(kernel + 0x202, "HdrS", 4);
        put16(kernel + 0x206, 0x020f);
        put16(kernel + 0x20e, 0);                       /* no version string */
        put32(kernel + 0x238, cmdline_size);
}

static const char osrel[] = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
static const char cmdline[] = "console=ttyS0 panic=-1\n";
static const char initrd[] = "INITRD-10B";                       /* 10 bytes: pad 2 */
static const char ucode[] = "UCODE-13bytes";                     /* 13 bytes: pad 3 */
static const char pcrsig[] = "{\"sha256\":[{\"pcrs\":[11],\"sig\":\"AAAA\"}]}\n";
static const char pcrpkey[] = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";
static const char profile0[] = "ID=default\nTITLE=Default\n";
static const char profile1[] = "ID=debug\nTITLE=Debug\n";
static const char cmdline1[] = "console=ttyS0 panic=-1 debug\n";
static const char initrd1[] = "INITRD-P1-17bytes";               /* 17 bytes: pad 3 */

static uint8_t uki_buf[65536];
static size_t uki_len;

static void build_single(struct sec *s) {
        make_kernel(2047, true);
        struct sec t[] = {
                { ".osrel", osrel, sizeof(osrel) - 1, 0 },
                { ".cmdline", cmdline, sizeof(cmdline) - 1, 0 },
                { ".linux", kernel, sizeof(kernel), 0 },
                { ".initrd", initrd, sizeof(initrd) - 1, 0 },
                { ".ucode", ucode, sizeof(ucode) - 1, 0 },
                { ".pcrsig", pcrsig, sizeof(pcrsig) - 1, 0 },
                { ".pcrpkey", pcrpkey, sizeof(pcrpkey) - 1, 0 },
        };
        memcpy(s, t, sizeof(t));
        uki_len = build_pe(uki_buf, sizeof(uki_buf), s, 7);
}

/* Section indices in build_single. */
enum { S_OSREL, S_CMDLINE, S_LINUX, S_INITRD, S_UCODE, S_PCRSIG, S_PCRPKEY };

static struct uk_plan plan, plan2;
static char text[UK_PLAN_CANONICAL_MAX];

static uk_err build(const struct uk_plan_in *tmpl, struct uk_plan *p) {
        static struct uk_uki uki;
        struct uk_source src;
        uk_source_from_memory(&src, uki_buf, uki_len);
        uk_err r = uk_uki_parse(&src, &uki);
        if (r)
                return r;
        struct uk_plan_in in = *tmpl;
        in.src = &src;
        in.uki = &uki;
        return uk_plan_build(&in, p);
}

static uk_err read_uki(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        (void) ctx;
        if (piece->source != UK_PIECE_UKI || piece->offset + offset + len > uki_len)
                return UK_E_IO;
        memcpy(buf, uki_buf + piece->offset + offset, len);
        return UK_OK;
}

/* Extract a generated cpio with the real cpio(1) and return the named file's content. */
static bool cpio_extract(const uint8_t *data, size_t len, const char *name, char *out, size_t cap) {
        char dir[] = "/tmp/ukiboot-plan-XXXXXX", cmd[512], path[300];
        if (!mkdtemp(dir))
                return false;
        snprintf(path, sizeof(path), "%s/a.cpio", dir);
        FILE *f = fopen(path, "wb");
        if (!f)
                return false;
        fwrite(data, 1, len, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "cd %s && cpio -i --quiet -d < a.cpio 2>/dev/null", dir);
        int rc = system(cmd);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = rc == 0 ? fopen(path, "rb") : NULL;
        size_t n = f ? fread(out, 1, cap - 1, f) : 0;
        if (f)
                fclose(f);
        out[n] = 0;
        snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s; rm -rf %s", dir, dir);
        if (system(cmd) != 0)
                printf("note: could not remove %s\n", dir);
        return f != NULL;
}

static bool json_valid(const char *json) {
        FILE *p = popen("python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null", "w");
        if (!p)
                return false;
        fputs(json, p);
        return pclose(p) == 0;
}

static void check_initrd_read(const struct uk_plan *p, const uint8_t *expect, size_t total, const char *what,
                              uk_piece_read_fn fn) {
        static uint8_t buf[4096];
        CHECK_EQ_INT(p->initrd_total, total, "%s: initrd_total", what);
        /* Every start offset with many lengths, so every piece/pad boundary is crossed both ways. */
        for (size_t off = 0; off <= total; off++)
                for (size_t len = 0; off + len <= total; len += (len < 24 ? 1 : 37)) {
                        memset(buf, 0xa5, len);
                        uk_err r = uk_plan_initrd_read(p, off, buf, len, fn, NULL);
                        if (r != UK_OK || memcmp(buf, expect + off, len) != 0) {
                                CHECK(0, "%s: initrd_read(%zu, %zu) = %d or wrong bytes", what, off, len, r);
                                return;
                        }
                }
        CHECK_EQ_INT(uk_plan_initrd_read(p, 0, buf, total + 1, fn, NULL), UK_E_TRUNCATED, "%s: past end", what);
        CHECK_EQ_INT(uk_plan_initrd_read(p, total, buf, 1, fn, NULL), UK_E_TRUNCATED, "%s: at end", what);
        CHECK_EQ_INT(uk_plan_initrd_read(p, UINT64_MAX, buf, 2, fn, NULL), UK_E_TRUNCATED, "%s: wrap", what);
}

static void test_single(void) {
        struct sec s[7];
        build_single(s);
        CHECK(uki_len > 0, "UKI built");
        struct uk_plan_in in = {};
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "single: build");

        CHECK_EQ_INT(plan.profile, 0, "profile");
        CHECK_EQ_INT(plan.n_profiles, 1, "n_profiles");
        CHECK_EQ_INT(plan.kernel.source, UK_PIECE_UKI, "kernel source");
        CHECK_EQ_STR(plan.kernel.label, ".linux", "kernel label");
        CHECK_EQ_INT(plan.kernel.offset, s[S_LINUX].offset, "kernel offset");
        CHECK_EQ_INT(plan.kernel.length, sizeof(kernel), "kernel length");
        CHECK_EQ_INT(plan.kernel_info.format, UK_KERNEL_BZIMAGE, "kernel format");
        CHECK_EQ_INT(plan.kernel_info.cmdline_size, 2047, "cmdline_size");
        CHECK_EQ_STR(plan.title, "Debian GNU/Linux 12 (bookworm)", "title from .osrel");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1", "cmdline");
        CHECK_EQ_INT(plan.cmdline_len, 22, "cmdline_len");
        CHECK_EQ_INT(plan.uki_size, uki_len, "uki_size");
        uint8_t hs[32];
        uk_sha256(uki_buf, size_of_headers, hs);
        CHECK(memcmp(hs, plan.uki_header_sha256, 32) == 0, "header sha256");

        /* Order: .ucode, .initrd, pcrsig cpio, pcrpkey cpio, os-release cpio (a v257+ stub: no .sdmagic). */
        CHECK_EQ_INT(plan.n_initrd, 5, "piece count");
        CHECK_EQ_STR(plan.initrd[0].label, ".ucode", "piece 0");
        CHECK_EQ_INT(plan.initrd[0].offset, s[S_UCODE].offset, "ucode offset");
        CHECK_EQ_INT(plan.initrd[0].length, 13, "ucode length");
        CHECK_EQ_INT(plan.initrd[0].pad, 3, "ucode pad");
        CHECK_EQ_STR(plan.initrd[1].label, ".initrd", "piece 1");
        CHECK_EQ_INT(plan.initrd[1].offset, s[S_INITRD].offset, "initrd offset");
        CHECK_EQ_INT(plan.initrd[1].length, 10, "initrd length");
        CHECK_EQ_INT(plan.initrd[1].pad, 2, "initrd pad");
        CHECK_EQ_INT(plan.initrd[2].source, UK_PIECE_GENERATED, "piece 2 generated");
        CHECK_EQ_STR(plan.initrd[2].label, "/.extra/tpm2-pcr-signature.json", "piece 2 label");
        CHECK_EQ_INT(plan.initrd[2].offset, 0, "piece 2 gen offset");
        CHECK_EQ_INT(plan.initrd[2].pad, 0, "piece 2 pad");
        CHECK_EQ_INT(plan.initrd[3].source, UK_PIECE_GENERATED, "piece 3 generated");
        CHECK_EQ_STR(plan.initrd[3].label, "/.extra/tpm2-pcr-public-key.pem", "piece 3 label");
        CHECK_EQ_INT(plan.initrd[3].offset, plan.initrd[2].length, "piece 3 follows piece 2 in gen");
        CHECK_EQ_INT(plan.initrd[4].source, UK_PIECE_GENERATED, "piece 4 generated");
        CHECK_EQ_STR(plan.initrd[4].label, "/.extra/os-release", "piece 4 label");
        CHECK_EQ_INT(plan.gen_len, plan.initrd[2].length + plan.initrd[3].length + plan.initrd[4].length, "gen_len");

        /* Generated archives: sizes from the newc layout (dir entry 120, file header, data, trailer 124). */
        size_t sig_hdr = ALIGN_UP(110 + strlen(".extra/tpm2-pcr-signature.json") + 1, 4);
        size_t key_hdr = ALIGN_UP(110 + strlen(".extra/tpm2-pcr-public-key.pem") + 1, 4);
        CHECK_EQ_INT(plan.initrd[2].length, 120 + sig_hdr + ALIGN_UP(sizeof(pcrsig) - 1, 4) + 124, "pcrsig cpio size");
        CHECK_EQ_INT(plan.initrd[3].length, 120 + key_hdr + ALIGN_UP(sizeof(pcrpkey) - 1, 4) + 124, "pcrpkey cpio size");
        CHECK(memcmp(plan.gen, "070701", 6) == 0 && memcmp(plan.gen + 110, ".extra\0", 7) == 0, "directory entry first");
        char got[512];
        CHECK(cpio_extract(plan.gen, plan.initrd[2].length, ".extra/tpm2-pcr-signature.json", got, sizeof(got)),
              "pcrsig cpio extracts");
        CHECK_EQ_STR(got, pcrsig, "pcrsig content via cpio -i");
        CHECK(cpio_extract(plan.gen + plan.initrd[3].offset, plan.initrd[3].length, ".extra/tpm2-pcr-public-key.pem",
                           got, sizeof(got)), "pcrpkey cpio extracts");
        CHECK_EQ_STR(got, pcrpkey, "pcrpkey content via cpio -i");
        size_t osr_hdr = ALIGN_UP(110 + strlen(".extra/os-release") + 1, 4);
        CHECK_EQ_INT(plan.initrd[4].length, 120 + osr_hdr + ALIGN_UP(sizeof(osrel) - 1, 4) + 124, "os-release cpio size");
        CHECK(cpio_extract(plan.gen + plan.initrd[4].offset, plan.initrd[4].length, ".extra/os-release", got,
                           sizeof(got)), "os-release cpio extracts");
        CHECK_EQ_STR(got, osrel, "os-release content via cpio -i");

        /* The concatenation, assembled by hand. */
        static uint8_t expect[4096];
        size_t t = 0;
        memcpy(expect + t, ucode, 13), t += 13;
        memset(expect + t, 0, 3), t += 3;
        memcpy(expect + t, initrd, 10), t += 10;
        memset(expect + t, 0, 2), t += 2;
        memcpy(expect + t, plan.gen, plan.gen_len), t += plan.gen_len;
        check_initrd_read(&plan, expect, t, "single", read_uki);

        /* Canonical text, written out from the format documented in plan.h. */
        char hh[65], sig_sha[65], key_sha[65], osr_sha[65], exp[2048];
        uint8_t d[32];
        uk_sha256_hex(hs, hh);
        uk_sha256(plan.gen, plan.initrd[2].length, d);
        uk_sha256_hex(d, sig_sha);
        uk_sha256(plan.gen + plan.initrd[3].offset, plan.initrd[3].length, d);
        uk_sha256_hex(d, key_sha);
        uk_sha256(plan.gen + plan.initrd[4].offset, plan.initrd[4].length, d);
        uk_sha256_hex(d, osr_sha);
        snprintf(exp, sizeof(exp),
                 "ukiboot-plan 1\n"
                 "uki %zu %s\n"
                 "profile 0\n"
                 "kernel uki .linux %zu %zu\n"
                 "initrd uki .ucode %zu 13 3\n"
                 "initrd uki .initrd %zu 10 2\n"
                 "initrd gen /.extra/tpm2-pcr-signature.json %llu 0 %s\n"
                 "initrd gen /.extra/tpm2-pcr-public-key.pem %llu 0 %s\n"
                 "initrd gen /.extra/os-release %llu 0 %s\n"
                 "initrd-total %zu\n"
                 "cmdline 22 console=ttyS0 panic=-1\n"
                 "notes 0\n",
                 uki_len, hh, s[S_LINUX].offset, sizeof(kernel), s[S_UCODE].offset, s[S_INITRD].offset,
                 (unsigned long long) plan.initrd[2].length, sig_sha,
                 (unsigned long long) plan.initrd[3].length, key_sha,
                 (unsigned long long) plan.initrd[4].length, osr_sha, t);
        size_t len = 0;
        CHECK_EQ_INT(uk_plan_canonical(&plan, text, sizeof(text), &len), UK_OK, "canonical");
        CHECK_EQ_STR(text, exp, "canonical text");
        CHECK_EQ_INT(len, strlen(exp), "canonical length");
        uk_sha256(text, len, d);
        CHECK(memcmp(d, plan.digest, 32) == 0, "digest = sha256(canonical)");
        CHECK_EQ_INT(uk_plan_canonical(&plan, text, len, &len), UK_E_BUFFER_TOO_SMALL, "canonical cap = len");

        /* Stability: the same inputs give the same plan; different inputs a different digest. */
        CHECK_EQ_INT(build(&in, &plan2), UK_OK, "rebuild");
        CHECK(memcmp(plan.digest, plan2.digest, 32) == 0, "digest stable");
        CHECK(memcmp(&plan, &plan2, sizeof(plan)) == 0, "whole plan identical");
        in.append = "debug";
        CHECK_EQ_INT(build(&in, &plan2), UK_OK, "with append");
        CHECK_EQ_STR(plan2.cmdline, "console=ttyS0 panic=-1 debug", "append");
        CHECK(memcmp(plan.digest, plan2.digest, 32) != 0, "append changes digest");

        /* Text and JSON. */
        static char out[16384];
        CHECK_EQ_INT(uk_plan_format_text(&plan, out, sizeof(out), &len), UK_OK, "text");
        CHECK(strstr(out, "title:    Debian GNU/Linux 12 (bookworm)\n") != NULL, "text title");
        CHECK(strstr(out, "profile:  0 of 1") != NULL, "text profile");
        CHECK(strstr(out, ".ucode  offset 0x") != NULL && strstr(out, "length 13  pad 3") != NULL, "text ucode");
        CHECK(strstr(out, "cmdline:  \"console=ttyS0 panic=-1\"") != NULL, "text cmdline");
        char dh[65];
        uk_sha256_hex(plan.digest, dh);
        CHECK(strstr(out, dh) != NULL, "text digest");
        CHECK(strstr(out, "notes:    none") != NULL, "text notes");
        CHECK_EQ_INT(uk_plan_format_json(&plan, out, sizeof(out), &len), UK_OK, "json");
        CHECK_EQ_INT(len, strlen(out), "json length");
        CHECK(json_valid(out), "json parses: %s", out);
        CHECK(strstr(out, "\"cmdline\":\"console=ttyS0 panic=-1\"") != NULL, "json cmdline");
        CHECK(strstr(out, dh) != NULL, "json digest");
        for (size_t cap = 0; cap < len + 1; cap += 97)
                CHECK_EQ_INT(uk_plan_format_json(&plan, out, cap, &len), UK_E_BUFFER_TOO_SMALL, "json cap %zu", cap);
}

static void test_secure_boot_and_policy(void) {
        struct sec s[7];
        build_single(s);
        static struct uk_entry e;
        memset(&e, 0, sizeof(e));
        e.kind = UK_ENTRY_KIND_UKI;
        strcpy(e.options, "root=/dev/vdb");
        e.has_options = true;
        strcpy(e.title, "My \"entry\"\t\x01");

        struct uk_plan_in in = { .entry = &e, .append = "quiet" };
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "options, no SB");
        CHECK_EQ_STR(plan.cmdline, "root=/dev/vdb quiet", "options replace .cmdline");
        CHECK_EQ_STR(plan.title, "My \"entry\"\t\x01", "entry title wins");
        static char out[16384];
        size_t len;
        CHECK_EQ_INT(uk_plan_format_json(&plan, out, sizeof(out), &len), UK_OK, "json");
        CHECK(strstr(out, "\"title\":\"My \\\"entry\\\"\\u0009\\u0001\"") != NULL, "json escapes: %s", out);
        CHECK(json_valid(out), "json with escapes parses");

        in.machine.secure_boot = true;
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "SB");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1", "SB keeps .cmdline");
        CHECK_EQ_INT(plan.cmdline_notes, UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB | UK_CMDLINE_NOTE_APPEND_IGNORED_SB, "SB notes");
        CHECK_EQ_INT(uk_plan_canonical(&plan, text, sizeof(text), &len), UK_OK, "canonical");
        CHECK(strstr(text, "\nnotes 3\n") != NULL, "notes in canonical");
        CHECK_EQ_INT(uk_plan_format_text(&plan, out, sizeof(out), &len), UK_OK, "text");
        CHECK(strstr(out, "entry options ignored: Secure Boot") != NULL && strstr(out, "appended arguments ignored") != NULL,
              "text explains notes");
        CHECK(strstr(out, "title:    My \"entry\"??") != NULL, "text shows control chars as ?");
        CHECK_EQ_INT(uk_plan_format_json(&plan, out, sizeof(out), &len), UK_OK, "json");
        CHECK(strstr(out, "\"notes\":[\"options-ignored-secure-boot\",\"append-ignored-secure-boot\"]") != NULL, "json notes");

        in.machine.secure_boot = false;
        in.policy.deny_append = true;
        CHECK_EQ_INT(build(&in, &plan), UK_E_CMDLINE_FORBIDDEN, "deny_append");
        CHECK_EQ_INT(plan.n_initrd, 0, "failed build leaves a zeroed plan");
        in.append = " ";
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "deny_append with blank append");

        /* Kernel limit from the setup header. */
        make_kernel(10, true);
        memcpy(uki_buf + s[S_LINUX].offset, kernel, sizeof(kernel));
        in = (struct uk_plan_in) {};
        CHECK_EQ_INT(build(&in, &plan), UK_E_CMDLINE_TOO_LONG, "cmdline_size 10");
        make_kernel(22, true);
        memcpy(uki_buf + s[S_LINUX].offset, kernel, sizeof(kernel));
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "cmdline_size 22 = exact length");
        make_kernel(21, true);
        memcpy(uki_buf + s[S_LINUX].offset, kernel, sizeof(kernel));
        CHECK_EQ_INT(build(&in, &plan), UK_E_CMDLINE_TOO_LONG, "cmdline_size 21");

        /* Not a bootable kernel. */
        make_kernel(2047, false);
        memcpy(uki_buf + s[S_LINUX].offset, kernel, sizeof(kernel));
        CHECK_EQ_INT(build(&in, &plan), UK_E_BAD_KERNEL, "bzImage without EFI stub");
        memset(uki_buf + s[S_LINUX].offset, 0, sizeof(kernel));
        CHECK_EQ_INT(build(&in, &plan), UK_E_BAD_KERNEL, "zeros in .linux");
        memcpy(uki_buf + s[S_LINUX].offset, "\x1f\x8b\x08", 3);
        CHECK_EQ_INT(build(&in, &plan), UK_E_BAD_KERNEL, "gzip in .linux");

        /* The same gzip blob in an arm64 UKI is an Image.gz: planned as is (the Linux twin inflates it). */
        put16(uki_buf + 0x80 + 4, UK_PE_MACHINE_ARM64);
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "gzip in an arm64 UKI");
        CHECK_EQ_INT(plan.kernel_info.format, UK_KERNEL_GZIP, "arm64 UKI: kernel format gzip");
        CHECK_EQ_INT(plan.kernel.offset, s[S_LINUX].offset, "arm64 UKI: kernel span is .linux as stored");
        CHECK_EQ_INT(plan.kernel.length, sizeof(kernel), "arm64 UKI: kernel length");
        /* ... but an x86 bzImage in an arm64 UKI is not. */
        make_kernel(2047, true);
        memcpy(uki_buf + s[S_LINUX].offset, kernel, sizeof(kernel));
        CHECK_EQ_INT(build(&in, &plan), UK_E_BAD_KERNEL, "bzImage in an arm64 UKI");
        put16(uki_buf + 0x80 + 4, UK_PE_MACHINE_X64);
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "bzImage back in an x86-64 UKI");
}

static void test_profiles(void) {
        make_kernel(2047, true);
        struct sec s[] = {
                { ".osrel", osrel, sizeof(osrel) - 1, 0 },
                { ".cmdline", cmdline, sizeof(cmdline) - 1, 0 },
                { ".linux", kernel, sizeof(kernel), 0 },
                { ".initrd", initrd, sizeof(initrd) - 1, 0 },
                { ".ucode", ucode, sizeof(ucode) - 1, 0 },
                { ".profile", profile0, sizeof(profile0) - 1, 0 },
                { ".profile", profile1, sizeof(profile1) - 1, 0 },
                { ".cmdline", cmdline1, sizeof(cmdline1) - 1, 0 },
                { ".initrd", initrd1, sizeof(initrd1) - 1, 0 },
        };
        uki_len = build_pe(uki_buf, sizeof(uki_buf), s, 9);
        static struct uk_entry e;
        memset(&e, 0, sizeof(e));
        e.kind = UK_ENTRY_KIND_UKI;

        struct uk_plan_in in = {};
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "profile default");
        CHECK_EQ_INT(plan.profile, 0, "default profile 0");
        CHECK_EQ_INT(plan.n_profiles, 2, "two profiles");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1", "@0 cmdline");
        /* .ucode, .initrd, then (a v257+ stub) /.extra/os-release and /.extra/profile. */
        CHECK_EQ_INT(plan.n_initrd, 4, "@0 pieces");
        CHECK_EQ_INT(plan.initrd[1].offset, s[3].offset, "@0 base .initrd");
        for (unsigned i = 0; i < plan.n_measure; i++)
                CHECK(plan.measure[i].kind != UK_MEASURE_PROFILE, "profile 0 is not measured");

        in.has_profile = true;
        in.profile = 1;
        CHECK_EQ_INT(build(&in, &plan2), UK_OK, "profile 1");
        CHECK_EQ_INT(plan2.profile, 1, "profile 1 chosen");
        CHECK_EQ_STR(plan2.cmdline, "console=ttyS0 panic=-1 debug", "@1 cmdline overrides");
        CHECK_EQ_INT(plan2.n_initrd, 4, "@1 pieces");
        CHECK_EQ_STR(plan2.initrd[2].label, "/.extra/os-release", "@1 os-release piece");
        CHECK_EQ_STR(plan2.initrd[3].label, "/.extra/profile", "@1 profile piece");
        char got[256];
        CHECK(cpio_extract(plan2.gen + plan2.initrd[3].offset, plan2.initrd[3].length, ".extra/profile", got,
                           sizeof(got)), "profile cpio extracts");
        CHECK_EQ_STR(got, profile1, "the chosen profile's .profile");
        /* Measured first into PCR 12: "1" as UTF-16, a tagged event. */
        CHECK(plan2.n_measure > 0 && plan2.measure[0].kind == UK_MEASURE_PROFILE && plan2.measure[0].pcr == 12 &&
              plan2.measure[0].event_type == UK_TCG_EV_EVENT_TAG && strcmp(plan2.measure[0].name, "1") == 0,
              "profile 1 measured first, tagged");
        CHECK_EQ_STR(plan2.initrd[0].label, ".ucode", "@1 ucode from base");
        CHECK_EQ_INT(plan2.initrd[0].offset, s[4].offset, "@1 base ucode offset");
        CHECK_EQ_INT(plan2.initrd[1].offset, s[8].offset, "@1 own .initrd");
        CHECK_EQ_INT(plan2.initrd[1].length, 17, "@1 initrd length");
        CHECK_EQ_INT(plan2.initrd[1].pad, 3, "@1 initrd pad");
        CHECK_EQ_INT(plan2.initrd_total, 16 + 20 + plan2.gen_len, "@1 total");
        CHECK(memcmp(plan.digest, plan2.digest, 32) != 0, "profiles differ in digest");
        size_t len;
        CHECK_EQ_INT(uk_plan_canonical(&plan2, text, sizeof(text), &len), UK_OK, "canonical @1");
        CHECK(strstr(text, "\nprofile 1\n") != NULL, "canonical names profile 1");

        static uint8_t expect[4096];
        memcpy(expect, ucode, 13);
        memset(expect + 13, 0, 3);
        memcpy(expect + 16, initrd1, 17);
        memset(expect + 33, 0, 3);
        memcpy(expect + 36, plan2.gen, plan2.gen_len);
        check_initrd_read(&plan2, expect, 36 + plan2.gen_len, "profile 1", read_uki);

        /* The entry's profile applies unless the caller names one. */
        e.has_profile = true;
        e.profile = 1;
        in = (struct uk_plan_in) { .entry = &e };
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "entry profile");
        CHECK_EQ_INT(plan.profile, 1, "entry profile 1");
        CHECK_EQ_STR(plan.title, "Debian GNU/Linux 12 (bookworm)", "title from .osrel when entry has none");
        in.has_profile = true;
        in.profile = 0;
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "explicit profile beats entry");
        CHECK_EQ_INT(plan.profile, 0, "explicit 0");
        in.profile = 2;
        CHECK_EQ_INT(build(&in, &plan), UK_E_NO_SUCH_PROFILE, "profile 2 absent");
}

/* ---- `linux` entry ---- */

static uk_err read_file_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        (void) ctx;
        if (piece->source != UK_PIECE_FILE)
                return UK_E_IO;
        /* Each file's byte at i is (i + first char of its name's last component) mod 251. */
        uint8_t seed = (uint8_t) piece->path[strlen(piece->path) - 1];
        for (size_t i = 0; i < len; i++)
                ((uint8_t *) buf)[i] = (uint8_t) ((offset + i + seed) % 251);
        return UK_OK;
}

static void test_linux_entry(void) {
        make_kernel(2047, true);
        static struct uk_entry e;
        memset(&e, 0, sizeof(e));
        e.kind = UK_ENTRY_KIND_LINUX;
        strcpy(e.title, "Debian (linux entry)");
        strcpy(e.linux_path, "/vmlinuz-6.1");
        strcpy(e.initrd[0], "/initrd.img-6.1");
        strcpy(e.initrd[1], "/extra dir/x.cpio");
        e.n_initrd = 2;
        strcpy(e.options, "root=/dev/vda\tconsole=ttyS0");
        e.has_options = true;

        struct uk_source src;
        uk_source_from_memory(&src, kernel, sizeof(kernel));
        struct uk_plan_in in = { .src = &src, .entry = &e, .initrd_file_sizes = { 1001, 64 } };
        in.machine.secure_boot = true;      /* no .cmdline: options are allowed under Secure Boot */
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_OK, "linux entry");
        CHECK_EQ_INT(plan.kernel.source, UK_PIECE_FILE, "kernel is a file");
        CHECK_EQ_STR(plan.kernel.path, "/vmlinuz-6.1", "kernel path");
        CHECK_EQ_INT(plan.kernel.length, sizeof(kernel), "kernel length");
        CHECK_EQ_INT(plan.n_initrd, 2, "two initrd files");
        CHECK_EQ_STR(plan.initrd[1].path, "/extra dir/x.cpio", "initrd path");
        CHECK_EQ_INT(plan.initrd[0].pad, 3, "1001 -> pad 3");
        CHECK_EQ_INT(plan.initrd[1].pad, 0, "64 -> pad 0");
        CHECK_EQ_STR(plan.cmdline, "root=/dev/vda console=ttyS0", "options");
        CHECK_EQ_INT(plan.cmdline_notes, 0, "no notes");
        CHECK_EQ_STR(plan.title, "Debian (linux entry)", "title");

        size_t len;
        CHECK_EQ_INT(uk_plan_canonical(&plan, text, sizeof(text), &len), UK_OK, "canonical");
        char exp[512];
        snprintf(exp, sizeof(exp),
                 "ukiboot-plan 1\n"
                 "kernel file /vmlinuz-6.1 %zu\n"
                 "initrd file /initrd.img-6.1 1001 3\n"
                 "initrd file /extra%%20dir/x.cpio 64 0\n"
                 "initrd-total 1068\n"
                 "cmdline 27 root=/dev/vda console=ttyS0\n"
                 "notes 0\n", sizeof(kernel));
        CHECK_EQ_STR(text, exp, "canonical linux entry");

        static uint8_t expect[1068];
        for (size_t i = 0; i < 1001; i++)
                expect[i] = (uint8_t) ((i + '1') % 251);
        memset(expect + 1001, 0, 3);
        for (size_t i = 0; i < 64; i++)
                expect[1004 + i] = (uint8_t) ((i + 'o') % 251);
        check_initrd_read(&plan, expect, 1068, "linux entry", read_file_piece);
        uint8_t b[4];
        CHECK_EQ_INT(uk_plan_initrd_read(&plan, 0, b, 4, NULL, NULL), UK_E_INVALID_ARG, "file piece needs read_piece");

        static char out[16384];
        CHECK_EQ_INT(uk_plan_format_json(&plan, out, sizeof(out), &len), UK_OK, "json");
        CHECK(json_valid(out), "json parses");
        CHECK(strstr(out, "\"path\":\"/extra dir/x.cpio\"") != NULL, "json path");
        CHECK_EQ_INT(uk_plan_format_text(&plan, out, sizeof(out), &len), UK_OK, "text");
        CHECK(strstr(out, "/vmlinuz-6.1  file  length") != NULL, "text kernel file");

        e.linux_path[0] = 0;
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_E_BAD_ENTRY, "no linux path");
        e.kind = UK_ENTRY_KIND_EFI;
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_E_INVALID_ARG, "efi entry without UKI");
}


/* ---- real fixture UKIs (build/fixtures, made from systemd's stub and Debian's kernel) ----
 * Cross-checked against binutils, an independent PE reader: objdump -h for section offsets and sizes,
 * objcopy for section bytes. */

struct fsec {
        char name[16];
        unsigned long size, offset;
};

static unsigned objdump_sections(const char *file, struct fsec *out, unsigned cap) {
        char cmd[512], line[512];
        unsigned n = 0;
        snprintf(cmd, sizeof(cmd), "objdump -h '%s' 2>/dev/null", file);
        FILE *p = popen(cmd, "r");
        if (!p)
                return 0;
        while (fgets(line, sizeof(line), p) && n < cap) {
                unsigned idx;
                unsigned long vma, lma;
                if (sscanf(line, " %u %15s %lx %lx %lx %lx", &idx, out[n].name, &out[n].size, &vma, &lma,
                           &out[n].offset) == 6)
                        n++;
        }
        pclose(p);
        return n;
}

/* Section of type `name` for `profile` as the UAPI spec defines it, from objdump's ordered list. */
static const struct fsec *fsec_find(const struct fsec *s, unsigned n, const char *name, int profile) {
        const struct fsec *base = NULL, *own = NULL;
        int cur = -1;
        for (unsigned i = 0; i < n; i++) {
                if (strcmp(s[i].name, ".profile") == 0) {
                        cur++;
                        continue;
                }
                if (strcmp(s[i].name, name) != 0)
                        continue;
                if (cur < 0 && !base)
                        base = &s[i];
                else if (cur == profile && !own)
                        own = &s[i];
        }
        return own ? own : base;
}

static FILE *fixture_file;

static uk_err file_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        FILE *f = ctx;
        if (fseek(f, (long) offset, SEEK_SET) != 0 || fread(buf, 1, len, f) != len)
                return UK_E_IO;
        return UK_OK;
}

static uk_err fixture_read_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        (void) ctx;
        return file_read_at(fixture_file, piece->offset + offset, buf, len);
}

static size_t objcopy_section(const char *file, const char *sec, uint8_t *buf, size_t cap) {
        char tmp[] = "/tmp/ukiboot-sec-XXXXXX", cmd[768];
        int fd = mkstemp(tmp);
        if (fd < 0)
                return 0;
        close(fd);
        snprintf(cmd, sizeof(cmd), "objcopy -O binary --only-section=%s '%s' %s 2>/dev/null", sec, file, tmp);
        size_t n = 0;
        if (system(cmd) == 0) {
                FILE *f = fopen(tmp, "rb");
                if (f) {
                        n = fread(buf, 1, cap, f);
                        fclose(f);
                }
        }
        unlink(tmp);
        return n;
}

static void check_fixture(const char *name, unsigned profile) {
        char file[256];
        snprintf(file, sizeof(file), "build/fixtures/%s", name);
        FILE *f = fopen(file, "rb");
        if (!f) {
                printf("SKIP: plan-fixture-%s: %s absent (make fixtures)\n", name, file);
                return;
        }
        static struct fsec s[64];
        unsigned n = objdump_sections(file, s, 64);
        if (n == 0) {
                printf("SKIP: plan-fixture-%s: objdump unavailable\n", name);
                fclose(f);
                return;
        }
        fseek(f, 0, SEEK_END);
        struct uk_source src = { .read_at = file_read_at, .ctx = f, .size = (uint64_t) ftell(f) };
        static struct uk_uki uki;
        fixture_file = f;
        struct uk_plan_in in = { .src = &src, .uki = &uki, .has_profile = true, .profile = profile };
        CHECK_EQ_INT(uk_uki_parse(&src, &uki), UK_OK, "%s: parse", name);
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_OK, "%s@%u: build", name, profile);

        const struct fsec *lx = fsec_find(s, n, ".linux", (int) profile);
        CHECK(lx && plan.kernel.offset == lx->offset && plan.kernel.length == lx->size, "%s: .linux span", name);
        CHECK_EQ_INT(plan.kernel_info.format, UK_KERNEL_BZIMAGE, "%s: Debian kernel is a bzImage", name);

        /* Initrd: .ucode then .initrd, each padded; the bytes served equal objcopy's section dumps. */
        static uint8_t expect[16 << 20], got[16 << 20];
        size_t t = 0;
        unsigned k = 0;
        const char *order[] = { ".ucode", ".initrd" };
        for (unsigned i = 0; i < 2; i++) {
                const struct fsec *x = fsec_find(s, n, order[i], (int) profile);
                if (!x)
                        continue;
                CHECK(k < plan.n_initrd && strcmp(plan.initrd[k].label, order[i]) == 0 &&
                      plan.initrd[k].offset == x->offset && plan.initrd[k].length == x->size,
                      "%s@%u: piece %u is %s at objdump's span", name, profile, k, order[i]);
                size_t got_n = x->size;
                if (fseek(f, (long) x->offset, SEEK_SET) != 0 || fread(expect + t, 1, got_n, f) != got_n)
                        got_n = 0;
                /* objcopy selects sections by name, so it can only vouch for names that occur once. */
                unsigned same = 0;
                for (unsigned j = 0; j < n; j++)
                        same += strcmp(s[j].name, order[i]) == 0;
                if (same == 1 && (size_t) x->size <= sizeof(expect) - t) {
                        static uint8_t dump[16 << 20];
                        size_t dn = objcopy_section(file, order[i], dump, sizeof(dump));
                        CHECK(dn >= x->size && memcmp(dump, expect + t, x->size) == 0, "%s: %s bytes = objcopy's", name, order[i]);
                }
                t += got_n;
                while (t % 4)
                        expect[t++] = 0;
                k++;
        }
        CHECK_EQ_INT(plan.n_initrd, k, "%s@%u: piece count", name, profile);
        CHECK_EQ_INT(plan.initrd_total, t, "%s@%u: total", name, profile);
        if (plan.initrd_total == t && t <= sizeof(got)) {
                CHECK_EQ_INT(uk_plan_initrd_read(&plan, 0, got, t, fixture_read_piece, NULL), UK_OK, "%s: read", name);
                CHECK(memcmp(got, expect, t) == 0, "%s@%u: initrd bytes", name, profile);
        }

        /* Command line: the section text with control characters as spaces, trimmed (by python3). */
        const struct fsec *cl = fsec_find(s, n, ".cmdline", (int) profile);
        if (cl) {
                char c[8192], cmd[512];
                size_t cn = cl->size < sizeof(c) - 1 ? cl->size : sizeof(c) - 1;
                CHECK(fseek(f, (long) cl->offset, SEEK_SET) == 0 && fread(c, 1, cn, f) == cn, "%s: read .cmdline", name);
                char tmp[] = "/tmp/ukiboot-cl-XXXXXX";
                int fd = mkstemp(tmp);
                if (fd >= 0 && write(fd, c, cn) == (ssize_t) cn) {
                        snprintf(cmd, sizeof(cmd), "python3 -c \"import sys,re; b=open('%s','rb').read().split(b'\\0')[0]; "
                                 "sys.stdout.write(re.sub(rb'[\\x00-\\x1f\\x7f]', b' ', b.strip(bytes(range(33))+b'\\x7f')).decode())\"", tmp);
                        FILE *p = popen(cmd, "r");
                        size_t m = p ? fread(c, 1, sizeof(c) - 1, p) : 0;
                        if (p)
                                pclose(p);
                        c[m] = 0;
                        CHECK_EQ_STR(plan.cmdline, c, "%s@%u: cmdline", name, profile);
                }
                if (fd >= 0) {
                        close(fd);
                        unlink(tmp);
                }
        } else
                CHECK_EQ_STR(plan.cmdline, "", "%s: no .cmdline, no options: empty", name);
        fclose(f);
}

static void test_fixtures(void) {
        check_fixture("basic.efi", 0);
        check_fixture("ucode.efi", 0);
        check_fixture("nocmdline.efi", 0);
        check_fixture("noinitrd.efi", 0);
        check_fixture("multiprofile.efi", 0);
        check_fixture("multiprofile.efi", 1);
}

/* The booting CPU must match the UKI's PE machine; 0 means "only inspecting", which never refuses. */
static void test_machine_check(void) {
        static const struct { uint16_t booting; uk_err expect; } rows[] = {
                { 0, UK_OK },
                { UK_PE_MACHINE_X64, UK_OK },
                { UK_PE_MACHINE_ARM64, UK_E_WRONG_ARCH },
                { UK_PE_MACHINE_I386, UK_E_WRONG_ARCH },
                { UK_PE_MACHINE_RISCV64, UK_E_WRONG_ARCH },
        };
        struct sec s[7];
        build_single(s);     /* an x86-64 UKI */
        for (size_t i = 0; i < UK_ELEMENTSOF(rows); i++) {
                struct uk_plan_in in = { .machine = { .pe_machine = rows[i].booting } };
                CHECK_EQ_INT(build(&in, &plan), rows[i].expect, "x64 UKI booted on machine 0x%x", rows[i].booting);
        }
        CHECK(uk_pe_machine_native() == UK_PE_MACHINE_X64 || uk_pe_machine_native() == UK_PE_MACHINE_ARM64,
              "native machine known on the test host");
}

/* SMBIOS OEM strings: systemd-stub's extra after a UKI's line (mangled, its own PCR 12 event, also under
 * Secure Boot), systemd-boot's after a `linux` entry's options (measured with them). */
static void test_smbios_extra(void) {
        static const uint8_t table[] = "\x0b\x05\x00\x00\x02" "io.systemd.stub.kernel-cmdline-extra= \tsmbios=1\x01x=2 \0"
                                       "io.systemd.boot.kernel-cmdline-extra=boot=1\0" "\0" "\x7f\x04\x01\x00\0\0";
        struct sec s[7];
        build_single(s);
        struct uk_plan_in in = { .machine = { .smbios = table, .smbios_len = sizeof(table) - 1 } };
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "UKI + SMBIOS extra");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1 smbios=1 x=2", "mangled, appended after one space");
        CHECK_EQ_INT(plan.cmdline_smbios_len, 12, "its length");
        const struct uk_measurement *last = NULL;
        for (unsigned i = 0; i < plan.n_measure; i++)
                if (plan.measure[i].kind == UK_MEASURE_CMDLINE)
                        last = &plan.measure[i];
        CHECK(last && last->pcr == 12 && last->offset == 23 && last->length == 12, "measured alone into PCR 12");
        in.machine.secure_boot = true;
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "UKI + SMBIOS extra under Secure Boot");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1 smbios=1 x=2", "not skipped under Secure Boot");
        in.machine.secure_boot = false;
        in.machine.confidential_vm = true;
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "UKI in a confidential VM");
        CHECK_EQ_STR(plan.cmdline, "console=ttyS0 panic=-1", "the host's SMBIOS strings are not taken there");
        in.machine.confidential_vm = false;
        static struct uk_entry e;
        memset(&e, 0, sizeof(e));
        e.kind = UK_ENTRY_KIND_UKI;
        strcpy(e.options, "root=/dev/vdb");
        e.has_options = true;
        in.entry = &e;
        CHECK_EQ_INT(build(&in, &plan), UK_OK, "options + extra");
        unsigned lines = 0;
        for (unsigned i = 0; i < plan.n_measure; i++)
                if (plan.measure[i].kind == UK_MEASURE_CMDLINE) {
                        lines++;
                        CHECK(plan.measure[i].offset == 0 ? plan.measure[i].length == 13 : plan.measure[i].offset == 14,
                              "options measured without the extra, the extra alone");
                }
        CHECK_EQ_INT(lines, 3, "options twice (boot loader, stub), the extra once");

        /* A `linux` entry: systemd-boot's own string, after the options, not trimmed. */
        make_kernel(2047, true);
        static struct uk_entry le;
        memset(&le, 0, sizeof(le));
        le.kind = UK_ENTRY_KIND_LINUX;
        strcpy(le.linux_path, "/vmlinuz");
        strcpy(le.options, "root=/dev/vda");
        le.has_options = true;
        struct uk_source src;
        uk_source_from_memory(&src, kernel, sizeof(kernel));
        struct uk_plan_in lin = { .src = &src, .entry = &le, .machine = in.machine };
        CHECK_EQ_INT(uk_plan_build(&lin, &plan), UK_OK, "linux entry + SMBIOS");
        CHECK_EQ_STR(plan.cmdline, "root=/dev/vda boot=1", "systemd-boot's extra");
        CHECK(plan.n_measure == 1 && plan.measure[0].length == plan.cmdline_len, "measured with the options");

        /* One that does not fit the kernel's limit is left out (never cut), and noted. */
        make_kernel(16, true);
        CHECK_EQ_INT(uk_plan_build(&lin, &plan), UK_OK, "over the kernel's limit: left out");
        CHECK(strcmp(plan.cmdline, "root=/dev/vda") == 0 && (plan.cmdline_notes & UK_CMDLINE_NOTE_SMBIOS_TOO_LONG) &&
              plan.cmdline_smbios_len == 0, "the options boot, the plan says why");
        make_kernel(2047, true);
}

int main(void) {
        unit_suite = "plan";
        test_machine_check();
        test_single();
        test_secure_boot_and_policy();
        test_profiles();
        test_linux_entry();
        test_smbios_extra();
        test_fixtures();
        return unit_finish();
}
