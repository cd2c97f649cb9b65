/* Unit tests for common/fetch_rules.c: which redirects are followed (and where to), URL text, and the
 * Content-Range a resumed download must carry. */
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include "fetch_rules.h"
#include "util.h"

static void test_redirects(void) {
        struct uk_url http, https, tftp;
        CHECK_EQ_INT(uk_url_parse("http://10.0.2.100/a/b.efi", &http), UK_OK, "from http");
        CHECK_EQ_INT(uk_url_parse("https://10.0.2.100:8443/x.efi", &https), UK_OK, "from https");
        CHECK_EQ_INT(uk_url_parse("tftp://10.0.2.2/x.efi", &tftp), UK_OK, "from tftp");
        static const struct {
                int from;               /* 0 http, 1 https, 2 tftp */
                const char *location;
                unsigned hop;
                uk_err err;
                const char *want;       /* the target's URL, or the refusal */
        } t[] = {
                { 0, "/c.efi", 1, UK_OK, "http://10.0.2.100/c.efi" },
                { 1, "/c.efi?v=2", 1, UK_OK, "https://10.0.2.100:8443/c.efi?v=2" },
                { 0, " https://boot.example.org/u.efi ", 2, UK_OK, "https://boot.example.org/u.efi" },
                { 0, "http://10.0.2.100:80/u.efi", 5, UK_OK, "http://10.0.2.100/u.efi" },
                { 0, "HTTP://[::1]:8080/u.efi", 1, UK_OK, "http://[::1]:8080/u.efi" },
                { 1, "https://10.0.2.100:443/u.efi", 1, UK_OK, "https://10.0.2.100/u.efi" },
                { 0, "/c.efi", 6, UK_E_TOO_MANY, "more than 5 redirects" },
                { 1, "http://10.0.2.100/u.efi", 1, UK_E_SECURITY, "a redirect may not drop https for http" },
                { 1, "/c.efi", 6, UK_E_TOO_MANY, "more than 5 redirects" },
                { 0, "tftp://10.0.2.2/u.efi", 1, UK_E_BAD_URL, "a redirect may not lead to tftp" },
                { 0, "ftp://h/u.efi", 1, UK_E_BAD_URL, "the redirect's location is not a URL ukiboot fetches" },
                { 0, "u.efi", 1, UK_E_BAD_URL, "the redirect's location is neither a URL nor an absolute path" },
                { 0, "//evil/u.efi", 1, UK_E_BAD_URL, "the redirect's location is neither a URL nor an absolute path" },
                { 0, "", 1, UK_E_BAD_URL, "the redirect's location is neither a URL nor an absolute path" },
                { 0, "/a b", 1, UK_E_BAD_URL, "the redirect's location is not a valid URL" },
                { 0, "http://user@h/", 1, UK_E_BAD_URL, "the redirect's location is not a URL ukiboot fetches" },
                { 2, "/y.efi", 1, UK_E_BAD_URL, "TFTP has no redirects" },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                const struct uk_url *from = t[i].from == 0 ? &http : t[i].from == 1 ? &https : &tftp;
                struct uk_url to;
                char url[UK_FETCH_URL_MAX] = "untouched";
                const char *why = NULL;
                uk_err r = uk_fetch_redirect(from, t[i].location, strlen(t[i].location), t[i].hop, &to, url, sizeof(url), &why);
                CHECK_EQ_INT(r, t[i].err, "%s", t[i].location);
                if (r == UK_OK) {
                        CHECK_EQ_STR(url, t[i].want);
                        struct uk_url again;
                        CHECK(uk_url_parse(url, &again) == UK_OK && memcmp(&again, &to, sizeof(to)) == 0, "%s: parts", url);
                } else {
                        CHECK(why && strcmp(why, t[i].want) == 0, "%s: why '%s'", t[i].location, why ? why : "(null)");
                        CHECK_EQ_STR(url, "untouched");
                }
        }
}

