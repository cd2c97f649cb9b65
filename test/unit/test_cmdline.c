/* ukiboot — command-line policy table: every combination of base / options / append / Secure Boot,
 * normalisation and the length limit. Expected values follow doc/cmdline-policy.md by hand. */
#include "unit.h"
#include "cmdline.h"

#define N_OPT UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB
#define N_APP UK_CMDLINE_NOTE_APPEND_IGNORED_SB
#define BASE(s) .uki = s, .uki_len = sizeof(s) - 1, .has_uki = true
#define OPTS(s) .opts = s, .has_opts = true

struct row {
        const char *name;
        const char *uki;          /* .cmdline bytes (may contain NUL), uki_len of them */
        size_t uki_len;
        bool has_uki;
        const char *opts;
        bool has_opts;
        const char *append;
        bool sb;
        size_t max_len;
        uk_err err;
        const char *expect;
        unsigned notes;
};

static const struct row rows[] = {
        /* base / options / append × Secure Boot */
        { "nothing", .expect = "" },
        { "nothing-sb", .sb = true, .expect = "" },
        { "base", BASE("console=ttyS0 panic=-1\n"), .expect = "console=ttyS0 panic=-1" },
        { "base-sb", BASE("console=ttyS0 panic=-1\n"), .sb = true, .expect = "console=ttyS0 panic=-1" },
        { "base+opts", BASE("root=/dev/a\n"), OPTS("root=/dev/b quiet"), .expect = "root=/dev/b quiet" },
        { "base+opts-sb", BASE("root=/dev/a\n"), OPTS("root=/dev/b quiet"), .sb = true,
          .expect = "root=/dev/a", .notes = N_OPT },
        { "opts", OPTS("root=/dev/b"), .expect = "root=/dev/b" },
        { "opts-sb", OPTS("root=/dev/b"), .sb = true, .expect = "root=/dev/b" },
        { "base+append", BASE("root=/dev/a\n"), .append = "debug", .expect = "root=/dev/a debug" },
        { "base+append-sb", BASE("root=/dev/a\n"), .append = "debug", .sb = true,
          .expect = "root=/dev/a", .notes = N_APP },
        { "base+opts+append", BASE("root=/dev/a"), OPTS("root=/dev/b"), .append = "debug",
          .expect = "root=/dev/b debug" },
        { "base+opts+append-sb", BASE("root=/dev/a"), OPTS("root=/dev/b"), .append = "debug", .sb = true,
          .expect = "root=/dev/a", .notes = N_OPT | N_APP },
        { "opts+append", OPTS("root=/dev/b"), .append = "debug", .expect = "root=/dev/b debug" },
        { "opts+append-sb", OPTS("root=/dev/b"), .append = "debug", .sb = true, .expect = "root=/dev/b debug" },
        { "append-only", .append = "debug", .expect = "debug" },
        { "append-only-sb", .append = "debug", .sb = true, .expect = "debug" },
        /* an embedded but empty .cmdline still counts as embedded: it locks under Secure Boot */
        { "empty-section-sb", BASE(""), OPTS("root=/dev/b"), .append = "x", .sb = true,
          .expect = "", .notes = N_OPT | N_APP },
        { "empty-section", BASE(""), OPTS("root=/dev/b"), .expect = "root=/dev/b" },
        /* options that are absent in substance leave the base alone and are not "ignored" */
        { "empty-opts", BASE("a=1"), OPTS(""), .expect = "a=1" },
        { "blank-opts", BASE("a=1"), OPTS("  "), .expect = "a=1" },
        { "blank-opts-sb", BASE("a=1"), OPTS(" \t "), .sb = true, .expect = "a=1" },
        { "garbage-opts", BASE("a=1"), OPTS("\x01\x02zz"), .expect = "a=1" },
        { "opts-flag-unset", BASE("a=1"), .opts = "b=2", .expect = "a=1" },
        { "blank-append-sb", BASE("a=1"), .append = " \n", .sb = true, .expect = "a=1" },
        /* normalisation */
        { "control-chars", BASE("a\tb\x01" "c\x7f" "d"), .expect = "a b c d" },
        { "runs-kept", BASE("a\t\tb\r\nc"), .expect = "a  b  c" },
        { "trim", BASE("  \n a b \r\n"), .expect = "a b" },
        { "trailing-newline", BASE("quiet\n"), .expect = "quiet" },
        { "nul-ends-section", BASE("a b\0c d"), .expect = "a b" },
        { "nul-first", BASE("\0abc"), .expect = "" },
        { "nul-padding", BASE("x=1\n\0\0\0"), .expect = "x=1" },
        { "high-bytes-kept", BASE("name=\xc3\xa9t\xc3\xa9"), .expect = "name=\xc3\xa9t\xc3\xa9" },
        { "opts-inner-control", BASE("a=1"), OPTS("b=2\tc=3\n"), .expect = "b=2 c=3" },
        { "append-control", BASE("a=1\n"), .append = "\tx=\x1b" "y\n", .expect = "a=1 x= y" },
        { "base-blank+append", BASE(" \n"), .append = "x", .expect = "x" },
        /* length limit: measured after normalisation */
        { "exactly-max", BASE("0123456789"), .max_len = 10, .expect = "0123456789" },
        { "max+1", BASE("0123456789a"), .max_len = 10, .err = UK_E_CMDLINE_TOO_LONG },
        { "max-after-trim", BASE("0123456789\n\n"), .max_len = 10, .expect = "0123456789" },
        { "append-exactly-max", BASE("01234"), .append = "6789", .max_len = 10, .expect = "01234 6789" },
        { "append-max+1", BASE("01234"), .append = "67890", .max_len = 10, .err = UK_E_CMDLINE_TOO_LONG },
        { "dropped-append-not-counted", BASE("01234"), .append = "67890", .sb = true, .max_len = 5,
          .expect = "01234", .notes = N_APP },
};

