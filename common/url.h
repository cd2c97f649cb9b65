/* ukiboot — URL parsing for `uki-url` (http only on EFI; http, https and tftp on Linux). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include "error.h"

struct uk_url {
        char scheme[8];      /* "http" / "https" / "tftp" */
        char host[256];      /* host name or IP literal (brackets stripped for IPv6) */
        uint16_t port;       /* explicit or scheme default */
        char path[1024];     /* starts with '/', includes query */
        bool host_is_ipv4;
        uint8_t ipv4[4];
};

/* The port a scheme means when its URL names none: 80 (http), 443 (https), 69 (tftp). */
uint16_t uk_url_default_port(const char *scheme);

/* Parse an absolute http, https or tftp URL. */
uk_err uk_url_parse(const char *s, struct uk_url *ret_url);

/* Whether the URL's host is an IPv6 literal (written in brackets, kept without them in host). */
bool uk_url_host_is_ipv6(const struct uk_url *u);

/* Whether s begins like a URL ("scheme://", RFC 3986 scheme characters): what a name given to the Linux twin
 * is taken for (a URL to fetch, else a file), whether or not the rest parses. */
bool uk_url_has_scheme(const char *s);
