/* ukiboot — uk_fdt_set_chosen: device trees written by hand (a tiny writer here, independent of common/fdt.c),
 * the output compared byte for byte with the tree we expect, written the same way; malformed trees refused. */
#include <stdint.h>
#include <stdbool.h>
#include "unit.h"
#include "fdt.h"
#include "devicetree.h"
#include "pe_builder.h"
#include "util.h"

/* ---- writer: a tree as a list of records; strings table given explicitly (its order is part of the bytes) ---- */
enum { B, E, P };       /* begin node, end node, property */
struct rec {
        int kind;
        const char *name;       /* node name, or property name (must be in the strings table) */
        const void *val;
        size_t len;
};
#define NODE(n) { B, n, NULL, 0 }
#define END { E, NULL, NULL, 0 }
#define PROP(n, v, l) { P, n, v, l }

static void be32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static size_t str_off(const char *const *strs, size_t n, const char *name) {
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
                if (strcmp(strs[i], name) == 0)
                        return off;
                off += strlen(strs[i]) + 1;
        }
        printf("FAIL: fdt: writer: %s not in strings\n", name);
        exit(1);
}

/* rsv: n_rsv (address, size) pairs. Returns the size written into out. */
static size_t write_fdt(uint8_t *out, size_t cap, const uint64_t *rsv, size_t n_rsv, const struct rec *r, size_t n,
                        const char *const *strs, size_t n_strs) {
        size_t pos = 40, st, sl;
        memset(out, 0, cap);
        for (size_t i = 0; i <= n_rsv; i++, pos += 16) {
                uint64_t a = i < n_rsv ? rsv[2 * i] : 0, s = i < n_rsv ? rsv[2 * i + 1] : 0;
                be32(out + pos, a >> 32), be32(out + pos + 4, (uint32_t) a);
                be32(out + pos + 8, s >> 32), be32(out + pos + 12, (uint32_t) s);
        }
        st = pos;
        for (size_t i = 0; i < n; i++) {
                if (r[i].kind == B) {
                        be32(out + pos, 1), pos += 4;
                        strcpy((char *) out + pos, r[i].name);
                        pos += (strlen(r[i].name) + 1 + 3) & ~3u;
                } else if (r[i].kind == E) {
                        be32(out + pos, 2), pos += 4;
                } else {
                        be32(out + pos, 3), be32(out + pos + 4, (uint32_t) r[i].len);
                        be32(out + pos + 8, (uint32_t) str_off(strs, n_strs, r[i].name));
                        memcpy(out + pos + 12, r[i].val, r[i].len);
                        pos += 12 + ((r[i].len + 3) & ~(size_t) 3);
                }
        }
        be32(out + pos, 9), pos += 4;
        sl = pos;
        for (size_t i = 0; i < n_strs; i++) {
                strcpy((char *) out + pos, strs[i]);
                pos += strlen(strs[i]) + 1;
        }
        be32(out, 0xd00dfeed), be32(out + 4, (uint32_t) pos), be32(out + 8, (uint32_t) st);
        be32(out + 12, (uint32_t) sl), be32(out + 16, 40), be32(out + 20, 17), be32(out + 24, 16);
        be32(out + 28, 0), be32(out + 32, (uint32_t) (pos - sl)), be32(out + 36, (uint32_t) (sl - st));
        (void) cap;
        return pos;
}

static const uint8_t reg[16] = { 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0 };
static const uint8_t old_start[4] = { 0x48, 0, 0, 0 };
static const uint8_t old_end[4] = { 0x48, 0x10, 0, 0 };
static const uint8_t seed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t new_start[8] = { 0, 0, 0, 0, 0x44, 0, 0, 0 };
static const uint8_t new_end[8] = { 0, 0, 0, 0, 0x44, 0x1c, 0x3e, 0x01 };
static const uint64_t rsv[] = { 0x49000000, 0x100000 };

static uint8_t in[4096], want[4096], got[4096], again[4096];

