/* ukiboot — SMBIOS OEM strings (see smbios.h). Walks untrusted firmware bytes: every step is bounded by
 * what is left of the table. */
#include "smbios.h"
#include "util.h"

#define SMBIOS_HEADER_LEN 4             /* type, length, handle (2) */
#define SMBIOS_TYPE_OEM_STRINGS 11
#define SMBIOS_TYPE_END 127
#define OEM_STRINGS_MIN_LEN 5           /* the header and the string count */

static uint64_t get_le(const uint8_t *p, unsigned n) {
        uint64_t v = 0;
        for (unsigned i = n; i > 0; i--)
                v = v << 8 | p[i - 1];
        return v;
}

uk_err uk_smbios_entry_point(const uint8_t *ep, size_t ep_len, bool smbios3, uint64_t *ret_address,
                             uint64_t *ret_length) {
        if (!ep || !ret_address || !ret_length)
                return UK_E_INVALID_ARG;
        if (smbios3) {
                /* anchor[5], checksum, length, major, minor, docrev, revision, reserved, max size (4), address (8) */
                if (ep_len < 24 || uk_memcmp(ep, "_SM3_", 5) != 0 || ep[6] > 24)
                        return UK_E_SYNTAX;
                *ret_length = get_le(ep + 12, 4);
                *ret_address = get_le(ep + 16, 8);
                return UK_OK;
        }
        /* anchor[4], checksum, length, major, minor, max structure (2), revision, formatted (5), "_DMI_",
         * checksum, table length (2), table address (4), count (2), BCD revision */
        if (ep_len < 31 || uk_memcmp(ep, "_SM_", 4) != 0 || ep[5] > 31)
                return UK_E_SYNTAX;
        *ret_length = get_le(ep + 22, 2);
        *ret_address = get_le(ep + 24, 4);
        return UK_OK;
}

/* Skip the string set that follows a structure's formatted part: up to and including the empty string
 * (two NULs for a structure without strings). False if the table ends first. */
static bool skip_strings(const uint8_t **p, size_t *left) {
        if (*left >= 2 && (*p)[0] == 0 && (*p)[1] == 0) {
                *p += 2;
                *left -= 2;
                return true;
        }
        for (;;) {
                const uint8_t *nul = uk_memchr(*p, 0, *left);
                if (!nul)
                        return false;
                size_t n = (size_t) (nul - *p) + 1;
                bool empty = nul == *p;
                *p += n;
                *left -= n;
                if (empty)
                        return true;
        }
}

uk_err uk_smbios_oem_string(const uint8_t *table, size_t len, const char *prefix, const char **ret,
                            size_t *ret_len) {
        const uint8_t *p = table;
        size_t left = len;

        if ((!table && len > 0) || !prefix || !ret || !ret_len)
                return UK_E_INVALID_ARG;
        for (;;) {
                if (left < SMBIOS_HEADER_LEN || p[0] == SMBIOS_TYPE_END || left < p[1])
                        return UK_E_NOT_FOUND;
                if (p[0] == SMBIOS_TYPE_OEM_STRINGS)
                        break;
                size_t skip = p[1];
                if (skip < SMBIOS_HEADER_LEN)
                        return UK_E_NOT_FOUND;  /* a length that cannot be: nothing after it can be trusted */
                p += skip;
                left -= skip;
                if (!skip_strings(&p, &left))
                        return UK_E_NOT_FOUND;
        }
        /* The first type 11 structure only. Its strings start after the count byte (systemd reads them
         * from there, and bounds the scan by what is left after the formatted part). */
        if (p[1] < OEM_STRINGS_MIN_LEN)
                return UK_E_NOT_FOUND;
        const uint8_t *s = p + OEM_STRINGS_MIN_LEN;
        size_t n = left - p[1], pl = uk_strlen(prefix);
        for (;;) {
                const uint8_t *nul = uk_memchr(s, 0, n);
                if (!nul || nul == s)
                        return UK_E_NOT_FOUND;
                size_t sl = (size_t) (nul - s);
                if (sl >= pl && uk_memcmp(s, prefix, pl) == 0) {
                        *ret = (const char *) s + pl;
                        *ret_len = sl - pl;
                        return UK_OK;
                }
                n -= sl + 1;
                s = nul + 1;
        }
}
