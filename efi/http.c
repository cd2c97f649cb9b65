/* ukiboot EFI — download a `uki-url` UKI through the firmware's HTTP stack (HttpDxe over TCP4/IP4).
 *
 * One GET per boot attempt: find a NIC carrying the HTTP service binding, make sure it has an IPv4
 * address (DHCP through IPv4 Configuration II), create an HTTP child, send the request and pull the body
 * straight into pages allocated once from Content-Length. Every wait is bounded, so an unreachable or
 * stalled server costs at most a few tens of seconds before the next entry is tried. */
#include "http.h"
#include "fetch_rules.h"
#include "pem.h"
#include "url.h"
#include "util.h"

#define DHCP_TIMEOUT_USEC (30ULL * 1000 * 1000)      /* QEMU's slirp answers in well under a second */
#define CONNECT_TIMEOUT_MSEC 20000                   /* the driver's own blocking timeout */
#define HEADER_TIMEOUT_USEC (30ULL * 1000 * 1000)    /* request sent -> response headers */
#define STALL_TIMEOUT_USEC (UK_FETCH_STALL_SEC * 1000ULL * 1000)      /* no body bytes for this long: give up */
#define TOTAL_TIMEOUT_USEC (UK_FETCH_DEADLINE_SEC * 1000ULL * 1000)   /* whole body, however slow the link */
#define PROGRESS_USEC (1000ULL * 1000)
#define BODY_CHUNK (4ULL << 20)                      /* room offered per Response() call */
#define FETCH_MAX_SIZE UK_FETCH_SIZE_MAX

static EFI_GUID http_sb_guid = UK_HTTP_SERVICE_BINDING_GUID;
static EFI_GUID http_guid = UK_HTTP_PROTOCOL_GUID;
static EFI_GUID ip4_config2_guid = UK_IP4_CONFIG2_PROTOCOL_GUID;
static EFI_GUID tls_sb_guid = UK_TLS_SERVICE_BINDING_GUID;
static EFI_GUID tls_ca_guid = UK_TLS_CA_CERTIFICATE_GUID;
#define TLS_CA_VARIABLE L"TlsCaCertificate"

/* Wire numbers in the order of the specification's EFI_HTTP_STATUS_CODE enumeration. */
static const uint16_t status_numbers[] = {
        0, 100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
        500, 501, 502, 503, 504, 505, 308,
};

unsigned http_status_number(EFI_HTTP_STATUS_CODE code) {
        return code < UK_ELEMENTSOF(status_numbers) ? status_numbers[code] : 0;
}

struct http_session {
        const char *id;
        const char *url;                 /* as written in the entry, for messages */
        EFI_SERVICE_BINDING *sb;
        EFI_HANDLE child;
        EFI_HTTP_PROTOCOL *http;
        EFI_EVENT event;
        volatile BOOLEAN done;           /* set by the token's notify function */
        EFI_HTTP_TOKEN token;            /* lives as long as the session: the driver writes into it */
        EFI_HTTP_MESSAGE msg;
        bool pending;                    /* token handed to the driver and not completed */
};

static EFIAPI void token_done(EFI_EVENT event, void *ctx) {
        struct http_session *s = ctx;
        s->done = TRUE;
}

/* Print "N.N" MiB without floating point (no SSE in this build). */
#define MIB10(bytes) ((uint64_t) (bytes) * 10 / (1024 * 1024))

static void connect_all_controllers(void) {
        EFI_HANDLE *handles = NULL;
        UINTN n = 0;

        if (EFI_ERROR(BS->LocateHandleBuffer(AllHandles, NULL, NULL, &n, &handles)))
                return;
        for (UINTN i = 0; i < n; i++)
                BS->ConnectController(handles[i], NULL, NULL, TRUE);
        FreePool(handles);
}

EFI_STATUS net_find_service(EFI_GUID *sb_guid, const CHAR16 *what, EFI_HANDLE **ret, UINTN *ret_n) {
        EFI_STATUS st = BS->LocateHandleBuffer(ByProtocol, sb_guid, NULL, ret_n, ret);
        if (st != EFI_NOT_FOUND)
                return st;
        log_info(L"no %s stack yet, connecting all drivers", what);
        connect_all_controllers();
        return BS->LocateHandleBuffer(ByProtocol, sb_guid, NULL, ret_n, ret);
}