static void test_replace(void) {
        const char *const strs[] = { "reg", "bootargs", "kaslr-seed", "linux,initrd-start", "linux,initrd-end",
                                     "device_type", "stdout-path" };
        const struct rec tree[] = {
                NODE(""),
                NODE("memory@40000000"), PROP("device_type", "memory", 7), PROP("reg", reg, 16), END,
                NODE("chosen"),
                PROP("linux,initrd-end", old_end, 4), PROP("bootargs", "console=ttyAMA0 old", 20),
                PROP("kaslr-seed", seed, 8), PROP("linux,initrd-start", old_start, 4),
                PROP("stdout-path", "/pl011@9000000", 15),
                NODE("sub"), PROP("bootargs", "kept: not /chosen's own", 24), END,
                END,
                END,
        };
        /* Expected: /chosen keeps its other properties in order, its child node too, and gets the three new
         * properties after its own and before the child: the spec puts all properties before subnodes, and
         * libfdt (which the kernel reads /chosen with) stops at the first child, so a property written after
         * it would not exist for the next kernel. The strings table already had every name: unchanged. */
        const struct rec expect[] = {
                NODE(""),
                NODE("memory@40000000"), PROP("device_type", "memory", 7), PROP("reg", reg, 16), END,
                NODE("chosen"),
                PROP("kaslr-seed", seed, 8), PROP("stdout-path", "/pl011@9000000", 15),
                PROP("bootargs", "console=ttyAMA0 panic=-1", 25),
                PROP("linux,initrd-start", new_start, 8), PROP("linux,initrd-end", new_end, 8),
                NODE("sub"), PROP("bootargs", "kept: not /chosen's own", 24), END,
                END,
                END,
        };
        size_t in_len = write_fdt(in, sizeof(in), rsv, 1, tree, UK_ELEMENTSOF(tree), strs, UK_ELEMENTSOF(strs));
        size_t want_len = write_fdt(want, sizeof(want), rsv, 1, expect, UK_ELEMENTSOF(expect), strs, UK_ELEMENTSOF(strs));
        struct uk_fdt_chosen c = { "console=ttyAMA0 panic=-1", true, 0x44000000, 0x441c3e01 };
        size_t len = 0, len2 = 0;

        CHECK_EQ_INT(uk_fdt_set_chosen(in, in_len, &c, got, sizeof(got), &len), UK_OK, "replace");
        CHECK_EQ_INT(len, want_len, "replace: length");
        CHECK(len == want_len && memcmp(got, want, len) == 0, "replace: bytes equal the expected tree");
        CHECK(len <= uk_fdt_set_chosen_size(in_len, c.bootargs), "size bound");

        /* Applying it to its own output changes nothing. */
        CHECK_EQ_INT(uk_fdt_set_chosen(got, len, &c, again, sizeof(again), &len2), UK_OK, "again");
        CHECK(len2 == len && memcmp(again, got, len) == 0, "idempotent");

        /* Without an initrd the old initrd properties go and no new ones come. */
        const struct rec expect_noinitrd[] = {
                NODE(""),
                NODE("memory@40000000"), PROP("device_type", "memory", 7), PROP("reg", reg, 16), END,
                NODE("chosen"),
                PROP("kaslr-seed", seed, 8), PROP("stdout-path", "/pl011@9000000", 15),
                PROP("bootargs", "console=ttyAMA0 panic=-1", 25),
                NODE("sub"), PROP("bootargs", "kept: not /chosen's own", 24), END,
                END,
                END,
        };
        want_len = write_fdt(want, sizeof(want), rsv, 1, expect_noinitrd, UK_ELEMENTSOF(expect_noinitrd), strs,
                             UK_ELEMENTSOF(strs));
        c.has_initrd = false;
        CHECK_EQ_INT(uk_fdt_set_chosen(in, in_len, &c, got, sizeof(got), &len), UK_OK, "no initrd");
        CHECK(len == want_len && memcmp(got, want, len) == 0, "no initrd: bytes");

        /* Output buffer one byte short at every size: refused, never overrun (ASan watches). */
        c.has_initrd = true;
        CHECK_EQ_INT(uk_fdt_set_chosen(in, in_len, &c, got, sizeof(got), &len), UK_OK, "full");
        for (size_t cap = 0; cap < len; cap++) {
                uint8_t *small = malloc(cap ? cap : 1);
                size_t l = 12345;
                uk_err r = uk_fdt_set_chosen(in, in_len, &c, small, cap, &l);
                CHECK(r == UK_E_BUFFER_TOO_SMALL && l == 12345, "cap %zu: got %d", cap, r);
                free(small);
        }
}

