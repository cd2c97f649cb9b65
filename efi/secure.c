/* ukiboot EFI — Secure Boot.
 *
 * Trust comes from the firmware: under Secure Boot the whole UKI (stub + sections, signed as one PE image)
 * goes through LoadImage, so db/dbx decide exactly as they would for the UKI started directly. The kernel
 * inside is usually signed by its distribution, not by a db key, so LoadImage of the .linux bytes alone
 * would be refused. Its bytes are covered by the UKI's signature, though, and we hand LoadImage that very
 * buffer: for that one call the firmware's Security2 (and, on old firmware, Security) file authentication
 * is wrapped so that this buffer — same pointer, same size — passes and everything else still goes to the
 * firmware's own check. The original hooks are back in place before LoadImage's caller sees a result.
 *
 * Protocol layouts and GUIDs are from the PI specification (DXE architectural protocols); gnu-efi lacks
 * them. DxeCore keeps a pointer to each protocol's structure and calls through it, so swapping the function
 * pointer inside the structure is what takes effect. */
#include "secure.h"
#include "pipeline.h"
#include "fs.h"
#include "secureboot.h"
#include "util.h"

#define SECURITY_ARCH_PROTOCOL_GUID \
        { 0xa46423e3, 0x4617, 0x49f1, { 0xb9, 0xff, 0xd1, 0xbf, 0xa9, 0x11, 0x58, 0x39 } }
#define SECURITY2_ARCH_PROTOCOL_GUID \
        { 0x94ab2f58, 0x1438, 0x4ef1, { 0x91, 0x52, 0x18, 0x94, 0x1a, 0x3a, 0x0e, 0x68 } }

struct security_arch;
struct security2_arch;

/* Security: sees only an authentication status and the path (DxeCore asks it for firmware-volume files,
 * or for everything when there is no Security2). */
typedef EFI_STATUS (EFIAPI *file_authentication_state_fn)(const struct security_arch *this,
                                                           UINT32 authentication_status,
                                                           const EFI_DEVICE_PATH *file);
struct security_arch {
        file_authentication_state_fn FileAuthenticationState;
};

/* Security2: sees the image bytes; this is where the firmware checks db/dbx. */
typedef EFI_STATUS (EFIAPI *file_authentication_fn)(const struct security2_arch *this, const EFI_DEVICE_PATH *file,
                                                    void *file_buffer, UINTN file_size, BOOLEAN boot_policy);
struct security2_arch {
        file_authentication_fn FileAuthentication;
};

/* shim's SHIM_LOCK protocol (installed by shim for the loader it starts): Verify checks a PE image against
 * db, dbx, MokList, MokListX, shim's built-in vendor certificate and SBAT. shim's functions use the System V
 * calling convention on x86, not the EFI one. */
#define SHIM_LOCK_GUID { 0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 } }
#if defined(__x86_64__) || defined(__i386__)
#define SHIM_ABI __attribute__((sysv_abi))
#else
#define SHIM_ABI
#endif
struct shim_lock {
        EFI_STATUS SHIM_ABI (*verify)(const void *buffer, UINT32 size);
        void *generate_hash;
        void *read_header;
};

static struct shim_lock *shim_lock(void) {
        static EFI_GUID guid = SHIM_LOCK_GUID;
        struct shim_lock *shim = NULL;
        if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **) &shim)) || !shim || !shim->verify)
                return NULL;
        return shim;
}

/* EFI_SUCCESS when shim is present and accepts buf[size]; EFI_NOT_FOUND without shim. */
static EFI_STATUS shim_verify(const void *buf, uint64_t size) {
        struct shim_lock *shim = shim_lock();
        if (!shim)
                return EFI_NOT_FOUND;
        if (size > 0xffffffffu)
                return EFI_UNSUPPORTED;
        return shim->verify(buf, (UINT32) size);
}

