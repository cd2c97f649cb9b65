/* ukiboot — which files next to a UKI become initrd pieces, and in which order, as systemd-stub v258 does it.
 *
 * The stub lists <its own path>.extra.d/, /loader/credentials/ and /loader/extensions/ on the volume it was
 * loaded from, keeps
 * regular, non-hidden, ASCII files with the right suffix, sorts each set by name and packs each set into
 * its own cpio archive. Deciding the list here lets both twins append exactly the same files. */
#include "extras.h"
#include "util.h"

#define EXTRA_NAME_LEN_MAX 255u
#define CPIO_SIZE_MAX UINT32_MAX        /* a newc header holds 32-bit sizes */

#define CONFEXT_SUFFIX ".confext.raw"
static const struct uk_extra_layout layouts[_UK_EXTRA_KIND_MAX] = {
        [UK_EXTRA_CREDENTIAL] = { ".extra/credentials", NULL, ".cred", NULL, 0500, 0400, 12, "Credentials initrd" },
        [UK_EXTRA_GLOBAL_CREDENTIAL] = { ".extra/global_credentials", UK_EXTRAS_GLOBAL_DIR, ".cred", NULL, 0500, 0400,
                                         12, "Global credentials initrd" },
        [UK_EXTRA_SYSEXT] = { ".extra/sysext", NULL, ".raw", CONFEXT_SUFFIX, 0555, 0444, 13, "System extension initrd" },
        [UK_EXTRA_GLOBAL_SYSEXT] = { ".extra/global_sysext", UK_EXTRAS_EXTENSIONS_DIR, ".raw", CONFEXT_SUFFIX, 0555, 0444,
                                     13, "Global system extension initrd" },
        [UK_EXTRA_CONFEXT] = { ".extra/confext", NULL, CONFEXT_SUFFIX, NULL, 0555, 0444, 12,
                               "Configuration extension initrd" },
        [UK_EXTRA_GLOBAL_CONFEXT] = { ".extra/global_confext", UK_EXTRAS_EXTENSIONS_DIR, CONFEXT_SUFFIX, NULL, 0555, 0444,
                                      12, "Global configuration extension initrd" },
};

const struct uk_extra_layout *uk_extra_layout(enum uk_extra_kind kind) {
        if ((unsigned) kind >= _UK_EXTRA_KIND_MAX)
                return NULL;
        return &layouts[kind];
}

static bool ends_with_no_case(const char *s, size_t len, const char *suffix) {
        size_t sl = uk_strlen(suffix);
        if (sl > len)
                return false;
        for (size_t i = 0; i < sl; i++)
                if (uk_tolower((uint8_t) s[len - sl + i]) != uk_tolower((uint8_t) suffix[i]))
                        return false;
        return true;
}

