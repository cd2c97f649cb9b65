/* ukiboot — a byte source read through a callback, so no caller must hold a whole UKI in memory. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include "error.h"

/* Read exactly len bytes at offset into buf; return UK_OK or UK_E_IO (never a short read). */
typedef uk_err (*uk_read_at_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

struct uk_source {
        uk_read_at_fn read_at;
        void *ctx;
        uint64_t size;          /* total length in bytes */
};

/* Bounds-checked read through src: UK_E_TRUNCATED if [offset, offset+len) is outside the source. */
uk_err uk_source_read(const struct uk_source *src, uint64_t offset, void *buf, size_t len);

/* A source over a memory buffer (the EFI side, tests, fuzzers); mem must outlive the source. */
void uk_source_from_memory(struct uk_source *ret_src, const void *mem, uint64_t size);

/* The buffer behind a source made by uk_source_from_memory, else NULL (a twin that must hand the very bytes
 * it checked to its firmware). */
const void *uk_source_memory(const struct uk_source *src);

struct uk_sha256;
/* Feed len bytes of src at offset into a running SHA-256, through scratch[scratch_len] (the range is never
 * held whole). UK_E_TRUNCATED when the range is outside the source. */
uk_err uk_source_sha256(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len,
                        uint8_t *scratch, size_t scratch_len);
