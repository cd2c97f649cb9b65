/* ukiboot EFI — Boot Loader Interface variables (systemd.io/BOOT_LOADER_INTERFACE) and our own plan variable. */
#pragma once
#include "efi-util.h"
#include "entry.h"
#include "plan.h"

/* Vendor GUID of the Boot Loader Interface. */
#define LOADER_GUID { 0x4a67b082, 0x0a4c, 0x41cf, { 0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f } }
/* ukiboot's own vendor GUID: UkibootPlan-22c44f96-4754-4d81-af20-54b2324bd537 carries the canonical plan. */
#define UKIBOOT_GUID { 0x22c44f96, 0x4754, 0x4d81, { 0xaf, 0x20, 0x54, 0xb2, 0x32, 0x4b, 0xd5, 0x37 } }
#define UKIBOOT_GUID_STR "22c44f96-4754-4d81-af20-54b2324bd537"


/* Set a volatile UTF-16 string variable under LOADER_GUID from ASCII. */
EFI_STATUS vars_set_str(const CHAR16 *name, const char *value);
/* Read a UTF-16 string variable under LOADER_GUID into ASCII buf[cap]: EFI_SUCCESS, EFI_NOT_FOUND when absent
 * or unusable (empty, too long, not ASCII), or the firmware's error when it could not be read. */
EFI_STATUS vars_read_str(const CHAR16 *name, char *buf, size_t cap);
/* The same, true only on EFI_SUCCESS: for variables whose absence and read errors mean the same. */
bool vars_get_str(const CHAR16 *name, char *buf, size_t cap);
void vars_delete(const CHAR16 *name);
/* LoaderEntryDefault: the entry id stored non-volatile (survives reboots), or deleted when id is NULL. */
EFI_STATUS vars_save_default(const char *id);

/* LoaderConfigTimeout (non-volatile) as the menu's +/- keys left it; UK_TIMEOUT_UNSET deletes it. */
EFI_STATUS vars_save_timeout(uint64_t timeout);

/* Carry out what booting entry id does to LoaderEntryLastBooted (common/entry_order.c decides). */
void vars_apply_last_booted(enum uk_last_booted action, const char *id);

/* True if Secure Boot is enforcing: SecureBoot=1 and not in setup mode (rule in common/secureboot.h). */
bool vars_secure_boot(void);
/* The SbatLevel variable's text into buf[cap]; its length, 0 when absent (or larger than cap). */
size_t vars_sbat_level(char *buf, size_t cap);

/* Everything known at start-up: LoaderInfo, firmware info/type, device part UUID, image id, features,
 * StubInfo-free init time. image is our loaded image. */
void vars_set_startup(EFI_LOADED_IMAGE *image, uint64_t init_usec);

/* LoaderEntries: the ids of all entries, each NUL-terminated UTF-16. */
void vars_set_entries(const struct uk_entry *entries, size_t n);

/* Just before handing over: LoaderEntrySelected, LoaderTimeExecUSec, and when we act as the stub (we start
 * the kernel of plan ourselves; NULL: we chain-load) StubInfo, StubFeatures and, for a UKI, StubProfile. */
void vars_set_exec(const struct uk_entry *e, const struct uk_plan *plan);

/* UkibootPlan: the canonical plan bytes as they are (ASCII, no NUL). */
void vars_set_plan(const char *canonical, size_t len);
/* Export the plan's content record (UkibootContent, volatile), read by `ukiboot plan --diff-current`. */
void vars_set_content(const char *text, size_t len);

/* ESP partition GUID in the interface's text form, from the device path of device; false if not GPT. */
bool vars_part_uuid(EFI_HANDLE device, CHAR16 ret[37]);
