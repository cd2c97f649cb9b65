/* ukiboot — Authenticode: the digest a signed PE image's signature covers, and the signatures it carries.
 * Pure parsing and hashing; checking a signature against keys is the twin's (the firmware, or libcrypto). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "pe.h"
#include "source.h"

#define UK_WIN_CERT_REVISION_2_0            0x0200u
#define UK_WIN_CERT_TYPE_PKCS_SIGNED_DATA   0x0002u
#define UK_AUTHENTICODE_MAX_SIGNATURES      8u

/* One PKCS#7 SignedData blob inside the image's attribute certificate table. */
struct uk_signature {
        uint64_t offset;        /* file offset of the DER bytes */
        uint32_t length;
};

/* SHA-256 Authenticode digest of src (already parsed as pe), computed the way UEFI firmware does it:
 * headers without CheckSum and the certificate-table directory entry, sections with file data in file
 * order, then the bytes after them up to the certificate table. scratch[scratch_len] is read space (the
 * image is never held whole). UK_E_BAD_SIGNATURE when the layout cannot be digested (table not at the
 * end of the file, headers overlapping the directory). */
uk_err uk_authenticode_sha256(const struct uk_source *src, const struct uk_pe *pe, uint8_t *scratch,
                              size_t scratch_len, uint8_t ret_digest[32]);

/* The PKCS#7 signatures in src's certificate table, in table order, into ret[cap]; *ret_n is how many
 * (0: unsigned). Entries of other types are skipped; a malformed table is UK_E_BAD_SIGNATURE. */
uk_err uk_authenticode_signatures(const struct uk_source *src, const struct uk_pe *pe, struct uk_signature *ret,
                                  size_t cap, size_t *ret_n);
