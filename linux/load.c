/* ukiboot load / kexec / unload — kernel and initrd into memfds, one kexec_file_load call. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kexec.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "target.h"
#include "fill.h"
#include "kexec_arm64.h"
#include "kexec_multiboot.h"
#include "kexec_bzimage.h"
#include "verbs.h"
#include "sha256.h"
#include "timing.h"

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD 0x00000001
#endif
#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH 0x00000002
#endif
#ifndef KEXEC_FILE_NO_INITRAMFS
#define KEXEC_FILE_NO_INITRAMFS 0x00000004
#endif

static long sys_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len, const char *cmdline,
                                unsigned long flags) {
        return syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
}

/* First line of a small sysfs/procfs file, "" if unreadable. */
static void read_line(const char *path, char *ret, size_t cap) {
        ret[0] = 0;
        FILE *f = fopen(path, "re");
        if (!f)
                return;
        if (!fgets(ret, (int) cap, f))
                ret[0] = 0;
        fclose(f);
        ret[strcspn(ret, "\n")] = 0;
}

/* Whether /proc/sys/kernel/kexec_load_disabled forbids loading until the next boot. */
static bool kexec_disabled(void) {
        char buf[16] = "";
        read_line("/proc/sys/kernel/kexec_load_disabled", buf, sizeof buf);
        return strcmp(buf, "1") == 0;
}

/* Turn the kernel's errno into what happened and what to do about it. */
static int explain_kexec_error(int err, const char *what, size_t cmdline_len, bool crash) {
        char buf[256];
        switch (err) {
        case EPERM:
                if (geteuid() != 0)
                        return log_fail(EXIT_DENIED, "%s: loading a kernel needs root (CAP_SYS_BOOT)", what);
                if (kexec_disabled())
                        return log_fail(EXIT_DENIED, "%s: kexec is disabled until reboot "
                                        "(/proc/sys/kernel/kexec_load_disabled is 1)", what);
                read_line("/sys/kernel/security/lockdown", buf, sizeof buf);
                if (strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]"))
                        return log_fail(EXIT_DENIED, "%s: the kernel is locked down (%s): only a kernel signed by a "
                                        "key in the kernel's keyrings can be loaded", what, buf);
                return log_fail(EXIT_DENIED, "%s: the kernel refused the load (EPERM): check lockdown, "
                                "kexec_load_disabled and security modules", what);
        case ENOEXEC:
                return log_fail(EXIT_INVALID, "%s: the running kernel cannot load this kernel format "
                                "(needs a 64-bit relocatable bzImage on x86, an Image on arm64)", what);
        case EBUSY:
                return log_fail(EXIT_FAILED, "%s: another kexec load is in progress, try again", what);
        case EKEYREJECTED:
                return log_fail(EXIT_DENIED, "%s: the kernel's signature was rejected (signature enforcement is on)", what);
        case ENOKEY:
                return log_fail(EXIT_DENIED, "%s: the kernel is unsigned or signed by a key the running kernel "
                                "does not trust (signature enforcement is on)", what);
        case EBADMSG:
                return log_fail(EXIT_DENIED, "%s: the kernel's signature is malformed", what);
        case EINVAL:
                if (cmdline_len + 1 > 2048)
                        return log_fail(EXIT_INVALID, "%s: the running kernel refused the load: the command line "
                                        "(%zu bytes) may exceed its COMMAND_LINE_SIZE", what, cmdline_len);
                return log_fail(EXIT_INVALID, "%s: the running kernel refused the image or its arguments (EINVAL)", what);
        case ENOSYS:
                return log_fail(EXIT_FAILED, "%s: the running kernel has no kexec_file_load (CONFIG_KEXEC_FILE)", what);
        case EADDRNOTAVAIL:
        case ENOMEM:
                if (crash)
                        return log_fail(EXIT_FAILED, "%s: no room in the crash kernel reservation "
                                        "(boot with crashkernel=...)", what);
                return log_fail(EXIT_FAILED, "%s: out of memory loading the kernel", what);
        default:
                return log_fail(EXIT_FAILED, "%s: kexec_file_load: %s", what, strerror(err));
        }
}

