/* ukiboot — Secure Boot on the Linux twin: the UKI's Authenticode signature against db/dbx/MokList.
 *
 * The rules are the firmware's (edk2's DxeImageVerificationLib, which is what the EFI twin's LoadImage
 * applies), so both twins accept and refuse the same images:
 *   1. an image whose Authenticode digest is in dbx (or MokListXRT) is refused;
 *   2. a signature whose chain reaches a certificate in dbx (or whose certificate's TBS hash is there) is
 *      refused, whatever else signed the image;
 *   3. the image is trusted when a signature verifies against a certificate in db (or in MokListRT when
 *      shim booted this system: shim would have accepted it), or when its digest is in db;
 *   4. everything else is refused: unsigned, changed after signing, signed by an unknown key.
 * Chains may end at any certificate in the list (partial chains), time and key usage are not checked:
 * firmware has no trusted clock, and signing certificates in db rarely carry code-signing usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include "trust.h"
#include "authenticode.h"
#include "log.h"
#include "pe.h"
#include "sha256.h"
#include "siglist.h"
#include "util.h"

#define SIGNATURE_MAX   (256 * 1024)    /* one PKCS#7 blob: certificates and a signature, never more */
#define HASH_CHUNK      (1024 * 1024)
#define SPC_INDIRECT_DATA_OID "1.3.6.1.4.1.311.2.1.4"
#define MOK_VARIABLES_DIR "/sys/firmware/efi/mok-variables"

/* ---- the lists ---- */

/* A certificate file given with --db/--dbx as a one-certificate EFI_SIGNATURE_LIST, so every list is held
 * in the firmware's own format. */
