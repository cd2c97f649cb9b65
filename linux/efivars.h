/* ukiboot — EFI variables through efivarfs. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "bli.h"

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_LOADER_GUID UK_BLI_LOADER_GUID_STR
/* Read efivarfs variable Name-guid: data after the 4 attribute bytes, malloc'd; -errno on failure. */
int efivar_read(const char *name, const char *guid, uint8_t **ret_data, size_t *ret_len);
/* Read a UTF-16LE string variable as UTF-8 into ret[cap]; -errno on failure. */
int efivar_read_string(const char *name, const char *guid, char *ret, size_t cap);
/* Convert UTF-16LE bytes (NUL-terminated or not) to UTF-8. Returns length or -1 if it does not fit. */
int utf16le_to_utf8(const uint8_t *in, size_t in_len, char *ret, size_t cap);
/* Secure Boot state from efivarfs: 1 on, 0 off, -1 unknown (no EFI or no variable). */
int efivar_secure_boot(void);
