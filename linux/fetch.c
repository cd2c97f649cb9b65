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

int fetch_url(const char *url, const char *ca_file, int *ret_fd) {
        (void) ca_file;
        return log_fail(EXIT_FAILED, "%s: this ukiboot was built without libcurl; download the UKI and pass the file", url);
}

#else
#include <stdlib.h>
#include <curl/curl.h>
#include "pipeline.h"
#include "util.h"

unsigned fetch_schemes(void) {
        return UK_FETCH_HTTP | UK_FETCH_HTTPS | UK_FETCH_TFTP;
}

#define FETCH_MAX_SIZE (2ULL * 1024 * 1024 * 1024)

struct fetch {
        CURL *curl;
        int fd;
        uint64_t written;
        int write_errno;
        const char *url;
        bool tty;
        bool has_status;        /* http(s): progress only of a 2xx answer (tftp has no status) */
        int last_pct;
        curl_off_t last_now;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct fetch *f = userdata;
        size_t len = size * nmemb, done = 0;
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
        long code = 0;
        /* Error pages are not the UKI: only report progress of a successful response. */
        if (f->has_status &&
            (curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code < 200 || code >= 300))
                return 0;
        if (dltotal > 0 && dltotal < (1 << 20))
                return 0;       /* small downloads finish before progress means anything */
        if (dltotal > 0) {
                int pct = (int) (dlnow * 100 / dltotal);
                if (pct == f->last_pct)
                        return 0;
                f->last_pct = pct;
                if (f->tty)
                        fprintf(stderr, "\rukiboot: downloading %s: %3d%% of %lld MiB", f->url, pct,
                                (long long) (dltotal >> 20));
                else if (pct % 25 == 0)
                        fprintf(stderr, "ukiboot: downloading %s: %d%%\n", f->url, pct);
        } else if (dlnow - f->last_now >= 16 << 20) {
                f->last_now = dlnow;
                fprintf(stderr, "ukiboot: downloading %s: %lld MiB\n", f->url, (long long) (dlnow >> 20));
        }
        return 0;
}

#define FETCH_DEADLINE_DEFAULT 1800L      /* seconds for a whole download: 200 MB at ~115 KB/s */

/* The overall deadline: UKIBOOT_FETCH_DEADLINE seconds if set to a positive number, else the default. */
static long fetch_deadline(void) {
        const char *s = getenv("UKIBOOT_FETCH_DEADLINE");
        uint64_t v;
        if (s && uk_parse_u64(s, strlen(s), &v) && v > 0 && v < 365L * 24 * 3600)
                return (long) v;
        return FETCH_DEADLINE_DEFAULT;
}

int fetch_url(const char *url, const char *ca_file, int *ret_fd) {
        struct uk_url parsed;
        uk_err e = uk_url_parse(url, &parsed);
        if (e)
                return log_uk(e, url);
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return log_fail(EXIT_FAILED, "%s: cannot initialise libcurl", url);
        bool tftp = strcmp(parsed.scheme, "tftp") == 0;
        struct fetch f = { .url = url, .tty = isatty(STDERR_FILENO), .last_pct = -1, .has_status = !tftp };
        f.fd = memfd_create("ukiboot-uki", MFD_CLOEXEC);
        if (f.fd < 0) {
                curl_global_cleanup();
                return log_fail(EXIT_FAILED, "memfd_create: %s", strerror(errno));
        }
        CURL *c = curl_easy_init();
        if (!c) {
                close(f.fd);
                curl_global_cleanup();
                return log_fail(EXIT_FAILED, "%s: cannot initialise libcurl", url);
        }
        f.curl = c;
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,tftp");
        /* A redirect may keep the scheme or strengthen it, never drop https for http (tftp has none). */
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, strcmp(parsed.scheme, "https") == 0 ? "https" : "http,https");
        if (ca_file)
                curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
        /* TFTP's 512-byte default means one round trip per 512 bytes; a block that fills an Ethernet frame
         * (RFC 2348) takes a third of them. Servers that do not know the option answer with 512. */
        if (tftp)
                curl_easy_setopt(c, CURLOPT_TFTP_BLKSIZE, 1468L);
        /* One deadline for the whole download: a server that trickles just above the stall limit must
         * not hold `load` for days. */
        long deadline = fetch_deadline();
        curl_easy_setopt(c, CURLOPT_TIMEOUT, deadline);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);   /* give up on a stalled server */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &f);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "ukiboot/" UKIBOOT_VERSION);
        CURLcode cr = curl_easy_perform(c);
        if (f.tty && f.last_pct >= 0)
                fputc('\n', stderr);
        long code = 0;
        curl_off_t usec = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &usec);
        curl_easy_cleanup(c);
        curl_global_cleanup();
        if (cr != CURLE_OK) {
                close(f.fd);
                if (cr == CURLE_WRITE_ERROR && f.write_errno)
                        return log_fail(EXIT_FAILED, "%s: storing the download: %s", url, strerror(f.write_errno));
                if (cr == CURLE_HTTP_RETURNED_ERROR)
                        return log_fail(EXIT_NOT_FOUND, "%s: server answered HTTP %ld", url, code);
                if (cr == CURLE_TFTP_NOTFOUND)
                        return log_fail(EXIT_NOT_FOUND, "%s: the TFTP server has no such file", url);
                if (cr == CURLE_SSL_CACERT_BADFILE)
                        return log_fail(EXIT_USAGE, "%s: cannot read the CA certificates %s", url,
                                        ca_file ? ca_file : "of this system");
                if (cr == CURLE_PEER_FAILED_VERIFICATION)
                        return log_fail(EXIT_FAILED, "%s: the server's certificate is not trusted (%s)%s", url,
                                        errbuf[0] ? errbuf : curl_easy_strerror(cr),
                                        ca_file ? "" : "; --ca FILE names the CA to trust");
                if (cr == CURLE_OPERATION_TIMEDOUT && f.written > 0)
                        return log_fail(EXIT_FAILED, "%s: not complete within %ld s (%llu bytes came; "
                                        "UKIBOOT_FETCH_DEADLINE sets the limit)", url, deadline,
                                        (unsigned long long) f.written);
                if (cr == CURLE_UNSUPPORTED_PROTOCOL || cr == CURLE_TOO_MANY_REDIRECTS)
                        return log_fail(EXIT_DENIED, "%s: %s (redirects may keep or strengthen the scheme, at most 5)",
                                        url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
                return log_fail(EXIT_FAILED, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
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