/* The one waiver in effect while secure_load_verified() (or secure_load_file()) runs LoadImage. */
static struct {
        struct security_arch *sec;
        file_authentication_state_fn sec_original;
        struct security2_arch *sec2;
        file_authentication_fn sec2_original;
        const void *buf;
        UINTN size;
        const EFI_DEVICE_PATH *dp;
        bool ask_shim;          /* also accept what shim accepts (images named by `efi` entries) */
} waiver;

static bool same_device_path(const EFI_DEVICE_PATH *a, const EFI_DEVICE_PATH *b) {
        if (!a || !b)
                return false;
        UINTN la = DevicePathSize((EFI_DEVICE_PATH *) a), lb = DevicePathSize((EFI_DEVICE_PATH *) b);
        return la == lb && CompareMem(a, b, la) == 0;
}

static EFI_STATUS EFIAPI sec2_hook(const struct security2_arch *this, const EFI_DEVICE_PATH *file,
                                   void *file_buffer, UINTN file_size, BOOLEAN boot_policy) {
        /* Pointer and size, not contents: only the buffer we verified as part of the UKI passes. */
        if (file_buffer && file_buffer == waiver.buf && file_size == waiver.size)
                return EFI_SUCCESS;
        /* As systemd-boot does under shim: what shim trusts (MokList) loads; the rest goes to the firmware. */
        if (waiver.ask_shim && file_buffer && !EFI_ERROR(shim_verify(file_buffer, file_size)))
                return EFI_SUCCESS;
        return waiver.sec2_original(this, file, file_buffer, file_size, boot_policy);
}

static EFI_STATUS EFIAPI sec_hook(const struct security_arch *this, UINT32 authentication_status,
                                  const EFI_DEVICE_PATH *file) {
        /* Without Security2 this is the only check and it gets no bytes: the path we passed for the kernel
         * (which names the verified UKI) is all we can match, and only during our own LoadImage. */
        if (same_device_path(file, waiver.dp))
                return EFI_SUCCESS;
        return waiver.sec_original(this, authentication_status, file);
}

static void waiver_install(const void *buf, UINTN size, const EFI_DEVICE_PATH *dp, bool ask_shim) {
        static EFI_GUID sec_guid = SECURITY_ARCH_PROTOCOL_GUID, sec2_guid = SECURITY2_ARCH_PROTOCOL_GUID;

        uk_memset(&waiver, 0, sizeof(waiver));
        waiver.buf = buf;
        waiver.size = size;
        waiver.dp = dp;
        waiver.ask_shim = ask_shim;
        if (!EFI_ERROR(BS->LocateProtocol(&sec2_guid, NULL, (void **) &waiver.sec2)) && waiver.sec2 &&
            waiver.sec2->FileAuthentication) {
                waiver.sec2_original = waiver.sec2->FileAuthentication;
                waiver.sec2->FileAuthentication = sec2_hook;
        } else
                waiver.sec2 = NULL;
        if (!EFI_ERROR(BS->LocateProtocol(&sec_guid, NULL, (void **) &waiver.sec)) && waiver.sec &&
            waiver.sec->FileAuthenticationState) {
                waiver.sec_original = waiver.sec->FileAuthenticationState;
                waiver.sec->FileAuthenticationState = sec_hook;
        } else
                waiver.sec = NULL;
}

static void waiver_remove(void) {
        if (waiver.sec2)
                waiver.sec2->FileAuthentication = waiver.sec2_original;
        if (waiver.sec)
                waiver.sec->FileAuthenticationState = waiver.sec_original;
        uk_memset(&waiver, 0, sizeof(waiver));
}

/* LoadImage with the waiver in place (buf: the one buffer that passes; ask_shim: what shim accepts passes
 * too), then the firmware's own checks back. A refused image is unloaded, never left behind. */
