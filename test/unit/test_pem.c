/* Unit tests for common/pem.c: PEM CERTIFICATE blocks to DER and to the EFI_SIGNATURE_LIST array HttpDxe
 * reads (TlsCaCertificate), byte for byte; malformed bundles refused whole. */
#include <stdint.h>
#include "unit.h"
#include "pem.h"
#include "siglist.h"
#include "util.h"

/* Two tiny "certificates": DER SEQUENCEs 30 03 01 02 03 and 30 04 aa bb cc dd. */
#define CERT_A "-----BEGIN CERTIFICATE-----\nMAMBAgM=\n-----END CERTIFICATE-----\n"
#define CERT_B "-----BEGIN CERTIFICATE-----\r\nMASq\r\nu8zd\r\n-----END CERTIFICATE-----\r\n"
static const uint8_t der_a[] = { 0x30, 0x03, 0x01, 0x02, 0x03 };
static const uint8_t der_b[] = { 0x30, 0x04, 0xaa, 0xbb, 0xcc, 0xdd };

static void test_lists(void) {
        static const char text[] = "# bundle\n" CERT_A "-----BEGIN PRIVATE KEY-----\nMAMBAgM=\n-----END PRIVATE KEY-----\n" CERT_B;
        uint8_t out[256];
        size_t len = 0;
        unsigned count = 0;
        CHECK_EQ_INT(uk_pem_to_siglist(text, sizeof(text) - 1, out, sizeof(out), &len, &count), UK_OK, "bundle");
        CHECK_EQ_INT(count, 2, "two certificates, the key block skipped");
        CHECK_EQ_INT(len, (28 + 16 + 5) + (28 + 16 + 6), "one list each");
        /* The first list, byte for byte: EFI_CERT_X509_GUID, ListSize 49, HeaderSize 0, SignatureSize 21,
         * the owner GUID, the DER. */
        static const uint8_t list_a[] = {
                0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72,
                49, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0,
                0x82, 0xb0, 0x67, 0x4a, 0x4c, 0x0a, 0xcf, 0x41, 0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f,
                0x30, 0x03, 0x01, 0x02, 0x03,
        };
        CHECK(memcmp(out, list_a, sizeof(list_a)) == 0, "first list exact");
        /* The array reads back through the db parser as two X509 signatures, in order. */
        struct uk_siglist_cursor c = { 0 };
        struct uk_sig sig;
        CHECK_EQ_INT(uk_siglist_next(out, len, &c, &sig), UK_OK, "first");
        CHECK(sig.type == UK_SIG_X509 && sig.len == sizeof(der_a) && memcmp(sig.data, der_a, sig.len) == 0, "A");
        CHECK_EQ_INT(uk_siglist_next(out, len, &c, &sig), UK_OK, "second");
        CHECK(sig.type == UK_SIG_X509 && sig.len == sizeof(der_b) && memcmp(sig.data, der_b, sig.len) == 0, "B");
        CHECK_EQ_INT(uk_siglist_next(out, len, &c, &sig), UK_E_NOT_FOUND, "two only");
        /* Exactly big enough, and one byte short. */
        CHECK_EQ_INT(uk_pem_to_siglist(text, sizeof(text) - 1, out, len, &len, &count), UK_OK, "exact fit");
        CHECK_EQ_INT(uk_pem_to_siglist(text, sizeof(text) - 1, out, len - 1, &len, &count), UK_E_BUFFER_TOO_SMALL, "short");
}

static void test_malformed(void) {
        static const struct {
                const char *name, *text;
                uk_err err;
        } t[] = {
                { "empty", "", UK_E_NOT_FOUND },
                { "no certificate", "-----BEGIN PRIVATE KEY-----\nMAMBAgM=\n-----END PRIVATE KEY-----\n", UK_E_NOT_FOUND },
                { "no END", "-----BEGIN CERTIFICATE-----\nMAMBAgM=\n", UK_E_SYNTAX },
                { "not base64", "-----BEGIN CERTIFICATE-----\nMAM*AgM=\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "header line", "-----BEGIN CERTIFICATE-----\nProc-Type: 4\nMAMBAgM=\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "data after padding", "-----BEGIN CERTIFICATE-----\nMAMB=AgM\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "missing padding", "-----BEGIN CERTIFICATE-----\nMAMBAgM\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "too much padding", "-----BEGIN CERTIFICATE-----\nMAMBAgM==\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "stray bits", "-----BEGIN CERTIFICATE-----\nMAMBAgN=\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "not a SEQUENCE", "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "empty block", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
                { "good then bad", CERT_A "-----BEGIN CERTIFICATE-----\nMA!!\n-----END CERTIFICATE-----\n", UK_E_SYNTAX },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                uint8_t out[128];
                size_t len = 7;
                unsigned count = 9;
                CHECK_EQ_INT(uk_pem_to_siglist(t[i].text, strlen(t[i].text), out, sizeof(out), &len, &count), t[i].err,
                             "%s", t[i].name);
                CHECK(len == 7 && count == 9, "%s: outputs untouched", t[i].name);
        }
}

static void test_next(void) {
        static const char text[] = CERT_A CERT_B;
        uint8_t der[16];
        size_t pos = 0, len;
        CHECK_EQ_INT(uk_pem_next_cert(text, sizeof(text) - 1, &pos, der, sizeof(der), &len), UK_OK, "A");
        CHECK(len == sizeof(der_a) && memcmp(der, der_a, len) == 0, "A's bytes");
        CHECK_EQ_INT(uk_pem_next_cert(text, sizeof(text) - 1, &pos, der, sizeof(der), &len), UK_OK, "B");
        CHECK(len == sizeof(der_b) && memcmp(der, der_b, len) == 0, "B's bytes");
        CHECK_EQ_INT(uk_pem_next_cert(text, sizeof(text) - 1, &pos, der, sizeof(der), &len), UK_E_NOT_FOUND, "end");
        pos = 0;
        CHECK_EQ_INT(uk_pem_next_cert(text, sizeof(text) - 1, &pos, der, 4, &len), UK_E_BUFFER_TOO_SMALL, "small");
        pos = sizeof(text);
        CHECK_EQ_INT(uk_pem_next_cert(text, sizeof(text) - 1, &pos, der, sizeof(der), &len), UK_E_INVALID_ARG, "pos past end");
}

int main(void) {
        unit_suite = "pem";
        test_lists();
        test_malformed();
        test_next();
        return unit_finish();
}
