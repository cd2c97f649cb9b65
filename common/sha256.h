/* ukiboot — SHA-256 (FIPS 180-4), incremental. */
#pragma once
#include <stdint.h>
#include <stddef.h>

struct uk_sha256 {
        uint32_t h[8];
        uint64_t total;
        uint8_t buf[64];
        size_t buf_len;
};

void uk_sha256_init(struct uk_sha256 *c);
void uk_sha256_update(struct uk_sha256 *c, const void *data, size_t len);
void uk_sha256_final(struct uk_sha256 *c, uint8_t ret_digest[32]);
/* One-shot digest of data[len]. */
void uk_sha256(const void *data, size_t len, uint8_t ret_digest[32]);
/* Lower-case hex of a 32-byte digest into ret[65]. */
void uk_sha256_hex(const uint8_t digest[32], char ret[65]);
