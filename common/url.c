/* ukiboot — absolute http(s) and tftp URLs for `uki-url`: scheme, host (name, IPv4, [IPv6]), port, path.
 *
 * Deliberately narrow: what a boot loader fetches from is a plain server address. Userinfo is refused
 * (credentials in a boot entry would be readable by anyone with the ESP), so are whitespace, control and
 * non-ASCII bytes (they must be percent-encoded). A fragment is dropped: it is never sent to the server. */
#include "url.h"
#include "util.h"

static bool is_host_char(char c) {
        return uk_isalpha(c) || uk_isdigit(c) || c == '-' || c == '.' || c == '_';
}

static bool is_hex(char c) {
        return uk_isdigit(c) || (uk_tolower(c) >= 'a' && uk_tolower(c) <= 'f');
}

/* Dotted quad with four decimal parts 0..255 and no leading zeros (which some parsers read as octal). */
static bool parse_ipv4(const char *s, size_t len, uint8_t ret[4]) {
        uint8_t out[4];
        size_t i = 0;

        for (int part = 0; part < 4; part++) {
                size_t start = i;
                unsigned v = 0;
                while (i < len && uk_isdigit(s[i]) && i - start < 3) {
                        v = v * 10 + (unsigned) (s[i] - '0');
                        i++;
                }
                if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
                        return false;
                out[part] = (uint8_t) v;
                if (part < 3) {
                        if (i >= len || s[i] != '.')
                                return false;
                        i++;
                }
        }
        if (i != len)
                return false;
        uk_memcpy(ret, out, 4);
        return true;
}

/* IPv6 literal body: hex groups, ':' (at most one "::") and an optional trailing dotted quad. */
static bool valid_ipv6(const char *s, size_t len) {
        size_t colons = 0;
        bool has_dot = false;

        if (len < 2)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == ':')
                        colons++;
                else if (s[i] == '.')
                        has_dot = true;
                else if (!is_hex(s[i]))
                        return false;
                if (i + 2 < len && s[i] == ':' && s[i + 1] == ':' && s[i + 2] == ':')
                        return false;
        }
        if (colons < 2 || colons > 7)
                return false;
        if (has_dot) {
                size_t last = len;
                while (last > 0 && s[last - 1] != ':')
                        last--;
                uint8_t ignored[4];
                if (!parse_ipv4(s + last, len - last, ignored))
                        return false;
        }
        return true;
}

/* A registered name: dot-separated labels, none empty except that one trailing dot is allowed. */
static bool valid_hostname(const char *s, size_t len) {
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (!is_host_char(s[i]))
                        return false;
                if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
                        return false;
        }
        return true;
}

static bool all_digits_and_dots(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!uk_isdigit(s[i]) && s[i] != '.')
                        return false;
        return true;
}

static uk_err parse_port(const char *s, size_t len, uint16_t *ret) {
        uint64_t v;
        if (len > 5 || !uk_parse_u64(s, len, &v) || v == 0 || v > 65535)
                return UK_E_BAD_URL;
        *ret = (uint16_t) v;
        return UK_OK;
}

static bool scheme_is(const char *s, size_t len, const char *name) {
        if (uk_strlen(name) != len)
                return false;
        for (size_t i = 0; i < len; i++)
                if (uk_tolower(s[i]) != name[i])
                        return false;
        return true;
}

uint16_t uk_url_default_port(const char *scheme) {
        return uk_strcmp(scheme, "https") == 0 ? 443 : uk_strcmp(scheme, "tftp") == 0 ? 69 : 80;
}

