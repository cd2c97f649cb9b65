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
#include "multiboot_info.h"
#include "util.h"

#define INFO_PAGES (UK_MB_INFO_SIZE / 4096)
#define BELOW_4G 0xffffefffull          /* the last page below 4 GiB stays out: an end address must fit 32 bits */

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
/* common/multiboot_info.h's trampoline, assembled in: copied below 4 GiB into a page of loader code (firmware
 * that maps loader data no-execute would fault on it), called as void (*)(uint32_t entry, uint32_t info). */
__asm__(UK_MB_TRAMPOLINE_ASM);
extern const uint8_t uk_mb_trampoline[], uk_mb_trampoline_end[], uk_mb_gdt[], uk_mb_gdt_base[];

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
        /* The plan was made from these bytes; still, nothing is written unless every segment is in them. */
        for (unsigned i = 0; i < mb->n_segments; i++)
                if (!uk_range_ok(mb->segments[i].file_offset, mb->segments[i].file_size, size)) {
                        log_error(L"%a: the kernel's segment %d lies outside the %ld bytes read", id, i, size);
                        return EFI_LOAD_ERROR;
                }
        unsigned m = uk_multiboot_pages(mb, lo, hi);
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
static EFI_STATUS place_modules(const char *id, const struct uk_plan *p, const uint8_t *image, uint64_t image_size,
                                initrd_file_read_fn file_read, void *file_ctx, struct uk_mb_module *mods, struct taken *t) {
        for (unsigned i = 0; i < p->n_initrd && i < UK_MB_INFO_MODULES_MAX; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                uint64_t len = piece->length + piece->zero_fill;
                EFI_PHYSICAL_ADDRESS a = BELOW_4G;
                EFI_STATUS st = take(t, AllocateMaxAddress, EfiLoaderData, &a, EFI_SIZE_TO_PAGES(len ? len : 1));
                if (EFI_ERROR(st)) {
                        log_error(L"%a: module %a: no memory below 4 GiB for %ld bytes: %r", id, piece->label, len, st);
                        return st;
                }
                /* Its bytes as the plan serves them (a file on the ESP, a section of the UKI, ...). */
                uk_err r = len ? initrd_read_range(p, image, image_size, file_read, file_ctx, uk_plan_initrd_offset(p, i), (void *) (UINTN) a,
                                                   (size_t) len)
                               : UK_OK;
                if (r) {
                        log_error(L"%a: module %a: %a", id, piece->label, uk_strerror(r));
                        return EFI_LOAD_ERROR;
                }
                mods[i] = (struct uk_mb_module) { .start = (uint32_t) a, .end = (uint32_t) (a + len),
                                                  .string = piece->path[0] ? piece->path : piece->label };
        }
        return EFI_SUCCESS;
}

static uint32_t mmap_type(UINT32 efi_type) {
        switch (efi_type) {
        case EfiLoaderCode: case EfiLoaderData: case EfiBootServicesCode: case EfiBootServicesData:
        case EfiConventionalMemory:
                return UK_MB_RAM;
        case EfiACPIReclaimMemory:
                return UK_MB_ACPI_RECLAIMABLE;
        case EfiACPIMemoryNVS:
                return UK_MB_ACPI_NVS;
        case EfiUnusableMemory:
                return UK_MB_BAD;
        default:
                return UK_MB_RESERVED;
        }
}

/* The firmware's memory map in Multiboot's words, into regions[]; false when it does not fit. */
__attribute__((unused))   /* (only x86-64 builds hand a kernel the map) */
static bool read_regions(const uint8_t *efi_map, UINTN map_size, UINTN desc_size, struct uk_mb_region *regions,
                         unsigned *ret_n) {
        unsigned n = 0;
        for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
                const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *) (efi_map + off);
                if (n >= UK_MB_INFO_MMAP_MAX)
                        return false;
                regions[n++] = (struct uk_mb_region) { .base = d->PhysicalStart, .length = d->NumberOfPages * 4096,
                                                       .type = mmap_type(d->Type) };
        }
        *ret_n = n;
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
        static struct uk_mb_module mods[UK_MB_INFO_MODULES_MAX];
        unsigned n_mods = p->n_initrd < UK_MB_INFO_MODULES_MAX ? p->n_initrd : UK_MB_INFO_MODULES_MAX;
        if ((st = place_modules(id, p, kernel, kernel_size, file_read, file_ctx, mods, &t)))
                goto fail;

#if defined(__x86_64__) && !defined(UKIBOOT_EFIHOST)
        CopyMem((void *) (UINTN) tramp_addr, uk_mb_trampoline, (UINTN) (uk_mb_trampoline_end - uk_mb_trampoline));
        uint64_t gdt = tramp_addr + (UINTN) (uk_mb_gdt - uk_mb_trampoline);
        CopyMem((void *) (UINTN) (tramp_addr + (UINTN) (uk_mb_gdt_base - uk_mb_trampoline)), &gdt, sizeof(gdt));
        static struct uk_mb_region regions[UK_MB_INFO_MMAP_MAX];
        unsigned n_regions = 0;
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
                if (!read_regions(map, map_size, desc_size, regions, &n_regions) ||
                    uk_multiboot_info(info, (uint32_t) info_addr, p->cmdline, ukiboot_id, mods, n_mods, regions,
                                      n_regions) != UK_OK) {
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
        (void) info, (void) n_mods;
        st = EFI_UNSUPPORTED;
#endif
fail:
        give_back(&t);
        return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}
