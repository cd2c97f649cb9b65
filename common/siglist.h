/* ukiboot — EFI_SIGNATURE_LIST arrays (the data of db, dbx, MokListRT, MokListXRT; UEFI 2.10 §32.4.1). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

enum uk_sig_type {
        UK_SIG_OTHER,           /* a type ukiboot does not use (SHA-1, RSA2048, ...): skipped */
        UK_SIG_SHA256,          /* EFI_CERT_SHA256_GUID: an image's Authenticode digest */
        UK_SIG_X509,            /* EFI_CERT_X509_GUID: a DER certificate */
        UK_SIG_X509_SHA256,     /* EFI_CERT_X509_SHA256_GUID: SHA-256 of a certificate's TBSCertificate (+ time) */
};

/* One signature: points into the caller's list bytes. */
struct uk_sig {
        enum uk_sig_type type;
        const uint8_t *data;    /* after the 16-byte SignatureOwner */
        size_t len;
};

/* Where an iteration stands; zero-initialise it to start. */
struct uk_siglist_cursor {
        size_t list;            /* offset of the current EFI_SIGNATURE_LIST */
        size_t index;           /* next signature in it */
};

/* The next signature of the lists in data[len] into *ret: UK_E_NOT_FOUND after the last one, UK_E_SYNTAX
 * when a list header does not fit or does not add up (nothing after it is trusted). */
uk_err uk_siglist_next(const uint8_t *data, size_t len, struct uk_siglist_cursor *cursor, struct uk_sig *ret);

/* Whether the lists hold a signature of type with exactly value[value_len]: UK_OK yes, UK_E_NOT_FOUND no,
 * UK_E_SYNTAX malformed (a caller checking a deny list must treat that as a match). */
uk_err uk_siglist_find(const uint8_t *data, size_t len, enum uk_sig_type type, const uint8_t *value,
                       size_t value_len);
