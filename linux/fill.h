/* ukiboot — kernel and initrd bytes into file descriptors, and their content hashes. */
#pragma once
#include <stdint.h>
#include "target.h"

/* Copy len bytes at in_off of in_fd to out_fd's current position: copy_file_range, falling back to sendfile. */
int copy_range(int in_fd, uint64_t in_off, uint64_t len, int out_fd);
/* Write the kernel kexec_file_load can take (decompressed if needed) to out_fd. Reason printed; exit code. */
int fill_kernel(struct target *t, int out_fd);
/* Write the concatenated initrd (pieces + padding) to out_fd; exactly plan->initrd_total bytes. Reason
 * printed; exit code. */
int fill_initrd(struct target *t, int out_fd);
/* The plan's device tree (a UKI section with its fill, or the entry's file) in a malloc'd buffer; *ret NULL
 * when the plan has none. Reason printed; exit code. */
int read_devicetree(struct target *t, uint8_t **ret, size_t *ret_len);
/* len bytes at offset of the plan's concatenated initrd, as it would be served (a Multiboot module: one piece). */
uk_err target_read_initrd(struct target *t, uint64_t offset, void *buf, size_t len);
/* Hash every piece the plan has not hashed yet (content identity). Exit code. */
int target_hash_content(struct target *t);
