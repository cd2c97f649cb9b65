/* ukiboot EFI — `uki-url tftp://` through the firmware's MTFTPv4 protocol (UEFI 2.10 §30.3).
 *
 * gnu-efi 3.0.15 has no MTFTPv4 definitions: the parts we call are declared here from the specification
 * (EFI MTFTPv4 Service Binding 2fe800be-8f01-4aa6-946b-d71388e1833f, EFI MTFTPv4 Protocol
 * 78247c57-63db-4708-99c2-a8b4a9a61f6b). */
#pragma once
#include "efi-util.h"

#define UK_MTFTP4_SERVICE_BINDING_GUID \
        { 0x2fe800be, 0x8f01, 0x4aa6, { 0x94, 0x6b, 0xd7, 0x13, 0x88, 0xe1, 0x83, 0x3f } }
#define UK_MTFTP4_PROTOCOL_GUID \
        { 0x78247c57, 0x63db, 0x4708, { 0x99, 0xc2, 0xa8, 0xb4, 0xa9, 0xa6, 0x1f, 0x6b } }

#define UK_MTFTP4_OPCODE_DATA 3
#define UK_MTFTP4_OPCODE_ERROR 5
#define UK_MTFTP4_ERRORCODE_FILE_NOT_FOUND 1

typedef struct _UK_EFI_MTFTP4_PROTOCOL EFI_MTFTP4_PROTOCOL;
typedef struct _UK_EFI_MTFTP4_TOKEN EFI_MTFTP4_TOKEN;

#pragma pack(1)
/* Every packet starts with its opcode (network order); an ERROR packet then has its code and message. */
typedef union {
        UINT16 OpCode;
        struct {
                UINT16 OpCode;
                UINT16 ErrorCode;
                UINT8 ErrorMessage[1];
        } Error;
        struct {
                UINT16 OpCode;
                UINT16 Block;
                UINT8 Data[1];
        } Data;
} EFI_MTFTP4_PACKET;
#pragma pack()

typedef struct {
        UINT8 *OptionStr;
        UINT8 *ValueStr;
} EFI_MTFTP4_OPTION;

typedef struct {
        BOOLEAN UseDefaultSetting;
        EFI_IPv4_ADDRESS StationIp;
        EFI_IPv4_ADDRESS SubnetMask;
        UINT16 LocalPort;
        EFI_IPv4_ADDRESS GatewayIp;
        EFI_IPv4_ADDRESS ServerIp;
        UINT16 InitialServerPort;
        UINT16 TryCount;
        UINT16 TimeoutValue;
} EFI_MTFTP4_CONFIG_DATA;

typedef struct {
        EFI_IPv4_ADDRESS GatewayIp;
        EFI_IPv4_ADDRESS ServerIp;
        UINT16 ServerPort;
        UINT16 TryCount;
        UINT16 TimeoutValue;
} EFI_MTFTP4_OVERRIDE_DATA;

typedef EFI_STATUS (EFIAPI *EFI_MTFTP4_CHECK_PACKET)(EFI_MTFTP4_PROTOCOL *This, EFI_MTFTP4_TOKEN *Token,
                                                     UINT16 PacketLen, EFI_MTFTP4_PACKET *Packet);

struct _UK_EFI_MTFTP4_PROTOCOL {
        void *GetModeData;
        EFI_STATUS (EFIAPI *Configure)(EFI_MTFTP4_PROTOCOL *This, EFI_MTFTP4_CONFIG_DATA *Config);
        EFI_STATUS (EFIAPI *GetInfo)(EFI_MTFTP4_PROTOCOL *This, EFI_MTFTP4_OVERRIDE_DATA *Override, UINT8 *Filename,
                                     UINT8 *ModeStr, UINT8 OptionCount, EFI_MTFTP4_OPTION *OptionList,
                                     UINT32 *PacketLength, EFI_MTFTP4_PACKET **Packet);
        EFI_STATUS (EFIAPI *ParseOptions)(EFI_MTFTP4_PROTOCOL *This, UINT32 PacketLen, EFI_MTFTP4_PACKET *Packet,
                                          UINT32 *OptionCount, EFI_MTFTP4_OPTION **OptionList);
        EFI_STATUS (EFIAPI *ReadFile)(EFI_MTFTP4_PROTOCOL *This, EFI_MTFTP4_TOKEN *Token);
        void *WriteFile;
        void *ReadDirectory;
        EFI_STATUS (EFIAPI *Poll)(EFI_MTFTP4_PROTOCOL *This);
};

struct _UK_EFI_MTFTP4_TOKEN {
        EFI_STATUS Status;
        EFI_EVENT Event;                /* NULL: ReadFile blocks until the transfer ends */
        EFI_MTFTP4_OVERRIDE_DATA *OverrideData;
        UINT8 *Filename;
        UINT8 *ModeStr;
        UINT32 OptionCount;
        EFI_MTFTP4_OPTION *OptionList;
        UINT64 BufferSize;
        VOID *Buffer;
        VOID *Context;
        EFI_MTFTP4_CHECK_PACKET CheckPacket;
        void *TimeoutCallback;
        void *PacketNeeded;
};

/* Download the tftp:// URL of entry `id` (an IPv4 server) into freshly allocated pages (free with
 * pages_free): DHCP on the first NIC with an MTFTPv4 stack if it has no address yet, the size from the
 * server's tsize option, 1468-byte blocks when the server accepts them, progress about once a second. On
 * failure one line "ukiboot: error: <id>: <reason>" has been printed and nothing is left allocated. */
EFI_STATUS tftp_fetch(const char *id, const char *url, void **ret_buf, uint64_t *ret_size, UINTN *ret_pages);