/* The NIC's station address, or 0.0.0.0 (GetData appends the route table, hence the larger buffer). */
static bool station_address(EFI_IP4_CONFIG2_PROTOCOL *cfg, EFI_IPv4_ADDRESS *ret) {
        static uint8_t buf[sizeof(EFI_IP4_CONFIG2_INTERFACE_INFO) + 32 * sizeof(EFI_IP4_ROUTE_TABLE)];
        UINTN size = sizeof(buf);
        EFI_IP4_CONFIG2_INTERFACE_INFO *info = (void *) buf;

        if (EFI_ERROR(cfg->GetData(cfg, Ip4Config2DataTypeInterfaceInfo, &size, buf)))
                return false;
        *ret = info->StationAddress;
        return info->StationAddress.Addr[0] | info->StationAddress.Addr[1] | info->StationAddress.Addr[2] |
               info->StationAddress.Addr[3];
}

EFI_STATUS net_ensure_ipv4(const char *id, EFI_HANDLE h) {
        EFI_IP4_CONFIG2_PROTOCOL *cfg = NULL;
        EFI_IP4_CONFIG2_POLICY policy = Ip4Config2PolicyStatic;
        EFI_IPv4_ADDRESS a;
        UINTN size = sizeof(policy);
        EFI_STATUS st;

        st = BS->HandleProtocol(h, &ip4_config2_guid, (void **) &cfg);
        if (EFI_ERROR(st)) {
                log_error(L"%a: network interface has no IPv4 configuration protocol: %r", id, st);
                return st;
        }
        if (station_address(cfg, &a))
                return EFI_SUCCESS;

        uint64_t t0 = timer_usec();
        st = cfg->GetData(cfg, Ip4Config2DataTypePolicy, &size, &policy);
        if (EFI_ERROR(st) || policy != Ip4Config2PolicyDhcp) {
                log_info(L"network: switching the interface to DHCP");
                policy = Ip4Config2PolicyDhcp;
                st = cfg->SetData(cfg, Ip4Config2DataTypePolicy, sizeof(policy), &policy);
                if (EFI_ERROR(st) && st != EFI_NOT_READY) {
                        log_error(L"%a: cannot switch the network interface to DHCP: %r", id, st);
                        return st;
                }
        }
        log_info(L"network: waiting for a DHCP address");
        while (!station_address(cfg, &a)) {
                if (timer_usec() - t0 > DHCP_TIMEOUT_USEC) {
                        log_error(L"%a: no IPv4 address from DHCP within %d s", id,
                                  (int) (DHCP_TIMEOUT_USEC / 1000000));
                        return EFI_TIMEOUT;
                }
                BS->Stall(10 * 1000);
        }
        uint64_t ms = (timer_usec() - t0) / 1000;
        log_info(L"network: %d.%d.%d.%d (DHCP, %ld ms)", a.Addr[0], a.Addr[1], a.Addr[2], a.Addr[3], ms);
        return EFI_SUCCESS;
}

/* Take a token that timed out back from the driver right away: it points at our caller's memory (request and
 * response data on its stack, the body pages it frees on failure). Cancel, else reset the instance; pending
 * stays set only if neither worked, and then that memory must not be freed. */
static void token_abort(struct http_session *s) {
        if (!EFI_ERROR(s->http->Cancel(s->http, &s->token)) || !EFI_ERROR(s->http->Configure(s->http, NULL)))
                s->pending = false;
}

/* Hand the session's token to Request() or Response() and wait for it, polling the driver. */
static EFI_STATUS run_token(struct http_session *s, bool request, uint64_t timeout_usec) {
        EFI_STATUS st;

        s->done = FALSE;
        s->token.Event = s->event;
        s->token.Status = EFI_NOT_READY;
        s->token.Message = &s->msg;
        st = request ? s->http->Request(s->http, &s->token) : s->http->Response(s->http, &s->token);
        if (EFI_ERROR(st))
                return st;
        s->pending = true;
        uint64_t deadline = timer_usec() + timeout_usec;
        while (!s->done) {
                if (timer_usec() > deadline) {
                        token_abort(s);
                        return EFI_TIMEOUT;
                }
                s->http->Poll(s->http);
        }
        s->pending = false;
        return s->token.Status;
}

