/* ukiboot — host test harness: LoadImage/StartImage/UnloadImage with a fake kernel that takes its command
 * line and fetches its initrd through LoadFile2 as the Linux EFI stub does; Security2 with a fake db; a TPM 2.0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_fw_internal.h"
#include "sha256.h"

/* ---- images ---- */

static struct fw_image *image_of(EFI_HANDLE h) {
        for (struct fw_image *i = fw.images; i; i = i->next)
                if (i->handle == h)
                        return i;
        return NULL;
}

void fw_image_free(struct fw_image *img) {
        for (struct fw_image **pp = &fw.images; *pp; pp = &(*pp)->next)
                if (*pp == img) {
                        *pp = img->next;
                        break;
                }
        fw_handle_destroy(img->handle);
        free(img->copy);
        free(img->li.FilePath);
        free(img);
}

/* The fake db: an image is trusted if it carries this marker (a stand-in for a signature by a db key). */
EFI_STATUS EFIAPI fw_sec2_authenticate(const void *this, const EFI_DEVICE_PATH *file, void *buf, UINTN size,
                                           BOOLEAN boot_policy) {
        (void) this, (void) file, (void) boot_policy;
        if (!fw.setup->secure_boot)
                return EFI_SUCCESS;
        return buf && memmem(buf, size, "FAKE-DB-SIGNED", 14) ? EFI_SUCCESS : EFI_SECURITY_VIOLATION;
}

EFI_STATUS EFIAPI fw_sec_authenticate_state(const void *this, UINT32 status, const EFI_DEVICE_PATH *file) {
        (void) this, (void) status, (void) file;
        return EFI_SUCCESS;
}

static const EFI_DEVICE_PATH *file_node(const EFI_DEVICE_PATH *dp) {
        for (const EFI_DEVICE_PATH *p = dp; p && !IsDevicePathEnd(p); p = NextDevicePathNode(p))
                if (DevicePathType(p) == MEDIA_DEVICE_PATH && DevicePathSubType(p) == MEDIA_FILEPATH_DP)
                        return p;
        return NULL;
}

EFI_STATUS EFIAPI fw_bs_load_image(BOOLEAN boot_policy, EFI_HANDLE parent, EFI_DEVICE_PATH *dp, void *src,
                                       UINTN size, EFI_HANDLE *ret) {
        (void) boot_policy;
        char path[512] = "";
        if (!fw_handle_check(parent))
                fw_finish(FW_VIOLATION, "LoadImage with a parent that is not an image");
        if (fw_fault(FW_LOAD_IMAGE))
                return fw_fail_status[FW_LOAD_IMAGE];
        const EFI_DEVICE_PATH *fn = file_node(dp);
        if (fn)
                fw_path_from16((const CHAR16 *) ((const uint8_t *) fn + 4), NULL, path, sizeof(path));
        if (!src) {
                int i = fn ? fw_esp_file(path) : -1;
                if (i < 0)
                        return EFI_NOT_FOUND;
                src = (void *) fw.setup->files[i].data;
                size = fw.setup->files[i].len;
        }
        if (size < 64 || memcmp(src, "MZ", 2) != 0)
                return EFI_LOAD_ERROR;
        /* DxeCore asks Security2 through the pointer in the protocol structure: a hook ukiboot placed there runs. */
        EFI_STATUS auth = fw.sec2.FileAuthentication(&fw.sec2, dp, src, size, boot_policy);
        if (EFI_ERROR(auth) && auth != EFI_SECURITY_VIOLATION)
                return auth;
        struct fw_image *img = calloc(1, sizeof(*img));
        if (!img || !(img->copy = malloc(size)))
                abort();
        memcpy(img->copy, src, size);
        img->len = size;
        img->is_kernel = size > 0x206 && memcmp((uint8_t *) src + 0x202, "HdrS", 4) == 0;
        snprintf(img->path, sizeof(img->path), "%s", path);
        img->handle = fw_handle_new(false);
        img->li.Revision = EFI_LOADED_IMAGE_PROTOCOL_REVISION;
        img->li.ParentHandle = parent;
        img->li.SystemTable = &fw.st;
        img->li.DeviceHandle = fw.esp;
        if (dp) {
                size_t l = fw_dp_size(dp) + sizeof(EFI_DEVICE_PATH);
                img->li.FilePath = malloc(l);
                if (!img->li.FilePath)
                        abort();
                memcpy(img->li.FilePath, dp, l);
        }
        img->li.ImageBase = img->copy;
        img->li.ImageSize = size;
        fw_handle_add(img->handle, &gEfiLoadedImageProtocolGuid, &img->li);
        img->next = fw.images;
        fw.images = img;
        *ret = img->handle;
        return auth;
}

