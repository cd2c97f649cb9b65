/* ukiboot — unit tests of the .splash BMP decoder (common/bmp.c): byte-exact images of every depth, both row
 * orders, and malformed headers refused before a pixel is read. */
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include "bmp.h"

static uint8_t img[4096];

/* A BMP with a 40-byte info header: w x h (h < 0: top-down), depth, palette of n colours, pixel rows. */
static size_t make(int32_t w, int32_t h, uint16_t depth, const uint8_t *pal, uint32_t n, const uint8_t *rows,
                   size_t rows_len) {
        size_t off = 14 + 40 + n * 4;
        memset(img, 0, sizeof(img));
        img[0] = 'B', img[1] = 'M';
        memcpy(img + 10, &(uint32_t) { (uint32_t) off }, 4);
        memcpy(img + 14, &(uint32_t) { 40 }, 4);
        memcpy(img + 18, &w, 4);
        memcpy(img + 22, &h, 4);
        img[26] = 1;
        memcpy(img + 28, &depth, 2);
        memcpy(img + 46, &n, 4);
        if (n)
                memcpy(img + 54, pal, n * 4);
        memcpy(img + off, rows, rows_len);
        return off + rows_len;
}

static void test_depths(void) {
        struct uk_bmp b;
        uint32_t row[4];
        /* 24 bits, 2x2, bottom-up: stored rows are bottom first, each padded to 8 bytes. */
        static const uint8_t rgb[] = { 1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0 };
        size_t len = make(2, 2, 24, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "24-bit");
        CHECK(b.width == 2 && b.height == 2 && !b.top_down && b.row_size == 8, "geometry");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "top row");
        CHECK(row[0] == 0x090807 && row[1] == 0x0c0b0a, "top row is the last stored: %x %x", row[0], row[1]);
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 1, row), UK_OK, "bottom row");
        CHECK(row[0] == 0x030201 && row[1] == 0x060504, "bottom row");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 2, row), UK_E_INVALID_ARG, "past the last row");

        /* 8 bits, palette of 3, 3x1 top-down; index 7 is past the table: black. */
        static const uint8_t pal[] = { 0x10, 0x20, 0x30, 0, 0x40, 0x50, 0x60, 0, 0x70, 0x80, 0x90, 0 };
        static const uint8_t idx[] = { 2, 0, 7, 0 };
        len = make(3, -1, 8, pal, 3, idx, sizeof(idx));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "8-bit");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "row");
        CHECK(row[0] == 0x908070 && row[1] == 0x302010 && row[2] == 0, "palette lookups");

        /* 1 bit, 3x1: bits from the most significant. */
        static const uint8_t two[] = { 0, 0, 0, 0, 0xff, 0xff, 0xff, 0 };
        static const uint8_t bits[] = { 0xa0, 0, 0, 0 };
        len = make(3, 1, 1, two, 2, bits, sizeof(bits));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "1-bit");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "row");
        CHECK(row[0] == 0xffffff && row[1] == 0 && row[2] == 0xffffff, "1 0 1");

        /* 4 bits and 32 bits. */
        static const uint8_t nib[] = { 0x10, 0, 0, 0 };
        len = make(2, 1, 4, two, 2, nib, sizeof(nib));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "4-bit");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "row");
        CHECK(row[0] == 0xffffff && row[1] == 0, "1 0");
        static const uint8_t argb[] = { 1, 2, 3, 0xff };
        len = make(1, 1, 32, NULL, 0, argb, sizeof(argb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "32-bit");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "row");
        CHECK_EQ_INT(row[0], 0x030201, "opaque");
        static const uint8_t half[] = { 200, 100, 50, 128 };
        len = make(1, 1, 32, NULL, 0, half, sizeof(half));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_OK, "32-bit, half transparent");
        CHECK_EQ_INT(uk_bmp_row(&b, img, len, 0, row), UK_OK, "row");
        CHECK_EQ_INT(row[0], (50u * 128 / 255) << 16 | (100u * 128 / 255) << 8 | 200u * 128 / 255, "blended over black");
}

static void test_malformed(void) {
        struct uk_bmp b;
        static const uint8_t rgb[] = { 1, 2, 3, 0 };
        size_t len = make(1, 1, 24, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len - 1, &b), UK_E_SYNTAX, "rows past the end");
        CHECK_EQ_INT(uk_bmp_parse(img, 20, &b), UK_E_SYNTAX, "short header");
        img[0] = 'X';
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "not BM");
        len = make(1, 1, 16, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "16 bits");
        len = make(1, 1, 24, NULL, 0, rgb, sizeof(rgb));
        img[30] = 1;
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "RLE");
        len = make(0, 1, 24, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "zero width");
        len = make(1, INT32_MIN, 24, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "height INT32_MIN");
        len = make(20000, 1, 24, NULL, 0, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "wider than any screen");
        static const uint8_t pal[12] = { 0 };
        len = make(1, 1, 1, pal, 3, rgb, sizeof(rgb));
        CHECK_EQ_INT(uk_bmp_parse(img, len, &b), UK_E_SYNTAX, "3 colours for 1 bit");
}

int main(void) {
        unit_suite = "bmp";
        test_depths();
        test_malformed();
        return unit_finish();
}
