/* ukiboot — PEM CERTIFICATE blocks to DER, and to EFI_SIGNATURE_LISTs (RFC 7468 text, UEFI 2.10 §32.4.1). */
#include "pem.h"
#include "util.h"

#define BEGIN_CERT "-----BEGIN CERTIFICATE-----"
#define END_CERT "-----END CERTIFICATE-----"
#define LIST_HEADER_SIZE 28u
#define OWNER_SIZE 16u

/* EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072, on-disk byte order. */
static const uint8_t x509_guid[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
                                       0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
/* The signature owner: the Boot Loader Interface's vendor GUID 4a67b082-0a4c-41cf-b6c7-440b29bb8c4f. */
static const uint8_t owner_guid[16] = { 0x82, 0xb0, 0x67, 0x4a, 0x4c, 0x0a, 0xcf, 0x41,
                                        0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f };

/* The offset of needle in text[from, len), or len. */
static size_t find(const char *text, size_t len, size_t from, const char *needle) {
        size_t n = uk_strlen(needle);
        for (size_t i = from; i + n <= len; i++)
                if (uk_memcmp(text + i, needle, n) == 0)
                        return i;
        return len;
}

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Base64 of s[len] (blanks and line breaks ignored, '=' only as padding at the end) into out[cap]. */
static uk_err b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *ret_len) {
        uint32_t acc = 0;
        unsigned bits = 0, pad = 0;
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                if (c == '=') {
                        pad++;
                        continue;
                }
                int v = b64_value(c);
                if (v < 0 || pad > 0)
                        return UK_E_SYNTAX;     /* a character after padding, or not base64 at all */
                acc = (acc << 6) | (uint32_t) v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (n >= cap)
                                return UK_E_BUFFER_TOO_SMALL;
                        out[n++] = (uint8_t) (acc >> bits);
                }
        }
        /* Whole quanta only: the leftover bits must be zero, and the padding must be what the last quantum lacks
         * (2 characters of 4: '==', leaving 4 bits; 3 of 4: '=', leaving 2). */
        if (pad > 2 || (acc & ((1u << bits) - 1)) != 0 || (bits == 0 ? pad != 0 : bits == 4 ? pad != 2 : bits == 2 ? pad != 1 : true))
                return UK_E_SYNTAX;
        *ret_len = n;
        return UK_OK;
}

uk_err uk_pem_next_cert(const char *text, size_t len, size_t *pos, uint8_t *der, size_t cap, size_t *ret_len) {
        size_t n;
        if (!text || !pos || !der || !ret_len || *pos > len)
                return UK_E_INVALID_ARG;
        size_t begin = find(text, len, *pos, BEGIN_CERT);
        if (begin == len)
                return UK_E_NOT_FOUND;
        size_t body = begin + uk_strlen(BEGIN_CERT);
        size_t end = find(text, len, body, END_CERT);
        if (end == len)
                return UK_E_SYNTAX;
        uk_err r = b64_decode(text + body, end - body, der, cap, &n);
        if (r)
                return r;
        if (n < 2 || der[0] != 0x30)
                return UK_E_SYNTAX;     /* a certificate is a DER SEQUENCE */
        *pos = end + uk_strlen(END_CERT);
        *ret_len = n;
        return UK_OK;
}

static void put_le32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

uk_err uk_pem_to_siglist(const char *text, size_t len, uint8_t *out, size_t cap, size_t *ret_len, unsigned *ret_count) {
        size_t pos = 0, used = 0, der_len;
        unsigned count = 0;
        uk_err r;

        if (!text || !out || !ret_len || !ret_count)
                return UK_E_INVALID_ARG;
        const size_t head = LIST_HEADER_SIZE + OWNER_SIZE;
        for (;;) {
                if (cap - used < head) {
                        if (find(text, len, pos, BEGIN_CERT) != len)
                                return UK_E_BUFFER_TOO_SMALL;
                        break;
                }
                r = uk_pem_next_cert(text, len, &pos, out + used + head, cap - used - head, &der_len);
                if (r == UK_E_NOT_FOUND)
                        break;
                if (r)
                        return r;
                /* One list per certificate: SignatureSize is fixed within a list, and certificates differ. */
                uk_memcpy(out + used, x509_guid, 16);
                put_le32(out + used + 16, (uint32_t) (head + der_len));
                put_le32(out + used + 20, 0);
                put_le32(out + used + 24, (uint32_t) (OWNER_SIZE + der_len));
                uk_memcpy(out + used + LIST_HEADER_SIZE, owner_guid, 16);
                used += head + der_len;
                count++;
        }
        if (count == 0)
                return UK_E_NOT_FOUND;
        *ret_len = used;
        *ret_count = count;
        return UK_OK;
}
