/* ukiboot — menu order and default entry, with systemd-boot 252's rules. */
#include "entry.h"
#include "util.h"

static int cmp_bool(bool a, bool b) {
        return (int) a - (int) b;
}

static int cmp_u32(uint32_t a, uint32_t b) {
        return (a > b) - (a < b);
}

static int sign(int v) {
        return (v > 0) - (v < 0);
}

/* A Type #2 profile entry's id without its "@N" suffix, copied into buf[UK_PATH_MAX]. */
static const char *id_without_profile(const struct uk_entry *e, char *buf) {
        size_t n = uk_strnlen(e->id, UK_PATH_MAX - 1);

        uk_memcpy(buf, e->id, n);
        buf[n] = 0;
        while (n > 0 && buf[n - 1] != '@')
                n--;
        if (n > 0)
                buf[n - 1] = 0;
        return buf;
}

int uk_entry_compare(const struct uk_entry *a, const struct uk_entry *b) {
        int r;

        /* Entries whose boot counter ran out go last: they failed to boot and should not be picked. */
        r = cmp_bool(a->tries_left == 0, b->tries_left == 0);
        if (r)
                return r;

        /* Entries with a sort key (new style) come before those without (old style, ordered by id). */
        r = cmp_bool(a->sort_key[0] == 0, b->sort_key[0] == 0);
        if (r)
                return r;

        if (a->sort_key[0]) {
                r = sign(uk_strcmp(a->sort_key, b->sort_key));
                if (r)
                        return r;
                /* Several installations of one OS: keep each machine's entries together. */
                r = sign(uk_strcmp(a->machine_id, b->machine_id));
                if (r)
                        return r;
                /* Newest version first. */
                r = -uk_strverscmp(a->version, b->version);
                if (r)
                        return r;
        }

        /* The id usually carries the version, so newest first again. Profiles of one multi-profile UKI
         * compare by file name and then by profile number upwards, as systemd does since it knows
         * profiles; everything else by the whole id, as in 252. */
        if (a->has_profile && b->has_profile && a->type == UK_ENTRY_TYPE2 && b->type == UK_ENTRY_TYPE2) {
                char ia[UK_PATH_MAX], ib[UK_PATH_MAX];
                r = -uk_strverscmp(id_without_profile(a, ia), id_without_profile(b, ib));
                if (r)
                        return r;
                r = cmp_u32(a->profile, b->profile);
        } else
                r = -uk_strverscmp(a->id, b->id);
        if (r)
                return r;

        if (a->tries_left == UK_TRIES_UNSET || b->tries_left == UK_TRIES_UNSET)
                return 0;
        /* Same entry under boot counting: more tries left first, then fewer tries done. */
        r = -cmp_u32(a->tries_left, b->tries_left);
        if (r)
                return r;
        return cmp_u32(a->tries_done, b->tries_done);
}

void uk_entries_sort(struct uk_entry *entries, size_t n) {
        struct uk_entry tmp;

        if (!entries)
                return;
        /* Insertion sort: stable, no allocation, and n is a handful of entries. */
        for (size_t i = 1; i < n; i++) {
                size_t j = i;
                while (j > 0 && uk_entry_compare(&entries[j - 1], &entries[i]) > 0)
                        j--;
                if (j == i)
                        continue;
                uk_memcpy(&tmp, &entries[i], sizeof(tmp));
                uk_memmove(&entries[j + 1], &entries[j], (i - j) * sizeof(tmp));
                uk_memcpy(&entries[j], &tmp, sizeof(tmp));
        }
}

/* First entry (in menu order) whose id matches the glob, or -1; NULL or "" matches nothing. */
static int find_glob(const struct uk_entry *entries, size_t n, const char *pattern) {
        if (!pattern || !pattern[0])
                return -1;
        for (size_t i = 0; i < n; i++)
                if (uk_glob_match(pattern, entries[i].id))
                        return (int) i;
        return -1;
}

/* "@saved", as systemd-boot compares it (case-insensitively). */
static bool is_saved(const char *pattern) {
        static const char saved[] = "@saved";
        if (!pattern)
                return false;
        for (size_t i = 0; i < sizeof(saved); i++)
                if (uk_tolower(pattern[i]) != saved[i])
                        return false;
        return true;
}

int uk_entries_default(const struct uk_entry *entries, size_t n, const char *one_shot,
                       const char *efivar_default, const char *conf_default, const char *last_booted) {
        bool var_saved = is_saved(efivar_default);
        const char *patterns[] = {
                one_shot,
                var_saved ? last_booted : efivar_default,
                var_saved ? NULL : is_saved(conf_default) ? last_booted : conf_default,
        };

        if (!entries || n == 0)
                return -1;

        /* systemd-boot matches each of these as a glob against the (lower-case) ids, in this order. */
        for (size_t p = 0; p < UK_ELEMENTSOF(patterns); p++) {
                int i = find_glob(entries, n, patterns[p]);
                if (i >= 0)
                        return i;
        }

        for (size_t i = 0; i < n; i++)
                if (entries[i].tries_left != 0)
                        return (int) i;
        /* Every entry is marked bad: still boot something rather than nothing. */
        return 0;
}

enum uk_last_booted uk_last_booted_action(const char *id, const char *one_shot, const char *efivar_default,
                                          const char *conf_default) {
        /* A one-shot boot is not a choice to remember (compared as written, not as a glob). */
        if (id && one_shot && uk_strcmp(id, one_shot) == 0)
                return UK_LAST_BOOTED_KEEP;
        bool has_var = efivar_default && efivar_default[0];
        if (is_saved(efivar_default) || (!has_var && is_saved(conf_default)))
                return UK_LAST_BOOTED_SAVE;
        return UK_LAST_BOOTED_FORGET;
}