static int esl_from_cert(X509 *x, uint8_t **ret, size_t *ret_len) {
        static const uint8_t x509_guid[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
                                               0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
        int der_len = i2d_X509(x, NULL);
        if (der_len <= 0)
                return -EINVAL;
        size_t sig = 16 + (size_t) der_len, len = 28 + sig;
        uint8_t *p = realloc(*ret, *ret_len + len);
        if (!p)
                return -ENOMEM;
        *ret = p;
        uint8_t *h = p + *ret_len, *der = h + 28 + 16;
        memcpy(h, x509_guid, 16);
        for (int i = 0; i < 4; i++) {
                h[16 + i] = (uint8_t) (len >> (8 * i));
                h[20 + i] = 0;
                h[24 + i] = (uint8_t) (sig >> (8 * i));
        }
        memset(h + 28, 0, 16);
        i2d_X509(x, &der);
        *ret_len += len;
        return 0;
}

/* --db/--dbx FILE: an EFI_SIGNATURE_LIST (efi-readvar -o, or a variable's data), or PEM/DER certificates. */
static int list_from_file(const char *path, uint8_t **ret, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", path, strerror(errno));
        size_t cap = 1024 * 1024, len;
        uint8_t *buf = malloc(cap + 1);
        if (!buf) {
                fclose(f);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        len = fread(buf, 1, cap + 1, f);
        bool err = ferror(f);
        fclose(f);
        if (err || len > cap) {
                free(buf);
                return log_fail(EXIT_INVALID, "%s: %s", path, err ? "read error" : "larger than 1 MiB");
        }
        uint8_t *out = NULL;
        size_t out_len = 0;
        BIO *bio = BIO_new_mem_buf(buf, (int) len);
        X509 *x;
        if (len > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
                while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
                        int r = esl_from_cert(x, &out, &out_len);
                        X509_free(x);
                        if (r < 0)
                                break;
                }
        } else if (bio && (x = d2i_X509_bio(bio, NULL))) {
                esl_from_cert(x, &out, &out_len);
                X509_free(x);
        } else {
                /* Not a certificate: an EFI_SIGNATURE_LIST array, checked whole before use. */
                struct uk_siglist_cursor c = {};
                struct uk_sig s;
                uk_err e;
                while ((e = uk_siglist_next(buf, len, &c, &s)) == UK_OK)
                        ;
                if (e == UK_E_NOT_FOUND && len > 0) {
                        out = buf, out_len = len;
                        buf = NULL;
                }
        }
        BIO_free(bio);
        free(buf);
        ERR_clear_error();
        if (!out)
                return log_fail(EXIT_INVALID, "%s: neither certificates (PEM/DER) nor an EFI signature list", path);
        *ret = out;
        *ret_len = out_len;
        return EXIT_OK;
}

/* A shim list: the kernel's copy of shim's configuration table when there is one (it holds lists of any
 * size), else the volatile variables shim mirrors (NAME, NAME1, NAME2, ... when one would be too large). */
static void read_mok_list(const char *name, uint8_t **ret, size_t *ret_len) {
        char path[256], part[64];
        snprintf(path, sizeof path, MOK_VARIABLES_DIR "/%s", name);
        if (!getenv("UKIBOOT_EFIVARS_DIR")) {
                FILE *f = fopen(path, "rb");
                if (f) {
                        uint8_t *buf = malloc(1024 * 1024);
                        size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
                        fclose(f);
                        if (n > 0) {
                                *ret = buf, *ret_len = n;
                                return;
                        }
                        free(buf);
                }
        }
        for (int i = 0; i < 16; i++) {
                uint8_t *d;
                size_t n;
                if (i == 0)
                        snprintf(part, sizeof part, "%s", name);
                else
                        snprintf(part, sizeof part, "%s%d", name, i);
                if (efivar_read(part, SHIM_GUID, &d, &n) < 0)
                        break;
                uint8_t *p = realloc(*ret, *ret_len + n);
                if (!p) {
                        free(d);
                        break;
                }
                memcpy(p + *ret_len, d, n);
                *ret = p, *ret_len += n;
                free(d);
        }
}

static void read_firmware_lists(struct trust *t) {
        int r = efivar_read("db", EFI_IMAGE_SECURITY_DATABASE_GUID, &t->db, &t->db_len);
        if (r < 0) {
                t->db = NULL, t->db_len = 0;
                snprintf(t->db_error, sizeof t->db_error, "db cannot be read: %s", strerror(-r));
        }
        if (efivar_read("dbx", EFI_IMAGE_SECURITY_DATABASE_GUID, &t->dbx, &t->dbx_len) < 0)
                t->dbx = NULL, t->dbx_len = 0;
        read_mok_list("MokListRT", &t->mok, &t->mok_len);
        read_mok_list("MokListXRT", &t->mokx, &t->mokx_len);
        uint8_t *sbat;
        size_t n;
        if (efivar_read("SbatLevelRT", SHIM_GUID, &sbat, &n) == 0)
                t->sbat_level = (char *) sbat, t->sbat_level_len = n;
}

int trust_setup(const struct trust_opts *o, struct trust *t) {
        int r;

        memset(t, 0, sizeof *t);
        if (o->secure_boot >= 0) {
                t->state = o->secure_boot ? SB_ON : SB_OFF;
                snprintf(t->why, sizeof t->why, "assumed with --secure-boot");
        } else
                t->state = efivar_secure_state(t->why, sizeof t->why);

        switch (t->state) {
        case SB_UNKNOWN:
                if (o->assume_off) {
                        log_warn("Secure Boot state unknown (%s): --assume-no-secure-boot, so no signature is checked",
                                 t->why);
                        return EXIT_OK;
                }
                if (o->for_boot)
                        return log_fail(EXIT_DENIED, "Secure Boot state unknown (%s): an unverified UKI is not "
                                        "loaded; --assume-no-secure-boot boots as if Secure Boot were off", t->why);
                /* plan/inspect: what load would assume, and say so. */
                t->secure_boot = true;
                break;
        case SB_ON:
                if (o->assume_off && o->secure_boot < 0)
                        return log_fail(EXIT_USAGE, "--assume-no-secure-boot: Secure Boot is on (%s)", t->why);
                t->secure_boot = true;
                break;
        case SB_OFF:
                if (!o->check)
                        return EXIT_OK;
                break;
        }
        if (o->db_file || o->dbx_file) {
                if (o->db_file && (r = list_from_file(o->db_file, &t->db, &t->db_len)))
                        return r;
                if (o->dbx_file && (r = list_from_file(o->dbx_file, &t->dbx, &t->dbx_len)))
                        return r;
                t->verify = true;
        } else if ((t->state == SB_ON && o->secure_boot < 0) || o->check) {
                read_firmware_lists(t);
                t->verify = true;
        }
        return EXIT_OK;
}

void trust_free(struct trust *t) {
        free(t->db), free(t->dbx), free(t->mok), free(t->mokx), free(t->sbat_level);
        memset(t, 0, sizeof *t);
}

void trust_describe(const struct trust *t, char *ret, size_t cap) {
        const char *lists = !t->verify ? "signatures not checked" :
                            t->mok ? "signatures checked against db, dbx, MokListRT and MokListXRT" :
                                     "signatures checked against db and dbx";
        if (t->state == SB_OFF)
                snprintf(ret, cap, "Secure Boot off (%s)", t->why);
        else if (t->state == SB_UNKNOWN)
                snprintf(ret, cap, "Secure Boot unknown (%s), planned as on; %s", t->why, lists);
        else
                snprintf(ret, cap, "Secure Boot on (%s); %s", t->why, lists);
}

/* ---- one signature ---- */

/* A store whose anchors are the X.509 certificates of list[len] (and of list2). */
static X509_STORE *store_from(const uint8_t *list, size_t len, const uint8_t *list2, size_t len2, STACK_OF(X509) *all) {
        X509_STORE *st = X509_STORE_new();
        if (!st)
                return NULL;
        const uint8_t *lists[2] = { list, list2 };
        size_t lens[2] = { len, len2 };
        for (int k = 0; k < 2; k++) {
                struct uk_siglist_cursor c = {};
                struct uk_sig s;
                while (lists[k] && uk_siglist_next(lists[k], lens[k], &c, &s) == UK_OK) {
                        if (s.type != UK_SIG_X509)
                                continue;
                        const unsigned char *p = s.data;
                        X509 *x = d2i_X509(NULL, &p, (long) s.len);
                        if (!x)
                                continue;
                        X509_STORE_add_cert(st, x);
                        if (all && sk_X509_push(all, x))
                                X509_up_ref(x);
                        X509_free(x);
                }
        }
        X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
        X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
        ERR_clear_error();
        return st;
}

/* Whether p7 verifies over content[len] with a chain ending in st. */
static bool signed_by(PKCS7 *p7, X509_STORE *st, STACK_OF(X509) *extra, const uint8_t *content, long len) {
        BIO *in = BIO_new_mem_buf(content, (int) len);
        bool ok = in && PKCS7_verify(p7, extra, st, in, NULL, PKCS7_BINARY) == 1;
        BIO_free(in);
        ERR_clear_error();
        return ok;
}

static bool tbs_hash_listed(X509 *x, const uint8_t *list, size_t len) {
        unsigned char *tbs = NULL;
        int n = i2d_re_X509_tbs(x, &tbs);
        if (n <= 0)
                return false;
        uint8_t h[32];
        uk_sha256(tbs, (size_t) n, h);
        OPENSSL_free(tbs);
        struct uk_siglist_cursor c = {};
        struct uk_sig s;
        while (uk_siglist_next(list, len, &c, &s) == UK_OK)
                if (s.type == UK_SIG_X509_SHA256 && s.len >= 32 && memcmp(s.data, h, 32) == 0)
                        return true;
        return false;
}

/* A certificate of the signature — carried in it, or its signer found among the trusted certificates
 * (a signature may leave its own certificate out) — whose TBS hash (EFI_CERT_X509_SHA256) list names. */
static bool cert_hash_listed(PKCS7 *p7, STACK_OF(X509) *extra, const uint8_t *list, size_t len) {
        if (!list)
                return false;
        STACK_OF(X509) *signers = PKCS7_get0_signers(p7, extra, 0);
        bool hit = false;
        for (int i = 0; signers && !hit && i < sk_X509_num(signers); i++)
                hit = tbs_hash_listed(sk_X509_value(signers, i), list, len);
        sk_X509_free(signers);
        ERR_clear_error();
        STACK_OF(X509) *certs = p7->d.sign->cert;
        for (int i = 0; !hit && certs && i < sk_X509_num(certs); i++)
                hit = tbs_hash_listed(sk_X509_value(certs, i), list, len);
        return hit;
}

/* The digest SpcIndirectDataContent names and the bytes the signature covers (its content octets). */
static bool spc_content(PKCS7 *p7, uint8_t digest[32], const uint8_t **ret_content, long *ret_len) {
        bool ok = false;
        if (!PKCS7_type_is_signed(p7) || !p7->d.sign->contents || !p7->d.sign->contents->d.other)
                return false;
        ASN1_OBJECT *spc = OBJ_txt2obj(SPC_INDIRECT_DATA_OID, 1);
        ASN1_TYPE *other = p7->d.sign->contents->d.other;
        if (!spc || OBJ_cmp(p7->d.sign->contents->type, spc) != 0 || other->type != V_ASN1_SEQUENCE) {
                ASN1_OBJECT_free(spc);
                return false;
        }
        ASN1_OBJECT_free(spc);
        const unsigned char *der = other->value.sequence->data, *p = der;
        long der_len = other->value.sequence->length, body_len;
        int tag, cls;
        /* The signed bytes are the SEQUENCE's contents, without its tag and length (Authenticode). */
        if (ASN1_get_object(&p, &body_len, &tag, &cls, der_len) & 0x80 || tag != V_ASN1_SEQUENCE)
                return false;
        *ret_content = p;
        *ret_len = body_len;
        p = der;
        STACK_OF(ASN1_TYPE) *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, der_len);
        if (seq && sk_ASN1_TYPE_num(seq) == 2 && sk_ASN1_TYPE_value(seq, 1)->type == V_ASN1_SEQUENCE) {
                ASN1_STRING *di = sk_ASN1_TYPE_value(seq, 1)->value.sequence;
                const unsigned char *q = di->data;
                X509_SIG *sig = d2i_X509_SIG(NULL, &q, di->length);
                if (sig) {
                        const X509_ALGOR *alg;
                        const ASN1_OCTET_STRING *d;
                        X509_SIG_get0(sig, &alg, &d);
                        if (OBJ_obj2nid(alg->algorithm) == NID_sha256 && ASN1_STRING_length(d) == 32) {
                                memcpy(digest, ASN1_STRING_get0_data(d), 32);
                                ok = true;
                        }
                        X509_SIG_free(sig);
                }
        }
        sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
        ERR_clear_error();
        return ok;
}

