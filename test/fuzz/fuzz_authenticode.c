/* ukiboot — fuzz the Authenticode digest and certificate table: any bytes as a PE file. When uk_pe_parse
 * accepts it, the digest must come out the same through any scratch size, not depend on CheckSum, and every
 * signature returned must lie inside the certificate table, which must be the tail of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "authenticode.h"
#include "pe.h"
#include "util.h"

/* Whether [off, off+4) overlaps any byte the digest reads other than through the header range. */
static int checksum_hashed_elsewhere(const struct uk_pe *pe, uint64_t size) {
        uint64_t ck = pe->checksum_offset, hashed = pe->size_of_headers;
        for (unsigned i = 0; i < pe->n_sections; i++) {
                const struct uk_pe_section *s = &pe->sections[i];
                if (s->raw_size == 0)
                        continue;
                if (s->raw_offset < ck + 4 && ck < (uint64_t) s->raw_offset + s->raw_size)
                        return 1;
                hashed += s->raw_size;
        }
        return hashed < size && hashed < ck + 4;     /* the trailing range starts before CheckSum's end */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_source src;
        static struct uk_pe pe;
        static uint8_t scratch[4096];
        uint8_t d1[32], d2[32], d3[32];
        struct uk_signature sigs[UK_AUTHENTICODE_MAX_SIGNATURES + 1];
        size_t n = 12345;

        uk_source_from_memory(&src, data, size);
        if (uk_pe_parse(&src, &pe) != UK_OK)
                return 0;

        memset(d1, 0xa5, sizeof(d1));
        uk_err r1 = uk_authenticode_sha256(&src, &pe, scratch, sizeof(scratch), d1);
        if (r1 != UK_OK) {
                for (size_t i = 0; i < sizeof(d1); i++)
                        if (d1[i] != 0xa5)
                                abort();        /* no partial digest on failure */
                if (r1 != UK_E_BAD_SIGNATURE && r1 != UK_E_SECTION_OUT_OF_BOUNDS)
                        abort();
        }
        /* Any scratch size reads the same bytes. */
        uk_err r2 = uk_authenticode_sha256(&src, &pe, scratch, 61, d2);
        if (r2 != r1 || (r1 == UK_OK && memcmp(d1, d2, 32) != 0))
                abort();
        /* CheckSum is not hashed (unless a section or the trailing range covers its bytes). */
        if (r1 == UK_OK && !checksum_hashed_elsewhere(&pe, size) && size <= 1u << 20) {
                uint8_t *copy = malloc(size);
                struct uk_source csrc;
                memcpy(copy, data, size);
                for (unsigned i = 0; i < 4; i++)
                        copy[pe.checksum_offset + i] ^= 0xff;
                uk_source_from_memory(&csrc, copy, size);
                if (uk_authenticode_sha256(&csrc, &pe, scratch, sizeof(scratch), d3) != UK_OK ||
                    memcmp(d1, d3, 32) != 0)
                        abort();
                free(copy);
        }

        uk_err rs = uk_authenticode_signatures(&src, &pe, sigs, UK_AUTHENTICODE_MAX_SIGNATURES, &n);
        if (rs == UK_OK) {
                if (n > UK_AUTHENTICODE_MAX_SIGNATURES)
                        abort();
                if (n > 0 && (pe.cert_table_size == 0 ||
                              (uint64_t) pe.cert_table_offset + pe.cert_table_size != size))
                        abort();
                for (size_t i = 0; i < n; i++) {
                        if (sigs[i].length == 0 || !uk_range_ok(sigs[i].offset, sigs[i].length, size))
                                abort();
                        if (sigs[i].offset < (uint64_t) pe.cert_table_offset + 8)
                                abort();
                        if (i > 0 && sigs[i].offset < sigs[i - 1].offset + sigs[i - 1].length)
                                abort();
                        /* The WIN_CERTIFICATE header before the data says what the parser reported. */
                        const uint8_t *h = data + sigs[i].offset - 8;
                        if (uk_le32(h) != sigs[i].length + 8 || uk_le16(h + 4) != UK_WIN_CERT_REVISION_2_0 ||
                            uk_le16(h + 6) != UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA)
                                abort();
                        volatile uint8_t sink = data[sigs[i].offset] ^ data[sigs[i].offset + sigs[i].length - 1];
                        (void) sink;
                }
                /* A table the walk accepts is the tail of the file, as the digest requires. */
                if (pe.cert_table_size && (uint64_t) pe.cert_table_offset + pe.cert_table_size != size)
                        abort();
        } else {
                if (rs != UK_E_BAD_SIGNATURE && rs != UK_E_TOO_MANY)
                        abort();
                if (n != 12345)
                        abort();        /* ret_n untouched on failure */
        }
        /* A smaller cap: the same list, or UK_E_TOO_MANY once a second signature is met (which may come
         * before the damage that made the full walk UK_E_BAD_SIGNATURE). */
        size_t n1 = 0;
        uk_err rc = uk_authenticode_signatures(&src, &pe, sigs, 1, &n1);
        if (rs == UK_OK && (n <= 1 ? rc != UK_OK || n1 != n : rc != UK_E_TOO_MANY))
                abort();
        if (rs == UK_E_TOO_MANY && rc != UK_E_TOO_MANY)
                abort();
        if (rs == UK_E_BAD_SIGNATURE && rc != UK_E_BAD_SIGNATURE && rc != UK_E_TOO_MANY)
                abort();
        return 0;
}
