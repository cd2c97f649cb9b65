/* ukiboot EFI — LoadFile2 initrd server. The Linux EFI stub (5.8+) locates the handle carrying the
 * LINUX_INITRD_MEDIA vendor device path and calls LoadFile twice: once to learn the size, once to fill. */
#include "initrd.h"
#include "util.h"

static EFI_GUID load_file2_guid = { 0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } };
#define LINUX_INITRD_MEDIA_GUID { 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } }

struct initrd_device_path {
        VENDOR_DEVICE_PATH vendor;
        EFI_DEVICE_PATH end;
} __attribute__((packed));

static const struct initrd_device_path initrd_dp = {
        .vendor = {
                .Header = { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP,
                            { sizeof(VENDOR_DEVICE_PATH), 0 } },
                .Guid = LINUX_INITRD_MEDIA_GUID,
        },
        .end = { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, { sizeof(EFI_DEVICE_PATH), 0 } },
};

struct initrd_server {
        EFI_LOAD_FILE_PROTOCOL load_file;   /* first: the firmware hands us this pointer back */
        EFI_HANDLE handle;
        const struct uk_plan *plan;
        const uint8_t *uki;
        uint64_t uki_size;
        initrd_file_read_fn file_read;
        void *file_ctx;
};

static uk_err read_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        struct initrd_server *s = ctx;

        switch (piece->source) {
        case UK_PIECE_UKI:
                if (!uk_range_ok(piece->offset, piece->length, s->uki_size) ||
                    !uk_range_ok(offset, len, piece->length))
                        return UK_E_TRUNCATED;
                uk_memcpy(buf, s->uki + piece->offset + offset, len);
                return UK_OK;
        case UK_PIECE_FILE:
        case UK_PIECE_CPIO_FILE:        /* offset counts from the file's start; the header comes from the plan */
                if (!s->file_read)
                        return UK_E_IO;
                return s->file_read(s->file_ctx, piece->path, offset, buf, len);
        default:
                return UK_E_INVALID_ARG;
        }
}

static EFI_STATUS EFIAPI initrd_load_file(EFI_LOAD_FILE_PROTOCOL *this, EFI_DEVICE_PATH *file_path,
                                          BOOLEAN boot_policy, UINTN *buffer_size, VOID *buffer) {
        struct initrd_server *s = (struct initrd_server *) this;
        uint64_t total;
        uk_err r;

        if (!this || !buffer_size)
                return EFI_INVALID_PARAMETER;
        if (boot_policy)
                return EFI_UNSUPPORTED;     /* LoadFile2 never serves boot-policy loads */
        if (!s->plan)
                return EFI_NOT_FOUND;       /* left behind by a failed uninstall */
        total = s->plan->initrd_total;
        if (total == 0)
                return EFI_NOT_FOUND;
        if (!buffer || *buffer_size < total) {
                *buffer_size = total;
                return EFI_BUFFER_TOO_SMALL;
        }
        r = uk_plan_initrd_read(s->plan, 0, buffer, total, read_piece, s);
        if (r) {
                log_error(L"initrd read failed: %a", uk_strerror(r));
                return EFI_DEVICE_ERROR;
        }
        *buffer_size = total;
        return EFI_SUCCESS;
}

EFI_STATUS initrd_install(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                          initrd_file_read_fn file_read, void *file_ctx, struct initrd_server **ret) {
        struct initrd_server *s;
        EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *) &initrd_dp;
        EFI_HANDLE existing;
        EFI_STATUS st;

        *ret = NULL;
        if (plan->initrd_total == 0)
                return EFI_SUCCESS;
        /* Someone else (an earlier loader) still serving an initrd would hand the kernel the wrong one. */
        st = BS->LocateDevicePath(&load_file2_guid, &dp, &existing);
        if (!EFI_ERROR(st) && IsDevicePathEnd(dp)) {
                log_error(L"another initrd provider is already installed");
                return EFI_ALREADY_STARTED;
        }
        s = AllocateZeroPool(sizeof(*s));
        if (!s)
                return EFI_OUT_OF_RESOURCES;
        s->load_file.LoadFile = initrd_load_file;
        s->plan = plan;
        s->uki = uki;
        s->uki_size = uki_size;
        s->file_read = file_read;
        s->file_ctx = file_ctx;
        st = BS->InstallMultipleProtocolInterfaces(&s->handle, &DevicePathProtocol, (void *) &initrd_dp,
                                                   &load_file2_guid, &s->load_file, NULL);
        if (EFI_ERROR(st)) {
                FreePool(s);
                return st;
        }
        *ret = s;
        return EFI_SUCCESS;
}

uk_err initrd_read_range(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                         initrd_file_read_fn file_read, void *file_ctx, uint64_t offset, void *buf, size_t len) {
        struct initrd_server s = {
                .plan = plan,
                .uki = uki,
                .uki_size = uki_size,
                .file_read = file_read,
                .file_ctx = file_ctx,
        };
        return uk_plan_initrd_read(plan, offset, buf, len, read_piece, &s);
}

uk_err initrd_read_all(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                       initrd_file_read_fn file_read, void *file_ctx, void *buf) {
        return initrd_read_range(plan, uki, uki_size, file_read, file_ctx, 0, buf, plan->initrd_total);
}

bool initrd_foreign_provider(void) {
        EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *) &initrd_dp;
        EFI_HANDLE existing;

        return !EFI_ERROR(BS->LocateDevicePath(&load_file2_guid, &dp, &existing)) && IsDevicePathEnd(dp);
}

void initrd_uninstall(struct initrd_server *s) {
        EFI_STATUS st;

        if (!s)
                return;
        st = BS->UninstallMultipleProtocolInterfaces(s->handle, &DevicePathProtocol, (void *) &initrd_dp,
                                                     &load_file2_guid, &s->load_file, NULL);
        if (EFI_ERROR(st)) {
                /* Still reachable through the handle: keep the structure, but the plan and UKI it points at
                 * are about to be freed, so it serves nothing any more. */
                log_error(L"cannot remove the initrd provider: %r", st);
                s->plan = NULL;
                return;
        }
        FreePool(s);
}
