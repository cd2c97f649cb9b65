/* ukiboot — newc cpio writer for generated initrd pieces (e.g. /.extra/ files). */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include "error.h"

struct uk_cpio {
        uint8_t *buf;        /* caller's buffer */
        size_t cap;
        size_t len;
        uint32_t next_ino;
};

void uk_cpio_init(struct uk_cpio *c, void *buf, size_t cap, uint32_t first_ino);
/* Append a directory (mode 0755 | S_IFDIR). */
uk_err uk_cpio_add_dir(struct uk_cpio *c, const char *path, uint32_t mode);
/* Append a directory with an explicit link count (uk_cpio_add_dir writes 2; systemd-stub's archives 1). */
uk_err uk_cpio_add_dir_nlink(struct uk_cpio *c, const char *path, uint32_t mode, uint32_t nlink);
/* Append a regular file with data[len]. */
uk_err uk_cpio_add_file(struct uk_cpio *c, const char *path, uint32_t mode, const void *data, size_t len);
/* Append only the header (name and its padding included) of a regular file of data_len bytes: the caller
 * streams the data after it and pads it to 4, so large files need not pass through the buffer. */
uk_err uk_cpio_add_file_header(struct uk_cpio *c, const char *path, uint32_t mode, uint64_t data_len);
/* Append the TRAILER!!! record; the archive length (4-aligned) is c->len. */
uk_err uk_cpio_finish(struct uk_cpio *c);
/* Exact size the archive of these files (with their parent dirs as given) needs; for sizing buffers. */
size_t uk_cpio_entry_size(const char *path, size_t data_len);
