/* Unit tests for common/url.c: accepted URLs with every field checked, rejected ones with their error. */
#include <stdint.h>
#include "unit.h"
#include "url.h"
#include "util.h"

static void test_good(void) {
        static const struct {
                const char *url, *scheme, *host;
                uint16_t port;
                const char *path;
                bool ipv4;
                uint8_t ip[4];
        } t[] = {
                { "http://10.0.2.100/uki.efi", "http", "10.0.2.100", 80, "/uki.efi", true, { 10, 0, 2, 100 } },
                { "http://10.0.2.100", "http", "10.0.2.100", 80, "/", true, { 10, 0, 2, 100 } },
                { "http://10.0.2.100:8080/a/b.efi?x=1&y=2", "http", "10.0.2.100", 8080, "/a/b.efi?x=1&y=2", true, { 10, 0, 2, 100 } },
                { "https://boot.example.org/EFI/Linux/a.efi", "https", "boot.example.org", 443, "/EFI/Linux/a.efi", false, { 0 } },
                { "HTTP://Example.COM/", "http", "Example.COM", 80, "/", false, { 0 } },
                { "HttpS://h:1/", "https", "h", 1, "/", false, { 0 } },
                { "http://h:65535", "http", "h", 65535, "/", false, { 0 } },
                { "http://h?q=1", "http", "h", 80, "/?q=1", false, { 0 } },
                { "http://h/p#frag", "http", "h", 80, "/p", false, { 0 } },
                { "http://h#frag", "http", "h", 80, "/", false, { 0 } },
                { "http://255.255.255.255/", "http", "255.255.255.255", 80, "/", true, { 255, 255, 255, 255 } },
                { "http://0.0.0.0/", "http", "0.0.0.0", 80, "/", true, { 0, 0, 0, 0 } },
                { "http://[::1]/x", "http", "::1", 80, "/x", false, { 0 } },
                { "http://[fe80::1:2]:8000/", "http", "fe80::1:2", 8000, "/", false, { 0 } },
                { "http://[::ffff:10.0.2.100]/", "http", "::ffff:10.0.2.100", 80, "/", false, { 0 } },
                { "http://[2001:db8:0:0:0:0:0:1]", "http", "2001:db8:0:0:0:0:0:1", 80, "/", false, { 0 } },
                { "http://my-host.local./a%20b", "http", "my-host.local.", 80, "/a%20b", false, { 0 } },
                { "http://under_score/", "http", "under_score", 80, "/", false, { 0 } },
                { "http://h:00080/", "http", "h", 80, "/", false, { 0 } },
                { "tftp://10.0.2.2/basic.efi", "tftp", "10.0.2.2", 69, "/basic.efi", true, { 10, 0, 2, 2 } },
                { "TFTP://10.0.0.1:6969/d/u.efi", "tftp", "10.0.0.1", 6969, "/d/u.efi", true, { 10, 0, 0, 1 } },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_url u;
                memset(&u, 0xee, sizeof(u));
                uk_err r = uk_url_parse(t[i].url, &u);
                CHECK_EQ_INT(r, UK_OK, "%s", t[i].url);
                if (r)
                        continue;
                CHECK_EQ_STR(u.scheme, t[i].scheme);
                CHECK_EQ_STR(u.host, t[i].host);
                CHECK_EQ_INT(u.port, t[i].port, "%s port", t[i].url);
                CHECK_EQ_STR(u.path, t[i].path);
                CHECK_EQ_INT(u.host_is_ipv4, t[i].ipv4, "%s ipv4", t[i].url);
                CHECK_EQ_INT(uk_url_host_is_ipv6(&u), strchr(t[i].url, '[') != NULL, "%s ipv6", t[i].url);
                if (t[i].ipv4)
                        CHECK(memcmp(u.ipv4, t[i].ip, 4) == 0, "%s ipv4 bytes %u.%u.%u.%u", t[i].url,
                              u.ipv4[0], u.ipv4[1], u.ipv4[2], u.ipv4[3]);
        }
}

