/* ukiboot — the Secure Boot parsers: SBAT generations (sbat.c), EFI_SIGNATURE_LIST arrays (siglist.c) and the
 * Authenticode digest and certificate table of a PE image (authenticode.c). Byte-exact tables over hand-built
 * inputs; the Authenticode digest is recomputed here from the documented ranges, independently of the code. */
#include "unit.h"
#include "pe_builder.h"
#include "authenticode.h"
#include "error.h"
#include "pe.h"
#include "sbat.h"
#include "sha256.h"
#include "siglist.h"
#include "util.h"

/* ======================================================================================= SBAT ==== */

#define SBAT_HDR "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
#define SBAT_IMG SBAT_HDR "ukiboot,2,ukiboot,ukiboot,0.1,https://example.org/ukiboot\n"

struct sbat_case {
        const char *name;
        const char *image;
        size_t image_len;         /* 0: strlen(image) (use image_exact for a zero-length one) */
        int image_exact;          /* take image_len as given, even 0 */
        const char *level;
        size_t level_len;         /* 0: strlen(level) */
        uk_err expect;
        const char *component;    /* when UK_E_SBAT_REVOKED */
        uint64_t generation, minimum;
};

#define LONG64  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"     /* 64 */
#define LONG63  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"      /* 63 */
#define LONG200 LONG64 LONG64 LONG64 "aaaaaaaa"