/* Remember what was loaded for `ukiboot status`: the digest line, then the canonical plan. Written to
 * PATH.tmp before the kexec call and renamed over PATH only once the kernel took the image, so the record
 * never names a plan that is not the loaded one: a failed load leaves the old record, a failed rename
 * after a good load removes it (status then says it cannot tell). False when nothing could be written. */
static bool record_prepare(const struct uk_plan *p, const char *path, char tmp[static 256]) {
        char *canon = malloc(UK_PLAN_CANONICAL_MAX);
        size_t len = 0;
        snprintf(tmp, 256, "%s.tmp", path);
        if (!canon || uk_plan_canonical(p, canon, UK_PLAN_CANONICAL_MAX, &len)) {
                free(canon);
                log_warn("%s: cannot format the plan, not recorded", path);
                return false;
        }
        char hex[65];
        uk_sha256_hex(p->digest, hex);
        if (mkdir(UKIBOOT_RUN_DIR, 0755) < 0 && errno != EEXIST) {
                log_warn("%s: %s; load not recorded", UKIBOOT_RUN_DIR, strerror(errno));
                free(canon);
                return false;
        }
        FILE *f = fopen(tmp, "we");
        if (!f) {
                log_warn("%s: %s; load not recorded", tmp, strerror(errno));
                free(canon);
                return false;
        }
        fprintf(f, "digest %s\n", hex);
        fwrite(canon, 1, len, f);
        if (len > 0 && canon[len - 1] != '\n')
                fputc('\n', f);
        free(canon);
        if (fclose(f) != 0) {
                log_warn("%s: %s; load not recorded", tmp, strerror(errno));
                unlink(tmp);
                return false;
        }
        return true;
}

static void record_commit(bool prepared, const char *tmp, const char *path) {
        if (prepared && rename(tmp, path) == 0)
                return;
        if (prepared)
                log_warn("%s: %s; load not recorded", path, strerror(errno));
        unlink(tmp);
        /* The old record would name a plan that is no longer loaded. */
        unlink(path);
}

/* The kernel took the image (through the syscall named): record the load, report each step's time (with
 * UKIBOOT_TIMINGS) and what was loaded. */
static void report_loaded(const struct target *t, bool prepared, const char *record_tmp, const char *record, bool crash,
                          const char *syscall_name) {
        timing_step(syscall_name);
        record_commit(prepared, record_tmp, record);
        timing_step("record");
        timing_report();
        char hex[65];
        uk_sha256_hex(t->plan->digest, hex);
        bool own_layout = strcmp(syscall_name, "kexec_load") == 0;
        fprintf(stderr, "ukiboot: loaded %s%s (plan %.16s%s), cmdline: %s\n", t->file.label,
                crash ? " as crash kernel" : "", hex, own_layout ? ", kexec_load" : "", t->plan->cmdline);
}

/* A close-on-exec memory file for kernel or initrd bytes; -1 (and the exit code in *ret_err) on failure. */
static int new_memfd(const char *name, int *ret_err) {
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                *ret_err = log_fail(EXIT_FAILED, "memfd_create: %s", strerror(errno));
        return fd;
}

