/* ukiboot EFI — finding the SMBIOS structure table (see smbios_table.h); common/smbios.c reads the entry point. */
#include "smbios_table.h"
#include "util.h"
#include "smbios.h"

static const EFI_GUID smbios3_guid = { 0xf2fd1544, 0x9794, 0x4a2c, { 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 } };
static const EFI_GUID smbios2_guid = { 0xeb9d2d31, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };

bool efi_smbios_table(const uint8_t **ret, size_t *ret_len) {
        static const struct { const EFI_GUID *guid; bool v3; size_t ep_len; } kinds[] = {
                { &smbios3_guid, true, 24 },
                { &smbios2_guid, false, 31 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(kinds); i++) {
                const uint8_t *ep = efi_config_table(kinds[i].guid);
                uint64_t address, length;
                if (!ep || uk_smbios_entry_point(ep, kinds[i].ep_len, kinds[i].v3, &address, &length) != UK_OK ||
                    address == 0 || length == 0 || address > UINTPTR_MAX)
                        continue;
                *ret = (const uint8_t *) (uintptr_t) address;
                *ret_len = (size_t) length;
                return true;
        }
        return false;
}
