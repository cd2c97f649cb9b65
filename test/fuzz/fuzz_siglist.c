/* ukiboot — fuzz the EFI_SIGNATURE_LIST parser: any bytes as the data of db/dbx/MokList. Every signature
 * returned must lie inside the input and come after its list header, the walk must end, and uk_siglist_find
 * must agree with a walk done here (found before any damage: UK_OK; else the walk's end: NOT_FOUND/SYNTAX). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "siglist.h"

/* Each signature takes at least 17 bytes (16-byte owner + 1), so a walk yields at most size / 17. */
#define MIN_SIG 17u

static uk_err expected_find(const uint8_t *data, size_t size, enum uk_sig_type type, const uint8_t *v, size_t vlen) {
        struct uk_siglist_cursor c = {};
        struct uk_sig s;
        uk_err r;

        while ((r = uk_siglist_next(data, size, &c, &s)) == UK_OK)
                if (s.type == type && s.len == vlen && memcmp(s.data, v, vlen) == 0)
                        return UK_OK;
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_siglist_cursor c = {};
        struct uk_sig s, first = { 0 }, last = { 0 };
        size_t n = 0;
        uk_err r;

        while ((r = uk_siglist_next(data, size, &c, &s)) == UK_OK) {
                if (s.data < data + 28 + 16 || s.len == 0 || s.data > data + size ||
                    s.len > (size_t) (data + size - s.data))
                        abort();
                if (s.type != UK_SIG_OTHER && s.type != UK_SIG_SHA256 && s.type != UK_SIG_X509 &&
                    s.type != UK_SIG_X509_SHA256)
                        abort();
                /* The cursor points at a list header that holds this signature. */
                if (c.list > size || size - c.list < 28 || s.data < data + c.list + 28 + 16)
                        abort();
                volatile uint8_t sink = s.data[0] ^ s.data[s.len - 1];     /* ASan: the bytes are readable */
                (void) sink;
                if (n == 0)
                        first = s;
                last = s;
                if (++n > size / MIN_SIG)
                        abort();
        }
        if (r != UK_E_NOT_FOUND && r != UK_E_SYNTAX)
                abort();
        /* The end repeats. */
        if (uk_siglist_next(data, size, &c, &s) != r)
                abort();

        /* find: signatures the walk returned are found, whatever follows them. */
        if (n > 0) {
                if (uk_siglist_find(data, size, first.type, first.data, first.len) != UK_OK)
                        abort();
                if (uk_siglist_find(data, size, last.type, last.data, last.len) != UK_OK)
                        abort();
        }
        /* find: arbitrary values from the input (a 32-byte digest, the first bytes), against the walk. */
        static const enum uk_sig_type types[] = { UK_SIG_SHA256, UK_SIG_X509, UK_SIG_X509_SHA256, UK_SIG_OTHER };
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
                size_t vlen = size < 32 ? size : 32;
                const uint8_t *v = size >= 32 ? data + size - 32 : data;
                uint8_t zero = 0;
                if (!v)
                        v = &zero;
                uk_err f = uk_siglist_find(data, size, types[t], v, vlen);
                if (f != expected_find(data, size, types[t], v, vlen))
                        abort();
                if (f == UK_E_NOT_FOUND && r == UK_E_SYNTAX)
                        abort();        /* a malformed list is never "absent" */
                if (f == UK_E_SYNTAX && r != UK_E_SYNTAX)
                        abort();
        }
        return 0;
}
