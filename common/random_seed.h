/* ukiboot — the random seed handed to the kernel, as systemd-boot (v253+, src/boot/random-seed.c) derives it.
 *
 * One hash takes every input, each as its 64-bit little-endian length then its bytes, after a label: the
 * seed table an earlier stage installed, the firmware's RNG, LoaderSystemToken, the ESP's /loader/random-seed,
 * the firmware's monotonic counter and its clock. From that hash key come two outputs: the new file
 * (written back before anything else uses the key, so a seed is never used twice) and the kernel's
 * LINUX_EFI_RANDOM_SEED_TABLE. Where the inputs are too weak the process stops and nothing is written or
 * passed on: each uk_seed_add_* that can stop says so with its return value.
 *
 * The EFI twin does the I/O (efi/random_seed.c). The Linux twin has nothing to do: kexec_file_load itself
 * gives the next kernel a seed (x86 setup_data, arm64 /chosen/rng-seed). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "sha256.h"

#define UK_SEED_SIZE 32                 /* what Linux's RNG takes, and one SHA-256 */
#define UK_SEED_FILE "/loader/random-seed"
#define UK_SEED_FILE_MIN 32             /* a shorter file counts as freshly created */
#define UK_SEED_FILE_MAX (32U * 1024U)  /* a larger one is refused */

struct uk_seed {
        struct uk_sha256 hash;
        bool seeded_by_efi;     /* the firmware (an earlier table or its RNG) gave UK_SEED_SIZE good bytes */
};

/* Start: the label, then the seed table an earlier stage installed (previous NULL: none). */
void uk_seed_begin(struct uk_seed *s, const uint8_t *previous, size_t previous_len);

/* The firmware RNG's bytes (rng NULL: none to be had). UK_E_NOT_FOUND (stop) when there are none, nothing
 * else seeded us and Secure Boot is on: the ESP alone is writable by anyone, so it is not trusted alone. */
uk_err uk_seed_add_rng(struct uk_seed *s, const uint8_t *rng, size_t len, bool secure_boot);

/* LoaderSystemToken (token NULL: not set). UK_E_NOT_FOUND (stop) when it is missing or shorter than
 * UK_SEED_SIZE and the firmware did not seed us: a cloned ESP would then give clones the same seed. */
uk_err uk_seed_add_token(struct uk_seed *s, const uint8_t *token, size_t len);

/* Whether a missing /loader/random-seed may be created: only when the firmware seeded us. */
bool uk_seed_may_create(const struct uk_seed *s);

/* Whether a seed file of this size is used as it is (false: treated as freshly created, its bytes unused). */
bool uk_seed_file_usable(uint64_t size);

/* The file's bytes (NULL when it was created or is too short to use). UK_E_BUFFER_TOO_SMALL (stop) beyond
 * UK_SEED_FILE_MAX. */
uk_err uk_seed_add_file(struct uk_seed *s, const uint8_t *bytes, size_t len);

/* The firmware's monotonic counter (have false: GetNextMonotonicCount failed). UK_E_NOT_FOUND (stop) when it
 * failed and the firmware did not seed us: the counter is what keeps a seed from repeating when the ESP
 * write does not persist. */
uk_err uk_seed_add_counter(struct uk_seed *s, bool have, uint64_t counter);

/* The firmware clock's EFI_TIME bytes (NULL: GetTime failed; it is known to be flaky, so no stop). */
void uk_seed_add_time(struct uk_seed *s, const void *time, size_t len);

/* The two outputs: ret_file for /loader/random-seed (written first), ret_kernel for the kernel's table. The
 * state is wiped. */
void uk_seed_finish(struct uk_seed *s, uint8_t ret_file[UK_SEED_SIZE], uint8_t ret_kernel[UK_SEED_SIZE]);

/* Zero secret bytes in a way the compiler keeps. */
void uk_seed_wipe(void *p, size_t len);
