/* ukiboot EFI — fetching a `uki-url` UKI with the firmware's EFI HTTP protocol.
 *
 * gnu-efi 3.0.15 has neither the HTTP nor the IPv4 Configuration II protocol, so the parts we use are
 * declared here from the UEFI specification (2.5 and later: "EFI HTTP Protocol", "EFI IPv4
 * Configuration II Protocol"; the service binding protocol is gnu-efi's EFI_SERVICE_BINDING). Only
 * what ukiboot calls is spelled out; the layouts follow the specification's field order exactly. */
#pragma once
#include "efi-util.h"
#include "fs.h"

/* ---- EFI HTTP Service Binding Protocol / EFI HTTP Protocol ------------------------------------------ */

#define UK_HTTP_SERVICE_BINDING_GUID \
        { 0xbdc8e6af, 0xd9bc, 0x4379, { 0xa7, 0x2a, 0xe0, 0xc4, 0xe7, 0x5d, 0xae, 0x1c } }
#define UK_HTTP_PROTOCOL_GUID \
        { 0x7a59b29b, 0x910b, 0x4171, { 0x82, 0x42, 0xa8, 0x5a, 0x0d, 0xf2, 0x5b, 0x5b } }
/* EFI TLS Service Binding (UEFI 2.10 §28.10); HttpDxe uses it for https. */
#define UK_TLS_SERVICE_BINDING_GUID \
        { 0x952cb795, 0xff36, 0x48cf, { 0xa2, 0x49, 0x4d, 0xf4, 0x86, 0xd6, 0xab, 0x8d } }
/* EFI_TLS_CA_CERTIFICATE_GUID: the vendor of the TlsCaCertificate variable (§28.10.2). */
#define UK_TLS_CA_CERTIFICATE_GUID \
        { 0xfd2340d0, 0x3dab, 0x4349, { 0xa6, 0xc7, 0x3b, 0x4f, 0x12, 0xb4, 0x8e, 0xae } }

/* Token status when the response arrived but carries an HTTP error status (UEFI status code 35). */
#ifndef EFI_HTTP_ERROR
#define EFI_HTTP_ERROR EFIERR(35)
#endif

typedef enum {
        HttpVersion10,
        HttpVersion11,
        HttpVersionUnsupported,
} EFI_HTTP_VERSION;

typedef enum {
        HttpMethodGet,
        HttpMethodPost,
        HttpMethodPatch,
        HttpMethodOptions,
        HttpMethodConnect,
        HttpMethodHead,
        HttpMethodPut,
        HttpMethodDelete,
        HttpMethodTrace,
        HttpMethodMax,
} EFI_HTTP_METHOD;

/* EFI_HTTP_STATUS_CODE is an enumeration, not the number on the wire: index 0 is "unsupported", then
 * the codes in this order (the specification appends 308 after 505). http_status_number() maps it. */
typedef UINT32 EFI_HTTP_STATUS_CODE;
#define UK_HTTP_STATUS_200_OK 3

typedef struct {
        BOOLEAN UseDefaultAddress;          /* TRUE: the NIC's configured address; the next two are ignored */
        EFI_IPv4_ADDRESS LocalAddress;
        EFI_IPv4_ADDRESS LocalSubnet;
        UINT16 LocalPort;                   /* 0: any */
} EFI_HTTPv4_ACCESS_POINT;

typedef struct {
        EFI_IPv6_ADDRESS LocalAddress;      /* all zero: the driver picks one of the card's */
        UINT16 LocalPort;                   /* 0: any */
} EFI_HTTPv6_ACCESS_POINT;

typedef struct {
        EFI_HTTP_VERSION HttpVersion;
        UINT32 TimeOutMillisec;
        BOOLEAN LocalAddressIsIPv6;
        union {
                EFI_HTTPv4_ACCESS_POINT *IPv4Node;
                EFI_HTTPv6_ACCESS_POINT *IPv6Node;
        } AccessPoint;
} EFI_HTTP_CONFIG_DATA;

