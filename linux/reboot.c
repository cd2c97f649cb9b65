/* ukiboot exec / reboot — start the loaded kernel: through systemd when it is PID 1, else ourselves. */
#include <errno.h>
#include <getopt.h>
#include <linux/reboot.h>
#include <mntent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>
#include "timing.h"
#include "log.h"
#include "verbs.h"

static bool read_first_line(const char *path, char *ret, size_t cap) {
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        bool ok = fgets(ret, (int) cap, f) != NULL;
        fclose(f);
        if (ok)
                ret[strcspn(ret, "\n")] = 0;
        return ok;
}

/* Remount block-device-backed file systems read-only, innermost first, so nothing is lost when the
 * new kernel takes over without an orderly shutdown. Failures (busy, pseudo fs) only warn. */
static void remount_read_only(void) {
        FILE *f = setmntent("/proc/self/mounts", "re");
        if (!f) {
                log_warn("/proc/self/mounts: %s; not remounting read-only", strerror(errno));
                return;
        }
        char **dirs = NULL;
        size_t n = 0;
        struct mntent *m;
        while ((m = getmntent(f))) {
                if (strncmp(m->mnt_fsname, "/dev/", 5) != 0)
                        continue;
                char **d = realloc(dirs, (n + 1) * sizeof *dirs);
                if (!d)
                        break;
                dirs = d;
                if (!(dirs[n] = strdup(m->mnt_dir)))
                        break;
                n++;
        }
        endmntent(f);
        while (n > 0) {
                n--;
                if (mount(NULL, dirs[n], NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
                        log_warn("%s: remounting read-only: %s", dirs[n], strerror(errno));
                free(dirs[n]);
        }
        free(dirs);
}

int do_exec(bool force) {
        char buf[64];
        if (!read_first_line("/sys/kernel/kexec_loaded", buf, sizeof buf))
                return log_fail(EXIT_FAILED, "/sys/kernel/kexec_loaded: %s (kernel without kexec?)", strerror(errno));
        if (strcmp(buf, "1") != 0)
                return log_fail(EXIT_NOT_LOADED, "no kernel is loaded for kexec; run 'ukiboot load' first");

        if (!force && read_first_line("/proc/1/comm", buf, sizeof buf) && strcmp(buf, "systemd") == 0) {
                /* systemd stops services and unmounts cleanly, then kexecs the loaded image itself. */
                fflush(NULL);
                execlp("systemctl", "systemctl", "kexec", (char *) NULL);
                return log_fail(EXIT_FAILED, "systemctl kexec: %s", strerror(errno));
        }
        timing_begin();
        sync();
        if (!force)
                remount_read_only();
        timing_step(force ? "sync" : "sync-and-remount");
        timing_report();
        fflush(NULL);
        reboot(LINUX_REBOOT_CMD_KEXEC);
        return log_fail(errno == EPERM ? EXIT_DENIED : EXIT_FAILED, "reboot(KEXEC): %s", strerror(errno));
}

static int exec_verb(const char *verb, int argc, char **argv) {
        bool force = false;
        int r;
        if (parse_flag_option(verb, "force", argc, argv, &force, &r))
                return r;
        if (argc > optind)
                return usage_error(verb, "unexpected argument '%s'", argv[optind]);
        return do_exec(force);
}

int verb_exec(int argc, char **argv) {
        return exec_verb("exec", argc, argv);
}

int verb_reboot(int argc, char **argv) {
        return exec_verb("reboot", argc, argv);
}