static char big[2100];

static void run_row(const struct row *r) {
        struct uk_cmdline_in in = {
                .uki_cmdline = r->uki, .uki_cmdline_len = r->uki_len, .uki_has_cmdline = r->has_uki,
                .entry_options = r->opts, .has_entry_options = r->has_opts,
                .append = r->append, .secure_boot = r->sb, .max_len = r->max_len,
        };
        char out[4096];
        size_t len = 99999;
        unsigned notes = 12345;
        uk_err e = uk_cmdline_merge(&in, out, sizeof(out), &len, &notes);
        CHECK(e == r->err, "%s: error %d, expected %d", r->name, e, r->err);
        if (e != UK_OK) {
                CHECK(len == 99999 && notes == 12345, "%s: outputs written on failure", r->name);
                return;
        }
        CHECK(strcmp(out, r->expect) == 0, "%s: got \"%s\", expected \"%s\"", r->name, out, r->expect);
        CHECK(len == strlen(r->expect), "%s: length %zu", r->name, len);
        CHECK((notes & UK_CMDLINE_NOTES_DROPPED) == r->notes, "%s: notes %u, expected %u", r->name, notes, r->notes);
}

static void test_default_max(void) {
        /* max_len 0 means "unknown": 2047, the x86 limit. */
        memset(big, 'x', 2048);
        struct uk_cmdline_in in = { .uki_cmdline = big, .uki_cmdline_len = 2047, .uki_has_cmdline = true };
        char out[4096];
        size_t len = 0;
        unsigned notes;
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, sizeof(out), &len, &notes), UK_OK, "2047 with default max");
        CHECK_EQ_INT(len, 2047, "length");
        in.uki_cmdline_len = 2048;
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, sizeof(out), &len, &notes), UK_E_CMDLINE_TOO_LONG, "2048 with default max");
        in.max_len = 4095;
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, sizeof(out), &len, &notes), UK_OK, "2048 with max 4095");
}