static void test_bad(void) {
        static const struct { const char *url; uk_err err; } t[] = {
                { "", UK_E_BAD_URL },
                { "ftp://h/x", UK_E_BAD_URL },
                { "file:///EFI/Linux/a.efi", UK_E_BAD_URL },
                { "httpx://h/", UK_E_BAD_URL },
                { "ftp://h/", UK_E_BAD_URL },
                { "tftp:/h/a", UK_E_BAD_URL },
                { "tftp://10.0.2.2/a?b=1", UK_E_BAD_URL },
                { "tftp://10.0.2.2/a%20b", UK_E_BAD_URL },
                { "tftp://10.0.2.2/", UK_E_BAD_URL },
                { "tftp://10.0.2.2", UK_E_BAD_URL },
                { "tftp://10.0.2.2/a;mode=netascii", UK_E_BAD_URL },
                { "tftp://boot.example.org/a", UK_E_BAD_URL },
                { "http:/h/", UK_E_BAD_URL },
                { "http:h", UK_E_BAD_URL },
                { "//h/x", UK_E_BAD_URL },
                { "/EFI/Linux/a.efi", UK_E_BAD_URL },
                { "http://", UK_E_BAD_URL },
                { "http:///path", UK_E_BAD_URL },
                { "http://user@h/", UK_E_BAD_URL },
                { "http://user:pw@h/", UK_E_BAD_URL },
                { "http://h/a b", UK_E_BAD_URL },
                { " http://h/", UK_E_BAD_URL },
                { "http://h/\t", UK_E_BAD_URL },
                { "http://h/\x7f", UK_E_BAD_URL },
                { "http://h/\x01", UK_E_BAD_URL },
                { "http://h/\xc3\xa9", UK_E_BAD_URL },
                { "http://h:0/", UK_E_BAD_URL },
                { "http://h:65536/", UK_E_BAD_URL },
                { "http://h:123456/", UK_E_BAD_URL },
                { "http://h:/", UK_E_BAD_URL },
                { "http://h:x/", UK_E_BAD_URL },
                { "http://h:-1/", UK_E_BAD_URL },
                { "http://h:80:81/", UK_E_BAD_URL },
                { "http://256.1.1.1/", UK_E_BAD_URL },
                { "http://1.2.3/", UK_E_BAD_URL },
                { "http://1.2.3.4.5/", UK_E_BAD_URL },
                { "http://01.2.3.4/", UK_E_BAD_URL },
                { "http://1..3.4/", UK_E_BAD_URL },
                { "http://1234/", UK_E_BAD_URL },
                { "http://a..b/", UK_E_BAD_URL },
                { "http://.a/", UK_E_BAD_URL },
                { "http://h%41/", UK_E_BAD_URL },
                { "http://[::1/", UK_E_BAD_URL },
                { "http://[::1]x/", UK_E_BAD_URL },
                { "http://[]/", UK_E_BAD_URL },
                { "http://[:::1]/", UK_E_BAD_URL },
                { "http://[g::1]/", UK_E_BAD_URL },
                { "http://[1:2:3:4:5:6:7:8:9]/", UK_E_BAD_URL },
                { "http://[::1]:0/", UK_E_BAD_URL },
                { "http://::1/", UK_E_BAD_URL },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_url u, before;
                memset(&u, 0xee, sizeof(u));
                memcpy(&before, &u, sizeof(u));
                CHECK_EQ_INT(uk_url_parse(t[i].url, &u), t[i].err, "case %zu", i);
                CHECK(memcmp(&u, &before, sizeof(u)) == 0, "case %zu: ret_url touched on failure", i);
        }
        CHECK_EQ_INT(uk_url_parse(NULL, NULL), UK_E_INVALID_ARG, "NULL");
}

/* The Linux twin takes a name for a URL by its "scheme://" alone, whether or not the rest parses. */
static void test_has_scheme(void) {
        static const struct { const char *s; bool url; } t[] = {
                { "http://h/x", true }, { "tftp://10.0.2.2/k", true }, { "git+ssh://h/x", true }, { "ftp://h", true },
                { "/boot/vmlinuz", false }, { "vmlinuz", false }, { "http:/h", false }, { "://h", false },
                { "1http://h", false }, { "C:\\x", false }, { "", false },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++)
                CHECK_EQ_INT(uk_url_has_scheme(t[i].s), t[i].url, "'%s'", t[i].s);
        CHECK(!uk_url_has_scheme(NULL) && !uk_url_host_is_ipv6(NULL), "NULL");
}

static void test_limits(void) {
        static char url[2048];
        struct uk_url u;
        int n;

        /* host: 255 bytes fit, 256 do not */
        n = snprintf(url, sizeof(url), "http://");
        memset(url + n, 'h', 255);
        strcpy(url + n + 255, "/x");
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_OK, "host 255");
        CHECK_EQ_INT(strlen(u.host), 255, "host length");
        memset(url + n, 'h', 256);
        strcpy(url + n + 256, "/x");
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_E_BUFFER_TOO_SMALL, "host 256");

        /* path: 1023 bytes fit, 1024 do not; with an implied '/' the limit counts it */
        n = snprintf(url, sizeof(url), "http://h/");
        memset(url + n, 'p', 1022);
        url[n + 1022] = 0;
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_OK, "path 1023");
        CHECK_EQ_INT(strlen(u.path), 1023, "path length");
        strcat(url, "p");
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_E_BUFFER_TOO_SMALL, "path 1024");
        n = snprintf(url, sizeof(url), "http://h?");
        memset(url + n, 'q', 1021);
        url[n + 1021] = 0;
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_OK, "implied / + query 1023");
        CHECK_EQ_INT(strlen(u.path), 1023, "path length with implied /");
        strcat(url, "q");
        CHECK_EQ_INT(uk_url_parse(url, &u), UK_E_BUFFER_TOO_SMALL, "implied / + query 1024");
}

int main(void) {
        unit_suite = "url";
        test_good();
        test_bad();
        test_limits();
        test_has_scheme();
        return unit_finish();
}
