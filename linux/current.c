/* ukiboot plan --current / --diff-current — the plan the EFI twin exported (UkibootPlan variable),
 * and what a soft reboot into another plan would change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include "bli.h"
#include "log.h"
#include "efivars.h"
#include "current.h"

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

#define CONTENT_HEADER "ukiboot-content 1\n"

/* Split a saved plan into its canonical part and its content record (which may be absent). */
static void split_content(const char *s, size_t len, size_t *ret_canon_len, const char **ret_content,
                          size_t *ret_content_len) {
        const char *c = memmem(s, len, CONTENT_HEADER, strlen(CONTENT_HEADER));
        while (c && c != s && c[-1] != '\n')
                c = memmem(c + 1, len - (size_t) (c + 1 - s), CONTENT_HEADER, strlen(CONTENT_HEADER));
        *ret_canon_len = c ? (size_t) (c - s) : len;
        *ret_content = c;
        *ret_content_len = c ? len - (size_t) (c - s) : 0;
}

/* The last field of a content line: a digest, or NULL for "-" or anything else. */
static const char *line_digest(const struct lines *l, size_t i, size_t *ret_label_len) {
        const char *sp = NULL;
        for (size_t k = 0; k < l->len[i]; k++)
                if (l->start[i][k] == ' ')
                        sp = l->start[i] + k;
        if (!sp)
                return NULL;
        *ret_label_len = (size_t) (sp - l->start[i]);
        return l->len[i] - (size_t) (sp + 1 - l->start[i]) == 64 ? sp + 1 : NULL;
}

/* Same layout: compare piece by piece. Says "no changes" only when every piece is known on both sides. */
static int compare_content(const char *cur, size_t cur_len, const char *now, size_t now_len, const char *what) {
        struct lines *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        if (!a || !b) {
                free(a), free(b);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        a->n = 0;
        if ((cur && !split_lines(cur, cur_len, a)) || !split_lines(now, now_len, b)) {
                free(a), free(b);
                return log_fail(EXIT_INVALID, "content record too long to compare");
        }
        size_t differ = 0, unknown = 0;
        char unknown_list[4096] = "";
        for (size_t i = 1; i < b->n; i++) {
                size_t label_len = 0, cur_label_len;
                const char *nd = line_digest(b, i, &label_len);
                /* Same layout, so line i names the same piece on both sides. */
                const char *cd = i < a->n ? line_digest(a, i, &cur_label_len) : NULL;
                if (nd && cd && memcmp(nd, cd, 64) != 0) {
                        if (differ++ == 0)
                                printf("content differs: a soft reboot would boot other bytes than %s\n", what);
                        printf("  %.*s: %.12s... -> %.12s...\n", (int) label_len, b->start[i], cd, nd);
                } else if (!nd || !cd) {
                        size_t used = strlen(unknown_list);
                        snprintf(unknown_list + used, sizeof unknown_list - used, "%s%.*s", unknown++ ? ", " : "",
                                 (int) label_len, b->start[i]);
                }
        }
        if (unknown > 0)
                printf("cannot tell whether these bytes are the same as %s (%s): %s\n", what,
                       cur ? "not hashed there" : "it recorded no content hashes", unknown_list);
        if (differ == 0 && unknown == 0)
                printf("no changes: a soft reboot would boot exactly what is running now\n");
        else if (differ == 0)
                printf("same layout and command line; identical bytes not proven\n");
        free(a), free(b);
        return EXIT_OK;
}

int plan_diff(const char *from_file, const char *canonical, size_t len, const char *content, size_t content_len) {
        uint8_t *cur = NULL, *cur_content = NULL;
        size_t cur_len = 0, cur_content_len = 0, canon_len;
        const char *saved_content = NULL, *what = from_file ? from_file : "the current boot";
        int r;

        if (from_file) {
                FILE *f = fopen(from_file, "rb");
                if (!f)
                        return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", from_file,
                                        strerror(errno));
                cur = malloc(1 << 20);
                cur_len = cur ? fread(cur, 1, 1 << 20, f) : 0;
                bool too_big = cur && cur_len == 1 << 20;
                fclose(f);
                if (!cur)
                        return log_fail(EXIT_FAILED, "out of memory");
                if (too_big) {
                        free(cur);
                        return log_fail(EXIT_INVALID, "%s: larger than a saved plan can be", from_file);
                }
                split_content((const char *) cur, cur_len, &canon_len, &saved_content, &cur_content_len);
        } else {
                if ((r = read_current(&cur, &cur_len)))
                        return r;
                canon_len = cur_len;
                /* The EFI twin's content record, if it left one. */
                if (efivar_read(UK_CONTENT_VARIABLE, UK_UKIBOOT_GUID_STR, &cur_content, &cur_content_len) >= 0)
                        saved_content = (const char *) cur_content;
        }
        if (canon_len == len && memcmp(cur, canonical, len) == 0) {
                r = compare_content(saved_content, cur_content_len, content, content_len, what);
                free(cur), free(cur_content);
                return r;
        }
        struct lines *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        if (!a || !b) {
                free(a), free(b), free(cur), free(cur_content);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        if (!split_lines((const char *) cur, canon_len, a) || !split_lines(canonical, len, b))
                r = log_fail(EXIT_INVALID, "plan too long to compare");
        else {
                if (from_file)
                        printf("--- %s\n+++ this plan\n", from_file);
                else
                        printf("--- current boot (%s EFI variable)\n+++ this plan\n", UK_PLAN_VARIABLE);
                r = print_diff(a, b);
        }
        free(a), free(b), free(cur), free(cur_content);
        return r;
}
