/* ukiboot — fuzz the PEM bundle converter: what it accepts must read back through the signature-list parser
 * as exactly the certificates it counted, each a DER SEQUENCE, and fill no more than it says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pem.h"
#include "siglist.h"

static uint8_t out[64 * 1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t len = 0;
        unsigned count = 0;
        size_t cap = size ? data[0] * 64u : sizeof(out);        /* small outputs too: the size checks */
        if (cap > sizeof(out))
                cap = sizeof(out);
        if (uk_pem_to_siglist((const char *) data, size, out, cap, &len, &count) != UK_OK)
                return 0;
        if (count == 0 || len > cap)
                abort();
        struct uk_siglist_cursor c = { 0 };
        struct uk_sig sig;
        unsigned seen = 0;
        while (uk_siglist_next(out, len, &c, &sig) == UK_OK) {
                if (sig.type != UK_SIG_X509 || sig.len < 2 || sig.data[0] != 0x30)
                        abort();
                seen++;
        }
        if (seen != count)
                abort();
        return 0;
}
