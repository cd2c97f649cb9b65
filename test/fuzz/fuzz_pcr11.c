/* ukiboot — fuzz the PCR 11 measurement list: stub generation from .sdmagic, then the measured sections of
 * every profile, for both generations; every item must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include "uki.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_pcr11_item items[_UK_SEC_MAX];
        static struct uk_uki uki;
        struct uk_source src;

        uk_source_from_memory(&src, data, size);
        if (uk_uki_parse(&src, &uki) != UK_OK)
                return 0;
        enum uk_stub_gen g;
        if (uk_uki_stub_gen(&src, &uki, &g) != UK_OK || (g != UK_STUB_GEN_252 && g != UK_STUB_GEN_253))
                abort();
        for (unsigned p = 0; p < uk_uki_profile_count(&uki); p++)
                for (int gen = UK_STUB_GEN_252; gen <= UK_STUB_GEN_253; gen++) {
                        unsigned n = 0;
                        if (uk_uki_pcr11_items(&uki, p, (enum uk_stub_gen) gen, items, &n) != UK_OK)
                                abort();
                        if (n > _UK_SEC_MAX)
                                abort();
                        for (unsigned i = 0; i < n; i++) {
                                if (!uk_range_ok(items[i].offset, items[i].length, size))
                                        abort();
                                if (items[i].length == 0 && items[i].zero_fill == 0)
                                        abort();
                                if (i > 0 && items[i].sec == items[i - 1].sec)
                                        abort();
                        }
                }
        return 0;
}
