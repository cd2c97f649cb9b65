/* ukiboot — os-release parsing tests: quoting, comments, line ends, lookup, iteration and title. */
#include "unit.h"
#include "osrel.h"
#include "util.h"

struct get_case {
        const char *name;
        const char *text;
        size_t len;              /* 0: strlen(text) */
        const char *key;
        uk_err expect;
        const char *value;       /* expected value when UK_OK */
};

/* Expected values follow os-release(5) and POSIX shell quoting rules. */
static const struct get_case get_cases[] = {
        { "plain", "ID=debian\n", 0, "ID", UK_OK, "debian" },
        { "no final newline", "ID=debian", 0, "ID", UK_OK, "debian" },
        { "double quotes", "NAME=\"Debian GNU/Linux\"\n", 0, "NAME", UK_OK, "Debian GNU/Linux" },
        { "single quotes keep backslashes", "A='a \\\" $x `y`'\n", 0, "A", UK_OK, "a \\\" $x `y`" },
        { "double-quote escapes", "A=\"q\\\" b\\\\ d\\$ t\\` n\\n\"\n", 0, "A", UK_OK, "q\" b\\ d$ t` n\\n" },
        { "unquoted escape", "A=foo\\ bar\\$\n", 0, "A", UK_OK, "foo bar$" },
        { "escaped trailing space", "A=foo\\ \n", 0, "A", UK_OK, "foo " },
        { "unquoted inner space kept", "NAME=Debian GNU\n", 0, "NAME", UK_OK, "Debian GNU" },
        { "trailing blanks dropped", "ID=debian  \t\n", 0, "ID", UK_OK, "debian" },
        { "blanks inside quotes kept", "A=\"  x  \"  \n", 0, "A", UK_OK, "  x  " },
        { "blanks around key and =", "  ID =  debian\n", 0, "ID", UK_OK, "debian" },
        { "concatenation", "A=\"a\"'b'c\n", 0, "A", UK_OK, "abc" },
        { "empty value", "ID=\n", 0, "ID", UK_OK, "" },
        { "empty quotes", "ID=\"\"\n", 0, "ID", UK_OK, "" },
        { "equals in value", "A=x=y\n", 0, "A", UK_OK, "x=y" },
        { "CR LF", "ID=debian\r\nVERSION_ID=\"12\"\r\n", 0, "VERSION_ID", UK_OK, "12" },
        { "CR LF unquoted", "ID=debian\r\nVERSION_ID=12\r\n", 0, "ID", UK_OK, "debian" },
        { "comment skipped", "# ID=commented\nID=real\n", 0, "ID", UK_OK, "real" },
        { "indented comment", "  # ID=commented\n", 0, "ID", UK_E_NOT_FOUND, NULL },
        { "blank lines", "\n\n   \nID=x\n\n", 0, "ID", UK_OK, "x" },
        { "last assignment wins", "ID=a\nID=b\n", 0, "ID", UK_OK, "b" },
        { "no '=' skipped", "ID debian\nID=x\n", 0, "ID", UK_OK, "x" },
        { "key starting with digit", "1ID=x\n", 0, "1ID", UK_E_NOT_FOUND, NULL },
        { "key with dash", "I-D=x\n", 0, "I-D", UK_E_NOT_FOUND, NULL },
        { "key with space", "I D=x\n", 0, "I D", UK_E_NOT_FOUND, NULL },
        { "empty key", "=x\n", 0, "", UK_E_NOT_FOUND, NULL },
        { "underscore and digits", "_A1_=ok\n", 0, "_A1_", UK_OK, "ok" },
        { "key is not a prefix match", "ID_LIKE=debian\nIDX=1\n", 0, "ID", UK_E_NOT_FOUND, NULL },
        { "key case-sensitive", "id=x\n", 0, "ID", UK_E_NOT_FOUND, NULL },
        { "unterminated double quote", "NAME=\"Debian\n", 0, "NAME", UK_E_SYNTAX, NULL },
        { "unterminated single quote", "NAME='Debian\nX=1'\n", 0, "NAME", UK_E_SYNTAX, NULL },
        { "quote not closed by escaped quote", "A=\"x\\\"\n", 0, "A", UK_E_SYNTAX, NULL },
        { "trailing backslash", "A=x\\\n", 0, "A", UK_E_SYNTAX, NULL },
        { "malformed earlier line ignored", "A=\"x\nA=ok\n", 0, "A", UK_OK, "ok" },
        { "malformed last line wins", "A=ok\nA=\"x\n", 0, "A", UK_E_SYNTAX, NULL },
        { "NUL ends the text", "ID=a\n\0ID=b\n", 12, "ID", UK_OK, "a" },
        { "NUL padding", "ID=a\0\0\0\0", 8, "ID", UK_OK, "a" },
        { "len limits the text", "ID=abcdef", 5, "ID", UK_OK, "ab" },
        { "empty text", "", 0, "ID", UK_E_NOT_FOUND, NULL },
        { "missing key", "NAME=x\n", 0, "ID", UK_E_NOT_FOUND, NULL },
};

