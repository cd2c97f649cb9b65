/* ukiboot — one-line error messages and JSON string output. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"

int log_fail(int code, const char *fmt, ...) {
        va_list ap;
        fputs("ukiboot: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return code;
}

void log_warn(const char *fmt, ...) {
        va_list ap;
        fputs("ukiboot: warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int exit_code_for_uk(uk_err e) {
        switch (e) {
        case UK_OK:
                return EXIT_OK;
        case UK_E_NOT_FOUND:
                return EXIT_NOT_FOUND;
        case UK_E_IO:
                return EXIT_FAILED;
        case UK_E_SECURITY:
        case UK_E_SBAT_REVOKED:
        case UK_E_BAD_SIGNATURE:
        case UK_E_PIN_MISMATCH:
                return EXIT_DENIED;
        default:
                return EXIT_INVALID;
        }
}

int exit_code_for_errno(int err) {
        switch (err) {
        case ENOENT:
        case ENOTDIR:
                return EXIT_NOT_FOUND;
        case EACCES:
        case EPERM:
                return EXIT_DENIED;
        default:
                return EXIT_FAILED;
        }
}

uk_err uk_err_from_errno(int err) {
        /* esp.c's only_regular() says EINVAL/EISDIR for a FIFO, device or directory: not an I/O error. */
        if (err == EINVAL || err == EISDIR)
                return UK_E_NOT_REGULAR;
        return err == ENOENT || err == ENOTDIR ? UK_E_NOT_FOUND : UK_E_IO;
}

int log_uk(uk_err e, const char *what) {
        return log_fail(exit_code_for_uk(e), "%s: %s", what, uk_strerror(e));
}

/* Length of a valid UTF-8 sequence starting at s[0..len), 0 if invalid (overlong/surrogates not rejected
 * strictly; good enough to keep JSON output valid). */
static size_t utf8_seq_len(const unsigned char *s, size_t len) {
        size_t n;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4;
        else
                return 0;
        if (n > len)
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

void text_n(FILE *f, const char *s, size_t len) {
        for (size_t i = 0; i < len && s[i]; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c >= 0x80) {
                        size_t n = utf8_seq_len((const unsigned char *) s + i, len - i);
                        /* C1 controls (U+0080..U+009F) act like escapes on many terminals too. */
                        if (n > 0 && !(c == 0xc2 && (unsigned char) s[i + 1] < 0xa0)) {
                                fwrite(s + i, 1, n, f);
                                i += n - 1;
                                continue;
                        }
                } else if (c >= 0x20 && c != 0x7f && c != '\\') {
                        fputc(c, f);
                        continue;
                }
                fprintf(f, "\\x%02x", c);
        }
}

void text(FILE *f, const char *s) {
        text_n(f, s, strlen(s));
}

void json_string_n(FILE *f, const char *s, size_t len) {
        fputc('"', f);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c >= 0x80) {
                        size_t n = utf8_seq_len((const unsigned char *) s + i, len - i);
                        if (n > 0) {
                                fwrite(s + i, 1, n, f);
                                i += n - 1;
                                continue;
                        }
                }
                switch (c) {
                case '"':  fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\t': fputs("\\t", f); break;
                case '\r': fputs("\\r", f); break;
                default:
                        /* Invalid UTF-8 bytes are escaped as their Latin-1 code point: section
                         * names and embedded strings are untrusted and need not be valid UTF-8. */
                        if (c < 0x20 || c >= 0x7f)
                                fprintf(f, "\\u%04x", c);
                        else
                                fputc(c, f);
                }
        }
        fputc('"', f);
}

void json_string(FILE *f, const char *s) {
        json_string_n(f, s, strlen(s));
}