static void signer_name(PKCS7 *p7, char *ret, size_t cap) {
        STACK_OF(PKCS7_SIGNER_INFO) *si = PKCS7_get_signer_info(p7);
        snprintf(ret, cap, "an unknown signer");
        if (!si || sk_PKCS7_SIGNER_INFO_num(si) < 1)
                return;
        PKCS7_ISSUER_AND_SERIAL *ias = sk_PKCS7_SIGNER_INFO_value(si, 0)->issuer_and_serial;
        STACK_OF(X509) *certs = p7->d.sign->cert;
        for (int i = 0; ias && certs && i < sk_X509_num(certs); i++) {
                X509 *x = sk_X509_value(certs, i);
                if (X509_NAME_cmp(X509_get_issuer_name(x), ias->issuer) == 0 &&
                    ASN1_INTEGER_cmp(X509_get0_serialNumber(x), ias->serial) == 0) {
                        char name[200];
                        X509_NAME_oneline(X509_get_subject_name(x), name, sizeof name);
                        /* Printed: no control bytes from a certificate reach the terminal. */
                        for (char *c = name; *c; c++)
                                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                                        *c = '?';
                        snprintf(ret, cap, "%s", name);
                        return;
                }
        }
}

/* ---- the image ---- */

enum outcome { UNSIGNED, MISMATCH, UNKNOWN_KEY, UNSUPPORTED, TRUSTED, FORBIDDEN };

