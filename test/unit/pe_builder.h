/* ukiboot — unit-test helper: build a small PE32+ image with given sections into a buffer, plus
 * file-backed and failing sources. Layout (fixed so tests can patch bytes by offset):
 *   0x000 DOS header ("MZ", e_lfanew = 0x40)
 *   0x040 "PE\0\0"            PEB_SIG
 *   0x044 COFF header         PEB_COFF
 *   0x058 optional header     PEB_OPT  (PE32+, 16 data directories: 240 bytes)
 *   0x148 section table       PEB_TABLE
 *   then section data, each at the next 16-byte boundary unless a section gives raw_offset. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "source.h"

#define PEB_SIG   0x40u
#define PEB_COFF  0x44u
#define PEB_OPT   0x58u
#define PEB_OPT_SIZE 240u
#define PEB_TABLE (PEB_OPT + PEB_OPT_SIZE)

struct peb_section {
        const char *name;        /* up to 8 bytes, NUL padded */
        const char *data;        /* contents (may be NULL: zero bytes) */
        uint32_t len;            /* bytes of data; raw_size and virtual_size default to it */
        uint32_t raw_size;       /* override SizeOfRawData when non-zero */
        uint32_t virtual_size;   /* override VirtualSize when non-zero */
        uint32_t raw_offset;     /* override PointerToRawData when non-zero */
        int zero_vsize;          /* force VirtualSize = 0 */
};

static inline void peb_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t) v; p[1] = (uint8_t) (v >> 8); }
static inline void peb_put32(uint8_t *p, uint32_t v) { peb_put16(p, (uint16_t) v); peb_put16(p + 2, (uint16_t) (v >> 16)); }

/* Build into buf[cap]; returns the file size (0 if it does not fit). */
static inline size_t peb_build(uint8_t *buf, size_t cap, const struct peb_section *s, unsigned n) {
        size_t data = PEB_TABLE + (size_t) n * 40, end;

        data = (data + 15) & ~(size_t) 15;
        if (data > cap)
                return 0;
        memset(buf, 0, cap);
        buf[0] = 'M', buf[1] = 'Z';
        peb_put32(buf + 0x3c, PEB_SIG);
        memcpy(buf + PEB_SIG, "PE\0\0", 4);
        peb_put16(buf + PEB_COFF + 0, 0x8664);           /* Machine */
        peb_put16(buf + PEB_COFF + 2, (uint16_t) n);     /* NumberOfSections */
        peb_put16(buf + PEB_COFF + 16, PEB_OPT_SIZE);    /* SizeOfOptionalHeader */
        peb_put16(buf + PEB_OPT + 0, 0x20b);             /* PE32+ */
        peb_put32(buf + PEB_OPT + 16, 0x1000);           /* AddressOfEntryPoint */
        peb_put32(buf + PEB_OPT + 24, 0x10000000);       /* ImageBase (low half) */
        peb_put32(buf + PEB_OPT + 32, 0x1000);           /* SectionAlignment */
        peb_put32(buf + PEB_OPT + 36, 0x10);             /* FileAlignment */
        peb_put16(buf + PEB_OPT + 44, 1);                /* MajorImageVersion */
        peb_put16(buf + PEB_OPT + 46, 2);                /* MinorImageVersion */
        peb_put32(buf + PEB_OPT + 56, 0x100000);         /* SizeOfImage */
        peb_put32(buf + PEB_OPT + 60, (uint32_t) data);  /* SizeOfHeaders */
        peb_put16(buf + PEB_OPT + 68, 10);               /* Subsystem: EFI application */
        peb_put32(buf + PEB_OPT + 108, 16);              /* NumberOfRvaAndSizes */

        end = data;
        for (unsigned i = 0; i < n; i++) {
                uint8_t *h = buf + PEB_TABLE + i * 40;
                uint32_t off = s[i].raw_offset ? s[i].raw_offset : (uint32_t) data;
                uint32_t raw = s[i].raw_size ? s[i].raw_size : s[i].len;
                uint32_t vs = s[i].zero_vsize ? 0 : s[i].virtual_size ? s[i].virtual_size : s[i].len;

                strncpy((char *) h, s[i].name, 8);
                peb_put32(h + 8, vs);
                peb_put32(h + 12, 0x1000 * (i + 1));     /* VirtualAddress */
                peb_put32(h + 16, raw);
                peb_put32(h + 20, off);
                peb_put32(h + 36, 0x40000040);           /* initialized data, readable */
                if (off + (size_t) s[i].len > cap)
                        return 0;
                if (s[i].data)
                        memcpy(buf + off, s[i].data, s[i].len);
                if (!s[i].raw_offset) {
                        data = (data + s[i].len + 15) & ~(size_t) 15;
                        if (data > cap)
                                return 0;
                }
                if (off + (size_t) s[i].len > end)
                        end = off + (size_t) s[i].len;
        }
        return data > end ? data : end;
}

