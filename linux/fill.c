/* ukiboot — move the plan's kernel and initrd bytes into file descriptors (memfds for kexec, files for
 * `extract`), in kernel-to-kernel copies: the UKI never passes through this process's memory. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include "ukiboot.h"
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

int fill_initrd(struct target *t, int out_fd) {
        static const uint8_t zeros[4] = { 0 };
        const struct uk_plan *p = t->plan;
        uint64_t total = 0;
        for (unsigned i = 0; i < p->n_initrd && i < UK_PLAN_MAX_PIECES; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                int r;
                switch (piece->source) {
                case UK_PIECE_UKI:
                        if (!uk_range_ok(piece->offset, piece->length, t->file.src.size))
                                return log_uk(UK_E_SECTION_OUT_OF_BOUNDS, t->file.label);
                        r = copy_range(t->file.fd, piece->offset, piece->length, out_fd);
                        if (r < 0)
                                return log_fail(EXIT_FAILED, "%s: copying %s: %s", t->file.label, piece->label,
                                                strerror(-r));
                        break;
                case UK_PIECE_FILE: {
                        if (!t->have_esp)
                                return log_fail(EXIT_INVALID, "%s: initrd file outside an ESP", piece->path);
                        int fd = esp_open_file(&t->esp, piece->path, O_RDONLY);
                        if (fd < 0)
                                return log_fail(EXIT_NOT_FOUND, "%s%s: %s", t->esp.path, piece->path, strerror(-fd));
                        r = copy_range(fd, piece->offset, piece->length, out_fd);
                        close(fd);
                        if (r < 0)
                                return log_fail(EXIT_FAILED, "%s%s: %s", t->esp.path, piece->path, strerror(-r));
                        break;
                }
                case UK_PIECE_CPIO_FILE: {
                        /* The generated header, then the file itself from its start. */
                        if (!t->have_esp)
                                return log_fail(EXIT_INVALID, "%s: file outside an ESP", piece->path);
                        if (piece->header_len > piece->length || p->gen_len > sizeof p->gen ||
                            !uk_range_ok(piece->offset, piece->header_len, p->gen_len))
                                return log_uk(UK_E_INVALID_ARG, piece->label);
                        r = write_all(out_fd, p->gen + piece->offset, piece->header_len);
                        if (r < 0)
                                return log_fail(EXIT_FAILED, "writing %s: %s", piece->label, strerror(-r));
                        int fd = esp_open_file(&t->esp, piece->path, O_RDONLY);
                        if (fd < 0)
                                return log_fail(EXIT_NOT_FOUND, "%s%s: %s", t->esp.path, piece->path, strerror(-fd));
                        r = copy_range(fd, 0, piece->length - piece->header_len, out_fd);
                        close(fd);
                        if (r < 0)
                                return log_fail(EXIT_FAILED, "%s%s: %s", t->esp.path, piece->path, strerror(-r));
                        break;
                }
                case UK_PIECE_GENERATED:
                        if (!uk_range_ok(piece->offset, piece->length, p->gen_len) || p->gen_len > sizeof p->gen)
                                return log_uk(UK_E_INVALID_ARG, piece->label);
                        r = write_all(out_fd, p->gen + piece->offset, (size_t) piece->length);
                        if (r < 0)
                                return log_fail(EXIT_FAILED, "writing %s: %s", piece->label, strerror(-r));
                        break;
                default:
                        return log_uk(UK_E_INVALID_ARG, piece->label);
                }
                if (piece->pad > sizeof zeros)
                        return log_uk(UK_E_INVALID_ARG, piece->label);
                r = write_all(out_fd, zeros, piece->pad);
                if (r < 0)
                        return log_fail(EXIT_FAILED, "writing padding: %s", strerror(-r));
                total += piece->length + piece->pad;
        }
        if (total != p->initrd_total)
                return log_fail(EXIT_FAILED, "initrd size %llu differs from the plan's %llu",
                                (unsigned long long) total, (unsigned long long) p->initrd_total);
        return EXIT_OK;
}
