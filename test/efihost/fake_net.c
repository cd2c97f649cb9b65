/* ukiboot — host test harness: one NIC with an IPv4 address and an HTTP stack that serves one file
 * (tokens complete inside the call that starts them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fake_fw_internal.h"

/* ---- network: one NIC, DHCP already done, an HTTP server with one file ---- */

EFI_STATUS EFIAPI fw_ip4_get_data(EFI_IP4_CONFIG2_PROTOCOL *this, EFI_IP4_CONFIG2_DATA_TYPE type, UINTN *size,
                                      void *data) {
        (void) this;
        if (type == Ip4Config2DataTypeInterfaceInfo) {
                EFI_IP4_CONFIG2_INTERFACE_INFO *info = data;
                if (*size < sizeof(*info)) {
                        *size = sizeof(*info);
                        return EFI_BUFFER_TOO_SMALL;
                }
                memset(info, 0, sizeof(*info));
                info->StationAddress.Addr[0] = 10, info->StationAddress.Addr[2] = 2, info->StationAddress.Addr[3] = 15;
                *size = sizeof(*info);
                return EFI_SUCCESS;
        }
        if (type == Ip4Config2DataTypePolicy && *size >= sizeof(EFI_IP4_CONFIG2_POLICY)) {
                *(EFI_IP4_CONFIG2_POLICY *) data = Ip4Config2PolicyDhcp;
                return EFI_SUCCESS;
        }
        return EFI_UNSUPPORTED;
}

EFI_STATUS EFIAPI fw_ip4_set_data(EFI_IP4_CONFIG2_PROTOCOL *this, EFI_IP4_CONFIG2_DATA_TYPE type, UINTN size,
                                      void *data) {
        (void) this, (void) type, (void) size, (void) data;
        return EFI_SUCCESS;
}

/* Tokens complete at once, inside the call: the notify function runs before Request/Response return. */
static void token_complete(EFI_HTTP_TOKEN *t, EFI_STATUS s) {
        struct fw_event *e = fw_event_check(t->Event);
        if (!e)
                fw_finish(FW_VIOLATION, "HTTP token with an event that does not exist");
        t->Status = s;
        if (e->notify)
                e->notify(e, e->ctx);
}

static EFI_STATUS EFIAPI http_configure(EFI_HTTP_PROTOCOL *this, EFI_HTTP_CONFIG_DATA *config) {
        struct http_child *c = (struct http_child *) this;
        if (config && fw_fault(FW_HTTP_CONFIGURE))
                return fw_fail_status[FW_HTTP_CONFIGURE];
        c->phase = 0;
        c->sent = 0;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI http_request(EFI_HTTP_PROTOCOL *this, EFI_HTTP_TOKEN *t) {
        struct http_child *c = (struct http_child *) this;
        if (c->phase != 0)
                fw_finish(FW_VIOLATION, "HTTP Request while a response is still due");
        if (fw_fault(FW_HTTP_REQUEST)) {
                token_complete(t, fw_fail_status[FW_HTTP_REQUEST]);
                return EFI_SUCCESS;
        }
        /* A server that resumes: "Range: bytes=N-" is answered from byte N (206), as nginx answers it. */
        c->ranged = false;
        c->sent = 0;
        EFI_HTTP_MESSAGE *m = t->Message;
        for (UINTN i = 0; m && i < m->HeaderCount; i++)
                if (strcasecmp((const char *) m->Headers[i].FieldName, "Range") == 0) {
                        unsigned long long from;
                        if (sscanf((const char *) m->Headers[i].FieldValue, "bytes=%llu-", &from) != 1 ||
                            from >= fw.setup->http_len)
                                fw_finish(FW_VIOLATION, "HTTP Range request outside the body");
                        c->ranged = true;
                        c->sent = (size_t) from;
                }
        c->phase = 1;
        token_complete(t, EFI_SUCCESS);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI http_response(EFI_HTTP_PROTOCOL *this, EFI_HTTP_TOKEN *t) {
        struct http_child *c = (struct http_child *) this;
        EFI_HTTP_MESSAGE *m = t->Message;
        if (c->phase == 0)
                fw_finish(FW_VIOLATION, "HTTP Response before a Request");
        if (fw_fault(FW_HTTP_RESPONSE)) {
                token_complete(t, fw_fail_status[FW_HTTP_RESPONSE]);
                return EFI_SUCCESS;
        }
        if (c->phase == 1) {
                /* Headers the driver allocates from pool and the caller must free. */
                char values[2][64];
                static const char *const names[2] = { "Content-Length", "Content-Range" };
                snprintf(values[0], sizeof(values[0]), "%zu", fw.setup->http_len - c->sent);
                snprintf(values[1], sizeof(values[1]), "bytes %zu-%zu/%zu", c->sent, fw.setup->http_len - 1,
                         fw.setup->http_len);
                m->Data.Response->StatusCode = c->ranged ? UK_HTTP_STATUS_200_OK + 6 : UK_HTTP_STATUS_200_OK;   /* 206 */
                UINTN n = c->ranged ? 2 : 1;
                EFI_HTTP_HEADER *h = fw_pool_new(n * sizeof(*h), true);
                for (UINTN i = 0; i < n; i++) {
                        h[i].FieldName = fw_pool_new(strlen(names[i]) + 1, true);
                        memcpy(h[i].FieldName, names[i], strlen(names[i]) + 1);
                        h[i].FieldValue = fw_pool_new(strlen(values[i]) + 1, true);
                        memcpy(h[i].FieldValue, values[i], strlen(values[i]) + 1);
                }
                m->Headers = h;
                m->HeaderCount = n;
                c->phase = 2;
        } else {
                size_t left = fw.setup->http_len - c->sent;
                size_t n = m->BodyLength < left ? m->BodyLength : left;
                n = n > 65536 ? 65536 : n;
                memcpy(m->Body, (const uint8_t *) fw.setup->http_body + c->sent, n);
                m->BodyLength = n;
                c->sent += n;
        }
        token_complete(t, EFI_SUCCESS);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI http_cancel(EFI_HTTP_PROTOCOL *this, EFI_HTTP_TOKEN *t) {
        (void) this, (void) t;
        return EFI_NOT_FOUND;       /* nothing is ever in flight */
}

static EFI_STATUS EFIAPI http_poll(EFI_HTTP_PROTOCOL *this) {
        (void) this;
        return EFI_SUCCESS;
}

EFI_STATUS EFIAPI fw_sb_create_child(EFI_SERVICE_BINDING *this, EFI_HANDLE *ret) {
        (void) this;
        struct http_child *c = calloc(1, sizeof(*c));
        if (!c)
                abort();
        fw_fill_unexpected(&c->api, 0, sizeof(c->api));
        c->api.Configure = http_configure;
        c->api.Request = http_request;
        c->api.Response = http_response;
        c->api.Cancel = http_cancel;
        c->api.Poll = http_poll;
        c->handle = fw_handle_new(false);
        fw_handle_add(c->handle, &fw_guid_http, &c->api);
        *ret = c->handle;
        return EFI_SUCCESS;
}

EFI_STATUS EFIAPI fw_sb_destroy_child(EFI_SERVICE_BINDING *this, EFI_HANDLE h) {
        (void) this;
        struct fw_handle *fh = fw_handle_check(h);
        struct http_child *c = fh ? fw_handle_find(fh, &fw_guid_http) : NULL;
        if (!c)
                fw_finish(FW_VIOLATION, "DestroyChild of a handle that is not an HTTP child");
        fw_handle_destroy(fh);
        free(c);
        return EFI_SUCCESS;
}
