/* ukiboot — find the boot entries on the ESP: Type #1 .conf files and Type #2 UKIs, like systemd-boot 252.
 *
 * Everything lives in the caller's table or on the stack (no allocation). Files are handled as the
 * directory listing reports them, so nothing has to remember file names. */
#include "entry.h"
#include "uki.h"
#include "util.h"

#define ENTRIES_DIR "/loader/entries"
#define UKI_DIR "/EFI/Linux"
#define CONF_FILE_MAX 8192      /* an entry file: options up to 4 KiB plus paths */
#define OSREL_MAX 4096

struct discover {
        const struct uk_fs_ops *fs;     /* the partition being read: the ESP, then its XBOOTLDR */
        bool xbootldr;
        struct uk_entry *entries;
        size_t cap, n, skipped, dropped, io_errors, hidden;
        char io_path[UK_PATH_MAX];
        char text[CONF_FILE_MAX];
        struct uk_uki uki;
        struct uk_entry spare;          /* an entry found once the table is full */
};

/* A file whose bytes could not be had is not a malformed one: counted apart, so no twin reports it as
 * malformed or quietly boots something else in its place (the caller decides what an I/O error stops). */
static void io_error(struct discover *d, const char *path) {
        if (d->io_errors++ == 0)
                uk_strlcpy_checked(d->io_path, sizeof(d->io_path), path);
}


/* Where the next entry is parsed: the next free slot, or the spare once the table is full. */
static struct uk_entry *slot(struct discover *d) {
        return d->n < d->cap ? &d->entries[d->n] : &d->spare;
}

/* The entry in slot(d) is complete: keep it. Once the table is full, the table keeps the first cap entries
 * in boot order, so what is dropped does not depend on the order the directories happen to list files in. */
static void keep(struct discover *d) {
        if (d->n < d->cap) {
                d->n++;
                return;
        }
        d->dropped++;
        if (d->cap == 0)
                return;
        size_t last = 0;
        for (size_t i = 1; i < d->n; i++)
                if (uk_entry_compare(&d->entries[i], &d->entries[last]) > 0)
                        last = i;
        if (uk_entry_compare(&d->spare, &d->entries[last]) < 0)
                uk_memcpy(&d->entries[last], &d->spare, sizeof(d->spare));
}

static bool ends_with_case(const char *s, const char *suffix) {
        size_t ls = uk_strlen(s), lx = uk_strlen(suffix);
        if (ls < lx)
                return false;
        for (size_t i = 0; i < lx; i++)
                if (uk_tolower(s[ls - lx + i]) != uk_tolower(suffix[i]))
                        return false;
        return true;
}

/* systemd-boot's filter for both directories: no dot files, no directories, the right suffix, and no
 * "auto-" names (reserved for entries the boot loader makes up itself). */
static bool wanted(const char *name, bool is_dir, const char *suffix) {
        return !is_dir && name[0] != '.' && ends_with_case(name, suffix) && uk_strncmp(name, "auto-", 5) != 0;
}

static bool join_path(char *buf, size_t cap, const char *dir, const char *name) {
        size_t ld = uk_strlen(dir), ln = uk_strlen(name);
        if (ld > cap - 1 || ln > cap - 1 - ld - 1)
                return false;
        uk_memcpy(buf, dir, ld);
        buf[ld] = '/';
        uk_memcpy(buf + ld + 1, name, ln + 1);
        return true;
}

/* systemd-boot offers a Type #1 entry only if its `linux`, `efi` or `uki` file opens, so a menu never lists
 * what was removed. Only absence hides it: a file that is there but cannot be read keeps its entry, which
 * is then refused with the read error if chosen (an I/O error is not absence). An entry that fetches has no
 * file to probe. */
static bool target_missing(struct discover *d, const struct uk_entry *e) {
        return !uk_entry_fetches(e) && uk_fs_probe(d->fs, uk_entry_target(e)) == UK_E_NOT_FOUND;
}

