/* ukiboot — Boot Loader Specification Type #1 entries (/loader/entries/NAME.conf) and boot counting. */
#include "entry.h"
#include "util.h"

/* Copy a value into a fixed field; a value that does not fit fails the entry rather than being cut,
 * because a truncated path or command line would boot something other than what was written. */
static uk_err set_field(char *field, size_t cap, const char *val, size_t len) {
        return uk_strncpy_checked(field, cap, val, len) ? UK_E_BUFFER_TOO_SMALL : UK_OK;
}

/* Store a path: BLS paths are '/'-separated and relative to the partition root; accept '\' (as
 * systemd-boot does when it converts to EFI paths) and a missing leading '/'. */
static uk_err set_path(char *field, size_t cap, const char *val, size_t len) {
        size_t lead = (len > 0 && (val[0] == '/' || val[0] == '\\')) ? 0 : 1;

        if (cap == 0 || len > cap - 1 || lead > cap - 1 - len)
                return UK_E_BUFFER_TOO_SMALL;
        if (lead)
                field[0] = '/';
        for (size_t i = 0; i < len; i++)
                field[lead + i] = val[i] == '\\' ? '/' : val[i];
        field[lead + len] = 0;
        return UK_OK;
}

/* `options` may repeat; systemd-boot joins the lines with one space. */
static uk_err append_options(struct uk_entry *e, const char *val, size_t len) {
        size_t cur = e->has_options ? uk_strlen(e->options) : 0;
        size_t sep = e->has_options ? 1 : 0;

        if (sep > sizeof(e->options) - 1 - cur || len > sizeof(e->options) - 1 - cur - sep)
                return UK_E_BUFFER_TOO_SMALL;
        if (sep)
                e->options[cur++] = ' ';
        uk_memcpy(e->options + cur, val, len);
        e->options[cur + len] = 0;
        e->has_options = true;
        return UK_OK;
}

uk_err uk_pin_parse(const char *s, size_t len, struct uk_pin *ret_pin) {
        struct uk_pin p = { .state = UK_PIN_SHA256 };
        if (!s || !ret_pin)
                return UK_E_INVALID_ARG;
        if (len != 64)
                return UK_E_SYNTAX;
        for (size_t i = 0; i < 64; i++) {
                char c = uk_tolower(s[i]);
                int v = uk_isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
                if (v < 0)
                        return UK_E_SYNTAX;
                p.sha256[i / 2] = (uint8_t) (p.sha256[i / 2] << 4 | v);
        }
        *ret_pin = p;
        return UK_OK;
}

/* Record one pin line into *pin. A pin is never dropped: one that cannot be read, or a second that
 * disagrees, leaves the entry refused when chosen (not skipped, so the menu still says why). */
static void add_pin(struct uk_pin *pin, const char *v, size_t n) {
        struct uk_pin p;
        if (uk_pin_parse(v, n, &p) != UK_OK ||
            (pin->state == UK_PIN_SHA256 && uk_memcmp(pin->sha256, p.sha256, 32) != 0))
                pin->state = UK_PIN_MALFORMED;
        else if (pin->state == UK_PIN_NONE)
                *pin = p;
}

/* One more of an entry's repeated path or URL lines (`initrd`, `initrd-url`). */
static uk_err add_listed(char (*list)[UK_PATH_MAX], unsigned *n, bool is_path, const char *v, size_t len) {
        if (*n >= UK_ENTRY_MAX_INITRDS)
                return UK_E_TOO_MANY;
        uk_err r = is_path ? set_path(list[*n], UK_PATH_MAX, v, len) : set_field(list[*n], UK_PATH_MAX, v, len);
        if (r == UK_OK)
                (*n)++;
        return r;
}