static void test_create(void) {
        /* No /chosen and none of the names: a /chosen node is added as the root's last child, names appended. */
        const char *const strs[] = { "reg", "device_type" };
        const char *const strs_after[] = { "reg", "device_type", "bootargs", "linux,initrd-start", "linux,initrd-end" };
        const struct rec tree[] = {
                NODE(""), NODE("memory@40000000"), PROP("device_type", "memory", 7), PROP("reg", reg, 16), END, END,
        };
        const struct rec expect[] = {
                NODE(""), NODE("memory@40000000"), PROP("device_type", "memory", 7), PROP("reg", reg, 16), END,
                NODE("chosen"), PROP("bootargs", "x", 2),
                PROP("linux,initrd-start", new_start, 8), PROP("linux,initrd-end", new_end, 8), END,
                END,
        };
        size_t in_len = write_fdt(in, sizeof(in), NULL, 0, tree, UK_ELEMENTSOF(tree), strs, UK_ELEMENTSOF(strs));
        size_t want_len = write_fdt(want, sizeof(want), NULL, 0, expect, UK_ELEMENTSOF(expect), strs_after,
                                    UK_ELEMENTSOF(strs_after));
        struct uk_fdt_chosen c = { "x", true, 0x44000000, 0x441c3e01 };
        size_t len = 0;
        CHECK_EQ_INT(uk_fdt_set_chosen(in, in_len, &c, got, sizeof(got), &len), UK_OK, "create");
        CHECK(len == want_len && memcmp(got, want, len) == 0, "create: bytes equal the expected tree");
}

static void test_malformed(void) {
        const char *const strs[] = { "reg" };
        const struct rec tree[] = { NODE(""), NODE("chosen"), PROP("reg", reg, 16), END, END };
        struct uk_fdt_chosen c = { "x", false, 0, 0 };
        size_t n = write_fdt(in, sizeof(in), NULL, 0, tree, UK_ELEMENTSOF(tree), strs, 1), len;
        uint8_t bad[4096];
        /* Offsets in the tree above: struct block at 56 (header 40 + one empty rsvmap pair); the property token after
         * the root (4 + 4) and chosen (4 + 8) begin-node records, its length word 4 bytes further. */
        const size_t st = 56, prop = st + 4 + 4 + 4 + 8 + 4;
        static const struct {
                const char *name;
                size_t at;              /* where to write be32 value (SIZE_MAX: only cut the length; -1: last word) */
                uint32_t value;
                size_t len;             /* input length given (0: n) */
                uk_err expect;
        } cases[] = {
                { "bad magic",                    0,  0xd00dfeee, 0, UK_E_SYNTAX },
                { "version 16",                   20, 16, 0, UK_E_SYNTAX },
                { "totalsize past the input",     4,  4097, 0, UK_E_TRUNCATED },
                { "header only",                  SIZE_MAX, 0, 39, UK_E_TRUNCATED },
                { "input shorter than totalsize", SIZE_MAX, 0, 100, UK_E_TRUNCATED },
                { "struct block past totalsize",  36, 4000, 0, UK_E_TRUNCATED },
                { "strings block past totalsize", 12, 0xfffffff0, 0, UK_E_TRUNCATED },
                { "rsvmap misaligned",            16, 44, 0, UK_E_TRUNCATED },
                { "unknown token",                st, 7, 0, UK_E_SYNTAX },
                { "property length past block",   prop, 0x10000, 0, UK_E_TRUNCATED },
                { "property name past strings",   prop + 4, 99, 0, UK_E_TRUNCATED },
                { "END inside a node",            st + 4 + 4 + 4 + 8 + 12 + 16, 9, 0, UK_E_SYNTAX },
                { "END_NODE at depth 0",          st, 2, 0, UK_E_SYNTAX },
                { "property outside any node",    st, 3, 0, UK_E_SYNTAX },
                { "strings not NUL-terminated",   SIZE_MAX - 1, 0x72656767, 0, UK_E_SYNTAX },
        };
        CHECK_EQ_INT(uk_fdt_set_chosen(in, n, &c, got, sizeof(got), &len), UK_OK, "base tree is fine");
        for (size_t i = 0; i < UK_ELEMENTSOF(cases); i++) {
                memcpy(bad, in, n);
                if (cases[i].at == SIZE_MAX - 1)
                        be32(bad + n - 4, cases[i].value);      /* the strings block is the last 4 bytes, "reg\0" */
                else if (cases[i].at != SIZE_MAX)
                        be32(bad + cases[i].at, cases[i].value);
                len = 777;
                uk_err r = uk_fdt_set_chosen(bad, cases[i].len ? cases[i].len : n, &c, got, sizeof(got), &len);
                CHECK(r == cases[i].expect && len == 777, "%s: got %d, expected %d", cases[i].name, r, cases[i].expect);
        }
        /* A node name running to the end of the block; nesting deeper than the limit. */
        const struct rec deep[] = {
                NODE(""), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"),
                NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"), NODE("a"),
        };
        static struct rec deeper[80];
        for (size_t i = 0; i < 80; i++)
                deeper[i] = deep[1];
        n = write_fdt(in, sizeof(in), NULL, 0, deeper, 80, strs, 1);
        CHECK_EQ_INT(uk_fdt_set_chosen(in, n, &c, got, sizeof(got), &len), UK_E_TOO_MANY, "80 levels deep");
        struct uk_fdt_chosen inverted = { "x", true, 2, 1 };
        CHECK_EQ_INT(uk_fdt_set_chosen(in, n, &inverted, got, sizeof(got), &len), UK_E_INVALID_ARG, "initrd end < start");
        CHECK_EQ_INT(uk_fdt_set_chosen(NULL, n, &c, got, sizeof(got), &len), UK_E_INVALID_ARG, "NULL tree");
}

