/* ukiboot — bounds-checked reads through a source callback. */
#include "source.h"
#include "sha256.h"
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

const void *uk_source_memory(const struct uk_source *src) {
        return src && src->read_at == memory_read_at ? src->ctx : NULL;
}

uk_err uk_source_sha256(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len,
                        uint8_t *scratch, size_t scratch_len) {
        if (!c || !src || !scratch || scratch_len == 0)
                return UK_E_INVALID_ARG;
        if (!uk_range_ok(offset, len, src->size))
                return UK_E_TRUNCATED;
        /* Bytes already in memory (the EFI twin's images) are hashed where they are, not copied first. */
        const uint8_t *mem = uk_source_memory(src);
        if (mem) {
                uk_sha256_update(c, mem + offset, (size_t) len);
                return UK_OK;
        }
        while (len > 0) {
                size_t n = len < scratch_len ? (size_t) len : scratch_len;
                uk_err r = uk_source_read(src, offset, scratch, n);
                if (r)
                        return r;
                uk_sha256_update(c, scratch, n);
                offset += n;
                len -= n;
        }
        return UK_OK;
}
