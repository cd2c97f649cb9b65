/* ukiboot EFI — the random seed: /loader/random-seed and LoaderSystemToken become the kernel's
 * LINUX_EFI_RANDOM_SEED_TABLE, the file refreshed first (common/random_seed.c derives both). */
#pragma once
#include "fs.h"

/* Refresh the ESP's seed file and install a new seed table for the kernel, as systemd-boot does before it
 * starts an entry. Never stops a boot: where the inputs are too weak or a step fails nothing is passed on
 * (failures are said on the console). */
void random_seed_process(struct efi_fs *fs, bool secure_boot);
