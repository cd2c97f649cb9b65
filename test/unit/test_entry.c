/* Unit tests for common/entry*.c, loader_conf.c and strverscmp.c: BLS Type #1 parsing, boot counting,
 * loader.conf, systemd-boot's version compare, ordering, default selection and discovery over a fake ESP. */
#include <stdint.h>
#include "fake_fs.h"
#include "unit.h"
#include "timeout.h"
#include "entry.h"
#include "util.h"

/* ---- strverscmp ------------------------------------------------------------------------------------
 * Expected signs were taken from systemd itself: `systemd-analyze compare-versions A B` of Debian's
 * systemd 252.39-1~deb12u2 (same strverscmp_improved as its systemd-boot). */
static const struct { const char *a, *b; int expect; } verscmp_table[] = {
        { "1.0", "1.1", -1 },
        { "1.1", "1.0", 1 },
        { "1.0", "1.0", 0 },
        { "1.0~rc1", "1.0", -1 },
        { "1.0~rc1", "1.0~rc2", -1 },
        { "1.0~rc1", "0.9", 1 },
        { "6.1.0-13", "6.1.0-26", -1 },
        { "6.1.0-13-amd64", "6.1.0-26-amd64", -1 },
        { "6.1.0-9", "6.1.0-10", -1 },
        { "1.0a", "1.0", 1 },
        { "1.0", "1.0.1", -1 },
        { "123", "45", 1 },
        { "00123", "123", 0 },
        { "1.0", "1.a", 1 },
        { "1.0", "1.", 1 },
        { "1.a", "1.b", -1 },
        { "abc", "abcd", -1 },
        { "123-1", "123.1", -1 },
        { "123^post1", "123-1", 1 },
        { "123^post1", "123.a-1", -1 },
        { "123.a-1", "123.1-1", -1 },
        { "123.1-1", "123a-1", -1 },
        { "123a-1", "124-1", -1 },
        { "122.1", "123~rc1-1", -1 },
        { "123", "123-a", -1 },
        { "123-a", "123-a.1", -1 },
        { "123-a.1", "123-1", -1 },
        { "1_2", "1.2", 1 },
        { "12", "1_2", 1 },
        { "a", "b", -1 },
        { "5.10.0", "5.9.999", 1 },
        { "debian-6.1.0-13.conf", "debian-6.1.0-26.conf", -1 },
        { "fedora-38.conf", "fedora-38-1.conf", 1 },
        { "~", "~~", -1 },
        { "1~", "1", -1 },
        { "0", "00", 0 },
        { "1.0~", "1.0", -1 },
        { "2.0^", "2.0", 1 },
        { "x64", "x86", -1 },
        { "", "1", -1 },
        { "", "", 0 },
};

static int sgn(int v) { return (v > 0) - (v < 0); }

static void test_strverscmp(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(verscmp_table); i++) {
                const char *a = verscmp_table[i].a, *b = verscmp_table[i].b;
                CHECK(sgn(uk_strverscmp(a, b)) == verscmp_table[i].expect, "strverscmp(\"%s\", \"%s\") = %d, expected %d",
                      a, b, uk_strverscmp(a, b), verscmp_table[i].expect);
                CHECK(sgn(uk_strverscmp(b, a)) == -verscmp_table[i].expect, "strverscmp(\"%s\", \"%s\") not antisymmetric", b, a);
        }
}

/* ---- Type #1 .conf parsing --------------------------------------------------------------------------- */
static uk_err parse(const char *text, const char *filename, struct uk_entry *e) {
        return uk_entry_parse_conf(text, strlen(text), filename, "/loader/entries/x.conf", e);
}

static void test_conf_all_keys(void) {
        static const char text[] =
                "# Debian entry\n"
                "title      Debian GNU/Linux 12\n"
                "version    6.1.0-26-amd64\n"
                "sort-key   debian\n"
                "machine-id 0123456789abcdef0123456789abcdef\n"
                "linux      /debian/vmlinuz-6.1.0-26\n"
                "initrd     /debian/intel-ucode.img\n"
                "initrd     /debian/initrd.img-6.1.0-26\n"
                "options    root=/dev/sda2 ro\n"
                "options    quiet\tsplash\n"
                "devicetree /dtb/board.dtb\n"
                "architecture x64\n"
                "frobnicate yes\n";
        struct uk_entry e;

        CHECK_EQ_INT(uk_entry_parse_conf(text, sizeof(text) - 1, "Debian-6.1.0-26+3-1.conf", "/loader/entries/Debian-6.1.0-26+3-1.conf", &e), UK_OK, "parse");
        CHECK_EQ_INT(e.type, UK_ENTRY_TYPE1, "type");
        CHECK_EQ_INT(e.kind, UK_ENTRY_KIND_LINUX, "kind");
        CHECK_EQ_STR(e.id, "debian-6.1.0-26.conf");
        CHECK_EQ_STR(e.path, "/loader/entries/Debian-6.1.0-26+3-1.conf");
        CHECK_EQ_STR(e.title, "Debian GNU/Linux 12");
        CHECK_EQ_STR(e.version, "6.1.0-26-amd64");
        CHECK_EQ_STR(e.sort_key, "debian");
        CHECK_EQ_STR(e.machine_id, "0123456789abcdef0123456789abcdef");
        CHECK_EQ_STR(e.linux_path, "/debian/vmlinuz-6.1.0-26");
        CHECK_EQ_INT(e.n_initrd, 2, "two initrds");
        CHECK_EQ_STR(e.initrd[0], "/debian/intel-ucode.img");
        CHECK_EQ_STR(e.initrd[1], "/debian/initrd.img-6.1.0-26");
        CHECK(e.has_options, "has_options");
        CHECK_EQ_STR(e.options, "root=/dev/sda2 ro quiet\tsplash");
        CHECK_EQ_STR(e.devicetree, "/dtb/board.dtb");
        CHECK_EQ_STR(e.architecture, "x64");
        CHECK(uk_entry_is_for_x64(&e), "x64 entry applies");
        CHECK_EQ_INT(e.tries_left, 3, "tries_left");
        CHECK_EQ_INT(e.tries_done, 1, "tries_done");
        CHECK(!e.has_profile, "no profile");
        CHECK_EQ_STR(e.efi_path, "");
        CHECK_EQ_STR(e.uki_path, "");
        CHECK_EQ_STR(e.url, "");
}

static void test_conf_kinds(void) {
        static const struct {
                const char *text;
                enum uk_entry_kind kind;
        } t[] = {
                { "linux /vmlinuz\n", UK_ENTRY_KIND_LINUX },
                { "efi /EFI/tools/shell.efi\n", UK_ENTRY_KIND_EFI },
                { "uki /EFI/Linux/a.efi\n", UK_ENTRY_KIND_UKI },
                { "uki-url http://10.0.2.100/a.efi\n", UK_ENTRY_KIND_UKI_URL },
                /* precedence: uki-url > uki > linux > efi, whatever the line order */
                { "efi /x.efi\nlinux /vmlinuz\n", UK_ENTRY_KIND_LINUX },
                { "linux /vmlinuz\nefi /x.efi\n", UK_ENTRY_KIND_LINUX },
                { "uki /a.efi\nlinux /vmlinuz\n", UK_ENTRY_KIND_UKI },
                { "uki-url http://h/a.efi\nuki /a.efi\n", UK_ENTRY_KIND_UKI_URL },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_entry e;
                CHECK_EQ_INT(parse(t[i].text, "k.conf", &e), UK_OK, "case %zu", i);
                CHECK_EQ_INT(e.kind, t[i].kind, "case %zu", i);
        }

        struct uk_entry e;
        CHECK_EQ_INT(parse("uki-url http://10.0.2.100:8080/a.efi?x=1\nprofile 2\n", "u.conf", &e), UK_OK, "uki-url");
        CHECK_EQ_STR(e.url, "http://10.0.2.100:8080/a.efi?x=1");
        CHECK(e.has_profile && e.profile == 2, "profile 2");
        CHECK_EQ_INT(parse("uki /EFI/Linux/a.efi\nprofile x\n", "u.conf", &e), UK_OK, "bad profile ignored");
        CHECK(!e.has_profile, "unparsable profile ignored like systemd-boot");
        CHECK_EQ_STR(e.uki_path, "/EFI/Linux/a.efi");
        CHECK_EQ_INT(parse("efi \\EFI\\tools\\shell.efi\n", "e.conf", &e), UK_OK, "efi backslashes");
        CHECK_EQ_STR(e.efi_path, "/EFI/tools/shell.efi");
        CHECK_EQ_INT(parse("linux vmlinuz\ninitrd initrd.img\n", "r.conf", &e), UK_OK, "relative paths");
        CHECK_EQ_STR(e.linux_path, "/vmlinuz");
        CHECK_EQ_STR(e.initrd[0], "/initrd.img");
}

