/* Test helper for the guests (static, no libc beyond the kernel's interface): write one authenticated
 * variable update to efivarfs. Existing variables there are immutable files, and busybox has no chattr:
 * clear FS_IMMUTABLE_FL, write the 4 attribute bytes and the payload in one write(), set the flag back.
 * Usage: efivar-append EFIVARFS_FILE UPDATE_FILE (UPDATE_FILE = attributes + EFI_VARIABLE_AUTHENTICATION_2 + data) */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int set_immutable(const char *path, int on) {
        int fd = open(path, O_RDONLY), flags;
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;    /* a new variable is not a file yet */
        int r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
        if (r == 0) {
                flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
                r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        r = r < 0 ? -errno : 0;
        close(fd);
        return r;
}

int main(int argc, char **argv) {
        static char buf[1 << 20];
        if (argc != 3) {
                fprintf(stderr, "usage: %s EFIVARFS_FILE UPDATE_FILE\n", argv[0]);
                return 2;
        }
        int in = open(argv[2], O_RDONLY);
        ssize_t n = in < 0 ? -1 : read(in, buf, sizeof buf);
        if (n <= 4) {
                fprintf(stderr, "%s: cannot read\n", argv[2]);
                return 1;
        }
        int r = set_immutable(argv[1], 0);
        if (r < 0)
                fprintf(stderr, "chattr -i %s: %s\n", argv[1], strerror(-r));
        int out = open(argv[1], O_WRONLY | O_CREAT, 0644);
        ssize_t w = out < 0 ? -1 : write(out, buf, (size_t) n);
        int err = errno;
        if (out >= 0)
                close(out);
        set_immutable(argv[1], 1);
        if (w != n) {
                fprintf(stderr, "write %s: %s\n", argv[1], strerror(err));
                return 1;
        }
        return 0;
}
