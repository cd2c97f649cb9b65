/* ukiboot menu — kboot's "Linux as the boot loader": the EFI program's menu in a terminal (the same entries,
 * in the same order, with the same default, read by common/pipeline.c), and its "Boot From URL..." prompt;
 * the choice is soft-rebooted into, exactly as `ukiboot kexec` does it. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "esp.h"
#include "target.h"
#include "util.h"
#include "verbs.h"

#define OPT_TIMEOUT 0x200

/* One line from standard input into buf[cap] (the newline dropped), waiting at most timeout_sec (< 0:
 * forever). 1: a line, 0: end of input or the time ran out, -E2BIG: longer than buf (never cut: a URL cut
 * short is another URL), -errno. */
static int read_line(char *buf, size_t cap, int timeout_sec) {
        size_t n = 0;
        bool too_long = false;
        for (;;) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                int r = poll(&p, 1, timeout_sec < 0 ? -1 : timeout_sec * 1000);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return 0;
                char c;
                ssize_t k = read(STDIN_FILENO, &c, 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0 || c == '\n') {
                        buf[n] = 0;
                        if (too_long)
                                return -E2BIG;
                        return k == 0 ? n > 0 : 1;      /* a last line without its newline still counts */
                }
                if (c == '\r')
                        continue;
                if (n + 1 < cap)
                        buf[n++] = c;
                else
                        too_long = true;
        }
}

static void show(const struct uk_bootmenu *m) {
        for (size_t i = 0; i < m->found.n; i++) {
                const struct uk_entry *e = &m->entries[i];
                fprintf(stderr, "%c %2zu) ", (int) i == m->def ? '*' : ' ', i + 1);
                text(stderr, e->show_title);
                fputs("  [", stderr);
                text(stderr, e->id);
                fputs("]\n", stderr);
        }
        bool prompt_listed = false;
        for (size_t i = 0; i < m->found.n; i++)
                prompt_listed |= m->entries[i].kind == UK_ENTRY_KIND_URL_PROMPT;
        if (!m->found.n)
                fputs("  (no boot entries)\n", stderr);
        if (!prompt_listed)     /* loader.conf did not put it in the list: here it is always offered */
                fputs("   u) Boot From URL...\n", stderr);
}

int verb_menu(int argc, char **argv) {
        static const struct option opts[] = {
                TARGET_OPTIONS,
                { "force", no_argument, NULL, OPT_FORCE },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct target_opts o = { .secure_boot = -1, .this_machine = true, .starts_boot = true };
        bool force = false;
        int timeout = -1, c, err = 0;
        uint64_t v;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                if (target_opt(&o, c, optarg, &err)) {
                        if (err)
                                return err;
                        continue;
                }
                switch (c) {
                case OPT_FORCE:
                        force = true;
                        break;
                case OPT_TIMEOUT:
                        if (!uk_parse_u64(optarg, strlen(optarg), &v) || v > 24 * 3600)
                                return usage_error("menu", "--timeout: '%s' is not a number of seconds", optarg);
                        timeout = (int) v;
                        break;
                case 'h':
                        verb_usage(stdout, "menu");
                        return EXIT_OK;
                default:
                        return option_error("menu", c, argv);
                }
        }
        if (argc > optind || o.entry || o.use_default)
                return usage_error("menu", "the menu chooses what to boot: no UKI, --entry or --default");

        /* The ESP's entries, when there is an ESP; without one (a diskless machine, kboot's case) only the
         * URL prompt is offered. An ESP named with --esp must be there. */
        struct esp esp;
        struct uk_bootmenu *m = NULL;
        int r = esp_open(o.esp, o.xbootldr, &esp);
        if (r && o.esp)
                return r;
        if (r == EXIT_OK) {
                r = esp_bootmenu(&esp, &m, NULL);
                esp_close(&esp);
                if (r)
                        return r;
        } else {
                m = calloc(1, sizeof *m);
                if (!m)
                        return log_fail(EXIT_FAILED, "out of memory");
                m->def = -1;
        }
        show(m);
        static char line[UK_URL_MAX], url[UK_URL_MAX], id[UK_PATH_MAX];
        int def = m->def;
        if (def >= 0)
                fprintf(stderr, "Boot which [%d] (number, u, q; %s): ", def + 1,
                        timeout < 0 ? "Enter for the default" : "the default after the timeout");
        else
                fputs("Boot which (number, u, q): ", stderr);
        r = read_line(line, sizeof line, timeout);
        fputc('\n', stderr);
        bool ask_url = false;
        id[0] = 0;
        if (r < 0) {
                free(m);
                return log_fail(r == -E2BIG ? EXIT_USAGE : EXIT_FAILED, "reading the choice: %s", strerror(-r));
        }
        if (r == 0 || line[0] == 0) {
                if (def < 0) {
                        free(m);
                        return log_fail(EXIT_NOT_FOUND, "nothing chosen and no default entry");
                }
                snprintf(id, sizeof id, "%s", m->entries[def].id);
        } else if (strcmp(line, "q") == 0) {
                free(m);
                return EXIT_OK;
        } else if (strcmp(line, "u") == 0) {
                ask_url = true;
        } else if (uk_parse_u64(line, strlen(line), &v) && v >= 1 && v <= m->found.n) {
                if (m->entries[v - 1].kind == UK_ENTRY_KIND_URL_PROMPT)
                        ask_url = true;
                else
                        snprintf(id, sizeof id, "%s", m->entries[v - 1].id);
        } else {
                free(m);
                return log_fail(EXIT_USAGE, "'%s' is not one of the choices", line);
        }
        free(m);
        if (ask_url) {
                fputs("URL of a UKI to boot: ", stderr);
                r = read_line(url, sizeof url, -1);
                fputc('\n', stderr);
                if (r == -E2BIG)
                        return log_fail(EXIT_USAGE, "the URL is longer than %zu characters", sizeof url - 1);
                if (r <= 0 || url[0] == 0)
                        return log_fail(EXIT_USAGE, "no URL given");
                fprintf(stderr, "ukiboot: booting the URL typed: %s\n", url);
                o.uki_path = url;
                o.starts_boot = false;
        } else {
                o.entry = id;
        }
        if ((r = do_load(&o, false, false)))
                return r;
        return do_exec(force);
}
