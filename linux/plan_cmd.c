/* ukiboot plan — print the boot plan common/ builds: kernel span, initrd pieces, command line. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "target.h"
#include "fill.h"
#include "verbs.h"
#include "current.h"

#define PLAN_TEXT_MAX (256 * 1024)

int verb_plan(int argc, char **argv) {
        static const struct option opts[] = {
                TARGET_OPTIONS,
                KERNEL_OPTIONS,
                { "secure-boot", required_argument, NULL, OPT_SECURE_BOOT },
                { "db", required_argument, NULL, OPT_DB },
                { "dbx", required_argument, NULL, OPT_DBX },
                { "json", no_argument, NULL, OPT_JSON },
                { "canonical", no_argument, NULL, OPT_CANONICAL },
                { "current", no_argument, NULL, OPT_CURRENT },
                { "diff-current", no_argument, NULL, OPT_DIFF_CURRENT },
                { "diff", required_argument, NULL, OPT_DIFF },
                { "content", no_argument, NULL, OPT_CONTENT },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct target_opts o = { .secure_boot = -1 };
        bool json = false, canonical = false, current = false, content = false;
        int diff = 0;           /* --diff-current and --diff FILE: counted, so that both at once are refused */
        const char *diff_file = NULL;
        int c, r, err = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                if (target_opt(&o, c, optarg, &err)) {
                        if (err)
                                return err;
                        continue;
                }
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_CANONICAL:
                        canonical = true;
                        break;
                case OPT_CURRENT:
                        current = true;
                        break;
                case OPT_DIFF_CURRENT:
                        diff++;
                        break;
                case OPT_DIFF:
                        diff++;
                        diff_file = optarg;
                        break;
                case OPT_CONTENT:
                        content = true;
                        break;
                case 'h':
                        verb_usage(stdout, "plan");
                        return EXIT_OK;
                default:
                        return option_error("plan", c, argv);
                }
        }
        if (current) {
                if (argc > optind || o.entry || o.use_default || o.kernel || o.n_initrds || diff)
                        return usage_error("plan", "--current takes no other arguments");
                return plan_current();
        }
        if ((r = target_opts_finish("plan", &o, argc - optind, argv + optind)))
                return r;
        if (json + canonical + diff > 1)
                return usage_error("plan", "--json, --canonical, --diff and --diff-current exclude each other");
        if (content && json)
                return usage_error("plan", "--content goes with the text or --canonical forms");

        struct target t;
        r = target_plan(&o, &t);
        if (r) {
                target_free(&t);
                return r;
        }
        /* Content identity costs a read of every byte: only when it is asked for or compared. */
        if ((content || diff) && (r = target_hash_content(&t))) {
                target_free(&t);
                return r;
        }
        char *buf = malloc(PLAN_TEXT_MAX), *ctext = malloc(PLAN_TEXT_MAX);
        size_t clen = 0;
        if (!buf || !ctext) {
                free(buf), free(ctext);
                target_free(&t);
                return log_fail(EXIT_FAILED, "out of memory");
        }
        size_t len = 0;
        uk_err e;
        if (json)
                e = uk_plan_format_json(t.plan, buf, PLAN_TEXT_MAX, &len);
        else if (canonical || diff)
                e = uk_plan_canonical(t.plan, buf, PLAN_TEXT_MAX, &len);
        else
                e = uk_plan_format_text(t.plan, buf, PLAN_TEXT_MAX, &len);
        if (!e && (content || diff))
                e = uk_plan_content_format(t.plan, ctext, PLAN_TEXT_MAX, &clen);
        if (e)
                r = log_uk(e, t.file.label);
        else if (diff)
                r = plan_diff(diff_file, buf, len, ctext, clen);
        else {
                /* Which Secure Boot state the plan assumed, and whether the signature was checked. */
                char line[1024];
                trust_describe(&t.trust, line, sizeof line);
                if (t.trust.verify && t.trust.verdict[0])
                        snprintf(line + strlen(line), sizeof line - strlen(line), "; %s", t.trust.verdict);
                if (json && len > 0 && buf[len - 1] == '}') {
                        fwrite(buf, 1, len - 1, stdout);
                        fputs(",\"trust\":\"", stdout);
                        for (const char *ch = line; *ch; ch++)
                                if (*ch == '"' || *ch == '\\')
                                        printf("\\%c", *ch);
                                else
                                        putchar(*ch);
                        fputs("\"}\n", stdout);
                } else {
                        fwrite(buf, 1, len, stdout);
                        if (len > 0 && buf[len - 1] != '\n')
                                fputc('\n', stdout);
                        if (!canonical)
                                printf("trust:    %s\n", line);
                }
                if (content)
                        fwrite(ctext, 1, clen, stdout);
        }
        free(buf), free(ctext);
        target_free(&t);
        return r;
}
