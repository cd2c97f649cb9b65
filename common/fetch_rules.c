/* ukiboot — redirect, resume and Content-Range rules shared by both twins' downloads. */
#include "fetch_rules.h"
#include "text.h"
#include "util.h"

/* host[:port] into t: an IPv6 literal in brackets, the port only when it is not the scheme's. */
static void add_authority(struct uk_text *t, const struct uk_url *u) {
        bool v6 = uk_url_host_is_ipv6(u);
        uk_text_add(t, v6 ? "[" : "");
        uk_text_add(t, u->host);
        uk_text_add(t, v6 ? "]" : "");
        if (u->port != uk_url_default_port(u->scheme)) {
                uk_text_add(t, ":");
                uk_text_add_u64(t, u->port);
        }
}

uk_err uk_url_authority(const struct uk_url *u, char *ret, size_t cap) {
        struct uk_text t;
        if (!u || !ret || cap == 0)
                return UK_E_INVALID_ARG;
        uk_text_init(&t, ret, cap);
        add_authority(&t, u);
        if (t.cut)
                ret[0] = 0;     /* nothing half-written for a caller to mistake for a host */
        return t.cut ? UK_E_BUFFER_TOO_SMALL : UK_OK;
}

uk_err uk_url_format(const struct uk_url *u, char *ret, size_t cap) {
        struct uk_text t;
        if (!u || !ret || cap == 0)
                return UK_E_INVALID_ARG;
        uk_text_init(&t, ret, cap);
        uk_text_add(&t, u->scheme);
        uk_text_add(&t, "://");
        add_authority(&t, u);
        uk_text_add(&t, u->path);
        return t.cut ? UK_E_BUFFER_TOO_SMALL : UK_OK;
}

static bool scheme_prefix(const char *s, size_t len) {
        size_t i = 0;
        while (i < len && (uk_isalpha(s[i]) || uk_isdigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
                i++;
        return i > 0 && i + 3 <= len && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

uk_err uk_fetch_redirect(const struct uk_url *from, const char *location, size_t len, unsigned hop,
                         struct uk_url *ret_to, char *ret_url, size_t cap, const char **ret_why) {
        char text[UK_FETCH_URL_MAX];
        struct uk_url to;
        uk_err r;

        if (!from || !location || !ret_to || !ret_url || !ret_why)
                return UK_E_INVALID_ARG;
        while (len > 0 && (location[0] == ' ' || location[0] == '\t'))
                location++, len--;
        while (len > 0 && (location[len - 1] == ' ' || location[len - 1] == '\t'))
                len--;
        if (hop > UK_FETCH_REDIRECTS_MAX) {
                *ret_why = "more than 5 redirects";
                return UK_E_TOO_MANY;
        }
        if (uk_strcmp(from->scheme, "tftp") == 0) {
                *ret_why = "TFTP has no redirects";
                return UK_E_BAD_URL;
        }
        if (len > 0 && location[0] == '/' && !(len > 1 && location[1] == '/')) {
                /* An absolute path: the same scheme, host and port. */
                to = *from;
                if (uk_strncpy_checked(to.path, sizeof(to.path), location, len)) {
                        *ret_why = "the redirect's location is too long";
                        return UK_E_BUFFER_TOO_SMALL;
                }
                if (uk_url_format(&to, text, sizeof(text)) || uk_url_parse(text, &to)) {
                        *ret_why = "the redirect's location is not a valid URL";
                        return UK_E_BAD_URL;
                }
        } else if (scheme_prefix(location, len)) {
                if (len >= sizeof(text)) {
                        *ret_why = "the redirect's location is too long";
                        return UK_E_BUFFER_TOO_SMALL;
                }
                uk_memcpy(text, location, len);
                text[len] = 0;
                if (uk_url_parse(text, &to)) {
                        *ret_why = "the redirect's location is not a URL ukiboot fetches";
                        return UK_E_BAD_URL;
                }
        } else {
                *ret_why = "the redirect's location is neither a URL nor an absolute path";
                return UK_E_BAD_URL;
        }
        if (uk_strcmp(to.scheme, "tftp") == 0) {
                *ret_why = "a redirect may not lead to tftp";
                return UK_E_BAD_URL;
        }
        /* Same scheme or stronger: whoever answers plain http cannot pull an https download down to it. */
        if (uk_strcmp(from->scheme, "https") == 0 && uk_strcmp(to.scheme, "https") != 0) {
                *ret_why = "a redirect may not drop https for http";
                return UK_E_SECURITY;
        }
        r = uk_url_format(&to, ret_url, cap);
        if (r) {
                *ret_why = "the redirect's location is too long";
                return r;
        }
        *ret_to = to;
        return UK_OK;
}

static bool parse_num(const char *s, size_t len, size_t *i, uint64_t *ret) {
        size_t start = *i;
        while (*i < len && uk_isdigit(s[*i]))
                (*i)++;
        return *i > start && *i - start <= 20 && uk_parse_u64(s + start, *i - start, ret);
}

uk_err uk_content_range_parse(const char *v, size_t len, uint64_t *ret_first, uint64_t *ret_last, uint64_t *ret_total) {
        uint64_t first, last, total;
        size_t i = 0;

        if (!v || !ret_first || !ret_last || !ret_total)
                return UK_E_INVALID_ARG;
        while (i < len && (v[i] == ' ' || v[i] == '\t'))
                i++;
        while (len > i && (v[len - 1] == ' ' || v[len - 1] == '\t'))
                len--;
        if (len - i < 6 || uk_memcmp(v + i, "bytes ", 6) != 0)
                return UK_E_SYNTAX;
        i += 6;
        if (!parse_num(v, len, &i, &first) || i >= len || v[i++] != '-' || !parse_num(v, len, &i, &last) ||
            i >= len || v[i++] != '/' || !parse_num(v, len, &i, &total) || i != len)
                return UK_E_SYNTAX;
        if (first > last || last >= total)
                return UK_E_SYNTAX;
        *ret_first = first;
        *ret_last = last;
        *ret_total = total;
        return UK_OK;
}

bool uk_fetch_rest_of_file(const char *range, size_t range_len, uint64_t length, uint64_t got, uint64_t total) {
        uint64_t first, last, size;
        return range && got < total && uk_content_range_parse(range, range_len, &first, &last, &size) == UK_OK &&
               first == got && last == total - 1 && size == total && length == total - got;
}

const char *uk_http_reason(unsigned code) {
        static const struct { unsigned code; const char *text; } reasons[] = {
                { 400, " Bad Request" }, { 401, " Unauthorized" }, { 403, " Forbidden" }, { 404, " Not Found" },
                { 410, " Gone" }, { 416, " Range Not Satisfiable" }, { 500, " Internal Server Error" },
                { 502, " Bad Gateway" }, { 503, " Service Unavailable" }, { 504, " Gateway Timeout" },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(reasons); i++)
                if (reasons[i].code == code)
                        return reasons[i].text;
        return "";
}
