/* ukiboot — the machine's SMBIOS structure table, for the OEM strings that extend the command line. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Read the SMBIOS structure table (/sys/firmware/dmi/tables/DMI, or $UKIBOOT_SMBIOS_TABLE for tests) into a
 * malloc'd buffer; *ret NULL when the machine has none. One that exists but cannot be read is said on one
 * line and treated as none. Never fails. */
void dmi_table_read(uint8_t **ret, size_t *ret_len);