typedef struct {
        EFI_HTTP_METHOD Method;
        CHAR16 *Url;                        /* absolute URL: the driver derives host, port and scheme from it */
} EFI_HTTP_REQUEST_DATA;

typedef struct {
        EFI_HTTP_STATUS_CODE StatusCode;
} EFI_HTTP_RESPONSE_DATA;

typedef struct {
        CHAR8 *FieldName;                   /* NUL-terminated ASCII */
        CHAR8 *FieldValue;
} EFI_HTTP_HEADER;

typedef struct {
        union {
                EFI_HTTP_REQUEST_DATA *Request;
                EFI_HTTP_RESPONSE_DATA *Response;   /* NULL: this Response() call only wants body bytes */
        } Data;
        UINTN HeaderCount;
        EFI_HTTP_HEADER *Headers;           /* on a response: allocated by the driver, freed by the caller */
        UINTN BodyLength;                   /* on a response: in = room in Body, out = bytes copied */
        void *Body;
} EFI_HTTP_MESSAGE;

typedef struct {
        EFI_EVENT Event;                    /* EVT_NOTIFY_SIGNAL, TPL <= TPL_CALLBACK; signalled when Status is set */
        EFI_STATUS Status;
        EFI_HTTP_MESSAGE *Message;
} EFI_HTTP_TOKEN;

typedef struct _UK_EFI_HTTP_PROTOCOL EFI_HTTP_PROTOCOL;

struct _UK_EFI_HTTP_PROTOCOL {
        EFI_STATUS (EFIAPI *GetModeData)(EFI_HTTP_PROTOCOL *This, EFI_HTTP_CONFIG_DATA *HttpConfigData);
        /* NULL config: reset the instance (close connections, cancel tokens). */
        EFI_STATUS (EFIAPI *Configure)(EFI_HTTP_PROTOCOL *This, EFI_HTTP_CONFIG_DATA *HttpConfigData);
        EFI_STATUS (EFIAPI *Request)(EFI_HTTP_PROTOCOL *This, EFI_HTTP_TOKEN *Token);
        /* NULL token: abort every pending token of this instance. */
        EFI_STATUS (EFIAPI *Cancel)(EFI_HTTP_PROTOCOL *This, EFI_HTTP_TOKEN *Token);
        EFI_STATUS (EFIAPI *Response)(EFI_HTTP_PROTOCOL *This, EFI_HTTP_TOKEN *Token);
        /* Moves packets between the NIC and the queues; calling it in a loop speeds transfers up. */
        EFI_STATUS (EFIAPI *Poll)(EFI_HTTP_PROTOCOL *This);
};

/* ---- EFI IPv4 Configuration II Protocol ---------------------------------------------------------------- */

#define UK_IP4_CONFIG2_PROTOCOL_GUID \
        { 0x5b446ed1, 0xe30b, 0x4faa, { 0x87, 0x1a, 0x36, 0x54, 0xec, 0xa3, 0x60, 0x80 } }

typedef enum {
        Ip4Config2DataTypeInterfaceInfo,
        Ip4Config2DataTypePolicy,
        Ip4Config2DataTypeManualAddress,
        Ip4Config2DataTypeGateway,
        Ip4Config2DataTypeDnsServer,
        Ip4Config2DataTypeMaximum,
} EFI_IP4_CONFIG2_DATA_TYPE;

typedef enum {
        Ip4Config2PolicyStatic,
        Ip4Config2PolicyDhcp,
        Ip4Config2PolicyMax,
} EFI_IP4_CONFIG2_POLICY;

/* Read-only; GetData may append the route table after it (DataSize grows by RouteTableSize). */
typedef struct {
        CHAR16 Name[32];
        UINT8 IfType;
        UINT32 HwAddressSize;
        EFI_MAC_ADDRESS HwAddress;
        EFI_IPv4_ADDRESS StationAddress;    /* 0.0.0.0 until DHCP (or a static address) is configured */
        EFI_IPv4_ADDRESS SubnetMask;
        UINT32 RouteTableSize;
        EFI_IP4_ROUTE_TABLE *RouteTable;
} EFI_IP4_CONFIG2_INTERFACE_INFO;

