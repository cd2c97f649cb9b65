/* ukiboot — the title an entry is shown with, the same in the EFI menu, on the EFI console and in
 * `ukiboot list`: systemd-boot 252's rule, which adds detail only where two entries would look alike. */
#include "entry.h"
#include "text.h"
#include "util.h"

#define WORDS ((UK_ENTRIES_MAX + 63) / 64)

static bool bit(const uint64_t *set, size_t i) {
        return (set[i / 64] >> (i % 64)) & 1;
}

/* Mark every entry whose show_title another entry shares; false if all are unique. */
static bool find_alike(const struct uk_entry *entries, size_t n, uint64_t set[WORDS]) {
        bool any = false;
        uk_memset(set, 0, WORDS * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (uk_strcmp(entries[i].show_title, entries[j].show_title) == 0) {
                                set[i / 64] |= (uint64_t) 1 << (i % 64);
                                set[j / 64] |= (uint64_t) 1 << (j % 64);
                                any = true;
                        }
        return any;
}

/* show_title += " (" + detail[..max] + ")" */
static void add_detail(struct uk_entry *e, const char *detail, size_t max) {
        char now[UK_SHOW_TITLE_MAX];
        struct uk_text t;

        uk_memcpy(now, e->show_title, sizeof(now));
        uk_text_init(&t, e->show_title, sizeof(e->show_title));
        uk_text_add(&t, now);
        uk_text_add(&t, " (");
        uk_text_add_n(&t, detail, max);
        uk_text_add(&t, ")");
}

/* Titles come from files anyone who can write the ESP controls; both twins print them to a console. Control
 * characters (C0, DEL, and C1 encoded in UTF-8) become '?', so no title carries a terminal escape. */
static void defuse(char *s) {
        for (unsigned char *p = (unsigned char *) s; *p; p++) {
                if (*p < 0x20 || *p == 0x7f)
                        *p = '?';
                else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
                        p[0] = p[1] = '?';
        }
}

void uk_entries_show_titles(struct uk_entry *entries, size_t n) {
        uint64_t alike[WORDS];
        struct uk_text t;

        if (!entries)
                return;
        if (n > UK_ENTRIES_MAX)
                n = UK_ENTRIES_MAX;
        for (size_t i = 0; i < n; i++) {
                uk_text_init(&t, entries[i].show_title, sizeof(entries[i].show_title));
                uk_text_add(&t, entries[i].title[0] ? entries[i].title : entries[i].id);
        }
        /* Each round adds one more detail to the entries that still look alike, if they have it. */
        for (int round = 0; round < 3 && find_alike(entries, n, alike); round++)
                for (size_t i = 0; i < n; i++) {
                        struct uk_entry *e = &entries[i];
                        if (!bit(alike, i))
                                continue;
                        if (round == 0 && e->version[0])
                                add_detail(e, e->version, SIZE_MAX);
                        else if (round == 1 && e->machine_id[0])
                                add_detail(e, e->machine_id, 8);
                        else if (round == 2)
                                add_detail(e, e->id, SIZE_MAX);
                }
        for (size_t i = 0; i < n; i++)
                defuse(entries[i].show_title);
}