static uk_err on_conf(void *ctx, const char *name, bool is_dir) {
        struct discover *d = ctx;
        char path[UK_PATH_MAX];
        size_t len;
        uk_err r;

        if (!wanted(name, is_dir, ".conf"))
                return UK_OK;
        if (!join_path(path, sizeof(path), ENTRIES_DIR, name)) {
                d->skipped++;
                return UK_OK;
        }
        r = d->fs->read_file(d->fs->ctx, path, d->text, sizeof(d->text), &len);
        if (r == UK_E_IO) {
                io_error(d, path);
                return UK_OK;
        }
        if (r != UK_OK || len > sizeof(d->text) || uk_entry_parse_conf_into(d->text, len, name, path, slot(d)) != UK_OK) {
                d->skipped++;
                return UK_OK;
        }
        slot(d)->xbootldr = d->xbootldr;
        if (target_missing(d, slot(d))) {
                d->hidden++;
                return UK_OK;
        }
        keep(d);
        return UK_OK;
}

/* The os-release fields systemd-boot picks a Type #2 entry's title, version and sort key from. */
enum { OS_PRETTY_NAME, OS_IMAGE_ID, OS_NAME, OS_ID, OS_IMAGE_VERSION, OS_VERSION, OS_VERSION_ID, OS_BUILD_ID, _OS_MAX };
static const char *const os_keys[_OS_MAX] = {
        "PRETTY_NAME", "IMAGE_ID", "NAME", "ID", "IMAGE_VERSION", "VERSION", "VERSION_ID", "BUILD_ID",
};

/* Copy a display string, cutting it (never inside a UTF-8 sequence) rather than dropping the entry. */
static void set_cut(char *field, size_t cap, const char *val, size_t len) {
        if (len > cap - 1) {
                len = cap - 1;
                while (len > 0 && ((unsigned char) val[len] & 0xc0) == 0x80)
                        len--;
        }
        uk_memcpy(field, val, len);
        field[len] = 0;
}

/* Read the span into d->text as text; false if absent, unreadable or too large. */
/* A small section into d->text; false when absent, too large or unreadable (*ret_io: the bytes could not be
 * had, which is not the same as a UKI without them). */
static bool read_span(struct discover *d, const struct uk_source *src, const struct uk_span *sp, size_t *ret_len,
                      bool *ret_io) {
        if (sp->length == 0 || sp->length > OSREL_MAX)
                return false;
        uk_err r = uk_source_read(src, sp->offset, d->text, (size_t) sp->length);
        if (r) {
                if (r == UK_E_IO)
                        *ret_io = true;
                return false;
        }
        *ret_len = (size_t) sp->length;
        return true;
}

/* Title, version and sort key from .osrel, by bootspec's preference: PRETTY_NAME, IMAGE_ID, NAME, ID for
 * the title; IMAGE_VERSION, VERSION, VERSION_ID, BUILD_ID for the version; IMAGE_ID, ID as sort key.
 * Without any name the UKI is not offered (systemd-boot skips it too). */
static bool fill_from_osrel(const char *text, size_t len, struct uk_entry *e) {
        struct uk_kv_iter it = { .text = text, .len = len };
        struct uk_kv kv, found[_OS_MAX] = {};
        bool have[_OS_MAX] = {};
        int name = -1, version = -1, sort_key = -1;

        while (uk_kv_next(&it, "=", &kv))
                for (int k = 0; k < _OS_MAX; k++)
                        if (uk_kv_key_is(&kv, os_keys[k])) {
                                found[k] = kv;  /* the last assignment wins */
                                have[k] = true;
                        }

        static const int name_pref[] = { OS_PRETTY_NAME, OS_IMAGE_ID, OS_NAME, OS_ID };
        static const int version_pref[] = { OS_IMAGE_VERSION, OS_VERSION, OS_VERSION_ID, OS_BUILD_ID };
        static const int sort_pref[] = { OS_IMAGE_ID, OS_ID };
        for (int i = 3; i >= 0; i--) {
                if (have[name_pref[i]])
                        name = name_pref[i];
                if (have[version_pref[i]])
                        version = version_pref[i];
        }
        for (int i = 1; i >= 0; i--)
                if (have[sort_pref[i]])
                        sort_key = sort_pref[i];
        if (name < 0)
                return false;

        set_cut(e->title, sizeof(e->title), found[name].val, found[name].val_len);
        if (version >= 0)
                set_cut(e->version, sizeof(e->version), found[version].val, found[version].val_len);
        if (sort_key >= 0)
                set_cut(e->sort_key, sizeof(e->sort_key), found[sort_key].val, found[sort_key].val_len);
        return true;
}

