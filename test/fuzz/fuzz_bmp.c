/* ukiboot — fuzz the .splash BMP decoder: a parsed image must hand out every row without reading outside the
 * input (copied to a buffer of its exact size), and its geometry must fit the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint32_t row[UK_BMP_DIM_MAX];
        struct uk_bmp b;
        uint8_t *t = malloc(size ? size : 1);
        memcpy(t, data, size);
        if (uk_bmp_parse(t, size, &b) == UK_OK) {
                if (b.width == 0 || b.width > UK_BMP_DIM_MAX || b.height == 0 || b.height > UK_BMP_DIM_MAX)
                        abort();
                for (uint32_t y = 0; y < b.height && y < 64; y++)
                        if (uk_bmp_row(&b, t, size, y, row) != UK_OK)
                                abort();
        }
        free(t);
        return 0;
}
