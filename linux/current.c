/* ukiboot plan --current / --diff-current — the plan the EFI twin exported (UkibootPlan variable),
 * and what a soft reboot into another plan would change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ukiboot.h"

#define DIFF_MAX_LINES 2048

static int read_current(uint8_t **ret, size_t *ret_len) {
        int r = efivar_read(UK_PLAN_VARIABLE, UK_UKIBOOT_GUID_STR, ret, ret_len);
        if (r == -ENOENT)
                return log_fail(EXIT_NOT_FOUND, "%s-%s: no such EFI variable: this boot did not go through ukiboot's "
                                "EFI program", UK_PLAN_VARIABLE, UK_UKIBOOT_GUID_STR);
        if (r < 0)
                return log_fail(EXIT_FAILED, "%s-%s: %s", UK_PLAN_VARIABLE, UK_UKIBOOT_GUID_STR, strerror(-r));
        return EXIT_OK;
}

int plan_current(void) {
        uint8_t *data;
        size_t len;
        int r = read_current(&data, &len);
        if (r)
                return r;
        fwrite(data, 1, len, stdout);
        if (len > 0 && data[len - 1] != '\n')
                fputc('\n', stdout);
        free(data);
        return EXIT_OK;
}

struct lines {
        const char *start[DIFF_MAX_LINES];
        size_t len[DIFF_MAX_LINES];
        size_t n;
};

static bool split_lines(const char *s, size_t len, struct lines *ret) {
        ret->n = 0;
        size_t i = 0;
        while (i < len) {
                if (ret->n == DIFF_MAX_LINES)
                        return false;
                const char *nl = memchr(s + i, '\n', len - i);
                size_t l = nl ? (size_t) (nl - (s + i)) : len - i;
                ret->start[ret->n] = s + i;
                ret->len[ret->n++] = l;
                i += l + 1;
        }
        return true;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j) {
        return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

/* Longest-common-subsequence diff: plans are a few dozen lines, so the quadratic table is tiny. */
static int print_diff(const struct lines *a, const struct lines *b) {
        size_t n = a->n, m = b->n;
        unsigned *t = calloc((n + 1) * (m + 1), sizeof *t);
        if (!t)
                return log_fail(EXIT_FAILED, "out of memory");
#define T(i, j) t[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
                for (size_t j = m; j-- > 0;)
                        T(i, j) = line_eq(a, i, b, j) ? T(i + 1, j + 1) + 1
                                                     : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n || j < m) {
                if (i < n && j < m && line_eq(a, i, b, j)) {
                        printf("  %.*s\n", (int) a->len[i], a->start[i]);
                        i++, j++;
                } else if (j < m && (i == n || T(i, j + 1) >= T(i + 1, j))) {
                        printf("+ %.*s\n", (int) b->len[j], b->start[j]);
                        j++;
                } else {
                        printf("- %.*s\n", (int) a->len[i], a->start[i]);
                        i++;
                }
        }
#undef T
        free(t);
        return EXIT_OK;
}

int plan_diff_current(const char *canonical, size_t len) {
        uint8_t *cur;
        size_t cur_len;
        int r = read_current(&cur, &cur_len);
        if (r)
                return r;
        if (cur_len == len && memcmp(cur, canonical, len) == 0) {
                printf("no changes: a soft reboot would boot exactly what is running now\n");
                free(cur);
                return EXIT_OK;
        }
        struct lines *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        if (!a || !b) {
                free(a), free(b), free(cur);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        if (!split_lines((const char *) cur, cur_len, a) || !split_lines(canonical, len, b))
                r = log_fail(EXIT_INVALID, "plan too long to compare");
        else {
                printf("--- current boot (%s EFI variable)\n+++ this plan\n", UK_PLAN_VARIABLE);
                r = print_diff(a, b);
        }
        free(a), free(b), free(cur);
        return r;
}
