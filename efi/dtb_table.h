/* ukiboot EFI — the device tree as a configuration table: the firmware's (a machine fact) and the plan's. */
#pragma once
#include "efi-util.h"
#include "initrd.h"
#include "plan.h"

/* The firmware's device tree, when it publishes one with a valid header: *ret, *ret_len (its totalsize). */
bool efi_dtb_table(const uint8_t **ret, size_t *ret_len);

/* What dtb_install replaced, to put it back when the kernel does not start. */
struct dtb_install {
        void *orig;             /* the firmware's table, NULL if there was none */
        void *buf;              /* ours, in EfiACPIReclaimMemory pages (the kernel keeps them) */
        UINTN pages;
        bool installed;
};

/* Install the plan's tree (a span of the UKI uki[size], or the entry's file through read_file) as systemd-stub
 * does: copied into its own pages, fixed up by the firmware's EFI_DT_FIXUP_PROTOCOL when there is one, then
 * the configuration table. Nothing to do without a tree. On failure nothing is left installed. */
EFI_STATUS dtb_install(const struct uk_plan *p, const uint8_t *uki, uint64_t size, initrd_file_read_fn read_file,
                       void *read_ctx, struct dtb_install *ret);

/* Put the firmware's table back and free ours (after a kernel that returned). */
void dtb_restore(struct dtb_install *st);
