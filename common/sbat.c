/* ukiboot — SBAT generation check (pure: both texts in, a verdict out). */
#include "sbat.h"
#include "util.h"

struct sbat_line {
        const char *name;
        size_t name_len;
        uint64_t generation;
};

/* The next non-empty line of text[len] from *pos, split into its first two fields. UK_E_NOT_FOUND at the
 * end (a NUL ends the text: sections are padded), UK_E_SYNTAX for a line without a name or a number. */
static uk_err next_line(const char *text, size_t len, size_t *pos, struct sbat_line *ret) {
        while (*pos < len && text[*pos] != 0) {
                size_t start = *pos, end = start;
                while (end < len && text[end] != '\n' && text[end] != 0)
                        end++;
                *pos = end < len && text[end] == '\n' ? end + 1 : end;
                size_t line_end = end;
                if (line_end > start && text[line_end - 1] == '\r')
                        line_end--;
                if (line_end == start)
                        continue;
                size_t comma = start;
                while (comma < line_end && text[comma] != ',')
                        comma++;
                size_t gen_end = comma + 1;
                while (gen_end < line_end && text[gen_end] != ',')
                        gen_end++;
                /* Spaces around the number are tolerated (shim reads it with atoi, which skips leading
                 * blanks and stops at trailing ones), so "systemd,2 " still revokes. */
                size_t g0 = comma + 1, g1 = gen_end;
                while (g0 < g1 && (text[g0] == ' ' || text[g0] == '\t'))
                        g0++;
                while (g1 > g0 && (text[g1 - 1] == ' ' || text[g1 - 1] == '\t'))
                        g1--;
                uint64_t gen;
                if (comma == start || comma >= line_end || !uk_parse_u64(text + g0, g1 - g0, &gen))
                        return UK_E_SYNTAX;
                ret->name = text + start;
                ret->name_len = comma - start;
                ret->generation = gen;
                return UK_OK;
        }
        return UK_E_NOT_FOUND;
}

uk_err uk_sbat_check(const char *text, size_t len, const char *level, size_t level_len,
                     struct uk_sbat_revoked *ret_revoked) {
        struct sbat_line img, rev;
        size_t ipos = 0, lpos;
        uk_err r;

        if ((!text && len) || (!level && level_len) || !ret_revoked)
                return UK_E_INVALID_ARG;
        while ((r = next_line(text, len, &ipos, &img)) == UK_OK) {
                lpos = 0;
                for (;;) {
                        r = next_line(level, level_len, &lpos, &rev);
                        if (r == UK_E_NOT_FOUND)
                                break;
                        if (r == UK_E_SYNTAX) {
                                /* Skip the damaged line: next_line already moved past it. */
                                continue;
                        }
                        if (rev.name_len != img.name_len || uk_memcmp(rev.name, img.name, img.name_len) != 0 ||
                            img.generation >= rev.generation)
                                continue;
                        size_t n = img.name_len < UK_SBAT_NAME_MAX - 1 ? img.name_len : UK_SBAT_NAME_MAX - 1;
                        /* Printed in the refusal: nothing of the image's bytes reaches a terminal raw. */
                        for (size_t k = 0; k < n; k++) {
                                char ch = img.name[k];
                                ret_revoked->component[k] = ch > 0x20 && ch < 0x7f ? ch : '?';
                        }
                        ret_revoked->component[n] = 0;
                        ret_revoked->generation = img.generation;
                        ret_revoked->minimum = rev.generation;
                        return UK_E_SBAT_REVOKED;
                }
        }
        return r == UK_E_NOT_FOUND ? UK_OK : r;
}
