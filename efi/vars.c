/* ukiboot EFI — Boot Loader Interface variables and UkibootPlan. */
#include "vars.h"
#include "timeout.h"
#include "text.h"
#include "bli.h"
#include "secureboot.h"
#include "util.h"

static EFI_GUID loader_guid = LOADER_GUID;
static EFI_GUID ukiboot_guid = UKIBOOT_GUID;

/* Volatile: these describe this boot only, like systemd-boot's. */
#define ATTR_VOLATILE (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

static EFI_STATUS set_str16(const CHAR16 *name, const CHAR16 *value) {
        return RT->SetVariable((CHAR16 *) name, &loader_guid, ATTR_VOLATILE, StrSize(value), (void *) value);
}

EFI_STATUS vars_set_str(const CHAR16 *name, const char *value) {
        CHAR16 *v = xstr8_to_16(value, uk_strlen(value));
        EFI_STATUS s;
        if (!v)
                return EFI_OUT_OF_RESOURCES;
        s = set_str16(name, v);
        FreePool(v);
        return s;
}

EFI_STATUS vars_read_str(const CHAR16 *name, char *buf, size_t cap) {
        CHAR16 tmp[256];
        UINTN size = sizeof(tmp) - sizeof(CHAR16);
        UINT32 attr;
        EFI_STATUS s = RT->GetVariable((CHAR16 *) name, &loader_guid, &attr, &size, tmp);
        /* Too long for any value we use, odd-sized, empty or not ASCII: set, but to nothing we can use. */
        if (s == EFI_BUFFER_TOO_SMALL)
                return EFI_NOT_FOUND;
        if (EFI_ERROR(s))
                return s;
        if (size % 2 != 0)
                return EFI_NOT_FOUND;
        tmp[size / 2] = 0;
        return str16_to_8(tmp, size / 2, buf, cap) && buf[0] != 0 ? EFI_SUCCESS : EFI_NOT_FOUND;
}

bool vars_get_str(const CHAR16 *name, char *buf, size_t cap) {
        return vars_read_str(name, buf, cap) == EFI_SUCCESS;
}

void vars_delete(const CHAR16 *name) {
        RT->SetVariable((CHAR16 *) name, &loader_guid, 0, 0, NULL);
}

EFI_STATUS vars_save_default(const char *id) {
        CHAR16 *v;
        EFI_STATUS s;
        if (!id) {
                vars_delete(L"LoaderEntryDefault");
                return EFI_SUCCESS;
        }
        v = xstr8_to_16(id, uk_strlen(id));
        if (!v)
                return EFI_OUT_OF_RESOURCES;
        s = RT->SetVariable(L"LoaderEntryDefault", &loader_guid,
                            EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS,
                            StrSize(v), v);
        FreePool(v);
        return s;
}

EFI_STATUS vars_save_timeout(uint64_t timeout) {
        char num[24];
        struct uk_text t;
        if (timeout == UK_TIMEOUT_UNSET) {
                vars_delete(L"LoaderConfigTimeout");
                return EFI_SUCCESS;
        }
        /* As bootctl set-timeout writes it: decimal seconds, menu-force as 4294967295, menu-hidden as 0. */
        uk_text_init(&t, num, sizeof(num));
        uk_text_add_u64(&t, timeout);
        CHAR16 *v = xstr8_to_16(num, uk_strlen(num));
        if (!v)
                return EFI_OUT_OF_RESOURCES;
        EFI_STATUS s = RT->SetVariable(L"LoaderConfigTimeout", &loader_guid,
                                       EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
                                               EFI_VARIABLE_RUNTIME_ACCESS,
                                       StrSize(v), v);
        FreePool(v);
        return s;
}

void vars_apply_last_booted(enum uk_last_booted action, const char *id) {
        CHAR16 *v;
        if (action == UK_LAST_BOOTED_FORGET)
                vars_delete(L"LoaderEntryLastBooted");
        if (action != UK_LAST_BOOTED_SAVE || !(v = xstr8_to_16(id, uk_strlen(id))))
                return;
        /* Non-volatile: `default @saved` reads it on the next boot. Not rewritten when unchanged (flash). */
        char cur[UK_PATH_MAX];
        if (!vars_get_str(L"LoaderEntryLastBooted", cur, sizeof(cur)) || uk_strcmp(cur, id) != 0)
                RT->SetVariable(L"LoaderEntryLastBooted", &loader_guid,
                                EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS,
                                StrSize(v), v);
        FreePool(v);
}

/* A small global variable's bytes into buf; 0 when absent or larger than buf. */
static size_t get_global_small(CHAR16 *name, UINT8 *buf, UINTN cap) {
        UINTN size = cap;
        UINT32 attr;
        return EFI_ERROR(RT->GetVariable(name, &gEfiGlobalVariableGuid, &attr, &size, buf)) ? 0 : size;
}

bool vars_secure_boot(void) {
        UINT8 sb[4] = {}, setup[4] = {};
        size_t sb_len = get_global_small(L"SecureBoot", sb, sizeof(sb));
        size_t setup_len = get_global_small(L"SetupMode", setup, sizeof(setup));
        /* The rule lives in common/ so linux/ukiboot reads the same variables the same way. */
        return uk_secure_boot_enforced(sb, sb_len, setup, setup_len);
}

