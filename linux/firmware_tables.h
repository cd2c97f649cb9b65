/* ukiboot — tables the firmware published, as the kernel exports them: the SMBIOS structure table (its OEM
 * strings may extend the command line) and the device tree (a UKI's .dtbauto is matched to it). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Read a whole (sysfs) file of at most max bytes into a malloc'd buffer. 0, or -errno (-EFBIG past max). */
int read_file_max(const char *path, size_t max, uint8_t **ret, size_t *ret_len);

/* Read the SMBIOS structure table (/sys/firmware/dmi/tables/DMI, or $UKIBOOT_SMBIOS_TABLE for tests) into a
 * malloc'd buffer; *ret NULL when the machine has none. One that exists but cannot be read is said on one
 * line and treated as none. Never fails. */
void dmi_table_read(uint8_t **ret, size_t *ret_len);

/* The same for the device tree the running kernel was given (/sys/firmware/fdt, or $UKIBOOT_FDT). */
void fdt_table_read(uint8_t **ret, size_t *ret_len);