uk_err trust_verify(struct trust *t, const struct uk_source *src) {
        struct uk_signature sigs[UK_AUTHENTICODE_MAX_SIGNATURES];
        struct uk_pe *pe = malloc(sizeof *pe);
        uint8_t *scratch = malloc(HASH_CHUNK), *der = NULL;
        uint8_t digest[32];
        char hex[65], who[256] = "";
        size_t n = 0;
        enum outcome best = UNSIGNED;
        X509_STORE *db = NULL, *dbx = NULL;
        STACK_OF(X509) *db_certs = sk_X509_new_null();
        uk_err r;

        t->verdict[0] = 0;
        if (!pe || !scratch || !db_certs) {
                r = UK_E_IO;
                snprintf(t->verdict, sizeof t->verdict, "out of memory");
                goto done;
        }
        if ((r = uk_pe_parse(src, pe))) {
                snprintf(t->verdict, sizeof t->verdict, "not a PE image: %s", uk_strerror(r));
                r = UK_E_SECURITY;
                goto done;
        }
        if ((r = uk_authenticode_sha256(src, pe, scratch, HASH_CHUNK, digest)) ||
            (r = uk_authenticode_signatures(src, pe, sigs, UK_ELEMENTSOF(sigs), &n))) {
                snprintf(t->verdict, sizeof t->verdict, "its signature table cannot be read: %s", uk_strerror(r));
                r = r == UK_E_IO ? UK_E_IO : UK_E_SECURITY;
                goto done;
        }
        uk_sha256_hex(digest, hex);

        /* 1. The image itself revoked. A list that does not parse revokes everything it might have held. */
        uk_err in_dbx = uk_siglist_find(t->dbx, t->dbx_len, UK_SIG_SHA256, digest, 32);
        uk_err in_mokx = uk_siglist_find(t->mokx, t->mokx_len, UK_SIG_SHA256, digest, 32);
        if (in_dbx != UK_E_NOT_FOUND || in_mokx != UK_E_NOT_FOUND) {
                snprintf(t->verdict, sizeof t->verdict, "%s", in_dbx == UK_OK ? "its digest is listed in dbx" :
                         in_mokx == UK_OK ? "its digest is listed in MokListXRT" :
                         in_dbx == UK_E_SYNTAX ? "dbx is malformed" : "MokListXRT is malformed");
                r = UK_E_SECURITY;
                goto done;
        }

        db = store_from(t->db, t->db_len, t->mok, t->mok_len, db_certs);
        dbx = store_from(t->dbx, t->dbx_len, t->mokx, t->mokx_len, NULL);
        if (!db || !dbx) {
                r = UK_E_IO;
                snprintf(t->verdict, sizeof t->verdict, "out of memory");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                if (sigs[i].length > SIGNATURE_MAX)
                        continue;
                free(der);
                der = malloc(sigs[i].length);
                if (!der || uk_source_read(src, sigs[i].offset, der, sigs[i].length)) {
                        r = UK_E_IO;
                        snprintf(t->verdict, sizeof t->verdict, "its signature cannot be read");
                        goto done;
                }
                const unsigned char *p = der;
                PKCS7 *p7 = d2i_PKCS7(NULL, &p, sigs[i].length);
                uint8_t signed_digest[32];
                const uint8_t *content;
                long content_len;
                if (!p7 || !spc_content(p7, signed_digest, &content, &content_len)) {
                        PKCS7_free(p7);
                        ERR_clear_error();
                        if (best < UNSUPPORTED)
                                best = UNSUPPORTED;
                        continue;
                }
                /* 2. A revoked signer forbids the image, even next to a trusted signature; the trusted
                 * certificates are offered too, so a signature that leaves its certificate out is still
                 * matched against dbx. */
                if (signed_by(p7, dbx, db_certs, content, content_len) ||
                    cert_hash_listed(p7, db_certs, t->dbx, t->dbx_len) ||
                    cert_hash_listed(p7, db_certs, t->mokx, t->mokx_len)) {
                        signer_name(p7, who, sizeof who);
                        PKCS7_free(p7);
                        best = FORBIDDEN;
                        break;
                }
                if (memcmp(signed_digest, digest, 32) != 0) {
                        if (best < MISMATCH)
                                best = MISMATCH;
                } else if (signed_by(p7, db, db_certs, content, content_len)) {
                        if (best < TRUSTED)
                                signer_name(p7, who, sizeof who);
                        best = TRUSTED;
                } else if (best < UNKNOWN_KEY) {
                        best = UNKNOWN_KEY;
                        signer_name(p7, who, sizeof who);
                }
                PKCS7_free(p7);
        }

        /* 3. Trusted by digest when no signature did it. */
        if (best != TRUSTED && best != FORBIDDEN &&
            (uk_siglist_find(t->db, t->db_len, UK_SIG_SHA256, digest, 32) == UK_OK ||
             uk_siglist_find(t->mok, t->mok_len, UK_SIG_SHA256, digest, 32) == UK_OK)) {
                best = TRUSTED;
                snprintf(who, sizeof who, "digest %s", hex);
        }
        r = best == TRUSTED ? UK_OK : UK_E_SECURITY;
        switch (best) {
        case TRUSTED:
                snprintf(t->verdict, sizeof t->verdict, "trusted: %s", who);
                break;
        case FORBIDDEN:
                snprintf(t->verdict, sizeof t->verdict, "signed by %s, which dbx revokes", who);
                break;
        case UNKNOWN_KEY:
                snprintf(t->verdict, sizeof t->verdict, "signed by %s, not a key in db%s%s%s", who,
                         t->mok ? " or MokListRT" : "", t->db_error[0] ? "; " : "", t->db_error);
                break;
        case MISMATCH:
                snprintf(t->verdict, sizeof t->verdict, "its signature does not match its bytes (changed after signing)");
                break;
        case UNSUPPORTED:
                snprintf(t->verdict, sizeof t->verdict, "no SHA-256 Authenticode signature ukiboot can check");
                break;
        case UNSIGNED:
                snprintf(t->verdict, sizeof t->verdict, "it is not signed (Authenticode SHA-256 %s)", hex);
                break;
        }
done:
        X509_STORE_free(db);
        X509_STORE_free(dbx);
        sk_X509_pop_free(db_certs, X509_free);
        free(der);
        free(scratch);
        free(pe);
        ERR_clear_error();
        return r;
}
