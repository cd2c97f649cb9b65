/* ukiboot extract — write the kernel and initrd exactly as `load` would hand them to the kernel.
 * For debugging a plan, and for testing the load path on machines where kexec must not run. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "target.h"
#include "fill.h"
#include "verbs.h"

/* Open an output file: the fd, or -1 with the reason printed and the exit code in *ret_err. */
static int open_out(const char *path, int *ret_err) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                *ret_err = log_fail(exit_code_for_errno(errno), "%s: %s", path, strerror(errno));
        return fd;
}

int verb_extract(int argc, char **argv) {
        static const struct option opts[] = {
                TARGET_OPTIONS,
                { "kernel", required_argument, NULL, OPT_KERNEL },
                { "initrd", required_argument, NULL, OPT_INITRD },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct target_opts o = { .secure_boot = -1 };
        const char *kernel_out = NULL, *initrd_out = NULL;
        int c, err = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                if (target_opt(&o, c, optarg, &err)) {
                        if (err)
                                return err;
                        continue;
                }
                switch (c) {
                case OPT_KERNEL:
                        kernel_out = optarg;
                        break;
                case OPT_INITRD:
                        initrd_out = optarg;
                        break;
                case 'h':
                        verb_usage(stdout, "extract");
                        return EXIT_OK;
                default:
                        return option_error("extract", c, argv);
                }
        }
        if (argc - optind > 1)
                return usage_error("extract", "expected at most one UKI file");
        if (argc - optind == 1)
                o.uki_path = argv[optind];
        if (!o.uki_path && !o.entry && !o.use_default)
                return usage_error("extract", "expected a UKI file, --entry ID or --default");
        if (!kernel_out && !initrd_out)
                return usage_error("extract", "nothing to do: give --kernel FILE and/or --initrd FILE");

        struct target t;
        int r = target_plan(&o, &t);
        if (r == EXIT_OK && kernel_out) {
                int fd = open_out(kernel_out, &r);
                if (fd >= 0) {
                        r = fill_kernel(&t, fd);
                        if (close(fd) < 0 && !r)
                                r = log_fail(EXIT_FAILED, "%s: %s", kernel_out, strerror(errno));
                }
        }
        if (r == EXIT_OK && initrd_out) {
                int fd = open_out(initrd_out, &r);
                if (fd >= 0) {
                        r = fill_initrd(&t, fd);
                        if (close(fd) < 0 && !r)
                                r = log_fail(EXIT_FAILED, "%s: %s", initrd_out, strerror(errno));
                }
        }
        target_free(&t);
        return r;
}