static void session_close(struct http_session *s) {
        if (s->http) {
                /* Cancel anything in flight before the token's storage goes away, then drop the connection. */
                if (s->pending)
                        s->http->Cancel(s->http, NULL);
                s->http->Configure(s->http, NULL);
        }
        if (s->child)
                s->sb->DestroyChild(s->sb, s->child);
        if (s->event)
                BS->CloseEvent(s->event);
        s->http = NULL;
        s->child = NULL;
        s->event = NULL;
}

/* One HTTP instance on nic: IPv4 with the address net_ensure_ipv4 set up, or IPv6 (v6) with whatever address
 * the firmware's own IPv6 configuration gave the card (its default policy: automatic, SLAAC or DHCPv6). */
static EFI_STATUS session_open(struct http_session *s, EFI_HANDLE nic, bool v6) {
        EFI_HTTPv4_ACCESS_POINT ap = { .UseDefaultAddress = TRUE };
        EFI_HTTPv6_ACCESS_POINT ap6 = {};      /* the unspecified address and any port: the driver's choice */
        EFI_HTTP_CONFIG_DATA config = {
                .HttpVersion = HttpVersion11,
                .TimeOutMillisec = CONNECT_TIMEOUT_MSEC,
                .LocalAddressIsIPv6 = v6,
        };
        if (v6)
                config.AccessPoint.IPv6Node = &ap6;
        else
                config.AccessPoint.IPv4Node = &ap;
        EFI_STATUS st;

        st = BS->HandleProtocol(nic, &http_sb_guid, (void **) &s->sb);
        if (EFI_ERROR(st)) {
                log_error(L"%a: the network interface lost its HTTP service: %r", s->id, st);
                return st;
        }
        st = s->sb->CreateChild(s->sb, &s->child);
        if (EFI_ERROR(st)) {
                s->child = NULL;
                log_error(L"%a: cannot create an HTTP instance: %r", s->id, st);
                return st;
        }
        st = BS->HandleProtocol(s->child, &http_guid, (void **) &s->http);
        if (EFI_ERROR(st)) {
                s->http = NULL;
                log_error(L"%a: HTTP instance without HTTP protocol: %r", s->id, st);
                return st;
        }
        st = BS->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, token_done, s, &s->event);
        if (EFI_ERROR(st)) {
                s->event = NULL;
                log_error(L"%a: cannot create an event for HTTP: %r", s->id, st);
                return st;
        }
        st = s->http->Configure(s->http, &config);
        if (EFI_ERROR(st))
                log_error(L"%a: cannot configure HTTP: %r", s->id, st);
        return st;
}

static bool header_is(const char *name, const char *want) {
        size_t i;
        for (i = 0; name[i] && want[i]; i++)
                if (uk_tolower(name[i]) != uk_tolower(want[i]))
                        return false;
        return name[i] == want[i];
}

/* The value of response header `name`, blanks trimmed, into *ret / *ret_len; false if absent. */
static bool header_value(const EFI_HTTP_MESSAGE *m, const char *name, const char **ret, size_t *ret_len) {
        for (UINTN i = 0; i < m->HeaderCount; i++) {
                const char *n = (const char *) m->Headers[i].FieldName, *v = (const char *) m->Headers[i].FieldValue;
                if (!n || !v || !header_is(n, name))
                        continue;
                while (*v == ' ' || *v == '\t')
                        v++;
                size_t len = uk_strlen(v);
                while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
                        len--;
                *ret = v;
                *ret_len = len;
                return true;
        }
        return false;
}

/* Content-Length of the response headers; false if absent or not a plain number. */
static bool content_length(const EFI_HTTP_MESSAGE *m, uint64_t *ret) {
        const char *v;
        size_t len;
        return header_value(m, "content-length", &v, &len) && uk_parse_u64(v, len, ret);
}

/* The driver allocates the response header array and every name and value in it; the caller frees them. */
static void free_headers(EFI_HTTP_MESSAGE *m) {
        if (m->Headers) {
                for (UINTN i = 0; i < m->HeaderCount; i++) {
                        if (m->Headers[i].FieldName)
                                FreePool(m->Headers[i].FieldName);
                        if (m->Headers[i].FieldValue)
                                FreePool(m->Headers[i].FieldValue);
                }
                FreePool(m->Headers);
        }
        m->Headers = NULL;
        m->HeaderCount = 0;
}

