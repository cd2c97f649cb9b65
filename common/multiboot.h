/* ukiboot — Multiboot (version 1) kernels, such as Unikraft's QEMU x86_64 builds: the header in the first
 * 8 KiB, and where the kernel goes (its ELF32 program headers, or the header's own addresses). Pure: bytes in,
 * a load layout out, every address checked against the file and against the rest of the layout. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "source.h"

#define UK_MB_HEADER_MAGIC 0x1BADB002u   /* in the image */
#define UK_MB_BOOT_MAGIC 0x2BADB002u     /* in EAX when the kernel starts */
#define UK_MB_SEARCH 8192                /* the header lies in the image's first 8 KiB, 4-aligned */
#define UK_MB_SEGMENTS_MAX 8
#define UK_MB_LOAD_MIN 0x100000u         /* below 1 MiB is the firmware's and the legacy hardware's */

/* Header flags: bits 0-15 are requirements a boot loader must meet or refuse the image. */
#define UK_MB_PAGE_ALIGN (1u << 0)       /* modules start on 4 KiB boundaries */
#define UK_MB_MEMORY_INFO (1u << 1)      /* mem_lower/mem_upper (and the memory map) are wanted */
#define UK_MB_VIDEO_MODE (1u << 2)       /* a graphics mode is wanted: not offered by ukiboot */
#define UK_MB_ADDRESSES (1u << 16)       /* the header's own load addresses stand in for the executable's */

/* One piece of the kernel in memory: file bytes [file_offset, +file_size) at physical address paddr, then
 * zeros up to mem_size. */
struct uk_mb_segment {
        uint64_t file_offset;
        uint32_t file_size;
        uint32_t paddr;
        uint32_t mem_size;
};

struct uk_multiboot {
        uint32_t header_offset;          /* where the header is in the file */
        uint32_t flags;
        uint32_t entry;                  /* physical address the kernel starts at, in 32-bit protected mode */
        struct uk_mb_segment segments[UK_MB_SEGMENTS_MAX];
        unsigned n_segments;
        uint32_t low;                    /* the lowest byte the segments occupy */
        uint64_t high;                   /* one past the highest (at most 4 GiB) */
};

/* The 4 KiB pages the kernel's segments occupy, as at most UK_MB_SEGMENTS_MAX ranges [lo, hi) in address order,
 * overlapping or touching ones merged (two segments may share a page): what a loader reserves. */
unsigned uk_multiboot_pages(const struct uk_multiboot *mb, uint64_t lo[UK_MB_SEGMENTS_MAX], uint64_t hi[UK_MB_SEGMENTS_MAX]);

/* Whether src carries a Multiboot header (a valid magic and checksum) in its first 8 KiB: what decides that
 * a kernel is a Multiboot kernel, before it is judged. */
bool uk_multiboot_detect(const struct uk_source *src);

/* Judge a Multiboot kernel and lay it out. On failure *ret_why (when not NULL) is a sentence that says what
 * is wrong ("its header asks for a video mode, which ukiboot does not set"); ret is written only on success. */
uk_err uk_multiboot_parse(const struct uk_source *src, struct uk_multiboot *ret, const char **ret_why);