static void test_conf_syntax(void) {
        struct uk_entry e;

        /* CR LF line ends, leading blanks, tabs, comment lines (also indented), blank lines, quotes. */
        static const char crlf[] =
                "\r\n  # comment\r\n\ttitle\t \"Quoted Title\"  \r\n\r\n   # linux /nope\r\nlinux /vmlinuz\r\n"
                "options a=1\r\noptions   \"b=2 c\"\r\nversion \"\r\n";
        CHECK_EQ_INT(parse(crlf, "crlf.conf", &e), UK_OK, "crlf");
        CHECK_EQ_STR(e.title, "Quoted Title");
        CHECK_EQ_STR(e.linux_path, "/vmlinuz");
        CHECK_EQ_STR(e.options, "a=1 b=2 c");
        CHECK_EQ_STR(e.version, "");    /* a lone '"' unquotes to nothing, as in systemd-boot */

        /* Old Mac line ends (CR only) work too; a key without value is ignored; keys are case-sensitive. */
        CHECK_EQ_INT(parse("title A\rlinux /k\rTITLE B\rversion\r", "cr.conf", &e), UK_OK, "cr");
        CHECK_EQ_STR(e.title, "A");
        CHECK_EQ_STR(e.version, "");

        /* The last of a repeated single-valued key wins. */
        CHECK_EQ_INT(parse("title A\ntitle B\nlinux /a\nlinux /b\n", "rep.conf", &e), UK_OK, "repeat");
        CHECK_EQ_STR(e.title, "B");
        CHECK_EQ_STR(e.linux_path, "/b");

        /* A NUL byte ends the text (systemd-boot reads the file as a C string). */
        static const char nul[] = "linux /k\0title hidden\n";
        CHECK_EQ_INT(uk_entry_parse_conf(nul, sizeof(nul) - 1, "n.conf", "/n", &e), UK_OK, "nul");
        CHECK_EQ_STR(e.title, "");

        /* No file at end-of-line, no trailing newline. */
        CHECK_EQ_INT(parse("linux /k\noptions x", "e.conf", &e), UK_OK, "no final newline");
        CHECK_EQ_STR(e.options, "x");
        CHECK(e.has_options, "has_options");
        CHECK_EQ_INT(parse("linux /k\n", "e.conf", &e), UK_OK, "no options");
        CHECK(!e.has_options, "no options");
        CHECK_EQ_INT(e.tries_left, UK_TRIES_UNSET, "no counting");
        CHECK_EQ_INT(e.tries_done, UK_TRIES_UNSET, "no counting");
}

static void test_conf_errors(void) {
        struct uk_entry e, before;
        char big[6000];

        memset(&before, 0x5a, sizeof(before));
        static const char *const no_boot[] = {
                "", "title only\n", "# linux /x\n", "linux\n", "devicetree /a.dtb\noptions x\n", "LINUX /x\n",
                "linux \"\"\n", "uki-url \"\"\nefi \"\"\n",
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(no_boot); i++) {
                memcpy(&e, &before, sizeof(e));
                CHECK_EQ_INT(parse(no_boot[i], "b.conf", &e), UK_E_BAD_ENTRY, "case %zu", i);
                CHECK(memcmp(&e, &before, sizeof(e)) == 0, "ret_entry untouched on failure (case %zu)", i);
        }

        /* Overlong values per field: exactly capacity-1 fits, one more fails. */
        static const struct { const char *key; size_t cap; } fields[] = {
                { "title", 128 }, { "version", 64 }, { "sort-key", 64 }, { "machine-id", 33 },
                { "architecture", 16 }, { "uki-url", UK_URL_MAX },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(fields); i++) {
                for (int extra = 0; extra <= 1; extra++) {
                        size_t n = fields[i].cap - 1 + (size_t) extra;
                        int len = snprintf(big, sizeof(big), "linux /k\n%s ", fields[i].key);
                        memset(big + len, 'v', n);
                        big[len + (int) n] = 0;
                        CHECK_EQ_INT(parse(big, "o.conf", &e), extra ? UK_E_BUFFER_TOO_SMALL : UK_OK, "%s len %zu", fields[i].key, n);
                }
        }
        /* Paths: the leading '/' counts. */
        int len = snprintf(big, sizeof(big), "linux /");
        memset(big + len, 'p', UK_PATH_MAX - 2);
        big[len + UK_PATH_MAX - 2] = 0;
        CHECK_EQ_INT(parse(big, "p.conf", &e), UK_OK, "path of 255 bytes");
        CHECK_EQ_INT(strlen(e.linux_path), UK_PATH_MAX - 1, "path length");
        strcat(big, "p");
        CHECK_EQ_INT(parse(big, "p.conf", &e), UK_E_BUFFER_TOO_SMALL, "path of 256 bytes");
        len = snprintf(big, sizeof(big), "linux ");
        memset(big + len, 'p', UK_PATH_MAX - 1);
        big[len + UK_PATH_MAX - 1] = 0;
        CHECK_EQ_INT(parse(big, "p.conf", &e), UK_E_BUFFER_TOO_SMALL, "relative path needing a '/' no longer fits");

        /* Options: 4095 bytes in total, counting the joining spaces. */
        len = snprintf(big, sizeof(big), "linux /k\noptions ");
        memset(big + len, 'o', 2000);
        len += 2000;
        len += snprintf(big + len, sizeof(big) - len, "\noptions ");
        memset(big + len, 'o', 2094);
        big[len + 2094] = 0;
        CHECK_EQ_INT(parse(big, "o.conf", &e), UK_OK, "options 2000+1+2094 = 4095");
        CHECK_EQ_INT(strlen(e.options), 4095, "joined options");
        strcat(big, "o");
        CHECK_EQ_INT(parse(big, "o.conf", &e), UK_E_BUFFER_TOO_SMALL, "options 4096");

        /* initrd up to UK_ENTRY_MAX_INITRDS. */
        len = snprintf(big, sizeof(big), "linux /k\n");
        for (int i = 0; i < UK_ENTRY_MAX_INITRDS; i++)
                len += snprintf(big + len, sizeof(big) - len, "initrd /i%d\n", i);
        CHECK_EQ_INT(parse(big, "i.conf", &e), UK_OK, "max initrds");
        CHECK_EQ_INT(e.n_initrd, UK_ENTRY_MAX_INITRDS, "n_initrd");
        CHECK_EQ_STR(e.initrd[UK_ENTRY_MAX_INITRDS - 1], "/i7");
        snprintf(big + len, sizeof(big) - len, "initrd /one-too-many\n");
        CHECK_EQ_INT(parse(big, "i.conf", &e), UK_E_TOO_MANY, "too many initrds");

        CHECK_EQ_INT(uk_entry_parse_conf(NULL, 0, "a.conf", "/a", &e), UK_E_INVALID_ARG, "NULL text");
        CHECK_EQ_INT(uk_entry_parse_conf("linux /k", 8, "a.conf", "/a", NULL), UK_E_INVALID_ARG, "NULL out");
}