void net_print_progress(uint64_t got, uint64_t total, uint64_t usec) {
        uint64_t a = MIB10(got), b = MIB10(total);
        log_info(L"download: %d%% (%ld.%ld of %ld.%ld MiB, %ld s)", (int) (total ? got * 100 / total : 0),
                 a / 10, a % 10, b / 10, b % 10, usec / 1000000);
}

void net_print_done(uint64_t total, uint64_t usec) {
        net_print_progress(total, total, usec);
        /* Throughput in KiB/s: bytes * 1e6 / usec stays far below 2^64 for any size we accept. */
        log_info(L"downloaded %ld bytes in %ld ms (%ld KiB/s)", total, usec / 1000,
                 usec ? total * 1000000ULL / usec / 1024 : 0);
}

/* Words for the network errors UEFI 2.10 added (EFIERR 104..106) that gnu-efi's %r prints as numbers. */
static const CHAR16 *lost_why(EFI_STATUS st) {
        switch (st & ~EFI_ERROR_MASK) {
        case 104:
                return L"the server closed the connection";
        case 105:
                return L"the connection was reset";
        default:
                return NULL;
        }
}

/* A download in progress: the pages it goes into, how big it is and how much came (kept across resumes). */
struct body {
        void *buf;
        UINTN pages;
        uint64_t total, got;
        uint64_t t0;
};

/* How one GET ended, beyond its status. */
enum get_end {
        GET_DONE,               /* the whole body is in */
        GET_FAILED,             /* said why; nothing to retry */
        GET_REDIRECT,           /* 3xx: the Location value is in the caller's buffer */
        GET_DROPPED,            /* the connection went away mid-body: the body so far is kept for a Range request */
};

/* Check a 206's Content-Range against the part asked for: the rest of the same-sized file. */
static bool range_answers(const EFI_HTTP_MESSAGE *m, const struct body *b, uint64_t length) {
        const char *v = NULL;
        size_t len = 0;
        if (!header_value(m, "content-range", &v, &len))
                v = NULL;
        return uk_fetch_rest_of_file(v, len, length, b->got, b->total);
}

/* One GET over an opened session into b (from b->got on, with a Range header when resuming); prints the
 * one-line reason itself when it fails. */
