/* ukiboot — fuzz the SMBIOS OEM-string lookup and the entry-point reader. The input is the structure table,
 * copied to a buffer of its exact size so any read past it is caught; the first byte also picks the prefix.
 * A string found must lie inside the table, right after the prefix, hold no NUL and end at one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smbios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const prefixes[] = { UK_SMBIOS_STUB_CMDLINE_EXTRA, UK_SMBIOS_BOOT_CMDLINE_EXTRA, "a", "" };
        const char *prefix = prefixes[size ? data[0] % 4 : 0];
        uint8_t *t = malloc(size ? size : 1);
        const char *v;
        size_t vl;
        uint64_t a, l;

        memcpy(t, data, size);
        if (uk_smbios_oem_string(t, size, prefix, &v, &vl) == UK_OK) {
                size_t pl = strlen(prefix);
                const uint8_t *s = (const uint8_t *) v - pl;
                if (s < t || (const uint8_t *) v + vl >= t + size || v[vl] != 0 || memcmp(s, prefix, pl) != 0 ||
                    memchr(v, 0, vl))
                        abort();
        }
        (void) uk_smbios_entry_point(t, size, true, &a, &l);
        (void) uk_smbios_entry_point(t, size, false, &a, &l);
        free(t);
        return 0;
}
