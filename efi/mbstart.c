/* ukiboot EFI — start a Multiboot (v1) kernel: what the plan lays out (common/multiboot.c judged the kernel),
 * carried out. The segments go to their physical addresses (pages allocated at exactly those addresses: one
 * the firmware uses refuses the boot before anything is written), the modules to pages of their own below
 * 4 GiB, and one block below 4 GiB holds the information structure, the command line, the loader's name,
 * the module table and the memory map. Then boot services end, and a trampoline copied below 4 GiB leaves
 * long mode for 32-bit protected mode with paging off, as the specification asks, and jumps to the entry
 * with EAX = 0x2BADB002 and EBX = the information structure. */
#include "mbstart.h"
#include "efi-util.h"
#include "multiboot.h"
#include "util.h"

#define INFO_PAGES 8                     /* the information block: 32 KiB */
#define INFO_LOADER_NAME 256
#define INFO_MODULES 512
#define INFO_MODULE_STRINGS 1024
#define INFO_CMDLINE 3072
#define INFO_MMAP 8192
#define MMAP_MAX ((INFO_PAGES * 4096 - INFO_MMAP) / 24)
#define BELOW_4G 0xffffefffull          /* the last page below 4 GiB stays out: an end address must fit 32 bits */

/* The information structure's fields this loader fills (Multiboot 0.6.96, section 3.3). */
struct mb_info {
        uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
        uint32_t syms[4], mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
        uint32_t apm_table;
} __attribute__((packed));
struct mb_module {
        uint32_t start, end, string, reserved;
} __attribute__((packed));
struct mb_mmap {
        uint32_t size;                   /* of the rest: 20 */
        uint64_t base, length;
        uint32_t type;                   /* 1 RAM, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 bad */
} __attribute__((packed));
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODULES (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

/* Memory this boot took, given back when it does not happen. */
struct taken {
        EFI_PHYSICAL_ADDRESS addr[UK_MB_SEGMENTS_MAX + UK_PLAN_MAX_PIECES + 2];
        UINTN pages[UK_MB_SEGMENTS_MAX + UK_PLAN_MAX_PIECES + 2];
        unsigned n;
};

static void give_back(struct taken *t) {
        while (t->n > 0) {
                t->n--;
                BS->FreePages(t->addr[t->n], t->pages[t->n]);
        }
}

static EFI_STATUS take(struct taken *t, EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, EFI_PHYSICAL_ADDRESS *addr,
                       UINTN pages) {
        EFI_STATUS st = BS->AllocatePages(how, type, pages, addr);
        if (!EFI_ERROR(st)) {
                t->addr[t->n] = *addr;
                t->pages[t->n++] = pages;
        }
        return st;
}

#if defined(__x86_64__) && !defined(UKIBOOT_EFIHOST)
/* Long mode to 32-bit protected mode, position-independent so that it runs from a copy below 4 GiB (where
 * the identity mapping keeps the next instruction where it was once paging is off), in a page of loader
 * code (firmware that maps loader data no-execute would fault on it) that it never writes. Called as
 * void (*)(uint32_t entry, uint32_t info): entry in EDI, info in ESI. */
__asm__(
        ".pushsection .text\n"
        ".globl mb_trampoline, mb_trampoline_end, mb_gdt, mb_gdt_base\n"
        ".code64\n"
        "mb_trampoline:\n"
        "        cli\n"
        "        movq %cr4, %rax\n"                 /* PCIDE off while paging is still on (clearing PG with */
        "        btrq $17, %rax\n"                  /* it set is a #GP) */
        "        movq %rax, %cr4\n"
        "        lgdt mb_gdt_limit(%rip)\n"         /* its base was written by mb_start into the copy */
        "        leaq 1f(%rip), %rax\n"
        "        pushq $0x08\n"                       /* 32-bit code segment */
        "        pushq %rax\n"
        "        lretq\n"
        ".code32\n"
        "1:      movl $0x10, %eax\n"                 /* flat data segments */
        "        movl %eax, %ds\n"
        "        movl %eax, %es\n"
        "        movl %eax, %fs\n"
        "        movl %eax, %gs\n"
        "        movl %eax, %ss\n"
        "        movl %cr0, %eax\n"                  /* paging off: long mode becomes inactive */
        "        andl $0x7fffffff, %eax\n"
        "        movl %eax, %cr0\n"
        "        movl $0xc0000080, %ecx\n"           /* EFER.LME off */
        "        rdmsr\n"
        "        andl $0xfffffeff, %eax\n"
        "        wrmsr\n"
        "        movl %cr4, %eax\n"                  /* no PAE, no global pages: plain protected mode */
        "        andl $0xffffff5f, %eax\n"
        "        movl %eax, %cr4\n"
        "        movl %esi, %ebx\n"
        "        movl $0x2badb002, %eax\n"
        "        jmp *%edi\n"
        ".balign 8\n"
        "mb_gdt:\n"
        "        .quad 0\n"
        "        .quad 0x00cf9a000000ffff\n"         /* 0x08: code, base 0, 4 GiB, 32-bit */
        "        .quad 0x00cf92000000ffff\n"         /* 0x10: data, base 0, 4 GiB */
        "mb_gdt_limit:\n"
        "        .word 23\n"
        "mb_gdt_base:\n"
        "        .quad 0\n"
        "mb_trampoline_end:\n"
        ".code64\n"
        ".popsection\n");
extern const uint8_t mb_trampoline[], mb_trampoline_end[], mb_gdt[], mb_gdt_base[];

bool mb_supported(void) {
        return true;
}
#else
bool mb_supported(void) {
        return false;
}
#endif

/* The segments' pages, overlapping or touching ones merged (two segments may share a page). */
static EFI_STATUS place_segments(const char *id, const struct uk_multiboot *mb, const uint8_t *kernel, uint64_t size,
                                 struct taken *t) {
        uint64_t lo[UK_MB_SEGMENTS_MAX], hi[UK_MB_SEGMENTS_MAX];
        unsigned n = 0;
        /* The plan was made from these bytes; still, nothing is written unless every segment is in them. */
        for (unsigned i = 0; i < mb->n_segments; i++)
                if (!uk_range_ok(mb->segments[i].file_offset, mb->segments[i].file_size, size)) {
                        log_error(L"%a: the kernel's segment %d lies outside the %ld bytes read", id, i, size);
                        return EFI_LOAD_ERROR;
                }
        for (unsigned i = 0; i < mb->n_segments && i < UK_MB_SEGMENTS_MAX; i++) {
                uint64_t a = mb->segments[i].paddr & ~0xfffull;
                uint64_t b = ((uint64_t) mb->segments[i].paddr + mb->segments[i].mem_size + 0xfff) & ~0xfffull;
                unsigned k = n;
                while (k > 0 && lo[k - 1] > a) {        /* insertion by start */
                        lo[k] = lo[k - 1], hi[k] = hi[k - 1];
                        k--;
                }
                lo[k] = a, hi[k] = b, n++;
        }
        unsigned m = 0;
        for (unsigned i = 0; i < n; i++) {
                if (m > 0 && lo[i] <= hi[m - 1]) {
                        if (hi[i] > hi[m - 1])
                                hi[m - 1] = hi[i];
                        continue;
                }
                lo[m] = lo[i], hi[m] = hi[i], m++;
        }
        for (unsigned i = 0; i < m; i++) {
                EFI_PHYSICAL_ADDRESS a = lo[i];
                EFI_STATUS st = take(t, AllocateAddress, EfiLoaderData, &a, (UINTN) ((hi[i] - lo[i]) / 4096));
                if (EFI_ERROR(st)) {
                        log_error(L"%a: the kernel's memory 0x%lx-0x%lx is not free (the firmware uses it): %r", id,
                                  lo[i], hi[i], st);
                        return st;
                }
        }
        for (unsigned i = 0; i < mb->n_segments; i++) {
                const struct uk_mb_segment *s = &mb->segments[i];
                uint8_t *dst = (uint8_t *) (UINTN) s->paddr;
                CopyMem(dst, kernel + s->file_offset, s->file_size);
                SetMem(dst + s->file_size, s->mem_size - s->file_size, 0);
        }
        return EFI_SUCCESS;
}

/* Each module in pages of its own below 4 GiB, its path as its string. */
static EFI_STATUS place_modules(const char *id, const struct uk_plan *p, initrd_file_read_fn file_read, void *file_ctx,
                                uint8_t *info, struct taken *t) {
        struct mb_module *mods = (struct mb_module *) (info + INFO_MODULES);
        for (unsigned i = 0; i < p->n_initrd && i < UK_ENTRY_MAX_INITRDS; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                EFI_PHYSICAL_ADDRESS a = BELOW_4G;
                EFI_STATUS st = take(t, AllocateMaxAddress, EfiLoaderData, &a, EFI_SIZE_TO_PAGES(piece->length ? piece->length : 1));
                if (EFI_ERROR(st)) {
                        log_error(L"%a: module %a: no memory below 4 GiB for %ld bytes: %r", id, piece->path,
                                  piece->length, st);
                        return st;
                }
                uk_err r = piece->length ? file_read(file_ctx, piece->path, 0, (void *) (UINTN) a, (size_t) piece->length)
                                         : UK_OK;
                if (r) {
                        log_error(L"%a: module %a: %a", id, piece->path, uk_strerror(r));
                        return EFI_LOAD_ERROR;
                }
                char *str = (char *) info + INFO_MODULE_STRINGS + i * UK_PATH_MAX;
                uk_strlcpy_checked(str, UK_PATH_MAX, piece->path);
                mods[i] = (struct mb_module) { .start = (uint32_t) a, .end = (uint32_t) (a + piece->length),
                                               .string = (uint32_t) (UINTN) str };
        }
        return EFI_SUCCESS;
}

static uint32_t mmap_type(UINT32 efi_type) {
        switch (efi_type) {
        case EfiLoaderCode: case EfiLoaderData: case EfiBootServicesCode: case EfiBootServicesData:
        case EfiConventionalMemory:
                return 1;
        case EfiACPIReclaimMemory:
                return 3;
        case EfiACPIMemoryNVS:
                return 4;
        case EfiUnusableMemory:
                return 5;
        default:
                return 2;
        }
}

/* KiB of RAM that runs on without a gap from `from` (the map as the kernel gets it). */
static uint32_t ram_from(const struct mb_mmap *map, unsigned n, uint64_t from, uint64_t limit) {
        uint64_t at = from;
        for (bool grew = true; grew && at < limit;) {
                grew = false;
                for (unsigned i = 0; i < n; i++)
                        if (map[i].type == 1 && map[i].base <= at && map[i].base + map[i].length > at) {
                                at = map[i].base + map[i].length;
                                grew = true;
                        }
        }
        if (at > limit)
                at = limit;
        return (uint32_t) ((at - from) / 1024);
}

/* The firmware's memory map in Multiboot's words; false when it does not fit. */
__attribute__((unused))   /* (only x86-64 builds hand a kernel the map) */
static bool fill_mmap(const uint8_t *efi_map, UINTN map_size, UINTN desc_size, struct mb_info *mbi, uint8_t *info) {
        struct mb_mmap *out = (struct mb_mmap *) (info + INFO_MMAP);
        unsigned n = 0;
        for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
                const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *) (efi_map + off);
                uint64_t base = d->PhysicalStart, len = d->NumberOfPages * 4096;
                uint32_t type = mmap_type(d->Type);
                if (n > 0 && out[n - 1].type == type && out[n - 1].base + out[n - 1].length == base) {
                        out[n - 1].length += len;       /* adjacent, same kind: one entry */
                        continue;
                }
                if (n >= MMAP_MAX)
                        return false;
                out[n++] = (struct mb_mmap) { .size = 20, .base = base, .length = len, .type = type };
        }
        mbi->mmap_addr = (uint32_t) (UINTN) out;
        mbi->mmap_length = n * sizeof(*out);
        mbi->mem_lower = ram_from(out, n, 0, 640 * 1024);
        mbi->mem_upper = ram_from(out, n, 0x100000, BELOW_4G + 1);
        mbi->flags |= MBI_MEMORY | MBI_MMAP;
        return true;
}

