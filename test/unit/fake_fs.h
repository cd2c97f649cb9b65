/* ukiboot — unit-test helper: an ESP in memory, as the uk_fs_ops the shared core reads. Listing a directory
 * reports the files directly under it; a directory can be made to fail; open sources are counted so tests
 * can check that every one is closed again. */
#pragma once
#include <stdbool.h>
#include <string.h>
#include "entry.h"

struct fake_file {
        const char *path;
        const void *data;
        size_t len;
        bool is_dir;
};

struct fake_fs {
        const struct fake_file *files;
        size_t n;
        int open_sources;
        const char *fail_dir;   /* listing this directory fails with UK_E_IO ("*": every one) */
        const char *fail_open;  /* opening this file fails with UK_E_IO */
        const char *gone;       /* this file was removed (after discovery saw it): not found */
};

static inline uk_err fake_list_dir(void *ctx, const char *dir, uk_err (*cb)(void *, const char *, bool), void *cb_ctx) {
        struct fake_fs *fs = ctx;
        size_t dl = strlen(dir);
        bool found = false;

        if (fs->fail_dir && (strcmp(fs->fail_dir, "*") == 0 || strcmp(fs->fail_dir, dir) == 0))
                return UK_E_IO;
        for (size_t i = 0; i < fs->n; i++) {
                const char *p = fs->files[i].path;
                if (strncmp(p, dir, dl) != 0 || p[dl] != '/')
                        continue;
                found = true;
                if (strchr(p + dl + 1, '/'))
                        continue;
                uk_err r = cb(cb_ctx, p + dl + 1, fs->files[i].is_dir);
                if (r)
                        return r;
        }
        return found ? UK_OK : UK_E_NOT_FOUND;
}

static inline uk_err fake_read_file(void *ctx, const char *path, char *buf, size_t cap, size_t *ret_len) {
        struct fake_fs *fs = ctx;
        for (size_t i = 0; i < fs->n; i++)
                if (strcmp(fs->files[i].path, path) == 0 && !fs->files[i].is_dir) {
                        if (fs->files[i].len > cap)
                                return UK_E_BUFFER_TOO_SMALL;
                        memcpy(buf, fs->files[i].data, fs->files[i].len);
                        *ret_len = fs->files[i].len;
                        return UK_OK;
                }
        return UK_E_NOT_FOUND;
}

static inline uk_err fake_open_source(void *ctx, const char *path, struct uk_source *ret_src) {
        struct fake_fs *fs = ctx;
        if (fs->fail_open && strcmp(fs->fail_open, path) == 0)
                return UK_E_IO;
        if (fs->gone && strcmp(fs->gone, path) == 0)
                return UK_E_NOT_FOUND;
        for (size_t i = 0; i < fs->n; i++)
                if (strcmp(fs->files[i].path, path) == 0 && !fs->files[i].is_dir) {
                        uk_source_from_memory(ret_src, fs->files[i].data, fs->files[i].len);
                        fs->open_sources++;
                        return UK_OK;
                }
        return UK_E_NOT_FOUND;
}

static inline void fake_close_source(void *ctx, struct uk_source *src) {
        struct fake_fs *fs = ctx;
        (void) src;
        fs->open_sources--;
}

/* The uk_fs_ops over fs. */
static inline struct uk_fs_ops fake_fs_ops(struct fake_fs *fs) {
        return (struct uk_fs_ops) {
                .ctx = fs, .list_dir = fake_list_dir, .read_file = fake_read_file,
                .open_source = fake_open_source, .close_source = fake_close_source,
        };
}
