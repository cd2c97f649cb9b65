/* ukiboot inspect — what a UKI contains: PE sections with hashes, profiles, os-release, kernel facts. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "inspect_multiboot.h"
#include "multiboot.h"
#include "log.h"
#include "source_fd.h"
#include "target.h"
#include "pcr.h"
#include "verbs.h"
#include "kernel.h"
#include "osrel.h"
#include "sha256.h"
#include "util.h"

#define SMALL_SECTION_MAX (256 * 1024)   /* .osrel, .uname, .cmdline, .profile are tiny; refuse absurd ones */

const char *kernel_format_name(enum uk_kernel_format f);
const char *kernel_format_name(enum uk_kernel_format f) {
        switch (f) {
        case UK_KERNEL_BZIMAGE: return "bzImage";
        case UK_KERNEL_ZBOOT: return "zboot";
        case UK_KERNEL_ARM64_IMAGE: return "arm64-Image";
        case UK_KERNEL_PE: return "pe";
        case UK_KERNEL_GZIP: return "gzip";
        default: return "unknown";
        }
}

/* Hash a section with one fixed buffer: a 300 MB UKI never sits in memory. */
static uk_err hash_range(const struct uk_source *src, uint64_t off, uint64_t len, char ret_hex[65]) {
        struct uk_sha256 c;
        uk_sha256_init(&c);
        uk_err e = source_sha256_update(&c, src, off, len);
        if (e)
                return e;
        uint8_t d[32];
        uk_sha256_final(&c, d);
        uk_sha256_hex(d, ret_hex);
        return UK_OK;
}

struct inspect {
        struct fd_source file;
        struct uk_uki uki;
        struct uk_kernel_info kernel;
        char (*hashes)[65];
        int *section_profile;          /* -1 for base sections */
        char *osrel, *uname, *cmdline, *sbat; /* NULL when absent */
        size_t osrel_len, uname_len, cmdline_len, sbat_len;
        char profile_id[UK_MAX_PROFILES][128];
        char profile_title[UK_MAX_PROFILES][256];
};

static uk_err read_section(const struct inspect *in, int idx, char **ret, size_t *ret_len) {
        if (idx < 0)
                return UK_OK;
        const struct uk_pe_section *s = &in->uki.pe.sections[idx];
        uk_err e = source_read_alloc(&in->file.src, s->raw_offset, s->size, SMALL_SECTION_MAX, ret);
        if (!e)
                *ret_len = (size_t) s->size;
        return e;
}

static int collect(struct inspect *in) {
        const char *label = in->file.label;
        uk_err e = uk_uki_parse(&in->file.src, &in->uki);
        if (e)
                return log_uk(e, label);
        const struct uk_pe *pe = &in->uki.pe;

        struct uk_span secs[_UK_SEC_MAX];
        if ((e = uk_uki_resolve(&in->uki, 0, secs)))
                return log_uk(e, label);
        struct slice_ctx sc;
        struct uk_source ksrc;
        source_slice(&in->file.src, secs[UK_SEC_LINUX].offset, secs[UK_SEC_LINUX].length, &sc, &ksrc);
        if ((e = uk_kernel_inspect(&ksrc, &in->kernel)))
                return log_uk(e, label);
        if (in->kernel.format == UK_KERNEL_UNKNOWN)
                return log_uk(UK_E_BAD_KERNEL, label);

        in->hashes = calloc(pe->n_sections ? pe->n_sections : 1, sizeof *in->hashes);
        in->section_profile = calloc(pe->n_sections ? pe->n_sections : 1, sizeof *in->section_profile);
        if (!in->hashes || !in->section_profile)
                return log_fail(EXIT_FAILED, "out of memory");
        for (unsigned i = 0; i < pe->n_sections; i++) {
                in->section_profile[i] = -1;
                if ((e = hash_range(&in->file.src, pe->sections[i].raw_offset, pe->sections[i].size, in->hashes[i])))
                        return log_uk(e, label);
        }
        for (unsigned p = 0; p < in->uki.n_profiles && p < UK_MAX_PROFILES; p++) {
                for (int i = in->uki.profile_first[p]; i < in->uki.profile_end[p] && i < pe->n_sections; i++)
                        if (i >= 0)
                                in->section_profile[i] = (int) p;
                char *text = NULL;
                size_t len = 0;
                if ((e = read_section(in, in->uki.profile_first[p], &text, &len)))
                        return log_uk(e, label);
                if (text) {
                        (void) uk_osrel_get(text, len, "ID", in->profile_id[p], sizeof in->profile_id[p]);
                        (void) uk_osrel_get(text, len, "TITLE", in->profile_title[p], sizeof in->profile_title[p]);
                        free(text);
                }
        }
        if ((e = read_section(in, in->uki.base[UK_SEC_OSREL], &in->osrel, &in->osrel_len)) ||
            (e = read_section(in, in->uki.base[UK_SEC_UNAME], &in->uname, &in->uname_len)) ||
            (e = read_section(in, in->uki.base[UK_SEC_CMDLINE], &in->cmdline, &in->cmdline_len)) ||
            (e = read_section(in, in->uki.base[UK_SEC_SBAT], &in->sbat, &in->sbat_len)))
                return log_uk(e, label);
        while (in->sbat && in->sbat_len > 0 && (in->sbat[in->sbat_len - 1] == 0 || in->sbat[in->sbat_len - 1] == '\n'))
                in->sbat[--in->sbat_len] = 0;
        /* .uname and .cmdline may carry a trailing NUL or newline; show the text. */
        while (in->uname && in->uname_len > 0 && (in->uname[in->uname_len - 1] == 0 || in->uname[in->uname_len - 1] == '\n'))
                in->uname[--in->uname_len] = 0;
        while (in->cmdline && in->cmdline_len > 0 && in->cmdline[in->cmdline_len - 1] == 0)
                in->cmdline[--in->cmdline_len] = 0;
        return EXIT_OK;
}

