/* ukiboot — kexec_load for arm64 kernels without kexec_file_load. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Place the Image in kernel_fd, the initrd (-1: none) and a device tree with cmdline in RAM; kexec_load them.
 * The tree is dtb[dtb_len] (the plan's) or, with dtb NULL, the running one. Reason printed; exit code. */
int kexec_load_arm64(int kernel_fd, int initrd_fd, const char *cmdline, const uint8_t *dtb, size_t dtb_len,
                     const char *what);
/* Unload what kexec_load loaded: 0 or -errno. */
int kexec_unload_legacy(void);
