/* ukiboot — move the plan's kernel and initrd bytes into file descriptors (memfds for kexec, files for
 * `extract`), in kernel-to-kernel copies: the UKI never passes through this process's memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include "log.h"
#include "esp.h"
#include "target.h"
#include "fill.h"
#include "zboot.h"
#include "util.h"

#define COPY_CHUNK (16u * 1024 * 1024)

static int write_all(int fd, const void *buf, size_t len) {
        const uint8_t *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Last resort when neither copy_file_range nor sendfile work between these two files. */
static int copy_by_read(int in_fd, uint64_t off, uint64_t len, int out_fd) {
        static uint8_t buf[64 * 1024];
        while (len > 0) {
                size_t n = len < sizeof buf ? (size_t) len : sizeof buf;
                ssize_t k = pread(in_fd, buf, n, (off_t) off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;    /* file shrank under us */
                int r = write_all(out_fd, buf, (size_t) k);
                if (r < 0)
                        return r;
                off += (uint64_t) k;
                len -= (uint64_t) k;
        }
        return 0;
}

static bool is_fallback_errno(int e) {
        return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == EBADF;
}

int copy_range(int in_fd, uint64_t in_off, uint64_t len, int out_fd) {
        /* copy_file_range refuses some pairs (EXDEV from initramfs into a memfd on 6.1); sendfile into
         * a memfd works there. Either way the data moves inside the kernel. */
        bool use_sendfile = false;
        while (len > 0) {
                size_t chunk = len < COPY_CHUNK ? (size_t) len : COPY_CHUNK;
                ssize_t n;
                if (!use_sendfile) {
                        loff_t off = (loff_t) in_off;
                        n = copy_file_range(in_fd, &off, out_fd, NULL, chunk, 0);
                        if (n < 0 && is_fallback_errno(errno)) {
                                use_sendfile = true;
                                continue;
                        }
                } else {
                        off_t off = (off_t) in_off;
                        n = sendfile(out_fd, in_fd, &off, chunk);
                        if (n < 0 && is_fallback_errno(errno))
                                return copy_by_read(in_fd, in_off, len, out_fd);
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;    /* source ended early: the file changed since we planned */
                in_off += (uint64_t) n;
                len -= (uint64_t) n;
        }
        return 0;
}

int fill_kernel(struct target *t, int out_fd) {
        const struct uk_plan *p = t->plan;
        const struct uk_plan_piece *k = &p->kernel;
        const struct uk_kernel_info *ki = &p->kernel_info;
        int fd = t->file.fd;
        uint64_t out = 0;
        uk_err e;

        if (!uk_range_ok(k->offset, k->length, t->file.src.size))
                return log_uk(UK_E_SECTION_OUT_OF_BOUNDS, t->file.label);
        switch (ki->format) {
        case UK_KERNEL_ZBOOT:
                /* kexec_file_load on arm64 takes a plain Image: unpack the zboot payload ourselves. */
                if (!uk_range_ok(ki->zboot_payload_offset, ki->zboot_payload_size, k->length))
                        return log_uk(UK_E_BAD_COMPRESSION, t->file.label);
                if (strcmp(ki->zboot_comp, "gzip") == 0)
                        e = gunzip_fd(fd, k->offset + ki->zboot_payload_offset, ki->zboot_payload_size, out_fd,
                                      ZBOOT_MAX_OUTPUT, &out);
                else if (strcmp(ki->zboot_comp, "zstd") == 0 || strcmp(ki->zboot_comp, "zstd22") == 0)
                        e = unzstd_fd(fd, k->offset + ki->zboot_payload_offset, ki->zboot_payload_size, out_fd,
                                      ZBOOT_MAX_OUTPUT, &out);
                else
                        return log_fail(EXIT_INVALID, "%s: zboot kernel compressed with '%s', which ukiboot cannot unpack",
                                        t->file.label, ki->zboot_comp);
                if (e)
                        return log_uk(e, t->file.label);
                return EXIT_OK;
        case UK_KERNEL_GZIP:
                e = gunzip_fd(fd, k->offset, k->length, out_fd, ZBOOT_MAX_OUTPUT, &out);
                if (e)
                        return log_uk(e, t->file.label);
                return EXIT_OK;
        default: {
                int r = copy_range(fd, k->offset, k->length, out_fd);
                if (r < 0)
                        return log_fail(EXIT_FAILED, "%s: copying the kernel: %s", t->file.label, strerror(-r));
                return EXIT_OK;
        }
        }
}

struct fill {
        struct target *t;
        int out_fd;
        int exit_code;          /* the reason, printed, when a segment failed */
        uint64_t written;
};

/* One stretch the serializer (uk_plan_initrd_walk) names: plan bytes are written, file ranges copied
 * inside the kernel. */
static uk_err fill_segment(void *ctx, const struct uk_initrd_segment *seg) {
        struct fill *f = ctx;
        struct target *t = f->t;
        const struct uk_plan_piece *piece = seg->piece;
        int r;

        if (seg->bytes) {
                r = write_all(f->out_fd, seg->bytes, (size_t) seg->length);
                if (r < 0) {
                        f->exit_code = log_fail(EXIT_FAILED, "writing %s: %s", piece->label, strerror(-r));
                        return UK_E_IO;
                }
        } else if (piece->source == UK_PIECE_UKI) {
                if (!uk_range_ok(piece->offset, piece->length, t->file.src.size)) {
                        f->exit_code = log_uk(UK_E_SECTION_OUT_OF_BOUNDS, t->file.label);
                        return UK_E_SECTION_OUT_OF_BOUNDS;
                }
                r = copy_range(t->file.fd, piece->offset + seg->piece_offset, seg->length, f->out_fd);
                if (r < 0) {
                        f->exit_code = log_fail(EXIT_FAILED, "%s: copying %s: %s", t->file.label, piece->label,
                                                strerror(-r));
                        return UK_E_IO;
                }
        } else {
                const struct esp *part = t->have_esp ? esp_part(&t->esp, t->plan->xbootldr) : NULL;
                if (!part) {
                        f->exit_code = log_fail(EXIT_INVALID, "%s: file outside an ESP", piece->path);
                        return UK_E_INVALID_ARG;
                }
                int fd = esp_open_file(part, piece->path, O_RDONLY);
                if (fd < 0) {
                        f->exit_code = log_fail(exit_code_for_errno(-fd), "%s%s: %s", part->path, piece->path,
                                                strerror(-fd));
                        return uk_err_from_errno(-fd);
                }
                uint64_t base = piece->source == UK_PIECE_FILE ? piece->offset : 0;
                r = copy_range(fd, base + seg->piece_offset, seg->length, f->out_fd);
                close(fd);
                if (r < 0) {
                        f->exit_code = log_fail(EXIT_FAILED, "%s%s: %s", part->path, piece->path, strerror(-r));
                        return UK_E_IO;
                }
        }
        f->written += seg->length;
        return UK_OK;
}

int read_devicetree(struct target *t, uint8_t **ret, size_t *ret_len) {
        const struct uk_plan_devicetree *dt = &t->plan->devicetree;
        struct uk_source file, *src = &t->file.src;
        struct uk_fs_ops ops;
        uint64_t off = dt->source == UK_DT_UKI ? dt->offset : 0;
        const char *what = dt->source == UK_DT_UKI ? t->file.label : dt->path;

        *ret = NULL;
        *ret_len = 0;
        if (dt->source == UK_DT_NONE)
                return EXIT_OK;
        if (dt->length > 64u << 20 || dt->zero_fill > 64u << 20)
                return log_fail(EXIT_INVALID, "%s: the device tree is too large", what);
        if (dt->source == UK_DT_ADDON) {
                uint8_t *copy = dt->bytes ? calloc(1, (size_t) (dt->length + dt->zero_fill) + 1) : NULL;
                if (!copy)
                        return log_fail(EXIT_FAILED, "out of memory");
                memcpy(copy, dt->bytes, (size_t) dt->length);
                *ret = copy;
                *ret_len = (size_t) (dt->length + dt->zero_fill);
                return EXIT_OK;
        }
        if (dt->source == UK_DT_FILE) {
                struct esp *part = t->have_esp ? (struct esp *) esp_part(&t->esp, t->plan->xbootldr) : NULL;
                if (!part)
                        return log_fail(EXIT_INVALID, "%s: file outside an ESP", dt->path);
                esp_fs_ops(part, &ops);
                uk_err e = ops.open_source(ops.ctx, dt->path, &file);
                if (e)
                        return log_uk(e, dt->path);
                src = &file;
        }
        size_t len = (size_t) (dt->length + dt->zero_fill);
        uint8_t *buf = calloc(1, len ? len : 1);
        uk_err e = buf ? uk_source_read(src, off, buf, (size_t) dt->length) : UK_E_BUFFER_TOO_SMALL;
        if (src == &file)
                ops.close_source(ops.ctx, &file);
        if (e) {
                free(buf);
                return buf ? log_uk(e, what) : log_fail(EXIT_FAILED, "out of memory");
        }
        *ret = buf;
        *ret_len = len;
        return EXIT_OK;
}

int fill_initrd(struct target *t, int out_fd) {
        struct fill f = { .t = t, .out_fd = out_fd };
        uk_err e = uk_plan_initrd_walk(t->plan, 0, t->plan->initrd_total, fill_segment, &f);
        if (e)
                return f.exit_code ? f.exit_code : log_uk(e, "initrd");
        if (f.written != t->plan->initrd_total)
                return log_fail(EXIT_FAILED, "initrd size %llu differs from the plan's %llu",
                                (unsigned long long) f.written, (unsigned long long) t->plan->initrd_total);
        return EXIT_OK;
}

/* Bytes of a piece for the content hash, through the sources that already read them: the opened image for
 * the kernel and UKI pieces, the ESP's uk_fs_ops for files. */
static uk_err read_piece_at(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len);

uk_err target_read_initrd(struct target *t, uint64_t offset, void *buf, size_t len) {
        return uk_plan_initrd_read(t->plan, offset, buf, len, read_piece_at, t);
}

static uk_err read_piece_at(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        struct target *t = ctx;
        const struct uk_source *src = &t->file.src;
        struct uk_source file;
        struct uk_fs_ops ops;
        uint64_t base = piece->offset;
        uk_err r;

        if (piece != &t->plan->kernel && piece->source != UK_PIECE_UKI) {
                struct esp *part = t->have_esp ? (struct esp *) esp_part(&t->esp, t->plan->xbootldr) : NULL;
                if (!part)
                        return UK_E_NOT_FOUND;
                esp_fs_ops(part, &ops);
                if ((r = ops.open_source(ops.ctx, piece->path, &file)))
                        return r;
                src = &file;
                base = piece->source == UK_PIECE_FILE ? piece->offset : 0;
        }
        r = offset > UINT64_MAX - base ? UK_E_INVALID_ARG : uk_source_read(src, base + offset, buf, len);
        if (src == &file)
                ops.close_source(ops.ctx, &file);
        return r;
}

int target_hash_content(struct target *t) {
        const size_t scratch_len = 1u << 20;
        uint8_t *scratch = malloc(scratch_len);
        if (!scratch)
                return log_fail(EXIT_FAILED, "out of memory");
        uk_err e = uk_plan_hash_content(&t->boot->plan, read_piece_at, t, scratch, scratch_len);
        free(scratch);
        if (e)
                return log_uk(e, t->file.label);
        return EXIT_OK;
}
