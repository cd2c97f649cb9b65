/* ukiboot — Multiboot (version 1) kernels: find the header, check it, and lay the kernel out in memory. */
#include "multiboot.h"
#include "util.h"

#define ELF_HEADER_SIZE 52
#define ELF_PHDR_SIZE 32
#define PT_LOAD 1
#define EM_386 3
#define ET_EXEC 2

/* The header's first 12 bytes at offset off, when they are one (magic, flags, and a checksum that sums the
 * three to zero). */
static bool header_at(const uint8_t *buf, size_t off, uint32_t *ret_flags) {
        uint32_t magic = uk_le32(buf + off), flags = uk_le32(buf + off + 4), sum = uk_le32(buf + off + 8);
        if (magic != UK_MB_HEADER_MAGIC || (uint32_t) (magic + flags + sum) != 0)
                return false;
        *ret_flags = flags;
        return true;
}

/* Read the first 8 KiB (less for a smaller file) and find the header in it: its offset, or -1. */
static long find_header(const struct uk_source *src, uint8_t buf[UK_MB_SEARCH], size_t *ret_len, uint32_t *ret_flags) {
        size_t len = src->size < UK_MB_SEARCH ? (size_t) src->size : UK_MB_SEARCH;
        if (uk_source_read(src, 0, buf, len) != UK_OK)
                return -2;
        *ret_len = len;
        for (size_t off = 0; off + 12 <= len; off += 4)
                if (header_at(buf, off, ret_flags))
                        return (long) off;
        return -1;
}

bool uk_multiboot_detect(const struct uk_source *src) {
        uint8_t buf[UK_MB_SEARCH];
        size_t len;
        uint32_t flags;
        return src && find_header(src, buf, &len, &flags) >= 0;
}

static uk_err fail(const char **ret_why, const char *why, uk_err err) {
        if (ret_why)
                *ret_why = why;
        return err;
}

/* Add one segment, checked against the file and the 32-bit physical address space. */
static uk_err add_segment(struct uk_multiboot *mb, uint64_t file_size_total, uint64_t off, uint64_t filesz,
                          uint64_t paddr, uint64_t memsz, const char **ret_why) {
        if (memsz == 0)
                return UK_OK;   /* occupies nothing */
        if (mb->n_segments >= UK_MB_SEGMENTS_MAX)
                return fail(ret_why, "more than 8 segments to load", UK_E_TOO_MANY_SECTIONS);
        if (filesz > memsz || !uk_range_ok(off, filesz, file_size_total))
                return fail(ret_why, "a segment lies outside the file", UK_E_SECTION_OUT_OF_BOUNDS);
        if (paddr < UK_MB_LOAD_MIN || paddr > 0xffffffffull || memsz > 0x100000000ull - paddr)
                return fail(ret_why, "a segment's address is below 1 MiB or above 4 GiB", UK_E_SECTION_OUT_OF_BOUNDS);
        for (unsigned i = 0; i < mb->n_segments; i++) {
                const struct uk_mb_segment *s = &mb->segments[i];
                if (paddr < (uint64_t) s->paddr + s->mem_size && s->paddr < paddr + memsz)
                        return fail(ret_why, "two segments overlap in memory", UK_E_OVERLAPPING_SECTIONS);
        }
        mb->segments[mb->n_segments++] = (struct uk_mb_segment) {
                .file_offset = off, .file_size = (uint32_t) filesz, .paddr = (uint32_t) paddr, .mem_size = (uint32_t) memsz,
        };
        return UK_OK;
}

/* The header's own addresses (flag 16): one segment from load_addr, the file from header_addr's offset back. */
static uk_err layout_from_header(const uint8_t *h, uint64_t size, struct uk_multiboot *mb, const char **ret_why) {
        uint32_t header_addr = uk_le32(h + 12), load_addr = uk_le32(h + 16), load_end = uk_le32(h + 20);
        uint32_t bss_end = uk_le32(h + 24);
        if (load_addr > header_addr || header_addr - load_addr > mb->header_offset)
                return fail(ret_why, "its header's load address does not fit where the header is in the file",
                            UK_E_SECTION_OUT_OF_BOUNDS);
        uint64_t off = mb->header_offset - (header_addr - load_addr);
        uint64_t filesz = load_end ? (uint64_t) load_end - load_addr : size - off;
        if (load_end && load_end < load_addr)
                return fail(ret_why, "its header's load end is below its load address", UK_E_SECTION_OUT_OF_BOUNDS);
        uint64_t memsz = bss_end ? (uint64_t) bss_end - load_addr : filesz;
        if (bss_end && bss_end < load_addr + filesz)
                return fail(ret_why, "its header's bss end is below its load end", UK_E_SECTION_OUT_OF_BOUNDS);
        mb->entry = uk_le32(h + 28);
        return add_segment(mb, size, off, filesz, load_addr, memsz, ret_why);
}

