/* ukiboot — the random seed for the kernel and the ESP (see random_seed.h for the derivation). */
#include "random_seed.h"
#include "util.h"

#define SEED_LABEL "systemd-boot random seed label v1"   /* systemd-boot's domain label: same derivation */

void uk_seed_wipe(void *p, size_t len) {
        volatile uint8_t *b = p;
        while (len--)
                *b++ = 0;
}

static void put_le64(uint8_t out[8], uint64_t v) {
        for (int i = 0; i < 8; i++)
                out[i] = (uint8_t) (v >> (8 * i));
}

/* One input: its length as 8 little-endian bytes (systemd-boot hashes a size_t, 8 bytes on x64 and arm64),
 * then its bytes. */
static void add(struct uk_seed *s, const void *data, size_t len) {
        uint8_t le[8];
        put_le64(le, len);
        uk_sha256_update(&s->hash, le, sizeof(le));
        if (len > 0)
                uk_sha256_update(&s->hash, data, len);
}

void uk_seed_begin(struct uk_seed *s, const uint8_t *previous, size_t previous_len) {
        uk_sha256_init(&s->hash);
        uk_sha256_update(&s->hash, SEED_LABEL, sizeof(SEED_LABEL) - 1);
        s->seeded_by_efi = previous && previous_len >= UK_SEED_SIZE;
        add(s, previous, previous ? previous_len : 0);
}

uk_err uk_seed_add_rng(struct uk_seed *s, const uint8_t *rng, size_t len, bool secure_boot) {
        if (!rng || len == 0) {
                if (!s->seeded_by_efi && secure_boot)
                        return UK_E_NOT_FOUND;
                add(s, NULL, 0);
                return UK_OK;
        }
        s->seeded_by_efi = true;
        add(s, rng, len);
        return UK_OK;
}

uk_err uk_seed_add_token(struct uk_seed *s, const uint8_t *token, size_t len) {
        if (!token)
                len = 0;
        if (len < UK_SEED_SIZE && !s->seeded_by_efi)
                return UK_E_NOT_FOUND;
        add(s, token, len);
        return UK_OK;
}

bool uk_seed_may_create(const struct uk_seed *s) {
        return s->seeded_by_efi;
}

bool uk_seed_file_usable(uint64_t size) {
        return size >= UK_SEED_FILE_MIN;
}

uk_err uk_seed_add_file(struct uk_seed *s, const uint8_t *bytes, size_t len) {
        if (!bytes)
                len = 0;
        if (len > UK_SEED_FILE_MAX)
                return UK_E_BUFFER_TOO_SMALL;
        add(s, bytes, len);
        return UK_OK;
}

uk_err uk_seed_add_counter(struct uk_seed *s, bool have, uint64_t counter) {
        if (!have && !s->seeded_by_efi)
                return UK_E_NOT_FOUND;
        uint8_t le[8];
        put_le64(le, have ? counter : 0);
        add(s, le, sizeof(le));      /* systemd-boot hashes the counter variable even when the call failed */
        return UK_OK;
}

void uk_seed_add_time(struct uk_seed *s, const void *time, size_t len) {
        add(s, time, time ? len : 0);
}

/* SHA-256(key || tag): the file's seed with tag 0, the kernel's with tag 1. */
static void derive(const uint8_t key[UK_SEED_SIZE], uint8_t tag, uint8_t out[UK_SEED_SIZE]) {
        struct uk_sha256 h;
        uk_sha256_init(&h);
        uk_sha256_update(&h, key, UK_SEED_SIZE);
        uk_sha256_update(&h, &tag, 1);
        uk_sha256_final(&h, out);
        uk_seed_wipe(&h, sizeof(h));
}

void uk_seed_finish(struct uk_seed *s, uint8_t ret_file[UK_SEED_SIZE], uint8_t ret_kernel[UK_SEED_SIZE]) {
        uint8_t key[UK_SEED_SIZE];
        uk_sha256_final(&s->hash, key);
        derive(key, 0, ret_file);
        derive(key, 1, ret_kernel);
        uk_seed_wipe(key, sizeof(key));
        uk_seed_wipe(s, sizeof(*s));
}
