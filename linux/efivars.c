/* ukiboot — EFI variables through efivarfs: 4 attribute bytes, then the data. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "secureboot.h"
#include "efivars.h"

#define EFIVARS_DIR "/sys/firmware/efi/efivars"
#define EFIVAR_MAX (1024 * 1024)        /* dbx and MokListRT grow; a megabyte is far beyond any seen */

int efivar_read(const char *name, const char *guid, uint8_t **ret_data, size_t *ret_len) {
        char path[512];
        const char *dir = getenv("UKIBOOT_EFIVARS_DIR");   /* tests point this at a fake efivarfs */
        snprintf(path, sizeof path, "%s/%s-%s", dir ? dir : EFIVARS_DIR, name, guid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* efivarfs files report size 0 on some kernels: read until EOF instead of trusting fstat. */
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        for (;;) {
                if (len == cap) {
                        if (cap >= EFIVAR_MAX) {
                                free(buf);
                                close(fd);
                                return -EFBIG;
                        }
                        uint8_t *n = realloc(buf, cap * 2);
                        if (!n) {
                                free(buf);
                                close(fd);
                                return -ENOMEM;
                        }
                        buf = n, cap *= 2;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = -errno;
                        free(buf);
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        close(fd);
        if (len < 4) {
                free(buf);
                return -ENODATA;
        }
        memmove(buf, buf + 4, len - 4);
        *ret_data = buf;
        *ret_len = len - 4;
        return 0;
}

/* efivarfs marks existing variables immutable; the flag must go before one can be replaced or deleted. */
static void make_mutable(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        unsigned flags;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) {
                flags &= ~FS_IMMUTABLE_FL;
                (void) ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        close(fd);
}

static void var_path(char *buf, size_t cap, const char *name, const char *guid) {
        const char *dir = getenv("UKIBOOT_EFIVARS_DIR");
        snprintf(buf, cap, "%s/%s-%s", dir ? dir : EFIVARS_DIR, name, guid);
}

int efivar_write_string(const char *name, const char *guid, const char *value, bool non_volatile) {
        char path[512];
        uint8_t buf[4 + 2 * 1024];
        size_t n = strlen(value), len = 4;
        if (n >= 1023)
                return -ENAMETOOLONG;
        var_path(path, sizeof path, name, guid);
        /* EFI_VARIABLE_BOOTSERVICE_ACCESS | RUNTIME_ACCESS, | NON_VOLATILE if asked. */
        buf[0] = non_volatile ? 0x07 : 0x06, buf[1] = buf[2] = buf[3] = 0;
        for (size_t i = 0; i <= n; i++) {
                buf[len++] = (uint8_t) value[i];
                buf[len++] = 0;
        }
        make_mutable(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        /* efivarfs takes one write of attributes and data together. */
        ssize_t k = write(fd, buf, len);
        int r = k == (ssize_t) len ? 0 : k < 0 ? -errno : -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

int efivar_delete(const char *name, const char *guid) {
        char path[512];
        var_path(path, sizeof path, name, guid);
        make_mutable(path);
        return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

int utf16le_to_utf8(const uint8_t *in, size_t in_len, char *ret, size_t cap) {
        size_t o = 0;
        for (size_t i = 0; i + 1 < in_len; i += 2) {
                uint32_t c = (uint32_t) in[i] | ((uint32_t) in[i + 1] << 8);
                if (c == 0)
                        break;
                if (c >= 0xd800 && c <= 0xdbff && i + 3 < in_len) {
                        uint32_t lo = (uint32_t) in[i + 2] | ((uint32_t) in[i + 3] << 8);
                        if (lo >= 0xdc00 && lo <= 0xdfff) {
                                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                                i += 2;
                        } else
                                c = 0xfffd;
                } else if (c >= 0xd800 && c <= 0xdfff)
                        c = 0xfffd;     /* lone surrogate */
                uint8_t b[4];
                size_t n;
                if (c < 0x80)
                        b[0] = (uint8_t) c, n = 1;
                else if (c < 0x800)
                        b[0] = (uint8_t) (0xc0 | (c >> 6)), b[1] = (uint8_t) (0x80 | (c & 0x3f)), n = 2;
                else if (c < 0x10000)
                        b[0] = (uint8_t) (0xe0 | (c >> 12)), b[1] = (uint8_t) (0x80 | ((c >> 6) & 0x3f)),
                        b[2] = (uint8_t) (0x80 | (c & 0x3f)), n = 3;
                else
                        b[0] = (uint8_t) (0xf0 | (c >> 18)), b[1] = (uint8_t) (0x80 | ((c >> 12) & 0x3f)),
                        b[2] = (uint8_t) (0x80 | ((c >> 6) & 0x3f)), b[3] = (uint8_t) (0x80 | (c & 0x3f)), n = 4;
                if (cap == 0 || n > cap - 1 - o)
                        return -1;
                memcpy(ret + o, b, n);
                o += n;
        }
        if (cap == 0)
                return -1;
        ret[o] = 0;
        return (int) o;
}

int efivar_read_string(const char *name, const char *guid, char *ret, size_t cap) {
        uint8_t *data;
        size_t len;
        int r = efivar_read(name, guid, &data, &len);
        if (r < 0)
                return r;
        r = utf16le_to_utf8(data, len, ret, cap);
        free(data);
        return r < 0 ? -ENAMETOOLONG : 0;
}

int efivar_secure_boot(void) {
        uint8_t *sb, *setup = NULL;
        size_t sb_len, setup_len = 0;
        if (efivar_read("SecureBoot", EFI_GLOBAL_GUID, &sb, &sb_len) < 0)
                return -1;
        if (efivar_read("SetupMode", EFI_GLOBAL_GUID, &setup, &setup_len) < 0)
                setup = NULL, setup_len = 0;
        /* Same rule as the EFI program (common/secureboot.c): SecureBoot=1 and not in setup mode. */
        int on = uk_secure_boot_enforced(sb, sb_len, setup, setup_len);
        free(sb);
        free(setup);
        return on;
}

#define EFIVARFS_MAGIC 0xde5e81e4

enum sb_state efivar_secure_state(char *ret_why, size_t cap) {
        const char *dir = getenv("UKIBOOT_EFIVARS_DIR");
        struct statfs sfs;
        struct stat st;
        uint8_t *sb, *setup = NULL;
        size_t sb_len, setup_len = 0;

        /* No EFI at all (BIOS boot, most containers' view of a BIOS host): Secure Boot cannot be on. */
        if (!dir && stat("/sys/firmware/efi", &st) < 0) {
                snprintf(ret_why, cap, "not booted through EFI: no /sys/firmware/efi");
                return SB_OFF;
        }
        /* EFI, but the variables are out of reach: nothing tells Secure Boot is off, so it is not. */
        if (!dir && (statfs(EFIVARS_DIR, &sfs) < 0 || (uint32_t) sfs.f_type != EFIVARFS_MAGIC)) {
                snprintf(ret_why, cap, "EFI, but efivarfs is not mounted on " EFIVARS_DIR
                         " (mount -t efivarfs efivarfs " EFIVARS_DIR ")");
                return SB_UNKNOWN;
        }
        int r = efivar_read("SecureBoot", EFI_GLOBAL_GUID, &sb, &sb_len);
        if (r == -ENOENT) {
                snprintf(ret_why, cap, "the firmware has no SecureBoot variable");
                return SB_OFF;
        }
        if (r < 0) {
                snprintf(ret_why, cap, "SecureBoot cannot be read: %s", strerror(-r));
                return SB_UNKNOWN;
        }
        if (efivar_read("SetupMode", EFI_GLOBAL_GUID, &setup, &setup_len) < 0)
                setup = NULL, setup_len = 0;
        bool on = uk_secure_boot_enforced(sb, sb_len, setup, setup_len);
        snprintf(ret_why, cap, on ? "SecureBoot=1 in efivarfs" : setup_len && setup && setup[0] == 1 ?
                 "the firmware is in setup mode" : "SecureBoot=0 in efivarfs");
        free(sb);
        free(setup);
        return on ? SB_ON : SB_OFF;
}