/* The first compatible string, as systemd-stub reads it: the root's first `compatible`, first string only. */
static void test_compatible(void) {
        const char *const strs[] = { "model", "compatible" };
        const struct rec tree[] = {
                NODE(""), PROP("model", "QEMU", 5), PROP("compatible", "linux,dummy-virt\0arm,virt", 26),
                NODE("chosen"), END, END,
        };
        size_t len = write_fdt(in, sizeof(in), NULL, 0, tree, UK_ELEMENTSOF(tree), strs, UK_ELEMENTSOF(strs));
        struct uk_source src;
        char c[64];
        size_t cl = 0;
        uk_source_from_memory(&src, in, len);
        CHECK_EQ_INT(uk_fdt_first_compatible(&src, 0, len, c, sizeof(c), &cl), UK_OK, "compatible");
        CHECK(cl == 16 && strcmp(c, "linux,dummy-virt") == 0, "first string: %s", c);
        CHECK_EQ_INT(uk_fdt_first_compatible(&src, 0, len, c, 8, &cl), UK_E_SYNTAX, "longer than the buffer");
        for (size_t cut = 0; cut < len; cut++)
                CHECK(uk_fdt_first_compatible(&src, 0, cut, c, sizeof(c), &cl) != UK_OK, "truncated to %zu", cut);

        /* A child node before any compatible: systemd stops there (no match). */
        const struct rec late[] = { NODE(""), NODE("cpus"), END, PROP("compatible", "x", 2), END };
        len = write_fdt(in, sizeof(in), NULL, 0, late, UK_ELEMENTSOF(late), strs, UK_ELEMENTSOF(strs));
        uk_source_from_memory(&src, in, len);
        CHECK(uk_fdt_first_compatible(&src, 0, len, c, sizeof(c), &cl) != UK_OK, "compatible after a child node");
        const struct rec none[] = { NODE(""), PROP("model", "QEMU", 5), END };
        len = write_fdt(in, sizeof(in), NULL, 0, none, UK_ELEMENTSOF(none), strs, UK_ELEMENTSOF(strs));
        uk_source_from_memory(&src, in, len);
        CHECK_EQ_INT(uk_fdt_first_compatible(&src, 0, len, c, sizeof(c), &cl), UK_E_NOT_FOUND, "no compatible");
        const struct rec empty[] = { NODE(""), PROP("compatible", "", 0), END };
        len = write_fdt(in, sizeof(in), NULL, 0, empty, UK_ELEMENTSOF(empty), strs, UK_ELEMENTSOF(strs));
        uk_source_from_memory(&src, in, len);
        CHECK_EQ_INT(uk_fdt_first_compatible(&src, 0, len, c, sizeof(c), &cl), UK_E_SYNTAX, "empty compatible");
}

