/* ukiboot — UKI addons (see addon.h): which files, in which order, and which of them a UKI takes. */
#include "addon.h"
#include "cmdline.h"
#include "util.h"

#define UNAME_MAX 256u

bool uk_addon_wanted(const char *name, bool is_dir) {
        return uk_stub_file_wanted(name, is_dir, UK_ADDON_SUFFIX, NULL);
}

struct scan {
        struct uk_addons *x;
        const char *dir;
        unsigned first;         /* where this directory's addons start: each is sorted on its own */
        uk_err err;
};

static uk_err scan_one(void *ctx, const char *name, bool is_dir) {
        struct scan *s = ctx;
        if (!uk_addon_wanted(name, is_dir))
                return UK_OK;
        if (s->x->n >= UK_ADDONS_MAX)
                return s->err = UK_E_TOO_MANY;
        struct uk_addon_file *f = &s->x->files[s->x->n];
        size_t dl = uk_strlen(s->dir), nl = uk_strlen(name);
        if (dl >= sizeof(f->path) || nl >= sizeof(f->path) - dl - 1)
                return UK_OK;   /* cannot be named by an ESP path: the plan could not read it */
        uk_memcpy(f->name, name, nl + 1);
        uk_memcpy(f->path, s->dir, dl);
        f->path[dl] = '/';
        uk_memcpy(f->path + dl + 1, name, nl + 1);
        s->x->n++;
        return UK_OK;
}

static void scan_dir(const struct uk_fs_ops *fs, struct scan *s, const char *dir) {
        s->dir = dir;
        s->first = s->x->n;
        uk_err r = fs->list_dir(fs->ctx, dir, scan_one, s);
        if (r == UK_E_IO && s->err == UK_OK) {
                uk_strlcpy_checked(s->x->io_path, sizeof(s->x->io_path), dir);
                s->err = r;
        }
        /* Byte order (the stub's strcmp16 over ASCII names), insertion sort: at most UK_ADDONS_MAX. */
        for (unsigned i = s->first + 1; i < s->x->n; i++)
                for (unsigned j = i; j > s->first && uk_strcmp(s->x->files[j - 1].name, s->x->files[j].name) > 0; j--) {
                        struct uk_addon_file t = s->x->files[j];
                        s->x->files[j] = s->x->files[j - 1];
                        s->x->files[j - 1] = t;
                }
}

uk_err uk_addons_scan(const struct uk_fs_ops *fs, const char *uki_path, struct uk_addons *ret) {
        char dropin[UK_PATH_MAX];
        struct scan s = { .x = ret };

        if (!fs || !fs->list_dir || !uki_path || !ret)
                return UK_E_INVALID_ARG;
        ret->n = 0;
        ret->io_path[0] = 0;
        scan_dir(fs, &s, UK_ADDONS_GLOBAL_DIR);
        if (s.err == UK_OK && uk_extras_dropin_dir(uki_path, dropin, sizeof(dropin)))
                scan_dir(fs, &s, dropin);
        if (s.err)
                ret->n = 0;
        return s.err;
}

/* The first section of that name present in memory (VirtualSize > 0), over the whole table: the stub looks
 * no further and ignores profiles in an addon. -1 if none. */
static int find_present(const struct uk_pe *pe, const char *name) {
        for (unsigned i = 0; i < pe->n_sections && i < UK_PE_MAX_SECTIONS; i++)
                if (pe->sections[i].virtual_size > 0 && uk_pe_name_eq(&pe->sections[i], name))
                        return (int) i;
        return -1;
}

/* The span of the first present section of that name: file bytes (offset, length), VirtualSize (memory_size). */
static struct uk_span present_span(const struct uk_pe *pe, const char *name) {
        int i = find_present(pe, name);
        if (i < 0)
                return (struct uk_span) { 0, 0, 0 };
        return (struct uk_span) { pe->sections[i].raw_offset, pe->sections[i].size, pe->sections[i].virtual_size };
}

uk_err uk_addon_check(const struct uk_source *src, const struct uk_pe *pe, uint16_t machine, const char *uname,
                      size_t uname_len, struct uk_addon_parts *ret_parts, const char **ret_why) {
        static const char *const usable[] = { ".cmdline", ".dtb", ".dtbauto", ".initrd", ".ucode" };
        bool any = false;

        if (!src || !pe || !ret_parts || !ret_why)
                return UK_E_INVALID_ARG;
        if (machine != 0 && pe->machine != machine) {
                *ret_why = "built for another CPU";
                return UK_E_WRONG_ARCH;
        }
        for (size_t i = 0; i < UK_ELEMENTSOF(usable); i++)
                any = any || find_present(pe, usable[i]) >= 0;
        if (!any) {
                *ret_why = "no .cmdline, .dtb, .dtbauto, .initrd or .ucode section: not an addon";
                return UK_E_NOT_FOUND;
        }
        if (find_present(pe, ".linux") >= 0) {
                *ret_why = "it carries .linux: a UKI, not an addon";
                return UK_E_BAD_ENTRY;
        }
        /* .uname: compared only when both have one, over the addon's bytes, up to a NUL (the stub's
         * strncmp: an addon naming a prefix of the UKI's kernel release passes). */
        int u = find_present(pe, ".uname");
        if (u >= 0 && uname) {
                const struct uk_pe_section *s = &pe->sections[u];
                char au[UNAME_MAX] = { 0 };
                uint64_t n = s->virtual_size < UNAME_MAX ? s->virtual_size : UNAME_MAX;
                uint64_t have = s->size < n ? s->size : n;      /* beyond the file bytes: zeros */
                uk_err r = uk_source_read(src, s->raw_offset, au, (size_t) have);
                if (r)
                        return r;
                for (uint64_t i = 0; i < n; i++) {
                        char k = i < uname_len ? uname[i] : 0;
                        if (k != au[i]) {
                                *ret_why = "its .uname names another kernel";
                                return UK_E_BAD_KERNEL;
                        }
                        if (k == 0)
                                break;
                }
        }
        struct uk_span dt = present_span(pe, ".dtbauto");
        *ret_parts = (struct uk_addon_parts) {
                .devicetree = uk_span_present(&dt) ? dt : present_span(pe, ".dtb"),
                .cmdline = present_span(pe, ".cmdline"),
                .ucode = present_span(pe, ".ucode"),
                .initrd = present_span(pe, ".initrd"),
        };
        return UK_OK;
}

uk_err uk_addon_cmdline_append(char *acc, size_t cap, size_t *acc_len, const char *text, size_t len) {
        const char *t;
        size_t n;

        if (!acc || !acc_len || (!text && len > 0) || *acc_len >= cap)
                return UK_E_INVALID_ARG;
        uk_cmdline_trim(text, len, &t, &n);
        if (n == 0)
                return UK_OK;
        size_t at = *acc_len + (*acc_len > 0);
        if (n > cap - 1 || at > cap - 1 - n)
                return UK_E_CMDLINE_TOO_LONG;
        if (*acc_len > 0)
                acc[*acc_len] = ' ';
        uk_cmdline_copy(acc + at, t, n);
        *acc_len = at + n;
        acc[*acc_len] = 0;
        return UK_OK;
}