static uk_err parse_line(struct uk_entry *e, const struct uk_kv *kv, bool *has_linux, bool *has_efi,
                         bool *has_uki, bool *has_uki_url, bool *has_linux_url, bool *has_multiboot) {
        const char *v = kv->val;
        size_t n = kv->val_len;

        /* An empty (quoted "") boot target names nothing: treat it as absent rather than as "/". */
        if (n == 0 && (uk_kv_key_is(kv, "linux") || uk_kv_key_is(kv, "efi") || uk_kv_key_is(kv, "uki") ||
                       uk_kv_key_is(kv, "uki-url") || uk_kv_key_is(kv, "initrd") || uk_kv_key_is(kv, "devicetree") ||
                       uk_kv_key_is(kv, "linux-url") || uk_kv_key_is(kv, "initrd-url") || uk_kv_key_is(kv, "multiboot") ||
                       uk_kv_key_is(kv, "module")))
                return UK_OK;

        if (uk_kv_key_is(kv, "title"))
                return set_field(e->title, sizeof(e->title), v, n);
        if (uk_kv_key_is(kv, "version"))
                return set_field(e->version, sizeof(e->version), v, n);
        if (uk_kv_key_is(kv, "sort-key"))
                return set_field(e->sort_key, sizeof(e->sort_key), v, n);
        if (uk_kv_key_is(kv, "machine-id"))
                return set_field(e->machine_id, sizeof(e->machine_id), v, n);
        if (uk_kv_key_is(kv, "architecture"))
                return set_field(e->architecture, sizeof(e->architecture), v, n);
        if (uk_kv_key_is(kv, "linux")) {
                *has_linux = true;
                return set_path(e->linux_path, sizeof(e->linux_path), v, n);
        }
        if (uk_kv_key_is(kv, "efi")) {
                *has_efi = true;
                return set_path(e->efi_path, sizeof(e->efi_path), v, n);
        }
        if (uk_kv_key_is(kv, "uki")) {
                *has_uki = true;
                return set_path(e->uki_path, sizeof(e->uki_path), v, n);
        }
        if (uk_kv_key_is(kv, "uki-url")) {
                *has_uki_url = true;
                return set_field(e->url, sizeof(e->url), v, n);
        }
        if (uk_kv_key_is(kv, "linux-url")) {
                /* A kernel by URL stays a plan's file path: no longer than one. */
                *has_linux_url = true;
                return *has_uki_url ? UK_OK : set_field(e->url, UK_PATH_MAX, v, n);   /* uki-url wins */
        }
        if (uk_kv_key_is(kv, "devicetree"))
                return set_path(e->devicetree, sizeof(e->devicetree), v, n);
        /* Both name the one image the entry boots (the pipeline hashes whichever it opens). */
        if (uk_kv_key_is(kv, "uki-sha256") || uk_kv_key_is(kv, "linux-sha256")) {
                add_pin(&e->pin, v, n);
                return UK_OK;
        }
        if (uk_kv_key_is(kv, "initrd-sha256")) {
                if (e->n_initrd_pin >= UK_ENTRY_MAX_INITRDS)
                        return UK_E_TOO_MANY;
                add_pin(&e->initrd_pin[e->n_initrd_pin++], v, n);
                return UK_OK;
        }
        /* A Multiboot kernel's modules are GRUB's `module` lines; ukiboot passes each with its path as its string. */
        if (uk_kv_key_is(kv, "initrd") || uk_kv_key_is(kv, "module"))
                return add_listed(e->initrd, &e->n_initrd, true, v, n);
        if (uk_kv_key_is(kv, "multiboot")) {
                *has_multiboot = true;
                return *has_linux ? UK_OK : set_path(e->linux_path, sizeof(e->linux_path), v, n);   /* linux wins */
        }
        if (uk_kv_key_is(kv, "initrd-url"))
                return add_listed(e->initrd_url, &e->n_initrd_url, false, v, n);
        if (uk_kv_key_is(kv, "options"))
                return append_options(e, v, n);
        if (uk_kv_key_is(kv, "profile")) {
                uint64_t p;
                /* systemd-boot ignores a profile number it cannot parse; so do we. */
                if (uk_parse_u64(v, n, &p) && p <= UINT32_MAX) {
                        e->profile = (unsigned) p;
                        e->has_profile = true;
                }
                return UK_OK;
        }
        return UK_OK;   /* unknown keys are ignored, as systemd-boot does */
}