static enum get_end get(struct http_session *s, CHAR16 *url16, const char *host_header, struct body *b,
                        char *location, size_t location_cap, EFI_STATUS *ret_st) {
        EFI_HTTP_REQUEST_DATA req = { .Method = HttpMethodGet, .Url = url16 };
        EFI_HTTP_RESPONSE_DATA resp = {};
        char range[48] = "bytes=";
        uk_fmt_u64(range + 6, sizeof(range) - 7, b->got);
        uk_strlcpy_checked(range + uk_strlen(range), sizeof(range) - uk_strlen(range), "-");
        EFI_HTTP_HEADER headers[] = {
                { (CHAR8 *) "Host", (CHAR8 *) host_header },
                { (CHAR8 *) "Accept", (CHAR8 *) "*/*" },
                { (CHAR8 *) "User-Agent", (CHAR8 *) "ukiboot/" UKIBOOT_VERSION },
                { (CHAR8 *) "Range", (CHAR8 *) range },
        };
        bool resuming = b->buf != NULL;    /* a download that started: resumed, even at byte 0 */
        uint64_t length = 0;
        EFI_STATUS st;

        *ret_st = EFI_SUCCESS;
        s->msg = (EFI_HTTP_MESSAGE) { .Data.Request = &req, .HeaderCount = UK_ELEMENTSOF(headers) - (resuming ? 0 : 1),
                                      .Headers = headers };
        st = run_token(s, true, HEADER_TIMEOUT_USEC);
        if (EFI_ERROR(st)) {
                log_error(L"%a: %a: sending the request failed: %r", s->id, s->url, st);
                *ret_st = st;
                return GET_FAILED;
        }

        s->msg = (EFI_HTTP_MESSAGE) { .Data.Response = &resp };
        st = run_token(s, false, HEADER_TIMEOUT_USEC);
        unsigned code = http_status_number(resp.StatusCode);
        if (EFI_ERROR(st) && (st != EFI_HTTP_ERROR || code == 0)) {
                free_headers(&s->msg);
                log_error(L"%a: %a: no response: %r", s->id, s->url, st);
                *ret_st = st;
                return GET_FAILED;
        }
        const char *v;
        size_t vlen;
        if (!resuming && (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) &&
            header_value(&s->msg, "location", &v, &vlen) && vlen < location_cap) {
                uk_memcpy(location, v, vlen);
                location[vlen] = 0;
                free_headers(&s->msg);
                return GET_REDIRECT;
        }
        if (code != (resuming ? 206u : 200u)) {
                free_headers(&s->msg);
                *ret_st = EFI_NOT_FOUND;
                if (code == 0)
                        log_error(L"%a: %a: server answered with an HTTP status this firmware does not know",
                                  s->id, s->url);
                else if (resuming)
                        log_error(L"%a: %a: the server did not resume the download (HTTP %d to a Range request)",
                                  s->id, s->url, code);
                else if (code >= 300 && code < 400)
                        log_error(L"%a: %a: server answered HTTP %d without a usable Location", s->id, s->url, code);
                else
                        log_error(L"%a: %a: server answered HTTP %d%a", s->id, s->url, code, uk_http_reason(code));
                return GET_FAILED;
        }
        bool has_length = content_length(&s->msg, &length);
        bool range_ok = !resuming || (has_length && range_answers(&s->msg, b, length));
        free_headers(&s->msg);
        if (!has_length) {
                log_error(L"%a: %a: response has no Content-Length (chunked downloads are not supported)", s->id, s->url);
                *ret_st = EFI_UNSUPPORTED;
                return GET_FAILED;
        }
        if (resuming) {
                if (!range_ok) {
                        log_error(L"%a: %a: the resumed response is not the rest of the same file (Content-Range)",
                                  s->id, s->url);
                        *ret_st = EFI_PROTOCOL_ERROR;
                        return GET_FAILED;
                }
                log_info(L"resuming %a at byte %ld", s->url, b->got);
        } else {
                if (length == 0 || length > FETCH_MAX_SIZE) {
                        log_error(L"%a: %a: Content-Length %ld is not a UKI size", s->id, s->url, length);
                        *ret_st = EFI_BAD_BUFFER_SIZE;
                        return GET_FAILED;
                }
                uint64_t m10 = MIB10(length);
                log_info(L"downloading %a: %ld bytes (%ld.%ld MiB)", s->url, length, m10 / 10, m10 % 10);
                st = pages_alloc(length, &b->buf, &b->pages);
                if (EFI_ERROR(st)) {
                        log_error(L"%a: cannot allocate %ld bytes for the download: %r", s->id, length, st);
                        *ret_st = st;
                        return GET_FAILED;
                }
                b->total = length;
                b->t0 = timer_usec();
        }

        uint64_t last_data = timer_usec(), last_print = last_data;
        while (b->got < b->total) {
                uint64_t want = b->total - b->got < BODY_CHUNK ? b->total - b->got : BODY_CHUNK;
                s->msg = (EFI_HTTP_MESSAGE) { .BodyLength = (UINTN) want, .Body = (uint8_t *) b->buf + b->got };
                st = run_token(s, false, STALL_TIMEOUT_USEC);
                uint64_t now = timer_usec();
                if (EFI_ERROR(st)) {
                        *ret_st = st;
                        /* A connection that went away may be picked up where it broke; a stall is not retried
                         * (it would stall again), nor is a token the driver still holds (it may still write). */
                        if (st != EFI_TIMEOUT && !s->pending)
                                return GET_DROPPED;
                        log_error(L"%a: %a: download failed after %ld of %ld bytes: %r", s->id, s->url, b->got,
                                  b->total, st);
                        return GET_FAILED;
                }
                if (s->msg.BodyLength > want) {
                        log_error(L"%a: %a: HTTP driver returned more than it was asked for", s->id, s->url);
                        *ret_st = EFI_PROTOCOL_ERROR;
                        return GET_FAILED;
                }
                if (s->msg.BodyLength > 0)
                        last_data = now;
                b->got += s->msg.BodyLength;
                if (now - last_data > STALL_TIMEOUT_USEC || now - b->t0 > TOTAL_TIMEOUT_USEC) {
                        log_error(L"%a: %a: download timed out after %ld of %ld bytes", s->id, s->url, b->got, b->total);
                        *ret_st = EFI_TIMEOUT;
                        return GET_FAILED;
                }
                if (now - last_print >= PROGRESS_USEC && b->got < b->total) {
                        net_print_progress(b->got, b->total, now - b->t0);
                        last_print = now;
                }
        }
        return GET_DONE;
}

