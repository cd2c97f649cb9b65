/* ukiboot — reading the SMBIOS structure table (see dmi.h). The kernel exports the very bytes the firmware
 * published, so common/smbios.c walks the same table the EFI twin finds in the configuration table. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dmi.h"
#include "log.h"

#define DMI_TABLE "/sys/firmware/dmi/tables/DMI"
#define DMI_MAX (4u << 20)      /* SMBIOS 3 allows 4 GiB; real tables are kilobytes */

void dmi_table_read(uint8_t **ret, size_t *ret_len) {
        const char *path = getenv("UKIBOOT_SMBIOS_TABLE");
        uint8_t *buf = NULL;
        size_t len = 0;

        *ret = NULL;
        *ret_len = 0;
        if (!path || !*path)
                path = DMI_TABLE;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (errno != ENOENT)
                        log_warn("%s: %s: SMBIOS OEM strings not read (no SMBIOS command-line extra)", path,
                                 strerror(errno));
                return;
        }
        buf = malloc(DMI_MAX);
        if (!buf) {
                close(fd);
                log_warn("%s: out of memory: SMBIOS OEM strings not read", path);
                return;
        }
        for (;;) {
                ssize_t k = read(fd, buf + len, DMI_MAX - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        log_warn("%s: %s: SMBIOS OEM strings not read (no SMBIOS command-line extra)", path,
                                 strerror(errno));
                        free(buf);
                        close(fd);
                        return;
                }
                if (k == 0 || (len += (size_t) k) == DMI_MAX)
                        break;
        }
        close(fd);
        *ret = buf;
        *ret_len = len;
}
