/* ukiboot — uk_source over a file descriptor (pread), and slices of a source. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "source_fd.h"

static uk_err fd_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        struct fd_source *s = ctx;
        uint8_t *p = buf;
        while (len > 0) {
                ssize_t n = pread(s->fd, p, len, (off_t) offset);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)     /* a short file at this point means it changed under us */
                        return UK_E_IO;
                p += n;
                offset += (uint64_t) n;
                len -= (size_t) n;
        }
        return UK_OK;
}

int fd_source_from_fd(int fd, const char *label, struct fd_source *ret) {
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = log_fail(EXIT_FAILED, "%s: %s", label, strerror(errno));
                close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return log_fail(EXIT_INVALID, "%s: not a regular file", label);
        }
        *ret = (struct fd_source) {
                .fd = fd,
                .label = strdup(label),
        };
        if (!ret->label) {
                close(fd);
                return log_fail(EXIT_FAILED, "%s: out of memory", label);
        }
        ret->src.read_at = fd_read_at;
        ret->src.ctx = ret;     /* ret must not move while the source is in use */
        ret->src.size = (uint64_t) st.st_size;
        return EXIT_OK;
}

int fd_source_open(const char *path, struct fd_source *ret) {
        /* Non-blocking: a FIFO must not hang the open; fd_source_from_fd then keeps regular files only. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", path, strerror(errno));
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
                (void) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        return fd_source_from_fd(fd, path, ret);
}

void fd_source_close(struct fd_source *s) {
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
        free(s->label);
        s->label = NULL;
}

static uk_err slice_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        const struct slice_ctx *c = ctx;
        if (offset > UINT64_MAX - c->offset)
                return UK_E_TRUNCATED;
        return uk_source_read(c->parent, c->offset + offset, buf, len);
}

void source_slice(const struct uk_source *parent, uint64_t offset, uint64_t length,
                  struct slice_ctx *ctx, struct uk_source *ret) {
        ctx->parent = parent;
        ctx->offset = offset;
        ret->read_at = slice_read_at;
        ret->ctx = ctx;
        ret->size = length;
}

uk_err source_sha256_update(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len) {
        static uint8_t buf[64 * 1024];
        return uk_source_sha256(c, src, offset, len, buf, sizeof buf);
}

uk_err source_read_alloc(const struct uk_source *src, uint64_t offset, uint64_t length, size_t max,
                         char **ret_buf) {
        if (length > max)
                return UK_E_BUFFER_TOO_SMALL;
        char *buf = malloc((size_t) length + 1);
        if (!buf)
                return UK_E_BUFFER_TOO_SMALL;
        uk_err e = uk_source_read(src, offset, buf, (size_t) length);
        if (e) {
                free(buf);
                return e;
        }
        buf[length] = 0;
        *ret_buf = buf;
        return UK_OK;
}