/* The request URL as uk_url_format writes it (scheme lower-cased, fragment dropped), and the Host header:
 * host[:port], the port only when it is not the scheme's. */
static CHAR16 *request_url(const struct uk_url *u, char *host_header, size_t cap) {
        static char url[UK_FETCH_URL_MAX];

        if (uk_url_authority(u, host_header, cap) != UK_OK)
                return NULL;
        if (uk_url_format(u, url, sizeof(url)) != UK_OK)
                return NULL;
        return xstr8_to_16(url, uk_strlen(url));
}

bool http_tls_available(void) {
        EFI_HANDLE *handles = NULL;
        UINTN n = 0;
        EFI_STATUS st = BS->LocateHandleBuffer(ByProtocol, &tls_sb_guid, NULL, &n, &handles);
        if (!EFI_ERROR(st) && handles)
                FreePool(handles);
        return !EFI_ERROR(st) && n > 0;
}

void https_ca_load(struct efi_fs *esp, const char *id, struct https_ca *ret) {
        void *pem = NULL;
        uint64_t size = 0;
        UINTN pages = 0, var_size = 0;

        *ret = (struct https_ca) {};
        ret->firmware_has = RT->GetVariable(TLS_CA_VARIABLE, &tls_ca_guid, NULL, &var_size, NULL) == EFI_BUFFER_TOO_SMALL;
        if (!esp || efi_fs_read_whole(esp, UK_HTTPS_CA_PATH, &pem, &size, &pages) != UK_OK)
                return;
        if (size > UK_HTTPS_CA_MAX) {
                log_error(L"%a: %a is over %d KiB: not used", id, UK_HTTPS_CA_PATH, UK_HTTPS_CA_MAX / 1024);
                pages_free(pem, pages);
                return;
        }
        /* DER is three quarters of its base64, and each list adds 44 bytes: the text's size bounds it. */
        void *list = AllocatePool(size + 64);
        uk_err r = list ? uk_pem_to_siglist(pem, size, list, size + 64, &ret->list_len, &ret->count) : UK_E_TOO_MANY;
        pages_free(pem, pages);
        if (r) {
                log_error(L"%a: %a is not a PEM certificate bundle: %a", id, UK_HTTPS_CA_PATH, uk_strerror(r));
                if (list)
                        FreePool(list);
                return;
        }
        ret->list = list;
}

void https_ca_free(struct https_ca *ca) {
        if (ca->list)
                FreePool(ca->list);
        *ca = (struct https_ca) {};
}

/* TlsCaCertificate as it was before an https download put the ESP's CAs there. */
struct saved_ca {
        bool installed;         /* the ESP's CAs are in the variable: put it back afterwards */
        bool had;               /* it existed before (volatile: its attributes and bytes are here) */
        UINT32 attrs;
        UINTN size;
        void *data;
};

/* Put the ESP's CAs in TlsCaCertificate for a download, keeping what was there. A non-volatile one was
 * enrolled by the machine's owner in the firmware's setup: it stays (and rewriting it each boot would wear
 * the flash), said on the console. An error: the variable could not be read or set (said). */
