/* ukiboot verify — would this UKI be trusted under Secure Boot? The check `load` makes, on its own. */
#include <getopt.h>
#include <string.h>
#include "log.h"
#include "source_fd.h"
#include "trust.h"
#include "target.h"
#include "verbs.h"

int verb_verify(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, OPT_DB },
                { "dbx", required_argument, NULL, OPT_DBX },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct trust_opts to = { .secure_boot = 1, .check = true };
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_DB:
                        to.db_file = optarg;
                        break;
                case OPT_DBX:
                        to.dbx_file = optarg;
                        break;
                case 'h':
                        verb_usage(stdout, "verify");
                        return EXIT_OK;
                default:
                        return option_error("verify", c, argv);
                }
        }
        if (argc - optind < 1)
                return usage_error("verify", "expected one or more UKI files");
        /* Without lists on the command line, the firmware's own (whatever the Secure Boot state). */
        if (!to.db_file && !to.dbx_file)
                to.secure_boot = -1;
        struct trust t;
        int r = trust_setup(&to, &t), worst = EXIT_OK;
        if (r)
                return r;
        for (int i = optind; i < argc; i++) {
                struct fd_source f;
                if ((r = fd_source_open(argv[i], &f))) {
                        worst = worst ? worst : r;
                        continue;
                }
                uk_err e = trust_verify(&t, &f.src);
                if (e == UK_OK)
                        printf("%s: %s\n", f.label, t.verdict);
                else {
                        r = log_fail(e == UK_E_IO ? EXIT_FAILED : EXIT_DENIED, "%s: refused under Secure Boot: %s",
                                     f.label, t.verdict);
                        worst = worst ? worst : r;
                }
                fd_source_close(&f);
        }
        trust_free(&t);
        return worst;
}
