/* ukiboot — build a short NUL-terminated text in a caller's buffer, cutting (never overflowing) when full. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uk_text {
        char *buf;
        size_t cap;             /* bytes in buf, the NUL included; at least 1 */
        size_t len;
        bool cut;               /* something did not fit */
};

/* Start an empty text in buf[cap] (cap >= 1). */
void uk_text_init(struct uk_text *t, char *buf, size_t cap);
/* Append s; a cut never splits a UTF-8 sequence. */
void uk_text_add(struct uk_text *t, const char *s);
/* Append the first n bytes of s (stopping at a NUL). */
void uk_text_add_n(struct uk_text *t, const char *s, size_t n);
/* Append v in decimal. */
void uk_text_add_u64(struct uk_text *t, uint64_t v);
