/* ukiboot EFI — the SMBIOS structure table the firmware publishes, for its OEM strings. */
#pragma once
#include "efi-util.h"

/* The structure table from the configuration table: SMBIOS 3's entry point first, else SMBIOS 2's (as
 * systemd looks for them). false when the firmware publishes none. */
bool efi_smbios_table(const uint8_t **ret, size_t *ret_len);
