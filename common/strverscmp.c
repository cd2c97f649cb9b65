/* ukiboot — version comparison with the rules of systemd's strverscmp_improved (as in systemd 252.39).
 *
 * A version is a run of segments, each numeric or alphabetic, optionally introduced by one of:
 *   '~' pre-release: older than anything else at that point, even than the end of the string;
 *   '-' version/release separator: older than '^', '.' or a bare segment;
 *   '^' patch level: newer than '-', older than '.' or a bare segment;
 *   '.' point release: older than a bare segment.
 * Numeric segments compare by value (leading zeros ignored) and are newer than alphabetic ones;
 * alphabetic segments compare bytewise, a longer one winning a tie on the common prefix. Any other
 * character only separates segments. Once one string ends, the one with more left is newer. */
#include "entry.h"
#include "util.h"

static bool is_version_char(char c) {
        return uk_isdigit(c) || uk_isalpha(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

static int sign(long v) {
        return (v > 0) - (v < 0);
}

/* Compare the leading "prefix" character: the side carrying it is older (returns <0 for a). */
static int cmp_prefix(const char **a, const char **b, char prefix, bool *ret_decided) {
        *ret_decided = false;
        if (**a != prefix && **b != prefix)
                return 0;
        if (**a != prefix || **b != prefix) {
                *ret_decided = true;
                return **a == prefix ? -1 : 1;
        }
        (*a)++, (*b)++;
        return 0;
}

int uk_strverscmp(const char *a, const char *b) {
        bool decided;
        int r;

        /* An empty (or missing) version is older than any other, as systemd compares them plainly. */
        if (!a || !b || !a[0] || !b[0]) {
                if (!a || !b)
                        return a ? 1 : b ? -1 : 0;
                return sign((long) (unsigned char) a[0] - (long) (unsigned char) b[0]);
        }

        for (;;) {
                const char *ea, *eb;

                while (*a && !is_version_char(*a))
                        a++;
                while (*b && !is_version_char(*b))
                        b++;

                r = cmp_prefix(&a, &b, '~', &decided);
                if (decided)
                        return r;

                /* After '~' handling so that "1~rc" < "1" while otherwise more segments win. */
                if (!*a || !*b)
                        return sign(uk_strcmp(a, b));

                r = cmp_prefix(&a, &b, '-', &decided);
                if (decided)
                        return r;
                r = cmp_prefix(&a, &b, '^', &decided);
                if (decided)
                        return r;
                r = cmp_prefix(&a, &b, '.', &decided);
                if (decided)
                        return r;

                if (uk_isdigit(*a) || uk_isdigit(*b)) {
                        for (ea = a; uk_isdigit(*ea); ea++)
                                ;
                        for (eb = b; uk_isdigit(*eb); eb++)
                                ;
                        /* A number beats no number (e.g. an alphabetic segment or the end). */
                        if ((ea != a) != (eb != b))
                                return ea != a ? 1 : -1;
                        while (*a == '0')
                                a++;
                        while (*b == '0')
                                b++;
                        /* Same digit count after the zeros: bytewise order is numeric order. */
                        if (ea - a != eb - b)
                                return ea - a > eb - b ? 1 : -1;
                        r = uk_memcmp(a, b, (size_t) (ea - a));
                        if (r)
                                return sign(r);
                } else {
                        size_t na, nb;
                        for (ea = a; uk_isalpha(*ea); ea++)
                                ;
                        for (eb = b; uk_isalpha(*eb); eb++)
                                ;
                        na = (size_t) (ea - a);
                        nb = (size_t) (eb - b);
                        r = uk_memcmp(a, b, na < nb ? na : nb);
                        if (r)
                                return sign(r);
                        if (na != nb)
                                return na > nb ? 1 : -1;
                }
                a = ea;
                b = eb;
        }
}
