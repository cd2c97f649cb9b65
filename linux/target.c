/* ukiboot — turn "what to boot" (a UKI file, an entry on the ESP, a .conf file, a URL) into a plan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ukiboot.h"
#include "url.h"
#include "util.h"

bool target_opt(struct target_opts *o, int opt, const char *arg, int *ret_err) {
        switch (opt) {
        case OPT_ENTRY:
                o->entry = arg;
                return true;
        case OPT_DEFAULT:
                o->use_default = true;
                return true;
        case OPT_ESP:
                o->esp = arg;
                return true;
        case OPT_APPEND:
                o->append = arg;
                return true;
        case OPT_PROFILE: {
                uint64_t v;
                if (!uk_parse_u64(arg, strlen(arg), &v) || v >= UK_MAX_PROFILES) {
                        *ret_err = log_fail(EXIT_USAGE, "--profile: '%s' is not a profile number (0..%d)",
                                            arg, UK_MAX_PROFILES - 1);
                        return true;
                }
                o->has_profile = true;
                o->profile = (unsigned) v;
                return true;
        }
        case OPT_SECURE_BOOT:
                if (strcmp(arg, "on") == 0)
                        o->secure_boot = 1;
                else if (strcmp(arg, "off") == 0)
                        o->secure_boot = 0;
                else
                        *ret_err = log_fail(EXIT_USAGE, "--secure-boot: expected 'on' or 'off', got '%s'", arg);
                return true;
        default:
                return false;
        }
}

/* An --entry argument names a .conf file (rather than an id on the ESP) when it contains a '/', or,
 * without --esp, when such a file exists. */