static const struct sbat_case sbat_cases[] = {
        /* Generations. */
        { "equal generation", SBAT_IMG, 0, 0, "sbat,1,2023012900\nshim,2\ngrub,3\nukiboot,2\n", 0, UK_OK, NULL, 0, 0 },
        { "higher generation", SBAT_IMG, 0, 0, "sbat,1,2023012900\nukiboot,1\n", 0, UK_OK, NULL, 0, 0 },
        { "lower generation", SBAT_IMG, 0, 0, "sbat,1,2023012900\nshim,2\nukiboot,3\n", 0, UK_E_SBAT_REVOKED,
          "ukiboot", 2, 3 },
        { "sbat line itself revoked", SBAT_IMG, 0, 0, "sbat,2,2099010100\n", 0, UK_E_SBAT_REVOKED, "sbat", 1, 2 },
        { "first revoked image line wins", "a,1\nb,1\n", 0, 0, "b,5\na,4\n", 0, UK_E_SBAT_REVOKED, "a", 1, 4 },
        { "later level line for the same component", "ukiboot,2\n", 0, 0, "ukiboot,1\nukiboot,7\n", 0,
          UK_E_SBAT_REVOKED, "ukiboot", 2, 7 },
        { "large generations", "c,18446744073709551614\n", 0, 0, "c,18446744073709551615\n", 0,
          UK_E_SBAT_REVOKED, "c", 18446744073709551614ull, 18446744073709551615ull },
        { "generation 0 vs 0", "c,0\n", 0, 0, "c,0\n", 0, UK_OK, NULL, 0, 0 },
        { "leading zeros are decimal", "c,010\n", 0, 0, "c,9\n", 0, UK_OK, NULL, 0, 0 },
        { "extra level fields ignored", "c,1\n", 0, 0, "c,2,2024010100,whatever\n", 0, UK_E_SBAT_REVOKED,
          "c", 1, 2 },
        { "two-field image line", "ukiboot,2", 0, 0, "ukiboot,3", 0, UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        /* Component matching is exact: no prefix, no case folding. */
        { "component absent", SBAT_IMG, 0, 0, "sbat,1,2023012900\nshim,4\ngrub,3\n", 0, UK_OK, NULL, 0, 0 },
        { "prefix is not the component", "ukiboot,1\n", 0, 0, "ukiboo,9\nukiboot2,9\n", 0, UK_OK, NULL, 0, 0 },
        { "case matters", "ukiboot,1\n", 0, 0, "UKIBOOT,9\n", 0, UK_OK, NULL, 0, 0 },
        { "empty level", SBAT_IMG, 0, 0, "", 0, UK_OK, NULL, 0, 0 },
        /* Images without lines have nothing to revoke. */
        { "empty image", "", 0, 1, "ukiboot,3\n", 0, UK_OK, NULL, 0, 0 },
        { "NUL-padded image", "\0\0\0\0\0\0\0\0", 8, 0, "ukiboot,3\n", 0, UK_OK, NULL, 0, 0 },
        { "blank lines only", "\n\n\r\n\n", 0, 0, "ukiboot,3\n", 0, UK_OK, NULL, 0, 0 },
        { "NUL ends the image text", "a,1\n\0ukiboot,1\n", 15, 0, "ukiboot,3\n", 0, UK_OK, NULL, 0, 0 },
        { "NUL ends the image, garbage after", "ukiboot,3\n\0garbage\n", 19, 0, "ukiboot,3\n", 0, UK_OK, NULL, 0, 0 },
        { "NUL-padded real section", SBAT_IMG "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", sizeof(SBAT_IMG) - 1 + 16, 0,
          "ukiboot,3\n", 0, UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "len cuts the generation", "ukiboot,21\n", 9, 0, "ukiboot,3\n", 0, UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "level len cuts the generation", "ukiboot,3\n", 0, 0, "ukiboot,30\n", 9, UK_OK, NULL, 0, 0 },
        /* Line endings. */
        { "CRLF lines", "sbat,1,x\r\nukiboot,2,y\r\n", 0, 0, "sbat,1,2023\r\nukiboot,3\r\n", 0,
          UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "CRLF after the generation", "ukiboot,2\r\n", 0, 0, "ukiboot,2\r\n", 0, UK_OK, NULL, 0, 0 },
        { "no final newline", "a,1\nukiboot,2", 0, 0, "ukiboot,3", 0, UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "blank lines between", "\n\nukiboot,2\n\n", 0, 0, "\r\n\nukiboot,3\n\n", 0, UK_E_SBAT_REVOKED,
          "ukiboot", 2, 3 },
        /* Malformed image lines refuse the image. */
        { "no comma", "ukiboot\n", 0, 0, "ukiboot,3\n", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "no comma, absent from level", "sbat,1,x\nukiboot\n", 0, 0, "grub,3\n", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "non-numeric generation", "ukiboot,two,x\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "negative generation", "ukiboot,-1\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        /* Blanks around the number are read as shim's atoi reads them. */
        { "space before generation", "ukiboot, 2\n", 0, 0, "ukiboot,3\n", 0, UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "space after generation", "ukiboot,2 ,x\n", 0, 0, "", 0, UK_OK, NULL, 0, 0 },
        { "level with a trailing blank still revokes", "ukiboot,2\n", 0, 0, "ukiboot,3 \n", 0, UK_E_SBAT_REVOKED,
          "ukiboot", 2, 3 },
        { "blank generation", "ukiboot, \n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "empty generation", "ukiboot,,x\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "generation at end empty", "ukiboot,\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "generation overflows", "ukiboot,18446744073709551616\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "empty name", ",1,x\n", 0, 0, ",3\n", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "bare CR line is empty", "\r\n\r\nukiboot\r\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        { "malformed line after a good one", "a,1\nb\n", 0, 0, "", 0, UK_E_SYNTAX, NULL, 0, 0 },
        /* Lines are checked in order: a revoked line before the malformed one is reported first. */
        { "revoked before malformed", "a,1\nb\n", 0, 0, "a,2\n", 0, UK_E_SBAT_REVOKED, "a", 1, 2 },
        /* Malformed level lines are ignored. */
        { "level garbage only", SBAT_IMG, 0, 0, "garbage\nukiboot\n,5\nukiboot,x\nukiboot,\n", 0, UK_OK, NULL, 0, 0 },
        { "level garbage then a revocation", SBAT_IMG, 0, 0, "garbage\nukiboot,x\n,5\nukiboot,3\n", 0,
          UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "level overflow ignored", "ukiboot,2\n", 0, 0, "ukiboot,99999999999999999999\nukiboot,3\n", 0,
          UK_E_SBAT_REVOKED, "ukiboot", 2, 3 },
        { "NUL ends the level", "ukiboot,2\n", 0, 0, "grub,1\n\0ukiboot,3\n", 18, UK_OK, NULL, 0, 0 },
        /* Names are printable in the refusal. */
        { "control chars replaced", "u\x01k\ti\x7f" "b\xff" "o o\x1b,1\n", 0, 0, "u\x01k\ti\x7f" "b\xff" "o o\x1b,2\n",
          0, UK_E_SBAT_REVOKED, "u?k?i?b?o?o?", 1, 2 },
        /* Long names: matched whole, reported truncated. */
        { "long name truncated", LONG200 ",1\n", 0, 0, LONG200 ",2\n", 0, UK_E_SBAT_REVOKED, LONG63, 1, 2 },
        { "64-byte name truncated", LONG64 ",1\n", 0, 0, LONG64 ",2\n", 0, UK_E_SBAT_REVOKED, LONG63, 1, 2 },
        { "63-byte name whole", LONG63 ",1\n", 0, 0, LONG63 ",2\n", 0, UK_E_SBAT_REVOKED, LONG63, 1, 2 },
        { "long names differing past 63", LONG64 "b,1\n", 0, 0, LONG64 "c,2\n", 0, UK_OK, NULL, 0, 0 },
};

static void test_sbat_table(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(sbat_cases); i++) {
                const struct sbat_case *c = &sbat_cases[i];
                size_t ilen = c->image_exact || c->image_len ? c->image_len : strlen(c->image);
                size_t llen = c->level_len ? c->level_len : strlen(c->level);
                struct uk_sbat_revoked rev;

                memset(&rev, 0x55, sizeof(rev));
                uk_err r = uk_sbat_check(c->image, ilen, c->level, llen, &rev);
                CHECK_EQ_INT(r, c->expect, "sbat: %s", c->name);
                if (r == UK_E_SBAT_REVOKED && c->expect == UK_E_SBAT_REVOKED) {
                        CHECK(memchr(rev.component, 0, sizeof(rev.component)) != NULL, "sbat: %s: terminated",
                              c->name);
                        rev.component[sizeof(rev.component) - 1] = 0;
                        CHECK(strcmp(rev.component, c->component) == 0, "sbat: %s: component \"%s\", expected \"%s\"",
                              c->name, rev.component, c->component);
                        CHECK(rev.generation == c->generation, "sbat: %s: generation %llu, expected %llu", c->name,
                              (unsigned long long) rev.generation, (unsigned long long) c->generation);
                        CHECK(rev.minimum == c->minimum, "sbat: %s: minimum %llu, expected %llu", c->name,
                              (unsigned long long) rev.minimum, (unsigned long long) c->minimum);
                }
        }
}

/* Every byte of a reported name is printable, whatever the image holds. */
static void test_sbat_names_printable(void) {
        char image[300], level[300];
        struct uk_sbat_revoked rev;
        size_t n = 0;

        /* Name: bytes 1..0xff except ',', '\n', '\r' (line structure); 63 of them reach the report. */
        for (unsigned b = 1; b < 256 && n < 250; b++)
                if (b != ',' && b != '\n' && b != '\r')
                        image[n++] = (char) b;
        memcpy(level, image, n);
        memcpy(image + n, ",1\n", 3);
        memcpy(level + n, ",2\n", 3);
        CHECK_EQ_INT(uk_sbat_check(image, n + 3, level, n + 3, &rev), UK_E_SBAT_REVOKED, "binary name");
        CHECK_EQ_INT(strlen(rev.component), UK_SBAT_NAME_MAX - 1, "binary name truncated");
        for (size_t k = 0; k < UK_SBAT_NAME_MAX - 1; k++) {
                unsigned char ch = (unsigned char) image[k];
                char want = ch > 0x20 && ch < 0x7f ? (char) ch : '?';
                CHECK(rev.component[k] == want, "binary name byte %zu: 0x%02x -> 0x%02x", k, ch,
                      (unsigned char) rev.component[k]);
        }
}

static void test_sbat_args(void) {
        struct uk_sbat_revoked rev;

        CHECK_EQ_INT(uk_sbat_check("a,1", 3, "a,2", 3, NULL), UK_E_INVALID_ARG, "NULL ret");
        CHECK_EQ_INT(uk_sbat_check(NULL, 3, "a,2", 3, &rev), UK_E_INVALID_ARG, "NULL text with a length");
        CHECK_EQ_INT(uk_sbat_check("a,1", 3, NULL, 3, &rev), UK_E_INVALID_ARG, "NULL level with a length");
        CHECK_EQ_INT(uk_sbat_check(NULL, 0, "a,2", 3, &rev), UK_OK, "NULL empty text");
        CHECK_EQ_INT(uk_sbat_check("a,1", 3, NULL, 0, &rev), UK_OK, "NULL empty level");
        CHECK_EQ_INT(uk_sbat_check("a", 1, NULL, 0, &rev), UK_E_SYNTAX, "malformed image, no level");
        CHECK_EQ_INT(uk_sbat_check(NULL, 0, NULL, 0, &rev), UK_OK, "both empty");

        /* Inputs that are not NUL terminated are read up to len only (ASan catches a read past it). */
        char *img = malloc(9), *lvl = malloc(9);
        memcpy(img, "ukiboot,2", 9);
        memcpy(lvl, "ukiboot,3", 9);
        CHECK_EQ_INT(uk_sbat_check(img, 9, lvl, 9, &rev), UK_E_SBAT_REVOKED, "unterminated buffers");
        CHECK_EQ_INT(rev.generation, 2, "unterminated generation");
        CHECK_EQ_INT(rev.minimum, 3, "unterminated minimum");
        free(img);
        free(lvl);
}

/* ================================================================================== siglist ==== */

#define LE32(v) (uint8_t) ((v) & 0xff), (uint8_t) (((v) >> 8) & 0xff), (uint8_t) (((v) >> 16) & 0xff), \
                (uint8_t) (((uint32_t) (v) >> 24) & 0xff)
#define R4(x)  x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
#define R32(x) R16(x), R16(x)

/* GUIDs in on-disk (mixed-endian) byte order. */
#define GUID_SHA256      0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28
#define GUID_X509        0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72
#define GUID_X509_SHA256 0x92, 0xa4, 0xd2, 0x3b, 0xc0, 0x96, 0x79, 0x40, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed
/* EFI_CERT_SHA1_GUID 826ca512-cf10-4ac9-b187-be01496631bd: a type ukiboot does not use. */
#define GUID_SHA1        0x12, 0xa5, 0x6c, 0x82, 0x10, 0xcf, 0xc9, 0x4a, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd
/* The SHA-256 GUID read in the wrong (big-endian) byte order: not a known type. */
#define GUID_SHA256_BE   0xc1, 0xc4, 0x16, 0x26, 0x50, 0x4c, 0x40, 0x92, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28
#define OWNER_A          R16(0x0a)
#define OWNER_B          R16(0x0b)

#define HASH_1  R32(0x11)
#define HASH_2  R16(0x22), R16(0x23)
#define HASH_3  R32(0x33)

/* List 1: SHA256, no header, two 48-byte signatures: 28 + 2 * 48 = 124 bytes. */
#define LIST_SHA256_2 GUID_SHA256, LE32(124), LE32(0), LE32(48), OWNER_A, HASH_1, OWNER_B, HASH_2
/* List 2: X509, a 4-byte header, one 5-byte "certificate": 28 + 4 + 21 = 53 bytes. */
#define LIST_X509 GUID_X509, LE32(53), LE32(4), LE32(21), 0xde, 0xad, 0xbe, 0xef, OWNER_A, 'C', 'E', 'R', 'T', '1'
/* List 3: SHA1, one 36-byte signature (skipped by type): 28 + 36 = 64 bytes. */
#define LIST_SHA1 GUID_SHA1, LE32(64), LE32(0), LE32(36), OWNER_B, R16(0x44), R4(0x45)
/* List 4: X509_SHA256, one 64-byte signature (hash + 16-byte time): 28 + 64 = 92 bytes. */
#define LIST_X509_SHA256 GUID_X509_SHA256, LE32(92), LE32(0), LE32(64), OWNER_A, HASH_3, R16(0x00)
/* An empty list: header only, SignatureSize still sane. */
#define LIST_EMPTY GUID_SHA256, LE32(28), LE32(0), LE32(48)
/* An empty list with a header: 28 + 8. */
#define LIST_EMPTY_HDR GUID_X509, LE32(36), LE32(8), LE32(100), R4(0x77), R4(0x78)

static const uint8_t sl_one[] = { LIST_SHA256_2 };
static const uint8_t sl_all[] = { LIST_SHA256_2, LIST_X509, LIST_SHA1, LIST_X509_SHA256 };
static const uint8_t sl_empty_first[] = { LIST_EMPTY, LIST_EMPTY_HDR, LIST_X509 };
static const uint8_t sl_only_empty[] = { LIST_EMPTY };
static const uint8_t sl_wrong_guid_order[] = { GUID_SHA256_BE, LE32(60), LE32(0), LE32(32), OWNER_A, R16(0x11) };

static const uint8_t hash_1[32] = { HASH_1 };
static const uint8_t hash_2[32] = { HASH_2 };
static const uint8_t hash_3[32] = { HASH_3 };
static const uint8_t sha1_value[20] = { R16(0x44), R4(0x45) };
static const uint8_t x509_sha256_value[48] = { HASH_3, R16(0x00) };
static const uint8_t absent[32] = { R32(0x99) };

struct sig_expect {
        enum uk_sig_type type;
        size_t offset;            /* of the data, in the input */
        size_t len;
};

/* Walk all signatures of data[len] and compare them, then the final result. */
static void check_walk(const char *what, const uint8_t *data, size_t len, const struct sig_expect *want, size_t n,
                       uk_err end) {
        struct uk_siglist_cursor c = {};
        struct uk_sig s;
        size_t i = 0;
        uk_err r;

        while ((r = uk_siglist_next(data, len, &c, &s)) == UK_OK) {
                if (i >= n) {
                        CHECK(0, "%s: more than %zu signatures", what, n);
                        break;
                }
                CHECK_EQ_INT(s.type, want[i].type, "%s: sig %zu type", what, i);
                CHECK(s.data == data + want[i].offset, "%s: sig %zu at %td, expected %zu", what, i, s.data - data,
                      want[i].offset);
                CHECK_EQ_INT(s.len, want[i].len, "%s: sig %zu len", what, i);
                i++;
        }
        CHECK_EQ_INT(i, n, "%s: signature count", what);
        CHECK_EQ_INT(r, end, "%s: end of iteration", what);
        /* The end is sticky: asking again changes nothing. */
        struct uk_siglist_cursor saved = c;
        CHECK_EQ_INT(uk_siglist_next(data, len, &c, &s), end, "%s: end repeats", what);
        CHECK(c.list == saved.list && c.index == saved.index, "%s: cursor stays at the end", what);
}

static void test_siglist_walk(void) {
        static const struct sig_expect one[] = {
                { UK_SIG_SHA256, 28 + 16, 32 },
                { UK_SIG_SHA256, 28 + 48 + 16, 32 },
        };
        static const struct sig_expect all[] = {
                { UK_SIG_SHA256, 28 + 16, 32 },
                { UK_SIG_SHA256, 28 + 48 + 16, 32 },
                { UK_SIG_X509, 124 + 28 + 4 + 16, 5 },
                { UK_SIG_OTHER, 124 + 53 + 28 + 16, 20 },
                { UK_SIG_X509_SHA256, 124 + 53 + 64 + 28 + 16, 48 },
        };
        static const struct sig_expect empty_first[] = {
                { UK_SIG_X509, 28 + 36 + 28 + 4 + 16, 5 },
        };
        static const struct sig_expect wrong_guid[] = {
                { UK_SIG_OTHER, 28 + 16, 16 },
        };

        CHECK_EQ_INT(sizeof(sl_one), 124, "list 1 size");
        CHECK_EQ_INT(sizeof(sl_all), 124 + 53 + 64 + 92, "all lists size");
        check_walk("one SHA256 list", sl_one, sizeof(sl_one), one, 2, UK_E_NOT_FOUND);
        check_walk("four lists", sl_all, sizeof(sl_all), all, 5, UK_E_NOT_FOUND);
        check_walk("empty lists first", sl_empty_first, sizeof(sl_empty_first), empty_first, 1, UK_E_NOT_FOUND);
        check_walk("only an empty list", sl_only_empty, sizeof(sl_only_empty), NULL, 0, UK_E_NOT_FOUND);
        check_walk("no bytes", sl_one, 0, NULL, 0, UK_E_NOT_FOUND);
        check_walk("NULL, no bytes", NULL, 0, NULL, 0, UK_E_NOT_FOUND);
        check_walk("GUID in wrong byte order", sl_wrong_guid_order, sizeof(sl_wrong_guid_order), wrong_guid, 1,
                   UK_E_NOT_FOUND);

        /* The data really is the hash (owner skipped). */
        struct uk_siglist_cursor c = {};
        struct uk_sig s;
        CHECK_EQ_INT(uk_siglist_next(sl_one, sizeof(sl_one), &c, &s), UK_OK, "first");
        CHECK(memcmp(s.data, hash_1, 32) == 0, "first data is hash 1");
        CHECK_EQ_INT(c.list, 0, "cursor list after first");
        CHECK_EQ_INT(c.index, 1, "cursor index after first");
        CHECK_EQ_INT(uk_siglist_next(sl_one, sizeof(sl_one), &c, &s), UK_OK, "second");
        CHECK(memcmp(s.data, hash_2, 32) == 0, "second data is hash 2");
        CHECK_EQ_INT(uk_siglist_next(sl_one, sizeof(sl_one), &c, &s), UK_E_NOT_FOUND, "third");

        /* Arguments. */
        c = (struct uk_siglist_cursor) {};
        CHECK_EQ_INT(uk_siglist_next(NULL, 4, &c, &s), UK_E_INVALID_ARG, "NULL data with a length");
        CHECK_EQ_INT(uk_siglist_next(sl_one, sizeof(sl_one), NULL, &s), UK_E_INVALID_ARG, "NULL cursor");
        CHECK_EQ_INT(uk_siglist_next(sl_one, sizeof(sl_one), &c, NULL), UK_E_INVALID_ARG, "NULL ret");
}

/* Malformed lists: appended to a valid one (its signatures still come out, then UK_E_SYNTAX), and alone. */
struct bad_list {
        const char *name;
        uint8_t bytes[96];
        size_t len;
};

#define BAD(name, ...) { name, { __VA_ARGS__ }, sizeof((uint8_t[]) { __VA_ARGS__ }) }

static const struct bad_list bad_lists[] = {
        BAD("ListSize 27", GUID_SHA256, LE32(27), LE32(0), LE32(48), R32(0)),
        BAD("ListSize 0", GUID_SHA256, LE32(0), LE32(0), LE32(48), R32(0)),
        /* ListSize - 28 wraps to 0xffffffff / 0xffffffe4, which these SignatureSizes divide. */
        BAD("ListSize 27, SignatureSize 17", GUID_SHA256, LE32(27), LE32(0), LE32(17), R16(0), 0),
        BAD("ListSize 0, SignatureSize 0xffffffe4", GUID_SHA256, LE32(0), LE32(0), LE32(0xffffffe4u)),
        BAD("ListSize 1 past the end", GUID_SHA256, LE32(77), LE32(0), LE32(48), OWNER_A, HASH_1),
        BAD("ListSize 0xffffffff", GUID_SHA256, LE32(0xffffffffu), LE32(0), LE32(48), OWNER_A, HASH_1),
        BAD("SignatureSize 16", GUID_SHA256, LE32(60), LE32(0), LE32(16), OWNER_A, R16(0x11)),
        BAD("SignatureSize 0", GUID_SHA256, LE32(28), LE32(0), LE32(0)),
        BAD("SignatureSize 0 with data", GUID_SHA256, LE32(76), LE32(0), LE32(0), OWNER_A, HASH_1),
        BAD("SignatureSize 15", GUID_SHA256, LE32(58), LE32(0), LE32(15), R16(0), R16(0)),
        BAD("empty list with SignatureSize 0", GUID_X509, LE32(28), LE32(0), LE32(0)),
        BAD("HeaderSize past ListSize", GUID_SHA256, LE32(76), LE32(49), LE32(48), OWNER_A, HASH_1),
        /* 48 - 49 wraps to 0xffffffff, a multiple of 17. */
        BAD("HeaderSize past ListSize, wrapping", GUID_SHA256, LE32(76), LE32(49), LE32(17), OWNER_A, HASH_1),
        BAD("HeaderSize 0xffffffff", GUID_SHA256, LE32(76), LE32(0xffffffffu), LE32(48), OWNER_A, HASH_1),
        BAD("HeaderSize 0xffffffe4", GUID_SHA256, LE32(76), LE32(0xffffffe4u), LE32(48), OWNER_A, HASH_1),
        BAD("not a multiple of SignatureSize", GUID_SHA256, LE32(78), LE32(0), LE32(48), OWNER_A, HASH_1, 0, 0),
        BAD("header leaves a partial signature", GUID_SHA256, LE32(76), LE32(1), LE32(48), 0, OWNER_A, R16(0x11),
            R4(0), R4(0), R4(0), 0, 0, 0),
        BAD("SignatureSize 0xffffffff", GUID_SHA256, LE32(76), LE32(0), LE32(0xffffffffu), OWNER_A, HASH_1),
        BAD("trailing 27 bytes", GUID_SHA256, R4(0), R4(0), 0, 0, 0),
        BAD("trailing 1 byte", 0),
        BAD("trailing 28 zero bytes", R16(0), R4(0), R4(0), R4(0)),
};

static void test_siglist_malformed(void) {
        static const struct sig_expect good[] = {
                { UK_SIG_SHA256, 28 + 16, 32 },
                { UK_SIG_SHA256, 28 + 48 + 16, 32 },
        };
        uint8_t buf[sizeof(sl_one) + 96];

        for (size_t i = 0; i < UK_ELEMENTSOF(bad_lists); i++) {
                const struct bad_list *b = &bad_lists[i];
                char what[128];
                /* Exactly len bytes on the heap: ASan sees a read past the end. */
                uint8_t *alone = malloc(b->len);

                memcpy(alone, b->bytes, b->len);
                snprintf(what, sizeof what, "%s, alone", b->name);
                check_walk(what, alone, b->len, NULL, 0, UK_E_SYNTAX);
                CHECK_EQ_INT(uk_siglist_find(alone, b->len, UK_SIG_SHA256, hash_1, 32), UK_E_SYNTAX,
                             "%s: find", what);
                free(alone);

                memcpy(buf, sl_one, sizeof(sl_one));
                memcpy(buf + sizeof(sl_one), b->bytes, b->len);
                uint8_t *after = malloc(sizeof(sl_one) + b->len);
                memcpy(after, buf, sizeof(sl_one) + b->len);
                snprintf(what, sizeof what, "%s, after a good list", b->name);
                check_walk(what, after, sizeof(sl_one) + b->len, good, 2, UK_E_SYNTAX);
                /* A match before the damage is found; no match means "malformed", not "absent". */
                CHECK_EQ_INT(uk_siglist_find(after, sizeof(sl_one) + b->len, UK_SIG_SHA256, hash_2, 32), UK_OK,
                             "%s: find present", what);
                CHECK_EQ_INT(uk_siglist_find(after, sizeof(sl_one) + b->len, UK_SIG_SHA256, absent, 32), UK_E_SYNTAX,
                             "%s: find absent", what);
                free(after);
        }

        /* A damaged list stops the walk: a valid list after it is never reached. */
        static const uint8_t hidden[] = { GUID_SHA256, LE32(76), LE32(0), LE32(47), OWNER_A, HASH_1, LIST_X509 };
        CHECK_EQ_INT(uk_siglist_find(hidden, sizeof(hidden), UK_SIG_X509, (const uint8_t *) "CERT1", 5), UK_E_SYNTAX,
                     "nothing after a damaged list is trusted");
        /* A list cut short by len (ListSize 124 > 123). */
        CHECK_EQ_INT(uk_siglist_find(sl_one, sizeof(sl_one) - 1, UK_SIG_SHA256, hash_1, 32), UK_E_SYNTAX,
                     "list cut by one byte");
        check_walk("list cut by one byte", sl_one, sizeof(sl_one) - 1, NULL, 0, UK_E_SYNTAX);
        /* Cut in the second list's header. */
        check_walk("second header cut", sl_all, 124 + 27, good, 2, UK_E_SYNTAX);
}

struct find_case {
        const char *name;
        const uint8_t *data;
        size_t len;
        enum uk_sig_type type;
        const uint8_t *value;
        size_t value_len;
        uk_err expect;
};

/* A SHA256 list whose 33-byte "digests" start with hash_1: a length mismatch is not a match. */
static const uint8_t sl_long_sig[] = { GUID_SHA256, LE32(77), LE32(0), LE32(49), OWNER_A, HASH_1, 0x00 };

static const struct find_case find_cases[] = {
        { "hash 1", sl_all, sizeof(sl_all), UK_SIG_SHA256, hash_1, 32, UK_OK },
        { "hash 2", sl_all, sizeof(sl_all), UK_SIG_SHA256, hash_2, 32, UK_OK },
        { "absent hash", sl_all, sizeof(sl_all), UK_SIG_SHA256, absent, 32, UK_E_NOT_FOUND },
        { "X509 cert", sl_all, sizeof(sl_all), UK_SIG_X509, (const uint8_t *) "CERT1", 5, UK_OK },
        { "X509 cert prefix", sl_all, sizeof(sl_all), UK_SIG_X509, (const uint8_t *) "CERT", 4, UK_E_NOT_FOUND },
        { "X509 cert longer", sl_all, sizeof(sl_all), UK_SIG_X509, (const uint8_t *) "CERT1\0", 6, UK_E_NOT_FOUND },
        { "X509_SHA256 value", sl_all, sizeof(sl_all), UK_SIG_X509_SHA256, x509_sha256_value, 48, UK_OK },
        { "X509_SHA256 hash only", sl_all, sizeof(sl_all), UK_SIG_X509_SHA256, hash_3, 32, UK_E_NOT_FOUND },
        { "hash 1 as X509", sl_all, sizeof(sl_all), UK_SIG_X509, hash_1, 32, UK_E_NOT_FOUND },
        { "hash 3 as SHA256", sl_all, sizeof(sl_all), UK_SIG_SHA256, hash_3, 32, UK_E_NOT_FOUND },
        { "SHA1 value as SHA256", sl_all, sizeof(sl_all), UK_SIG_SHA256, sha1_value, 20, UK_E_NOT_FOUND },
        { "SHA1 value as other", sl_all, sizeof(sl_all), UK_SIG_OTHER, sha1_value, 20, UK_OK },
        { "hash 1, 31 bytes", sl_all, sizeof(sl_all), UK_SIG_SHA256, hash_1, 31, UK_E_NOT_FOUND },
        { "hash 1 vs 33-byte signature", sl_long_sig, sizeof(sl_long_sig), UK_SIG_SHA256, hash_1, 32,
          UK_E_NOT_FOUND },
        { "33-byte value", sl_long_sig, sizeof(sl_long_sig), UK_SIG_SHA256,
          (const uint8_t[33]) { HASH_1, 0x00 }, 33, UK_OK },
        { "zero-length value", sl_all, sizeof(sl_all), UK_SIG_SHA256, hash_1, 0, UK_E_NOT_FOUND },
        { "after empty lists", sl_empty_first, sizeof(sl_empty_first), UK_SIG_X509, (const uint8_t *) "CERT1", 5,
          UK_OK },
        { "empty lists only", sl_only_empty, sizeof(sl_only_empty), UK_SIG_SHA256, hash_1, 32, UK_E_NOT_FOUND },
        { "no lists", NULL, 0, UK_SIG_SHA256, hash_1, 32, UK_E_NOT_FOUND },
        { "wrong GUID byte order", sl_wrong_guid_order, sizeof(sl_wrong_guid_order), UK_SIG_SHA256,
          (const uint8_t[16]) { R16(0x11) }, 16, UK_E_NOT_FOUND },
        { "NULL value", sl_all, sizeof(sl_all), UK_SIG_SHA256, NULL, 32, UK_E_INVALID_ARG },
        { "NULL data with a length", NULL, 10, UK_SIG_SHA256, hash_1, 32, UK_E_INVALID_ARG },
};

static void test_siglist_find(void) {
        for (size_t i = 0; i < UK_ELEMENTSOF(find_cases); i++) {
                const struct find_case *f = &find_cases[i];
                CHECK_EQ_INT(uk_siglist_find(f->data, f->len, f->type, f->value, f->value_len), f->expect, "find: %s",
                             f->name);
        }
}

/* ============================================================================= Authenticode ==== */

/* Image layout (pe_builder.h): three sections listed .data, .text, .bss while the file holds .text before
 * .data, so the digest must sort them by PointerToRawData; .bss has no file data. */
#define AC_HDR       ((PEB_TABLE + 3 * 40 + 15) & ~15u)   /* SizeOfHeaders = first section data */
#define AC_TEXT      AC_HDR
#define AC_TEXT_LEN  64u
#define AC_DATA      (AC_TEXT + AC_TEXT_LEN)
#define AC_DATA_LEN  32u
#define AC_TRAIL     (AC_DATA + AC_DATA_LEN)              /* bytes after the sections, before the table */
#define AC_TRAIL_LEN 16u
#define AC_CERT      (AC_TRAIL + AC_TRAIL_LEN)            /* certificate table (file offset) */
#define AC_CHECKSUM  (PEB_OPT + 64)                       /* CheckSum */
#define AC_NDIRS     (PEB_OPT + 108)                      /* NumberOfRvaAndSizes */
#define AC_SECDIR    (PEB_OPT + 112 + 4 * 8)              /* IMAGE_DIRECTORY_ENTRY_SECURITY */
#define AC_SOH       (PEB_OPT + 60)                       /* SizeOfHeaders */

static uint8_t ac[16384];

/* One WIN_CERTIFICATE: dwLength, wRevision, wCertificateType; data is a byte pattern. */
struct wincert {
        uint32_t length;
        uint16_t revision, type;
        uint8_t fill;
};

/* The unsigned image: headers, .text, .data, 16 trailing bytes. Returns its length. */
static size_t ac_build_unsigned(void) {
        static uint8_t text[AC_TEXT_LEN], data[AC_DATA_LEN];
        for (unsigned i = 0; i < sizeof(text); i++)
                text[i] = (uint8_t) (0x90 + i);
        for (unsigned i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (0xd0 + i);
        const struct peb_section s[] = {
                { .name = ".data", .data = (const char *) data, .len = AC_DATA_LEN, .raw_offset = AC_DATA },
                { .name = ".text", .data = (const char *) text, .len = AC_TEXT_LEN, .raw_offset = AC_TEXT },
                { .name = ".bss", .len = 0, .virtual_size = 0x2000 },
        };
        size_t n = peb_build(ac, sizeof(ac), s, 3);
        if (n != AC_TRAIL)
                return 0;
        peb_put32(ac + AC_CHECKSUM, 0x12345678);
        /* Some other directories, so the digest of the directory area is not all zeros. */
        peb_put32(ac + PEB_OPT + 112 + 5 * 8, 0x3000);
        peb_put32(ac + PEB_OPT + 112 + 5 * 8 + 4, 0x10);
        for (unsigned i = 0; i < AC_TRAIL_LEN; i++)
                ac[AC_TRAIL + i] = (uint8_t) (0x70 + i);
        return AC_CERT;
}

/* Append a certificate table of the given entries at at (each padded to 8 bytes, the last one only when
 * pad_last) and point the directory entry at it. Returns the new file length. */
static size_t ac_add_table(size_t at, const struct wincert *w, size_t n, int pad_last) {
        size_t off = at;
        for (size_t i = 0; i < n; i++) {
                size_t data_len = w[i].length > 8 ? w[i].length - 8 : 0;
                peb_put32(ac + off, w[i].length);
                peb_put16(ac + off + 4, w[i].revision);
                peb_put16(ac + off + 6, w[i].type);
                memset(ac + off + 8, w[i].fill, data_len);
                off += 8 + data_len;
                if (i + 1 < n || pad_last)
                        while (off % 8)
                                ac[off++] = 0;
        }
        peb_put32(ac + AC_SECDIR, (uint32_t) at);
        peb_put32(ac + AC_SECDIR + 4, (uint32_t) (off - at));
        return off;
}

/* The digest as the specification describes it, over explicit ranges of buf (not through authenticode.c):
 * headers [0, soh) without CheckSum and (when secdir) the security entry, .text, .data (file order),
 * then [hashed, len - cert_size) where hashed = soh + section bytes. */
static void ac_expected(const uint8_t *buf, size_t len, size_t soh, int secdir, size_t cert_size, uint8_t out[32]) {
        static uint8_t cat[16384];
        size_t n = 0, hashed;
#define ADD(o, l) do { memcpy(cat + n, buf + (o), (l)); n += (l); } while (0)
        ADD(0, AC_CHECKSUM);
        if (secdir) {
                ADD(AC_CHECKSUM + 4, AC_SECDIR - AC_CHECKSUM - 4);
                ADD(AC_SECDIR + 8, soh - AC_SECDIR - 8);
        } else
                ADD(AC_CHECKSUM + 4, soh - AC_CHECKSUM - 4);
        ADD(AC_TEXT, AC_TEXT_LEN);
        ADD(AC_DATA, AC_DATA_LEN);
        hashed = soh + AC_TEXT_LEN + AC_DATA_LEN;
        if (len > hashed)
                ADD(hashed, len - hashed - cert_size);
#undef ADD
        uk_sha256(cat, n, out);
}

static uk_err ac_digest(const uint8_t *buf, size_t len, size_t scratch_len, uint8_t out[32]) {
        struct uk_source src;
        static struct uk_pe pe;
        uint8_t *scratch = malloc(scratch_len);
        uk_err r;

        uk_source_from_memory(&src, buf, len);
        r = uk_pe_parse(&src, &pe);
        if (r == UK_OK)
                r = uk_authenticode_sha256(&src, &pe, scratch, scratch_len, out);
        else
                r = _UK_E_MAX;      /* never expected: the image must parse */
        free(scratch);
        return r;
}

static uk_err ac_sigs(const uint8_t *buf, size_t len, struct uk_signature *ret, size_t cap, size_t *ret_n) {
        struct uk_source src;
        static struct uk_pe pe;

        uk_source_from_memory(&src, buf, len);
        if (uk_pe_parse(&src, &pe) != UK_OK)
                return _UK_E_MAX;
        return uk_authenticode_signatures(&src, &pe, ret, cap, ret_n);
}

static const struct wincert two_plus_one[] = {
        { 8 + 13, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0xa1 },
        { 8 + 8, UK_WIN_CERT_REVISION_2_0, 0x0001 /* X509 */, 0xb2 },
        { 8 + 20, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0xc3 },
};

static void test_authenticode_layout(void) {
        struct uk_source src;
        static struct uk_pe pe;
        size_t len = ac_build_unsigned();

        CHECK_EQ_INT(len, AC_CERT, "builder");
        uk_source_from_memory(&src, ac, len);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "unsigned image parses");
        CHECK_EQ_INT(pe.checksum_offset, AC_CHECKSUM, "CheckSum offset");
        CHECK_EQ_INT(pe.cert_dir_offset, AC_SECDIR, "security directory offset");
        CHECK_EQ_INT(pe.cert_table_offset, 0, "no table");
        CHECK_EQ_INT(pe.cert_table_size, 0, "no table size");
        CHECK_EQ_INT(pe.size_of_headers, AC_HDR, "SizeOfHeaders");
        CHECK_EQ_INT(pe.sections[0].raw_offset, AC_DATA, ".data listed first");
        CHECK_EQ_INT(pe.sections[1].raw_offset, AC_TEXT, ".text listed second");
        CHECK_EQ_INT(pe.sections[2].raw_size, 0, ".bss has no file data");

        len = ac_add_table(AC_CERT, two_plus_one, 3, 0);
        uk_source_from_memory(&src, ac, len);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "signed image parses");
        CHECK_EQ_INT(pe.cert_table_offset, AC_CERT, "table offset");
        CHECK_EQ_INT(pe.cert_table_size, 24 + 16 + 28, "table size");
}

static void test_authenticode_digest(void) {
        uint8_t want[32], got[32], unsigned_digest[32], d[32];
        static uint8_t copy[sizeof(ac)];
        size_t len = ac_build_unsigned();

        /* Unsigned: everything after the sections is hashed. */
        ac_expected(ac, len, AC_HDR, 1, 0, want);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "unsigned digest");
        CHECK(memcmp(got, want, 32) == 0, "unsigned digest matches the documented ranges");
        memcpy(unsigned_digest, got, 32);
        /* The same image signed by sbsign 0.9.4: the digest in its SpcIndirectDataContent, which osslsigncode
         * 2.9 recomputes identically; a third implementation, pinned (it changes with pe_builder.h's layout). */
        char hex[65];
        uk_sha256_hex(got, hex);
        CHECK_EQ_STR(hex, "abf2ec7b71b229084ecb379ef85c2c87d9b49b8772b20e794e54dff8875e2cbc", "sbsign's digest");
        /* Reading through any scratch size gives the same digest. */
        static const size_t scratch_sizes[] = { 1, 3, 7, 64, 65, 100, 1 << 16 };
        for (size_t i = 0; i < UK_ELEMENTSOF(scratch_sizes); i++) {
                memset(got, 0, 32);
                CHECK_EQ_INT(ac_digest(ac, len, scratch_sizes[i], got), UK_OK, "scratch %zu", scratch_sizes[i]);
                CHECK(memcmp(got, want, 32) == 0, "scratch %zu: same digest", scratch_sizes[i]);
        }

        /* Signing (a table appended, the directory entry pointing at it) does not change the digest. */
        len = ac_add_table(AC_CERT, two_plus_one, 3, 0);
        ac_expected(ac, len, AC_HDR, 1, len - AC_CERT, want);
        CHECK(memcmp(want, unsigned_digest, 32) == 0, "oracle: signed and unsigned ranges agree");
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "signed digest");
        CHECK(memcmp(got, unsigned_digest, 32) == 0, "signed digest = unsigned digest");
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        CHECK_EQ_INT(len, AC_CERT + 72, "padded table");
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "signed, padded");
        CHECK(memcmp(got, unsigned_digest, 32) == 0, "padding of the last entry is not hashed");

        /* What is skipped and what is not. */
        struct flip {
                const char *name;
                size_t off;
                int changes;
        } flips[] = {
                { "CheckSum byte 0", AC_CHECKSUM, 0 },
                { "CheckSum byte 3", AC_CHECKSUM + 3, 0 },
                { "security entry, offset byte", AC_SECDIR + 1, -1 },     /* moves the table: refused */
                { "signature data", AC_CERT + 8 + 5, 0 },
                { "table padding", AC_CERT + 8 + 13, 0 },
                { "second entry header", AC_CERT + 24 + 6, 0 },
                { "SizeOfImage (just before SizeOfHeaders, CheckSum)", AC_CHECKSUM - 5, 1 },
                { "byte after CheckSum", AC_CHECKSUM + 4, 1 },
                { "byte before the security entry", AC_SECDIR - 1, 1 },
                { "byte after the security entry", AC_SECDIR + 8, 1 },
                { "DOS header", 2, 1 },
                { "MinorImageVersion", PEB_OPT + 46, 1 },
                { "section table (.data name)", PEB_TABLE + 1, 1 },
                { "last header byte", AC_HDR - 1, 1 },
                { "first .text byte", AC_TEXT, 1 },
                { "last .text byte", AC_TEXT + AC_TEXT_LEN - 1, 1 },
                { ".data byte", AC_DATA + 7, 1 },
                { "first trailing byte", AC_TRAIL, 1 },
                { "last trailing byte", AC_TRAIL + AC_TRAIL_LEN - 1, 1 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(flips); i++) {
                memcpy(copy, ac, len);
                copy[flips[i].off] ^= 0x5a;
                memset(d, 0, 32);
                uk_err r = ac_digest(copy, len, 4096, d);
                if (flips[i].changes < 0) {
                        CHECK_EQ_INT(r, UK_E_BAD_SIGNATURE, "%s", flips[i].name);
                        continue;
                }
                CHECK_EQ_INT(r, UK_OK, "%s", flips[i].name);
                if (flips[i].changes)
                        CHECK(memcmp(d, unsigned_digest, 32) != 0, "%s changes the digest", flips[i].name);
                else
                        CHECK(memcmp(d, unsigned_digest, 32) == 0, "%s does not change the digest", flips[i].name);
        }
        /* The whole security entry rewritten (another table size, same place): still the same digest. */
        len = ac_add_table(AC_CERT, two_plus_one, 2, 0);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "shorter table");
        CHECK(memcmp(got, unsigned_digest, 32) == 0, "security entry's size is not hashed");
}

