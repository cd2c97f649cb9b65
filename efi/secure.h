/* ukiboot EFI — Secure Boot: the firmware verifies a whole UKI; the kernel inside it then loads under that trust. */
#pragma once
#include "efi-util.h"
#include "entry.h"

/* Under shim (SHIM_LOCK present) shim's verdict first: db, dbx, MokList, MokListX, SBAT. Otherwise, or when
 * shim refuses, have the firmware check the UKI in buf[size] against db/dbx: LoadImage(BootPolicy FALSE) from memory, then
 * UnloadImage (the stub inside is never started). device + esp_path name the file it was read from, which is
 * what the firmware's policy looks at (esp_path NULL: no file, e.g. a download). EFI_SUCCESS only if the firmware accepted it; EFI_SECURITY_VIOLATION or
 * EFI_ACCESS_DENIED when it is not trusted, another error when the firmware could not check it at all. */
EFI_STATUS secure_verify_uki(EFI_HANDLE parent, EFI_HANDLE device, const char *esp_path, const void *buf,
                             uint64_t size);

/* LoadImage of a kernel that lies inside a UKI secure_verify_uki() accepted (its bytes are covered by that
 * signature, its own signature is not in db): the firmware's file authentication is waived for exactly
 * this buffer (same pointer, same size) during this one call and restored before returning. */
EFI_STATUS secure_load_verified(EFI_HANDLE parent, EFI_DEVICE_PATH *dp, const void *buf, uint64_t size,
                                EFI_HANDLE *ret_image);

/* LoadImage of the program file dp names (an `efi` entry): the firmware decides, except that under shim an
 * image shim trusts (a key in MokList) is accepted too, as systemd-boot does. */
EFI_STATUS secure_load_file(EFI_HANDLE parent, EFI_DEVICE_PATH *dp, EFI_HANDLE *ret_image);

/* For the menu under Secure Boot (ctx: the uk_fs_ops of the ESP, XBOOTLDR chained): true if entry e is a UKI whose chosen
 * profile embeds a .cmdline, so editor text would be ignored (common/secureboot.h decides). Reads only the PE
 * headers; false when that cannot be told (the plan still applies the rule when booting). */
bool secure_editor_locked(void *ctx, const struct uk_entry *e);
