/* ukiboot — kexec_load for arm64 kernels without kexec_file_load. */
#pragma once

/* Place the Image in kernel_fd, the initrd (-1: none) and a device tree with cmdline in RAM; kexec_load them.
 * Reason printed; exit code. */
int kexec_load_arm64(int kernel_fd, int initrd_fd, const char *cmdline, const char *what);
/* Unload what kexec_load loaded: 0 or -errno. */
int kexec_unload_legacy(void);
