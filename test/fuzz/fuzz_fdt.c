/* ukiboot — fuzz uk_fdt_set_chosen: any input is either refused or rewritten into a tree that fits the size
 * bound, and rewriting that output again gives the same bytes (the output is itself a valid tree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct uk_fdt_chosen c = { "console=ttyAMA0 panic=-1", true, 0x44000000, 0x441c3e01 };
        size_t cap = uk_fdt_set_chosen_size(size, c.bootargs), len = 0, len2 = 0;
        uint8_t *out = malloc(cap), *again;

        if (!out)
                return 0;
        if (uk_fdt_set_chosen(data, size, &c, out, cap, &len) == UK_OK) {
                if (len > cap)
                        abort();
                size_t cap2 = uk_fdt_set_chosen_size(len, c.bootargs);
                again = malloc(cap2);
                if (!again)
                        abort();
                if (uk_fdt_set_chosen(out, len, &c, again, cap2, &len2) != UK_OK || len2 != len ||
                    memcmp(out, again, len) != 0)
                        abort();
                free(again);
        }
        free(out);
        return 0;
}
