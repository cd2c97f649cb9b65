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
/* Append a regular file with data[len]. */
uk_err uk_cpio_add_file(struct uk_cpio *c, const char *path, uint32_t mode, const void *data, size_t len);
/* Append the TRAILER!!! record; the archive length (4-aligned) is c->len. */
uk_err uk_cpio_finish(struct uk_cpio *c);
/* Exact size the archive of these files (with their parent dirs as given) needs; for sizing buffers. */
size_t uk_cpio_entry_size(const char *path, size_t data_len);
