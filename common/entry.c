/* ukiboot — boot entries: the config line reader shared by .conf, loader.conf and .osrel, plus lookups. */
#include "entry.h"
#include "util.h"

static bool char_in(char c, const char *set) {
        for (; *set; set++)
                if (*set == c)
                        return true;
        return false;
}

bool uk_kv_next(struct uk_kv_iter *it, const char *seps, struct uk_kv *ret_kv) {
        if (!it || !it->text || !seps || !ret_kv)
                return false;

        for (;;) {
                size_t start = it->pos, end = start;

                /* systemd-boot reads the file as a C string: a NUL byte ends it. */
                if (start >= it->len || it->text[start] == 0)
                        return false;

                while (end < it->len && it->text[end] != 0 && it->text[end] != '\n' && it->text[end] != '\r')
                        end++;
                /* Skip exactly one line break; CR LF then shows up as an empty line, which is skipped. */
                it->pos = end;
                if (it->pos < it->len && it->text[it->pos] != 0)
                        it->pos++;

                while (start < end && (it->text[start] == ' ' || it->text[start] == '\t'))
                        start++;
                while (end > start && (it->text[end - 1] == ' ' || it->text[end - 1] == '\t'))
                        end--;
                if (start == end || it->text[start] == '#')
                        continue;

                size_t k_end = start;
                while (k_end < end && !char_in(it->text[k_end], seps))
                        k_end++;
                if (k_end == end)
                        continue;       /* a key without a value is ignored */

                size_t v = k_end;
                while (v < end && char_in(it->text[v], seps))
                        v++;

                /* Like systemd-boot: a value starting with '"' on a line ending with '"' loses both. */
                if (v < end && it->text[v] == '"' && it->text[end - 1] == '"') {
                        v++;
                        if (end - 1 >= v)
                                end--;
                }

                ret_kv->key = it->text + start;
                ret_kv->key_len = k_end - start;
                ret_kv->val = it->text + v;
                ret_kv->val_len = end - v;
                return true;
        }
}

bool uk_kv_key_is(const struct uk_kv *kv, const char *key) {
        size_t n = uk_strlen(key);
        return kv->key_len == n && uk_memcmp(kv->key, key, n) == 0;
}

const struct uk_fs_ops *uk_entry_fs(const struct uk_fs_ops *esp, const struct uk_entry *e) {
        /* Never the ESP for an XBOOTLDR entry: a file of the same name there is another file. */
        return esp && e && e->xbootldr ? esp->xbootldr : esp;
}

uk_err uk_fs_probe(const struct uk_fs_ops *fs, const char *path) {
        struct uk_source src;
        if (!fs || !fs->open_source || !fs->close_source || !path)
                return UK_E_INVALID_ARG;
        uk_err r = fs->open_source(fs->ctx, path, &src);
        if (r == UK_OK)
                fs->close_source(fs->ctx, &src);
        return r;
}

bool uk_entry_is_for_x64(const struct uk_entry *e) {
        return e->architecture[0] == 0 || uk_str_case_eq(e->architecture, "x64");
}

static bool ends_with_case(const char *s, size_t len, const char *suffix) {
        size_t n = uk_strlen(suffix);
        if (len < n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (uk_tolower(s[len - n + i]) != uk_tolower(suffix[i]))
                        return false;
        return true;
}

/* Length of s once a trailing ".conf" or ".efi" (any case) is dropped; a Type #2 profile's "@N" suffix
 * is kept aside in *ret_tail (the offset where it starts) so "foo@1" finds "foo.efi@1". */
static size_t id_stem(const char *s, size_t *ret_tail) {
        size_t len = uk_strlen(s), at = len, i = len;

        while (i > 0 && uk_isdigit(s[i - 1]))
                i--;
        if (i > 0 && i < len && s[i - 1] == '@')
                at = i - 1;
        *ret_tail = at;
        if (ends_with_case(s, at, ".conf"))
                return at - 5;
        if (ends_with_case(s, at, ".efi"))
                return at - 4;
        return at;
}

/* Case-insensitive equality of a[0..an) + a_tail and b[0..bn) + b_tail. */
static bool stems_eq(const char *a, size_t an, const char *a_tail, const char *b, size_t bn, const char *b_tail) {
        if (an != bn)
                return false;
        for (size_t i = 0; i < an; i++)
                if (uk_tolower(a[i]) != uk_tolower(b[i]))
                        return false;
        return uk_str_case_eq(a_tail, b_tail);
}

int uk_entries_find(const struct uk_entry *entries, size_t n, const char *id) {
        size_t id_tail, id_n;

        if (!entries || !id || !id[0])
                return -1;

        /* An exact id wins, so "foo.conf" is never shadowed by "foo.efi". */
        for (size_t i = 0; i < n; i++)
                if (uk_str_case_eq(entries[i].id, id))
                        return (int) i;

        id_n = id_stem(id, &id_tail);
        for (size_t i = 0; i < n; i++) {
                size_t e_tail, e_n = id_stem(entries[i].id, &e_tail);
                if (stems_eq(entries[i].id, e_n, entries[i].id + e_tail, id, id_n, id + id_tail))
                        return (int) i;
        }
        return -1;
}

const char *uk_entry_kind_name(enum uk_entry_kind kind) {
        switch (kind) {
        case UK_ENTRY_KIND_UKI:     return "uki";
        case UK_ENTRY_KIND_UKI_URL: return "uki-url";
        case UK_ENTRY_KIND_LINUX:   return "linux";
        case UK_ENTRY_KIND_LINUX_URL: return "linux-url";
        case UK_ENTRY_KIND_MULTIBOOT: return "multiboot";
        case UK_ENTRY_KIND_EFI:     return "efi";
        case UK_ENTRY_KIND_FIRMWARE_SETUP: return "firmware-setup";
        case UK_ENTRY_KIND_REBOOT:         return "reboot";
        case UK_ENTRY_KIND_POWEROFF:       return "poweroff";
        case UK_ENTRY_KIND_URL_PROMPT:     return "url-prompt";
        }
        return "unknown";
}

const char *uk_entry_target(const struct uk_entry *e) {
        switch (e->kind) {
        case UK_ENTRY_KIND_UKI:     return e->uki_path;
        case UK_ENTRY_KIND_UKI_URL:
        case UK_ENTRY_KIND_LINUX_URL: return e->url;
        case UK_ENTRY_KIND_LINUX:
        case UK_ENTRY_KIND_MULTIBOOT: return e->linux_path;
        case UK_ENTRY_KIND_EFI:     return e->efi_path;
        case UK_ENTRY_KIND_FIRMWARE_SETUP:
        case UK_ENTRY_KIND_REBOOT:
        case UK_ENTRY_KIND_POWEROFF:
        case UK_ENTRY_KIND_URL_PROMPT:
                return "";
        }
        return "";
}
