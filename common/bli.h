/* ukiboot — EFI variable vendor GUIDs both twins name, as strings (the efivarfs file-name form). */
#pragma once

/* Boot Loader Interface (systemd.io/BOOT_LOADER_INTERFACE): LoaderEntryDefault, LoaderEntryOneShot, ... */
#define UK_BLI_LOADER_GUID_STR "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
/* The GPT partition type of the Extended Boot Loader partition (Discoverable Partitions Specification). */
#define UK_XBOOTLDR_TYPE_STR "bc13c2ff-59e6-4262-a352-b275fd6f7172"
/* ukiboot's own vendor GUID (same value as UKIBOOT_GUID in efi/vars.h). */
#define UK_UKIBOOT_GUID_STR "22c44f96-4754-4d81-af20-54b2324bd537"
/* Volatile variable under UK_UKIBOOT_GUID_STR: the canonical plan the EFI twin executed (ASCII, no NUL). */
#define UK_PLAN_VARIABLE "UkibootPlan"
#define UK_CONTENT_VARIABLE "UkibootContent"     /* uk_plan_content_format of the plan booted */

/* LoaderFeatures bits (systemd's efivars-fundamental.h, v258) and the ones ukiboot really provides: the
 * timeouts and their one-shot (common/timeout.c), LoaderEntryDefault/OneShot, boot counting, sort-key,
 * `default @saved`, menu-disabled, multi-profile UKIs, Type #1 `uki` and `uki-url`, the random seed, XBOOTLDR. Not:
 * drivers, devicetree, Secure Boot enrollment, retaining shim, LoaderDeviceURL, PCR bank reporting. */
#define UK_LOADER_FEATURE_CONFIG_TIMEOUT          (1ULL << 0)
#define UK_LOADER_FEATURE_CONFIG_TIMEOUT_ONE_SHOT (1ULL << 1)
#define UK_LOADER_FEATURE_ENTRY_DEFAULT           (1ULL << 2)
#define UK_LOADER_FEATURE_ENTRY_ONESHOT           (1ULL << 3)
#define UK_LOADER_FEATURE_BOOT_COUNTING           (1ULL << 4)
#define UK_LOADER_FEATURE_XBOOTLDR                (1ULL << 5)
#define UK_LOADER_FEATURE_RANDOM_SEED             (1ULL << 6)
#define UK_LOADER_FEATURE_SORT_KEY                (1ULL << 8)
#define UK_LOADER_FEATURE_SAVED_ENTRY             (1ULL << 9)
#define UK_LOADER_FEATURE_MENU_DISABLE            (1ULL << 13)
#define UK_LOADER_FEATURE_MULTI_PROFILE_UKI       (1ULL << 14)
#define UK_LOADER_FEATURE_TYPE1_UKI               (1ULL << 16)
#define UK_LOADER_FEATURE_TYPE1_UKI_URL           (1ULL << 17)
#define UK_LOADER_FEATURES (UK_LOADER_FEATURE_CONFIG_TIMEOUT | UK_LOADER_FEATURE_CONFIG_TIMEOUT_ONE_SHOT | \
                            UK_LOADER_FEATURE_ENTRY_DEFAULT | UK_LOADER_FEATURE_ENTRY_ONESHOT | \
                            UK_LOADER_FEATURE_BOOT_COUNTING | UK_LOADER_FEATURE_XBOOTLDR | \
                            UK_LOADER_FEATURE_RANDOM_SEED | \
                            UK_LOADER_FEATURE_SORT_KEY | \
                            UK_LOADER_FEATURE_SAVED_ENTRY | UK_LOADER_FEATURE_MENU_DISABLE | \
                            UK_LOADER_FEATURE_MULTI_PROFILE_UKI | UK_LOADER_FEATURE_TYPE1_UKI | \
                            UK_LOADER_FEATURE_TYPE1_UKI_URL)

/* StubFeatures bits, set when ukiboot starts a UKI's kernel itself (it plays systemd-stub's part): it reports
 * the boot partition (LoaderDevicePartUUID), picks up credentials, sysexts and confexts, measures into PCRs 11,
 * 12 and 13, applies addons (their command lines and device trees) and the SMBIOS command-line extra, and
 * boots multi-profile UKIs. Not: random seed, stub partition, URL. */
#define UK_STUB_FEATURE_REPORT_BOOT_PARTITION     (1ULL << 0)
#define UK_STUB_FEATURE_PICK_UP_CREDENTIALS       (1ULL << 1)
#define UK_STUB_FEATURE_PICK_UP_SYSEXTS           (1ULL << 2)
#define UK_STUB_FEATURE_THREE_PCRS                (1ULL << 3)
#define UK_STUB_FEATURE_CMDLINE_ADDONS            (1ULL << 5)
#define UK_STUB_FEATURE_CMDLINE_SMBIOS            (1ULL << 6)
#define UK_STUB_FEATURE_DEVICETREE_ADDONS         (1ULL << 7)
#define UK_STUB_FEATURE_PICK_UP_CONFEXTS          (1ULL << 8)
#define UK_STUB_FEATURE_MULTI_PROFILE_UKI         (1ULL << 9)
#define UK_STUB_FEATURES (UK_STUB_FEATURE_REPORT_BOOT_PARTITION | UK_STUB_FEATURE_PICK_UP_CREDENTIALS | \
                          UK_STUB_FEATURE_PICK_UP_SYSEXTS | UK_STUB_FEATURE_THREE_PCRS | \
                          UK_STUB_FEATURE_CMDLINE_ADDONS | UK_STUB_FEATURE_CMDLINE_SMBIOS | \
                          UK_STUB_FEATURE_DEVICETREE_ADDONS | \
                          UK_STUB_FEATURE_PICK_UP_CONFEXTS | \
                          UK_STUB_FEATURE_MULTI_PROFILE_UKI)
