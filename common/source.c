/* ukiboot — bounds-checked reads through a source callback. */
#include "source.h"
#include "util.h"

uk_err uk_source_read(const struct uk_source *src, uint64_t offset, void *buf, size_t len) {
        if (!src || !src->read_at || (!buf && len > 0))
                return UK_E_INVALID_ARG;
        if (!uk_range_ok(offset, len, src->size))
                return UK_E_TRUNCATED;
        if (len == 0)
                return UK_OK;
        return src->read_at(src->ctx, offset, buf, len);
}

static uk_err memory_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        uk_memcpy(buf, (const uint8_t *) ctx + offset, len);
        return UK_OK;
}

void uk_source_from_memory(struct uk_source *ret_src, const void *mem, uint64_t size) {
        ret_src->read_at = memory_read_at;
        ret_src->ctx = (void *) mem;
        ret_src->size = size;
}
