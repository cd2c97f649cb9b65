/* ukiboot — fuzz os-release parsing: get (several keys and capacities), foreach and title. Checks that
 * outputs are NUL-terminated inside their buffers and that get agrees with the last foreach delivery. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "osrel.h"
#include "util.h"

static const char *const keys[] = { "ID", "NAME", "PRETTY_NAME", "VERSION", "VERSION_ID", "TITLE", "A" };

struct last {
        const char *key;
        char val[512];
        bool seen;
};

static bool key_ok(const char *k, size_t n) {
        if (n == 0 || !(uk_isalpha(k[0]) || k[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(uk_isalpha(k[i]) || uk_isdigit(k[i]) || k[i] == '_'))
                        return false;
        return true;
}

static uk_err cb(void *ctx, const char *key, size_t key_len, const char *val) {
        struct last *l = ctx;
        if (!key_ok(key, key_len) || strlen(val) >= 512)
                abort();
        if (strlen(l->key) == key_len && memcmp(l->key, key, key_len) == 0) {
                strcpy(l->val, val);
                l->seen = true;
        }
        return UK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        static char out[512], scratch[512];
        uk_err r;

        for (size_t i = 0; i < UK_ELEMENTSOF(keys); i++) {
                struct last l = { .key = keys[i] };
                size_t caps[] = { 0, 1, 8, sizeof(out) };

                for (size_t c = 0; c < UK_ELEMENTSOF(caps); c++) {
                        memset(out, 0x7f, sizeof(out));
                        r = uk_osrel_get(text, size, keys[i], out, caps[c]);
                        if (r == UK_OK && (memchr(out, 0, caps[c]) == NULL))
                                abort();
                        if (r != UK_OK && caps[c] > 0 && (uint8_t) out[0] != 0x7f)
                                abort();        /* written on failure */
                        if (r != UK_OK && r != UK_E_NOT_FOUND && r != UK_E_SYNTAX && r != UK_E_BUFFER_TOO_SMALL)
                                abort();
                }

                r = uk_osrel_foreach(text, size, scratch, sizeof(scratch), cb, &l);
                if (r != UK_OK && r != UK_E_BUFFER_TOO_SMALL)
                        abort();
                if (r == UK_OK) {
                        r = uk_osrel_get(text, size, keys[i], out, sizeof(out));
                        /* A successful get is the last well-formed assignment foreach delivered. */
                        if (r == UK_OK && (!l.seen || strcmp(out, l.val) != 0))
                                abort();
                        if (r == UK_E_NOT_FOUND && l.seen)
                                abort();
                }
        }

        memset(out, 0x7f, sizeof(out));
        r = uk_osrel_title(text, size, out, sizeof(out));
        if (r == UK_OK && (memchr(out, 0, sizeof(out)) == NULL || out[0] == 0))
                abort();
        r = uk_osrel_title(text, size, out, 4);
        if (r == UK_OK && memchr(out, 0, 4) == NULL)
                abort();
        return 0;
}
