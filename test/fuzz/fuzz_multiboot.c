/* ukiboot — fuzz Multiboot kernels: any bytes as a kernel. A layout that is accepted must be one a loader can
 * carry out blindly: segments inside the file, inside [1 MiB, 4 GiB), apart from each other, the entry in one
 * of them; a refusal always says why. */
#include <stdint.h>
#include <stdlib.h>
#include "multiboot.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_source src;
        struct uk_multiboot mb;
        const char *why = NULL;

        uk_source_from_memory(&src, data, size);
        uk_err r = uk_multiboot_parse(&src, &mb, &why);
        if (r) {
                if (!why || !why[0])
                        abort();
                if (r == UK_E_BAD_KERNEL && uk_multiboot_detect(&src) && why[0] == 'n' && why[1] == 'o' && why[2] == ' ')
                        abort();        /* "no Multiboot header" for an image that has one */
                return 0;
        }
        if (!uk_multiboot_detect(&src) || mb.n_segments == 0 || mb.n_segments > UK_MB_SEGMENTS_MAX ||
            mb.header_offset + 12 > UK_MB_SEARCH || (mb.flags & (UK_MB_VIDEO_MODE | 0xfff8u)))
                abort();
        bool entry_in = false;
        for (unsigned i = 0; i < mb.n_segments; i++) {
                const struct uk_mb_segment *s = &mb.segments[i];
                uint64_t end = (uint64_t) s->paddr + s->mem_size;
                if (!uk_range_ok(s->file_offset, s->file_size, size) || s->file_size > s->mem_size ||
                    s->paddr < UK_MB_LOAD_MIN || end > 0x100000000ull || s->paddr < mb.low || end > mb.high)
                        abort();
                for (unsigned k = 0; k < i; k++)
                        if (s->paddr < (uint64_t) mb.segments[k].paddr + mb.segments[k].mem_size &&
                            mb.segments[k].paddr < end)
                                abort();
                entry_in |= mb.entry >= s->paddr && mb.entry < end;
        }
        if (!entry_in)
                abort();
        return 0;
}