uk_err uk_url_parse(const char *s, struct uk_url *ret_url) {
        struct uk_url u = {};
        size_t len, i, host_start, host_end, auth_end, path_end;
        uk_err r;

        if (!s || !ret_url)
                return UK_E_INVALID_ARG;

        len = uk_strlen(s);
        for (i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c <= 0x20 || c >= 0x7f)
                        return UK_E_BAD_URL;
        }

        for (i = 0; i < len && s[i] != ':'; i++)
                ;
        if (scheme_is(s, i, "http"))
                uk_memcpy(u.scheme, "http", 5);
        else if (scheme_is(s, i, "https"))
                uk_memcpy(u.scheme, "https", 6);
        else if (scheme_is(s, i, "tftp"))
                uk_memcpy(u.scheme, "tftp", 5);
        else
                return UK_E_BAD_URL;
        u.port = uk_url_default_port(u.scheme);
        if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
                return UK_E_BAD_URL;
        i += 3;

        /* The authority runs to the first '/', '?' or '#'. */
        auth_end = i;
        while (auth_end < len && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
                auth_end++;
        for (size_t k = i; k < auth_end; k++)
                if (s[k] == '@')
                        return UK_E_BAD_URL;

        host_start = i;
        if (i < auth_end && s[i] == '[') {
                size_t close = i + 1;
                while (close < auth_end && s[close] != ']')
                        close++;
                if (close >= auth_end)
                        return UK_E_BAD_URL;
                host_start = i + 1;
                host_end = close;
                if (!valid_ipv6(s + host_start, host_end - host_start))
                        return UK_E_BAD_URL;
                i = close + 1;
        } else {
                host_end = i;
                while (host_end < auth_end && s[host_end] != ':')
                        host_end++;
                size_t hl = host_end - host_start;
                if (all_digits_and_dots(s + host_start, hl)) {
                        if (!parse_ipv4(s + host_start, hl, u.ipv4))
                                return UK_E_BAD_URL;
                        u.host_is_ipv4 = true;
                } else if (!valid_hostname(s + host_start, hl))
                        return UK_E_BAD_URL;
                i = host_end;
        }
        if (uk_strncpy_checked(u.host, sizeof(u.host), s + host_start, host_end - host_start))
                return UK_E_BUFFER_TOO_SMALL;

        if (i < auth_end) {
                if (s[i] != ':')
                        return UK_E_BAD_URL;
                r = parse_port(s + i + 1, auth_end - i - 1, &u.port);
                if (r)
                        return r;
        }

        /* Path and query; an absent path is "/". */
        path_end = auth_end;
        while (path_end < len && s[path_end] != '#')
                path_end++;
        if (auth_end == path_end || s[auth_end] != '/') {
                size_t rest = path_end - auth_end;
                if (rest > sizeof(u.path) - 2)
                        return UK_E_BUFFER_TOO_SMALL;
                u.path[0] = '/';
                uk_memcpy(u.path + 1, s + auth_end, rest);
                u.path[rest + 1] = 0;
        } else if (uk_strncpy_checked(u.path, sizeof(u.path), s + auth_end, path_end - auth_end))
                return UK_E_BUFFER_TOO_SMALL;

        /* TFTP names a file, not a resource: no query, and no percent-escapes, which clients decode
         * differently (libcurl decodes them, a firmware may not): the twins must ask for the same name. */
        if (uk_strcmp(u.scheme, "tftp") == 0) {
                /* ... nor ";mode=" suffixes (libcurl switches modes on them) */
                for (const char *p = u.path; *p; p++)
                        if (*p == '?' || *p == '%' || *p == ';')
                                return UK_E_BAD_URL;
                /* a file name, and a server by IPv4 address: TFTP clients in firmware look no names up */
                if (u.path[1] == 0 || !u.host_is_ipv4)
                        return UK_E_BAD_URL;
        }

        uk_memcpy(ret_url, &u, sizeof(u));
        return UK_OK;
}

bool uk_url_has_scheme(const char *s) {
        if (!s || !uk_isalpha(s[0]))
                return false;
        size_t i = 1;
        while (uk_isalpha(s[i]) || uk_isdigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
                i++;
        return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

bool uk_url_host_is_ipv6(const struct uk_url *u) {
        /* A name or an IPv4 address never holds a ':' (uk_url_parse admits it only inside brackets). */
        for (const char *c = u ? u->host : ""; *c; c++)
                if (*c == ':')
                        return true;
        return false;
}