static EFI_STATUS ca_install(const char *id, const struct https_ca *ca, struct saved_ca *saved) {
        UINTN size = 0;
        *saved = (struct saved_ca) {};
        EFI_STATUS st = RT->GetVariable(TLS_CA_VARIABLE, &tls_ca_guid, NULL, &size, NULL);
        if (st == EFI_BUFFER_TOO_SMALL) {
                saved->data = AllocatePool(size);
                st = saved->data ? RT->GetVariable(TLS_CA_VARIABLE, &tls_ca_guid, &saved->attrs, &size, saved->data)
                                 : EFI_OUT_OF_RESOURCES;
                if (!EFI_ERROR(st) && (saved->attrs & EFI_VARIABLE_NON_VOLATILE)) {
                        log_info(L"https: the firmware's own CA certificates (TlsCaCertificate) are used, not %a",
                                 UK_HTTPS_CA_PATH);
                        FreePool(saved->data);
                        *saved = (struct saved_ca) {};
                        return EFI_SUCCESS;
                }
                saved->had = !EFI_ERROR(st);
                saved->size = size;
        } else if (st == EFI_NOT_FOUND) {
                st = EFI_SUCCESS;
        }
        if (!EFI_ERROR(st)) {
                /* Volatile and for boot services only, as the firmware's own (TlsAuthConfigDxe) is. */
                st = RT->SetVariable(TLS_CA_VARIABLE, &tls_ca_guid, EFI_VARIABLE_BOOTSERVICE_ACCESS, ca->list_len,
                                     ca->list);
        }
        if (EFI_ERROR(st)) {
                log_error(L"%a: cannot hand the CA certificates of %a to the firmware: %r", id, UK_HTTPS_CA_PATH, st);
                if (saved->data)
                        FreePool(saved->data);
                *saved = (struct saved_ca) {};
                return st;
        }
        saved->installed = true;
        log_info(L"https: %d CA certificate%a from %a", ca->count, ca->count == 1 ? "" : "s", UK_HTTPS_CA_PATH);
        return EFI_SUCCESS;
}

static void ca_restore(struct saved_ca *saved) {
        if (!saved->installed)
                return;
        if (saved->had)
                RT->SetVariable(TLS_CA_VARIABLE, &tls_ca_guid, saved->attrs, saved->size, saved->data);
        else
                RT->SetVariable(TLS_CA_VARIABLE, &tls_ca_guid, EFI_VARIABLE_BOOTSERVICE_ACCESS, 0, NULL);
        if (saved->data)
                FreePool(saved->data);
        *saved = (struct saved_ca) {};
}