uk_err uk_entry_parse_conf_into(const char *text, size_t len, const char *filename, const char *path,
                                struct uk_entry *e) {
        struct uk_kv_iter it = { .text = text, .len = len };
        bool has_linux = false, has_efi = false, has_uki = false, has_uki_url = false, has_linux_url = false;
        bool has_multiboot = false;
        struct uk_kv kv;
        uk_err r;

        if (!text || !filename || !path || !e)
                return UK_E_INVALID_ARG;

        uk_memset(e, 0, sizeof(*e));
        e->type = UK_ENTRY_TYPE1;
        r = uk_entry_parse_tries(filename, e->id, sizeof(e->id), &e->tries_left, &e->tries_done);
        if (r)
                return r;
        r = set_field(e->path, sizeof(e->path), path, uk_strlen(path));
        if (r)
                return r;

        while (uk_kv_next(&it, " \t", &kv)) {
                r = parse_line(e, &kv, &has_linux, &has_efi, &has_uki, &has_uki_url, &has_linux_url, &has_multiboot);
                if (r)
                        return r;
        }

        if (has_uki_url)
                e->kind = UK_ENTRY_KIND_UKI_URL;
        else if (has_linux_url)
                e->kind = UK_ENTRY_KIND_LINUX_URL;
        else if (has_uki)
                e->kind = UK_ENTRY_KIND_UKI;
        else if (has_linux)
                e->kind = UK_ENTRY_KIND_LINUX;
        else if (has_multiboot)
                e->kind = UK_ENTRY_KIND_MULTIBOOT;
        else if (has_efi)
                e->kind = UK_ENTRY_KIND_EFI;
        else
                return UK_E_BAD_ENTRY;
        return UK_OK;
}

uk_err uk_entry_parse_conf(const char *text, size_t len, const char *filename, const char *path,
                           struct uk_entry *ret_entry) {
        struct uk_entry e;
        uk_err r;

        if (!ret_entry)
                return UK_E_INVALID_ARG;
        r = uk_entry_parse_conf_into(text, len, filename, path, &e);
        if (r)
                return r;
        uk_memcpy(ret_entry, &e, sizeof(e));
        return UK_OK;
}

/* Parse the digits s[0..len) as a counter; UK_TRIES_UNSET is reserved, so it is refused too. */
static bool parse_counter(const char *s, size_t len, uint32_t *ret) {
        uint64_t v;
        if (!uk_parse_u64(s, len, &v) || v >= UK_TRIES_UNSET)
                return false;
        *ret = (uint32_t) v;
        return true;
}

/* Find "+LEFT" or "+LEFT-DONE" ending exactly at name[end]; false if the name does not carry one. */
static bool find_counters(const char *name, size_t end, size_t *ret_plus, uint32_t *ret_left, uint32_t *ret_done) {
        size_t i = end, dash = end;

        while (i > 0 && (uk_isdigit(name[i - 1]) || name[i - 1] == '-')) {
                if (name[i - 1] == '-') {
                        if (dash != end)
                                return false;   /* two dashes */
                        dash = i - 1;
                }
                i--;
        }
        if (i == 0 || name[i - 1] != '+')
                return false;

        if (dash == end)
                *ret_done = 0;          /* "+LEFT" alone means nothing was tried yet */
        else if (!parse_counter(name + dash + 1, end - dash - 1, ret_done))
                return false;
        if (!parse_counter(name + i, dash - i, ret_left))
                return false;
        *ret_plus = i - 1;
        return true;
}