static void test_content_range(void) {
        static const struct {
                const char *v;
                uk_err err;
                uint64_t first, last, total;
        } t[] = {
                { "bytes 100-199/200", UK_OK, 100, 199, 200 },
                { " bytes 0-0/1 ", UK_OK, 0, 0, 1 },
                { "bytes 5-9/18446744073709551615", UK_OK, 5, 9, 18446744073709551615ull },
                { "bytes 100-199/*", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes */200", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes 200-100/300", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes 100-200/200", UK_E_SYNTAX, 0, 0, 0 },
                { "items 1-2/3", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes 1-2/3x", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes -1-2/3", UK_E_SYNTAX, 0, 0, 0 },
                { "bytes 1-2/99999999999999999999", UK_E_SYNTAX, 0, 0, 0 },
                { "", UK_E_SYNTAX, 0, 0, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                uint64_t a = 7, b = 7, c = 7;
                CHECK_EQ_INT(uk_content_range_parse(t[i].v, strlen(t[i].v), &a, &b, &c), t[i].err, "'%s'", t[i].v);
                if (t[i].err == UK_OK)
                        CHECK(a == t[i].first && b == t[i].last && c == t[i].total, "'%s' values", t[i].v);
                else
                        CHECK(a == 7 && b == 7 && c == 7, "'%s' outputs untouched", t[i].v);
        }
}

/* A parsed URL written back, whole and as its Host header: brackets for IPv6, the port only when not the
 * scheme's. */
static void test_format(void) {
        static const struct { const char *in, *url, *host; } t[] = {
                { "http://10.0.2.100/u.efi", "http://10.0.2.100/u.efi", "10.0.2.100" },
                { "HTTPS://Boot.Example:443/a?b=1#frag", "https://Boot.Example/a?b=1", "Boot.Example" },
                { "http://h:8080", "http://h:8080/", "h:8080" },
                { "http://[2001:db8::1]/x", "http://[2001:db8::1]/x", "[2001:db8::1]" },
                { "https://[::1]:8443/x", "https://[::1]:8443/x", "[::1]:8443" },
                { "tftp://10.0.2.2:69/k", "tftp://10.0.2.2/k", "10.0.2.2" },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_url u;
                char url[128], host[64];
                CHECK_EQ_INT(uk_url_parse(t[i].in, &u), UK_OK, "%s", t[i].in);
                CHECK_EQ_INT(uk_url_format(&u, url, sizeof(url)), UK_OK, "%s", t[i].in);
                CHECK_EQ_STR(url, t[i].url);
                CHECK_EQ_INT(uk_url_authority(&u, host, sizeof(host)), UK_OK, "%s", t[i].in);
                CHECK_EQ_STR(host, t[i].host);
                CHECK_EQ_INT(uk_url_authority(&u, host, 4), UK_E_BUFFER_TOO_SMALL, "%s: cut is an error", t[i].in);
        }
}

/* A resumed download continues only with the rest of the same file, on both twins. */
static void test_rest_of_file(void) {
        static const struct { const char *range; uint64_t length, got, total; bool ok; } t[] = {
                { "bytes 1048576-10485759/10485760", 9437184, 1048576, 10485760, true },
                { " bytes 0-99/100 ", 100, 0, 100, true },
                { "bytes 1048576-10485759/10485761", 9437184, 1048576, 10485760, false },     /* another size */
                { "bytes 0-10485759/10485760", 10485760, 1048576, 10485760, false },          /* from the start */
                { "bytes 1048576-10485758/10485760", 9437183, 1048576, 10485760, false },     /* short of the end */
                { "bytes 1048576-10485759/10485760", 9437185, 1048576, 10485760, false },     /* length disagrees */
                { "bytes 1048576-10485759/*", 9437184, 1048576, 10485760, false },            /* size unknown */
                { "bytes 100-99/100", 0, 100, 100, false },                                   /* nothing left */
                { NULL, 9437184, 1048576, 10485760, false },                                  /* no Content-Range */
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++)
                CHECK_EQ_INT(uk_fetch_rest_of_file(t[i].range, t[i].range ? strlen(t[i].range) : 0, t[i].length, t[i].got,
                                                   t[i].total), t[i].ok, "row %zu", i);
}

int main(void) {
        unit_suite = "fetch_rules";
        test_redirects();
        test_content_range();
        test_format();
        test_rest_of_file();
        CHECK_EQ_STR(uk_http_reason(404), " Not Found");
        CHECK_EQ_STR(uk_http_reason(503), " Service Unavailable");
        CHECK_EQ_STR(uk_http_reason(299), "");
        return unit_finish();
}