struct osrel_print {
        FILE *f;
        bool json;
        bool first;
};

static uk_err print_osrel_field(void *ctx, const char *key, size_t key_len, const char *val) {
        struct osrel_print *p = ctx;
        if (p->json) {
                fputs(p->first ? "\n    " : ",\n    ", p->f);
                json_string_n(p->f, key, key_len);
                fputs(": ", p->f);
                json_string(p->f, val);
        } else {
                fputs("  ", p->f);
                text_n(p->f, key, key_len);
                fputc('=', p->f);
                text(p->f, val);
                fputc('\n', p->f);
        }
        p->first = false;
        return UK_OK;
}

static void version_string(uint16_t v, char ret[16]) {
        snprintf(ret, 16, "%u.%02u", v >> 8, v & 0xff);
}

static void print_json(const struct inspect *in, FILE *f) {
        const struct uk_pe *pe = &in->uki.pe;
        fputs("{\n  \"file\": ", f);
        json_string(f, in->file.label);
        fprintf(f, ",\n  \"size\": %llu,\n  \"machine\": ", (unsigned long long) in->file.src.size);
        json_string(f, uk_pe_machine_name(pe->machine));
        fprintf(f, ",\n  \"machine_type\": %u,\n  \"pe32plus\": %s,\n  \"subsystem\": %u,\n  \"sections\": [",
                pe->machine, pe->pe32plus ? "true" : "false", pe->subsystem);
        for (unsigned i = 0; i < pe->n_sections; i++) {
                const struct uk_pe_section *s = &pe->sections[i];
                fprintf(f, "%s\n    {\"index\": %u, \"name\": ", i ? "," : "", i);
                json_string(f, s->name);
                fprintf(f, ", \"virtual_address\": %u, \"virtual_size\": %u, \"offset\": %u, \"raw_size\": %u, "
                        "\"size\": %llu, \"sha256\": \"%s\", \"profile\": ",
                        s->virtual_address, s->virtual_size, s->raw_offset, s->raw_size,
                        (unsigned long long) s->size, in->hashes[i]);
                if (in->section_profile[i] < 0)
                        fputs("null}", f);
                else
                        fprintf(f, "%d}", in->section_profile[i]);
        }
        fputs("\n  ],\n  \"profiles\": [", f);
        for (unsigned p = 0; p < in->uki.n_profiles && p < UK_MAX_PROFILES; p++) {
                fprintf(f, "%s\n    {\"index\": %u, \"id\": ", p ? "," : "", p);
                json_string(f, in->profile_id[p]);
                fputs(", \"title\": ", f);
                json_string(f, in->profile_title[p]);
                fputc('}', f);
        }
        fputs("\n  ],\n  \"os_release\": {", f);
        if (in->osrel) {
                char scratch[4096];
                struct osrel_print op = { .f = f, .json = true, .first = true };
                (void) uk_osrel_foreach(in->osrel, in->osrel_len, scratch, sizeof scratch, print_osrel_field, &op);
                if (!op.first)
                        fputs("\n  ", f);
        }
        fputs("},\n  \"sbat\": ", f);
        if (in->sbat)
                json_string_n(f, in->sbat, in->sbat_len);
        else
                fputs("null", f);
        fputs(",\n  \"uname\": ", f);
        if (in->uname)
                json_string_n(f, in->uname, in->uname_len);
        else
                fputs("null", f);
        fputs(",\n  \"cmdline\": ", f);
        if (in->cmdline)
                json_string_n(f, in->cmdline, in->cmdline_len);
        else
                fputs("null", f);
        char proto[16];
        version_string(in->kernel.boot_protocol, proto);
        fputs(",\n  \"kernel\": {\"format\": ", f);
        json_string(f, kernel_format_name(in->kernel.format));
        fputs(", \"boot_protocol\": ", f);
        json_string(f, proto);
        fprintf(f, ", \"cmdline_size\": %u, \"handover_offset\": %u, \"xloadflags\": %u, \"has_pe_stub\": %s, "
                "\"version\": ", in->kernel.cmdline_size, in->kernel.handover_offset, in->kernel.xloadflags,
                in->kernel.has_pe_stub ? "true" : "false");
        json_string(f, in->kernel.version);
        if (in->kernel.format == UK_KERNEL_ZBOOT) {
                fputs(", \"zboot_compression\": ", f);
                json_string(f, in->kernel.zboot_comp);
                fprintf(f, ", \"zboot_payload_offset\": %u, \"zboot_payload_size\": %u",
                        in->kernel.zboot_payload_offset, in->kernel.zboot_payload_size);
        }
        fputs("}\n}\n", f);
}