size_t vars_sbat_level(char *buf, size_t cap) {
        /* shim's variable GUID (SBAT.md): SbatLevel is boot-services only, shim mirrors it as SbatLevelRT. */
        static EFI_GUID shim_guid = { 0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 } };
        UINTN size = cap;
        UINT32 attr;
        return EFI_ERROR(RT->GetVariable(L"SbatLevel", &shim_guid, &attr, &size, buf)) ? 0 : size;
}

bool vars_part_uuid(EFI_HANDLE device, CHAR16 ret[37]) {
        EFI_DEVICE_PATH *dp = DevicePathFromHandle(device);
        for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
                if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_HARDDRIVE_DP)
                        continue;
                HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *) dp;
                if (hd->SignatureType != SIGNATURE_TYPE_GUID)
                        continue;
                /* Text form: Data1-Data2-Data3 as little-endian integers, Data4 as bytes; upper case like
                 * systemd-boot writes it (readers parse either case). */
                static const char hex[] = "0123456789ABCDEF";
                static const int8_t order[16] = { 3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11 };
                const uint8_t *b = hd->Signature;
                size_t o = 0;
                for (size_t i = 0; i < UK_ELEMENTSOF(order); i++) {
                        if (order[i] < 0) {
                                ret[o++] = '-';
                                continue;
                        }
                        ret[o++] = hex[b[order[i]] >> 4];
                        ret[o++] = hex[b[order[i]] & 15];
                }
                for (size_t i = 12; i < 16; i++) {
                        ret[o++] = hex[b[i] >> 4];
                        ret[o++] = hex[b[i] & 15];
                }
                ret[o] = 0;
                return true;
        }
        return false;
}

static void set_usec(const CHAR16 *name, uint64_t usec) {
        char buf[24];
        if (usec == 0)
                return;         /* no calibrated clock: better absent than wrong */
        if (uk_fmt_u64(buf, sizeof(buf), usec) == 0)
                return;
        vars_set_str(name, buf);
}

void vars_set_startup(EFI_LOADED_IMAGE *image, uint64_t init_usec) {
        CHAR16 buf[128];
        CHAR16 uuid[37];
        uint64_t features = UK_LOADER_FEATURES;

        set_usec(L"LoaderTimeInitUSec", init_usec);
        vars_set_str(L"LoaderInfo", ukiboot_id);
        SPrint(buf, sizeof(buf), L"%s %d.%02d", ST->FirmwareVendor ? ST->FirmwareVendor : L"unknown",
               ST->FirmwareRevision >> 16, ST->FirmwareRevision & 0xffff);
        set_str16(L"LoaderFirmwareInfo", buf);
        SPrint(buf, sizeof(buf), L"UEFI %d.%02d", ST->Hdr.Revision >> 16, ST->Hdr.Revision & 0xffff);
        set_str16(L"LoaderFirmwareType", buf);
        RT->SetVariable(L"LoaderFeatures", &loader_guid, ATTR_VOLATILE, sizeof(features), &features);
        if (image) {
                if (vars_part_uuid(image->DeviceHandle, uuid))
                        set_str16(L"LoaderDevicePartUUID", uuid);
                CHAR16 *id = image->FilePath ? DevicePathToStr(image->FilePath) : NULL;
                if (id) {
                        set_str16(L"LoaderImageIdentifier", id);
                        FreePool(id);
                }
        }
}

void vars_set_entries(const struct uk_entry *entries, size_t n) {
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
                total += uk_strlen(entries[i].id) + 1;
        if (total == 0)
                return;
        CHAR16 *buf = AllocatePool(total * sizeof(CHAR16));
        if (!buf)
                return;
        CHAR16 *p = buf;
        for (size_t i = 0; i < n; i++) {
                for (const char *c = entries[i].id; *c; c++)
                        *p++ = (unsigned char) *c < 0x80 ? (CHAR16) *c : '?';
                *p++ = 0;
        }
        RT->SetVariable(L"LoaderEntries", &loader_guid, ATTR_VOLATILE, total * sizeof(CHAR16), buf);
        FreePool(buf);
}

void vars_set_exec(const struct uk_entry *e, const struct uk_plan *plan) {
        if (e)
                vars_set_str(L"LoaderEntrySelected", e->id);
        if (plan) {
                uint64_t features = UK_STUB_FEATURES;
                vars_set_str(L"StubInfo", ukiboot_id);
                RT->SetVariable(L"StubFeatures", &loader_guid, ATTR_VOLATILE, sizeof(features), &features);
        }
        if (plan && plan->kernel.source == UK_PIECE_UKI) {
                /* The profile booted, in decimal, as the v257+ stub says it (also 0). */
                char digits[12];
                digits[uk_fmt_u64(digits, sizeof(digits) - 1, plan->profile)] = 0;
                vars_set_str(L"StubProfile", digits);
        }
        set_usec(L"LoaderTimeExecUSec", timer_usec());
}

void vars_set_plan(const char *canonical, size_t len) {
        RT->SetVariable(L"UkibootPlan", &ukiboot_guid, ATTR_VOLATILE, len, (void *) canonical);
}

void vars_set_content(const char *text, size_t len) {
        RT->SetVariable(L"UkibootContent", &ukiboot_guid, ATTR_VOLATILE, len, (void *) text);
}