int do_load(const struct target_opts *o, bool crash, bool use_kexec_load) {
        struct target t;
        int kernel_fd = -1, initrd_fd = -1;
        timing_begin();
        int r = target_plan(o, &t);
        if (r)
                goto out;
        timing_step("plan");
        /* A Multiboot kernel: kexec_load with a layout of ours (kexec_file_load takes bzImage only). */
        if (t.plan->is_multiboot) {
                if (crash) {
                        r = log_fail(EXIT_INVALID, "%s: a Multiboot kernel is not loaded as a crash kernel", t.file.label);
                        goto out;
                }
                const char *record = UKIBOOT_LOADED_FILE;
                char record_tmp[256];
                bool prepared = record_prepare(t.plan, record, record_tmp);
                if ((r = kexec_load_multiboot(&t, t.file.label))) {
                        if (prepared)
                                unlink(record_tmp);
                        goto out;
                }
                record_commit(prepared, record_tmp, record);
                fprintf(stderr, "ukiboot: loaded %s (Multiboot), cmdline: %s\n", t.file.label, t.plan->cmdline);
                goto out;
        }

        if (use_kexec_load) {
                /* kexec_load with our own layout: no memory files, no segment hashing, no purgatory. */
                if (crash) {
                        r = log_fail(EXIT_USAGE, "--kexec-load does not load crash kernels");
                        goto out;
                }
                const char *record = UKIBOOT_LOADED_FILE;
                char record_tmp[256];
                bool prepared = record_prepare(t.plan, record, record_tmp);
                int err = 0;
                if ((r = kexec_load_bzimage(&t, &err))) {
                        if (err == EPERM && geteuid() == 0 && !kexec_disabled())
                                r = log_fail(EXIT_DENIED, "%s: kexec_load refused (EPERM): a locked-down kernel takes "
                                             "kexec_file_load only; load without --kexec-load", t.file.label);
                        else if (err)
                                r = explain_kexec_error(err, t.file.label, t.plan->cmdline_len, false);
                        if (prepared)
                                unlink(record_tmp);
                        goto out;
                }
                report_loaded(&t, prepared, record_tmp, record, false, "kexec_load");
                goto out;
        }
        if ((kernel_fd = new_memfd("ukiboot-kernel", &r)) < 0 || (r = fill_kernel(&t, kernel_fd)))
                goto out;
        timing_step("fill-kernel");
        if (t.plan->initrd_total > 0) {
                if ((initrd_fd = new_memfd("ukiboot-initrd", &r)) < 0 || (r = fill_initrd(&t, initrd_fd)))
                        goto out;
                timing_step("fill-initrd");
        }

        /* Everything is ready: one call, so a failure leaves any earlier image loaded (and its record). */
        const char *record = crash ? UKIBOOT_LOADED_CRASH_FILE : UKIBOOT_LOADED_FILE;
        char record_tmp[256];
        bool prepared = record_prepare(t.plan, record, record_tmp);
        unsigned long flags = (initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0) | (crash ? KEXEC_FILE_ON_CRASH : 0);
#if defined(__aarch64__)
        /* A plan with its own device tree: only kexec_load takes one (kexec_file_load reuses the running tree). */
        bool own_tree = t.plan->devicetree.source != UK_DT_NONE && !crash;
        if (own_tree) {
                uint8_t *dtb = NULL;
                size_t dtb_len = 0;
                if (!(r = read_devicetree(&t, &dtb, &dtb_len)))
                        r = kexec_load_arm64(kernel_fd, initrd_fd, t.plan->cmdline, dtb, dtb_len, t.file.label);
                free(dtb);
                if (r) {
                        if (prepared)
                                unlink(record_tmp);
                        goto out;
                }
        } else
#endif
        if (sys_kexec_file_load(kernel_fd, initrd_fd, t.plan->cmdline_len + 1, t.plan->cmdline, flags) < 0) {
#if defined(__aarch64__)
                /* Debian's arm64 kernels have kexec_load only: place the segments ourselves. */
                if (errno == ENOSYS && !crash)
                        r = kexec_load_arm64(kernel_fd, initrd_fd, t.plan->cmdline, NULL, 0, t.file.label);
                else
#endif
                        r = explain_kexec_error(errno, t.file.label, t.plan->cmdline_len, crash);
                if (r) {
                        if (prepared)
                                unlink(record_tmp);
                        goto out;
                }
        }
        report_loaded(&t, prepared, record_tmp, record, crash, "kexec_file_load");
        r = EXIT_OK;
out:
        if (kernel_fd >= 0)
                close(kernel_fd);
        if (initrd_fd >= 0)
                close(initrd_fd);
        target_free(&t);
        return r;
}