static void test_get(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(get_cases); i++) {
                const struct get_case *c = &get_cases[i];
                size_t len = c->len ? c->len : strlen(c->text);
                char val[64];
                memset(val, 'X', sizeof(val));
                uk_err r = uk_osrel_get(c->text, len, c->key, val, sizeof(val));
                CHECK(r == c->expect, "%s: got %d (%s), expected %d", c->name, r, uk_strerror(r), c->expect);
                if (r == UK_OK && c->expect == UK_OK)
                        CHECK(strcmp(val, c->value) == 0, "%s: value \"%s\", expected \"%s\"", c->name, val, c->value);
                if (r != UK_OK)
                        CHECK(val[0] == 'X', "%s: output written on failure", c->name);
        }
}

static void test_get_capacity(void) {
        char val[8];

        memset(val, 'X', sizeof(val));
        CHECK_EQ_INT(uk_osrel_get("ID=debian", 9, "ID", val, 6), UK_E_BUFFER_TOO_SMALL, "6 bytes for 6 chars + NUL");
        CHECK(val[0] == 'X', "untouched when too small");
        CHECK_EQ_INT(uk_osrel_get("ID=debian", 9, "ID", val, 7), UK_OK, "exact fit");
        CHECK_EQ_STR(val, "debian");
        CHECK_EQ_INT(uk_osrel_get("ID=", 3, "ID", val, 1), UK_OK, "empty value in 1 byte");
        CHECK_EQ_STR(val, "");
        CHECK_EQ_INT(uk_osrel_get("ID=", 3, "ID", val, 0), UK_E_BUFFER_TOO_SMALL, "zero capacity");
        /* Escapes shrink the value: "a\"b" needs 4 bytes, not 6. */
        CHECK_EQ_INT(uk_osrel_get("A=\"a\\\"b\"", 9, "A", val, 4), UK_OK, "unquoted length decides");
        CHECK_EQ_STR(val, "a\"b");
        CHECK_EQ_INT(uk_osrel_get(NULL, 0, "ID", val, sizeof(val)), UK_E_NOT_FOUND, "NULL empty text");
        CHECK_EQ_INT(uk_osrel_get(NULL, 5, "ID", val, sizeof(val)), UK_E_INVALID_ARG, "NULL text with length");
        CHECK_EQ_INT(uk_osrel_get("ID=x", 4, NULL, val, sizeof(val)), UK_E_INVALID_ARG, "NULL key");
}

struct collect {
        char out[512];
        int calls;
        int stop_after;
};

static uk_err collect_cb(void *ctx, const char *key, size_t key_len, const char *val) {
        struct collect *c = ctx;
        size_t n = strlen(c->out);
        snprintf(c->out + n, sizeof(c->out) - n, "%.*s=[%s];", (int) key_len, key, val);
        c->calls++;
        if (c->stop_after && c->calls == c->stop_after)
                return UK_E_TOO_MANY;
        return UK_OK;
}

static void test_foreach(void) {
        static const char text[] =
                "# comment\r\n"
                "NAME=\"Debian GNU/Linux\"\r\n"
                "bad line\n"
                "1BAD=x\n"
                "BROKEN=\"unterminated\n"
                "\n"
                "ID=debian\n"
                "PRETTY_NAME='Debian 12 (bookworm)'\n"
                "EMPTY=\n"
                "ID=again";
        struct collect c = {};
        char scratch[64];

        CHECK_EQ_INT(uk_osrel_foreach(text, strlen(text), scratch, sizeof(scratch), collect_cb, &c), UK_OK, "foreach");
        CHECK_EQ_STR(c.out, "NAME=[Debian GNU/Linux];ID=[debian];PRETTY_NAME=[Debian 12 (bookworm)];EMPTY=[];ID=[again];");
        CHECK_EQ_INT(c.calls, 5, "well-formed lines only");

        memset(&c, 0, sizeof(c));
        c.stop_after = 2;
        CHECK_EQ_INT(uk_osrel_foreach(text, strlen(text), scratch, sizeof(scratch), collect_cb, &c), UK_E_TOO_MANY,
                     "callback error stops and propagates");
        CHECK_EQ_INT(c.calls, 2, "stopped after two");

        memset(&c, 0, sizeof(c));
        CHECK_EQ_INT(uk_osrel_foreach(text, strlen(text), scratch, 16, collect_cb, &c), UK_E_BUFFER_TOO_SMALL,
                     "scratch too small for \"Debian GNU/Linux\"");
        CHECK_EQ_INT(c.calls, 0, "nothing delivered before the long value");

        memset(&c, 0, sizeof(c));
        CHECK_EQ_INT(uk_osrel_foreach("", 0, scratch, sizeof(scratch), collect_cb, &c), UK_OK, "empty");
        CHECK_EQ_INT(c.calls, 0, "no calls");
        CHECK_EQ_INT(uk_osrel_foreach("A=1", 3, scratch, sizeof(scratch), NULL, &c), UK_E_INVALID_ARG, "NULL cb");
}

