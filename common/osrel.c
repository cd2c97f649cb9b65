/* ukiboot — os-release (and .profile) KEY=VALUE parsing.
 *
 * Syntax (os-release(5)): one assignment per line, shell-compatible. We accept:
 *   - blank lines and lines whose first non-blank character is '#' (skipped);
 *   - KEY=VALUE where KEY matches [A-Za-z_][A-Za-z0-9_]* (whitespace around KEY and VALUE ignored);
 *   - VALUE as unquoted text, "double quoted" (backslash escapes $ ` " \ only, as in a shell),
 *     'single quoted' (no escapes), or a concatenation of those; an unquoted backslash escapes the next
 *     character. Unquoted inner whitespace is kept (systemd's env-file reader does the same) rather than
 *     ending the value as a shell would: the man page forbids it, and keeping it loses nothing;
 *   - LF or CR LF line ends; the text ends at len or at the first NUL (sections are often NUL-padded).
 * Lines without '=' or with an invalid key are skipped. A line whose value has an unterminated quote or
 * ends in a lone backslash is malformed: skipped by foreach, UK_E_SYNTAX from get when it holds the key.
 * When a key is assigned twice, the last assignment wins, as when a shell sources the file. */
#include "osrel.h"
#include "util.h"

struct line {
        const char *key;
        size_t key_len;
        const char *val;       /* raw (still quoted) value, leading blanks skipped */
        size_t val_len;
};

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool key_char(char c, bool first) {
        return uk_isalpha(c) || c == '_' || (!first && uk_isdigit(c));
}

/* Split one line into key and raw value; false for blank, comment, no '=' or invalid key. */
static bool split_line(const char *p, size_t n, struct line *ret) {
        size_t i = 0, k, eq;

        while (i < n && is_blank(p[i]))
                i++;
        if (i == n || p[i] == '#')
                return false;
        for (eq = i; eq < n && p[eq] != '='; eq++)
                ;
        if (eq == n)
                return false;
        k = eq;
        while (k > i && is_blank(p[k - 1]))
                k--;
        if (k == i)
                return false;
        for (size_t j = i; j < k; j++)
                if (!key_char(p[j], j == i))
                        return false;

        ret->key = p + i;
        ret->key_len = k - i;
        i = eq + 1;
        while (i < n && is_blank(p[i]))
                i++;
        ret->val = p + i;
        ret->val_len = n - i;
        return true;
}

/* Unquote a raw value. With out == NULL only measure: *ret_len gets the unquoted length (without NUL).
 * With out, write exactly that many bytes plus a NUL (the caller checked the size with a measuring pass). */
static uk_err unquote(const char *v, size_t n, char *out, size_t *ret_len) {
        size_t o = 0, i = 0, blank_start = 0, blanks = 0;
        char quote = 0;

        while (i < n) {
                char c = v[i++];
                bool emit = true;

                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0, emit = false;
                } else if (quote == '"') {
                        if (c == '"')
                                quote = 0, emit = false;
                        else if (c == '\\' && i < n && (v[i] == '$' || v[i] == '`' || v[i] == '"' || v[i] == '\\'))
                                c = v[i++];
                } else if (is_blank(c)) {
                        /* Unquoted blanks count only if something follows: trailing ones (and the CR of a
                         * CR LF line end) are dropped. */
                        if (blanks == 0)
                                blank_start = i - 1;
                        blanks++;
                        continue;
                } else if (c == '\'' || c == '"') {
                        quote = c, emit = false;
                } else if (c == '\\') {
                        if (i == n)
                                return UK_E_SYNTAX;     /* line continuation: unsupported */
                        c = v[i++];
                }

                if (blanks > 0) {
                        if (out)
                                uk_memcpy(out + o, v + blank_start, blanks);
                        o += blanks;
                        blanks = 0;
                }
                if (!emit)
                        continue;
                if (out)
                        out[o] = c;
                o++;
        }
        if (quote)
                return UK_E_SYNTAX;
        if (out)
                out[o] = 0;
        if (ret_len)
                *ret_len = o;
        return UK_OK;
}

/* The text ends at the first NUL: sections are NUL-terminated or NUL-padded. */
static size_t text_len(const char *buf, size_t len) {
        return buf ? uk_strnlen(buf, len) : 0;
}

