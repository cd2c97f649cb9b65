/* ukiboot — unit-test helper: the I/O hooks a twin gives the pipeline, over a fake ESP. Images are the fake
 * files themselves; opens are counted (so tests can check every image is closed again); the Secure Boot
 * verdict is whatever the test sets. */
#pragma once
#include <stdlib.h>
#include "fake_fs.h"
#include "pipeline.h"

#define FAKE_HELD_MAX 64

struct fake_twin {
        struct fake_fs *fs;
        struct fake_fs *xbootldr;       /* UK_IMAGE_XBOOTLDR images come from here (NULL: none) */
        struct fake_fs *net;            /* UK_IMAGE_URL: files named by their whole URL (NULL: no network) */
        struct fake_fs *host;           /* UK_IMAGE_FILE: the running system's files (NULL: none) */
        int open_images;
        int open_calls;                 /* how often open_image was asked */
        uk_err verdict;                 /* what verify_image answers */
        int verified;                   /* how often it was asked */
        void *held[FAKE_HELD_MAX];      /* memory handed out for addons, until release_held */
        int n_held;
        int hold_calls;                 /* how often hold was asked */
        int hold_fail_at;               /* the hold call (1-based) that finds no memory; 0: none */
};

static inline void *fake_hold(void *ctx, size_t size) {
        struct fake_twin *t = ctx;
        if (++t->hold_calls == t->hold_fail_at || t->n_held >= FAKE_HELD_MAX)
                return NULL;
        void *p = malloc(size);
        if (p)
                t->held[t->n_held++] = p;
        return p;
}

static inline void fake_release_held(void *ctx) {
        struct fake_twin *t = ctx;
        while (t->n_held > 0)
                free(t->held[--t->n_held]);
}

static inline uk_err fake_open_image(void *ctx, enum uk_image_where where, const char *name, struct uk_source *ret) {
        struct fake_twin *t = ctx;
        t->open_calls++;
        struct fake_fs *fs = where == UK_IMAGE_ESP ? t->fs : where == UK_IMAGE_XBOOTLDR ? t->xbootldr
                           : where == UK_IMAGE_URL ? t->net : t->host;
        if (!fs)
                return UK_E_NOT_FOUND;
        uk_err r = fake_open_source(fs, name, ret);
        if (r == UK_OK) {
                fs->open_sources--;             /* counted as an image instead */
                t->open_images++;
        }
        return r;
}

static inline void fake_close_image(void *ctx, struct uk_source *src) {
        struct fake_twin *t = ctx;
        t->open_images--;
        src->ctx = NULL;
}

static inline uk_err fake_verify_image(void *ctx, enum uk_image_where where, const char *name,
                                       const struct uk_source *src, char *why, size_t why_cap) {
        struct fake_twin *t = ctx;
        (void) where, (void) name, (void) src, (void) why, (void) why_cap;
        t->verified++;
        return t->verdict;
}

/* The uk_boot_io of twin t over the ESP ops. */
static inline struct uk_boot_io fake_twin_io(struct fake_twin *t, const struct uk_fs_ops *ops) {
        return (struct uk_boot_io) {
                .ctx = t, .fs = ops, .open_image = fake_open_image, .close_image = fake_close_image,
                .verify_image = fake_verify_image, .hold = fake_hold, .release_held = fake_release_held,
        };
}