/* Layouts the digest must (or must not) accept, each from the signed image with one change. */
static void test_authenticode_digest_layouts(void) {
        uint8_t want[32], got[32], sentinel[32];
        size_t len;

        memset(sentinel, 0xa5, 32);

        /* Table not at the end: one byte after it. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        ac[len] = 0;
        memcpy(got, sentinel, 32);
        CHECK_EQ_INT(ac_digest(ac, len + 1, 4096, got), UK_E_BAD_SIGNATURE, "byte after the table");
        CHECK(memcmp(got, sentinel, 32) == 0, "digest untouched on failure");
        /* Table size one short of the end. */
        peb_put32(ac + AC_SECDIR + 4, (uint32_t) (len - AC_CERT - 1));
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "table ends before the file");
        /* Table past the end. */
        peb_put32(ac + AC_SECDIR + 4, (uint32_t) (len - AC_CERT + 8));
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "table past the end");
        /* Table offset overflowing. */
        peb_put32(ac + AC_SECDIR, 0xfffffff8u);
        peb_put32(ac + AC_SECDIR + 4, 0x10);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "table offset wraps");
        /* Table inside the trailing bytes, not at the end. */
        peb_put32(ac + AC_SECDIR, AC_TRAIL);
        peb_put32(ac + AC_SECDIR + 4, 8);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "table in the middle");
        CHECK(memcmp(got, sentinel, 32) == 0, "digest untouched on failure");

        /* SizeOfHeaders: must cover the security entry and stay inside the file. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        peb_put32(ac + AC_SOH, AC_SECDIR + 4);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "headers end inside the security entry");
        peb_put32(ac + AC_SOH, 0);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "SizeOfHeaders 0");
        peb_put32(ac + AC_SOH, (uint32_t) len + 1);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "SizeOfHeaders past the end");
        /* Ending before the section table does: the table's tail (section names) would not be signed. */
        peb_put32(ac + AC_SOH, AC_SECDIR + 8);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "SizeOfHeaders inside the section table");

        /* No security directory (NumberOfRvaAndSizes 4): its bytes are ordinary header bytes. */
        len = ac_build_unsigned();
        peb_put32(ac + AC_NDIRS, 4);
        peb_put32(ac + AC_SECDIR, 0x11223344);
        peb_put32(ac + AC_SECDIR + 4, 0x55667788);
        ac_expected(ac, len, AC_HDR, 0, 0, want);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "4 directories");
        CHECK(memcmp(got, want, 32) == 0, "4 directories: only CheckSum skipped");
        ac[AC_SECDIR] ^= 1;
        uint8_t got2[32];
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got2), UK_OK, "4 directories, entry 4 changed");
        CHECK(memcmp(got, got2, 32) != 0, "4 directories: bytes where entry 4 would be are hashed");
        /* Exactly 5 directories: the security entry is the last one. */
        len = ac_build_unsigned();
        peb_put32(ac + AC_NDIRS, 5);
        len = ac_add_table(AC_CERT, two_plus_one, 3, 0);
        ac_expected(ac, len, AC_HDR, 1, len - AC_CERT, want);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "5 directories");
        CHECK(memcmp(got, want, 32) == 0, "5 directories digest");

        /* A section reaching into the certificate table: the trailing range would start inside it. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        peb_put32(ac + PEB_TABLE + 16, AC_DATA_LEN + AC_TRAIL_LEN + 8);   /* .data SizeOfRawData */
        memcpy(got, sentinel, 32);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_BAD_SIGNATURE, "section data into the table");
        CHECK(memcmp(got, sentinel, 32) == 0, "digest untouched on failure");
        /* SizeOfRawData past the end of the file (VirtualSize keeps the parser happy). */
        peb_put32(ac + PEB_TABLE + 16, (uint32_t) (len - AC_DATA + 1));
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_E_SECTION_OUT_OF_BOUNDS, "SizeOfRawData past the end");
        CHECK(memcmp(got, sentinel, 32) == 0, "digest untouched on failure");

        /* Sections hashed whole (SizeOfRawData), even beyond VirtualSize. */
        len = ac_build_unsigned();
        peb_put32(ac + PEB_TABLE + 8, 8);     /* .data VirtualSize 8 of 32 */
        ac_expected(ac, len, AC_HDR, 1, 0, want);
        CHECK_EQ_INT(ac_digest(ac, len, 4096, got), UK_OK, "VirtualSize < SizeOfRawData");
        CHECK(memcmp(got, want, 32) == 0, "SizeOfRawData bytes hashed");

        /* Arguments. */
        struct uk_source src;
        static struct uk_pe pe;
        uint8_t scratch[64];
        len = ac_build_unsigned();
        uk_source_from_memory(&src, ac, len);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "parse for args");
        CHECK_EQ_INT(uk_authenticode_sha256(NULL, &pe, scratch, 64, got), UK_E_INVALID_ARG, "NULL src");
        CHECK_EQ_INT(uk_authenticode_sha256(&src, NULL, scratch, 64, got), UK_E_INVALID_ARG, "NULL pe");
        CHECK_EQ_INT(uk_authenticode_sha256(&src, &pe, NULL, 64, got), UK_E_INVALID_ARG, "NULL scratch");
        CHECK_EQ_INT(uk_authenticode_sha256(&src, &pe, scratch, 0, got), UK_E_INVALID_ARG, "zero scratch");
        CHECK_EQ_INT(uk_authenticode_sha256(&src, &pe, scratch, 64, NULL), UK_E_INVALID_ARG, "NULL digest");
        pe.n_sections = UK_PE_MAX_SECTIONS + 1;
        CHECK_EQ_INT(uk_authenticode_sha256(&src, &pe, scratch, 64, got), UK_E_INVALID_ARG, "too many sections");
        pe.n_sections = 3;
        /* I/O errors propagate. */
        struct uk_source failing = { .read_at = peb_failing_read, .size = len };
        memcpy(got, sentinel, 32);
        CHECK_EQ_INT(uk_authenticode_sha256(&failing, &pe, scratch, 64, got), UK_E_IO, "read error");
        CHECK(memcmp(got, sentinel, 32) == 0, "digest untouched on a read error");
}

