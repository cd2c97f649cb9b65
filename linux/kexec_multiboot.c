/* ukiboot — kexec into a Multiboot (v1) kernel, x86-64: kexec_file_load takes bzImage only, so the segments
 * go through kexec_load, laid out here as the EFI program lays them out (common/multiboot.c, common/
 * multiboot_info.c):
 *   - the kernel's pages at exactly their physical addresses (they must be free System RAM here);
 *   - each module in pages of its own below 4 GiB, its path as its string;
 *   - one block below 4 GiB: the information structure (the memory map is /sys/firmware/memmap, the map the
 *     firmware gave this kernel), then a page with the trampoline of common/multiboot_info.h, preceded by
 *     two instructions that load its entry and information addresses (kexec's relocate_kernel clears every
 *     register before it jumps, in long mode with an identity mapping).
 * kexec_load runs no purgatory of kexec-tools' here, so nothing re-checks the segments' digests before the
 * jump (kexec_file_load's purgatory does); a locked-down kernel refuses kexec_load altogether. */
#include <dirent.h>
#include <errno.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fill.h"
#include "kexec_multiboot.h"
#include "log.h"
#include "multiboot_info.h"
#include "ram_layout.h"
#include "util.h"

#define PAGE 4096ull
#define BELOW_4G 0x100000000ull
#define SEGMENTS_MAX 16                  /* KEXEC_SEGMENT_MAX */

#if defined(__x86_64__)
__asm__(UK_MB_TRAMPOLINE_ASM);
extern const uint8_t uk_mb_trampoline[], uk_mb_trampoline_end[], uk_mb_gdt[], uk_mb_gdt_base[];
#define PREFIX 10                        /* movl $entry, %edi; movl $info, %esi */

/* The firmware's memory map as this kernel got it: /sys/firmware/memmap/N/{start,end,type}. */
static unsigned read_memmap(struct uk_mb_region *map, unsigned cap) {
        static const struct { const char *name; uint32_t type; } types[] = {
                { "System RAM", UK_MB_RAM }, { "ACPI Tables", UK_MB_ACPI_RECLAIMABLE },
                { "ACPI Non-volatile Storage", UK_MB_ACPI_NVS }, { "Unusable memory", UK_MB_BAD },
        };
        unsigned n = 0;
        for (unsigned i = 0; n < cap; i++) {
                char path[64], text[64];
                unsigned long long start, end;
                snprintf(path, sizeof path, "/sys/firmware/memmap/%u/start", i);
                FILE *f = fopen(path, "re");
                if (!f)
                        break;
                bool ok = fscanf(f, "%llx", &start) == 1;
                fclose(f);
                snprintf(path, sizeof path, "/sys/firmware/memmap/%u/end", i);
                if (!ok || !(f = fopen(path, "re")))
                        break;
                ok = fscanf(f, "%llx", &end) == 1 && end >= start;
                fclose(f);
                snprintf(path, sizeof path, "/sys/firmware/memmap/%u/type", i);
                if (!ok || !(f = fopen(path, "re")))
                        break;
                ok = fgets(text, sizeof text, f) != NULL;
                fclose(f);
                if (!ok)
                        break;
                text[strcspn(text, "\n")] = 0;
                uint32_t type = UK_MB_RESERVED;
                for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
                        if (strcmp(text, types[k].name) == 0)
                                type = types[k].type;
                map[n++] = (struct uk_mb_region) { .base = start, .length = end - start + 1, .type = type };
        }
        /* In address order, as a map is read (the directory's numbering need not be). */
        for (unsigned i = 1; i < n; i++)
                for (unsigned k = i; k > 0 && map[k - 1].base > map[k].base; k--) {
                        struct uk_mb_region x = map[k];
                        map[k] = map[k - 1], map[k - 1] = x;
                }
        return n;
}

