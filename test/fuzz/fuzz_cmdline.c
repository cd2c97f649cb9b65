/* ukiboot — fuzz the command-line policy: any .cmdline bytes, options, append, Secure Boot, limit.
 *
 * Input: byte 0 = flags (bit0 Secure Boot, bit1 has .cmdline, bit2 has options, bit3 has append),
 * bytes 1-2 = max_len (le16), then .cmdline, options and append separated by 0xff bytes. Invariants the
 * policy promises are checked, not just "does not crash". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"

static char uki[8192], opts[8192], app[8192];

static const uint8_t *split(const uint8_t *p, const uint8_t *end, char *out, size_t *ret_len) {
        size_t n = 0;
        while (p < end && *p != 0xff && n < 8191)
                out[n++] = (char) *p++;
        out[n] = 0;
        *ret_len = n;
        return p < end ? p + 1 : p;
}

static bool blank(uint8_t c) {
        return c <= 0x20 || c == 0x7f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 3)
                return 0;
        uint8_t flags = data[0];
        size_t max_len = (size_t) data[1] | ((size_t) data[2] << 8);
        const uint8_t *p = data + 3, *end = data + size;
        size_t uki_len, opts_len, app_len;
        p = split(p, end, uki, &uki_len);
        p = split(p, end, opts, &opts_len);
        split(p, end, app, &app_len);

        struct uk_cmdline_in in = {
                .uki_cmdline = uki, .uki_cmdline_len = uki_len, .uki_has_cmdline = flags & 2,
                .entry_options = opts, .has_entry_options = flags & 4,
                .append = flags & 8 ? app : NULL,
                .secure_boot = flags & 1, .max_len = max_len,
        };
        static char out[4096];
        size_t len = 0;
        unsigned notes = 0;
        uk_err r = uk_cmdline_merge(&in, out, (flags & 0x10) ? 64 : sizeof(out), &len, &notes);
        if (r != UK_OK) {
                if (r != UK_E_CMDLINE_TOO_LONG && r != UK_E_BUFFER_TOO_SMALL)
                        abort();
                return 0;
        }
        size_t limit = max_len ? max_len : 2047;
        if (len > limit || strlen(out) != len)
                abort();
        for (size_t i = 0; i < len; i++)
                if ((uint8_t) out[i] < 0x20 || (uint8_t) out[i] == 0x7f)
                        abort();
        if (len > 0 && (blank((uint8_t) out[0]) || blank((uint8_t) out[len - 1])))
                abort();
        /* Under Secure Boot with an embedded .cmdline the result is the normalised .cmdline, always. */
        if ((flags & 1) && (flags & 2)) {
                static char base[8192];
                memcpy(base, uki, uki_len);
                size_t bl = uk_cmdline_normalize(base, uki_len);
                if (bl != len || memcmp(base, out, len) != 0)
                        abort();
        }
        /* Without Secure Boot nothing is dropped; provenance bits are recorded only for parts that made it in. */
        if (!(flags & 1) && (notes & UK_CMDLINE_NOTES_DROPPED) != 0)
                abort();
        if ((notes & UK_CMDLINE_NOTES_FROM) && len == 0)
                abort();
        /* Normalising twice changes nothing. */
        static char again[4096];
        memcpy(again, out, len);
        if (uk_cmdline_normalize(again, len) != len || memcmp(again, out, len) != 0)
                abort();
        return 0;
}
