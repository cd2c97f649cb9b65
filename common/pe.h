/* ukiboot — PE/COFF parser over a read-at source (untrusted input). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include "source.h"

#define UK_PE_MAX_SECTIONS 96
#define UK_PE_MACHINE_I386  0x014c
#define UK_PE_MACHINE_X64   0x8664
#define UK_PE_MACHINE_ARM64 0xaa64
#define UK_PE_MACHINE_RISCV64 0x5064
#define UK_PE_MACHINE_LOONG64 0x6264

struct uk_pe_section {
        char name[9];               /* all 8 raw bytes, NUL-terminated; compare with uk_pe_name_eq */
        uint32_t virtual_address;
        uint32_t virtual_size;
        uint32_t raw_offset;        /* PointerToRawData */
        uint32_t raw_size;          /* SizeOfRawData */
        uint32_t characteristics;
        uint64_t size;              /* bytes usable: min(VirtualSize, SizeOfRawData), or raw_size if VirtualSize is 0 */
};

struct uk_pe {
        uint16_t machine;
        bool pe32plus;
        uint16_t subsystem;
        uint64_t image_base;
        uint32_t size_of_image;
        uint32_t size_of_headers;
        uint32_t entry_point;       /* AddressOfEntryPoint (RVA) */
        uint32_t section_alignment;
        uint32_t file_alignment;
        uint16_t major_image_version; /* Linux EFI stub: >= 1 means LINUX_INITRD_MEDIA (LoadFile2) initrd support */
        uint16_t minor_image_version;
        uint32_t pe_offset;         /* e_lfanew */
        uint64_t headers_end;       /* file offset one past the section table: all bytes the parser read */
        /* What an Authenticode signature covers and carries (common/authenticode.c). */
        uint64_t checksum_offset;   /* file offset of CheckSum: the digest skips its 4 bytes */
        uint64_t cert_dir_offset;   /* file offset of the certificate table's directory entry, 0 if absent */
        uint32_t cert_table_offset; /* the attribute certificate table: a file offset, not an RVA; 0 if none */
        uint32_t cert_table_size;
        uint16_t n_sections;
        struct uk_pe_section sections[UK_PE_MAX_SECTIONS];
};

/* Parse headers and section table of src into *ret_pe; every section is checked against src->size. */
uk_err uk_pe_parse(const struct uk_source *src, struct uk_pe *ret_pe);

/* True if the section's 8-byte name equals name (shorter names are NUL padded). */
bool uk_pe_name_eq(const struct uk_pe_section *s, const char *name);

/* Index of the first section called name, or -1. */
int uk_pe_find(const struct uk_pe *pe, const char *name);

/* Printable name of a COFF machine type ("x86-64", "arm64", ...), "unknown" otherwise. */
const char *uk_pe_machine_name(uint16_t machine);

/* The PE machine type of the CPU this code was compiled for (0 if none of the above). */
static inline uint16_t uk_pe_machine_native(void) {
#if defined(__x86_64__)
        return UK_PE_MACHINE_X64;
#elif defined(__i386__)
        return UK_PE_MACHINE_I386;
#elif defined(__aarch64__)
        return UK_PE_MACHINE_ARM64;
#elif defined(__riscv) && __riscv_xlen == 64
        return UK_PE_MACHINE_RISCV64;
#elif defined(__loongarch64)
        return UK_PE_MACHINE_LOONG64;
#else
        return 0;
#endif
}