static void test_buffer(void) {
        struct uk_cmdline_in in = { .uki_cmdline = "abc def", .uki_cmdline_len = 7, .uki_has_cmdline = true };
        char out[16];
        size_t len = 77;
        memset(out, '#', sizeof(out));
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, 7, &len, NULL), UK_E_BUFFER_TOO_SMALL, "no room for NUL");
        CHECK(out[0] == '#' && len == 77, "nothing written on failure");
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, 8, &len, NULL), UK_OK, "exact fit");
        CHECK(memcmp(out, "abc def\0#", 9) == 0, "no write past the NUL");
        CHECK_EQ_INT(uk_cmdline_merge(&in, out, 0, &len, NULL), UK_E_BUFFER_TOO_SMALL, "cap 0");
        CHECK_EQ_INT(uk_cmdline_merge(NULL, out, 8, &len, NULL), UK_E_INVALID_ARG, "NULL in");
        CHECK_EQ_INT(uk_cmdline_merge(&in, NULL, 8, &len, NULL), UK_E_INVALID_ARG, "NULL out");
}

static void test_normalize(void) {
        static const struct { const char *in; size_t len; const char *out; } t[] = {
                { "", 0, "" },
                { "abc", 3, "abc" },
                { " \t\nabc\r\n", 8, "abc" },
                { "a\x01\x7f" "b", 4, "a  b" },
                { "a\0b", 3, "a" },
                { "\n\n", 2, "" },
                { "x y  z", 6, "x y  z" },
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char buf[32];
                memset(buf, '#', sizeof(buf));
                memcpy(buf, t[i].in, t[i].len);
                size_t n = uk_cmdline_normalize(buf, t[i].len);
                CHECK(n == strlen(t[i].out) && memcmp(buf, t[i].out, n) == 0, "normalize #%zu: %zu \"%.*s\"", i, n, (int) n, buf);
                if (n < t[i].len)
                        CHECK(buf[n] == 0, "normalize #%zu: NUL after result", i);
                CHECK(buf[t[i].len] == '#', "normalize #%zu: wrote past len", i);
        }
}

/* Provenance is recorded by the merge: which outside parts the final line holds. */
static void test_provenance(void) {
        static const struct {
                const char *name, *uki, *opts, *append;
                bool sb;
                unsigned from;
        } prov[] = {
                { "uki only", "a", NULL, NULL, false, 0 },
                { "options replace", "a", "b", NULL, false, UK_CMDLINE_NOTE_FROM_OPTIONS },
                { "blank options", "a", "  ", NULL, false, 0 },
                { "garbage options", "a", "\x01x", NULL, false, 0 },
                { "append", "a", NULL, "c", false, UK_CMDLINE_NOTE_FROM_APPEND },
                { "both", NULL, "b", "c", false, UK_CMDLINE_NOTE_FROM_OPTIONS | UK_CMDLINE_NOTE_FROM_APPEND },
                { "both under SB with .cmdline", "a", "b", "c", true, 0 },
                { "both under SB without .cmdline", NULL, "b", "c", true,
                  UK_CMDLINE_NOTE_FROM_OPTIONS | UK_CMDLINE_NOTE_FROM_APPEND },
        };
        for (size_t i = 0; i < sizeof(prov) / sizeof(prov[0]); i++) {
                struct uk_cmdline_in in = {
                        .uki_cmdline = prov[i].uki, .uki_cmdline_len = prov[i].uki ? strlen(prov[i].uki) : 0,
                        .uki_has_cmdline = prov[i].uki != NULL, .entry_options = prov[i].opts,
                        .has_entry_options = prov[i].opts != NULL, .append = prov[i].append, .secure_boot = prov[i].sb,
                };
                char out[64];
                size_t len;
                unsigned notes = 0;
                CHECK_EQ_INT(uk_cmdline_merge(&in, out, sizeof(out), &len, &notes), UK_OK, "%s", prov[i].name);
                CHECK_EQ_INT(notes & UK_CMDLINE_NOTES_FROM, prov[i].from, "%s", prov[i].name);
        }
}

int main(void) {
        unit_suite = "cmdline";
        test_provenance();
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                run_row(&rows[i]);
        test_default_max();
        test_buffer();
        test_normalize();
        return unit_finish();
}
