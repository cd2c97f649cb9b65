/* ukiboot — EFI_SIGNATURE_LIST parser (untrusted bytes: a variable anyone with the KEK, or a file, supplies). */
#include "siglist.h"
#include "util.h"

#define LIST_HEADER_SIZE 28u    /* SignatureType GUID, ListSize, HeaderSize, SignatureSize */
#define OWNER_SIZE       16u

/* GUIDs in their on-disk (mixed-endian) byte order. */
static const struct {
        uint8_t guid[16];
        enum uk_sig_type type;
} sig_types[] = {
        /* c1c41626-504c-4092-aca9-41f936934328 */
        { { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 },
          UK_SIG_SHA256 },
        /* a5c059a1-94e4-4aa7-87b5-ab155c2bf072 */
        { { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 },
          UK_SIG_X509 },
        /* 3bd2a492-96c0-4079-b420-fcf98ef103ed */
        { { 0x92, 0xa4, 0xd2, 0x3b, 0xc0, 0x96, 0x79, 0x40, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed },
          UK_SIG_X509_SHA256 },
};

static enum uk_sig_type type_of(const uint8_t guid[16]) {
        for (size_t i = 0; i < UK_ELEMENTSOF(sig_types); i++)
                if (uk_memcmp(guid, sig_types[i].guid, 16) == 0)
                        return sig_types[i].type;
        return UK_SIG_OTHER;
}

uk_err uk_siglist_next(const uint8_t *data, size_t len, struct uk_siglist_cursor *cursor, struct uk_sig *ret) {
        if ((!data && len) || !cursor || !ret)
                return UK_E_INVALID_ARG;
        for (;;) {
                size_t at = cursor->list;
                if (at >= len)
                        return UK_E_NOT_FOUND;
                if (len - at < LIST_HEADER_SIZE)
                        return UK_E_SYNTAX;
                const uint8_t *h = data + at;
                uint32_t list_size = uk_le32(h + 16), header_size = uk_le32(h + 20), sig_size = uk_le32(h + 24);
                /* The list must fit, its signatures must each hold an owner, and fill it exactly. */
                if (list_size < LIST_HEADER_SIZE || list_size > len - at || sig_size <= OWNER_SIZE ||
                    header_size > list_size - LIST_HEADER_SIZE ||
                    (list_size - LIST_HEADER_SIZE - header_size) % sig_size != 0)
                        return UK_E_SYNTAX;
                size_t n = (list_size - LIST_HEADER_SIZE - header_size) / sig_size;
                if (cursor->index < n) {
                        const uint8_t *s = h + LIST_HEADER_SIZE + header_size + cursor->index * (size_t) sig_size;
                        cursor->index++;
                        ret->type = type_of(h);
                        ret->data = s + OWNER_SIZE;
                        ret->len = sig_size - OWNER_SIZE;
                        return UK_OK;
                }
                cursor->list = at + list_size;
                cursor->index = 0;
        }
}

uk_err uk_siglist_find(const uint8_t *data, size_t len, enum uk_sig_type type, const uint8_t *value,
                       size_t value_len) {
        struct uk_siglist_cursor c = {};
        struct uk_sig s;
        uk_err r;

        if (!value)
                return UK_E_INVALID_ARG;
        while ((r = uk_siglist_next(data, len, &c, &s)) == UK_OK)
                if (s.type == type && s.len == value_len && uk_memcmp(s.data, value, value_len) == 0)
                        return UK_OK;
        return r;
}
