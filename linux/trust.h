/* ukiboot — what the Linux twin trusts under Secure Boot: the firmware's db/dbx (and shim's MokListRT /
 * MokListXRT) read from efivarfs, or lists given on the command line; the UKI's Authenticode signature
 * checked against them with OpenSSL's libcrypto, before any byte of the UKI is used. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "efivars.h"
#include "source.h"

struct trust_opts {
        int secure_boot;                /* -1: the firmware's state; 0/1: assumed (--secure-boot) */
        bool assume_off;                /* --assume-no-secure-boot: an unreadable state counts as off */
        bool for_boot;                  /* load/kexec: an unknown state is refused, not planned */
        const char *db_file, *dbx_file; /* --db/--dbx: check against these instead of the firmware's */
        bool check;                     /* `verify`: load the lists whatever the Secure Boot state */
};

struct trust {
        bool secure_boot;               /* what the plan assumes */
        bool verify;                    /* check signatures (verify_image hook) */
        enum sb_state state;            /* the firmware's, or the assumption */
        char why[256];                  /* how the state was learnt, for messages and `plan` */
        uint8_t *db, *dbx, *mok, *mokx; /* EFI_SIGNATURE_LIST arrays (malloc'd; NULL: absent) */
        size_t db_len, dbx_len, mok_len, mokx_len;
        char db_error[160];             /* why db could not be read (verification then fails closed) */
        char *sbat_level;               /* SbatLevelRT text, or NULL */
        size_t sbat_level_len;
        char verdict[512];              /* the last verification's outcome, one line */
};

/* Settle the Secure Boot state and load the lists; prints and returns an exit code when the state cannot
 * be settled for a boot. */
int trust_setup(const struct trust_opts *o, struct trust *ret);
void trust_free(struct trust *t);
/* Check src's Authenticode signatures against t: UK_OK when trusted, UK_E_SECURITY (or UK_E_BAD_SIGNATURE)
 * when not; t->verdict says why in one line either way. */
uk_err trust_verify(struct trust *t, const struct uk_source *src);
/* One line for humans: "on (SecureBoot=1 in efivarfs), signatures checked against db" and the like. */
void trust_describe(const struct trust *t, char *ret, size_t cap);