/* Append " (what)" to the title: the profile's TITLE=, else its ID=, else "@N" (not for @0), like bootctl. */
static void append_profile_title(struct uk_entry *e, const char *text, size_t len, unsigned profile) {
        struct uk_kv_iter it = { .text = text, .len = len };
        struct uk_kv kv, title = {}, id = {};
        char whole[2 * sizeof(e->title)], num[12];
        size_t at;

        while (uk_kv_next(&it, "=", &kv)) {
                if (uk_kv_key_is(&kv, "TITLE"))
                        title = kv;
                else if (uk_kv_key_is(&kv, "ID"))
                        id = kv;
        }
        if (!title.val_len)
                title = id;
        if (!title.val_len && profile == 0)
                return;         /* profile @0 without ID= or TITLE= just shows the UKI's name */
        if (!title.val_len) {
                num[0] = '@';
                title.val = num;
                title.val_len = 1 + uk_fmt_u64(num + 1, sizeof(num) - 1, profile);
        }

        /* Build the whole string first so that set_cut shortens it at a character boundary. */
        at = uk_strlen(e->title);
        if (title.val_len > sizeof(whole) - at - 3)
                title.val_len = sizeof(whole) - at - 3;
        uk_memcpy(whole, e->title, at);
        whole[at] = ' ';
        whole[at + 1] = '(';
        uk_memcpy(whole + at + 2, title.val, title.val_len);
        whole[at + 2 + title.val_len] = ')';
        set_cut(e->title, sizeof(e->title), whole, at + 3 + title.val_len);
}

static const char *arch_name(uint16_t machine) {
        switch (machine) {
        case UK_PE_MACHINE_X64:     return "x64";
        case UK_PE_MACHINE_I386:    return "ia32";
        case UK_PE_MACHINE_ARM64:   return "aa64";
        case UK_PE_MACHINE_RISCV64: return "riscv64";
        case UK_PE_MACHINE_LOONG64: return "loongarch64";
        default:                    return "";
        }
}

/* One entry for profile p of the UKI in d->uki; false if this profile cannot be offered (malformed). A
 * section that could not be read is an I/O error, counted as such: true, nothing offered. */
static bool add_uki_profile(struct discover *d, const struct uk_source *src, const char *name, const char *path,
                            unsigned p, bool multi) {
        struct uk_span secs[_UK_SEC_MAX];
        struct uk_entry *e;
        size_t len, id_len;
        bool io = false;

        if (uk_uki_resolve(&d->uki, p, secs) != UK_OK)
                return false;
        if (!read_span(d, src, &secs[UK_SEC_OSREL], &len, &io)) {
                if (io)
                        io_error(d, path);
                return io;
        }

        e = slot(d);
        uk_memset(e, 0, sizeof(*e));
        e->type = UK_ENTRY_TYPE2;
        e->kind = UK_ENTRY_KIND_UKI;
        e->xbootldr = d->xbootldr;
        if (!fill_from_osrel(d->text, len, e))
                return false;
        if (uk_entry_parse_tries(name, e->id, sizeof(e->id), &e->tries_left, &e->tries_done) != UK_OK)
                return false;
        if (uk_strlcpy_checked(e->path, sizeof(e->path), path) || uk_strlcpy_checked(e->uki_path, sizeof(e->uki_path), path))
                return false;
        uk_strlcpy_checked(e->architecture, sizeof(e->architecture), arch_name(d->uki.pe.machine));

        if (multi) {
                /* "name.efi@N": the id systemd-boot gives each profile of a multi-profile UKI. */
                id_len = uk_strlen(e->id);
                if (id_len > sizeof(e->id) - 2)
                        return false;
                e->id[id_len] = '@';
                if (!uk_fmt_u64(e->id + id_len + 1, sizeof(e->id) - id_len - 1, p))
                        return false;
                e->has_profile = true;
                e->profile = p;
                if (!read_span(d, src, &secs[UK_SEC_PROFILE], &len, &io)) {
                        if (io) {
                                io_error(d, path);
                                return true;
                        }
                        len = 0;
                }
                append_profile_title(e, d->text, len, p);
        }
        keep(d);
        return true;
}

