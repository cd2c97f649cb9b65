/* ukiboot — freestanding string and memory helpers (no libc in the EFI build). */
#include "util.h"

size_t uk_strlen(const char *s) {
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

size_t uk_strnlen(const char *s, size_t max) {
        size_t n = 0;
        while (n < max && s[n])
                n++;
        return n;
}

int uk_strcmp(const char *a, const char *b) {
        while (*a && *a == *b)
                a++, b++;
        return (int) (unsigned char) *a - (int) (unsigned char) *b;
}

int uk_strncmp(const char *a, const char *b, size_t n) {
        for (; n > 0; n--, a++, b++) {
                if (*a != *b)
                        return (int) (unsigned char) *a - (int) (unsigned char) *b;
                if (!*a)
                        return 0;
        }
        return 0;
}

int uk_memcmp(const void *a, const void *b, size_t n) {
        const uint8_t *x = a, *y = b;
        for (size_t i = 0; i < n; i++)
                if (x[i] != y[i])
                        return (int) x[i] - (int) y[i];
        return 0;
}

const void *uk_memchr(const void *p, int c, size_t n) {
        const uint8_t *x = p;
        for (size_t i = 0; i < n; i++)
                if (x[i] == (uint8_t) c)
                        return x + i;
        return NULL;
}

void *uk_memcpy(void *dst, const void *src, size_t n) {
        uint8_t *d = dst;
        const uint8_t *s = src;
        while (n--)
                *d++ = *s++;
        return dst;
}

void *uk_memmove(void *dst, const void *src, size_t n) {
        uint8_t *d = dst;
        const uint8_t *s = src;
        if (d == s || n == 0)
                return dst;
        if (d < s) {
                while (n--)
                        *d++ = *s++;
        } else {
                while (n--)
                        d[n] = s[n];
        }
        return dst;
}

void *uk_memset(void *dst, int c, size_t n) {
        uint8_t *d = dst;
        while (n--)
                *d++ = (uint8_t) c;
        return dst;
}

int uk_strncpy_checked(char *dst, size_t cap, const char *src, size_t len) {
        if (cap == 0 || len > cap - 1)
                return -1;
        uk_memcpy(dst, src, len);
        dst[len] = 0;
        return 0;
}

int uk_strlcpy_checked(char *dst, size_t cap, const char *src) {
        return uk_strncpy_checked(dst, cap, src, uk_strlen(src));
}

bool uk_isspace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool uk_isdigit(int c) { return c >= '0' && c <= '9'; }
bool uk_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int uk_tolower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

bool uk_str_case_eq(const char *a, const char *b) {
        while (*a && uk_tolower(*a) == uk_tolower(*b))
                a++, b++;
        return uk_tolower(*a) == uk_tolower(*b);
}

bool uk_parse_u64(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (!uk_isdigit(s[i]))
                        return false;
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *ret = v;
        return true;
}

size_t uk_fmt_u64(char *buf, size_t cap, uint64_t v) {
        char tmp[21];
        size_t n = 0;
        do {
                tmp[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        if (n + 1 > cap)
                return 0;
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        buf[n] = 0;
        return n;
}

/* Iterative matcher with single-star backtracking: linear in practice, no recursion depth to exhaust. */
static bool class_match(const char **pp, char c) {
        const char *p = *pp + 1;    /* after '[' */
        bool negate = false, hit = false;
        if (*p == '!' || *p == '^')
                negate = true, p++;
        bool first = true;
        while (*p && (first || *p != ']')) {
                char lo = (char) uk_tolower(*p), hi = lo;
                if (p[1] == '-' && p[2] && p[2] != ']') {
                        hi = (char) uk_tolower(p[2]);
                        p += 2;
                }
                if (c >= lo && c <= hi)
                        hit = true;
                p++;
                first = false;
        }
        if (*p != ']')
                return false;   /* unterminated class: no match */
        *pp = p + 1;
        return hit != negate;
}

bool uk_glob_match(const char *p, const char *s) {
        const char *star_p = NULL, *star_s = NULL;
        while (*s) {
                char c = (char) uk_tolower(*s);
                if (*p == '*') {
                        star_p = ++p;
                        star_s = s;
                        continue;
                }
                if (*p == '?') {
                        p++, s++;
                        continue;
                }
                if (*p == '[') {
                        const char *q = p;
                        if (class_match(&q, c)) {
                                p = q, s++;
                                continue;
                        }
                } else if (*p && uk_tolower(*p) == c) {
                        p++, s++;
                        continue;
                }
                if (!star_p)
                        return false;
                p = star_p;
                s = ++star_s;
        }
        while (*p == '*')
                p++;
        return *p == 0;
}