/* systemd-stub's choice: a matching .dtbauto (the profile's before the base's), else .dtb, else the entry's file. */
static uint8_t dtb_a[512], dtb_b[512], dtb_fw[512], uki[32768], kernel[4096];
static size_t tree_with(uint8_t *out, const char *compat) {
        const char *const strs[] = { "compatible" };
        const struct rec t[] = { NODE(""), PROP("compatible", compat, strlen(compat) + 1), END };
        return write_fdt(out, 512, NULL, 0, t, UK_ELEMENTSOF(t), strs, 1);
}
static void test_choose(void) {
        size_t la = tree_with(dtb_a, "board,a"), lb = tree_with(dtb_b, "board,b"), lf = tree_with(dtb_fw, "board,b");
        peb_fake_kernel(kernel, sizeof(kernel));
        const struct peb_section secs[] = {
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".dtb", .data = (const char *) dtb_a, .len = la },
                { .name = ".dtbauto", .data = (const char *) dtb_a, .len = la },
                { .name = ".dtbauto", .data = (const char *) dtb_b, .len = lb },
        };
        size_t ul = peb_build(uki, sizeof(uki), secs, 4);
        static struct uk_uki u;
        struct uk_source src;
        struct uk_span sp[_UK_SEC_MAX];
        struct uk_plan_devicetree dt;
        uk_source_from_memory(&src, uki, ul);
        CHECK_EQ_INT(uk_uki_parse(&src, &u), UK_OK, "parse");
        CHECK_EQ_INT(uk_uki_resolve(&u, 0, sp), UK_OK, "resolve");
        struct uk_plan_in pin = { .src = &src, .uki = &u, .machine = { .fdt = dtb_fw, .fdt_len = lf } };
        CHECK_EQ_INT(uk_devicetree_choose(&pin, 0, sp, &dt), UK_OK, "choose");
        CHECK(dt.source == UK_DT_UKI && strcmp(dt.label, ".dtbauto") == 0 && dt.offset == u.pe.sections[3].raw_offset &&
              dt.length == lb, "the second .dtbauto matches board,b");
        pin.machine.fdt = NULL;
        CHECK_EQ_INT(uk_devicetree_choose(&pin, 0, sp, &dt), UK_OK, "choose");
        CHECK(dt.source == UK_DT_UKI && strcmp(dt.label, ".dtb") == 0 && dt.length == la,
              "no machine tree (and no CHIDs): the .dtb");
        static struct uk_entry e;
        strcpy(e.devicetree, "/dtbs/board.dtb");
        pin.entry = &e;
        pin.devicetree_file_size = 1234;
        CHECK_EQ_INT(uk_devicetree_choose(&pin, 0, sp, &dt), UK_OK, "choose");
        CHECK(dt.source == UK_DT_UKI, "the UKI's tree replaces the entry's, as the stub replaces systemd-boot's");
        pin.uki = NULL;
        CHECK_EQ_INT(uk_devicetree_choose(&pin, 0, NULL, &dt), UK_OK, "choose");
        CHECK(dt.source == UK_DT_FILE && strcmp(dt.path, "/dtbs/board.dtb") == 0 && dt.length == 1234,
              "a `linux` entry: the file");
        pin.entry = NULL;
        CHECK_EQ_INT(uk_devicetree_choose(&pin, 0, NULL, &dt), UK_OK, "choose");
        CHECK(dt.source == UK_DT_NONE, "nothing: the machine's own stays");
}

int main(void) {
        unit_suite = "fdt";
        test_compatible();
        test_choose();
        test_replace();
        test_create();
        test_malformed();
        return unit_finish();
}