static void print_text(const struct inspect *in, FILE *f) {
        const struct uk_pe *pe = &in->uki.pe;
        fputs("File:      ", f);
        text(f, in->file.label);
        fprintf(f, " (%llu bytes)\n", (unsigned long long) in->file.src.size);
        fprintf(f, "Machine:   %s (0x%04x, %s)\n", uk_pe_machine_name(pe->machine), pe->machine,
                pe->pe32plus ? "PE32+" : "PE32");
        char proto[16];
        version_string(in->kernel.boot_protocol, proto);
        fprintf(f, "Kernel:    %s", kernel_format_name(in->kernel.format));
        if (in->kernel.format == UK_KERNEL_BZIMAGE)
                fprintf(f, ", boot protocol %s, cmdline_size %u", proto, in->kernel.cmdline_size);
        if (in->kernel.format == UK_KERNEL_ZBOOT)
                fprintf(f, ", %s payload of %u bytes", in->kernel.zboot_comp, in->kernel.zboot_payload_size);
        fputc('\n', f);
        if (in->kernel.version[0]) {
                fputs("Version:   ", f);
                text_n(f, in->kernel.version, sizeof(in->kernel.version));
                fputc('\n', f);
        }
        if (in->uname) {
                fputs("Uname:     ", f);
                text_n(f, in->uname, in->uname_len);
                fputc('\n', f);
        }
        size_t cl = in->cmdline_len;
        while (in->cmdline && cl > 0 && (unsigned char) in->cmdline[cl - 1] <= ' ')
                cl--;           /* .cmdline files usually end in a newline */
        if (in->cmdline) {
                fputs("Cmdline:   ", f);
                text_n(f, in->cmdline, cl);
                fputc('\n', f);
        }
        else
                fputs("Cmdline:   (none embedded)\n", f);
        if (in->osrel) {
                char scratch[4096];
                struct osrel_print op = { .f = f, .json = false, .first = true };
                fputs("OS release:\n", f);
                (void) uk_osrel_foreach(in->osrel, in->osrel_len, scratch, sizeof scratch, print_osrel_field, &op);
        }
        if (in->sbat) {
                /* One line per component: "name,generation,vendor,package,version,url". */
                fputs("SBAT:\n  ", f);
                for (size_t i = 0; i < in->sbat_len && in->sbat[i]; i++) {
                        if (in->sbat[i] == '\n')
                                fputs("\n  ", f);
                        else if (in->sbat[i] != '\r')
                                text_n(f, in->sbat + i, 1);
                }
                fputc('\n', f);
        }
        if (in->uki.base[UK_SEC_EFIFW] >= 0)
                fputs("Note:      .efifw (firmware images) is ignored: ukiboot loads no firmware from a UKI\n", f);
        if (in->uki.n_profiles > 0) {
                fputs("Profiles:\n", f);
                for (unsigned p = 0; p < in->uki.n_profiles && p < UK_MAX_PROFILES; p++) {
                        fprintf(f, "  @%u  ID=", p);
                        text(f, in->profile_id[p][0] ? in->profile_id[p] : "-");
                        fputs("  TITLE=", f);
                        text(f, in->profile_title[p][0] ? in->profile_title[p] : "-");
                        fputc('\n', f);
                }
        }
        fprintf(f, "Sections:\n  %-3s %-8s %10s %10s  %-64s %s\n", "#", "name", "offset", "size", "sha256", "profile");
        for (unsigned i = 0; i < pe->n_sections; i++) {
                const struct uk_pe_section *s = &pe->sections[i];
                char name[9 * 4 + 1];
                size_t o = 0;
                for (size_t k = 0; s->name[k] && k < 8; k++) {
                        unsigned char c = (unsigned char) s->name[k];
                        o += (size_t) snprintf(name + o, sizeof name - o, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
                }
                fprintf(f, "  %-3u %-8s %10u %10llu  %s ", i, name, s->raw_offset, (unsigned long long) s->size,
                        in->hashes[i]);
                if (in->section_profile[i] < 0)
                        fputs("-\n", f);
                else
                        fprintf(f, "@%d\n", in->section_profile[i]);
        }
}

int verb_inspect(int argc, char **argv) {
        enum { OPT_PCR11 = OPT_FLAG + 1 };
        const struct option opts[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "pcr11", no_argument, NULL, OPT_PCR11 },
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        bool json = false, pcr11 = false;
        unsigned profile = 0;
        int r, c;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_PCR11:
                        pcr11 = true;
                        break;
                case OPT_PROFILE: {
                        uint64_t v;
                        if (!uk_parse_u64(optarg, strlen(optarg), &v) || v >= UK_MAX_PROFILES)
                                return usage_error("inspect", "bad profile number '%s'", optarg);
                        profile = (unsigned) v;
                        break;
                }
                case 'h':
                        verb_usage(stdout, "inspect");
                        return EXIT_OK;
                default:
                        return option_error("inspect", c, argv);
                }
        }
        if (argc - optind != 1)
                return usage_error("inspect", "expected exactly one UKI file");
        if (pcr11) {
                struct fd_source file;
                r = fd_source_open(argv[optind], &file);
                if (r)
                        return r;
                r = inspect_pcr11(&file, profile, json);
                fd_source_close(&file);
                return r;
        }

        struct inspect *in = calloc(1, sizeof *in);
        if (!in)
                return log_fail(EXIT_FAILED, "out of memory");
        r = fd_source_open(argv[optind], &in->file);
        if (r) {
                free(in);
                return r;
        }
        /* A unikernel's Multiboot image (or an ELF file that ought to be one) is no UKI: said for what it is. */
        uint8_t magic[4] = {};
        (void) uk_source_read(&in->file.src, 0, magic, in->file.src.size < 4 ? 0 : 4);
        if (memcmp(magic, "MZ", 2) != 0 && (uk_multiboot_detect(&in->file.src) || memcmp(magic, "\177ELF", 4) == 0)) {
                r = inspect_multiboot(&in->file, json, stdout);
                fd_source_close(&in->file);
                free(in);
                return r;
        }
        r = collect(in);
        if (r == EXIT_OK) {
                if (json)
                        print_json(in, stdout);
                else
                        print_text(in, stdout);
        }
        fd_source_close(&in->file);
        free(in->hashes);
        free(in->section_profile);
        free(in->osrel);
        free(in->uname);
        free(in->sbat);
        free(in->cmdline);
        free(in);
        return r;
}
