/* ukiboot — EFI variables through efivarfs. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bli.h"

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_LOADER_GUID UK_BLI_LOADER_GUID_STR
/* Read efivarfs variable Name-guid: data after the 4 attribute bytes, malloc'd; -errno on failure. */
int efivar_read(const char *name, const char *guid, uint8_t **ret_data, size_t *ret_len);
/* Read a UTF-16LE string variable as UTF-8 into ret[cap]; -errno on failure. */
int efivar_read_string(const char *name, const char *guid, char *ret, size_t cap);
/* Write a UTF-16LE string variable (boot service + runtime access, and non-volatile if asked) from an ASCII
 * value, as the Boot Loader Interface's variables are. 0 or -errno (most firmware refuses new volatile
 * variables once the OS runs: EINVAL or EROFS). */
int efivar_write_string(const char *name, const char *guid, const char *value, bool non_volatile);
/* Delete a variable; 0 if it is gone (or never was), else -errno. */
int efivar_delete(const char *name, const char *guid);
/* Convert UTF-16LE bytes (NUL-terminated or not) to UTF-8. Returns length or -1 if it does not fit. */
int utf16le_to_utf8(const uint8_t *in, size_t in_len, char *ret, size_t cap);
/* Secure Boot state from efivarfs: 1 on, 0 off, -1 unknown (no EFI or no variable). */
int efivar_secure_boot(void);
#define SHIM_GUID "605dab50-e046-4300-abb6-3dd810dd8b23"
#define EFI_IMAGE_SECURITY_DATABASE_GUID "d719b2cb-3d3a-4596-a3bc-dad00e67656f"

enum sb_state {
        SB_OFF,         /* known off: no EFI, no SecureBoot variable, SecureBoot=0 or setup mode */
        SB_ON,          /* SecureBoot=1 and not in setup mode */
        SB_UNKNOWN,     /* EFI, but the variables cannot be read: treated as on by load/kexec */
};
/* Secure Boot as this machine's firmware reports it, with the reason in ret_why[cap]. */
enum sb_state efivar_secure_state(char *ret_why, size_t cap);
