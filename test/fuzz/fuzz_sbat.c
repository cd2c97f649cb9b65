/* ukiboot — fuzz the SBAT check: the input is the image's .sbat text, a 0xff byte, then the SbatLevel text
 * (no 0xff: all image, empty level). Each half is copied to a buffer of its exact size so a read past either
 * one is caught. The verdict is compared with a plain reference reading of the documented rules (a NUL ends
 * the text, '\n' ends a line, one '\r' before it is dropped, empty lines are skipped, a line is
 * "name,generation[,...]" with a non-empty name and a decimal uint64 generation (blanks around it allowed); malformed image lines are
 * UK_E_SYNTAX, malformed level lines are ignored; the first image line, in order, with a level line of the
 * same name and a higher generation is reported), and the report must be printable and terminated. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sbat.h"

struct ref_line {
        const char *name;
        size_t name_len;
        uint64_t gen;
        bool ok;
};

/* Split text[len] into lines (at most max); returns how many. */
static size_t ref_lines(const char *text, size_t len, struct ref_line *out, size_t max) {
        size_t n = 0, end = 0;

        while (end < len && text[end] != 0)
                end++;                          /* the text stops at the first NUL */
        for (size_t start = 0; start < end && n < max;) {
                size_t eol = start;
                while (eol < end && text[eol] != '\n')
                        eol++;
                size_t next = eol < end ? eol + 1 : eol;
                if (eol > start && text[eol - 1] == '\r')
                        eol--;
                if (eol > start) {
                        struct ref_line *l = &out[n++];
                        const char *c1 = memchr(text + start, ',', eol - start);
                        l->ok = false;
                        if (c1 && c1 > text + start) {
                                const char *g = c1 + 1, *ge = memchr(g, ',', (size_t) (text + eol - g));
                                if (!ge)
                                        ge = text + eol;
                                while (g < ge && (*g == ' ' || *g == '\t'))
                                        g++;
                                while (ge > g && (ge[-1] == ' ' || ge[-1] == '\t'))
                                        ge--;
                                uint64_t v = 0;
                                bool digits = ge > g;
                                for (const char *p = g; p < ge && digits; p++) {
                                        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                                                digits = false;
                                        else
                                                v = v * 10 + (uint64_t) (*p - '0');
                                }
                                if (digits) {
                                        l->ok = true;
                                        l->name = text + start;
                                        l->name_len = (size_t) (c1 - (text + start));
                                        l->gen = v;
                                }
                        }
                }
                start = next;
        }
        return n;
}

#define REF_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct ref_line il[REF_MAX], ll[REF_MAX];
        const uint8_t *sep = size ? memchr(data, 0xff, size) : NULL;
        size_t ilen = sep ? (size_t) (sep - data) : size;
        size_t llen = sep ? size - ilen - 1 : 0;
        char *image = malloc(ilen ? ilen : 1), *level = malloc(llen ? llen : 1);
        struct uk_sbat_revoked rev;

        if (!image || !level || size > REF_MAX)
                goto out;
        memcpy(image, data, ilen);
        if (llen)
                memcpy(level, sep + 1, llen);
        memset(&rev, 0x55, sizeof(rev));
        uk_err r = uk_sbat_check(image, ilen, level, llen, &rev);

        /* The reference verdict. */
        size_t ni = ref_lines(image, ilen, il, REF_MAX), nl = ref_lines(level, llen, ll, REF_MAX);
        uk_err want = UK_OK;
        const struct ref_line *hit = NULL, *by = NULL;
        for (size_t i = 0; i < ni && want == UK_OK; i++) {
                if (!il[i].ok) {
                        want = UK_E_SYNTAX;
                        break;
                }
                for (size_t j = 0; j < nl; j++)
                        if (ll[j].ok && ll[j].name_len == il[i].name_len &&
                            memcmp(ll[j].name, il[i].name, il[i].name_len) == 0 && il[i].gen < ll[j].gen) {
                                want = UK_E_SBAT_REVOKED, hit = &il[i], by = &ll[j];
                                break;
                        }
        }
        if (r != want)
                abort();
        if (r == UK_E_SBAT_REVOKED) {
                size_t n = strnlen(rev.component, sizeof(rev.component));
                size_t expect_n = hit->name_len < UK_SBAT_NAME_MAX - 1 ? hit->name_len : UK_SBAT_NAME_MAX - 1;
                if (n != expect_n || rev.generation != hit->gen || rev.minimum != by->gen)
                        abort();
                for (size_t k = 0; k < n; k++) {
                        unsigned char ch = (unsigned char) hit->name[k];
                        char printable = ch > 0x20 && ch < 0x7f ? (char) ch : '?';
                        if (rev.component[k] != printable)
                                abort();
                }
        }
out:
        free(image);
        free(level);
        return 0;
}
