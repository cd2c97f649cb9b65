/* ukiboot — streaming gzip/zstd decompression from a file range into a file descriptor, with a cap on
 * the output so a hostile "kernel" cannot fill memory (memfds live in RAM). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "zboot.h"

#define IN_CHUNK (64 * 1024)
#define OUT_CHUNK (256 * 1024)

static uk_err write_out(int fd, const uint8_t *buf, size_t len, uint64_t max_out, uint64_t *total) {
        if (len > max_out - *total)
                return UK_E_BAD_COMPRESSION;   /* expands beyond any plausible kernel */
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return UK_E_IO;
                buf += n;
                len -= (size_t) n;
                *total += (uint64_t) n;
        }
        return UK_OK;
}

/* Read the next chunk of [*off, end) into buf; 0 at the end. */
static ssize_t read_chunk(int fd, uint64_t *off, uint64_t end, uint8_t *buf, size_t cap) {
        size_t want = end - *off < cap ? (size_t) (end - *off) : cap;
        if (want == 0)
                return 0;
        for (;;) {
                ssize_t n = pread(fd, buf, want, (off_t) *off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0)
                        *off += (uint64_t) n;
                return n == 0 ? -1 : n;   /* EOF inside the range: the file is shorter than announced */
        }
}

uk_err gunzip_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out) {
        static uint8_t in[IN_CHUNK], out[OUT_CHUNK];
        if (in_off > UINT64_MAX - in_len)
                return UK_E_INVALID_ARG;
        uint64_t off = in_off, end = in_off + in_len, total = 0;
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)   /* 16+: expect a gzip header */
                return UK_E_BAD_COMPRESSION;
        uk_err e = UK_OK;
        int zr = Z_OK;
        while (zr != Z_STREAM_END) {
                if (z.avail_in == 0) {
                        ssize_t n = read_chunk(in_fd, &off, end, in, sizeof in);
                        if (n < 0) {
                                e = UK_E_IO;
                                break;
                        }
                        if (n == 0) {
                                e = UK_E_BAD_COMPRESSION;   /* input ended before the stream did */
                                break;
                        }
                        z.next_in = in;
                        z.avail_in = (uInt) n;
                }
                z.next_out = out;
                z.avail_out = sizeof out;
                zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        e = UK_E_BAD_COMPRESSION;
                        break;
                }
                if ((e = write_out(out_fd, out, sizeof out - z.avail_out, max_out, &total)))
                        break;
        }
        inflateEnd(&z);
        if (e)
                return e;
        *ret_out = total;
        return UK_OK;
}

uk_err unzstd_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out) {
        static uint8_t in[IN_CHUNK], out[OUT_CHUNK];
        if (in_off > UINT64_MAX - in_len)
                return UK_E_INVALID_ARG;
        ZSTD_DStream *z = ZSTD_createDStream();
        if (!z)
                return UK_E_IO;
        /* Bound the decoder's window: a frame asking for a larger one is refused, not allocated. */
        ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
        uint64_t off = in_off, end = in_off + in_len, total = 0;
        uk_err e = UK_OK;
        size_t last = 1;        /* 0 once a frame is complete */
        for (;;) {
                ssize_t n = read_chunk(in_fd, &off, end, in, sizeof in);
                if (n < 0) {
                        e = UK_E_IO;
                        break;
                }
                if (n == 0)
                        break;
                ZSTD_inBuffer ib = { in, (size_t) n, 0 };
                while (ib.pos < ib.size) {
                        ZSTD_outBuffer ob = { out, sizeof out, 0 };
                        last = ZSTD_decompressStream(z, &ob, &ib);
                        if (ZSTD_isError(last)) {
                                e = UK_E_BAD_COMPRESSION;
                                break;
                        }
                        if ((e = write_out(out_fd, out, ob.pos, max_out, &total)))
                                break;
                }
                if (e)
                        break;
        }
        /* Drain output still buffered in the decoder after the last input byte. */
        while (!e && last != 0) {
                ZSTD_inBuffer ib = { in, 0, 0 };
                ZSTD_outBuffer ob = { out, sizeof out, 0 };
                last = ZSTD_decompressStream(z, &ob, &ib);
                if (ZSTD_isError(last) || ob.pos == 0) {
                        e = UK_E_BAD_COMPRESSION;   /* truncated frame */
                        break;
                }
                e = write_out(out_fd, out, ob.pos, max_out, &total);
        }
        ZSTD_freeDStream(z);
        if (e)
                return e;
        *ret_out = total;
        return UK_OK;
}