int kexec_load_multiboot(struct target *t, const char *what) {
        const struct uk_plan *p = t->plan;
        const struct uk_multiboot *mb = &p->multiboot;
        struct kexec_segment seg[SEGMENTS_MAX];
        void *bufs[SEGMENTS_MAX] = {};
        unsigned n = 0;
        struct layout *l = calloc(1, sizeof(*l));
        static struct uk_mb_region map[UK_MB_INFO_MMAP_MAX];
        struct uk_mb_module mods[UK_MB_INFO_MODULES_MAX];
        uint64_t lo[UK_MB_SEGMENTS_MAX], hi[UK_MB_SEGMENTS_MAX];
        uint8_t *kernel = NULL;
        int r;

        if (!l)
                return log_fail(EXIT_FAILED, "out of memory");
        if (p->n_initrd > UK_MB_INFO_MODULES_MAX) {
                r = log_fail(EXIT_INVALID, "%s: more than %u modules", what, UK_MB_INFO_MODULES_MAX);
                goto out;
        }
        if ((r = read_ram(l)))
                goto out;
        /* The image whole (the kernel file, or the UKI whose .linux it is): the segments' offsets count from its
         * start. */
        uint64_t image_size = t->file.src.size;
        kernel = malloc(image_size ? image_size : 1);
        if (!kernel || uk_source_read(&t->file.src, 0, kernel, image_size) != UK_OK) {
                r = log_fail(EXIT_FAILED, "%s: cannot read the kernel", what);
                goto out;
        }
        /* The kernel's pages, where it says. */
        unsigned m = uk_multiboot_pages(mb, lo, hi);
        for (unsigned i = 0; i < m; i++) {
                if (!ram_take(l, lo[i], hi[i])) {
                        r = log_fail(EXIT_FAILED, "%s: the kernel's memory %#llx-%#llx is not free System RAM on this "
                                     "machine", what, (unsigned long long) lo[i], (unsigned long long) hi[i]);
                        goto out;
                }
                uint8_t *b = calloc(1, hi[i] - lo[i]);
                if (!(bufs[n] = b)) {
                        r = log_fail(EXIT_FAILED, "out of memory");
                        goto out;
                }
                for (unsigned k = 0; k < mb->n_segments; k++) {
                        const struct uk_mb_segment *s = &mb->segments[k];
                        if (s->paddr >= lo[i] && s->paddr < hi[i] && uk_range_ok(s->file_offset, s->file_size, image_size))
                                memcpy(b + (s->paddr - lo[i]), kernel + s->file_offset, s->file_size);
                }
                seg[n++] = (struct kexec_segment) { b, hi[i] - lo[i], (void *) (uintptr_t) lo[i], hi[i] - lo[i] };
        }
        /* Each module in pages of its own below 4 GiB: one piece of the plan's initrd, as it would be served. */
        for (unsigned i = 0; i < p->n_initrd; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                uint64_t len = piece->length + piece->zero_fill;
                uint64_t size = align_up(len ? len : 1, PAGE);
                uint64_t at = place(l, size, PAGE, 0);
                uint8_t *b = malloc(size);
                if (!at || at + size > BELOW_4G || !(bufs[n] = b)) {
                        free(b);
                        r = log_fail(EXIT_FAILED, "%s: module %s: no room below 4 GiB for %llu bytes", what, piece->label,
                                     (unsigned long long) len);
                        goto out;
                }
                if (len && target_read_initrd(t, uk_plan_initrd_offset(p, i), b, (size_t) len) != UK_OK) {
                        r = log_fail(EXIT_FAILED, "%s: module %s cannot be read", what, piece->label);
                        goto out;
                }
                mods[i] = (struct uk_mb_module) { .start = (uint32_t) at, .end = (uint32_t) (at + len),
                                                  .string = piece->path[0] ? piece->path : piece->label };
                seg[n++] = (struct kexec_segment) { b, len, (void *) (uintptr_t) at, size };
        }
        /* The information block and, after it, the trampoline's page. */
        uint64_t info_at = place(l, UK_MB_INFO_SIZE + PAGE, PAGE, 0);
        uint8_t *b = calloc(1, UK_MB_INFO_SIZE + PAGE);
        if (!info_at || info_at + UK_MB_INFO_SIZE + PAGE > BELOW_4G || !(bufs[n] = b) || n >= SEGMENTS_MAX) {
                free(b);
                r = log_fail(EXIT_FAILED, "%s: no room below 4 GiB for the Multiboot information, or too many pieces "
                             "for one kexec_load", what);
                goto out;
        }
        unsigned n_map = read_memmap(map, UK_MB_INFO_MMAP_MAX);
        char loader[64];
        snprintf(loader, sizeof loader, "ukiboot %s (Linux, kexec_load)", UKIBOOT_VERSION);
        uk_err e = uk_multiboot_info(b, (uint32_t) info_at, p->cmdline, loader, mods, p->n_initrd, map, n_map);
        if (e) {
                r = log_uk(e, "the Multiboot information");
                goto out;
        }
        uint8_t *code = b + UK_MB_INFO_SIZE;
        uint64_t code_at = info_at + UK_MB_INFO_SIZE;
        size_t tlen = (size_t) (uk_mb_trampoline_end - uk_mb_trampoline);
        code[0] = 0xbf;                 /* movl $entry, %edi */
        memcpy(code + 1, &mb->entry, 4);
        code[5] = 0xbe;                 /* movl $info, %esi */
        uint32_t info32 = (uint32_t) info_at;
        memcpy(code + 6, &info32, 4);
        memcpy(code + PREFIX, uk_mb_trampoline, tlen);
        uint64_t gdt = code_at + PREFIX + (uint64_t) (uk_mb_gdt - uk_mb_trampoline);
        memcpy(code + PREFIX + (uk_mb_gdt_base - uk_mb_trampoline), &gdt, sizeof gdt);
        seg[n++] = (struct kexec_segment) { b, UK_MB_INFO_SIZE + PAGE, (void *) (uintptr_t) info_at, UK_MB_INFO_SIZE + PAGE };

        if (syscall(SYS_kexec_load, (unsigned long) code_at, (unsigned long) n, seg, (unsigned long) KEXEC_ARCH_DEFAULT) < 0) {
                int err = errno;
                r = log_fail(err == EPERM ? EXIT_DENIED : EXIT_FAILED, "%s: kexec_load: %s%s", what, strerror(err),
                             err == EPERM ? " (root, lockdown or kexec_load_disabled: a Multiboot kernel needs kexec_load)"
                                          : "");
                goto out;
        }
        fprintf(stderr, "ukiboot: kexec_load (Multiboot): %u pieces, entry %#x through the trampoline at %#llx, "
                "information at %#llx\n", n, mb->entry, (unsigned long long) code_at, (unsigned long long) info_at);
        r = EXIT_OK;
out:
        for (unsigned i = 0; i < SEGMENTS_MAX; i++)
                free(bufs[i]);
        free(kernel);
        free(l);
        return r;
}
#else
int kexec_load_multiboot(struct target *t, const char *what) {
        (void) t;
        return log_fail(EXIT_INVALID, "%s: a Multiboot kernel is started on x86-64 only", what);
}
#endif
