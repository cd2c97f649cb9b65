/* ukiboot — download a `uki-url` UKI into a memfd with libcurl (http, https, tftp), showing progress.
 * The static guest build has no libcurl (-DUKIBOOT_NO_CURL). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "log.h"
#include "fetch.h"
#include "url.h"

#ifdef UKIBOOT_NO_CURL

unsigned fetch_schemes(void) {
        return 0;
}

int fetch_url(const char *who, const char *url, const char *ca_file, int *ret_fd) {
        (void) ca_file, (void) who;
        return log_fail(EXIT_FAILED, "%s: this ukiboot was built without libcurl; download the UKI and pass the file", url);
}

#else
#include <stdlib.h>
#include <curl/curl.h>
#include <strings.h>
#include "fetch_rules.h"
#include "pipeline.h"
#include "util.h"

unsigned fetch_schemes(void) {
        return UK_FETCH_HTTP | UK_FETCH_HTTPS | UK_FETCH_TFTP;
}

#define FETCH_MAX_SIZE UK_FETCH_SIZE_MAX

struct fetch {
        CURL *curl;
        int fd;
        uint64_t written;       /* bytes of the file in fd, across resumes */
        uint64_t total;         /* the file's size once a response said it, else 0 */
        int write_errno;
        const char *url;        /* the URL being fetched now (after redirects) */
        bool tty;
        bool has_status;        /* http(s): a response status and headers (tftp has none) */
        int last_pct;
        curl_off_t last_now;
        /* The response being received, from its headers (the header callback resets them per response). */
        long code;
        bool has_length;
        uint64_t length;
        char range[96];         /* Content-Range as sent (range_len 0: none, or too long to be one) */
        size_t range_len;
        char location[UK_FETCH_URL_MAX];
        bool no_length;         /* a 2xx body without Content-Length (chunked) was refused */
        bool bad_range;         /* a resumed response was not the rest of the same file */
        bool body_checked;      /* this response's first body bytes were judged */
        bool bad_length;        /* a Content-Length that is no image's size */
};

static bool header_is(const char *line, size_t len, const char *name, const char **ret_v, size_t *ret_len) {
        size_t n = strlen(name);
        if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
                return false;
        const char *v = line + n + 1;
        size_t vl = len - n - 1;
        while (vl > 0 && (*v == ' ' || *v == '\t'))
                v++, vl--;
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
        *ret_v = v;
        *ret_len = vl;
        return true;
}

/* Each response header line: the status line starts a response (1xx and 3xx ones come before the last). */
static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata) {
        struct fetch *f = userdata;
        size_t len = size * nmemb;
        const char *v;
        size_t vl;
        if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
                const char *sp = memchr(line, ' ', len);
                f->code = sp ? strtol(sp + 1, NULL, 10) : 0;
                f->has_length = false;
                f->range_len = 0;
                f->location[0] = 0;
        } else if (header_is(line, len, "content-length", &v, &vl)) {
                f->has_length = uk_parse_u64(v, vl, &f->length);
        } else if (header_is(line, len, "content-range", &v, &vl) && vl < sizeof(f->range)) {
                memcpy(f->range, v, vl);
                f->range_len = vl;
        } else if (header_is(line, len, "location", &v, &vl) && vl < sizeof(f->location)) {
                memcpy(f->location, v, vl);
                f->location[vl] = 0;
        } else if ((len == 2 && line[0] == '\r') || (len == 1 && line[0] == '\n')) {
                /* The end of a response's headers: a file must say its size up front, as the EFI twin needs. */
                if (f->has_status && f->code >= 200 && f->code < 300 && !f->has_length) {
                        f->no_length = true;
                        return 0;
                }
                /* The file's size is known from here (and refused here, as the EFI twin refuses it, when it is
                 * no image's); a connection lost before its first byte is then resumable. */
                if (f->has_status && f->code == 200 && f->written == 0) {
                        if (f->length == 0 || f->length > UK_FETCH_SIZE_MAX) {
                                f->bad_length = true;
                                return 0;
                        }
                        f->total = f->length;
                }
        }
        return len;
}

/* The first body bytes of a response: whether this is the file (a 2xx whose size is known and, when
 * resuming, is the rest of the same file), and the file's size. False refuses it (curl stops). */
