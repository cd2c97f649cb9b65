/* ukiboot EFI — start a Multiboot (v1) kernel as its plan lays it out. */
#pragma once
#include <efi.h>
#include "initrd.h"
#include "plan.h"

/* Whether this build can start Multiboot kernels (x86-64: the 32-bit protected-mode entry). */
bool mb_supported(void);

/* Place the kernel's segments at their physical addresses, its modules (the plan's initrd pieces, read with
 * file_read) page-aligned below 4 GiB, the Multiboot information with the memory map; then leave boot
 * services and enter the kernel in 32-bit protected mode (EAX 0x2BADB002, EBX the information). Returns only
 * when something failed before ExitBootServices (said on one line, everything given back). */
EFI_STATUS mb_start(EFI_HANDLE image, const char *id, const struct uk_plan *p, const uint8_t *kernel, uint64_t kernel_size,
                    initrd_file_read_fn file_read, void *file_ctx);
