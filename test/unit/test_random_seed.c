/* ukiboot — unit tests: the random seed (common/random_seed.c). The expected seeds were computed apart from
 * this code, with Python's hashlib following systemd-boot's derivation (label, then each input as its 64-bit
 * little-endian length and bytes; key = SHA-256 of all that; file = SHA-256(key || 0), kernel =
 * SHA-256(key || 1)); the stop rules are systemd-boot's. */
#include <string.h>
#include "unit.h"
#include "random_seed.h"
#include "sha256.h"
#include "util.h"

static void hex(const uint8_t b[UK_SEED_SIZE], char out[65]) {
        uk_sha256_hex(b, out);
}

static void test_known_answers(void) {
        uint8_t token[32], file[32], time[16], f[UK_SEED_SIZE], k[UK_SEED_SIZE];
        char fh[65], kh[65];
        struct uk_seed s;

        /* A: nothing from the firmware, a 32-byte system token and seed file, counter and clock. */
        for (int i = 0; i < 32; i++)
                token[i] = (uint8_t) i, file[i] = 0xa5;
        for (int i = 0; i < 16; i++)
                time[i] = (uint8_t) (16 + i);
        uk_seed_begin(&s, NULL, 0);
        CHECK_EQ_INT(uk_seed_add_rng(&s, NULL, 0, false), UK_OK, "A: no RNG, Secure Boot off");
        CHECK_EQ_INT(uk_seed_add_token(&s, token, sizeof(token)), UK_OK, "A: token");
        CHECK(!uk_seed_may_create(&s), "A: not seeded by the firmware: a missing file is not created");
        CHECK_EQ_INT(uk_seed_add_file(&s, file, sizeof(file)), UK_OK, "A: file");
        CHECK_EQ_INT(uk_seed_add_counter(&s, true, 0x0102030405060708ULL), UK_OK, "A: counter");
        uk_seed_add_time(&s, time, sizeof(time));
        uk_seed_finish(&s, f, k);
        hex(f, fh), hex(k, kh);
        CHECK_EQ_STR(fh, "61402f6f422d0177aa1d3c344613708856fcc11a0f2b11ff283b568910f97b53");
        CHECK_EQ_STR(kh, "3ce11934b0c8bd0189d38b46a80556b48ff4391aef9ea1c1c1062486fa1535ea");

        /* B: an earlier stage's table and the RNG; no token, the file freshly created, no clock. */
        uint8_t prev[32], rng[32];
        memset(prev, 0x11, sizeof(prev));
        memset(rng, 0x22, sizeof(rng));
        uk_seed_begin(&s, prev, sizeof(prev));
        CHECK(uk_seed_may_create(&s), "B: an earlier 32-byte table seeds us");
        CHECK_EQ_INT(uk_seed_add_rng(&s, rng, sizeof(rng), true), UK_OK, "B: RNG under Secure Boot");
        CHECK_EQ_INT(uk_seed_add_token(&s, NULL, 0), UK_OK, "B: no token is fine once seeded");
        CHECK_EQ_INT(uk_seed_add_file(&s, NULL, 0), UK_OK, "B: created file");
        CHECK_EQ_INT(uk_seed_add_counter(&s, true, 7), UK_OK, "B: counter");
        uk_seed_add_time(&s, NULL, 0);
        uk_seed_finish(&s, f, k);
        hex(f, fh), hex(k, kh);
        CHECK_EQ_STR(fh, "d9d0a8383286176fed38d4d6ac964ad31201b29413622c9508dcccda991fa01e");
        CHECK_EQ_STR(kh, "d1625665066583930f07d46c4c3f77aecee83280edf76c669efd94b5c0b30157");
        CHECK(memcmp(f, k, UK_SEED_SIZE) != 0, "the file never holds what the kernel gets");
}

