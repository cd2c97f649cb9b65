/* ukiboot EFI — finding the XBOOTLDR partition (see xbootldr.h). The partition driver already parsed the
 * GPT and describes each partition it published; reading the GPT ourselves would be a second parser of the
 * same bytes. Firmware without the protocol (UEFI < 2.7) simply has no XBOOTLDR for us. */
#include "xbootldr.h"
#include "cleanup.h"
#include "util.h"

static EFI_GUID partition_info_guid = { 0x8cf2f62c, 0xbc9b, 0x4821, { 0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0 } };
static const EFI_GUID xbootldr_type = { 0xbc13c2ff, 0x59e6, 0x4262, { 0xa3, 0x52, 0xb2, 0x75, 0xfd, 0x6f, 0x71, 0x72 } };

#define PARTITION_TYPE_GPT 0x02

/* EFI_PARTITION_INFO_PROTOCOL (UEFI 2.7, 13.18), packed as the specification declares it: the MBR record
 * (16 bytes) or the GPT partition entry (UEFI 5.3.3), of which only the type GUID is read. */
#pragma pack(1)
struct gpt_entry {
        EFI_GUID type_guid;
        EFI_GUID unique_guid;
        UINT64 starting_lba, ending_lba, attributes;
        CHAR16 name[36];
};
struct partition_info {
        UINT32 revision;
        UINT32 type;
        UINT8 system;
        UINT8 reserved[7];
        union {
                UINT8 mbr[16];
                struct gpt_entry gpt;
        } info;
};
#pragma pack()

/* Bytes of dp before its last node: the disk a partition's device path hangs off. */
static UINTN parent_len(EFI_DEVICE_PATH *dp) {
        EFI_DEVICE_PATH *last = NULL, *n = dp;
        while (!IsDevicePathEnd(n)) {
                last = n;
                n = NextDevicePathNode(n);
        }
        return last ? (UINTN) ((UINT8 *) last - (UINT8 *) dp) : 0;
}

/* Whether partition handle h lies on the same disk as the ESP (same device path up to the partition node). */
static bool same_disk(EFI_DEVICE_PATH *esp_dp, EFI_HANDLE h) {
        EFI_DEVICE_PATH *dp = DevicePathFromHandle(h);
        if (!esp_dp || !dp)
                return false;
        UINTN a = parent_len(esp_dp), b = parent_len(dp);
        return a > 0 && a == b && CompareMem(esp_dp, dp, a) == 0;
}

EFI_STATUS xbootldr_open(const struct efi_fs *esp, struct efi_fs *ret_fs) {
        _cleanup_pool_ EFI_HANDLE *handles = NULL;
        UINTN n = 0;
        EFI_DEVICE_PATH *esp_dp = DevicePathFromHandle(esp->device);
        EFI_STATUS st = BS->LocateHandleBuffer(ByProtocol, &partition_info_guid, NULL, &n, &handles);
        if (EFI_ERROR(st))
                return st;
        for (UINTN i = 0; i < n; i++) {
                struct partition_info *pi = NULL;
                if (handles[i] == esp->device || !same_disk(esp_dp, handles[i]))
                        continue;
                if (EFI_ERROR(BS->HandleProtocol(handles[i], &partition_info_guid, (void **) &pi)) || !pi ||
                    pi->type != PARTITION_TYPE_GPT ||
                    CompareMem(&pi->info.gpt.type_guid, &xbootldr_type, sizeof(EFI_GUID)) != 0)
                        continue;
                /* A partition of the right type the firmware cannot read is not one we can use. */
                st = efi_fs_open(handles[i], ret_fs);
                if (!EFI_ERROR(st))
                        return EFI_SUCCESS;
                log_error(L"XBOOTLDR partition found but not readable: %r", st);
        }
        return EFI_NOT_FOUND;
}
