/* Link-time fault injector for the static linux/ukiboot the guests run (LD_PRELOAD cannot reach a static
 * binary): built with -Wl,--wrap=<call> for each call below, it makes the Nth of them (counted together,
 * in program order) fail with EIO when UKIBOOT_FAIL_NTH=N; with UKIBOOT_FAIL_COUNT=FILE the number of
 * calls made is written there at exit, so a sweep knows where to stop. Test builds only
 * (build/static/ukiboot-faults); never part of the product. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/syscall.h>

static long nth = -1, count;
static const char *failed;      /* the call made to fail, for UKIBOOT_FAIL_WHAT */

static int fail_now(const char *what) {
        if (nth < 0) {
                const char *n = getenv("UKIBOOT_FAIL_NTH");
                nth = n ? atol(n) : 0;
        }
        count++;
        if (nth > 0 && count == nth) {
                failed = what;
                errno = EIO;
                return 1;
        }
        return 0;
}

/* At exit: UKIBOOT_FAIL_COUNT=FILE gets the number of calls, UKIBOOT_FAIL_WHAT=FILE the name of the call
 * that was made to fail ("-" if none was), so a sweep can say which call each outcome belongs to. */
__attribute__((destructor)) static void report(void) {
        const char *f = getenv("UKIBOOT_FAIL_COUNT"), *w = getenv("UKIBOOT_FAIL_WHAT");
        FILE *o = f ? fopen(f, "w") : NULL;
        if (o) {
                fprintf(o, "%ld\n", count);
                fclose(o);
        }
        o = w ? fopen(w, "w") : NULL;
        if (o) {
                fprintf(o, "%s\n", failed ? failed : "-");
                fclose(o);
        }
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...) {
        va_list ap;
        va_start(ap, flags);
        mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        return fail_now("open") ? -1 : __real_open(path, flags, mode);
}

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...) {
        va_list ap;
        va_start(ap, flags);
        mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        return fail_now("openat") ? -1 : __real_openat(dirfd, path, flags, mode);
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n) {
        return fail_now("read") ? -1 : __real_read(fd, buf, n);
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n) {
        /* stdout/stderr are how a failure is told: never failed. */
        if (fd <= 2)
                return __real_write(fd, buf, n);
        return fail_now("write") ? -1 : __real_write(fd, buf, n);
}

ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off) {
        return fail_now("pread") ? -1 : __real_pread(fd, buf, n, off);
}

int __real_memfd_create(const char *name, unsigned int flags);
int __wrap_memfd_create(const char *name, unsigned int flags) {
        return fail_now("memfd_create") ? -1 : __real_memfd_create(name, flags);
}

ssize_t __real_copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t len, unsigned int flags);
ssize_t __wrap_copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t len, unsigned int flags) {
        return fail_now("copy_file_range") ? -1 : __real_copy_file_range(in, in_off, out, out_off, len, flags);
}

ssize_t __real_sendfile(int out, int in, off_t *off, size_t n);
ssize_t __wrap_sendfile(int out, int in, off_t *off, size_t n) {
        return fail_now("sendfile") ? -1 : __real_sendfile(out, in, off, n);
}

long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...) {
        va_list ap;
        va_start(ap, nr);
        long a[6];
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        const char *what = nr == SYS_kexec_file_load ? "kexec_file_load" : nr == SYS_renameat2 ? "renameat2" : "syscall";
        return fail_now(what) ? -1 : __real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to) {
        return fail_now("rename") ? -1 : __real_rename(from, to);
}

int __real_fsync(int fd);
int __wrap_fsync(int fd) {
        return fail_now("fsync") ? -1 : __real_fsync(fd);
}