EFI_STATUS mb_start(EFI_HANDLE image, const char *id, const struct uk_plan *p, const uint8_t *kernel, uint64_t kernel_size,
                    initrd_file_read_fn file_read, void *file_ctx) {
        struct taken t = { .n = 0 };
        EFI_PHYSICAL_ADDRESS info_addr = BELOW_4G, tramp_addr = BELOW_4G;
        EFI_STATUS st;

        if (!p->is_multiboot || !mb_supported()) {
                log_error(L"%a: this EFI program cannot start a Multiboot kernel on this CPU", id);
                return EFI_UNSUPPORTED;
        }
        if ((st = place_segments(id, &p->multiboot, kernel, kernel_size, &t)))
                goto fail;
        if ((st = take(&t, AllocateMaxAddress, EfiLoaderData, &info_addr, INFO_PAGES)) || (st = take(&t, AllocateMaxAddress, EfiLoaderCode, &tramp_addr, 1))) {
                log_error(L"%a: no memory below 4 GiB for the Multiboot information: %r", id, st);
                goto fail;
        }
        uint8_t *info = (uint8_t *) (UINTN) info_addr;
        SetMem(info, INFO_PAGES * 4096, 0);
        struct mb_info *mbi = (struct mb_info *) info;
        if ((st = place_modules(id, p, file_read, file_ctx, info, &t)))
                goto fail;
        if (p->n_initrd > 0) {
                mbi->flags |= MBI_MODULES;
                mbi->mods_count = p->n_initrd;
                mbi->mods_addr = (uint32_t) (UINTN) (info + INFO_MODULES);
        }
        uk_strlcpy_checked((char *) info + INFO_CMDLINE, INFO_MMAP - INFO_CMDLINE, p->cmdline);
        mbi->cmdline = (uint32_t) (UINTN) (info + INFO_CMDLINE);
        uk_strlcpy_checked((char *) info + INFO_LOADER_NAME, INFO_MODULES - INFO_LOADER_NAME, ukiboot_id);
        mbi->boot_loader_name = (uint32_t) (UINTN) (info + INFO_LOADER_NAME);
        mbi->flags |= MBI_CMDLINE | MBI_LOADER_NAME;

#if defined(__x86_64__) && !defined(UKIBOOT_EFIHOST)
        CopyMem((void *) (UINTN) tramp_addr, mb_trampoline, (UINTN) (mb_trampoline_end - mb_trampoline));
        uint64_t gdt = tramp_addr + (UINTN) (mb_gdt - mb_trampoline);
        CopyMem((void *) (UINTN) (tramp_addr + (UINTN) (mb_gdt_base - mb_trampoline)), &gdt, sizeof(gdt));
        /* The map is read into room set aside now: nothing may allocate between GetMemoryMap and the exit. */
        UINTN cap = 0, map_size = 0, key = 0, desc_size = 0;
        UINT32 desc_version = 0;
        (void) BS->GetMemoryMap(&cap, NULL, &key, &desc_size, &desc_version);
        cap += 16 * desc_size + 4096;
        uint8_t *map = AllocatePool(cap);
        if (!map) {
                st = EFI_OUT_OF_RESOURCES;
                log_error(L"%a: no memory for the memory map", id);
                goto fail;
        }
        log_info(L"%a: starting the Multiboot kernel at 0x%x (%d segments, %d modules)", id, p->multiboot.entry,
                 p->multiboot.n_segments, p->n_initrd);
        bool exit_tried = false;
        for (int tries = 0; tries < 3; tries++) {
                map_size = cap;
                st = BS->GetMemoryMap(&map_size, (EFI_MEMORY_DESCRIPTOR *) map, &key, &desc_size, &desc_version);
                if (EFI_ERROR(st))
                        break;
                if (!fill_mmap(map, map_size, desc_size, mbi, info)) {
                        st = EFI_BUFFER_TOO_SMALL;
                        break;
                }
                exit_tried = true;
                st = BS->ExitBootServices(image, key);
                if (!EFI_ERROR(st)) {
                        void (*enter)(uint32_t entry, uint32_t info) = (void (*)(uint32_t, uint32_t)) (UINTN) tramp_addr;
                        enter(p->multiboot.entry, (uint32_t) info_addr);
                        for (;;)
                                __asm__ volatile("hlt");
                }
        }
        /* After a failed ExitBootServices only memory services are certain: no console, no next entry. */
        if (exit_tried)
                RT->ResetSystem(EfiResetCold, st, 0, NULL);
        FreePool(map);
        log_error(L"%a: the firmware's memory map could not be handed over: %r", id, st);
#else
        st = EFI_UNSUPPORTED;
#endif
fail:
        give_back(&t);
        return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}
