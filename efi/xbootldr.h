/* ukiboot EFI — the Extended Boot Loader partition beside the ESP we were loaded from. */
#pragma once
#include "fs.h"

/* Open the XBOOTLDR partition on the ESP's disk: the partition whose GPT type is
 * bc13c2ff-59e6-4262-a352-b275fd6f7172, as the firmware's partition driver reports it
 * (EFI_PARTITION_INFO_PROTOCOL), with a file system the firmware can read. EFI_NOT_FOUND when there is
 * none; the first one in the firmware's handle order when a disk has several (systemd-boot takes one too). */
EFI_STATUS xbootldr_open(const struct efi_fs *esp, struct efi_fs *ret_fs);
