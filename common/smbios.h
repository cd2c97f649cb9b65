/* ukiboot — SMBIOS: the firmware's OEM strings (type 11) that extend the kernel command line, found the way
 * systemd-stub and systemd-boot find them, so both twins read the same words from the same table. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* systemd-stub appends this one to a UKI's command line; systemd-boot that one to a `linux` entry's. */
#define UK_SMBIOS_STUB_CMDLINE_EXTRA "io.systemd.stub.kernel-cmdline-extra="
#define UK_SMBIOS_BOOT_CMDLINE_EXTRA "io.systemd.boot.kernel-cmdline-extra="

/* Where an entry point structure says the structure table is: SMBIOS 3 ("_SM3_", 64-bit address, maximum
 * size) or SMBIOS 2 ("_SM_", 32-bit address, 16-bit length), as the EFI configuration table offers them.
 * No checksum is required (systemd checks none). UK_E_SYNTAX if ep is neither. */
uk_err uk_smbios_entry_point(const uint8_t *ep, size_t ep_len, bool smbios3, uint64_t *ret_address,
                             uint64_t *ret_length);

/* In the structure table[len], the first OEM-strings structure (type 11), and in it the first string that
 * starts with prefix: *ret points at what follows the prefix (NUL-terminated inside table), *ret_len is its
 * length. UK_E_NOT_FOUND when there is none; a table that ends inside a structure ends the search. Later
 * type 11 structures are not looked at, as in systemd. */
uk_err uk_smbios_oem_string(const uint8_t *table, size_t len, const char *prefix, const char **ret,
                            size_t *ret_len);