static uk_err on_uki(void *ctx, const char *name, bool is_dir) {
        struct discover *d = ctx;
        struct uk_source src;
        char path[UK_PATH_MAX];
        unsigned count;

        if (!wanted(name, is_dir, ".efi"))
                return UK_OK;
        if (!join_path(path, sizeof(path), UKI_DIR, name)) {
                d->skipped++;
                return UK_OK;
        }
        uk_err r = d->fs->open_source(d->fs->ctx, path, &src);
        if (r) {
                if (r == UK_E_IO)
                        io_error(d, path);
                else
                        d->skipped++;
                return UK_OK;
        }
        r = uk_uki_parse(&src, &d->uki);
        if (r) {
                if (r == UK_E_IO)
                        io_error(d, path);
                else
                        d->skipped++;
                d->fs->close_source(d->fs->ctx, &src);
                return UK_OK;
        }
        count = uk_uki_profile_count(&d->uki);
        for (unsigned p = 0; p < count; p++)
                if (!add_uki_profile(d, &src, name, path, p, d->uki.n_profiles > 0))
                        d->skipped++;
        d->fs->close_source(d->fs->ctx, &src);
        return UK_OK;
}

uk_err uk_entries_discover(const struct uk_fs_ops *fs, struct uk_entry *entries, size_t cap,
                           struct uk_discovery *ret) {
        struct discover d = { .fs = fs, .entries = entries, .cap = cap };
        uk_err r;

        if (!fs || !fs->list_dir || !fs->read_file || !fs->open_source || !fs->close_source || (!entries && cap > 0) ||
            !ret)
                return UK_E_INVALID_ARG;

        /* A missing directory just means no entries of that type. A directory that cannot be read costs
         * only its own entries (counted as skipped): a boot loader must still offer what it did find. Both
         * partitions are read the same way, the ESP first (as systemd-boot); one sort orders them together. */
        static const struct { const char *dir; uk_err (*cb)(void *, const char *, bool); } dirs[] = {
                { ENTRIES_DIR, on_conf },
                { UKI_DIR, on_uki },
        };
        const struct uk_fs_ops *parts[] = { fs, fs->xbootldr };
        uk_err first_error = UK_OK;
        for (size_t p = 0; p < UK_ELEMENTSOF(parts); p++) {
                if (!parts[p] || !parts[p]->list_dir || !parts[p]->read_file || !parts[p]->open_source ||
                    !parts[p]->close_source)
                        continue;
                d.fs = parts[p];
                d.xbootldr = p > 0;
                for (size_t i = 0; i < UK_ELEMENTSOF(dirs); i++) {
                        r = d.fs->list_dir(d.fs->ctx, dirs[i].dir, dirs[i].cb, &d);
                        if (r && r != UK_E_NOT_FOUND) {
                                if (!first_error)
                                        first_error = r;
                                if (r == UK_E_IO)
                                        io_error(&d, dirs[i].dir);
                                else
                                        d.skipped++;
                        }
                }
        }
        if (first_error && d.n == 0)
                return first_error;

        uk_entries_sort(entries, d.n);
        uk_entries_show_titles(entries, d.n);
        *ret = (struct uk_discovery) { .n = d.n, .skipped = d.skipped, .dropped = d.dropped, .io_errors = d.io_errors,
                                       .hidden = d.hidden };
        uk_memcpy(ret->io_path, d.io_path, sizeof(ret->io_path));
        return UK_OK;
}