bool uk_stub_file_wanted(const char *name, bool is_dir, const char *suffix, const char *exclude) {
        if (!name || !suffix || is_dir || name[0] == '.' || name[0] == 0)
                return false;
        size_t len = uk_strnlen(name, EXTRA_NAME_LEN_MAX + 1);
        if (len > EXTRA_NAME_LEN_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                /* '/' and '\\' cannot come from a directory listing; refusing them keeps the cpio path one level deep. */
                if ((uint8_t) name[i] >= 0x80 || name[i] == '/' || name[i] == '\\')
                        return false;
        return ends_with_no_case(name, len, suffix) && !(exclude && ends_with_no_case(name, len, exclude));
}

bool uk_extra_wanted(enum uk_extra_kind kind, const char *name, bool is_dir) {
        const struct uk_extra_layout *l = uk_extra_layout(kind);
        return l && uk_stub_file_wanted(name, is_dir, l->suffix, l->exclude);
}

uk_err uk_extras_offer(struct uk_extras *x, enum uk_extra_kind kind, const char *dir, const char *name,
                       bool is_dir, uint64_t size) {
        if (!x || !dir)
                return UK_E_INVALID_ARG;
        if (!uk_extra_wanted(kind, name, is_dir))
                return UK_OK;
        if (x->n >= UK_EXTRAS_MAX)
                return UK_E_TOO_MANY;
        struct uk_extra_file *f = &x->files[x->n];
        size_t dl = uk_strlen(dir), nl = uk_strlen(name);
        if (dl >= sizeof(f->path) || nl >= sizeof(f->path) - dl - 1)
                return UK_E_BUFFER_TOO_SMALL;
        f->kind = kind;
        uk_memcpy(f->name, name, nl + 1);
        uk_memcpy(f->path, dir, dl);
        f->path[dl] = '/';
        uk_memcpy(f->path + dl + 1, name, nl + 1);
        f->size = size;
        x->n++;
        return UK_OK;
}

static int compare(const struct uk_extra_file *a, const struct uk_extra_file *b) {
        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        return uk_strcmp(a->name, b->name);
}

void uk_extras_finish(struct uk_extras *x) {
        bool too_big[_UK_EXTRA_KIND_MAX] = { false };
        unsigned n = 0;

        if (!x)
                return;
        if (x->n > UK_EXTRAS_MAX)
                x->n = UK_EXTRAS_MAX;
        /* Insertion sort: at most UK_EXTRAS_MAX entries, and no allocation. uk_strcmp compares unsigned
         * bytes, which for ASCII names is the stub's UCS-2 code-unit order. */
        for (unsigned i = 1; i < x->n; i++)
                for (unsigned j = i; j > 0 && compare(&x->files[j - 1], &x->files[j]) > 0; j--) {
                        struct uk_extra_file t = x->files[j];
                        x->files[j] = x->files[j - 1];
                        x->files[j - 1] = t;
                }
        for (unsigned i = 0; i < x->n; i++)
                if (x->files[i].size > CPIO_SIZE_MAX)
                        too_big[x->files[i].kind] = true;
        for (unsigned i = 0; i < x->n; i++)
                if (!too_big[x->files[i].kind]) {
                        if (n != i)
                                x->files[n] = x->files[i];
                        n++;
                }
        x->n = n;
}

struct scan {
        const struct uk_fs_ops *fs;
        struct uk_extras *x;
        const char *dir;
        const char *from;       /* the layouts' `from` being listed: NULL for the drop-in directory */
        uk_err err;
};

static bool same_from(const char *a, const char *b) {
        return a == b || (a && b && uk_strcmp(a, b) == 0);
}

static uk_err scan_one(void *ctx, const char *name, bool is_dir) {
        struct scan *s = ctx;
        struct uk_source src;

        for (enum uk_extra_kind k = 0; k < _UK_EXTRA_KIND_MAX; k++) {
                if (!same_from(layouts[k].from, s->from))
                        continue;
                if (!uk_extra_wanted(k, name, is_dir))
                        continue;
                char path[UK_PATH_MAX];
                size_t dl = uk_strlen(s->dir), nl = uk_strlen(name);
                if (dl >= sizeof(path) || nl >= sizeof(path) - dl - 1)
                        continue;       /* cannot be opened by ESP path: the plan could not name it */
                uk_memcpy(path, s->dir, dl);
                path[dl] = '/';
                uk_memcpy(path + dl + 1, name, nl + 1);
                /* Gone since the listing, or not a regular file: skipped, as the stub skips it. An I/O error
                 * is not skipped: the boot would lack a file the ESP has. */
                uk_err r = s->fs->open_source(s->fs->ctx, path, &src);
                if (r == UK_E_IO) {
                        uk_strlcpy_checked(s->x->io_path, sizeof(s->x->io_path), path);
                        s->err = r;
                        return r;
                }
                if (r)
                        continue;
                uint64_t size = src.size;
                s->fs->close_source(s->fs->ctx, &src);
                r = uk_extras_offer(s->x, k, s->dir, name, false, size);
                if (r) {
                        s->err = r;
                        return r;
                }
        }
        return UK_OK;
}

/* List one directory into s; a listing that fails with an I/O error (not a missing directory) fails the scan. */
static void scan_dir(struct scan *s, const char *dir, const char *from) {
        s->dir = dir;
        s->from = from;
        uk_err r = s->fs->list_dir(s->fs->ctx, dir, scan_one, s);
        if (r == UK_E_IO && s->err == UK_OK) {
                uk_strlcpy_checked(s->x->io_path, sizeof(s->x->io_path), dir);
                s->err = r;
        }
}

bool uk_extras_dropin_dir(const char *uki_path, char *buf, size_t cap) {
        const char *base = uki_path;
        for (const char *p = uki_path; *p; p++)
                if (*p == '/')
                        base = p + 1;
        size_t dl = (size_t) (base - uki_path);
        char name[UK_PATH_MAX];
        uint32_t left, done;
        if (dl >= cap || uk_entry_parse_tries(base, name, sizeof(name), &left, &done) != UK_OK)
                return false;
        /* The id is lower-cased; keep the listed case: the name's head and its extension, the counter cut. */
        size_t nl = uk_strlen(name), bl = uk_strlen(base), el = 0;
        for (size_t i = bl; i > 0; i--)
                if (base[i - 1] == '.') {
                        el = bl - (i - 1);
                        break;
                }
        /* dl < cap and nl <= a path's length: the sum cannot wrap; the suffix's size counts its NUL. */
        if (nl == 0 || nl < el || nl > cap - dl || sizeof(UK_EXTRAS_DROPIN_SUFFIX) > cap - dl - nl)
                return false;
        uk_memcpy(buf, uki_path, dl);
        uk_memcpy(buf + dl, base, nl - el);
        uk_memcpy(buf + dl + nl - el, base + bl - el, el);
        uk_memcpy(buf + dl + nl, UK_EXTRAS_DROPIN_SUFFIX, sizeof(UK_EXTRAS_DROPIN_SUFFIX));
        return true;
}

uk_err uk_extras_scan(const struct uk_fs_ops *fs, const char *uki_path, struct uk_extras *ret) {
        char dropin[UK_PATH_MAX];
        struct scan s = { .fs = fs, .x = ret };

        if (!fs || !fs->list_dir || !fs->open_source || !fs->close_source || !uki_path || !ret)
                return UK_E_INVALID_ARG;
        ret->n = 0;
        ret->io_path[0] = 0;
        /* A missing directory (or a file where a directory would be) has nothing to offer, as in the stub;
         * so has a drop-in directory whose name would not fit an ESP path. One that fails to list is an
         * I/O error (scan_dir). */
        if (uk_extras_dropin_dir(uki_path, dropin, sizeof(dropin)))
                scan_dir(&s, dropin, NULL);
        static const char *const globals[] = { UK_EXTRAS_GLOBAL_DIR, UK_EXTRAS_EXTENSIONS_DIR };
        for (size_t i = 0; i < UK_ELEMENTSOF(globals) && s.err == UK_OK; i++)
                scan_dir(&s, globals[i], globals[i]);
        if (s.err) {
                ret->n = 0;
                return s.err;
        }
        uk_extras_finish(ret);
        return UK_OK;
}
