/* ukiboot — fuzz the UKI model: parse any bytes, then resolve every profile and check the views. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "uki.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_source src;
        static struct uk_uki uki;
        struct uk_span secs[_UK_SEC_MAX];
        unsigned n;

        uk_source_from_memory(&src, data, size);
        if (uk_uki_parse(&src, &uki) != UK_OK)
                return 0;

        n = uk_uki_profile_count(&uki);
        if (n < 1 || n > UK_MAX_PROFILES || (uki.n_profiles != 0 && uki.n_profiles != n))
                abort();
        /* The default view always has a kernel: parse promised it. */
        if (uk_uki_resolve(&uki, 0, secs) != UK_OK || secs[UK_SEC_LINUX].length == 0)
                abort();

        for (unsigned p = 0; p < n; p++) {
                uk_err r = uk_uki_resolve(&uki, p, secs);
                if (r == UK_E_NO_LINUX || r == UK_E_EMPTY_LINUX)
                        continue;
                if (r != UK_OK)
                        abort();
                if (secs[UK_SEC_LINUX].length == 0)
                        abort();
                for (int t = 0; t < _UK_SEC_MAX; t++) {
                        if (secs[t].length > 0 && !uk_range_ok(secs[t].offset, secs[t].length, size))
                                abort();
                }
                /* Multi-profile views carry their own .profile (absent only if empty); single-profile none. */
                if (uki.n_profiles == 0 && secs[UK_SEC_PROFILE].length != 0)
                        abort();
                if (uki.n_profiles > 0 && secs[UK_SEC_PROFILE].length != uki.pe.sections[uki.profile_first[p]].size)
                        abort();
                if (uki.n_profiles > 0 &&
                    (uki.profile_first[p] >= uki.profile_end[p] || uki.profile_end[p] > uki.pe.n_sections))
                        abort();
        }
        if (uk_uki_resolve(&uki, n, secs) != UK_E_NO_SUCH_PROFILE)
                abort();
        return 0;
}
