/* ukiboot — streaming gzip/zstd decompression into a file descriptor. */
#pragma once
#include <stdint.h>
#include "error.h"

#define ZBOOT_MAX_OUTPUT (1024ULL * 1024 * 1024)
/* Inflate a gzip stream at [in_off, in_off+in_len) of in_fd, appending to out_fd. UK error code. */
uk_err gunzip_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out);
/* Same for a zstd frame sequence. */
uk_err unzstd_fd(int in_fd, uint64_t in_off, uint64_t in_len, int out_fd, uint64_t max_out, uint64_t *ret_out);
