/* ukiboot — the Multiboot (v1) information structure a kernel is handed, laid out once for both twins: the
 * EFI program fills it from the firmware's memory map, the Linux twin from the running system's. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define UK_MB_INFO_SIZE (32u * 1024)     /* the block: structure, strings, module table, memory map */
#define UK_MB_INFO_MMAP_MAX 1024u        /* memory map entries it holds */
#define UK_MB_INFO_MODULES_MAX 8u

/* A memory map entry's type, in Multiboot's numbering. */
enum uk_mb_region_type {
        UK_MB_RAM = 1,
        UK_MB_RESERVED = 2,
        UK_MB_ACPI_RECLAIMABLE = 3,
        UK_MB_ACPI_NVS = 4,
        UK_MB_BAD = 5,
};
struct uk_mb_region {
        uint64_t base, length;
        uint32_t type;                   /* enum uk_mb_region_type */
};
/* A module where the twin put it: [start, end) below 4 GiB, and its string. */
struct uk_mb_module {
        uint32_t start, end;
        const char *string;
};

/* Lay the information out in buf[UK_MB_INFO_SIZE], which the kernel will find at physical address base (below
 * 4 GiB): flags, memory (mem_lower/mem_upper: RAM without a gap from 0, at most 640 KiB, and from 1 MiB), the
 * memory map (adjacent entries of one type merged), the command line, the modules and the loader's name.
 * Allocates nothing (the EFI twin calls it between GetMemoryMap and ExitBootServices). The structure is at
 * base itself. UK_E_TOO_MANY when the map or the modules do not fit, UK_E_CMDLINE_TOO_LONG for the line. */
uk_err uk_multiboot_info(uint8_t *buf, uint32_t base, const char *cmdline, const char *loader_name,
                         const struct uk_mb_module *mods, unsigned n_mods, const struct uk_mb_region *map,
                         unsigned n_map);

/* The x86-64 code that enters a Multiboot kernel, as GNU assembler text both twins assemble into themselves:
 * from long mode with an identity mapping, below 4 GiB, it loads its own GDT, drops to 32-bit protected mode
 * with paging off and jumps to the entry in EDI with EAX = 0x2BADB002 and EBX = ESI. Position-independent; it
 * never writes itself: whoever copies it writes the GDT's address at uk_mb_gdt_base (the copy's uk_mb_gdt).
 * Symbols: uk_mb_trampoline .. uk_mb_trampoline_end, uk_mb_gdt, uk_mb_gdt_base. */
#define UK_MB_TRAMPOLINE_ASM \
        ".pushsection .text\n" \
        ".globl uk_mb_trampoline, uk_mb_trampoline_end, uk_mb_gdt, uk_mb_gdt_base\n" \
        ".code64\n" \
        "uk_mb_trampoline:\n" \
        "        cli\n" \
        "        movq %cr4, %rax\n"                 /* PCIDE off while paging is on (clearing PG with it: #GP) */ \
        "        btrq $17, %rax\n" \
        "        movq %rax, %cr4\n" \
        "        lgdt uk_mb_gdt_limit(%rip)\n" \
        "        leaq 1f(%rip), %rax\n" \
        "        pushq $0x08\n"                       /* into the 32-bit code segment */ \
        "        pushq %rax\n" \
        "        lretq\n" \
        ".code32\n" \
        "1:      movl $0x10, %eax\n"                 /* flat data segments */ \
        "        movl %eax, %ds\n" \
        "        movl %eax, %es\n" \
        "        movl %eax, %fs\n" \
        "        movl %eax, %gs\n" \
        "        movl %eax, %ss\n" \
        "        movl %cr0, %eax\n"                  /* paging off: long mode becomes inactive */ \
        "        andl $0x7fffffff, %eax\n" \
        "        movl %eax, %cr0\n" \
        "        movl $0xc0000080, %ecx\n"           /* EFER.LME off */ \
        "        rdmsr\n" \
        "        andl $0xfffffeff, %eax\n" \
        "        wrmsr\n" \
        "        movl %cr4, %eax\n"                  /* no PAE, no global pages */ \
        "        andl $0xffffff5f, %eax\n" \
        "        movl %eax, %cr4\n" \
        "        movl %esi, %ebx\n" \
        "        movl $0x2badb002, %eax\n" \
        "        jmp *%edi\n" \
        ".balign 8\n" \
        "uk_mb_gdt:\n" \
        "        .quad 0\n" \
        "        .quad 0x00cf9a000000ffff\n"         /* 0x08: code, base 0, 4 GiB, 32-bit */ \
        "        .quad 0x00cf92000000ffff\n"         /* 0x10: data, base 0, 4 GiB */ \
        "uk_mb_gdt_limit:\n" \
        "        .word 23\n" \
        "uk_mb_gdt_base:\n" \
        "        .quad 0\n" \
        "uk_mb_trampoline_end:\n" \
        ".code64\n" \
        ".popsection\n"
