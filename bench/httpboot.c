/* make bench's peer for the EFI twin's downloads: OVMF's own HTTP boot of one URL, timed. It does what the
 * firmware's boot manager does for an HTTP boot option (edk2's HttpBootDxe serves a LoadFile protocol on the
 * network card's IPv4 child; a URI device path node names the file, BootPolicy TRUE), and prints
 *
 *     httpboot: downloaded N bytes in M ms (K KiB/s)
 *
 * the way ukiboot prints its own download, timed the same way (TSC from the request for the body to its last
 * byte). Started by ukiboot as an `efi` entry whose load options are the URL; without a URL it only powers
 * the machine off, which ends each bench boot. Never installed: bench/efi-http builds and uses it. */
#include <efi.h>
#include <efilib.h>
#include "efi-util.h"

#define URI_DP_SUBTYPE 24       /* MSG_URI_DP, UEFI 2.5 */

/* The URL in the image's load options (UTF-16, as ukiboot passes an `efi` entry's options), as ASCII. */
static UINTN load_options_url(EFI_HANDLE image, char *buf, UINTN cap) {
        EFI_LOADED_IMAGE *li = NULL;
        if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol, (void **) &li)) || !li->LoadOptions)
                return 0;
        const CHAR16 *s = li->LoadOptions;
        UINTN n = 0, chars = li->LoadOptionsSize / sizeof(CHAR16);
        for (UINTN i = 0; i < chars && s[i] && n + 1 < cap; i++)
                if (s[i] > L' ' && s[i] < 0x7f)
                        buf[n++] = (char) s[i];
        buf[n] = 0;
        return n;
}

/* Bind every driver to every controller, as the boot manager does before it offers network boot options. */
static void connect_all(void) {
        UINTN n = 0;
        EFI_HANDLE *handles = NULL;
        if (EFI_ERROR(BS->LocateHandleBuffer(AllHandles, NULL, NULL, &n, &handles)))
                return;
        for (UINTN i = 0; i < n; i++)
                BS->ConnectController(handles[i], NULL, NULL, TRUE);
        FreePool(handles);
}

/* The LoadFile protocol HttpBootDxe put on an IPv4 child of the network card (PXE is off in the bench). */
static EFI_LOAD_FILE_PROTOCOL *http_boot_load_file(void) {
        UINTN n = 0;
        EFI_HANDLE *handles = NULL;
        EFI_LOAD_FILE_PROTOCOL *found = NULL;
        if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &LoadFileProtocol, NULL, &n, &handles)))
                return NULL;
        for (UINTN i = 0; i < n && !found; i++) {
                EFI_DEVICE_PATH *dp = NULL;
                if (EFI_ERROR(BS->HandleProtocol(handles[i], &DevicePathProtocol, (void **) &dp)))
                        continue;
                for (; !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp))
                        if (DevicePathType(dp) == MESSAGING_DEVICE_PATH && DevicePathSubType(dp) == MSG_IPv4_DP &&
                            !EFI_ERROR(BS->HandleProtocol(handles[i], &LoadFileProtocol, (void **) &found)))
                                break;
        }
        FreePool(handles);
        return found;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
        static char url[512];
        static uint8_t path[sizeof(EFI_DEVICE_PATH) + sizeof(url) + sizeof(EFI_DEVICE_PATH)];
        InitializeLib(image, systab);
        timer_calibrate();
        UINTN len = load_options_url(image, url, sizeof(url));
        if (len == 0) {
                Print(L"httpboot: no URL: powering off\n");
                RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
                return EFI_SUCCESS;
        }
        connect_all();
        EFI_LOAD_FILE_PROTOCOL *lf = http_boot_load_file();
        if (!lf) {
                Print(L"httpboot: error: no HTTP boot LoadFile protocol (HttpBootDxe not bound to a network card)\n");
                return EFI_NOT_FOUND;
        }
        /* The file path HttpBootDxe reads the URI from: Uri(url), End. */
        EFI_DEVICE_PATH *uri = (EFI_DEVICE_PATH *) path;
        uri->Type = MESSAGING_DEVICE_PATH;
        uri->SubType = URI_DP_SUBTYPE;
        SetDevicePathNodeLength(uri, sizeof(EFI_DEVICE_PATH) + len);
        CopyMem(path + sizeof(EFI_DEVICE_PATH), url, len);
        SetDevicePathEndNode(NextDevicePathNode(uri));

        /* First the size (DHCP, then the headers), as the boot manager's LoadImage asks; then the body. */
        UINTN size = 0;
        EFI_STATUS st = uefi_call_wrapper(lf->LoadFile, 5, lf, uri, TRUE, &size, NULL);
        if (st != EFI_BUFFER_TOO_SMALL || size == 0) {
                Print(L"httpboot: error: %a: the size: %r\n", url, st);
                return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
        }
        void *buf = NULL;
        UINTN pages = 0;
        st = pages_alloc(size, &buf, &pages);
        if (EFI_ERROR(st)) {
                Print(L"httpboot: error: %ld bytes: %r\n", (uint64_t) size, st);
                return st;
        }
        uint64_t t0 = timer_usec();
        st = uefi_call_wrapper(lf->LoadFile, 5, lf, uri, TRUE, &size, buf);
        uint64_t usec = timer_usec() - t0;
        pages_free(buf, pages);
        if (EFI_ERROR(st)) {
                Print(L"httpboot: error: %a: %r\n", url, st);
                return st;
        }
        /* (After the firmware's "Downloading...100%", which ends no line.) */
        Print(L"\nhttpboot: downloaded %ld bytes in %ld ms (%ld KiB/s)\n", (uint64_t) size, usec / 1000,
              usec ? (uint64_t) size * 1000000 / 1024 / usec : 0);
        RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
        return EFI_SUCCESS;
}
