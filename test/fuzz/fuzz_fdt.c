/* ukiboot — fuzz uk_fdt_set_chosen: any input is either refused or rewritten into a tree that fits the size
 * bound, and rewriting that output again gives the same bytes (the output is itself a valid tree). And
 * uk_fdt_first_compatible: a string it finds is NUL-terminated, non-empty and inside the input; the rewritten
 * tree keeps it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include "fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct uk_fdt_chosen c = { "console=ttyAMA0 panic=-1", true, 0x44000000, 0x441c3e01 };
        size_t cap = uk_fdt_set_chosen_size(size, c.bootargs), len = 0, len2 = 0;
        uint8_t *out = malloc(cap), *again;

        if (!out)
                return 0;
        struct uk_source src;
        char compat[128], compat2[128];
        size_t cl = 0, cl2 = 0;
        uk_source_from_memory(&src, data, size);
        bool have = uk_fdt_first_compatible(&src, 0, size, compat, sizeof(compat), &cl) == UK_OK;
        if (have && (cl == 0 || cl >= sizeof(compat) || compat[cl] != 0 || !memmem(data, size, compat, cl + 1)))
                abort();
        if (uk_fdt_set_chosen(data, size, &c, out, cap, &len) == UK_OK) {
                struct uk_source o;
                uk_source_from_memory(&o, out, len);
                if (have && (uk_fdt_first_compatible(&o, 0, len, compat2, sizeof(compat2), &cl2) != UK_OK || cl2 != cl ||
                             memcmp(compat, compat2, cl) != 0))
                        abort();
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
