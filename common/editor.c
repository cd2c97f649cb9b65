/* ukiboot — the menu editor's line (see editor.h). */
#include "editor.h"
#include "cmdline.h"
#include "uki.h"
#include "util.h"

uk_err uk_editor_start(const struct uk_fs_ops *esp, const struct uk_entry *e, char *buf, size_t cap) {
        const struct uk_fs_ops *fs = uk_entry_fs(esp, e);
        struct uk_span secs[_UK_SEC_MAX];
        struct uk_source src;
        struct uk_uki uki;
        uk_err r = UK_OK;

        if (!e || !buf || cap == 0)
                return UK_E_INVALID_ARG;
        if (e->has_options) {
                if (uk_strlcpy_checked(buf, cap, e->options) != 0)
                        return UK_E_BUFFER_TOO_SMALL;
        } else {
                buf[0] = 0;
                if (e->kind != UK_ENTRY_KIND_UKI || !fs || !fs->open_source ||
                    fs->open_source(fs->ctx, e->uki_path, &src) != UK_OK)
                        return UK_OK;
                if (uk_uki_parse(&src, &uki) == UK_OK &&
                    uk_uki_resolve(&uki, e->has_profile ? e->profile : 0, secs) == UK_OK &&
                    uk_span_present(&secs[UK_SEC_CMDLINE])) {
                        const struct uk_span *c = &secs[UK_SEC_CMDLINE];
                        if (c->length > cap - 1)
                                r = UK_E_BUFFER_TOO_SMALL;
                        else if (uk_source_read(&src, c->offset, buf, (size_t) c->length) == UK_OK)
                                buf[c->length] = 0;
                }
                fs->close_source(fs->ctx, &src);
                if (r)
                        return r;
        }
        size_t len = uk_strlen(buf);
        len = uk_cmdline_normalize(buf, len);
        buf[len] = 0;
        return UK_OK;
}

static bool blank(char c) {
        return c == ' ' || c == '\t';
}

/* [*s, *e) without the blanks around it. */
static void trim(const char *str, const char **s, size_t *len) {
        size_t n = uk_strlen(str), b = 0;
        while (b < n && blank(str[b]))
                b++;
        while (n > b && blank(str[n - 1]))
                n--;
        *s = str + b;
        *len = n - b;
}

enum uk_edit uk_editor_result(const char *start, const char *edited, const char **ret_append) {
        const char *s, *e;
        size_t sl, el;
        trim(start ? start : "", &s, &sl);
        trim(edited ? edited : "", &e, &el);
        if (sl == el && uk_memcmp(s, e, sl) == 0)
                return UK_EDIT_UNCHANGED;
        /* The start, then at least one blank, then words: only added. */
        if (el > sl && uk_memcmp(s, e, sl) == 0 && (sl == 0 || blank(e[sl]))) {
                size_t k = sl;
                while (k < el && blank(e[k]))
                        k++;
                if (ret_append)
                        *ret_append = e + k;
                return UK_EDIT_APPEND;
        }
        return UK_EDIT_REPLACE;
}