static const struct option load_opts[] = {
        TARGET_OPTIONS,
        KERNEL_OPTIONS,
        { "crash", no_argument, NULL, OPT_CRASH },
        { "force", no_argument, NULL, OPT_FORCE },
        { "no-count", no_argument, NULL, OPT_NO_COUNT },
        { "assume-no-secure-boot", no_argument, NULL, OPT_ASSUME_NO_SB },
        { "kexec-load", no_argument, NULL, OPT_KEXEC_LOAD },
        { "help", no_argument, NULL, 'h' },
        {}
};

/* Shared by load and kexec; force is only accepted by kexec, no_count only by load. */
static int parse_load(const char *verb, int argc, char **argv, struct target_opts *o, bool *crash, bool *force,
                      bool *no_count, bool *kexec_load, bool *ret_help) {
        int c, err = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", load_opts, NULL)) >= 0) {
                if (target_opt(o, c, optarg, &err)) {
                        if (err)
                                return err;
                        continue;
                }
                switch (c) {
                case OPT_CRASH:
                        *crash = true;
                        break;
                case OPT_FORCE:
                        if (!force)
                                return usage_error(verb, "--force is only for exec, kexec and reboot");
                        *force = true;
                        break;
                case OPT_KEXEC_LOAD:
                        *kexec_load = true;
                        break;
                case OPT_NO_COUNT:
                        if (!no_count)
                                return usage_error(verb, "--no-count is only for load (kexec always counts the boot)");
                        *no_count = true;
                        break;
                case 'h':
                        verb_usage(stdout, verb);
                        *ret_help = true;
                        return EXIT_OK;
                default:
                        return option_error(verb, c, argv);
                }
        }
        return target_opts_finish(verb, o, argc - optind, argv + optind);
}

int verb_load(int argc, char **argv) {
        struct target_opts o = { .secure_boot = -1, .this_machine = true };
        bool crash = false, no_count = false, kexec_load = false, help = false;
        int r = parse_load("load", argc, argv, &o, &crash, NULL, &no_count, &kexec_load, &help);
        if (r || help)
                return r;
        /* A crash kernel is not a boot of the entry; nor is a kernel loaded ahead of a kexec that may never
         * come (ukiboot-kexec.service loads again, counted, when kexec.target starts). */
        o.starts_boot = !crash && !no_count;
        return do_load(&o, crash, kexec_load);
}

int verb_kexec(int argc, char **argv) {
        struct target_opts o = { .secure_boot = -1, .this_machine = true };
        bool crash = false, force = false, kexec_load = false, help = false;
        int r = parse_load("kexec", argc, argv, &o, &crash, &force, NULL, &kexec_load, &help);
        if (r || help)
                return r;
        if (crash)
                return usage_error("kexec", "--crash loads a crash kernel, which is not executed; use 'load --crash'");
        o.starts_boot = true;
        if ((r = do_load(&o, false, kexec_load)))
                return r;
        return do_exec(force);
}

int verb_unload(int argc, char **argv) {
        bool crash = false;
        int r;
        if (parse_flag_option("unload", "crash", argc, argv, &crash, &r))
                return r;
        if (argc > optind)
                return usage_error("unload", "unexpected argument '%s'", argv[optind]);
        unsigned long flags = KEXEC_FILE_UNLOAD | (crash ? KEXEC_FILE_ON_CRASH : 0);
        if (sys_kexec_file_load(-1, -1, 0, NULL, flags) < 0) {
                int err = errno;
#if defined(__aarch64__)
                if (err == ENOSYS && !crash)
                        err = -kexec_unload_legacy();
#endif
                if (err)
                        return explain_kexec_error(err, crash ? "unload crash kernel" : "unload", 0, crash);
        }
        unlink(crash ? UKIBOOT_LOADED_CRASH_FILE : UKIBOOT_LOADED_FILE);
        return EXIT_OK;
}