typedef struct _UK_EFI_IP4_CONFIG2_PROTOCOL EFI_IP4_CONFIG2_PROTOCOL;

struct _UK_EFI_IP4_CONFIG2_PROTOCOL {
        /* Non-blocking; EFI_NOT_READY means an asynchronous configuration (e.g. DHCP) was started. */
        EFI_STATUS (EFIAPI *SetData)(EFI_IP4_CONFIG2_PROTOCOL *This, EFI_IP4_CONFIG2_DATA_TYPE DataType,
                                     UINTN DataSize, void *Data);
        EFI_STATUS (EFIAPI *GetData)(EFI_IP4_CONFIG2_PROTOCOL *This, EFI_IP4_CONFIG2_DATA_TYPE DataType,
                                     UINTN *DataSize, void *Data);
        EFI_STATUS (EFIAPI *RegisterDataNotify)(EFI_IP4_CONFIG2_PROTOCOL *This,
                                                EFI_IP4_CONFIG2_DATA_TYPE DataType, EFI_EVENT Event);
        EFI_STATUS (EFIAPI *UnregisterDataNotify)(EFI_IP4_CONFIG2_PROTOCOL *This,
                                                  EFI_IP4_CONFIG2_DATA_TYPE DataType, EFI_EVENT Event);
};

/* ---- ukiboot ------------------------------------------------------------------------------------------ */

/* Handles carrying the service binding sb_guid (a NIC's HTTP or MTFTP4 stack); connects every driver once if
 * there are none yet (a firmware that booted from disk may not have started its network stack). */
EFI_STATUS net_find_service(EFI_GUID *sb_guid, const CHAR16 *what, EFI_HANDLE **ret, UINTN *ret_n);
/* Make sure the NIC behind handle h has an IPv4 address: switch it to DHCP if needed and wait (bounded). */
EFI_STATUS net_ensure_ipv4(const char *id, EFI_HANDLE h);

/* The download's progress line, "download: P% (x.y of z.w MiB, N s)", and its last lines once all of it
 * came (100%, then "downloaded N bytes in M ms (K KiB/s)"): the same for every transfer. */
void net_print_progress(uint64_t got, uint64_t total, uint64_t usec);
void net_print_done(uint64_t total, uint64_t usec);

/* Wire number (200, 404, ...) of the firmware's EFI_HTTP_STATUS_CODE enumerator; 0 if unknown. */
unsigned http_status_number(EFI_HTTP_STATUS_CODE code);

/* The CA certificates an https download is checked with: the ESP's bundle (UK_HTTPS_CA_PATH) as the
 * EFI_SIGNATURE_LIST array HttpDxe reads from TlsCaCertificate, and whether the firmware set one itself
 * (OVMF from fw_cfg etc/edk2/https/cacerts). */
struct https_ca {
        void *list;             /* NULL: the ESP has no (usable) bundle */
        size_t list_len;
        unsigned count;
        bool firmware_has;
};

/* Whether the firmware can speak TLS (a TLS service binding exists): https is then fetchable. */
bool http_tls_available(void);
/* Read the ESP's CA bundle and look for the firmware's; a malformed bundle is said and not used. */
void https_ca_load(struct efi_fs *esp, const char *id, struct https_ca *ret);
void https_ca_free(struct https_ca *ca);

/* Download the http:// or https:// URL of entry `id` into freshly allocated pages (free with pages_free):
 * DHCP on the first NIC with an HTTP stack if it has no IPv4 address yet, GET with a Host header, 200 and
 * a Content-Length required, progress on the console about once a second, every wait bounded. For https,
 * ca->list (when set) is installed as TlsCaCertificate for this download only. On failure one line
 * "ukiboot: error: <id>: <reason>" has been printed and nothing is left allocated. */
EFI_STATUS http_fetch(const char *id, const char *url, const struct https_ca *ca, void **ret_buf, uint64_t *ret_size,
                      UINTN *ret_pages);
