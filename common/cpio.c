/* ukiboot — newc ("070701") cpio writer for generated initrd pieces.
 *
 * Archives are deterministic (mtime 0, uid/gid 0, inodes counted up from first_ino) so that the same
 * plan yields the same bytes on both twins and the plan digest stays stable. */
#include "cpio.h"
#include "util.h"

#define CPIO_HEADER_SIZE 110u           /* "070701" + 13 fields of 8 hex digits */
#define CPIO_S_IFDIR 0040000u
#define CPIO_S_IFREG 0100000u
#define CPIO_PERM_MASK 07777u
static const char trailer_name[] = "TRAILER!!!";

void uk_cpio_init(struct uk_cpio *c, void *buf, size_t cap, uint32_t first_ino) {
        c->buf = buf;
        c->cap = cap;
        c->len = 0;
        c->next_ino = first_ino;
}

/* Header plus NUL-terminated name, padded to 4; 0 if it cannot be represented. */
static size_t header_size(size_t name_len) {
        if (name_len > UINT32_MAX - 1 || name_len > SIZE_MAX - CPIO_HEADER_SIZE - 1 - 3)
                return 0;
        return (size_t) UK_ALIGN4(CPIO_HEADER_SIZE + name_len + 1);
}

size_t uk_cpio_entry_size(const char *path, size_t data_len) {
        size_t h = header_size(uk_strlen(path));
        if (h == 0 || data_len > UINT32_MAX)
                return 0;
        return h + (size_t) UK_ALIGN4((uint64_t) data_len);
}

static uint8_t *put_hex8(uint8_t *p, uint32_t v) {
        static const char hex[] = "0123456789abcdef";
        for (int i = 7; i >= 0; i--, v >>= 4)
                p[i] = (uint8_t) hex[v & 0xf];
        return p + 8;
}

/* Write one header (fields, name, NUL, pad to 4) at c->buf + c->len for data of data_len bytes, after checking
 * that it and `room_after` more bytes fit; nothing is written otherwise. Returns the header size in *ret_h. */
static uk_err put_header(struct uk_cpio *c, uint32_t ino, uint32_t mode, uint32_t nlink, const char *name,
                         size_t name_len, uint64_t data_len, size_t room_after, size_t *ret_h) {
        size_t h = header_size(name_len);
        if (h == 0 || data_len > UINT32_MAX)
                return UK_E_INVALID_ARG;
        if (c->len > c->cap || h > c->cap - c->len || room_after > c->cap - c->len - h)
                return UK_E_BUFFER_TOO_SMALL;

        uint8_t *p = c->buf + c->len;
        uk_memcpy(p, "070701", 6);
        p += 6;
        p = put_hex8(p, ino);
        p = put_hex8(p, mode);
        p = put_hex8(p, 0);                     /* uid */
        p = put_hex8(p, 0);                     /* gid */
        p = put_hex8(p, nlink);
        p = put_hex8(p, 0);                     /* mtime: fixed, so archives are reproducible */
        p = put_hex8(p, (uint32_t) data_len);
        p = put_hex8(p, 0);                     /* devmajor */
        p = put_hex8(p, 0);                     /* devminor */
        p = put_hex8(p, 0);                     /* rdevmajor */
        p = put_hex8(p, 0);                     /* rdevminor */
        p = put_hex8(p, (uint32_t) (name_len + 1));
        p = put_hex8(p, 0);                     /* check: unused in newc */
        uk_memcpy(p, name, name_len);
        /* NUL terminator and header padding are all zero bytes. */
        uk_memset(p + name_len, 0, h - CPIO_HEADER_SIZE - name_len);
        *ret_h = h;
        return UK_OK;
}

/* Write one record (header, name, pad, data, pad) after checking it fits; nothing is written otherwise. */
static uk_err put_record(struct uk_cpio *c, uint32_t ino, uint32_t mode, uint32_t nlink,
                         const char *name, size_t name_len, const void *data, size_t data_len) {
        if (data_len > UINT32_MAX)
                return UK_E_INVALID_ARG;
        size_t d = (size_t) UK_ALIGN4((uint64_t) data_len), h;
        uk_err r = put_header(c, ino, mode, nlink, name, name_len, data_len, d, &h);
        if (r)
                return r;
        uint8_t *p = c->buf + c->len + h;
        if (data_len > 0)
                uk_memcpy(p, data, data_len);
        uk_memset(p + data_len, 0, d - data_len);
        c->len += h + d;
        return UK_OK;
}

static uk_err check_path(const char *path, size_t *ret_len) {
        if (!path)
                return UK_E_INVALID_ARG;
        size_t l = uk_strlen(path);
        /* An empty name or the trailer's name would end or corrupt the archive for the reader. */
        if (l == 0 || uk_strcmp(path, trailer_name) == 0)
                return UK_E_INVALID_ARG;
        *ret_len = l;
        return UK_OK;
}

/* What every record needs before it is written: a usable archive, a valid name, an inode left. */
static uk_err begin_record(const struct uk_cpio *c, const char *path, size_t *ret_len) {
        if (!c || !c->buf)
                return UK_E_INVALID_ARG;
        uk_err r = check_path(path, ret_len);
        if (r)
                return r;
        return c->next_ino == UINT32_MAX ? UK_E_TOO_MANY : UK_OK;
}

uk_err uk_cpio_add_dir(struct uk_cpio *c, const char *path, uint32_t mode) {
        return uk_cpio_add_dir_nlink(c, path, mode, 2);
}

uk_err uk_cpio_add_dir_nlink(struct uk_cpio *c, const char *path, uint32_t mode, uint32_t nlink) {
        size_t l;
        uk_err r;

        r = begin_record(c, path, &l);
        if (r)
                return r;
        r = put_record(c, c->next_ino, CPIO_S_IFDIR | (mode & CPIO_PERM_MASK), nlink, path, l, NULL, 0);
        if (r)
                return r;
        c->next_ino++;
        return UK_OK;
}

uk_err uk_cpio_add_file(struct uk_cpio *c, const char *path, uint32_t mode, const void *data, size_t len) {
        size_t l;
        uk_err r;

        if (!data && len > 0)
                return UK_E_INVALID_ARG;
        r = begin_record(c, path, &l);
        if (r)
                return r;
        r = put_record(c, c->next_ino, CPIO_S_IFREG | (mode & CPIO_PERM_MASK), 1, path, l, data, len);
        if (r)
                return r;
        c->next_ino++;
        return UK_OK;
}

uk_err uk_cpio_add_file_header(struct uk_cpio *c, const char *path, uint32_t mode, uint64_t data_len) {
        size_t l, h;
        uk_err r;

        r = begin_record(c, path, &l);
        if (r)
                return r;
        r = put_header(c, c->next_ino, CPIO_S_IFREG | (mode & CPIO_PERM_MASK), 1, path, l, data_len, 0, &h);
        if (r)
                return r;
        c->len += h;
        c->next_ino++;
        return UK_OK;
}

uk_err uk_cpio_finish(struct uk_cpio *c) {
        if (!c || !c->buf)
                return UK_E_INVALID_ARG;
        /* Inode 0, mode 0, nlink 1: what GNU cpio and the kernel's own generator write. */
        size_t start = c->len;
        uk_err r = put_record(c, 0, 0, 1, trailer_name, sizeof(trailer_name) - 1, NULL, 0);
        /* systemd-stub writes its trailer as a literal whose name size reads "0000000B": byte for byte the
         * same archive is what makes its TPM measurement of the archive (PCR 12, 13) the same as ours. */
        if (r == UK_OK)
                c->buf[start + 6 + 11 * 8 + 7] = 'B';
        return r;
}
