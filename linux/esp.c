/* ukiboot — the ESP as a directory: discovery like bootctl, case-insensitive lookup like FAT,
 * and the uk_fs_ops the shared entry discovery reads it through. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/syscall.h>
#include "log.h"
#include "source_fd.h"
#include "efivars.h"
#include "esp.h"
#include "bli.h"

/* Find name in directory dir_fd ignoring case (FAT semantics on a copy that lives on ext4/tmpfs). */
static int lookup_ci(int dir_fd, const char *name, char *ret, size_t cap) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        int r = -ENOENT;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcasecmp(de->d_name, name) == 0 && strlen(de->d_name) < cap) {
                        strcpy(ret, de->d_name);
                        r = 0;
                        break;
                }
        }
        closedir(d);
        return r;
}

/* A file opened without O_NONBLOCK could be a FIFO (or a device) that blocks the open or the first read
 * forever: the last component is opened non-blocking and kept only if it is a regular file. fd or -errno. */
static int only_regular(int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
                (void) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        return fd;
}

/* Open one component below dir_fd, exact name first, then case-insensitively; no symlinks, no "..". */
static int open_component(int dir_fd, const char *comp, int flags) {
        if (strcmp(comp, "..") == 0)
                return -EPERM;
        int fd = openat(dir_fd, comp, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : -errno;
        char real[256];
        int r = lookup_ci(dir_fd, comp, real, sizeof real);
        if (r < 0)
                return r;
        fd = openat(dir_fd, real, flags | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 ? fd : -errno;
}

int esp_open_file(const struct esp *e, const char *path, int flags) {
        char buf[4096];
        if (strlen(path) >= sizeof buf)
                return -ENAMETOOLONG;
        strcpy(buf, path);
        int dir = dup(e->dir_fd);
        if (dir < 0)
                return -errno;
        char *save = NULL, *comp = strtok_r(buf, "/\\", &save);
        if (!comp) {
                close(dir);
                return -EISDIR;
        }
        for (;;) {
                char *next = strtok_r(NULL, "/\\", &save);
                if (strcmp(comp, ".") == 0) {
                        if (!next) {
                                close(dir);
                                return -EISDIR;
                        }
                        comp = next;
                        continue;
                }
                int fd = open_component(dir, comp, next ? (O_PATH | O_DIRECTORY) :
                                        flags & (O_DIRECTORY | O_PATH) ? flags : flags | O_NONBLOCK);
                close(dir);
                if (fd >= 0 && !next && !(flags & (O_DIRECTORY | O_PATH)))
                        fd = only_regular(fd);
                if (fd < 0 || !next)
                        return fd;
                dir = fd;
                comp = next;
        }
}

/* renameat2(RENAME_NOREPLACE), or a check and renameat where the file system does not take the flag. */
static int rename_noreplace(int dir_fd, const char *from, const char *to) {
        if (syscall(SYS_renameat2, dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        if (faccessat(dir_fd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        return renameat(dir_fd, from, dir_fd, to) == 0 ? 0 : -errno;
}

int esp_rename(const struct esp *e, const char *from, const char *to) {
        const char *from_base = strrchr(from, '/'), *to_base = strrchr(to, '/');
        char dir[4096], real[256];
        if (!from_base || !to_base || from_base - from != to_base - to || strncmp(from, to, (size_t) (to_base - to)) != 0)
                return -EINVAL;
        if ((size_t) (from_base - from) >= sizeof dir)
                return -ENAMETOOLONG;
        memcpy(dir, from, (size_t) (from_base - from));
        dir[from_base - from] = 0;
        int dfd = dir[0] ? esp_open_file(e, dir, O_RDONLY | O_DIRECTORY) : openat(e->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return dir[0] ? dfd : -errno;
        /* The name as the directory holds it (FAT matches either case; a copy on ext4 does not). */
        int r = lookup_ci(dfd, from_base + 1, real, sizeof real);
        if (r == 0)
                r = rename_noreplace(dfd, real, to_base + 1);
        /* The rename is only a count once it is on the disk: the next boot may be a power cut away. */
        if (r == 0 && fsync(dfd) < 0)
                r = -errno;
        close(dfd);
        return r;
}

static bool has_boot_dirs(int fd) {
        char name[256];
        return lookup_ci(fd, "loader", name, sizeof name) == 0 || lookup_ci(fd, "EFI", name, sizeof name) == 0;
}

/* Whether the block device behind directory dir is a GPT partition of XBOOTLDR's type, as udev probed it
 * (ID_PART_ENTRY_TYPE in its database: what bootctl's udev-based lookup reads). No udev: not known, no. */
static bool is_xbootldr(const char *dir) {
        struct stat st, parent;
        char db[64], line[256];
        /* open() mounts an automount point (stat() would see the autofs placeholder). */
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        bool mounted = fstat(fd, &st) == 0 && major(st.st_dev) != 0 &&
                       fstatat(fd, "..", &parent, 0) == 0 && parent.st_dev != st.st_dev;
        close(fd);
        /* Only a mount point is a partition of its own (a directory on the root file system is not). */
        if (!mounted)
                return false;
        snprintf(db, sizeof db, "/run/udev/data/b%u:%u", major(st.st_dev), minor(st.st_dev));
        FILE *f = fopen(db, "re");
        if (!f)
                return false;
        bool yes = false;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "E:ID_PART_ENTRY_TYPE=", 21) == 0) {
                        yes = strncasecmp(line + 21, UK_XBOOTLDR_TYPE_STR, strlen(UK_XBOOTLDR_TYPE_STR)) == 0;
                        break;
                }
        fclose(f);
        return yes;
}

static int open_dir(const char *dir, struct esp *ret) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", dir, strerror(errno));
        *ret = (struct esp) { .dir_fd = fd };
        snprintf(ret->path, sizeof ret->path, "%s", dir);
        return EXIT_OK;
}

static int find_esp(const char *skip, struct esp *ret) {
        static const char *const candidates[] = { "/efi", "/boot", "/boot/efi" };
        for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
                if (skip && strcmp(candidates[i], skip) == 0)
                        continue;
                int fd = open(candidates[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (has_boot_dirs(fd)) {
                        *ret = (struct esp) { .dir_fd = fd };
                        snprintf(ret->path, sizeof ret->path, "%s", candidates[i]);
                        return EXIT_OK;
                }
                close(fd);
        }
        return log_fail(EXIT_NOT_FOUND, "no ESP found (looked for /loader or /EFI in /efi, /boot, /boot/efi); use --esp DIR");
}

int esp_open(const char *dir, const char *xbootldr_dir, struct esp *ret) {
        const char *xb = xbootldr_dir ? xbootldr_dir : !dir && is_xbootldr("/boot") ? "/boot" : NULL;
        struct esp e, *x = NULL;
        int r = dir ? open_dir(dir, &e) : find_esp(xb, &e);
        if (r)
                return r;
        if (xb) {
                x = malloc(sizeof *x);
                if (!x || (r = open_dir(xb, x))) {
                        free(x);
                        close(e.dir_fd);
                        return x ? r : log_fail(EXIT_FAILED, "out of memory");
                }
                x->xbootldr = NULL;
        }
        e.xbootldr = x;
        *ret = e;
        return EXIT_OK;
}

const struct esp *esp_part(const struct esp *e, bool xbootldr) {
        return xbootldr ? e->xbootldr : e;
}

void esp_close(struct esp *e) {
        if (e->dir_fd >= 0)
                close(e->dir_fd);
        e->dir_fd = -1;
        if (e->xbootldr) {
                esp_close(e->xbootldr);
                free(e->xbootldr);
                e->xbootldr = NULL;
        }
}

static uk_err fs_list_dir(void *ctx, const char *path,
                          uk_err (*cb)(void *cb_ctx, const char *name, bool is_dir), void *cb_ctx) {
        struct esp *e = ctx;
        int fd = esp_open_file(e, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return uk_err_from_errno(-fd);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return UK_E_IO;
        }
        uk_err r = UK_OK;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;
                        is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
                }
                r = cb(cb_ctx, de->d_name, is_dir);
                if (r)
                        break;
        }
        closedir(d);
        return r;
}

static uk_err fs_read_file(void *ctx, const char *path, char *buf, size_t cap, size_t *ret_len) {
        struct esp *e = ctx;
        int fd = esp_open_file(e, path, O_RDONLY);
        if (fd < 0)
                return uk_err_from_errno(-fd);
        size_t len = 0;
        for (;;) {
                if (len == cap) {
                        char c;
                        ssize_t k = read(fd, &c, 1);
                        close(fd);
                        return k == 0 ? (*ret_len = len, UK_OK) : UK_E_BUFFER_TOO_SMALL;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        close(fd);
                        return UK_E_IO;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        close(fd);
        *ret_len = len;
        return UK_OK;
}

static uk_err fs_open_source(void *ctx, const char *path, struct uk_source *ret_src) {
        struct esp *e = ctx;
        int fd = esp_open_file(e, path, O_RDONLY);
        if (fd < 0)
                return uk_err_from_errno(-fd);
        struct fd_source *s = malloc(sizeof *s);
        if (!s) {
                close(fd);
                return UK_E_IO;
        }
        /* Quietly: a broken file is skipped by discovery, not reported per file. */
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                free(s);
                return UK_E_IO;
        }
        if (fd_source_from_fd(fd, path, s) != EXIT_OK) {
                free(s);
                return UK_E_IO;
        }
        *ret_src = s->src;
        return UK_OK;
}

static void fs_close_source(void *ctx, struct uk_source *src) {
        struct fd_source *s = src->ctx;
        if (!s)
                return;
        fd_source_close(s);
        free(s);
        src->ctx = NULL;
}

void esp_fs_ops(struct esp *e, struct uk_fs_ops *ret) {
        *ret = (struct uk_fs_ops) {
                .ctx = e,
                .list_dir = fs_list_dir,
                .read_file = fs_read_file,
                .open_source = fs_open_source,
                .close_source = fs_close_source,
        };
        if (e->xbootldr) {
                esp_fs_ops(e->xbootldr, &e->xbootldr_ops);
                ret->xbootldr = &e->xbootldr_ops;
        }
}

/* OsIndicationsSupported has EFI_OS_INDICATIONS_BOOT_TO_FW_UI: 1, 0, or -EIO when it cannot be read (it
 * decides whether an entry exists, so that stops the choice like the other variables). */
static int firmware_setup_supported(void) {
        uint8_t *v;
        size_t len;
        int r = efivar_read("OsIndicationsSupported", EFI_GLOBAL_GUID, &v, &len);
        if (r < 0)
                return r == -EIO ? r : 0;
        bool on = len == 8 && (v[0] & 0x1);
        free(v);
        return on;
}

int esp_bootmenu(struct esp *e, struct uk_bootmenu **ret, struct esp_choice *ret_choice) {
        static const char *const names[] = { "LoaderEntryOneShot", "LoaderEntryDefault", "LoaderEntryLastBooted" };
        struct esp_choice c = {};
        char *values[] = { c.one_shot, c.efi_default, c.last_booted };
        bool *have[] = { &c.have_one_shot, &c.have_default, &c.have_last_booted };
        struct uk_bootmenu *m = calloc(1, sizeof *m);
        if (!m)
                return log_fail(EXIT_FAILED, "out of memory");
        /* The same machine facts the EFI twin reads from its variables. A variable that exists but cannot
         * be read would quietly change the default: stop instead. */
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                int r = efivar_read_string(names[i], EFI_LOADER_GUID, values[i], sizeof c.one_shot);
                if (r == -EIO) {
                        free(m);
                        return log_fail(EXIT_FAILED, "%s: %s", names[i], strerror(EIO));
                }
                *have[i] = r >= 0;
        }
        struct uk_fs_ops ops;
        esp_fs_ops(e, &ops);
        /* What the EFI twin asks its firmware for the automatic entries: whether setup can be asked for, and
         * its own path (which the boot loader that started us left in LoaderImageIdentifier). */
        char own[UK_PATH_MAX];
        int fw_setup = firmware_setup_supported();
        if (fw_setup < 0) {
                free(m);
                return log_fail(EXIT_FAILED, "OsIndicationsSupported: %s", strerror(EIO));
        }
        struct uk_menu_facts facts = { .firmware_setup = fw_setup > 0 };
        int ri = efivar_read_string("LoaderImageIdentifier", EFI_LOADER_GUID, own, sizeof(own));
        if (ri == -EIO) {
                free(m);
                return log_fail(EXIT_FAILED, "LoaderImageIdentifier: %s", strerror(EIO));
        }
        if (ri >= 0)
                facts.own_path = own;
        uk_err r = uk_bootmenu_load_facts(&ops, &facts, c.have_one_shot ? c.one_shot : NULL,
                                          c.have_default ? c.efi_default : NULL,
                                          c.have_last_booted ? c.last_booted : NULL, m);
        for (unsigned i = 0; i < m->n_notes; i++)
                log_warn("note: %s", m->notes[i]);
        if (r) {
                free(m);
                return log_uk(r, e->path);
        }
        /* Something the menu depends on could not be read: whatever would be chosen might not be what the
         * ESP says, so nothing is (the EFI twin waits for a person instead). */
        if (m->io_error[0]) {
                int code = log_fail(EXIT_FAILED, "%s%s", e->path, m->io_error);
                free(m);
                return code;
        }
        if (m->found.skipped > 0)
                log_warn("%s: %zu malformed boot entr%s skipped", e->path, m->found.skipped,
                         m->found.skipped == 1 ? "y" : "ies");
        if (m->found.hidden > 0)
                log_warn("%s: %zu boot entr%s hidden: %s file is missing", e->path, m->found.hidden,
                         m->found.hidden == 1 ? "y" : "ies", m->found.hidden == 1 ? "its" : "their");
        *ret = m;
        if (ret_choice)
                *ret_choice = c;
        return EXIT_OK;
}
