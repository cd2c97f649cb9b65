/* LD_PRELOAD fault injector for linux/ukiboot: the Nth call (counted across the calls named in
 * UKIBOOT_FAIL_CALLS, default "open,openat,read,pread64") fails with EIO. UKIBOOT_FAIL_NTH=N (0: count
 * only); the number of calls made is written to UKIBOOT_FAIL_COUNT (a file) at exit, so a sweep knows
 * when N has passed the last call. Only file I/O on the path under test is counted: calls on fds of
 * /proc, /sys and /dev are passed through untouched (they are not the ESP's bytes). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long nth = -1, count;
static char calls[128] = "open,openat,read,pread64";

static void init_once(void) {
        if (nth >= 0)
                return;
        const char *n = getenv("UKIBOOT_FAIL_NTH"), *c = getenv("UKIBOOT_FAIL_CALLS");
        nth = n ? atol(n) : 0;
        if (c)
                snprintf(calls, sizeof calls, "%s", c);
}

static int watched(const char *name) {
        size_t l = strlen(name);
        for (const char *p = calls; (p = strstr(p, name)); p += l)
                if ((p == calls || p[-1] == ',') && (p[l] == 0 || p[l] == ','))
                        return 1;
        return 0;
}

/* Whether this call is the one to fail. */
static int hit(const char *name) {
        init_once();
        if (!watched(name))
                return 0;
        count++;
        return nth > 0 && count == nth;
}

static int is_ours_path(const char *path) {
        return !(strncmp(path, "/proc", 5) == 0 || strncmp(path, "/sys", 4) == 0 || strncmp(path, "/dev", 4) == 0 ||
                 strncmp(path, "/etc", 4) == 0 || strncmp(path, "/usr", 4) == 0 || strncmp(path, "/lib", 4) == 0);
}

static int is_ours_fd(int fd) {
        char link[64], target[512];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
                return 1;
        target[n] = 0;
        return target[0] != '/' || is_ours_path(target);
}

__attribute__((destructor)) static void report(void) {
        const char *f = getenv("UKIBOOT_FAIL_COUNT");
        if (f) {
                FILE *o = fopen(f, "w");
                if (o) {
                        fprintf(o, "%ld\n", count);
                        fclose(o);
                }
        }
}

#define REAL(fn) static __typeof__(fn) *real_##fn; if (!real_##fn) real_##fn = dlsym(RTLD_NEXT, #fn)

int open(const char *path, int flags, ...) {
        REAL(open);
        mode_t mode = 0;
        if (flags & O_CREAT) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        if (is_ours_path(path) && hit("open")) {
                errno = EIO;
                return -1;
        }
        return real_open(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
        REAL(openat);
        mode_t mode = 0;
        if (flags & O_CREAT) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        if (is_ours_path(path) && hit("openat")) {
                errno = EIO;
                return -1;
        }
        return real_openat(dirfd, path, flags, mode);
}

ssize_t read(int fd, void *buf, size_t n) {
        REAL(read);
        if (is_ours_fd(fd) && hit("read")) {
                errno = EIO;
                return -1;
        }
        return real_read(fd, buf, n);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off) {
        REAL(pread64);
        if (is_ours_fd(fd) && hit("pread64")) {
                errno = EIO;
                return -1;
        }
        return real_pread64(fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off) {
        REAL(pread);
        if (is_ours_fd(fd) && hit("pread64")) {
                errno = EIO;
                return -1;
        }
        return real_pread(fd, buf, n, off);
}
