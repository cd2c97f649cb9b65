/* ukiboot — SBAT: revoking images by generation (shim's SBAT.md). An image's .sbat section lists
 * "component,generation,..." lines; the machine's SbatLevel variable lists the minimum generation of each
 * revoked component. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define UK_SBAT_SECTION_MAX     16384u  /* a .sbat is a few lines; more is not read */
#define UK_SBAT_NAME_MAX        64u

/* Which line of the image fell short of the revocation, for the refusal. */
struct uk_sbat_revoked {
        char component[UK_SBAT_NAME_MAX];
        uint64_t generation;            /* the image's */
        uint64_t minimum;               /* SbatLevel's */
};

/* Check the image's .sbat text[len] against the SbatLevel text level[level_len] (both CSV, NUL-padding
 * allowed). UK_OK when no component is revoked (an image without .sbat has nothing to revoke: shim's rule
 * for images checked through its protocol); UK_E_SBAT_REVOKED with *ret_revoked filled when one is;
 * UK_E_SYNTAX when the image's lines cannot be read (refused, as shim does). Level lines that do not
 * parse are ignored, so a damaged variable never turns into a refusal of everything. */
uk_err uk_sbat_check(const char *text, size_t len, const char *level, size_t level_len,
                     struct uk_sbat_revoked *ret_revoked);
