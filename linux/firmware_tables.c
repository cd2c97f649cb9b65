/* ukiboot — reading the firmware's tables (see firmware_tables.h). The kernel exports the very bytes the
 * firmware published, so common/ reads the same tables the EFI twin finds in the configuration table. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "firmware_tables.h"
#include "log.h"

#define DMI_TABLE "/sys/firmware/dmi/tables/DMI"
#define DMI_MAX (4u << 20)      /* SMBIOS 3 allows 4 GiB; real tables are kilobytes */
#define FDT_TABLE "/sys/firmware/fdt"
#define FDT_MAX (16u << 20)

int read_file_max(const char *path, size_t max, uint8_t **ret, size_t *ret_len) {
        size_t cap = 64 * 1024, len = 0;
        uint8_t *buf = malloc(cap);
        int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;
        if (!buf || fd < 0) {
                e = !buf ? -ENOMEM : -errno;
                goto fail;
        }
        for (;;) {
                if (len == cap) {
                        uint8_t *nb = cap < max ? realloc(buf, cap * 2) : NULL;
                        if (!nb) {
                                e = cap < max ? -ENOMEM : -EFBIG;
                                goto fail;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, (cap < max ? cap : max) - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        e = -errno;
                        goto fail;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len == max) {
                        e = -EFBIG;
                        goto fail;
                }
        }
        close(fd);
        *ret = buf;
        *ret_len = len;
        return 0;
fail:
        if (fd >= 0)
                close(fd);
        free(buf);
        return e;
}

/* A table from path (or the test's override in env): none when absent, a one-line warning when unreadable. */
static void table_read(const char *env, const char *path, size_t max, const char *what, uint8_t **ret, size_t *ret_len) {
        const char *p = getenv(env);
        *ret = NULL;
        *ret_len = 0;
        if (!p || !*p)
                p = path;
        int e = read_file_max(p, max, ret, ret_len);
        if (e < 0 && e != -ENOENT)
                log_warn("%s: %s: %s", p, strerror(-e), what);
}

void dmi_table_read(uint8_t **ret, size_t *ret_len) {
        table_read("UKIBOOT_SMBIOS_TABLE", DMI_TABLE, DMI_MAX,
                   "SMBIOS OEM strings not read (no SMBIOS command-line extra)", ret, ret_len);
}

void fdt_table_read(uint8_t **ret, size_t *ret_len) {
        table_read("UKIBOOT_FDT", FDT_TABLE, FDT_MAX, "the machine's device tree not read (no .dtbauto matches)",
                   ret, ret_len);
}
