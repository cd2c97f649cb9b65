/* ukiboot status — is a kernel loaded for kexec, and which plan did ukiboot load. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "efivars.h"
#include "verbs.h"
#include "sha256.h"

/* "1"/"0" from sysfs: 1, 0, or -1 when the file is missing (no kexec support). */
static int read_flag(const char *path) {
        char buf[16] = "";
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        if (!fgets(buf, sizeof buf, f))
                buf[0] = 0;
        fclose(f);
        return buf[0] == '1' ? 1 : buf[0] == '0' ? 0 : -1;
}

/* The digest ukiboot recorded at load time, "" if none. */
static void read_digest(const char *path, char ret[65]) {
        char line[128] = "";
        ret[0] = 0;
        FILE *f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(line, sizeof line, f) && strncmp(line, "digest ", 7) == 0 && strlen(line) >= 7 + 64) {
                memcpy(ret, line + 7, 64);
                ret[64] = 0;
        }
        fclose(f);
}

/* Digest of the plan the EFI twin booted with: the variable holds the canonical form the digest covers. */
static void booted_digest(char ret[65]) {
        uint8_t *data, d[32];
        size_t len;
        ret[0] = 0;
        if (efivar_read(UK_PLAN_VARIABLE, UK_UKIBOOT_GUID_STR, &data, &len) < 0)
                return;
        uk_sha256(data, len, d);
        uk_sha256_hex(d, ret);
        free(data);
}

static const char *flag_text(int v) {
        return v == 1 ? "yes" : v == 0 ? "no" : "unknown (no kexec support?)";
}

static void json_flag(int v) {
        fputs(v == 1 ? "true" : v == 0 ? "false" : "null", stdout);
}

static void json_digest(const char *d) {
        if (d[0])
                printf("\"%s\"", d);
        else
                fputs("null", stdout);
}

int verb_status(int argc, char **argv) {
        bool json = false;
        int r;
        if (parse_flag_option("status", "json", argc, argv, &json, &r))
                return r;
        if (argc > optind)
                return usage_error("status", "unexpected argument '%s'", argv[optind]);

        int loaded = read_flag("/sys/kernel/kexec_loaded");
        int crash = read_flag("/sys/kernel/kexec_crash_loaded");
        char digest[65], crash_digest[65];
        read_digest(UKIBOOT_LOADED_FILE, digest);
        read_digest(UKIBOOT_LOADED_CRASH_FILE, crash_digest);
        /* A record without a loaded image is stale (someone unloaded behind our back): don't show it. */
        if (loaded != 1)
                digest[0] = 0;
        if (crash != 1)
                crash_digest[0] = 0;
        int sb = efivar_secure_boot();
        char booted[65];
        booted_digest(booted);

        if (json) {
                fputs("{\"kexec_loaded\": ", stdout);
                json_flag(loaded);
                fputs(", \"kexec_crash_loaded\": ", stdout);
                json_flag(crash);
                fputs(", \"loaded_plan_digest\": ", stdout);
                json_digest(digest);
                fputs(", \"crash_plan_digest\": ", stdout);
                json_digest(crash_digest);
                fputs(", \"booted_plan_digest\": ", stdout);
                json_digest(booted);
                fputs(", \"secure_boot\": ", stdout);
                json_flag(sb);
                fputs("}\n", stdout);
                return EXIT_OK;
        }
        printf("Kexec image loaded:  %s\n", flag_text(loaded));
        if (digest[0])
                printf("  plan digest:       %s (%s)\n", digest, UKIBOOT_LOADED_FILE);
        else if (loaded == 1)
                printf("  plan digest:       - (not loaded by ukiboot)\n");
        printf("Crash image loaded:  %s\n", flag_text(crash));
        if (crash_digest[0])
                printf("  plan digest:       %s (%s)\n", crash_digest, UKIBOOT_LOADED_CRASH_FILE);
        if (booted[0])
                printf("Booted plan:         %s (%s EFI variable)\n", booted, UK_PLAN_VARIABLE);
        printf("Secure Boot:         %s\n", sb == 1 ? "on" : sb == 0 ? "off" : "unknown (no EFI variables)");
        return EXIT_OK;
}
