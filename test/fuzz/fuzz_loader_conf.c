/* ukiboot — fuzz loader.conf parsing and the default-entry glob against a fixed menu. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"

static struct uk_entry menu[4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_loader_conf c;
        static const char *const ids[] = { "debian-6.1.0-26.conf", "debian.efi@1", "arch.efi", "windows.conf" };

        if (uk_loader_conf_parse((const char *) data, size, &c) != UK_OK)
                abort();        /* loader.conf never fails: bad lines are ignored */
        if (memchr(c.default_pattern, 0, sizeof(c.default_pattern)) == NULL)
                abort();
        if (!c.has_timeout && c.timeout_sec != 0)
                abort();

        for (size_t i = 0; i < 4; i++) {
                memset(&menu[i], 0, sizeof(menu[i]));
                strcpy(menu[i].id, ids[i]);
                menu[i].tries_left = UK_TRIES_UNSET;
        }
        int d = uk_entries_default(menu, 4, NULL, NULL, c.default_pattern);
        if (d < 0 || d >= 4)
                abort();
        if (uk_entries_find(menu, 4, c.default_pattern) >= 4)
                abort();
        return 0;
}