static void test_architecture(void) {
        static const struct { const char *text; bool x64; } t[] = {
                { "linux /k\n", true },
                { "linux /k\narchitecture x64\n", true },
                { "linux /k\narchitecture X64\n", true },
                { "linux /k\narchitecture aa64\n", false },
                { "linux /k\narchitecture ia32\n", false },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_entry e;
                CHECK_EQ_INT(parse(t[i].text, "a.conf", &e), UK_OK, "parsed even for another architecture (%zu)", i);
                CHECK_EQ_INT(uk_entry_is_for_x64(&e), t[i].x64, "case %zu", i);
        }
}

/* ---- boot counting -------------------------------------------------------------------------------- */
static void test_tries(void) {
        static const struct {
                const char *name, *id;
                uint32_t left, done;
        } t[] = {
                { "a+3.conf", "a.conf", 3, 0 },
                { "a+0-2.conf", "a.conf", 0, 2 },
                { "a+2-1.conf", "a.conf", 2, 1 },
                { "A+03-007.CONF", "a.conf", 3, 7 },
                { "a+x.conf", "a+x.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+.conf", "a+.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+3-.conf", "a+3-.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+-3.conf", "a+-3.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+1-2-3.conf", "a+1-2-3.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a3.conf", "a3.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a-3.conf", "a-3.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+3.1.conf", "a+3.1.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "debian-6.1.0-26+5.conf", "debian-6.1.0-26.conf", 5, 0 },
                { "uki+1-4.efi", "uki.efi", 1, 4 },
                { "noext+2", "noext", 2, 0 },
                { "a+4294967294.conf", "a.conf", 4294967294u, 0 },
                { "a+4294967295.conf", "a+4294967295.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "a+99999999999999999999.conf", "a+99999999999999999999.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
                { "Plain.Conf", "plain.conf", UK_TRIES_UNSET, UK_TRIES_UNSET },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                char id[UK_PATH_MAX];
                uint32_t left = 12345, done = 12345;
                CHECK_EQ_INT(uk_entry_parse_tries(t[i].name, id, sizeof(id), &left, &done), UK_OK, "%s", t[i].name);
                CHECK_EQ_STR(id, t[i].id);
                CHECK_EQ_INT(left, t[i].left, "%s left", t[i].name);
                CHECK_EQ_INT(done, t[i].done, "%s done", t[i].name);
        }
        char small[7];
        uint32_t l, d;
        CHECK_EQ_INT(uk_entry_parse_tries("abc+1.conf", small, sizeof(small), &l, &d), UK_E_BUFFER_TOO_SMALL, "id does not fit");
        char fits[9];
        CHECK_EQ_INT(uk_entry_parse_tries("abc+1.conf", fits, sizeof(fits), &l, &d), UK_OK, "id fits exactly");
        CHECK_EQ_STR(fits, "abc.conf");
}

/* ---- counting a boot: the rename systemd-boot makes before starting an entry ---------------------- */
static void test_count_next(void) {
        static const struct {
                const char *path;
                const char *to;         /* NULL: no counter */
                const char *var;
        } t[] = {
                { "/loader/entries/a+3.conf", "/loader/entries/a+2-1.conf", "\\loader\\entries\\a+2-1.conf" },
                { "/loader/entries/a+3-1.conf", "/loader/entries/a+2-2.conf", "\\loader\\entries\\a+2-2.conf" },
                { "/loader/entries/a+1-4.conf", "/loader/entries/a+0-5.conf", "\\loader\\entries\\a+0-5.conf" },
                /* At 0 left the entry is bad; each further attempt still counts as done. */
                { "/loader/entries/a+0-5.conf", "/loader/entries/a+0-6.conf", "\\loader\\entries\\a+0-6.conf" },
                { "/loader/entries/a+0.conf", "/loader/entries/a+0-1.conf", "\\loader\\entries\\a+0-1.conf" },
                { "/EFI/Linux/Deb-6.1+2-0.efi", "/EFI/Linux/Deb-6.1+1-1.efi", "\\EFI\\Linux\\Deb-6.1+1-1.efi" },
                { "/loader/entries/debian-6.1.0-26+5.conf", "/loader/entries/debian-6.1.0-26+4-1.conf",
                  "\\loader\\entries\\debian-6.1.0-26+4-1.conf" },
                { "/loader/entries/a+03-007.conf", "/loader/entries/a+2-8.conf", "\\loader\\entries\\a+2-8.conf" },
                { "/loader/entries/a+1-2147483647.conf", "/loader/entries/a+0-2147483647.conf",
                  "\\loader\\entries\\a+0-2147483647.conf" },
                { "/loader/entries/a.conf", NULL, NULL },
                { "/loader/entries/a+x.conf", NULL, NULL },
                { "/loader/entries/a+1-2-3.conf", NULL, NULL },
                /* The counter belongs to the file name, never to a directory. */
                { "/loader/d+3/a.conf", NULL, NULL },
                { "", NULL, NULL },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_count c;
                uk_err r = uk_entry_count_next(t[i].path, &c);
                if (!t[i].to) {
                        CHECK_EQ_INT(r, UK_E_NOT_FOUND, "%s: no counter", t[i].path);
                        continue;
                }
                CHECK_EQ_INT(r, UK_OK, "%s", t[i].path);
                CHECK_EQ_STR(c.from, t[i].path);
                CHECK_EQ_STR(c.to, t[i].to);
                CHECK_EQ_STR(c.var, t[i].var);
                CHECK_EQ_STR(c.to_name, strrchr(t[i].to, '/') + 1);
        }
        /* A name that would not fit after counting leaves the result untouched. */
        char longp[UK_PATH_MAX];
        memset(longp, 'x', sizeof(longp));
        memcpy(longp + sizeof(longp) - 10, "+0-9.conf", 10);   /* "+0-10.conf" is one longer */
        struct uk_count c;
        memset(&c, 0x5a, sizeof(c));
        CHECK_EQ_INT(uk_entry_count_next(longp, &c), UK_E_BUFFER_TOO_SMALL, "does not fit");
        CHECK_EQ_INT((unsigned char) c.to[0], 0x5a, "nothing written on failure");
        CHECK_EQ_INT(uk_entry_count_next(NULL, &c), UK_E_INVALID_ARG, "NULL path");
}

/* ---- loader.conf ---------------------------------------------------------------------------------- */
static void test_loader_conf(void) {
        static const struct {
                const char *text;
                const char *def;
                bool has_timeout;
                uint64_t timeout;
                bool editor, auto_entries;
        } t[] = {
                { "", "", false, 0, true, true },
                { "timeout 5\ndefault debian-*\neditor no\nauto-entries 0\n", "debian-*", true, 5, false, false },
                { "timeout menu-force\n", "", true, UINT32_MAX, true, true },
                { "timeout menu-hidden\n", "", true, 0, true, true },
                { "timeout menu-disabled\n", "", true, UK_TIMEOUT_DISABLED, true, true },
                { "timeout Menu-Force\n", "", false, 0, true, true },            /* exact words only */
                { "timeout 0\n", "", true, 0, true, true },
                { "timeout 4294967295\n", "", true, UINT32_MAX, true, true },
                { "timeout 4294967296\n", "", false, 0, true, true },
                { "timeout 3\ntimeout x\n", "", true, 3, true, true },      /* a bad value keeps the old one */
                { "timeout -1\n", "", false, 0, true, true },
                { "timeout 5s\n", "", false, 0, true, true },
                { "# timeout 9\n  timeout\t 7 \r\n", "", true, 7, true, true },
                { "default @saved\n", "@saved", false, 0, true, true },
                { "default a.conf\ndefault @other\n", "a.conf", false, 0, true, true },
                { "default \"b.conf\"\n", "b.conf", false, 0, true, true },
                { "editor yes\nauto-entries off\n", "", false, 0, true, false },
                { "editor false\n", "", false, 0, false, true },
                { "editor 0\n", "", false, 0, false, true },
                { "editor off\n", "", false, 0, false, true },
                { "editor n\n", "", false, 0, false, true },
                { "editor no\neditor on\n", "", false, 0, true, true },
                { "editor NO\n", "", false, 0, true, true },                  /* case-sensitive like sd-boot */
                { "editor maybe\n", "", false, 0, true, true },
                { "auto-entries true\nauto-firmware no\nconsole-mode max\nbeep yes\n", "", false, 0, true, true },
                { "Timeout 3\n", "", false, 0, true, true },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_loader_conf c;
                CHECK_EQ_INT(uk_loader_conf_parse(t[i].text, strlen(t[i].text), &c), UK_OK, "case %zu", i);
                CHECK_EQ_STR(c.default_pattern, t[i].def);
                CHECK_EQ_INT(c.has_timeout, t[i].has_timeout, "case %zu has_timeout", i);
                if (t[i].has_timeout)
                        CHECK_EQ_INT(c.timeout, t[i].timeout, "case %zu timeout", i);
                CHECK_EQ_INT(c.editor, t[i].editor, "case %zu editor", i);
                CHECK_EQ_INT(c.auto_entries, t[i].auto_entries, "case %zu auto_entries", i);
        }
        struct uk_loader_conf c;
        char big[400];
        int n = snprintf(big, sizeof(big), "default short\ndefault ");
        memset(big + n, 'x', 300);
        big[n + 300] = 0;
        CHECK_EQ_INT(uk_loader_conf_parse(big, strlen(big), &c), UK_OK, "long default");
        CHECK_EQ_STR(c.default_pattern, "short");
        CHECK_EQ_INT(uk_loader_conf_parse(NULL, 0, &c), UK_OK, "no loader.conf at all");
        CHECK(c.editor && c.auto_entries && !c.has_timeout, "defaults");
        CHECK_EQ_INT(uk_loader_conf_parse("x", 1, NULL), UK_E_INVALID_ARG, "NULL out");
        CHECK(!c.ukiboot_handover, "handover off by default");
        CHECK_EQ_INT(uk_loader_conf_parse("ukiboot-handover yes\n", 21, &c), UK_OK, "handover yes");
        CHECK(c.ukiboot_handover, "handover forced");
        CHECK_EQ_INT(uk_loader_conf_parse("ukiboot-handover 1\nukiboot-handover sure\n", 41, &c), UK_OK, "handover bad");
        CHECK(c.ukiboot_handover, "a bad value keeps the old one");

        /* console-mode, beep, log-level: the values systemd-boot takes, anything else keeps the old one. */
        static const struct { const char *text; uint32_t mode; bool beep; uint8_t level; } d[] = {
                { "", UK_CONSOLE_MODE_KEEP, false, UK_LOG_INFO },
                { "console-mode 2\nbeep yes\nlog-level err\n", 2, true, UK_LOG_ERR },
                { "console-mode max\n", UK_CONSOLE_MODE_MAX, false, UK_LOG_INFO },
                { "console-mode auto\nconsole-mode keep\n", UK_CONSOLE_MODE_KEEP, false, UK_LOG_INFO },
                { "console-mode 1\nconsole-mode wide\n", 1, false, UK_LOG_INFO },
                { "console-mode auto\n", UK_CONSOLE_MODE_AUTO, false, UK_LOG_INFO },
                { "console-mode 4294967295\n", UK_CONSOLE_MODE_KEEP, false, UK_LOG_INFO },
                { "console-mode -1\nbeep maybe\n", UK_CONSOLE_MODE_KEEP, false, UK_LOG_INFO },
                { "log-level 7\nlog-level 8\n", UK_CONSOLE_MODE_KEEP, false, 7 },
                { "log-level debug\nlog-level Info\n", UK_CONSOLE_MODE_KEEP, false, 7 },
                { "beep 1\nbeep off\n", UK_CONSOLE_MODE_KEEP, false, UK_LOG_INFO },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(d); i++) {
                CHECK_EQ_INT(uk_loader_conf_parse(d[i].text, strlen(d[i].text), &c), UK_OK, "display case %zu", i);
                CHECK_EQ_INT(c.console_mode, d[i].mode, "display case %zu console-mode", i);
                CHECK_EQ_INT(c.beep, d[i].beep, "display case %zu beep", i);
                CHECK_EQ_INT(c.log_level, d[i].level, "display case %zu log-level", i);
        }
}

/* ---- ordering --------------------------------------------------------------------------------------- */
static struct uk_entry mk(const char *id, const char *sort_key, const char *machine_id, const char *version,
                          uint32_t left, uint32_t done) {
        struct uk_entry e;
        memset(&e, 0, sizeof(e));
        snprintf(e.id, sizeof(e.id), "%s", id);
        snprintf(e.sort_key, sizeof(e.sort_key), "%s", sort_key);
        snprintf(e.machine_id, sizeof(e.machine_id), "%s", machine_id);
        snprintf(e.version, sizeof(e.version), "%s", version);
        e.tries_left = left;
        e.tries_done = done;
        return e;
}

#define U UK_TRIES_UNSET

/* Sort entries (given in input order) and compare the resulting order of titles. */
static void check_order(const char *name, struct uk_entry *e, size_t n, const char *const *expect) {
        for (size_t i = 0; i < n; i++)
                snprintf(e[i].title, sizeof(e[i].title), "%zu", i);
        uk_entries_sort(e, n);
        for (size_t i = 0; i < n; i++)
                CHECK(strcmp(e[i].title, expect[i]) == 0, "%s: position %zu holds input #%s (%s), expected #%s",
                      name, i, e[i].title, e[i].id, expect[i]);
}

static void test_ordering(void) {
        {       /* sort-key groups ascending, newest version first inside; sort-key entries before the rest */
                struct uk_entry e[] = {
                        mk("fedora-38.conf", "fedora", "", "38", U, U),
                        mk("zzz.conf", "", "", "", U, U),
                        mk("debian-1.conf", "debian", "", "12", U, U),
                        mk("debian-2.conf", "debian", "", "12.1", U, U),
                        mk("aaa.conf", "", "", "99", U, U),
                };
                static const char *const want[] = { "3", "2", "0", "1", "4" };
                check_order("sort-key", e, UK_ELEMENTSOF(e), want);
        }
        {       /* same sort key: machine-id groups before version */
                struct uk_entry e[] = {
                        mk("a.conf", "debian", "bbbb", "9", U, U),
                        mk("b.conf", "debian", "aaaa", "1", U, U),
                        mk("c.conf", "debian", "aaaa", "2", U, U),
                };
                static const char *const want[] = { "2", "1", "0" };
                check_order("machine-id", e, UK_ELEMENTSOF(e), want);
        }
        {       /* same sort key, machine-id and version: id descending by version compare */
                struct uk_entry e[] = {
                        mk("linux-6.1.0-9.conf", "debian", "", "1", U, U),
                        mk("linux-6.1.0-26.conf", "debian", "", "1", U, U),
                        mk("linux-6.1.0-13.conf", "debian", "", "1", U, U),
                };
                static const char *const want[] = { "1", "2", "0" };
                check_order("sort-key tie -> id", e, UK_ELEMENTSOF(e), want);
        }
        {       /* no sort keys: by id, newest first; the version field is not looked at */
                struct uk_entry e[] = {
                        mk("a.conf", "", "", "100", U, U),
                        mk("linux-6.1.0-13.conf", "", "", "1", U, U),
                        mk("linux-6.1.0-26.conf", "", "", "", U, U),
                        mk("linux-6.1.0-9.conf", "", "", "", U, U),
                        mk("linux-6.1.0-26~rc1.conf", "", "", "", U, U),
                };
                static const char *const want[] = { "2", "4", "1", "3", "0" };
                check_order("id only", e, UK_ELEMENTSOF(e), want);
        }
        {       /* tries: bad entries last (even with a sort key); more tries left, then fewer done */
                struct uk_entry e[] = {
                        mk("x.conf", "aaa", "", "1", 0, 3),
                        mk("k.conf", "", "", "", 2, 1),
                        mk("k.conf", "", "", "", 3, 0),
                        mk("y.conf", "", "", "", U, U),
                        mk("k.conf", "", "", "", 2, 0),
                        mk("w.conf", "", "", "", 0, 1),
                };
                static const char *const want[] = { "3", "2", "4", "1", "0", "5" };
                check_order("tries", e, UK_ELEMENTSOF(e), want);
        }
        {       /* equal entries keep their input order (stable); counting on one side only does not decide */
                struct uk_entry e[] = {
                        mk("s.conf", "", "", "", U, U),
                        mk("s.conf", "", "", "", 5, 0),
                        mk("s.conf", "", "", "", U, U),
                };
                static const char *const want[] = { "0", "1", "2" };
                check_order("stable", e, UK_ELEMENTSOF(e), want);
        }
        struct uk_entry a = mk("a.conf", "", "", "", U, U), b = mk("b.conf", "", "", "", U, U);
        CHECK(uk_entry_compare(&a, &b) > 0 && uk_entry_compare(&b, &a) < 0, "b.conf before a.conf");
        CHECK_EQ_INT(uk_entry_compare(&a, &a), 0, "equal");
        uk_entries_sort(NULL, 0);
        uk_entries_sort(&a, 1);
}

/* ---- default selection and lookup --------------------------------------------------------------------- */
static void test_default(void) {
        struct uk_entry e[] = {
                mk("debian-2.conf", "debian", "", "12.1", U, U),
                mk("debian-1.conf", "debian", "", "12", U, U),
                mk("fedora-1.conf", "fedora", "", "38", U, U),
                mk("old.efi", "", "", "", U, U),
                mk("bad.conf", "", "", "", 0, 3),
        };
        size_t n = UK_ELEMENTSOF(e);
        static const struct {
                const char *one_shot, *efivar, *conf, *last;
                int expect;
        } t[] = {
                { NULL, NULL, NULL, NULL, 0 },
                { "", "", "", NULL, 0 },
                { "fedora-1.conf", "old.efi", "debian-1.conf", NULL, 2 },
                { "nomatch.conf", "old.efi", "debian-1.conf", NULL, 3 },
                { NULL, "nomatch", "debian-1.conf", NULL, 1 },
                { NULL, NULL, "debian-*", NULL, 0 },
                { NULL, NULL, "*-1.conf", NULL, 1 },
                { NULL, NULL, "DEBIAN-1.CONF", NULL, 1 },
                { NULL, NULL, "*.efi", NULL, 3 },
                { NULL, NULL, "f?dora-[0-9].conf", NULL, 2 },
                { NULL, NULL, "bad.conf", NULL, 4 },          /* an explicit choice may pick a bad entry */
                { NULL, NULL, "nothing-*", NULL, 0 },
                { "old.efi", NULL, NULL, NULL, 3 },
                /* `default @saved`: LoaderEntryLastBooted; nothing saved yet or no match: the first entry. */
                { NULL, NULL, "@saved", "fedora-1.conf", 2 },
                { NULL, NULL, "@SAVED", "fedora-1.conf", 2 },
                { NULL, NULL, "@saved", NULL, 0 },
                { NULL, NULL, "@saved", "gone.conf", 0 },
                /* LoaderEntryDefault "@saved" (bootctl set-default @saved) wins, and sets loader.conf aside. */
                { NULL, "@saved", "debian-1.conf", "old.efi", 3 },
                { NULL, "@saved", "debian-1.conf", "gone.conf", 0 },
                { NULL, "fedora-1.conf", "@saved", "old.efi", 2 },
                { "debian-1.conf", "@saved", NULL, "old.efi", 1 },      /* the one-shot first, always */
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++)
                CHECK_EQ_INT(uk_entries_default(e, n, t[i].one_shot, t[i].efivar, t[i].conf, t[i].last), t[i].expect,
                             "case %zu", i);

        /* What booting does to LoaderEntryLastBooted. */
        static const struct {
                const char *id, *one_shot, *efivar, *conf;
                enum uk_last_booted want;
        } lb[] = {
                { "a.conf", NULL, NULL, NULL, UK_LAST_BOOTED_FORGET },
                { "a.conf", NULL, NULL, "@saved", UK_LAST_BOOTED_SAVE },
                { "a.conf", NULL, "@saved", NULL, UK_LAST_BOOTED_SAVE },
                { "a.conf", NULL, "b.conf", "@saved", UK_LAST_BOOTED_FORGET },   /* the variable rules */
                { "a.conf", NULL, "", "@saved", UK_LAST_BOOTED_SAVE },
                { "a.conf", "a.conf", "@saved", NULL, UK_LAST_BOOTED_KEEP },     /* a one-shot is not remembered */
                { "a.conf", "a.*", "@saved", NULL, UK_LAST_BOOTED_SAVE },        /* compared as written */
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(lb); i++)
                CHECK_EQ_INT(uk_last_booted_action(lb[i].id, lb[i].one_shot, lb[i].efivar, lb[i].conf), lb[i].want,
                             "last booted %zu", i);

        struct uk_entry first_bad[] = { mk("a.conf", "", "", "", 0, 1), mk("b.conf", "", "", "", 1, 0) };
        CHECK_EQ_INT(uk_entries_default(first_bad, 2, NULL, NULL, NULL, NULL), 1, "skip a bad first entry");
        struct uk_entry all_bad[] = { mk("a.conf", "", "", "", 0, 1), mk("b.conf", "", "", "", 0, 2) };
        CHECK_EQ_INT(uk_entries_default(all_bad, 2, NULL, NULL, NULL, NULL), 0, "all bad: first");
        CHECK_EQ_INT(uk_entries_default(e, 0, "x", NULL, NULL, NULL), -1, "no entries");
}

static void test_find(void) {
        struct uk_entry e[] = {
                mk("x.efi", "", "", "", U, U),
                mk("x.conf", "", "", "", U, U),
                mk("multi.efi@0", "", "", "", U, U),
                mk("multi.efi@1", "", "", "", U, U),
                mk("debian-6.1.0-26.conf", "", "", "", U, U),
        };
        size_t n = UK_ELEMENTSOF(e);
        static const struct { const char *id; int expect; } t[] = {
                { "x.conf", 1 }, { "X.EFI", 0 }, { "x", 0 }, { "multi.efi@1", 3 }, { "multi@1", 3 },
                { "MULTI@0", 2 }, { "multi", -1 }, { "multi.efi", -1 }, { "debian-6.1.0-26", 4 },
                { "debian-6.1.0-26.CONF", 4 }, { "debian-6.1.0-26.efi", 4 }, { "debian", -1 }, { "", -1 },
                { "multi@2", -1 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++)
                CHECK_EQ_INT(uk_entries_find(e, n, t[i].id), t[i].expect, "find \"%s\"", t[i].id);
        CHECK_EQ_INT(uk_entries_find(e, n, NULL), -1, "NULL id");
}

/* ---- discovery over an in-memory ESP -------------------------------------------------------------------- */
/* The discovery counts as n and skipped (malformed + beyond the capacity); outputs written only on success. */
static uk_err discover_compat(const struct uk_fs_ops *fs, struct uk_entry *entries, size_t cap, size_t *ret_n,
                              size_t *ret_skipped) {
        struct uk_discovery d;
        uk_err r = uk_entries_discover(fs, entries, cap, &d);
        if (r)
                return r;
        *ret_n = d.n;
        *ret_skipped = d.skipped + d.dropped;
        return UK_OK;
}

/* A minimal PE32+ image for x86-64 with the given sections; returns its size. Layout from the PE/COFF
 * specification: DOS header with e_lfanew at 0x3c, "PE\0\0", COFF header, optional header, section table. */
struct sec { const char *name; const char *data; };

static size_t build_pe(uint8_t *buf, size_t cap, const struct sec *secs, size_t n) {
        const size_t lfanew = 0x40, opt_size = 112, table = lfanew + 4 + 20 + opt_size;
        size_t off = (table + 40 * n + 0x1ff) & ~(size_t) 0x1ff;

        memset(buf, 0, cap);
        buf[0] = 'M', buf[1] = 'Z';
        buf[0x3c] = (uint8_t) lfanew;
        memcpy(buf + lfanew, "PE\0\0", 4);
        uint8_t *coff = buf + lfanew + 4;
        coff[0] = 0x64, coff[1] = 0x86;                 /* Machine: x86-64 */
        coff[2] = (uint8_t) n;                          /* NumberOfSections */
        coff[16] = (uint8_t) opt_size;                  /* SizeOfOptionalHeader */
        coff[18] = 0x22;                                /* executable, large address aware */
        uint8_t *opt = coff + 20;
        opt[0] = 0x0b, opt[1] = 0x02;                   /* PE32+ */
        opt[32] = 0x00, opt[33] = 0x10;                 /* SectionAlignment 0x1000 */
        opt[37] = 0x02;                                 /* FileAlignment 0x200 */
        opt[68] = 10;                                   /* Subsystem: EFI application */
        /* NumberOfRvaAndSizes (offset 108) stays 0: no data directories. */
        for (size_t i = 0; i < n; i++) {
                uint8_t *h = buf + table + 40 * i;
                uint32_t len = (uint32_t) strlen(secs[i].data);
                memcpy(h, secs[i].name, strlen(secs[i].name));
                h[8] = (uint8_t) len, h[9] = (uint8_t) (len >> 8);                      /* VirtualSize */
                h[13] = (uint8_t) (0x10 + i);                                             /* VirtualAddress */
                h[16] = (uint8_t) len, h[17] = (uint8_t) (len >> 8);                    /* SizeOfRawData */
                h[20] = (uint8_t) off, h[21] = (uint8_t) (off >> 8), h[22] = (uint8_t) (off >> 16);
                h[36] = 0x40, h[39] = 0x40;                                               /* initialized data, read */
                if (off + len > cap)
                        return 0;
                memcpy(buf + off, secs[i].data, len);
                off += (len + 0x1ff) & ~(size_t) 0x1ff;
        }
        return off;
}

static const char debian_osrel[] =
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
        "NAME=\"Debian GNU/Linux\"\n"
        "VERSION_ID=\"12\"\n"
        "VERSION=\"12 (bookworm)\"\n"
        "ID=debian\n";

static void test_discover(void) {
        static uint8_t uki_single[8192], uki_multi[8192], uki_noosrel[4096], uki_noname[4096], uki_counted[4096];
        static const struct sec single[] = {
                { ".osrel", debian_osrel }, { ".cmdline", "console=ttyS0" }, { ".linux", "MZ-kernel" },
        };
        static const struct sec multi[] = {
                { ".osrel", "NAME=Tiny\nIMAGE_ID=tiny-image\nIMAGE_VERSION=7\nID=tiny\nVERSION_ID=1\n" },
                { ".linux", "MZ-kernel" }, { ".cmdline", "quiet" },
                { ".profile", "ID=default\n" },
                { ".profile", "ID=debug\nTITLE=\"Debug shell\"\n" }, { ".cmdline", "debug" },
                { ".profile", "" },
        };
        static const struct sec noosrel[] = { { ".linux", "MZ-kernel" } };
        static const struct sec noname[] = { { ".osrel", "VERSION_ID=1\n" }, { ".linux", "MZ-kernel" } };
        static const struct sec counted[] = { { ".osrel", "ID=arch\nBUILD_ID=rolling\n" }, { ".linux", "MZ-kernel" } };
        size_t n_single = build_pe(uki_single, sizeof(uki_single), single, UK_ELEMENTSOF(single));
        size_t n_multi = build_pe(uki_multi, sizeof(uki_multi), multi, UK_ELEMENTSOF(multi));
        size_t n_noosrel = build_pe(uki_noosrel, sizeof(uki_noosrel), noosrel, UK_ELEMENTSOF(noosrel));
        size_t n_noname = build_pe(uki_noname, sizeof(uki_noname), noname, UK_ELEMENTSOF(noname));
        size_t n_counted = build_pe(uki_counted, sizeof(uki_counted), counted, UK_ELEMENTSOF(counted));
        CHECK(n_single && n_multi && n_noosrel && n_noname && n_counted, "synthetic PE images built");

        static const char conf_a[] = "title Type 1 A\nsort-key aaa\nversion 2\nlinux /a/vmlinuz\ninitrd /a/initrd\noptions root=/dev/vda\n";
        static const char conf_old[] = "title Old style\nlinux /old/vmlinuz\n";
        static const char conf_url[] = "title Net\nuki-url http://10.0.2.100/net.efi\n";
        static const char conf_bad[] = "title No kernel\noptions x\n";
        static const char conf_auto[] = "title reserved\nlinux /x\n";
        const struct fake_file files[] = {
                { "/loader/loader.conf", "timeout 3\n", 10, false },
                { "/loader/entries/a.conf", conf_a, sizeof(conf_a) - 1, false },
                { "/loader/entries/Old+2-1.CONF", conf_old, sizeof(conf_old) - 1, false },
                { "/loader/entries/net.conf", conf_url, sizeof(conf_url) - 1, false },
                { "/loader/entries/broken.conf", conf_bad, sizeof(conf_bad) - 1, false },
                { "/loader/entries/.hidden.conf", conf_old, sizeof(conf_old) - 1, false },
                { "/loader/entries/auto-windows.conf", conf_auto, sizeof(conf_auto) - 1, false },
                { "/loader/entries/README", "hello", 5, false },
                { "/loader/entries/sub.conf", NULL, 0, true },
                { "/loader/entries/sub.conf/inner.conf", conf_old, sizeof(conf_old) - 1, false },
                { "/EFI/Linux/debian.efi", uki_single, n_single, false },
                { "/EFI/Linux/Multi.EFI", uki_multi, n_multi, false },
                { "/EFI/Linux/arch+0-3.efi", uki_counted, n_counted, false },
                { "/EFI/Linux/noosrel.efi", uki_noosrel, n_noosrel, false },
                { "/EFI/Linux/noname.efi", uki_noname, n_noname, false },
                { "/EFI/Linux/garbage.efi", "MZ garbage", 10, false },
                { "/EFI/Linux/notes.txt", "x", 1, false },
                { "/a/vmlinuz", "MZ", 2, false },
                { "/old/vmlinuz", "MZ", 2, false },
        };
        struct fake_fs fs = { .files = files, .n = UK_ELEMENTSOF(files) };
        struct uk_fs_ops ops = {
                .ctx = &fs, .list_dir = fake_list_dir, .read_file = fake_read_file,
                .open_source = fake_open_source, .close_source = fake_close_source,
        };
        static struct uk_entry entries[16];
        size_t n = 99, skipped = 99;

        CHECK_EQ_INT(discover_compat(&ops, entries, UK_ELEMENTSOF(entries), &n, &skipped), UK_OK, "discover");
        CHECK_EQ_INT(fs.open_sources, 0, "every opened source closed");
        /* skipped: broken.conf, noosrel.efi, noname.efi, garbage.efi */
        CHECK_EQ_INT(skipped, 4, "skipped");
        CHECK_EQ_INT(n, 8, "entries");
        if (n != 8)
                return;

        /* Expected order by systemd-boot's rules: sort keys ascending (aaa, debian, tiny-image; a UKI's
         * profiles upwards), then old-style entries by id descending (old, net), and the UKI without
         * tries left last. */
        static const struct {
                const char *id, *title, *version, *sort_key, *path;
                enum uk_entry_type type;
                enum uk_entry_kind kind;
                bool has_profile;
                unsigned profile;
        } want[] = {
                { "a.conf", "Type 1 A", "2", "aaa", "/loader/entries/a.conf", UK_ENTRY_TYPE1, UK_ENTRY_KIND_LINUX, false, 0 },
                { "debian.efi", "Debian GNU/Linux 12 (bookworm)", "12 (bookworm)", "debian", "/EFI/Linux/debian.efi",
                  UK_ENTRY_TYPE2, UK_ENTRY_KIND_UKI, false, 0 },
                { "multi.efi@0", "tiny-image (default)", "7", "tiny-image", "/EFI/Linux/Multi.EFI", UK_ENTRY_TYPE2, UK_ENTRY_KIND_UKI, true, 0 },
                { "multi.efi@1", "tiny-image (Debug shell)", "7", "tiny-image", "/EFI/Linux/Multi.EFI", UK_ENTRY_TYPE2, UK_ENTRY_KIND_UKI, true, 1 },
                { "multi.efi@2", "tiny-image (@2)", "7", "tiny-image", "/EFI/Linux/Multi.EFI", UK_ENTRY_TYPE2, UK_ENTRY_KIND_UKI, true, 2 },
                { "old.conf", "Old style", "", "", "/loader/entries/Old+2-1.CONF", UK_ENTRY_TYPE1, UK_ENTRY_KIND_LINUX, false, 0 },
                { "net.conf", "Net", "", "", "/loader/entries/net.conf", UK_ENTRY_TYPE1, UK_ENTRY_KIND_UKI_URL, false, 0 },
                /* no tries left: last, whatever its sort key */
                { "arch.efi", "arch", "rolling", "arch", "/EFI/Linux/arch+0-3.efi", UK_ENTRY_TYPE2, UK_ENTRY_KIND_UKI, false, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(want) && i < n; i++) {
                CHECK_EQ_STR(entries[i].id, want[i].id);
                CHECK_EQ_STR(entries[i].title, want[i].title);
                CHECK_EQ_STR(entries[i].version, want[i].version);
                CHECK_EQ_STR(entries[i].sort_key, want[i].sort_key);
                CHECK_EQ_STR(entries[i].path, want[i].path);
                CHECK_EQ_INT(entries[i].type, want[i].type, "%s type", want[i].id);
                CHECK_EQ_INT(entries[i].kind, want[i].kind, "%s kind", want[i].id);
                CHECK_EQ_INT(entries[i].has_profile, want[i].has_profile, "%s has_profile", want[i].id);
                CHECK_EQ_INT(entries[i].profile, want[i].profile, "%s profile", want[i].id);
                if (want[i].type == UK_ENTRY_TYPE2) {
                        CHECK_EQ_STR(entries[i].uki_path, want[i].path);
                        CHECK_EQ_STR(entries[i].architecture, "x64");
                }
        }
        CHECK_EQ_INT(entries[7].tries_left, 0, "arch tries_left");
        CHECK_EQ_INT(entries[7].tries_done, 3, "arch tries_done");
        CHECK_EQ_INT(entries[0].n_initrd, 1, "a.conf initrd");
        CHECK_EQ_STR(entries[0].options, "root=/dev/vda");
        CHECK_EQ_STR(entries[6].url, "http://10.0.2.100/net.efi");
        CHECK_EQ_INT(entries[5].tries_left, 2, "old tries_left");
        CHECK_EQ_INT(entries[5].tries_done, 1, "old tries_done");
}

static void test_discover_counted_and_limits(void) {
        static uint8_t uki[4096];
        static const struct sec counted[] = { { ".osrel", "ID=arch\nBUILD_ID=rolling\n" }, { ".linux", "MZ-kernel" } };
        size_t len = build_pe(uki, sizeof(uki), counted, UK_ELEMENTSOF(counted));
        static const char conf[] = "linux /k\n";
        const struct fake_file files[] = {
                { "/EFI/Linux/arch+0-3.efi", uki, len, false },
                { "/EFI/Linux/arch+2.efi", uki, len, false },
                { "/loader/entries/z.conf", conf, sizeof(conf) - 1, false },
                { "/k", "MZ", 2, false },
        };
        struct fake_fs fs = { .files = files, .n = UK_ELEMENTSOF(files) };
        struct uk_fs_ops ops = {
                .ctx = &fs, .list_dir = fake_list_dir, .read_file = fake_read_file,
                .open_source = fake_open_source, .close_source = fake_close_source,
        };
        static struct uk_entry entries[3];
        size_t n, skipped;

        CHECK_EQ_INT(discover_compat(&ops, entries, 3, &n, &skipped), UK_OK, "discover");
        CHECK_EQ_INT(n, 3, "n");
        CHECK_EQ_INT(skipped, 0, "skipped");
        if (n == 3) {
                CHECK_EQ_STR(entries[0].id, "arch.efi");
                CHECK_EQ_INT(entries[0].tries_left, 2, "arch+2 first");
                CHECK_EQ_STR(entries[0].title, "arch");         /* ID is the last resort for a name */
                CHECK_EQ_STR(entries[0].version, "rolling");    /* BUILD_ID is the last resort for a version */
                CHECK_EQ_STR(entries[0].sort_key, "arch");
                CHECK_EQ_STR(entries[1].id, "z.conf");
                CHECK_EQ_STR(entries[2].id, "arch.efi");
                CHECK_EQ_INT(entries[2].tries_left, 0, "arch+0-3 last");
                CHECK_EQ_INT(entries[2].tries_done, 3, "tries_done");
                CHECK_EQ_STR(entries[2].path, "/EFI/Linux/arch+0-3.efi");
        }

        /* Room for 2: the third one found is skipped and counted, not an error. */
        CHECK_EQ_INT(discover_compat(&ops, entries, 2, &n, &skipped), UK_OK, "discover into 2");
        CHECK_EQ_INT(n, 2, "n");
        CHECK_EQ_INT(skipped, 1, "overflow counted");
        /* Kept: the first two in boot order, whatever order the directories listed them in. */
        if (n == 2) {
                CHECK_EQ_STR(entries[0].id, "arch.efi");
                CHECK_EQ_STR(entries[1].id, "z.conf");
        }
        CHECK_EQ_INT(fs.open_sources, 0, "sources closed");

        /* An empty ESP: no directories at all. */
        struct fake_fs empty = { .files = files, .n = 0 };
        ops.ctx = &empty;
        n = skipped = 99;
        CHECK_EQ_INT(discover_compat(&ops, entries, 3, &n, &skipped), UK_OK, "empty ESP");
        CHECK_EQ_INT(n, 0, "no entries");
        CHECK_EQ_INT(skipped, 0, "nothing skipped");

        /* Every listing fails for another reason: reported, outputs untouched. */
        struct fake_fs failing = { .files = files, .n = UK_ELEMENTSOF(files), .fail_dir = "*" };
        ops.ctx = &failing;
        n = skipped = 99;
        CHECK_EQ_INT(discover_compat(&ops, entries, 3, &n, &skipped), UK_E_IO, "I/O error");
        CHECK(n == 99 && skipped == 99, "outputs untouched on error");

        /* Only /EFI/Linux cannot be read: the Type #1 entry is still offered, the failure counted. */
        struct fake_fs half = { .files = files, .n = UK_ELEMENTSOF(files), .fail_dir = "/EFI/Linux" };
        ops.ctx = &half;
        CHECK_EQ_INT(discover_compat(&ops, entries, 3, &n, &skipped), UK_OK, "one directory unreadable");
        CHECK_EQ_INT(n, 1, "the readable directory's entry");
        CHECK_EQ_STR(entries[0].id, "z.conf");
        CHECK_EQ_INT(skipped, 0, "an unreadable directory is an I/O error, not a malformed entry");
        CHECK_EQ_INT(discover_compat(NULL, entries, 3, &n, &skipped), UK_E_INVALID_ARG, "NULL fs");
}

/* A Type #1 entry whose file is absent is not offered (systemd-boot), and counted; one whose file cannot be
 * read is offered (an I/O error is not absence); `uki-url` has no file to look for. */
static void test_discover_hidden(void) {
        static const char gone[] = "title Gone\nlinux /gone/vmlinuz\n";
        static const char gone_efi[] = "title Gone EFI\nefi /EFI/gone.efi\n";
        static const char gone_uki[] = "title Gone UKI\nuki /EFI/gone-uki.efi\n";
        static const char unreadable[] = "title Unreadable\nlinux /bad/vmlinuz\n";
        static const char here[] = "title Here\nlinux /k\ninitrd /no-initrd\n";
        static const char net[] = "title Net\nuki-url http://10.0.2.2/x.efi\n";
        const struct fake_file files[] = {
                { "/loader/entries/gone.conf", gone, sizeof(gone) - 1, false },
                { "/loader/entries/gone-efi.conf", gone_efi, sizeof(gone_efi) - 1, false },
                { "/loader/entries/gone-uki.conf", gone_uki, sizeof(gone_uki) - 1, false },
                { "/loader/entries/unreadable.conf", unreadable, sizeof(unreadable) - 1, false },
                { "/loader/entries/here.conf", here, sizeof(here) - 1, false },
                { "/loader/entries/net.conf", net, sizeof(net) - 1, false },
                { "/bad/vmlinuz", "MZ", 2, false },
                { "/k", "MZ", 2, false },
        };
        struct fake_fs fs = { .files = files, .n = UK_ELEMENTSOF(files), .fail_open = "/bad/vmlinuz" };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        static struct uk_entry entries[8];
        struct uk_discovery d;
        CHECK_EQ_INT(uk_entries_discover(&ops, entries, UK_ELEMENTSOF(entries), &d), UK_OK, "discover");
        CHECK_EQ_INT(d.n, 3, "offered: here, net, unreadable");
        CHECK_EQ_INT(d.hidden, 3, "hidden: linux, efi and uki files gone");
        CHECK_EQ_INT(d.skipped, 0, "nothing malformed");
        CHECK_EQ_INT(d.io_errors, 0, "the unreadable file is not read at discovery");
        CHECK(uk_entries_find(entries, d.n, "gone.conf") < 0 && uk_entries_find(entries, d.n, "gone-efi.conf") < 0 &&
              uk_entries_find(entries, d.n, "gone-uki.conf") < 0, "the gone ones are not offered");
        CHECK(uk_entries_find(entries, d.n, "unreadable.conf") >= 0, "an I/O error keeps the entry");
        CHECK(uk_entries_find(entries, d.n, "here.conf") >= 0, "a missing initrd does not hide (as systemd-boot)");
        CHECK(uk_entries_find(entries, d.n, "net.conf") >= 0, "uki-url has no file to miss");
        CHECK_EQ_INT(fs.open_sources, 0, "every source closed");
}

/* ---- discovery over the real fixture UKIs (systemd's stub + Debian's kernel, `make fixtures`) ------------ */
static void *slurp(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        void *buf = NULL;
        long len;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t) len)) && fread(buf, 1, (size_t) len, f) != (size_t) len) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        if (buf)
                *ret_len = (size_t) len;
        return buf;
}

