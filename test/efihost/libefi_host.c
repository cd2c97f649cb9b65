/* ukiboot — host test harness: the gnu-efi library functions efi/ uses, written for the host so the real
 * efi/ objects link against the fake firmware (fake_fw.c). Allocation goes through BS like gnu-efi's own
 * library does, so the harness counts it and can make it fail. Print understands the conversions efi/
 * uses and aborts on any other, so a format the real library would render differently cannot slip by. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_fw.h"

EFI_SYSTEM_TABLE *ST;
EFI_BOOT_SERVICES *BS;
EFI_RUNTIME_SERVICES *RT;

/* GUID values from the UEFI specification. */
EFI_GUID gEfiDevicePathProtocolGuid = { 0x09576e91, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
EFI_GUID gEfiLoadedImageProtocolGuid = { 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
EFI_GUID gEfiSimpleFileSystemProtocolGuid = { 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
EFI_GUID gEfiGlobalVariableGuid = { 0x8be4df61, 0x93ca, 0x11d2, { 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c } };
EFI_GUID gEfiFileInfoGuid = { 0x09576e92, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };

void InitializeLib(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
        (void) image;
        ST = systab;
        BS = systab->BootServices;
        RT = systab->RuntimeServices;
}

void *AllocatePool(UINTN size) {
        void *p = NULL;
        return EFI_ERROR(BS->AllocatePool(EfiLoaderData, size, &p)) ? NULL : p;
}

void *AllocateZeroPool(UINTN size) {
        void *p = AllocatePool(size);
        if (p)
                memset(p, 0, size);
        return p;
}

void FreePool(void *p) {
        BS->FreePool(p);
}

void SetMem(void *buf, UINTN size, UINT8 value) {
        memset(buf, value, size);
}

void CopyMem(void *dst, const void *src, UINTN len) {
        memmove(dst, src, len);
}

INTN CompareMem(const void *a, const void *b, UINTN len) {
        return memcmp(a, b, len);
}

UINTN StrSize(const CHAR16 *s) {
        UINTN n = 0;
        while (s[n])
                n++;
        return (n + 1) * sizeof(CHAR16);
}

static const char *status_text(EFI_STATUS s) {
        switch (s) {
        case EFI_SUCCESS: return "Success";
        case EFI_LOAD_ERROR: return "Load Error";
        case EFI_INVALID_PARAMETER: return "Invalid Parameter";
        case EFI_UNSUPPORTED: return "Unsupported";
        case EFI_BAD_BUFFER_SIZE: return "Bad Buffer Size";
        case EFI_BUFFER_TOO_SMALL: return "Buffer Too Small";
        case EFI_NOT_READY: return "Not Ready";
        case EFI_DEVICE_ERROR: return "Device Error";
        case EFI_OUT_OF_RESOURCES: return "Out of Resources";
        case EFI_NOT_FOUND: return "Not Found";
        case EFI_ACCESS_DENIED: return "Access Denied";
        case EFI_TIMEOUT: return "Time out";
        case EFI_ABORTED: return "Aborted";
        case EFI_END_OF_FILE: return "End of File";
        case EFI_PROTOCOL_ERROR: return "Protocol Error";
        case EFI_SECURITY_VIOLATION: return "Security Violation";
        case EFI_ALREADY_STARTED: return "Already started";
        default: return NULL;
        }
}

/* Format into out[cap] UTF-16 characters (always terminated); the subset of gnu-efi's Print that efi/ uses. */
static void format16(CHAR16 *out, size_t cap, const CHAR16 *fmt, va_list ap) {
        size_t o = 0;
        char tmp[128];

#define PUT(c) do { if (o + 1 < cap) out[o++] = (CHAR16) (c); } while (0)
        for (const CHAR16 *f = fmt; *f; f++) {
                if (*f != '%') {
                        PUT(*f);
                        continue;
                }
                f++;
                bool zero = false, left = false, is_long = false;
                int width = 0;
                if (*f == '-') {
                        left = true;
                        f++;
                }
                if (*f == '0') {
                        zero = true;
                        f++;
                }
                while (*f >= '0' && *f <= '9')
                        width = width * 10 + (*f++ - '0');
                while (*f == 'l') {
                        is_long = true;
                        f++;
                }
                const char *a = NULL;
                const CHAR16 *w = NULL;
                switch (*f) {
                case '%':
                        a = "%";
                        break;
                case 'a':
                        a = va_arg(ap, const char *);
                        if (!a)
                                a = "(null)";
                        break;
                case 's':
                        w = va_arg(ap, const CHAR16 *);
                        if (!w)
                                a = "(null)";
                        break;
                case 'c':
                        tmp[0] = (char) va_arg(ap, int);
                        tmp[1] = 0;
                        a = tmp;
                        break;
                case 'd':
                        snprintf(tmp, sizeof(tmp), "%lld", is_long ? (long long) va_arg(ap, int64_t)
                                                                   : (long long) va_arg(ap, int32_t));
                        a = tmp;
                        break;
                case 'u':
                        snprintf(tmp, sizeof(tmp), "%llu", is_long ? (unsigned long long) va_arg(ap, uint64_t)
                                                                   : (unsigned long long) va_arg(ap, uint32_t));
                        a = tmp;
                        break;
                case 'x':
                case 'X':
                        snprintf(tmp, sizeof(tmp), *f == 'x' ? "%llx" : "%llX",
                                 is_long ? (unsigned long long) va_arg(ap, uint64_t)
                                         : (unsigned long long) va_arg(ap, uint32_t));
                        a = tmp;
                        break;
                case 'r': {
                        EFI_STATUS s = va_arg(ap, EFI_STATUS);
                        a = status_text(s);
                        if (!a) {
                                snprintf(tmp, sizeof(tmp), "%llx", (unsigned long long) s);
                                a = tmp;
                        }
                        break;
                }
                default:
                        fprintf(stderr, "libefi_host: Print conversion %%%c is not implemented\n", (char) *f);
                        abort();
                }
                size_t len = 0;
                if (a)
                        len = strlen(a);
                else
                        while (w[len])
                                len++;
                for (int pad = width - (int) len; !left && pad > 0; pad--)
                        PUT(zero ? '0' : ' ');
                for (size_t i = 0; i < len; i++)
                        PUT(a ? (unsigned char) a[i] : w[i]);
                for (int pad = width - (int) len; left && pad > 0; pad--)
                        PUT(' ');
                if (!*f)
                        break;
        }
#undef PUT
        out[o] = 0;
}

UINTN Print(const CHAR16 *fmt, ...) {
        static CHAR16 buf[8192];
        va_list ap;
        va_start(ap, fmt);
        format16(buf, sizeof(buf) / sizeof(buf[0]), fmt, ap);
        va_end(ap);
        fw_console_append(buf);
        return StrSize(buf) / sizeof(CHAR16) - 1;
}

UINTN UnicodeSPrint(CHAR16 *str, UINTN size, const CHAR16 *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        format16(str, size / sizeof(CHAR16), fmt, ap);
        va_end(ap);
        return StrSize(str) / sizeof(CHAR16) - 1;
}

/* gnu-efi grows the buffer until GetInfo fits; the fake always answers in one size. */
EFI_FILE_INFO *LibFileInfo(EFI_FILE_HANDLE h) {
        UINTN size = SIZE_OF_EFI_FILE_INFO + 512;
        EFI_FILE_INFO *info = AllocatePool(size);
        if (!info)
                return NULL;
        if (EFI_ERROR(h->GetInfo(h, &gEfiFileInfoGuid, &size, info))) {
                FreePool(info);
                return NULL;
        }
        return info;
}

EFI_DEVICE_PATH *DevicePathFromHandle(EFI_HANDLE h) {
        EFI_DEVICE_PATH *dp = NULL;
        return EFI_ERROR(BS->HandleProtocol(h, &gEfiDevicePathProtocolGuid, (void **) &dp)) ? NULL : dp;
}

UINTN DevicePathSize(EFI_DEVICE_PATH *dp) {
        EFI_DEVICE_PATH *p = dp;
        while (!IsDevicePathEnd(p))
                p = NextDevicePathNode(p);
        return (UINTN) ((uint8_t *) p - (uint8_t *) dp) + sizeof(EFI_DEVICE_PATH);
}

/* The device's path, then a FILEPATH node with name, then the end node (pool, as gnu-efi's). */
EFI_DEVICE_PATH *FileDevicePath(EFI_HANDLE device, CHAR16 *name) {
        EFI_DEVICE_PATH *dev = device ? DevicePathFromHandle(device) : NULL;
        size_t dev_len = dev ? DevicePathSize(dev) - sizeof(EFI_DEVICE_PATH) : 0;
        size_t name_size = StrSize(name);
        size_t node_len = 4 + name_size;
        uint8_t *p = AllocatePool(dev_len + node_len + sizeof(EFI_DEVICE_PATH));
        if (!p)
                return NULL;
        if (dev_len)
                memcpy(p, dev, dev_len);
        EFI_DEVICE_PATH *node = (EFI_DEVICE_PATH *) (p + dev_len);
        node->Type = MEDIA_DEVICE_PATH;
        node->SubType = MEDIA_FILEPATH_DP;
        node->Length[0] = (UINT8) node_len;
        node->Length[1] = (UINT8) (node_len >> 8);
        memcpy(p + dev_len + 4, name, name_size);
        EFI_DEVICE_PATH *end = (EFI_DEVICE_PATH *) (p + dev_len + node_len);
        end->Type = END_DEVICE_PATH_TYPE;
        end->SubType = END_ENTIRE_DEVICE_PATH_SUBTYPE;
        end->Length[0] = sizeof(EFI_DEVICE_PATH);
        end->Length[1] = 0;
        return (EFI_DEVICE_PATH *) p;
}

/* Only file path nodes have a text here; others print as "?" (ukiboot only records the text). */
CHAR16 *DevicePathToStr(EFI_DEVICE_PATH *dp) {
        CHAR16 buf[512];
        size_t o = 0;
        for (EFI_DEVICE_PATH *p = dp; !IsDevicePathEnd(p); p = NextDevicePathNode(p)) {
                if (DevicePathType(p) == MEDIA_DEVICE_PATH && DevicePathSubType(p) == MEDIA_FILEPATH_DP) {
                        const CHAR16 *n = (const CHAR16 *) ((uint8_t *) p + 4);
                        for (size_t i = 0; n[i] && o + 1 < 512; i++)
                                buf[o++] = n[i];
                } else if (o + 1 < 512)
                        buf[o++] = '?';
        }
        buf[o++] = 0;
        CHAR16 *r = AllocatePool(o * sizeof(CHAR16));
        if (r)
                memcpy(r, buf, o * sizeof(CHAR16));
        return r;
}
