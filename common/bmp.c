/* ukiboot — BMP decoding for .splash (see bmp.h). Every offset comes from untrusted bytes: checked with
 * subtraction against the length before it is used. */
#include "bmp.h"
#include "util.h"

#define FILE_HEADER 14
#define INFO_HEADER_MIN 40
#define BI_RGB 0

static uint32_t le16(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8;
}
static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

uk_err uk_bmp_parse(const uint8_t *data, size_t len, struct uk_bmp *ret) {
        struct uk_bmp b = { 0 };

        if (!data || !ret)
                return UK_E_INVALID_ARG;
        if (len < FILE_HEADER + INFO_HEADER_MIN || data[0] != 'B' || data[1] != 'M')
                return UK_E_SYNTAX;
        uint32_t off = le32(data + 10), info = le32(data + 14);
        int32_t w = (int32_t) le32(data + 18), h = (int32_t) le32(data + 22);
        uint32_t planes = le16(data + 26), compression = le32(data + 30), used = le32(data + 46);
        b.depth = (uint16_t) le16(data + 28);
        if (info < INFO_HEADER_MIN || info > len - FILE_HEADER || planes != 1 || compression != BI_RGB)
                return UK_E_SYNTAX;
        if (b.depth != 1 && b.depth != 4 && b.depth != 8 && b.depth != 24 && b.depth != 32)
                return UK_E_SYNTAX;
        if (w <= 0 || (uint32_t) w > UK_BMP_DIM_MAX || h == 0 || h == INT32_MIN)
                return UK_E_SYNTAX;
        b.width = (uint32_t) w;
        b.top_down = h < 0;
        b.height = (uint32_t) (h < 0 ? -h : h);
        if (b.height > UK_BMP_DIM_MAX)
                return UK_E_SYNTAX;
        b.row_size = ((uint64_t) b.width * b.depth + 31) / 32 * 4;
        if (b.depth <= 8) {
                b.colours = used ? used : 1u << b.depth;
                if (b.colours > 1u << b.depth)
                        return UK_E_SYNTAX;
                b.palette = FILE_HEADER + (uint64_t) info;
                if (b.palette > len || (uint64_t) b.colours * 4 > len - b.palette)
                        return UK_E_SYNTAX;
        }
        b.pixels = off;
        /* All rows inside the data: height * row_size fits 64 bits (both are bounded above). */
        if (b.pixels > len || b.row_size * b.height > len - b.pixels)
                return UK_E_SYNTAX;
        *ret = b;
        return UK_OK;
}

uk_err uk_bmp_row(const struct uk_bmp *b, const uint8_t *data, size_t len, uint32_t y, uint32_t *ret_row) {
        if (!b || !data || !ret_row || y >= b->height)
                return UK_E_INVALID_ARG;
        uint32_t stored = b->top_down ? y : b->height - 1 - y;
        uint64_t at = b->pixels + (uint64_t) stored * b->row_size;
        if (at > len || b->row_size > len - at)
                return UK_E_SYNTAX;
        const uint8_t *row = data + at;
        for (uint32_t x = 0; x < b->width; x++) {
                uint32_t px;
                if (b->depth >= 24) {
                        const uint8_t *p = row + (uint64_t) x * (b->depth / 8);
                        px = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16;
                        if (b->depth == 32) {
                                /* Alpha over the black the screen was filled with, as systemd blends it. */
                                uint32_t a = p[3];
                                px = (uint32_t) p[0] * a / 255 | ((uint32_t) p[1] * a / 255) << 8 |
                                     ((uint32_t) p[2] * a / 255) << 16;
                        }
                } else {
                        uint64_t bit = (uint64_t) x * b->depth;
                        uint32_t idx = (row[bit / 8] >> (8 - b->depth - bit % 8)) & ((1u << b->depth) - 1);
                        const uint8_t *c = data + b->palette + (uint64_t) idx * 4;
                        px = idx < b->colours ? (uint32_t) c[0] | (uint32_t) c[1] << 8 | (uint32_t) c[2] << 16 : 0;
                }
                ret_row[x] = px;
        }
        return UK_OK;
}
