/* ukiboot — EFI variable vendor GUIDs both twins name, as strings (the efivarfs file-name form). */
#pragma once

/* Boot Loader Interface (systemd.io/BOOT_LOADER_INTERFACE): LoaderEntryDefault, LoaderEntryOneShot, ... */
#define UK_BLI_LOADER_GUID_STR "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
/* ukiboot's own vendor GUID (same value as UKIBOOT_GUID in efi/vars.h). */
#define UK_UKIBOOT_GUID_STR "22c44f96-4754-4d81-af20-54b2324bd537"
/* Volatile variable under UK_UKIBOOT_GUID_STR: the canonical plan the EFI twin executed (ASCII, no NUL). */
#define UK_PLAN_VARIABLE "UkibootPlan"
#define UK_CONTENT_VARIABLE "UkibootContent"     /* uk_plan_content_format of the plan booted */
