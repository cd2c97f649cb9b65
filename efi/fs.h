/* ukiboot EFI — the ESP through EFI_SIMPLE_FILE_SYSTEM_PROTOCOL, as the uk_fs_ops the shared core wants. */
#pragma once
#include "efi-util.h"
#include "entry.h"
#include "source.h"

struct efi_fs {
        EFI_HANDLE device;          /* the partition handle we were loaded from */
        EFI_FILE_HANDLE root;
};

/* Open the volume on device; fails if it has no file system. */
EFI_STATUS efi_fs_open(EFI_HANDLE device, struct efi_fs *ret_fs);
void efi_fs_close(struct efi_fs *fs);
/* A struct efi_fs closed on every way out of its scope (closing twice is harmless). */
#define _cleanup_fs_ __attribute__((cleanup(efi_fs_close)))

/* Fill ops so that uk_entries_discover() and friends read from fs. */
void efi_fs_ops(struct efi_fs *fs, struct uk_fs_ops *ret_ops);

/* The ops of the ESP with its XBOOTLDR partition (xbootldr NULL: none) chained as ret_esp->xbootldr; both
 * stay valid as long as ret_xbootldr does. */
void efi_fs_ops_pair(struct efi_fs *esp, struct efi_fs *xbootldr, struct uk_fs_ops *ret_esp,
                     struct uk_fs_ops *ret_xbootldr);

/* The firmware's EFI_STATUS behind the last failed operation above (EFI_SUCCESS if none), then forgotten. */
EFI_STATUS efi_fs_last_status(void);

/* Rename the file at path (ESP path) to new_name in the same directory (SetInfo, then Flush): how
 * systemd-boot counts a boot. */
EFI_STATUS efi_fs_rename(struct efi_fs *fs, const char *path, const char *new_name);

/* Read a whole file into freshly allocated pages (free with pages_free). Prints progress for big files. */
uk_err efi_fs_read_whole(struct efi_fs *fs, const char *path, void **ret_buf, uint64_t *ret_size, UINTN *ret_pages);