static bool entry_is_file(const char *arg, bool have_esp_opt) {
        struct stat st;
        return strchr(arg, '/') || (!have_esp_opt && stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

static int entry_from_conf_file(const char *path, struct uk_entry *ret) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_fail(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", path, strerror(errno));
        const size_t cap = UK_OPTIONS_MAX * 4;   /* an entry is a few lines; refuse anything huge */
        char *text = malloc(cap + 1);
        if (!text) {
                close(fd);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        size_t n = 0;
        for (;;) {
                ssize_t k = read(fd, text + n, cap + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = log_fail(EXIT_FAILED, "%s: %s", path, strerror(errno));
                        close(fd);
                        free(text);
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > cap) {
                        close(fd);
                        free(text);
                        return log_fail(EXIT_INVALID, "%s: too large for a boot entry", path);
                }
        }
        close(fd);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char esp_path[UK_PATH_MAX];
        snprintf(esp_path, sizeof esp_path, "/loader/entries/%s", base);
        uk_err e = uk_entry_parse_conf(text, n, base, esp_path, ret);
        free(text);
        if (e)
                return log_uk(e, path);
        return EXIT_OK;
}

static int entry_from_esp(const struct target_opts *o, struct target *t) {
        struct uk_entry *entries;
        size_t n;
        int r = esp_entries(&t->esp, &entries, &n);
        if (r)
                return r;
        int i = o->entry ? uk_entries_find(entries, n, o->entry) : esp_default_entry(&t->esp, entries, n);
        if (i < 0) {
                free(entries);
                if (o->entry)
                        return log_fail(EXIT_NOT_FOUND, "%s: no boot entry with id '%s' (see 'ukiboot list')",
                                        t->esp.path, o->entry);
                return log_fail(EXIT_NOT_FOUND, "%s: no boot entries found", t->esp.path);
        }
        *t->entry = entries[i];
        free(entries);
        return EXIT_OK;
}

static int need_esp(const struct target_opts *o, struct target *t) {
        if (t->have_esp)
                return EXIT_OK;
        int r = esp_open(o->esp, &t->esp);
        if (r == EXIT_OK)
                t->have_esp = true;
        return r;
}

static int open_on_esp(struct target *t, const char *path, struct fd_source *ret) {
        int fd = esp_open_file(&t->esp, path, O_RDONLY);
        char label[4096 + UK_PATH_MAX];
        snprintf(label, sizeof label, "%s%s", t->esp.path, path);
        if (fd < 0)
                return log_fail(fd == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAILED, "%s: %s", label, strerror(-fd));
        return fd_source_from_fd(fd, label, ret);
}

/* Sizes of a `linux` entry's initrd files: the plan lays them out before anything is read. */
static int initrd_sizes(struct target *t, uint64_t sizes[UK_ENTRY_MAX_INITRDS]) {
        for (unsigned i = 0; i < t->entry->n_initrd && i < UK_ENTRY_MAX_INITRDS; i++) {
                struct fd_source f;
                int r = open_on_esp(t, t->entry->initrd[i], &f);
                if (r)
                        return r;
                sizes[i] = f.src.size;
                fd_source_close(&f);
        }
        return EXIT_OK;
}

/* A UKI argument of the form "scheme://..." (RFC 3986 scheme characters) is a URL, not a file name:
 * it is fetched like a uki-url entry, and a scheme other than http/https is refused by uk_url_parse
 * rather than reported as a missing file. */
static bool arg_is_url(const char *arg) {
        if (!uk_isalpha(arg[0]))
                return false;
        size_t i = 1;
        while (uk_isalpha(arg[i]) || uk_isdigit(arg[i]) || arg[i] == '+' || arg[i] == '-' || arg[i] == '.')
                i++;
        return strncmp(arg + i, "://", 3) == 0;
}

/* Download url into a memfd (as for uki-url entries) and read the UKI from there. A malformed URL
 * exits with bad_url_code: a usage error on the command line, an invalid entry in a .conf file. */
static int open_url(const char *url, int bad_url_code, struct fd_source *ret) {
        struct uk_url parsed;
        uk_err e = uk_url_parse(url, &parsed);
        if (e)
                return log_fail(bad_url_code, "%s: %s (expected http://HOST[:PORT]/PATH or https://...)",
                                url, uk_strerror(e));
        int fd, r;
        if ((r = fetch_url(url, &fd)))
                return r;
        return fd_source_from_fd(fd, url, ret);
}

static int open_file(const struct target_opts *o, struct target *t) {
        if (o->uki_path) {
                int r = arg_is_url(o->uki_path) ? open_url(o->uki_path, EXIT_USAGE, &t->file)
                                                : fd_source_open(o->uki_path, &t->file);
                t->have_file = r == EXIT_OK;
                return r;
        }
        const struct uk_entry *e = t->entry;
        int r;
        switch (e->kind) {
        case UK_ENTRY_KIND_UKI:
                if ((r = need_esp(o, t)))
                        return r;
                r = open_on_esp(t, e->uki_path, &t->file);
                break;
        case UK_ENTRY_KIND_LINUX:
                if ((r = need_esp(o, t)))
                        return r;
                r = open_on_esp(t, e->linux_path, &t->file);
                break;
        case UK_ENTRY_KIND_UKI_URL:
                r = open_url(e->uki_url, EXIT_INVALID, &t->file);
                break;
        case UK_ENTRY_KIND_EFI:
        default:
                return log_fail(EXIT_INVALID, "%s: entry chain-loads an EFI program (%s); only Linux can be kexec'd",
                                e->id, e->efi_path);
        }
        t->have_file = r == EXIT_OK;
        return r;
}

/* Credentials and system extensions next to a UKI entry on the ESP, as systemd-stub picks them up when
 * started from that path. A UKI given as a file or URL has no ESP path, so nothing is picked up for it. */
static int scan_extras(const struct target_opts *o, struct target *t, struct uk_extras **ret) {
        *ret = NULL;
        if (o->uki_path || !t->entry || t->entry->kind != UK_ENTRY_KIND_UKI || !t->have_esp)
                return EXIT_OK;
        struct uk_extras *x = calloc(1, sizeof *x);
        if (!x)
                return log_fail(EXIT_FAILED, "out of memory");
        struct uk_fs_ops ops;
        esp_fs_ops(&t->esp, &ops);
        uk_err e = uk_extras_scan(&ops, t->entry->uki_path, x);
        if (e) {
                free(x);
                return log_fail(EXIT_INVALID, "%s%s" UK_EXTRAS_DROPIN_SUFFIX ", %s%s: credentials and system extensions: %s",
                                t->esp.path, t->entry->uki_path, t->esp.path, UK_EXTRAS_GLOBAL_DIR, uk_strerror(e));
        }
        *ret = x;
        return EXIT_OK;
}

int target_plan(const struct target_opts *o, struct target *t) {
        memset(t, 0, sizeof *t);
        t->file.fd = -1;
        t->esp.dir_fd = -1;
        int r;

        if (o->entry || o->use_default) {
                t->entry = calloc(1, sizeof *t->entry);
                if (!t->entry)
                        return log_fail(EXIT_FAILED, "out of memory");
                if (o->entry && entry_is_file(o->entry, o->esp)) {
                        if ((r = entry_from_conf_file(o->entry, t->entry)))
                                return r;
                } else {
                        if ((r = need_esp(o, t)) || (r = entry_from_esp(o, t)))
                                return r;
                }
        } else if (!o->uki_path)
                return log_fail(EXIT_USAGE, "nothing to boot: give a UKI file, --entry ID or --default");

        if ((r = open_file(o, t)))
                return r;

        struct uk_plan_in in = {
                .src = &t->file.src,
                .entry = t->entry,
                .has_profile = o->has_profile,
                .profile = o->profile,
                .append = o->append,
        };
        bool is_linux_entry = !o->uki_path && t->entry && t->entry->kind == UK_ENTRY_KIND_LINUX;
        if (is_linux_entry) {
                if ((r = initrd_sizes(t, in.initrd_file_sizes)))
                        return r;
        } else {
                t->uki = calloc(1, sizeof *t->uki);
                if (!t->uki)
                        return log_fail(EXIT_FAILED, "out of memory");
                uk_err e = uk_uki_parse(&t->file.src, t->uki);
                if (e)
                        return log_uk(e, t->file.label);
                in.uki = t->uki;
        }
        struct uk_extras *extras = NULL;
        if (!is_linux_entry && (r = scan_extras(o, t, &extras)))
                return r;
        in.extras = extras;
        in.machine.secure_boot = o->secure_boot >= 0 ? o->secure_boot == 1 : efivar_secure_boot() == 1;
        if (o->this_machine)
                in.machine.pe_machine = uk_pe_machine_native();

        t->plan = calloc(1, sizeof *t->plan);
        if (!t->plan) {
                free(extras);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        uk_err e = uk_plan_build(&in, t->plan);
        free(extras);   /* the plan holds what it needs of the list */
        if (e)
                return log_uk(e, t->file.label);
        return EXIT_OK;
}

void target_free(struct target *t) {
        if (t->have_file)
                fd_source_close(&t->file);
        if (t->have_esp)
                esp_close(&t->esp);
        free(t->uki);
        free(t->entry);
        free(t->plan);
        t->uki = NULL, t->entry = NULL, t->plan = NULL;
        t->have_file = t->have_esp = false;
}
