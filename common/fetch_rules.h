/* ukiboot — the rules both twins fetch by: where a redirect may lead, how often, and how a resumed
 * download's Content-Range must answer. The twins do the transfers (HttpDxe, libcurl); whether to follow,
 * resume or give up is decided here, in the same words. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "url.h"

#define UK_FETCH_REDIRECTS_MAX 5        /* hops followed before the download is refused */
#define UK_FETCH_RESUMES_MAX 3          /* dropped connections resumed (Range) before it is refused */
#define UK_FETCH_STALL_SEC 30           /* no bytes for this long: the download is given up */
#define UK_FETCH_DEADLINE_SEC 1800      /* the whole download, redirects and resumes included */
#define UK_FETCH_SIZE_MAX (2ULL << 30)  /* the largest image fetched (a Content-Length above it is refused) */
#define UK_FETCH_URL_MAX (sizeof(((struct uk_url *) 0)->host) + sizeof(((struct uk_url *) 0)->path) + 16)

/* Follow redirect number hop (1 for the first) from `from` to the Location value location[len]: an absolute
 * http(s) URL, or an absolute path on the same server. On success the target's parts are in *ret_to and its
 * URL text in ret_url[cap]. Refusals say why in *ret_why (a sentence without the URLs): more than
 * UK_FETCH_REDIRECTS_MAX hops, https to http, another scheme, a location that is not one of those forms. */
uk_err uk_fetch_redirect(const struct uk_url *from, const char *location, size_t len, unsigned hop,
                         struct uk_url *ret_to, char *ret_url, size_t cap, const char **ret_why);

/* The URL text of u: "scheme://host[:port]path", the port only when it is not the scheme's default,
 * an IPv6 host in brackets. */
uk_err uk_url_format(const struct uk_url *u, char *ret, size_t cap);
/* The URL's host[:port] as an HTTP Host header carries it: an IPv6 literal in brackets, the port only when it
 * is not the scheme's default. */
uk_err uk_url_authority(const struct uk_url *u, char *ret, size_t cap);

/* Parse a Content-Range value "bytes FIRST-LAST/TOTAL" (RFC 9110 §14.4; blanks around it allowed). */
uk_err uk_content_range_parse(const char *v, size_t len, uint64_t *ret_first, uint64_t *ret_last, uint64_t *ret_total);

/* " Not Found" for 404 and the like: the reason phrase both twins print after "HTTP <code>" for the errors a
 * boot server gives, "" for any other code. */
const char *uk_http_reason(unsigned code);

/* Whether a 206 answer to "Range: bytes=GOT-" of a file of TOTAL bytes is the rest of that same file: its
 * Content-Range (range[range_len]; NULL: the answer had none) is GOT-(TOTAL-1)/TOTAL and its Content-Length
 * is TOTAL - GOT. Anything else (another size, another start, no Content-Range) is another file, or none. */
bool uk_fetch_rest_of_file(const char *range, size_t range_len, uint64_t length, uint64_t got, uint64_t total);
