/* ukiboot — Windows BMP images, as a UKI's .splash carries them: the header checked, then pixels handed out
 * row by row in the firmware's Blt layout (blue, green, red, reserved), top row first. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define UK_BMP_DIM_MAX 16384u           /* wider or taller than any screen: refused */

struct uk_bmp {
        uint32_t width, height;
        bool top_down;                  /* rows stored top first (negative height) */
        uint16_t depth;                 /* bits per pixel: 1, 4, 8 (palette), 24, 32 */
        uint64_t pixels;                /* file offset of the first stored row */
        uint64_t row_size;              /* bytes per stored row, 4-aligned */
        uint64_t palette;               /* file offset of the colour table (depth <= 8) */
        uint32_t colours;               /* entries in it */
};

/* Check data[len] as an uncompressed BMP (BITMAPINFOHEADER or later, BI_RGB) whose rows all lie inside
 * data. UK_E_SYNTAX for anything else. */
uk_err uk_bmp_parse(const uint8_t *data, size_t len, struct uk_bmp *ret);

/* Row y (0: the top one) as width 32-bit pixels 0x00RRGGBB (in memory: blue, green, red, 0). A palette
 * index past the table is black; 32-bit pixels are blended by their alpha over black (the filled screen). */
uk_err uk_bmp_row(const struct uk_bmp *b, const uint8_t *data, size_t len, uint32_t y, uint32_t *ret_row);