/* An ELF32 i386 executable: its PT_LOAD program headers, at their physical addresses. */
static uk_err layout_from_elf(const struct uk_source *src, const uint8_t *buf, size_t len, struct uk_multiboot *mb,
                              const char **ret_why) {
        if (len < ELF_HEADER_SIZE || uk_memcmp(buf, "\177ELF", 4) != 0)
                return fail(ret_why, "not an ELF file, and its header gives no load addresses", UK_E_BAD_KERNEL);
        if (buf[4] != 1 || buf[5] != 1 || (buf[16] | buf[17] << 8) != ET_EXEC || (buf[18] | buf[19] << 8) != EM_386)
                return fail(ret_why, "not a 32-bit little-endian i386 ELF executable", UK_E_BAD_KERNEL);
        uint32_t phoff = uk_le32(buf + 28);
        unsigned phentsize = buf[42] | buf[43] << 8, phnum = buf[44] | buf[45] << 8;
        uint32_t elf_entry = uk_le32(buf + 24);
        if (phentsize != ELF_PHDR_SIZE || phnum == 0 || !uk_range_ok(phoff, (uint64_t) phnum * ELF_PHDR_SIZE, src->size))
                return fail(ret_why, "its ELF program headers lie outside the file", UK_E_SECTION_OUT_OF_BOUNDS);
        bool entry_found = false;
        for (unsigned i = 0; i < phnum; i++) {
                uint8_t ph[ELF_PHDR_SIZE];
                uk_err r = uk_source_read(src, phoff + (uint64_t) i * ELF_PHDR_SIZE, ph, sizeof(ph));
                if (r)
                        return fail(ret_why, "its ELF program headers cannot be read", r);
                if (uk_le32(ph) != PT_LOAD)
                        continue;
                uint32_t off = uk_le32(ph + 4), vaddr = uk_le32(ph + 8), paddr = uk_le32(ph + 12);
                uint32_t filesz = uk_le32(ph + 16), memsz = uk_le32(ph + 20);
                if ((r = add_segment(mb, src->size, off, filesz, paddr, memsz, ret_why)))
                        return r;
                /* The entry is a virtual address: where its segment is loaded says where it is physically. */
                if (!entry_found && memsz > 0 && elf_entry >= vaddr && elf_entry - vaddr < memsz) {
                        mb->entry = paddr + (elf_entry - vaddr);
                        entry_found = true;
                }
        }
        if (mb->n_segments == 0)
                return fail(ret_why, "it has nothing to load", UK_E_BAD_KERNEL);
        if (!entry_found)
                return fail(ret_why, "its entry point is in none of its segments", UK_E_BAD_KERNEL);
        return UK_OK;
}

uk_err uk_multiboot_parse(const struct uk_source *src, struct uk_multiboot *ret, const char **ret_why) {
        uint8_t buf[UK_MB_SEARCH];
        struct uk_multiboot mb = {};
        size_t len = 0;
        uk_err r;

        if (!src || !ret)
                return UK_E_INVALID_ARG;
        long at = find_header(src, buf, &len, &mb.flags);
        if (at == -2)
                return fail(ret_why, "it cannot be read", UK_E_IO);
        if (at < 0)
                return fail(ret_why, "no Multiboot header (magic and checksum) in its first 8 KiB", UK_E_BAD_KERNEL);
        mb.header_offset = (uint32_t) at;
        /* Requirements ukiboot cannot meet are refused, as the specification asks of a boot loader. */
        if (mb.flags & UK_MB_VIDEO_MODE)
                return fail(ret_why, "its header asks for a video mode, which ukiboot does not set", UK_E_UNSUPPORTED);
        if (mb.flags & 0xfff8u)
                return fail(ret_why, "its header requires a feature this Multiboot loader does not know", UK_E_UNSUPPORTED);
        if (mb.flags & UK_MB_ADDRESSES) {
                if ((size_t) at + 32 > len)
                        return fail(ret_why, "its header's address fields lie outside the file", UK_E_TRUNCATED);
                r = layout_from_header(buf + at, src->size, &mb, ret_why);
        } else
                r = layout_from_elf(src, buf, len, &mb, ret_why);
        if (r)
                return r;
        mb.low = UINT32_MAX;
        for (unsigned i = 0; i < mb.n_segments; i++) {
                const struct uk_mb_segment *s = &mb.segments[i];
                uint64_t end = (uint64_t) s->paddr + s->mem_size;
                if (s->paddr < mb.low)
                        mb.low = s->paddr;
                if (end > mb.high)
                        mb.high = end;
        }
        if (mb.entry < mb.low || mb.entry >= mb.high)
                return fail(ret_why, "its entry point is outside what it loads", UK_E_BAD_KERNEL);
        *ret = mb;
        return UK_OK;
}

unsigned uk_multiboot_pages(const struct uk_multiboot *mb, uint64_t lo[UK_MB_SEGMENTS_MAX], uint64_t hi[UK_MB_SEGMENTS_MAX]) {
        unsigned n = 0, m = 0;
        for (unsigned i = 0; mb && i < mb->n_segments && i < UK_MB_SEGMENTS_MAX; i++) {
                uint64_t a = mb->segments[i].paddr & ~0xfffull;
                uint64_t b = ((uint64_t) mb->segments[i].paddr + mb->segments[i].mem_size + 0xfff) & ~0xfffull;
                unsigned k = n++;
                for (; k > 0 && lo[k - 1] > a; k--)     /* insertion by start */
                        lo[k] = lo[k - 1], hi[k] = hi[k - 1];
                lo[k] = a, hi[k] = b;
        }
        for (unsigned i = 0; i < n; i++) {
                if (m > 0 && lo[i] <= hi[m - 1]) {
                        if (hi[i] > hi[m - 1])
                                hi[m - 1] = hi[i];
                        continue;
                }
                lo[m] = lo[i], hi[m] = hi[i], m++;
        }
        return m;
}