uk_err uk_entry_parse_tries(const char *filename, char *ret_id, size_t cap, uint32_t *ret_left, uint32_t *ret_done) {
        size_t len, ext, plus, head, tail, id_len;
        uint32_t left = UK_TRIES_UNSET, done = UK_TRIES_UNSET;

        if (!filename || !ret_id || !ret_left || !ret_done)
                return UK_E_INVALID_ARG;

        /* The counter sits right before the extension (".conf", ".efi"): the last '.' if any. */
        len = uk_strlen(filename);
        ext = len;
        for (size_t i = len; i > 0; i--)
                if (filename[i - 1] == '.') {
                        ext = i - 1;
                        break;
                }

        /* The id keeps the extension but not the counter: "a+3-1.conf" -> "a.conf". */
        if (find_counters(filename, ext, &plus, &left, &done)) {
                head = plus;
                tail = ext;
        } else {
                head = tail = len;
                left = done = UK_TRIES_UNSET;
        }
        id_len = head + (len - tail);
        if (cap == 0 || id_len > cap - 1)
                return UK_E_BUFFER_TOO_SMALL;

        for (size_t i = 0; i < head; i++)
                ret_id[i] = (char) uk_tolower(filename[i]);
        for (size_t i = 0; i < len - tail; i++)
                ret_id[head + i] = (char) uk_tolower(filename[tail + i]);
        ret_id[id_len] = 0;
        *ret_left = left;
        *ret_done = done;
        return UK_OK;
}

/* Append s[0..len) to buf at *o (cap includes the NUL); false if it does not fit. */
static bool put(char *buf, size_t cap, size_t *o, const char *s, size_t len) {
        if (len >= cap - *o)
                return false;
        uk_memcpy(buf + *o, s, len);
        *o += len;
        buf[*o] = 0;
        return true;
}

uk_err uk_entry_count_next(const char *path, struct uk_count *ret) {
        size_t len, base = 0, ext, plus, o = 0;
        uint32_t left, done;
        char num[16];

        if (!path || !ret)
                return UK_E_INVALID_ARG;
        len = uk_strlen(path);
        for (size_t i = 0; i < len; i++)
                if (path[i] == '/')
                        base = i + 1;
        ext = len;
        for (size_t i = len; i > base; i--)
                if (path[i - 1] == '.') {
                        ext = i - 1;
                        break;
                }
        if (!find_counters(path + base, ext - base, &plus, &left, &done))
                return UK_E_NOT_FOUND;
        if (len >= sizeof(ret->from))
                return UK_E_BUFFER_TOO_SMALL;
        plus += base;

        /* systemd-boot: LEFT counts down to 0 and stays there (the entry is then "bad" and sorts last); DONE
         * counts up to INT32_MAX. The new name always carries both numbers. */
        uint32_t next_left = left > 0 ? left - 1 : 0;
        uint32_t next_done = done >= 0x7fffffffu ? 0x7fffffffu : done + 1;
        char to[sizeof(ret->to)];
        bool ok = put(to, sizeof(to), &o, path, plus + 1);
        ok = ok && put(to, sizeof(to), &o, num, uk_fmt_u64(num, sizeof(num), next_left));
        ok = ok && put(to, sizeof(to), &o, "-", 1);
        ok = ok && put(to, sizeof(to), &o, num, uk_fmt_u64(num, sizeof(num), next_done));
        ok = ok && put(to, sizeof(to), &o, path + ext, len - ext);
        if (!ok)
                return UK_E_BUFFER_TOO_SMALL;
        uk_memcpy(ret->from, path, len + 1);
        uk_memcpy(ret->to, to, o + 1);
        ret->to_name = ret->to + base;
        for (size_t i = 0; i <= o; i++)
                ret->var[i] = to[i] == '/' ? '\\' : to[i];
        return UK_OK;
}

void uk_entry_apply_count(struct uk_entry *e, const struct uk_count *c) {
        if (!e || !c)
                return;
        if (uk_strcmp(e->uki_path, c->from) == 0)
                uk_strlcpy_checked(e->uki_path, sizeof(e->uki_path), c->to);
        if (uk_strcmp(e->path, c->from) == 0)
                uk_strlcpy_checked(e->path, sizeof(e->path), c->to);
}