EFI_STATUS EFIAPI fw_bs_unload_image(EFI_HANDLE h) {
        struct fw_image *img = image_of(h);
        if (!img)
                fw_finish(FW_VIOLATION, "UnloadImage of a handle that is not a loaded image (already unloaded?)");
        fw_image_free(img);
        return EFI_SUCCESS;
}

/* What the Linux EFI stub does with the initrd: find the LoadFile2 device path, ask the size, fetch. */
static EFI_STATUS kernel_fetch_initrd(void) {
        struct {
                VENDOR_DEVICE_PATH vendor;
                EFI_DEVICE_PATH end;
        } __attribute__((packed)) dp = {
                .vendor = { .Header = { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP, { sizeof(VENDOR_DEVICE_PATH), 0 } },
                            .Guid = fw_guid_initrd_media },
                .end = { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, { sizeof(EFI_DEVICE_PATH), 0 } },
        };
        EFI_DEVICE_PATH *p = (EFI_DEVICE_PATH *) &dp;
        EFI_HANDLE h;
        if (EFI_ERROR(fw_bs_locate_device_path(&fw_guid_load_file2, &p, &h)) || !IsDevicePathEnd(p))
                return EFI_SUCCESS;         /* no initrd: the kernel boots without one */
        EFI_LOAD_FILE_PROTOCOL *lf = fw_handle_find(h, &fw_guid_load_file2);
        UINTN size = 0;
        EFI_STATUS s = lf->LoadFile(lf, (EFI_DEVICE_PATH *) &dp, FALSE, &size, NULL);
        if (s != EFI_BUFFER_TOO_SMALL)
                return s == EFI_NOT_FOUND ? EFI_SUCCESS : s;
        void *buf = malloc(size ? size : 1);
        if (!buf)
                abort();
        s = lf->LoadFile(lf, (EFI_DEVICE_PATH *) &dp, FALSE, &size, buf);
        if (!EFI_ERROR(s)) {
                uk_sha256(buf, size, fw.res->initrd_sha256);
                fw.res->initrd_len = size;
        }
        free(buf);
        return s;
}

EFI_STATUS EFIAPI fw_bs_start_image(EFI_HANDLE h, UINTN *exit_size, CHAR16 **exit_data) {
        (void) exit_size, (void) exit_data;
        struct fw_image *img = image_of(h);
        if (!img)
                fw_finish(FW_VIOLATION, "StartImage of a handle that is not a loaded image");
        /* An application that returns is unloaded by the firmware (as edk2's CoreStartImage does). */
        if (fw_fault(FW_START_IMAGE)) {
                fw_image_free(img);
                return fw_fail_status[FW_START_IMAGE];
        }
        if (!img->is_kernel) {
                snprintf(fw.res->chainloaded, sizeof(fw.res->chainloaded), "%s", img->path);
                fw_finish(FW_CHAINLOADED, NULL);
        }
        size_t o = 0;
        const CHAR16 *opts = img->li.LoadOptions;
        for (size_t i = 0; opts && i < img->li.LoadOptionsSize / 2 && opts[i] && o + 1 < sizeof(fw.res->cmdline); i++)
                fw.res->cmdline[o++] = opts[i] < 0x80 ? (char) opts[i] : '?';
        fw.res->cmdline[o] = 0;
        fw.res->kernel_len = img->len;
        EFI_STATUS s = kernel_fetch_initrd();
        if (EFI_ERROR(s)) {
                /* The stub gives up ("Failed to load initrd") and returns to its loader. */
                fw_image_free(img);
                return s;
        }
        fw_finish(FW_BOOTED, NULL);
}

/* ---- TPM ---- */

EFI_STATUS EFIAPI fw_tcg2_get_capability(struct tcg2 *this, struct tcg2_capability *cap) {
        (void) this;
        if (cap->size < sizeof(*cap))
                return EFI_BUFFER_TOO_SMALL;
        memset(cap, 0, sizeof(*cap));
        cap->size = sizeof(*cap);
        cap->structure_major = 1;
        cap->structure_minor = 1;
        cap->tpm_present = 1;
        cap->hash_algorithm_bitmap = 2;         /* SHA-256 */
        return EFI_SUCCESS;
}

EFI_STATUS EFIAPI fw_tcg2_hash_log_extend(struct tcg2 *this, UINT64 flags, EFI_PHYSICAL_ADDRESS data,
                                              UINT64 len, void *event) {
        (void) this, (void) flags;
        uint8_t digest[32];
        if (fw_fault(FW_HASH_LOG_EXTEND))
                return fw_fail_status[FW_HASH_LOG_EXTEND];
        if (!event || (!data && len))
                return EFI_INVALID_PARAMETER;
        uk_sha256((const void *) (uintptr_t) data, len, digest);     /* touches every byte: ASan checks the span */
        fw.res->measurements++;
        return EFI_SUCCESS;
}