static EFI_STATUS load_waived(EFI_HANDLE parent, EFI_DEVICE_PATH *dp, const void *buf, UINTN size, bool ask_shim,
                              EFI_HANDLE *ret_image) {
        EFI_HANDLE h = NULL;
        EFI_STATUS st;
        bool waive = buf || ask_shim;

        if (waive)
                waiver_install(buf, size, buf ? dp : NULL, ask_shim);
        st = BS->LoadImage(FALSE, parent, dp, (void *) buf, size, &h);
        if (waive)
                waiver_remove();
        if (EFI_ERROR(st)) {
                /* EFI_SECURITY_VIOLATION leaves a loaded image behind that must not stay around. */
                if (h)
                        BS->UnloadImage(h);
                return st;
        }
        *ret_image = h;
        return EFI_SUCCESS;
}

EFI_STATUS secure_load_verified(EFI_HANDLE parent, EFI_DEVICE_PATH *dp, const void *buf, uint64_t size,
                                EFI_HANDLE *ret_image) {
        if (!buf || size == 0 || size > (UINTN) -1 || !ret_image)
                return EFI_INVALID_PARAMETER;
        return load_waived(parent, dp, buf, (UINTN) size, false, ret_image);
}

EFI_STATUS secure_verify_uki(EFI_HANDLE parent, EFI_HANDLE device, const char *esp_path, const void *buf,
                             uint64_t size) {
        EFI_DEVICE_PATH *dp = NULL;
        EFI_HANDLE h = NULL;
        CHAR16 *path16;
        EFI_STATUS st;

        if (!buf || size == 0 || size > (UINTN) -1)
                return EFI_INVALID_PARAMETER;
        /* shim first, when it started us: it knows db/dbx and also MokList/MokListX and SBAT (systemd-boot
         * asks it the same way). What shim refuses still gets the firmware's own verdict below. */
        uint64_t t0 = timer_usec();
        st = shim_verify(buf, size);
        if (!EFI_ERROR(st)) {
                log_info(L"Secure Boot: %a verified by shim (%ld ms)", esp_path ? esp_path : "downloaded UKI",
                         (timer_usec() - t0) / 1000);
                return EFI_SUCCESS;
        }
        if (st != EFI_NOT_FOUND)
                log_info(L"Secure Boot: shim does not trust %a (%r), asking the firmware",
                         esp_path ? esp_path : "downloaded UKI", st);
        /* The firmware's policy depends on where an image comes from (fixed disk, removable, option ROM),
         * so it gets the real file path, not a memory-mapped one. Without one (a download) the firmware
         * decides on its own; edk2 refuses an image without a path, which fails closed. */
        if (esp_path) {
                path16 = xpath_to_16(esp_path);
                if (!path16)
                        return EFI_OUT_OF_RESOURCES;
                dp = FileDevicePath(device, path16);
                FreePool(path16);
                if (!dp)
                        return EFI_OUT_OF_RESOURCES;
        }
        t0 = timer_usec();
        st = BS->LoadImage(FALSE, parent, dp, (void *) buf, (UINTN) size, &h);
        if (dp)
                FreePool(dp);
        /* Loaded only to be judged: the stub is never started (with EFI_SECURITY_VIOLATION the firmware
         * hands back a handle too). */
        if (h)
                BS->UnloadImage(h);
        if (EFI_ERROR(st))
                return st;
        log_info(L"Secure Boot: %a verified by the firmware (%ld ms)", esp_path ? esp_path : "downloaded UKI",
                 (timer_usec() - t0) / 1000);
        return EFI_SUCCESS;
}

EFI_STATUS secure_load_file(EFI_HANDLE parent, EFI_DEVICE_PATH *dp, EFI_HANDLE *ret_image) {
        if (!dp || !ret_image)
                return EFI_INVALID_PARAMETER;
        return load_waived(parent, dp, NULL, 0, shim_lock() != NULL, ret_image);
}

bool secure_editor_locked(void *ctx, const struct uk_entry *e) {
        return ctx && uk_boot_editor_locked(ctx, e, true);
}
