/* ukiboot list — boot entries on the ESP in systemd-boot's order, the default marked. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "esp.h"
#include "target.h"
#include "verbs.h"

static void print_json(const struct uk_entry *entries, size_t n, int def, FILE *f) {
        fputs("[", f);
        for (size_t i = 0; i < n; i++) {
                const struct uk_entry *e = &entries[i];
                fprintf(f, "%s\n  {\"id\": ", i ? "," : "");
                json_string(f, e->id);
                fprintf(f, ", \"type\": %d, \"kind\": \"%s\", \"title\": ", e->type == UK_ENTRY_TYPE1 ? 1 : e->type == UK_ENTRY_TYPE2 ? 2 : 0,
                        uk_entry_kind_name(e->kind));
                json_string(f, e->title);
                fputs(", \"show_title\": ", f);
                json_string(f, e->show_title);
                fputs(", \"version\": ", f);
                json_string(f, e->version);
                fputs(", \"sort_key\": ", f);
                json_string(f, e->sort_key);
                fputs(", \"path\": ", f);
                json_string(f, e->path);
                if (e->xbootldr)
                        fputs(", \"partition\": \"xbootldr\"", f);
                fputs(", \"boots\": ", f);
                json_string(f, uk_entry_target(e));
                if (e->has_profile)
                        fprintf(f, ", \"profile\": %u", e->profile);
                if (e->has_options) {
                        fputs(", \"options\": ", f);
                        json_string(f, e->options);
                }
                if (e->tries_left != UK_TRIES_UNSET)
                        fprintf(f, ", \"tries_left\": %u, \"tries_done\": %u", e->tries_left,
                                e->tries_done == UK_TRIES_UNSET ? 0 : e->tries_done);
                fprintf(f, ", \"default\": %s}", (int) i == def ? "true" : "false");
        }
        fputs(n ? "\n]\n" : "]\n", f);
}

static void print_text(const struct uk_entry *entries, size_t n, int def, FILE *f) {
        for (size_t i = 0; i < n; i++) {
                const struct uk_entry *e = &entries[i];
                /* The one title every view shows (common/entry_title.c); all of it untrusted ESP text. */
                fprintf(f, "%c ", (int) i == def ? '*' : ' ');
                text(f, e->id);
                for (size_t k = strlen(e->id); k < 32; k++)
                        fputc(' ', f);
                fputc(' ', f);
                text(f, e->show_title);
                if (e->type == UK_ENTRY_AUTO)
                        fprintf(f, "  [auto, %s ", uk_entry_kind_name(e->kind));
                else
                        fprintf(f, "  [type %d%s, %s ", e->type == UK_ENTRY_TYPE1 ? 1 : 2, e->xbootldr ? " on XBOOTLDR" : "",
                                uk_entry_kind_name(e->kind));
                text(f, uk_entry_target(e));
                fputs("]\n", f);
        }
}

int verb_list(int argc, char **argv) {
        static const struct option opts[] = {
                { "esp", required_argument, NULL, OPT_ESP },
                { "xbootldr", required_argument, NULL, OPT_XBOOTLDR },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *esp_dir = NULL, *xbootldr_dir = NULL;
        bool json = false;
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_ESP:
                        esp_dir = optarg;
                        break;
                case OPT_XBOOTLDR:
                        xbootldr_dir = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        verb_usage(stdout, "list");
                        return EXIT_OK;
                default:
                        return option_error("list", c, argv);
                }
        }
        if (argc > optind)
                return usage_error("list", "unexpected argument '%s'", argv[optind]);

        struct esp esp;
        int r = esp_open(esp_dir, xbootldr_dir, &esp);
        if (r)
                return r;
        struct uk_bootmenu *m;
        r = esp_bootmenu(&esp, &m, NULL);
        if (r == EXIT_OK) {
                if (json)
                        print_json(m->entries, m->found.n, m->def, stdout);
                else if (m->found.n == 0)
                        fprintf(stderr, "ukiboot: %s: no boot entries\n", esp.path);
                else
                        print_text(m->entries, m->found.n, m->def, stdout);
                free(m);
        }
        esp_close(&esp);
        return r;
}
