/* ukiboot — PEM certificate bundles for https: the CERTIFICATE blocks of a text, as the EFI_SIGNATURE_LIST
 * array HttpDxe reads its trusted CAs from (the TlsCaCertificate variable). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Where the ESP's CA bundle for https downloads lives (both twins read it for an ESP entry). */
#define UK_HTTPS_CA_PATH "/loader/keys/https-ca.pem"
/* The largest bundle read from the ESP, and the largest array made of it. */
#define UK_HTTPS_CA_MAX (256u * 1024u)

/* Decode the next "-----BEGIN CERTIFICATE-----" block of text[len] at or after *pos into der[cap]: its
 * length in *ret_len, *pos past its END line. Other PEM blocks are skipped. UK_E_NOT_FOUND when no block
 * is left, UK_E_SYNTAX for a block that is not base64 of a DER SEQUENCE or has no END line,
 * UK_E_BUFFER_TOO_SMALL when it does not fit. */
uk_err uk_pem_next_cert(const char *text, size_t len, size_t *pos, uint8_t *der, size_t cap, size_t *ret_len);

/* Every certificate of text[len] as one EFI_SIGNATURE_LIST of type EFI_CERT_X509_GUID each, in out[cap]:
 * the array's length in *ret_len, how many in *ret_count. UK_E_NOT_FOUND when the text holds none; a
 * malformed block fails the whole bundle (a CA set missing one certificate would fail later and obscurely). */
uk_err uk_pem_to_siglist(const char *text, size_t len, uint8_t *out, size_t cap, size_t *ret_len, unsigned *ret_count);
