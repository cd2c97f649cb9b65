/* ukiboot — Authenticode digest and signature table (Microsoft PE/COFF specification, "Attribute
 * Certificate Table" and "Authenticode Portable Executable Format"). The order of the hashed ranges follows
 * the firmware's reading of the specification (edk2's DxeImageVerificationLib), since that is the verdict
 * the EFI twin gets and the Linux twin must match. */
#include "authenticode.h"
#include "sha256.h"
#include "util.h"

#define WIN_CERT_HEADER_SIZE 8u

/* A range of the image into the digest; one outside the file means the layout cannot be digested. */
static uk_err hash_range(struct uk_sha256 *c, const struct uk_source *src, uint64_t offset, uint64_t len,
                         uint8_t *scratch, size_t scratch_len) {
        uk_err r = uk_source_sha256(c, src, offset, len, scratch, scratch_len);
        return r == UK_E_TRUNCATED ? UK_E_SECTION_OUT_OF_BOUNDS : r;
}

/* The certificate table's size as the digest counts it: it must be the file's tail, else the bytes after
 * it would be neither hashed nor signed. */
static uk_err cert_table_size(const struct uk_source *src, const struct uk_pe *pe, uint64_t *ret) {
        if (pe->cert_table_size == 0) {
                *ret = 0;
                return UK_OK;
        }
        if (!uk_range_ok(pe->cert_table_offset, pe->cert_table_size, src->size) ||
            (uint64_t) pe->cert_table_offset + pe->cert_table_size != src->size)
                return UK_E_BAD_SIGNATURE;
        *ret = pe->cert_table_size;
        return UK_OK;
}

uk_err uk_authenticode_sha256(const struct uk_source *src, const struct uk_pe *pe, uint8_t *scratch,
                              size_t scratch_len, uint8_t ret_digest[32]) {
        uint8_t order[UK_PE_MAX_SECTIONS];
        struct uk_sha256 c;
        uint64_t headers, hashed, cert_size, after;
        unsigned n = 0;
        uk_err r;

        if (!src || !pe || !scratch || scratch_len == 0 || !ret_digest || pe->n_sections > UK_PE_MAX_SECTIONS)
                return UK_E_INVALID_ARG;
        headers = pe->size_of_headers;
        after = pe->cert_dir_offset ? pe->cert_dir_offset + 8 : pe->checksum_offset + 4;
        /* SizeOfHeaders must cover the section table: a table tail outside the hashed headers could rename
         * sections (".data" into ".linux") without touching the signature. */
        if (headers < after || headers < pe->headers_end || headers > src->size)
                return UK_E_BAD_SIGNATURE;
        r = cert_table_size(src, pe, &cert_size);
        if (r)
                return r;

        uk_sha256_init(&c);
        /* Headers, skipping CheckSum (rewritten by tools after signing) and the directory entry that points
         * at the signature itself. */
        r = hash_range(&c, src, 0, pe->checksum_offset, scratch, scratch_len);
        if (!r && pe->cert_dir_offset) {
                r = hash_range(&c, src, pe->checksum_offset + 4, pe->cert_dir_offset - pe->checksum_offset - 4,
                               scratch, scratch_len);
                if (!r)
                        r = hash_range(&c, src, pe->cert_dir_offset + 8, headers - pe->cert_dir_offset - 8,
                                       scratch, scratch_len);
        } else if (!r)
                r = hash_range(&c, src, pe->checksum_offset + 4, headers - pe->checksum_offset - 4, scratch,
                               scratch_len);
        if (r)
                return r;

        /* Sections with file data, by PointerToRawData (insertion sort: at most UK_PE_MAX_SECTIONS). */
        for (unsigned i = 0; i < pe->n_sections; i++) {
                if (pe->sections[i].raw_size == 0)
                        continue;
                unsigned j = n++;
                while (j > 0 && pe->sections[order[j - 1]].raw_offset > pe->sections[i].raw_offset) {
                        order[j] = order[j - 1];
                        j--;
                }
                order[j] = (uint8_t) i;
        }
        hashed = headers;
        for (unsigned k = 0; k < n; k++) {
                const struct uk_pe_section *s = &pe->sections[order[k]];
                r = hash_range(&c, src, s->raw_offset, s->raw_size, scratch, scratch_len);
                if (r)
                        return r;
                hashed += s->raw_size;
        }

        /* Whatever follows, up to the certificate table, counted from the number of bytes hashed so far
         * (the specification's SUM_OF_BYTES_HASHED, as firmware computes it). */
        if (src->size > hashed) {
                if (src->size - hashed < cert_size)
                        return UK_E_BAD_SIGNATURE;
                r = hash_range(&c, src, hashed, src->size - hashed - cert_size, scratch, scratch_len);
                if (r)
                        return r;
        }
        uk_sha256_final(&c, ret_digest);
        return UK_OK;
}

uk_err uk_authenticode_signatures(const struct uk_source *src, const struct uk_pe *pe, struct uk_signature *ret,
                                  size_t cap, size_t *ret_n) {
        uint64_t cert_size, off, end;
        uint8_t h[WIN_CERT_HEADER_SIZE];
        struct uk_signature found[UK_AUTHENTICODE_MAX_SIGNATURES];
        size_t n = 0;
        uk_err r;

        if (!src || !pe || (!ret && cap) || !ret_n)
                return UK_E_INVALID_ARG;
        r = cert_table_size(src, pe, &cert_size);
        if (r)
                return r;
        off = pe->cert_table_offset;
        end = off + cert_size;
        while (off < end) {
                if (end - off < WIN_CERT_HEADER_SIZE)
                        return UK_E_BAD_SIGNATURE;
                r = uk_source_read(src, off, h, sizeof(h));
                if (r)
                        return r;
                uint32_t len = uk_le32(h);
                if (len <= WIN_CERT_HEADER_SIZE || len > end - off)
                        return UK_E_BAD_SIGNATURE;
                if (uk_le16(h + 4) == UK_WIN_CERT_REVISION_2_0 && uk_le16(h + 6) == UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
                        if (n == cap || n == UK_ELEMENTSOF(found))
                                return UK_E_TOO_MANY;
                        found[n].offset = off + WIN_CERT_HEADER_SIZE;
                        found[n].length = len - WIN_CERT_HEADER_SIZE;
                        n++;
                }
                /* Entries are 8-byte aligned, the last one's padding included: the walk must land exactly on
                 * the table's end, as the firmware requires (an unpadded last entry is malformed there too). */
                uint64_t step = ((uint64_t) len + 7) & ~(uint64_t) 7;
                if (step > end - off)
                        return UK_E_BAD_SIGNATURE;
                off += step;
        }
        uk_memcpy(ret, found, n * sizeof(found[0]));
        *ret_n = n;
        return UK_OK;
}
