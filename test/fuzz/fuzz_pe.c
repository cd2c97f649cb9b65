/* ukiboot — fuzz the PE/COFF parser: any bytes as a file. On success the promises of uk_pe_parse are
 * checked (sections inside the file, no overlaps, usable size rule, headers only read), not just "no crash". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pe.h"
#include "util.h"

struct counting {
        const uint8_t *mem;
        uint64_t max_end;
};

static uk_err counting_read(void *ctx, uint64_t offset, void *buf, size_t len) {
        struct counting *c = ctx;
        memcpy(buf, c->mem + offset, len);      /* uk_source_read checked the range; ASan checks it again */
        if (offset + len > c->max_end)
                c->max_end = offset + len;
        return UK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct counting cnt = { .mem = data };
        struct uk_source src = { .read_at = counting_read, .ctx = &cnt, .size = size };
        static struct uk_pe pe;

        if (uk_pe_parse(&src, &pe) != UK_OK)
                return 0;

        if (pe.n_sections > UK_PE_MAX_SECTIONS || pe.headers_end > size || cnt.max_end > pe.headers_end)
                abort();
        if (pe.pe_offset < 0x40 || !uk_range_ok(pe.pe_offset, 24, size))
                abort();
        for (unsigned i = 0; i < pe.n_sections; i++) {
                const struct uk_pe_section *s = &pe.sections[i];
                if (s->name[8] != 0 || s->size > s->raw_size)
                        abort();
                if (s->virtual_size != 0 && s->size > s->virtual_size)
                        abort();
                if (s->size > 0 && !uk_range_ok(s->raw_offset, s->size, size))
                        abort();
                for (unsigned j = 0; j < i; j++) {
                        const struct uk_pe_section *t = &pe.sections[j];
                        if (s->size && t->size && s->raw_offset < t->raw_offset + t->size &&
                            t->raw_offset < s->raw_offset + s->size)
                                abort();
                }
                /* uk_pe_find returns the first section with an equal 8-byte name (NUL-padded names only). */
                size_t nl = strnlen(s->name, 8);
                bool padded = true;
                for (size_t b = nl; b < 8; b++)
                        if (s->name[b])
                                padded = false;
                if (padded) {
                        int f = uk_pe_find(&pe, s->name);
                        if (f < 0 || f > (int) i || !uk_pe_name_eq(&pe.sections[f], s->name))
                                abort();
                }
        }
        (void) uk_pe_machine_name(pe.machine);
        return 0;
}
