/* ukiboot EFI — serve the plan's initrd to the kernel through LINUX_INITRD_MEDIA_GUID + LoadFile2. */
#pragma once
#include "efi-util.h"
#include "plan.h"

struct initrd_server;

/* Reads a FILE piece (Type #1 `initrd`) for the server; UKI pieces come from the UKI buffer. */
typedef uk_err (*initrd_file_read_fn)(void *ctx, const char *path, uint64_t offset, void *buf, size_t len);

/* Install a handle with the initrd vendor media device path and EFI_LOAD_FILE2_PROTOCOL serving
 * uk_plan_initrd_read(plan) from uki[0..uki_size). Nothing is installed when the plan has no initrd
 * (*ret stays NULL). plan and uki must stay alive until initrd_uninstall. */
EFI_STATUS initrd_install(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                          initrd_file_read_fn file_read, void *file_ctx, struct initrd_server **ret);

/* Remove the handle again (after a failed or returning kernel start); NULL is fine. */
void initrd_uninstall(struct initrd_server *s);

/* Fill buf (plan->initrd_total bytes) with the whole initrd, the bytes LoadFile2 would serve: the EFI
 * handover path passes the initrd in memory instead. */
uk_err initrd_read_all(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                       initrd_file_read_fn file_read, void *file_ctx, void *buf);
/* The same for len bytes at offset of the concatenated initrd (one generated archive, to measure it). */
uk_err initrd_read_range(const struct uk_plan *plan, const void *uki, uint64_t uki_size,
                         initrd_file_read_fn file_read, void *file_ctx, uint64_t offset, void *buf, size_t len);

/* True if some handle already carries the LINUX_INITRD_MEDIA device path with LoadFile2: a kernel stub
 * would take that initrd (it supersedes one passed in boot_params too). */
bool initrd_foreign_provider(void);
