/* ukiboot — fuzz URL parsing; accepted URLs must satisfy what url.h promises. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "url.h"

static char buf[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_url u;

        if (size >= sizeof(buf))
                return 0;
        memcpy(buf, data, size);
        buf[size] = 0;
        if (uk_url_parse(buf, &u) != UK_OK)
                return 0;

        if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "tftp") != 0)
                abort();
        if (u.port == 0 || u.host[0] == 0 || u.path[0] != '/')
                abort();
        if (memchr(u.host, 0, sizeof(u.host)) == NULL || memchr(u.path, 0, sizeof(u.path)) == NULL)
                abort();
        for (const char *p = u.path; *p; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f || *p == '#')
                        abort();
        if (strchr(u.host, '@') || strchr(u.host, '/'))
                abort();
        if (u.host_is_ipv4) {
                char quad[16];
                snprintf(quad, sizeof(quad), "%u.%u.%u.%u", u.ipv4[0], u.ipv4[1], u.ipv4[2], u.ipv4[3]);
                if (strcmp(quad, u.host) != 0)
                        abort();        /* the parsed address is the host, byte for byte */
        }
        /* The accepted URL is stable: parsing it rebuilt from its parts gives the same parts. */
        char again[2048];
        struct uk_url v;
        bool v6 = strchr(u.host, ':') != NULL;
        snprintf(again, sizeof(again), "%s://%s%s%s:%u%s", u.scheme, v6 ? "[" : "", u.host, v6 ? "]" : "", u.port, u.path);
        if (uk_url_parse(again, &v) != UK_OK || memcmp(&u, &v, sizeof(u)) != 0)
                abort();
        return 0;
}