/* A fake x86 bzImage with a PE stub (LoadFile2 initrd), "HdrS" protocol 2.15 and a 2047-byte command line
 * limit: the smallest kernel a plan accepts. */
static inline void peb_fake_kernel(uint8_t *k, size_t len) {
        memset(k, 0xcc, len);
        k[0] = 'M', k[1] = 'Z';
        peb_put32(k + 0x3c, 0x80);
        memcpy(k + 0x80, "PE\0\0", 4);
        peb_put16(k + 0x80 + 24, 0x20b);
        peb_put16(k + 0x80 + 24 + 44, 1);               /* MajorImageVersion: LoadFile2 initrd */
        k[0x1f1] = 1;                                   /* setup_sects */
        memcpy(k + 0x202, "HdrS", 4);
        peb_put16(k + 0x206, 0x020f);
        peb_put32(k + 0x238, 2047);                     /* cmdline_size */
}

/* A source whose reads always fail, for I/O error propagation. */
static inline uk_err peb_failing_read(void *ctx, uint64_t offset, void *buf, size_t len) {
        (void) ctx, (void) offset, (void) buf, (void) len;
        return UK_E_IO;
}

/* A memory source that records the highest byte it was asked for. */
struct peb_counting {
        const uint8_t *mem;
        uint64_t max_end;
        unsigned reads;
};

static inline uk_err peb_counting_read(void *ctx, uint64_t offset, void *buf, size_t len) {
        struct peb_counting *c = ctx;
        memcpy(buf, c->mem + offset, len);
        if (offset + len > c->max_end)
                c->max_end = offset + len;
        c->reads++;
        return UK_OK;
}

/* A source over an open file descriptor (pread). */
static inline uk_err peb_fd_read(void *ctx, uint64_t offset, void *buf, size_t len) {
        int fd = (int) (intptr_t) ctx;
        size_t done = 0;
        while (done < len) {
                ssize_t r = pread(fd, (uint8_t *) buf + done, len - done, (off_t) (offset + done));
                if (r <= 0)
                        return UK_E_IO;
                done += (size_t) r;
        }
        return UK_OK;
}

/* Locate a real file for an integration check: $env, else path relative to the repo root (the cwd of
 * `make unit`, or two levels above the test binary). Returns an open fd or -1. */
static inline int peb_open_real(const char *env, const char *rel, const char *argv0, char *ret_path, size_t cap) {
        const char *e = getenv(env);
        int fd;

        if (e && *e) {
                snprintf(ret_path, cap, "%s", e);
                return open(ret_path, O_RDONLY | O_CLOEXEC);
        }
        if (rel[0] == '/') {
                snprintf(ret_path, cap, "%s", rel);
                return open(ret_path, O_RDONLY | O_CLOEXEC);
        }
        snprintf(ret_path, cap, "%s", rel);
        fd = open(ret_path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || !argv0)
                return fd;
        const char *slash = strrchr(argv0, '/');
        if (!slash)
                return -1;
        snprintf(ret_path, cap, "%.*s/../../%s", (int) (slash - argv0), argv0, rel);
        return open(ret_path, O_RDONLY | O_CLOEXEC);
}

static inline void peb_source_fd(struct uk_source *src, int fd) {
        src->read_at = peb_fd_read;
        src->ctx = (void *) (intptr_t) fd;
        src->size = (uint64_t) lseek(fd, 0, SEEK_END);
}