static void test_authenticode_signatures(void) {
        struct uk_signature sig[UK_AUTHENTICODE_MAX_SIGNATURES + 4], sentinel[UK_AUTHENTICODE_MAX_SIGNATURES + 4];
        size_t n, len;

        memset(sentinel, 0xa5, sizeof(sentinel));
#define RESET() do { memcpy(sig, sentinel, sizeof(sig)); n = 77; } while (0)
#define UNTOUCHED(what) do { \
                CHECK(memcmp(sig, sentinel, sizeof(sig)) == 0, "%s: ret untouched", what); \
                CHECK_EQ_INT(n, 77, "%s: ret_n untouched", what); } while (0)

        /* Unsigned. */
        len = ac_build_unsigned();
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_OK, "unsigned");
        CHECK_EQ_INT(n, 0, "unsigned: no signatures");
        CHECK(memcmp(sig, sentinel, sizeof(sig)) == 0, "unsigned: ret not written");
        CHECK_EQ_INT(ac_sigs(ac, len, NULL, 0, &n), UK_OK, "unsigned, no ret");
        CHECK_EQ_INT(n, 0, "unsigned, no ret: 0");
        /* A directory entry with offset but size 0 is no table. */
        peb_put32(ac + AC_SECDIR, AC_TRAIL);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_OK, "size 0 table");
        CHECK_EQ_INT(n, 0, "size 0 table: no signatures");

        /* Two PKCS#7 entries and an X509 one between them, each padded to 8 bytes (21 -> 24, 16, 28 -> 32). */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        CHECK_EQ_INT(len - AC_CERT, 72, "2+1 entries: table size");
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_OK, "2+1 entries");
        CHECK_EQ_INT(n, 2, "2+1 entries: 2 signatures");
        CHECK_EQ_INT(sig[0].offset, AC_CERT + 8, "sig 0 offset");
        CHECK_EQ_INT(sig[0].length, 13, "sig 0 length");
        CHECK_EQ_INT(sig[1].offset, AC_CERT + 24 + 16 + 8, "sig 1 offset");
        CHECK_EQ_INT(sig[1].length, 20, "sig 1 length");
        CHECK(memcmp(&sig[2], &sentinel[2], sizeof(sig[2])) == 0, "ret[2] not written");
        CHECK_EQ_INT(ac[sig[0].offset], 0xa1, "sig 0 bytes");
        CHECK_EQ_INT(ac[sig[1].offset + sig[1].length - 1], 0xc3, "sig 1 last byte");
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 2, &n), UK_OK, "2+1 entries, cap 2");
        CHECK_EQ_INT(n, 2, "cap 2: 2 signatures");
        /* The last entry without its padding (table size 68): accepted, as authenticode.c documents ("the
         * padding of the last one may end the table"). NB: edk2's DxeImageVerificationLib refuses this
         * table (its walk stops short of SecDataDirEnd); this check pins ukiboot's current behaviour. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 0);
        CHECK_EQ_INT(len - AC_CERT, 68, "unpadded last entry: table size");
        RESET();
        /* The firmware's walk must end exactly at the table's end: an unpadded last entry is malformed. */
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "unpadded last entry");
        UNTOUCHED("unpadded last entry");
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        /* Too many for the caller. */
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 1, &n), UK_E_TOO_MANY, "cap 1");
        UNTOUCHED("cap 1");
        CHECK_EQ_INT(ac_sigs(ac, len, NULL, 0, &n), UK_E_TOO_MANY, "cap 0");
        CHECK_EQ_INT(n, 77, "cap 0: ret_n untouched");

        /* Entries of other revisions or types are skipped. */
        static const struct wincert others[] = {
                { 8 + 8, 0x0100, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 1 },
                { 8 + 8, UK_WIN_CERT_REVISION_2_0, 0x0003, 2 },
                { 8 + 8, 0x0002, 0x0200, 3 },     /* revision and type swapped */
                { 8 + 1, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 4 },
        };
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, others, 4, 1);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_OK, "other types");
        CHECK_EQ_INT(n, 1, "other types: one PKCS#7");
        CHECK_EQ_INT(sig[0].offset, AC_CERT + 3 * 16 + 8, "1-byte signature offset");
        CHECK_EQ_INT(sig[0].length, 1, "1-byte signature length");

        /* The internal limit: 8 accepted, 9 too many even with room. */
        struct wincert many[UK_AUTHENTICODE_MAX_SIGNATURES + 2];
        for (size_t i = 0; i < UK_ELEMENTSOF(many); i++)
                many[i] = (struct wincert) { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA,
                                             (uint8_t) i };
        many[UK_AUTHENTICODE_MAX_SIGNATURES].type = 0x0001;    /* the 9th entry: another type */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, many, UK_AUTHENTICODE_MAX_SIGNATURES + 1, 0);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, UK_ELEMENTSOF(sig), &n), UK_OK, "8 signatures + 1 other");
        CHECK_EQ_INT(n, UK_AUTHENTICODE_MAX_SIGNATURES, "8 signatures");
        for (size_t i = 0; i < UK_AUTHENTICODE_MAX_SIGNATURES; i++) {
                CHECK_EQ_INT(sig[i].offset, AC_CERT + 16 * i + 8, "many: sig %zu offset", i);
                CHECK_EQ_INT(sig[i].length, 8, "many: sig %zu length", i);
        }
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, UK_AUTHENTICODE_MAX_SIGNATURES - 1, &n), UK_E_TOO_MANY, "8 with cap 7");
        UNTOUCHED("8 with cap 7");
        many[UK_AUTHENTICODE_MAX_SIGNATURES].type = UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA;
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, many, UK_AUTHENTICODE_MAX_SIGNATURES + 1, 0);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, UK_ELEMENTSOF(sig), &n), UK_E_TOO_MANY, "9 signatures, cap 12");
        UNTOUCHED("9 signatures");

        /* Malformed tables. */
        struct bad {
                const char *name;
                struct wincert w[2];
                size_t n;
                int pad_last;
                int32_t size_delta;       /* added to the directory's size and the file (extra zero bytes) */
        } bads[] = {
                { "dwLength 0", { { 0, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } }, 1, 0, 8 },
                { "dwLength 7", { { 7, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } }, 1, 0, 8 },
                { "dwLength 8", { { 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } }, 1, 0, 0 },
                { "dwLength 8, other type", { { 8, UK_WIN_CERT_REVISION_2_0, 1, 0 } }, 1, 0, 0 },
                { "second dwLength 8", { { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 },
                                         { 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } }, 2, 0, 0 },
                { "dwLength 1 past the end", { { 8 + 16, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } },
                  1, 0, -1 },
                { "second past the end", { { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 },
                                           { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } },
                  2, 0, -8 },
                { "4 bytes after the last entry", { { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } },
                  1, 0, 4 },
                { "7 bytes after the last entry", { { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } },
                  1, 0, 7 },
                { "8 zero bytes after the last entry", { { 8 + 8, UK_WIN_CERT_REVISION_2_0, UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA, 0 } },
                  1, 0, 8 },
                { "table of 4 bytes", { { 0 } }, 0, 0, 4 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(bads); i++) {
                ac_build_unsigned();
                len = ac_add_table(AC_CERT, bads[i].w, bads[i].n, bads[i].pad_last);
                if (bads[i].size_delta > 0)
                        memset(ac + len, 0, (size_t) bads[i].size_delta);
                uint32_t size = (uint32_t) (len - AC_CERT) + (uint32_t) bads[i].size_delta;
                peb_put32(ac + AC_SECDIR + 4, size);
                len = AC_CERT + size;
                RESET();
                CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "%s", bads[i].name);
                UNTOUCHED(bads[i].name);
        }
        /* dwLength 0xffffffff. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 1, 1);
        peb_put32(ac + AC_CERT, 0xffffffffu);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "dwLength 0xffffffff");
        UNTOUCHED("dwLength 0xffffffff");
        /* Bad second entry after a good one: nothing is returned. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        peb_put32(ac + AC_CERT + 24 + 16, 4);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "bad third entry");
        UNTOUCHED("bad third entry");
        /* Table not at the end of the file. */
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        ac[len] = 0;
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len + 1, sig, 4, &n), UK_E_BAD_SIGNATURE, "table not at the end");
        UNTOUCHED("table not at the end");
        peb_put32(ac + AC_SECDIR + 4, (uint32_t) (len - AC_CERT + 8));
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "table past the end");
        UNTOUCHED("table past the end");
        peb_put32(ac + AC_SECDIR, 0xfffffff8u);
        peb_put32(ac + AC_SECDIR + 4, 0x10);
        RESET();
        CHECK_EQ_INT(ac_sigs(ac, len, sig, 4, &n), UK_E_BAD_SIGNATURE, "table offset wraps");
        UNTOUCHED("table offset wraps");

        /* Arguments and I/O. */
        struct uk_source src;
        static struct uk_pe pe;
        ac_build_unsigned();
        len = ac_add_table(AC_CERT, two_plus_one, 3, 1);
        uk_source_from_memory(&src, ac, len);
        CHECK_EQ_INT(uk_pe_parse(&src, &pe), UK_OK, "parse for args");
        RESET();
        CHECK_EQ_INT(uk_authenticode_signatures(NULL, &pe, sig, 4, &n), UK_E_INVALID_ARG, "NULL src");
        CHECK_EQ_INT(uk_authenticode_signatures(&src, NULL, sig, 4, &n), UK_E_INVALID_ARG, "NULL pe");
        CHECK_EQ_INT(uk_authenticode_signatures(&src, &pe, NULL, 4, &n), UK_E_INVALID_ARG, "NULL ret with cap");
        CHECK_EQ_INT(uk_authenticode_signatures(&src, &pe, sig, 4, NULL), UK_E_INVALID_ARG, "NULL ret_n");
        UNTOUCHED("bad arguments");
        struct uk_source failing = { .read_at = peb_failing_read, .size = len };
        CHECK_EQ_INT(uk_authenticode_signatures(&failing, &pe, sig, 4, &n), UK_E_IO, "read error");
        UNTOUCHED("read error");
#undef RESET
#undef UNTOUCHED
}

int main(int argc, char **argv) {
        unit_suite = "trust-parsers";
        (void) argc, (void) argv;
        test_sbat_table();
        test_sbat_names_printable();
        test_sbat_args();
        test_siglist_walk();
        test_siglist_malformed();
        test_siglist_find();
        test_authenticode_layout();
        test_authenticode_digest();
        test_authenticode_digest_layouts();
        test_authenticode_signatures();
        return unit_finish();
}
