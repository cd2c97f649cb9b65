/* ukiboot — unit tests of the SMBIOS OEM-string lookup (common/smbios.c): byte-exact tables, the walk's
 * edges (no strings, truncation, bad lengths), only the first type 11 structure, and both entry points. */
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include "smbios.h"

#define EXTRA UK_SMBIOS_STUB_CMDLINE_EXTRA

/* A table: BIOS info (type 0, two strings), a structure without strings (type 32), OEM strings (type 11),
 * a second type 11, the end marker. */
static const uint8_t table[] =
        "\x00\x06\x00\x00\x01\x02" "vendor\0" "1.0\0" "\0"
        "\x20\x05\x01\x00\x00" "\0\0"
        "\x0b\x05\x02\x00\x03" "foo=bar\0" "io.systemd.boot.kernel-cmdline-extra=b=1\0"
                "io.systemd.stub.kernel-cmdline-extra= x=1\ty=2 \0" "\0"
        "\x0b\x05\x03\x00\x01" "io.systemd.stub.kernel-cmdline-extra=second\0" "\0"
        "\x7f\x04\x04\x00" "\0\0";

static void test_find(void) {
        const char *v = NULL;
        size_t vl = 0;
        CHECK_EQ_INT(uk_smbios_oem_string(table, sizeof(table) - 1, EXTRA, &v, &vl), UK_OK, "stub extra");
        CHECK(vl == 9 && memcmp(v, " x=1\ty=2 ", 9) == 0, "raw value, mangled later by the plan");
        CHECK_EQ_INT(uk_smbios_oem_string(table, sizeof(table) - 1, UK_SMBIOS_BOOT_CMDLINE_EXTRA, &v, &vl), UK_OK,
                     "boot extra");
        CHECK(vl == 3 && memcmp(v, "b=1", 3) == 0, "boot extra value");
        CHECK_EQ_INT(uk_smbios_oem_string(table, sizeof(table) - 1, "io.systemd.credential:", &v, &vl),
                     UK_E_NOT_FOUND, "absent prefix: the second type 11 is never looked at");
        CHECK_EQ_INT(uk_smbios_oem_string(table, sizeof(table) - 1, "foo=", &v, &vl), UK_OK, "first string");
        CHECK(vl == 3 && memcmp(v, "bar", 3) == 0, "foo=bar");
        CHECK_EQ_INT(uk_smbios_oem_string(NULL, 0, EXTRA, &v, &vl), UK_E_NOT_FOUND, "empty table");
        CHECK_EQ_INT(uk_smbios_oem_string(table, 10, NULL, &v, &vl), UK_E_INVALID_ARG, "no prefix");

        /* Every truncation ends the walk without reading past the end (ASan would say so). */
        for (size_t n = 0; n < sizeof(table) - 1; n++) {
                uint8_t *copy = malloc(n ? n : 1);
                memcpy(copy, table, n);
                uk_err r = uk_smbios_oem_string(copy, n, EXTRA, &v, &vl);
                CHECK(r == UK_E_NOT_FOUND || (r == UK_OK && v >= (const char *) copy && v + vl < (const char *) copy + n),
                      "truncated at %zu", n);
                free(copy);
        }
}

static void test_malformed(void) {
        const char *v;
        size_t vl;
        static const struct { const char *what; const uint8_t *t; size_t len; } bad[] = {
                { "type 11 shorter than its count byte", (const uint8_t *) "\x0b\x04\x00\x00" EXTRA "a\0\0", 4 + sizeof(EXTRA) + 2 },
                { "length over the table", (const uint8_t *) "\x0b\x40\x00\x00\x01", 5 },
                { "a length below the header", (const uint8_t *) "\x01\x02\x00\x00\0\0\x0b\x05\x00\x00\x01" EXTRA "a\0\0", 11 + sizeof(EXTRA) + 2 },
                { "strings without their end", (const uint8_t *) "\x01\x04\x00\x00" "abc", 7 },
                { "the end marker first", (const uint8_t *) "\x7f\x04\x00\x00\0\0\x0b\x05\x00\x00\x01" EXTRA "a\0\0", 11 + sizeof(EXTRA) + 2 },
                { "an empty string set ends the scan", (const uint8_t *) "\x0b\x05\x00\x00\x01\0" EXTRA "a\0\0", 6 + sizeof(EXTRA) + 2 },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK_EQ_INT(uk_smbios_oem_string(bad[i].t, bad[i].len, EXTRA, &v, &vl), UK_E_NOT_FOUND, "%s", bad[i].what);
}

static void test_entry_points(void) {
        uint8_t ep3[24] = "_SM3_";
        uint64_t a = 0, l = 0;
        ep3[6] = 24;
        ep3[12] = 0x34, ep3[13] = 0x12;                         /* maximum size 0x1234 */
        ep3[16] = 0x00, ep3[17] = 0x10, ep3[20] = 0x01;        /* address 0x100001000 */
        CHECK_EQ_INT(uk_smbios_entry_point(ep3, sizeof(ep3), true, &a, &l), UK_OK, "SMBIOS 3");
        CHECK(a == 0x100001000ULL && l == 0x1234, "SMBIOS 3 address and size");
        ep3[6] = 25;
        CHECK_EQ_INT(uk_smbios_entry_point(ep3, sizeof(ep3), true, &a, &l), UK_E_SYNTAX, "SMBIOS 3 length over 24");
        CHECK_EQ_INT(uk_smbios_entry_point(ep3, 23, true, &a, &l), UK_E_SYNTAX, "short SMBIOS 3 entry point");

        uint8_t ep2[31] = "_SM_";
        ep2[5] = 31;
        ep2[22] = 0x00, ep2[23] = 0x02;                         /* length 0x200 */
        ep2[24] = 0x00, ep2[25] = 0xf0, ep2[26] = 0x0e;        /* address 0xef000 */
        CHECK_EQ_INT(uk_smbios_entry_point(ep2, sizeof(ep2), false, &a, &l), UK_OK, "SMBIOS 2");
        CHECK(a == 0xef000 && l == 0x200, "SMBIOS 2 address and length");
        CHECK_EQ_INT(uk_smbios_entry_point(ep2, sizeof(ep2), true, &a, &l), UK_E_SYNTAX, "wrong anchor");
        CHECK_EQ_INT(uk_smbios_entry_point(NULL, 0, false, &a, &l), UK_E_INVALID_ARG, "NULL");
}

int main(void) {
        unit_suite = "smbios";
        test_find();
        test_malformed();
        test_entry_points();
        return unit_finish();
}
