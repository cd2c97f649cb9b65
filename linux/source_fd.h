/* ukiboot — a UKI or file read through pread, slices of it, hashing it in fixed-size steps. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include "error.h"
#include "source.h"
#include "sha256.h"

struct fd_source {
        struct uk_source src;
        int fd;
        char *label;            /* path shown in messages */
};
/* Open path read-only and wrap it; on failure prints the reason and returns an exit code. */
int fd_source_open(const char *path, struct fd_source *ret);
/* Wrap an already open fd (ownership passes to the source). */
int fd_source_from_fd(int fd, const char *label, struct fd_source *ret);
void fd_source_close(struct fd_source *s);
/* A source reading [offset, offset+length) of parent; ret must outlive its use. */
struct slice_ctx {
        const struct uk_source *parent;
        uint64_t offset;
};
void source_slice(const struct uk_source *parent, uint64_t offset, uint64_t length,
                  struct slice_ctx *ctx, struct uk_source *ret);
/* Feed len bytes of src at offset into a running SHA-256 through one fixed buffer (never the whole range). */
uk_err source_sha256_update(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len);
/* Read a small range of a source into a fresh NUL-terminated buffer (free() it). */
uk_err source_read_alloc(const struct uk_source *src, uint64_t offset, uint64_t length, size_t max,
                         char **ret_buf);