static bool body_accepted(struct fetch *f) {
        if (!f->has_status) {
                curl_off_t cl = -1;     /* tftp: the size from the tsize option, when the server sent one */
                curl_easy_getinfo(f->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
                if (f->total == 0 && cl > 0)
                        f->total = (uint64_t) cl;
                return true;
        }
        if (!f->has_length) {
                f->no_length = true;
                return false;
        }
        if (f->written == 0 && f->code == 200)
                return true;    /* its size was judged with the headers */
        if (f->code == 206 && uk_fetch_rest_of_file(f->range_len ? f->range : NULL, f->range_len, f->length, f->written,
                                                    f->total))
                return true;
        f->bad_range = true;
        return false;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct fetch *f = userdata;
        size_t len = size * nmemb, done = 0;
        if (f->has_status && (f->code < 200 || f->code >= 300))
                return len;     /* a redirect's or an error's own page: not the file */
        if (!f->body_checked) {
                f->body_checked = true;
                if (!body_accepted(f))
                        return 0;
        }
        if (len > FETCH_MAX_SIZE - f->written) {
                f->write_errno = EFBIG;
                return 0;
        }
        while (done < len) {
                ssize_t n = write(f->fd, ptr + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        f->write_errno = errno;
                        return 0;       /* makes curl stop with CURLE_WRITE_ERROR */
                }
                done += (size_t) n;
        }
        f->written += len;
        return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        struct fetch *f = userdata;
        (void) dltotal, (void) dlnow, (void) ultotal, (void) ulnow;
        /* Progress of the file, across resumes; error pages and redirects are not the file. */
        if (f->has_status && (f->code < 200 || f->code >= 300))
                return 0;
        uint64_t total = f->total, now = f->written;
        if (total > 0 && total < (1 << 20))
                return 0;       /* small downloads finish before progress means anything */
        if (total > 0) {
                int pct = (int) (now * 100 / total);
                if (pct == f->last_pct)
                        return 0;
                f->last_pct = pct;
                if (f->tty)
                        fprintf(stderr, "\rukiboot: downloading %s: %3d%% of %llu MiB", f->url, pct,
                                (unsigned long long) (total >> 20));
                else if (pct % 25 == 0)
                        fprintf(stderr, "ukiboot: downloading %s: %d%%\n", f->url, pct);
        } else if ((curl_off_t) now - f->last_now >= 16 << 20) {
                f->last_now = (curl_off_t) now;
                fprintf(stderr, "ukiboot: downloading %s: %llu MiB\n", f->url, (unsigned long long) (now >> 20));
        }
        return 0;
}


/* The overall deadline: UKIBOOT_FETCH_DEADLINE seconds if set to a positive number, else the default. */
static long fetch_deadline(void) {
        const char *s = getenv("UKIBOOT_FETCH_DEADLINE");
        uint64_t v;
        if (s && uk_parse_u64(s, strlen(s), &v) && v > 0 && v < 365L * 24 * 3600)
                return (long) v;
        return UK_FETCH_DEADLINE_SEC;
}

/* Whether a transfer that ended with cr lost its connection mid-file (and may be resumed with a Range). */
static bool connection_lost(const struct fetch *f, CURLcode cr) {
        if (!f->has_status || f->total == 0 || f->written >= f->total || f->bad_range || f->no_length)
                return false;
        return cr == CURLE_PARTIAL_FILE || cr == CURLE_RECV_ERROR || cr == CURLE_GOT_NOTHING || cr == CURLE_SEND_ERROR ||
               cr == CURLE_SSL_CONNECT_ERROR;
}

/* printf arguments for the optional "<who>: " before a message's URL. */
#define WHO(w) (w) ? (w) : "", (w) ? ": " : ""

int fetch_url(const char *who, const char *url, const char *ca_file, int *ret_fd) {
        static char cur[UK_FETCH_URL_MAX], next[UK_FETCH_URL_MAX];
        struct uk_url parsed;
        uk_err e = uk_url_parse(url, &parsed);
        if (e)
                return log_uk(e, url);
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return log_fail(EXIT_FAILED, "%s%s%s: cannot initialise libcurl", WHO(who), url);
        bool tftp = strcmp(parsed.scheme, "tftp") == 0;
        snprintf(cur, sizeof cur, "%s", url);
        struct fetch f = { .url = cur, .tty = isatty(STDERR_FILENO), .last_pct = -1, .has_status = !tftp };
        f.fd = memfd_create("ukiboot-uki", MFD_CLOEXEC);
        if (f.fd < 0) {
                curl_global_cleanup();
                return log_fail(EXIT_FAILED, "memfd_create: %s", strerror(errno));
        }
        CURL *c = curl_easy_init();
        if (!c) {
                close(f.fd);
                curl_global_cleanup();
                return log_fail(EXIT_FAILED, "%s%s%s: cannot initialise libcurl", WHO(who), url);
        }
        f.curl = c;
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,tftp");
        /* Redirects are followed here, one at a time, by common/fetch_rules.c's rule (the EFI twin's). */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        if (ca_file)
                curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
        /* TFTP's 512-byte default means one round trip per 512 bytes; a block that fills an Ethernet frame
         * (RFC 2348) takes a third of them. Servers that do not know the option answer with 512. */
        if (tftp)
                curl_easy_setopt(c, CURLOPT_TFTP_BLKSIZE, 1468L);
        /* One deadline for the whole download: a server that trickles just above the stall limit must
         * not hold `load` for days. */
        long deadline = fetch_deadline();
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        /* The EFI twin's bounds (common/fetch_rules.h): no byte for UK_FETCH_STALL_SEC gives up. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long) UK_FETCH_STALL_SEC);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &f);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "ukiboot/" UKIBOOT_VERSION);
        /* A proxy's own "200 Connection established" is not the server's answer. */
        curl_easy_setopt(c, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
        /* Bigger reads, fewer write()s into the memory file: 16 KiB (libcurl's default) costs a system call
         * per 16 KiB of a file of hundreds of MiB. */
        curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
        CURLcode cr;
        unsigned hops = 0, resumes = 0;
        curl_off_t usec = 0, attempt_usec = 0;
        int rc = EXIT_OK;
        for (;;) {
                errbuf[0] = 0;
                f.code = 0;
                f.body_checked = false;
                curl_easy_setopt(c, CURLOPT_URL, cur);
                uint64_t from = f.written;
                curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) from);
                /* One deadline for the whole download, redirects and resumes included. */
                long left_ms = deadline * 1000L - (long) (usec / 1000);
                curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left_ms > 1 ? left_ms : 1L);
                cr = curl_easy_perform(c);
                if (f.tty && f.last_pct >= 0)
                        fputc('\n', stderr);
                curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &attempt_usec);
                usec += attempt_usec;
                /* A redirect is followed as the EFI twin follows it: these five codes, with a Location, and
                 * not in answer to a resumed request. */
                bool redirect = f.code == 301 || f.code == 302 || f.code == 303 || f.code == 307 || f.code == 308;
                if (cr == CURLE_OK && f.has_status && from > 0 && f.code != 206) {
                        rc = log_fail(EXIT_FAILED, "%s%s%s: the server did not resume the download (HTTP %ld to a "
                                      "Range request)", WHO(who), cur, f.code);
                        break;
                }
                if (cr == CURLE_OK && f.has_status && f.code >= 300 && f.code < 400 && (!redirect || !f.location[0])) {
                        rc = log_fail(EXIT_NOT_FOUND, "%s%s%s: server answered HTTP %ld without a usable Location",
                                      WHO(who), cur, f.code);
                        break;
                }
                if (cr == CURLE_OK && f.has_status && redirect) {
                        const char *why = NULL;
                        struct uk_url to;
                        if (uk_fetch_redirect(&parsed, f.location, strlen(f.location), ++hops, &to, next, sizeof next,
                                              &why)) {
                                rc = log_fail(EXIT_DENIED, "%s%s%s: redirected to %s: %s", WHO(who), cur,
                                              f.location[0] ? f.location : "(no Location)", why);
                                break;
                        }
                        fprintf(stderr, "ukiboot: redirected to %s\n", next);
                        parsed = to;
                        snprintf(cur, sizeof cur, "%s", next);
                        continue;
                }
                if (cr != CURLE_OK && connection_lost(&f, cr) && resumes < UK_FETCH_RESUMES_MAX) {
                        resumes++;
                        fprintf(stderr, "ukiboot: connection lost after %llu of %llu bytes (%s): resuming (%u of %d)\n",
                                (unsigned long long) f.written, (unsigned long long) f.total,
                                errbuf[0] ? errbuf : curl_easy_strerror(cr), resumes, UK_FETCH_RESUMES_MAX);
                        continue;
                }
                break;
        }
        long code = f.code;
        curl_easy_cleanup(c);
        curl_global_cleanup();
        if (rc != EXIT_OK || cr != CURLE_OK) {
                close(f.fd);
                if (rc != EXIT_OK)
                        return rc;
                const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cr);
                if (f.no_length)
                        return log_fail(EXIT_FAILED, "%s%s%s: response has no Content-Length (chunked downloads are not "
                                        "supported)", WHO(who), cur);
                if (f.bad_length)
                        return log_fail(EXIT_FAILED, "%s%s%s: Content-Length %llu is not a UKI size", WHO(who), cur,
                                        (unsigned long long) f.length);
                if (f.bad_range)
                        return log_fail(EXIT_FAILED, "%s%s%s: the resumed response is not the rest of the same file "
                                        "(Content-Range)", WHO(who), cur);
                if (connection_lost(&f, cr))
                        return log_fail(EXIT_FAILED, "%s%s%s: the connection was lost %u times, the last after %llu of %llu "
                                        "bytes: %s", WHO(who), cur, resumes + 1, (unsigned long long) f.written,
                                        (unsigned long long) f.total, why);
                if (cr == CURLE_WRITE_ERROR && f.write_errno)
                        return log_fail(EXIT_FAILED, "%s%s%s: storing the download: %s", WHO(who), cur, strerror(f.write_errno));
                if ((cr == CURLE_HTTP_RETURNED_ERROR && f.written > 0) || cr == CURLE_RANGE_ERROR)
                        return log_fail(EXIT_FAILED, "%s%s%s: the server did not resume the download (HTTP %ld to a Range "
                                        "request)", WHO(who), cur, code);
                if (cr == CURLE_HTTP_RETURNED_ERROR)
                        return log_fail(EXIT_NOT_FOUND, "%s%s%s: server answered HTTP %ld%s", WHO(who), cur, code,
                                        uk_http_reason((unsigned) code));
                if (cr == CURLE_TFTP_NOTFOUND)
                        return log_fail(EXIT_NOT_FOUND, "%s%s%s: the TFTP server has no such file", WHO(who), cur);
                if (cr == CURLE_SSL_CACERT_BADFILE)
                        return log_fail(EXIT_USAGE, "%s%s%s: cannot read the CA certificates %s", WHO(who), cur,
                                        ca_file ? ca_file : "of this system");
                if (cr == CURLE_PEER_FAILED_VERIFICATION)
                        return log_fail(EXIT_FAILED, "%s%s%s: the server's certificate is not trusted (%s)%s", WHO(who), cur, why,
                                        ca_file ? "" : "; --ca FILE names the CA to trust");
                if (cr == CURLE_OPERATION_TIMEDOUT && f.written > 0)
                        return log_fail(EXIT_FAILED, "%s%s%s: not complete within %ld s (%llu bytes came; "
                                        "UKIBOOT_FETCH_DEADLINE sets the limit)", WHO(who), cur, deadline,
                                        (unsigned long long) f.written);
                return log_fail(EXIT_FAILED, "%s%s%s: %s", WHO(who), cur, why);
        }
        if (f.has_status && f.total > 0 && f.written != f.total) {
                close(f.fd);
                return log_fail(EXIT_FAILED, "%s%s%s: %llu bytes came, the server had said %llu", WHO(who), cur,
                                (unsigned long long) f.written, (unsigned long long) f.total);
        }
        /* One line per download, as the EFI twin prints: fleets see how long a soft reboot waited. */
        double secs = usec > 0 ? (double) usec / 1e6 : 0;
        fprintf(stderr, "ukiboot: downloaded %s: %llu bytes in %lld ms", url, (unsigned long long) f.written,
                (long long) (usec / 1000));
        if (secs > 0)
                fprintf(stderr, " (%.1f MiB/s)", (double) f.written / 1048576.0 / secs);
        fputc('\n', stderr);
        *ret_fd = f.fd;
        return EXIT_OK;
}
#endif
