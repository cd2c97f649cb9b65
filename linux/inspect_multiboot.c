/* ukiboot inspect, for a Multiboot (v1) kernel: what common/multiboot.c makes of it, and which twin boots it. */
#include <stdio.h>
#include "log.h"
#include "multiboot.h"
#include "inspect_multiboot.h"

/* The header's requirements ukiboot knows, in words. */
static void put_flags(uint32_t flags, FILE *out) {
        static const struct { uint32_t bit; const char *what; } known[] = {
                { UK_MB_PAGE_ALIGN, "page-aligned modules" },
                { UK_MB_MEMORY_INFO, "memory information" },
                { UK_MB_ADDRESSES, "its own load addresses" },
        };
        bool first = true;
        fprintf(out, "0x%08x", flags);
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                if (flags & known[i].bit) {
                        fprintf(out, "%s%s", first ? ": " : ", ", known[i].what);
                        first = false;
                }
}

int inspect_multiboot(const struct fd_source *f, bool json, FILE *out) {
        struct uk_multiboot mb;
        const char *why = NULL;
        uk_err e = uk_multiboot_parse(&f->src, &mb, &why);
        if (e)
                return log_fail(exit_code_for_uk(e), "%s: not a bootable Multiboot kernel: %s", f->label,
                                why ? why : uk_strerror(e));
        if (json) {
                fprintf(out, "{\"format\": \"multiboot\", \"size\": %llu, \"header_offset\": %u, \"flags\": %u, "
                        "\"entry\": %u, \"segments\": [", (unsigned long long) f->src.size, mb.header_offset, mb.flags,
                        mb.entry);
                for (unsigned i = 0; i < mb.n_segments; i++)
                        fprintf(out, "%s{\"paddr\": %u, \"file_offset\": %llu, \"file_size\": %u, \"mem_size\": %u}",
                                i ? ", " : "", mb.segments[i].paddr, (unsigned long long) mb.segments[i].file_offset,
                                mb.segments[i].file_size, mb.segments[i].mem_size);
                fprintf(out, "]}\n");
                return EXIT_OK;
        }
        fprintf(out, "file:     %s (%llu bytes)\n", f->label, (unsigned long long) f->src.size);
        fprintf(out, "format:   Multiboot v1 kernel, header at 0x%x, flags ", mb.header_offset);
        put_flags(mb.flags, out);
        fprintf(out, "\nentry:    0x%08x (32-bit protected mode, EAX 0x%08x, EBX the information structure)\n", mb.entry,
                UK_MB_BOOT_MAGIC);
        for (unsigned i = 0; i < mb.n_segments; i++) {
                const struct uk_mb_segment *s = &mb.segments[i];
                fprintf(out, "segment:  0x%08x-0x%08llx  %u bytes from file offset 0x%llx, then %u zero bytes\n", s->paddr,
                        (unsigned long long) s->paddr + s->mem_size, s->file_size, (unsigned long long) s->file_offset,
                        s->mem_size - s->file_size);
        }
        fprintf(out, "boots on: x86-64, Secure Boot off: the EFI program from a `multiboot` entry, the Linux twin "
                     "through kexec_load (not under lockdown)\n");
        return EXIT_OK;
}
