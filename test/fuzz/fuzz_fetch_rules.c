/* ukiboot — fuzz the redirect rule and the Content-Range parser: a followed redirect gives a URL that parses
 * to the parts returned and never drops https; an accepted range is ordered and inside its total. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fetch_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct uk_url from[2];
        static int ready;
        if (!ready) {
                uk_url_parse("http://10.0.2.100/a.efi", &from[0]);
                uk_url_parse("https://boot.example.org:8443/d/a.efi", &from[1]);
                ready = 1;
        }
        if (size < 1)
                return 0;
        const struct uk_url *f = &from[data[0] & 1];
        unsigned hop = (data[0] >> 1) & 7;
        struct uk_url to;
        char url[UK_FETCH_URL_MAX];
        const char *why = NULL;
        if (uk_fetch_redirect(f, (const char *) data + 1, size - 1, hop, &to, url, sizeof(url), &why) == UK_OK) {
                struct uk_url again;
                if (hop > UK_FETCH_REDIRECTS_MAX || uk_url_parse(url, &again) != UK_OK || memcmp(&again, &to, sizeof(to)) != 0)
                        abort();
                if (strcmp(f->scheme, "https") == 0 && strcmp(to.scheme, "https") != 0)
                        abort();
                if (strcmp(to.scheme, "http") != 0 && strcmp(to.scheme, "https") != 0)
                        abort();
        } else if (!why) {
                abort();
        }
        uint64_t a, b, c;
        if (uk_content_range_parse((const char *) data + 1, size - 1, &a, &b, &c) == UK_OK && (a > b || b >= c))
                abort();
        return 0;
}