static void test_stop_rules(void) {
        uint8_t b[40];
        struct uk_seed s;
        memset(b, 0x5a, sizeof(b));

        /* Secure Boot on, nothing from the firmware: the ESP alone is not trusted. */
        uk_seed_begin(&s, NULL, 0);
        CHECK_EQ_INT(uk_seed_add_rng(&s, NULL, 0, true), UK_E_NOT_FOUND, "no RNG under Secure Boot");
        /* ... unless an earlier table of at least 32 bytes seeded us; a shorter one does not. */
        uk_seed_begin(&s, b, 32);
        CHECK_EQ_INT(uk_seed_add_rng(&s, NULL, 0, true), UK_OK, "earlier table, no RNG, Secure Boot");
        uk_seed_begin(&s, b, 31);
        CHECK_EQ_INT(uk_seed_add_rng(&s, NULL, 0, true), UK_E_NOT_FOUND, "a 31-byte table is not enough");

        /* No firmware randomness: the system token must be there and at least 32 bytes. */
        uk_seed_begin(&s, NULL, 0);
        CHECK_EQ_INT(uk_seed_add_rng(&s, NULL, 0, false), UK_OK, "no RNG, Secure Boot off");
        CHECK_EQ_INT(uk_seed_add_token(&s, NULL, 0), UK_E_NOT_FOUND, "no token, not seeded");
        CHECK_EQ_INT(uk_seed_add_token(&s, b, 31), UK_E_NOT_FOUND, "short token, not seeded");
        CHECK_EQ_INT(uk_seed_add_token(&s, b, 32), UK_OK, "32-byte token");
        /* ... and the monotonic counter. */
        CHECK_EQ_INT(uk_seed_add_counter(&s, false, 0), UK_E_NOT_FOUND, "no counter, not seeded");
        uk_seed_begin(&s, NULL, 0);
        CHECK_EQ_INT(uk_seed_add_rng(&s, b, 32, false), UK_OK, "RNG");
        CHECK_EQ_INT(uk_seed_add_token(&s, b, 3), UK_OK, "a short token is hashed once seeded");
        CHECK_EQ_INT(uk_seed_add_counter(&s, false, 0), UK_OK, "no counter once seeded");

        /* The seed file: shorter than 32 bytes counts as new, over 32 KiB is refused. */
        CHECK(!uk_seed_file_usable(0) && !uk_seed_file_usable(31) && uk_seed_file_usable(32) &&
              uk_seed_file_usable(UK_SEED_FILE_MAX), "usable sizes");
        static uint8_t big[UK_SEED_FILE_MAX + 1];
        CHECK_EQ_INT(uk_seed_add_file(&s, big, UK_SEED_FILE_MAX), UK_OK, "32 KiB file");
        CHECK_EQ_INT(uk_seed_add_file(&s, big, UK_SEED_FILE_MAX + 1), UK_E_BUFFER_TOO_SMALL, "over 32 KiB");

        /* Every input counts: one byte of the file changed changes both outputs. */
        uint8_t f1[UK_SEED_SIZE], k1[UK_SEED_SIZE], f2[UK_SEED_SIZE], k2[UK_SEED_SIZE];
        for (int round = 0; round < 2; round++) {
                uk_seed_begin(&s, NULL, 0);
                uk_seed_add_rng(&s, b, 32, false);
                uk_seed_add_token(&s, NULL, 0);
                b[39] = (uint8_t) round;
                uk_seed_add_file(&s, b, sizeof(b));
                uk_seed_add_counter(&s, true, 1);
                uk_seed_add_time(&s, NULL, 0);
                uk_seed_finish(&s, round ? f2 : f1, round ? k2 : k1);
        }
        CHECK(memcmp(f1, f2, UK_SEED_SIZE) != 0 && memcmp(k1, k2, UK_SEED_SIZE) != 0, "one file byte changes both");
        uint8_t zero[sizeof(s)];
        memset(zero, 0, sizeof(zero));
        CHECK(memcmp(&s, zero, sizeof(s)) == 0, "the state is wiped by finish");
}

int main(void) {
        unit_suite = "random_seed";
        test_known_answers();
        test_stop_rules();
        return unit_finish();
}