/* Advance over one line of buf[*pos..len): returns its start and length (without the LF). */
static const char *next_line(const char *buf, size_t len, size_t *pos, size_t *ret_n) {
        size_t s = *pos, e = s;

        while (e < len && buf[e] != '\n')
                e++;
        *ret_n = e - s;
        *pos = e < len ? e + 1 : e;
        return buf + s;
}

/* Raw value of the last assignment of key; UK_E_NOT_FOUND if there is none. */
static uk_err find_raw(const char *buf, size_t len, const char *key, struct line *ret) {
        size_t key_len = uk_strlen(key), pos = 0;
        bool found = false;

        len = text_len(buf, len);
        while (pos < len) {
                struct line l;
                size_t n;
                const char *p = next_line(buf, len, &pos, &n);

                if (!split_line(p, n, &l))
                        continue;
                if (l.key_len == key_len && uk_memcmp(l.key, key, key_len) == 0) {
                        *ret = l;
                        found = true;
                }
        }
        return found ? UK_OK : UK_E_NOT_FOUND;
}

uk_err uk_osrel_get(const char *buf, size_t len, const char *key, char *ret_val, size_t cap) {
        struct line l;
        size_t n;
        uk_err r;

        if ((!buf && len > 0) || !key || !ret_val)
                return UK_E_INVALID_ARG;
        r = find_raw(buf, len, key, &l);
        if (r)
                return r;
        r = unquote(l.val, l.val_len, NULL, &n);
        if (r)
                return r;
        if (n >= cap)
                return UK_E_BUFFER_TOO_SMALL;
        return unquote(l.val, l.val_len, ret_val, NULL);
}

uk_err uk_osrel_foreach(const char *buf, size_t len, char *scratch, size_t scratch_cap, uk_osrel_cb cb, void *ctx) {
        size_t pos = 0;
        uk_err r;

        if ((!buf && len > 0) || !scratch || !cb)
                return UK_E_INVALID_ARG;

        len = text_len(buf, len);
        while (pos < len) {
                struct line l;
                size_t n, vn;
                const char *p = next_line(buf, len, &pos, &n);

                if (!split_line(p, n, &l))
                        continue;
                if (unquote(l.val, l.val_len, NULL, &vn) != UK_OK)
                        continue;       /* malformed line: skipped, like an invalid key */
                if (vn >= scratch_cap)
                        return UK_E_BUFFER_TOO_SMALL;
                (void) unquote(l.val, l.val_len, scratch, NULL);
                r = cb(ctx, l.key, l.key_len, scratch);
                if (r)
                        return r;
        }
        return UK_OK;
}

/* A usable title part: present, well formed and not empty. */
static bool title_part(const char *buf, size_t len, const char *key, struct line *ret, size_t *ret_n) {
        return find_raw(buf, len, key, ret) == UK_OK &&
               unquote(ret->val, ret->val_len, NULL, ret_n) == UK_OK &&
               *ret_n > 0;
}

uk_err uk_osrel_title(const char *buf, size_t len, char *ret_title, size_t cap) {
        struct line a, b;
        size_t na, nb;

        if ((!buf && len > 0) || !ret_title)
                return UK_E_INVALID_ARG;

        if (title_part(buf, len, "PRETTY_NAME", &a, &na)) {
                if (na >= cap)
                        return UK_E_BUFFER_TOO_SMALL;
                return unquote(a.val, a.val_len, ret_title, NULL);
        }

        if (title_part(buf, len, "NAME", &a, &na)) {
                if (!title_part(buf, len, "VERSION", &b, &nb) && !title_part(buf, len, "VERSION_ID", &b, &nb)) {
                        if (na >= cap)
                                return UK_E_BUFFER_TOO_SMALL;
                        return unquote(a.val, a.val_len, ret_title, NULL);
                }
                /* "NAME VERSION": na + 1 + nb + NUL must fit; na, nb are bounded by len, so no overflow. */
                if (na + 1 + nb >= cap)
                        return UK_E_BUFFER_TOO_SMALL;
                (void) unquote(a.val, a.val_len, ret_title, NULL);
                ret_title[na] = ' ';
                return unquote(b.val, b.val_len, ret_title + na + 1, NULL);
        }

        if (title_part(buf, len, "ID", &a, &na)) {
                if (na >= cap)
                        return UK_E_BUFFER_TOO_SMALL;
                return unquote(a.val, a.val_len, ret_title, NULL);
        }
        return UK_E_NOT_FOUND;
}