EFI_STATUS http_fetch(const char *id, const char *url, const struct https_ca *ca, void **ret_buf, uint64_t *ret_size,
                      UINTN *ret_pages) {
        static struct uk_url u;
        static char host_header[sizeof(u.host) + 8];
        EFI_HANDLE *nics = NULL;
        UINTN n_nics = 0;
        CHAR16 *url16;
        EFI_STATUS st;
        uk_err r;

        r = uk_url_parse(url, &u);
        if (r) {
                log_error(L"%a: %a: %a", id, url, uk_strerror(r));
                return EFI_INVALID_PARAMETER;
        }
        bool v6 = uk_url_host_is_ipv6(&u);
        url16 = request_url(&u, host_header, sizeof(host_header));
        if (!url16) {
                log_error(L"%a: %a: URL too long", id, url);
                return EFI_INVALID_PARAMETER;
        }

        log_info(L"fetching %a", url);
        st = net_find_service(&http_sb_guid, L"HTTP", &nics, &n_nics);
        if (EFI_ERROR(st) || n_nics == 0) {
                log_error(L"%a: %a: this firmware has no HTTP network stack (no NIC with HttpDxe): %r", id, url, st);
                FreePool(url16);
                return EFI_UNSUPPORTED;
        }
        /* The ESP's CAs for this download only (installed once an https URL comes up, perhaps by a redirect):
         * the firmware's own, if any, come back afterwards. */
        struct saved_ca saved = {};
        bool ca_tried = false;
        /* The first NIC that gets an address; the others only if none does. An IPv6 server: the first NIC,
         * whose IPv6 address is the firmware's own doing (a TCP connection without one fails, and says so). */
        EFI_HANDLE nic = NULL;
        bool have_ipv4 = false;
        if (v6) {
                nic = nics[0];
                log_info(L"network: IPv6, with the address the firmware configured");
        }
        for (UINTN i = 0; i < n_nics && !nic; i++)
                if (!EFI_ERROR(net_ensure_ipv4(id, nics[i])))
                        nic = nics[i], have_ipv4 = true;
        st = nic ? EFI_SUCCESS : EFI_NOT_FOUND;
        /* One GET per round: a redirect names the next URL (common/fetch_rules.c says whether to follow it),
         * a dropped connection is resumed with a Range request, each a bounded number of times. */
        static char cur[UK_FETCH_URL_MAX], next[UK_FETCH_URL_MAX], location[UK_FETCH_URL_MAX];
        struct body b = {};
        unsigned hops = 0, resumes = 0;
        uk_strlcpy_checked(cur, sizeof(cur), url);
        while (nic) {
                struct http_session s = { .id = id, .url = cur };
                EFI_STATUS get_st = EFI_SUCCESS;
                enum get_end end = GET_FAILED;
                if (!ca_tried && ca && ca->list && uk_strcmp(u.scheme, "https") == 0) {
                        ca_tried = true;
                        st = ca_install(id, ca, &saved);
                        if (EFI_ERROR(st))
                                break;
                }
                st = session_open(&s, nic, v6);
                if (!EFI_ERROR(st))
                        end = get(&s, url16, host_header, &b, location, sizeof(location), &get_st);
                bool leaked = s.pending;        /* the driver still holds a token that points into b */
                session_close(&s);
                if (EFI_ERROR(st))
                        break;
                st = get_st;
                if (end == GET_REDIRECT) {
                        const char *why = NULL;
                        struct uk_url to;
                        if (uk_fetch_redirect(&u, location, uk_strlen(location), ++hops, &to, next, sizeof(next), &why)) {
                                log_error(L"%a: %a: redirected to %a: %a", id, cur, location, why);
                                st = EFI_ACCESS_DENIED;
                                break;
                        }
                        /* What the pipeline checked for the entry's URL, checked again for where it now leads;
                         * an IPv4 server after an IPv6 one needs the card's IPv4 address first. */
                        v6 = uk_url_host_is_ipv6(&to);
                        if (!v6 && !have_ipv4) {
                                st = net_ensure_ipv4(id, nic);
                                if (EFI_ERROR(st))
                                        break;
                                have_ipv4 = true;
                        }
                        if (uk_strcmp(to.scheme, "https") == 0 &&
                            (!http_tls_available() || !ca || (!ca->list && !ca->firmware_has))) {
                                log_error(L"%a: %a: redirected to %a: no CA certificates to check the server with (put "
                                          L"them in %a on the ESP)", id, cur, next, UK_HTTPS_CA_PATH);
                                st = EFI_UNSUPPORTED;
                                break;
                        }
                        log_info(L"redirected to %a", next);
                        u = to;
                        uk_strlcpy_checked(cur, sizeof(cur), next);
                        FreePool(url16);
                        url16 = request_url(&u, host_header, sizeof(host_header));
                        if (!url16) {
                                log_error(L"%a: %a: URL too long", id, cur);
                                st = EFI_INVALID_PARAMETER;
                                break;
                        }
                        continue;
                }
                if (end == GET_DROPPED && resumes < UK_FETCH_RESUMES_MAX) {
                        resumes++;
                        if (lost_why(get_st))
                                log_info(L"connection lost after %ld of %ld bytes (%s): resuming (%d of %d)", b.got,
                                         b.total, lost_why(get_st), resumes, UK_FETCH_RESUMES_MAX);
                        else
                                log_info(L"connection lost after %ld of %ld bytes (%r): resuming (%d of %d)", b.got,
                                         b.total, get_st, resumes, UK_FETCH_RESUMES_MAX);
                        continue;
                }
                if (end == GET_DROPPED && lost_why(get_st))
                        log_error(L"%a: %a: the connection was lost %d times, the last after %ld of %ld bytes: %s", id,
                                  cur, resumes + 1, b.got, b.total, lost_why(get_st));
                else if (end == GET_DROPPED)
                        log_error(L"%a: %a: the connection was lost %d times, the last after %ld of %ld bytes: %r", id,
                                  cur, resumes + 1, b.got, b.total, get_st);
                if (end == GET_DONE) {
                        net_print_done(b.total, timer_usec() - b.t0);
                        *ret_buf = b.buf;
                        *ret_size = b.total;
                        *ret_pages = b.pages;
                        b.buf = NULL;
                } else if (leaked) {
                        b.buf = NULL;   /* the driver may still write there: leaked on purpose */
                }
                break;
        }
        if (b.buf)
                pages_free(b.buf, b.pages);
        ca_restore(&saved);
        FreePool(nics);
        if (url16)
                FreePool(url16);
        return st;
}
