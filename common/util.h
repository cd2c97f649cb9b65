/* ukiboot — freestanding helpers: no libc in the EFI build, so common/ uses these. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

size_t uk_strlen(const char *s);
size_t uk_strnlen(const char *s, size_t max);
int uk_strcmp(const char *a, const char *b);
int uk_strncmp(const char *a, const char *b, size_t n);
int uk_memcmp(const void *a, const void *b, size_t n);
/* The first byte c in p[0..n), or NULL. */
const void *uk_memchr(const void *p, int c, size_t n);
void *uk_memcpy(void *dst, const void *src, size_t n);
void *uk_memmove(void *dst, const void *src, size_t n);
void *uk_memset(void *dst, int c, size_t n);
/* Copy a NUL-terminated string into dst[cap]; UK_E_BUFFER_TOO_SMALL if it does not fit (dst untouched). */
int uk_strlcpy_checked(char *dst, size_t cap, const char *src);
/* Copy len bytes of src plus a NUL into dst[cap]; non-zero (and dst untouched) if it does not fit. */
int uk_strncpy_checked(char *dst, size_t cap, const char *src, size_t len);
bool uk_isspace(int c);
bool uk_isdigit(int c);
bool uk_isalpha(int c);
int uk_tolower(int c);
/* ASCII case-insensitive equality (FAT names, architecture words). */
bool uk_str_case_eq(const char *a, const char *b);
/* Parse a decimal unsigned number from s[0..len); false on empty, junk or overflow. */
bool uk_parse_u64(const char *s, size_t len, uint64_t *ret);
/* Format v as decimal into buf[cap] with NUL; returns length or 0 if it does not fit. */
size_t uk_fmt_u64(char *buf, size_t cap, uint64_t v);
/* fnmatch-style glob (* ? [...]) as systemd-boot uses for `default`; case-insensitive. */
bool uk_glob_match(const char *pattern, const char *s);

static inline uint16_t uk_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t uk_le32(const uint8_t *p) {
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t uk_le64(const uint8_t *p) { return (uint64_t)uk_le32(p) | ((uint64_t)uk_le32(p + 4) << 32); }

/* Overflow-safe "does [off, off+len) fit inside total?" — subtraction before addition. */
static inline bool uk_range_ok(uint64_t off, uint64_t len, uint64_t total) {
        return off <= total && len <= total - off;
}
#define UK_ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define UK_ALIGN4(x) (((x) + 3) & ~(uint64_t)3)
