/* ukiboot — fuzz loader.conf parsing, the default-entry glob against a fixed menu, and the timeout (the
 * input read as LoaderConfigTimeout's text too). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "timeout.h"

static struct uk_entry menu[4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_loader_conf c;
        static const char *const ids[] = { "debian-6.1.0-26.conf", "debian.efi@1", "arch.efi", "windows.conf" };

        if (uk_loader_conf_parse((const char *) data, size, &c) != UK_OK)
                abort();        /* loader.conf never fails: bad lines are ignored */
        if (memchr(c.default_pattern, 0, sizeof(c.default_pattern)) == NULL)
                abort();
        if (!c.has_timeout && c.timeout != 0)
                abort();
        if (c.has_timeout && c.timeout > UINT32_MAX && c.timeout != UK_TIMEOUT_DISABLED)
                abort();
        uint64_t t = 12345;
        uk_err r = uk_timeout_parse((const char *) data, size, true, &t);
        if ((r != UK_OK && t != 12345) || (r == UK_OK && t > UINT32_MAX && t != UK_TIMEOUT_DISABLED))
                abort();
        struct uk_timeout_sources src = { .has_conf = c.has_timeout, .conf = c.timeout, .has_var = r == UK_OK,
                                          .var = t, .has_oneshot = size & 1, .oneshot = c.timeout };
        struct uk_menu_timing m;
        uk_menu_timing(&src, &m);
        if ((m.show && m.key_opens) || (m.counts_down && (!m.show || m.seconds == 0)) ||
            (!m.counts_down && m.seconds != 0))
                abort();

        for (size_t i = 0; i < 4; i++) {
                memset(&menu[i], 0, sizeof(menu[i]));
                strcpy(menu[i].id, ids[i]);
                menu[i].tries_left = UK_TRIES_UNSET;
        }
        int d = uk_entries_default(menu, 4, NULL, NULL, c.default_pattern, "arch.efi");
        if (d < 0 || d >= 4)
                abort();
        if (uk_entries_find(menu, 4, c.default_pattern) >= 4)
                abort();
        return 0;
}
