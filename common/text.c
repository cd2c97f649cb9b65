/* ukiboot — short texts (titles, refusals, notes) built the same way on both twins. */
#include "text.h"
#include "util.h"

void uk_text_init(struct uk_text *t, char *buf, size_t cap) {
        t->buf = buf;
        t->cap = cap;
        t->len = 0;
        t->cut = false;
        if (cap > 0)
                buf[0] = 0;
}

void uk_text_add_n(struct uk_text *t, const char *s, size_t n) {
        if (!t->buf || t->cap == 0 || !s)
                return;
        n = uk_strnlen(s, n);
        size_t room = t->cap - 1 - t->len;
        if (n > room) {
                n = room;
                /* Do not leave half a character behind. */
                while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                        n--;
                t->cut = true;
        }
        uk_memcpy(t->buf + t->len, s, n);
        t->len += n;
        t->buf[t->len] = 0;
}

void uk_text_add(struct uk_text *t, const char *s) {
        uk_text_add_n(t, s, SIZE_MAX);
}

void uk_text_add_u64(struct uk_text *t, uint64_t v) {
        char num[24];
        size_t n = uk_fmt_u64(num, sizeof(num), v);
        uk_text_add_n(t, num, n);
}