static void test_discover_fixtures(void) {
        static const char *const names[] = {
                "basic.efi", "multiprofile.efi", "ucode.efi", "bad-emptylinux.efi", "bad-lfanew.efi",
                "bad-machine.efi", "bad-nolinux.efi", "bad-notkernel.efi", "bad-nsections.efi", "bad-overlap.efi",
                "bad-section-past-end.efi", "bad-truncated-header.efi", "bad-truncated.efi",
        };
        struct fake_file files[UK_ELEMENTSOF(names)];
        char paths[UK_ELEMENTSOF(names)][128];
        void *data[UK_ELEMENTSOF(names)] = { 0 };
        size_t n_files = 0, n, skipped;

        for (size_t i = 0; i < UK_ELEMENTSOF(names); i++) {
                char src[256];
                size_t len = 0;
                snprintf(src, sizeof(src), "build/fixtures/%s", names[i]);
                data[i] = slurp(src, &len);
                if (!data[i]) {
                        printf("SKIP: entry-fixtures: %s missing (run `make fixtures`)\n", src);
                        goto out;
                }
                snprintf(paths[i], sizeof(paths[i]), "/EFI/Linux/%s", names[i]);
                files[n_files++] = (struct fake_file) { paths[i], data[i], len, false };
        }

        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = {
                .ctx = &fs, .list_dir = fake_list_dir, .read_file = fake_read_file,
                .open_source = fake_open_source, .close_source = fake_close_source,
        };
        static struct uk_entry entries[16];
        CHECK_EQ_INT(discover_compat(&ops, entries, UK_ELEMENTSOF(entries), &n, &skipped), UK_OK, "discover fixtures");
        /* Every bad-* is broken in its headers or sections except bad-notkernel, whose .linux is only
         * found wrong when booting: systemd-boot lists such a UKI too. */
        CHECK_EQ_INT(skipped, 9, "malformed fixtures skipped");
        CHECK_EQ_INT(n, 5, "fixture entries");
        CHECK_EQ_INT(fs.open_sources, 0, "sources closed");
        /* All share the fixture's .osrel (PRETTY_NAME, IMAGE_ID=ukiboot-fixture, IMAGE_VERSION=1.0), so the
         * order falls to the ids, newest-first: ucode > multiprofile (profiles upwards) > basic > bad-... */
        static const struct { const char *id, *title; } want[] = {
                { "ucode.efi", "ukiboot fixture (Debian 12)" },
                { "multiprofile.efi@0", "ukiboot fixture (Debian 12) (Default)" },
                { "multiprofile.efi@1", "ukiboot fixture (Debian 12) (Debug shell)" },
                { "basic.efi", "ukiboot fixture (Debian 12)" },
                { "bad-notkernel.efi", "ukiboot fixture (Debian 12)" },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(want) && i < n; i++) {
                CHECK_EQ_STR(entries[i].id, want[i].id);
                CHECK_EQ_STR(entries[i].title, want[i].title);
                CHECK_EQ_STR(entries[i].version, "1.0");
                CHECK_EQ_STR(entries[i].sort_key, "ukiboot-fixture");
                CHECK_EQ_STR(entries[i].architecture, "x64");
        }
        if (n >= 3)
                CHECK(entries[1].has_profile && entries[1].profile == 0 && entries[2].profile == 1, "profile numbers");
        if (n >= 1)
                CHECK_EQ_INT(uk_entries_default(entries, n, NULL, NULL, "multiprofile.efi@1", NULL), 2, "default by profile id");
out:
        for (size_t i = 0; i < UK_ELEMENTSOF(names); i++)
                free(data[i]);
}

int main(void) {
        unit_suite = "entry";
        test_strverscmp();
        test_conf_all_keys();
        test_conf_kinds();
        test_conf_syntax();
        test_conf_errors();
        test_architecture();
        test_tries();
        test_count_next();
        test_loader_conf();
        test_ordering();
        test_default();
        test_find();
        test_discover();
        test_discover_counted_and_limits();
        test_discover_hidden();
        test_discover_fixtures();
        return unit_finish();
}