struct title_case {
        const char *name;
        const char *text;
        size_t cap;
        uk_err expect;
        const char *title;
};

/* The rule documented in osrel.h: PRETTY_NAME, else NAME + VERSION/VERSION_ID, else ID. */
static const struct title_case title_cases[] = {
        { "pretty name", "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n", 64, UK_OK,
          "Debian GNU/Linux 12 (bookworm)" },
        { "name + version", "NAME=Debian\nVERSION=\"12 (bookworm)\"\nVERSION_ID=12\n", 64, UK_OK, "Debian 12 (bookworm)" },
        { "name + version_id", "NAME=Fedora\nVERSION_ID=40\n", 64, UK_OK, "Fedora 40" },
        { "name only", "NAME=Arch\nID=arch\n", 64, UK_OK, "Arch" },
        { "id only", "ID=alpine\n", 64, UK_OK, "alpine" },
        { "empty pretty name falls back", "PRETTY_NAME=\nNAME=X\nVERSION_ID=1\n", 64, UK_OK, "X 1" },
        { "malformed pretty name falls back", "PRETTY_NAME=\"oops\nID=x\n", 64, UK_OK, "x" },
        { "empty version falls back to id", "NAME=N\nVERSION=\nVERSION_ID=7\n", 64, UK_OK, "N 7" },
        { "nothing", "HOME_URL=x\n", 64, UK_E_NOT_FOUND, NULL },
        { "empty text", "", 64, UK_E_NOT_FOUND, NULL },
        { "exact fit", "NAME=ab\nVERSION=cd\n", 6, UK_OK, "ab cd" },
        { "one short", "NAME=ab\nVERSION=cd\n", 5, UK_E_BUFFER_TOO_SMALL, NULL },
        { "pretty too long", "PRETTY_NAME=abcdef\n", 6, UK_E_BUFFER_TOO_SMALL, NULL },
        { "id too long", "ID=abcdef\n", 6, UK_E_BUFFER_TOO_SMALL, NULL },
};

static void test_title(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(title_cases); i++) {
                const struct title_case *c = &title_cases[i];
                char t[128];
                memset(t, 'X', sizeof(t));
                uk_err r = uk_osrel_title(c->text, strlen(c->text), t, c->cap);
                CHECK(r == c->expect, "%s: got %d (%s), expected %d", c->name, r, uk_strerror(r), c->expect);
                if (r == UK_OK && c->title)
                        CHECK(strcmp(t, c->title) == 0, "%s: \"%s\", expected \"%s\"", c->name, t, c->title);
                if (r != UK_OK)
                        CHECK(t[0] == 'X', "%s: written on failure", c->name);
        }
}

/* The host's own os-release, if present, must parse and give a title (a smoke test on real input). */
static void test_real_os_release(void) {
        FILE *f = fopen("/usr/lib/os-release", "re");
        char buf[4096], title[128], id[64];
        size_t n;

        if (!f) {
                printf("SKIP: osrel-real: /usr/lib/os-release not found\n");
                return;
        }
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        CHECK_EQ_INT(uk_osrel_title(buf, n, title, sizeof(title)), UK_OK, "host os-release title");
        CHECK_EQ_INT(uk_osrel_get(buf, n, "ID", id, sizeof(id)), UK_OK, "host os-release ID");
        CHECK(strlen(id) > 0 && strchr(id, '"') == NULL, "ID unquoted: %s", id);
}

int main(void) {
        unit_suite = "osrel";
        test_get();
        test_get_capacity();
        test_foreach();
        test_title();
        test_real_os_release();
        return unit_finish();
}
