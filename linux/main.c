/* ukiboot — Linux front end: verb dispatch, help texts, version. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "target.h"
#include "verbs.h"

struct verb {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *synopsis;
        const char *help;
};

static const struct verb verbs[] = {
        { "inspect", verb_inspect, "inspect UKI|MULTIBOOT-KERNEL [--json] [--pcr11 [--profile N]]",
          "Show what a UKI contains: PE machine, sections (file offset, size, SHA-256 of the bytes in use),\n"
          "profiles with their ID/TITLE, os-release fields, .uname, the embedded command line, and the kernel\n"
          "(format, boot protocol, cmdline_size). The file is hashed in fixed-size chunks, never read whole.\n"
          "A Multiboot kernel (an ELF file, such as a Unikraft QEMU image) shows its header flags, entry point\n"
          "and the segments it loads, or the one sentence that says why it cannot be booted (doc/unikernels.md).\n"
          "\n"
          "  --json          machine-readable output\n"
          "  --pcr11         only the SHA-256 PCR 11 value the UKI's systemd-stub (or ukiboot's EFI program in its\n"
          "                  place) measures, starting from zeros, as '11:sha256=HEX' (systemd-measure's form)\n"
          "  --profile N     with --pcr11: for profile N (default 0)\n" },
        { "plan", verb_plan,
          "plan UKI|--kernel URL|FILE [--initrd URL|FILE]...|--entry ID|--default [--esp DIR] [--xbootldr DIR] [--append ARGS] [--profile N] [--sha256 HEX] [--ca FILE] [--json|--canonical|--diff-current|--diff FILE] [--content]",
          "Print the boot plan shared with the EFI program: the kernel span, the initrd pieces in order (with\n"
          "their padding), and the final command line. Nothing is loaded.\n"
          "\n"
          "  UKI             a UKI file to plan directly, or an http://, https:// or tftp:// URL fetched into\n"
          "                  memory first\n"
          "  --kernel URL|FILE  a kernel with an EFI stub instead of a UKI, planned as a 'linux-url' entry\n"
          "                  (doc/network.md); --append gives its whole command line\n"
          "  --initrd URL|FILE  an initrd for --kernel, read whole into memory (repeat for more, up to 8, in\n"
          "                  order); a URL is downloaded like the kernel\n"
          "  --entry ID      a boot entry on the ESP (see 'list'); a path to a .conf file is parsed directly\n"
          "  --default       the entry systemd-boot would boot by default\n"
          "  --esp DIR       the ESP (default: /efi, /boot or /boot/efi holding /loader or /EFI)\n"
          "  --xbootldr DIR  the Extended Boot Loader partition, whose entries join the ESP's (default:\n"
          "                  /boot when udev says it is one and no --esp is given)\n"
          "  --append ARGS   extra kernel arguments (ignored under Secure Boot when the UKI embeds .cmdline)\n"
          "  --profile N     UKI profile number (default: the entry's, else 0)\n"
          "  --secure-boot on|off  assume this Secure Boot state instead of reading the SecureBoot variable\n"
          "                  (under the firmware's own Secure Boot the UKI's signature is checked first, as\n"
          "                  'load' does; 'trust:' says which state was assumed and what was checked)\n"
          "  --db FILE, --dbx FILE  check the signature against these lists (see 'verify')\n"
          "  --ca FILE       CA certificates (PEM) an https server must chain to, instead of the system's\n"
          "  --sha256 HEX    pin a UKI or kernel given directly: its whole SHA-256 must be HEX before any byte\n"
          "                  of it is used (an entry pins its image with a 'uki-sha256 HEX' or 'linux-sha256\n"
          "                  HEX' line, its initrds with 'initrd-sha256 HEX' lines)\n"
          "  --json          JSON, with the plan digest\n"
          "  --canonical     the canonical form the digest covers (what the EFI program exports)\n"
          "  --current       print the plan this system was booted with (UkibootPlan EFI variable)\n"
          "  --diff-current  line diff of the current boot's plan against this one: what a soft reboot changes;\n"
          "                  with the same layout, piece by piece content: 'no changes' only when every byte is\n"
          "                  proven the same, 'cannot tell' for pieces the current boot did not hash\n"
          "  --diff FILE     the same against a plan saved with --canonical --content\n"
          "  --content       also print the content record: the SHA-256 of every piece's bytes (reads them all)\n" },
        { "list", verb_list, "list [--esp DIR] [--xbootldr DIR] [--json]",
          "List boot entries (Type #1 /loader/entries/*.conf, Type #2 /EFI/Linux/*.efi, one per UKI profile)\n"
          "in systemd-boot's order. '*' marks the default: LoaderEntryOneShot, else LoaderEntryDefault (EFI\n"
          "variables), else loader.conf 'default', else the first entry.\n"
          "\n"
          "  --esp DIR       the ESP (default: /efi, /boot or /boot/efi holding /loader or /EFI)\n"
          "  --xbootldr DIR  the Extended Boot Loader partition, whose entries join the ESP's (default:\n"
          "                  /boot when udev says it is one and no --esp is given)\n"
          "  --json          machine-readable output\n" },
        { "load", verb_load, "load UKI|--kernel URL|FILE [--initrd URL|FILE]...|--entry ID|--default [--esp DIR] [--xbootldr DIR] [--append ARGS] [--profile N] [--sha256 HEX] [--ca FILE] [--crash] [--no-count] [--kexec-load]",
          "Load the planned kernel and initrd for kexec (kexec_file_load). The kernel and the concatenated\n"
          "initrd are moved into memory files by the kernel itself (copy_file_range/sendfile), so memory use\n"
          "stays small for any UKI size. uki-url entries, and a UKI given as an http:// or https:// URL, are\n"
          "downloaded into memory first. zboot and gzip kernels are unpacked. A failed load leaves any earlier\n"
          "loaded kernel in place. What was loaded is recorded in\n"
          UKIBOOT_LOADED_FILE " for 'status'.\n"
          "\n"
          "  --crash         load as the crash kernel (needs crashkernel= memory)\n"
          "  --no-count      do not record a boot of the entry (no boot-counter rename, no\n"
          "                  LoaderEntryLastBooted): for a kernel loaded ahead of a kexec that may never come,\n"
          "                  as ukiboot-kexec.service does at start-up so that 'systemctl kexec' finds one\n"
          "  --assume-no-secure-boot  when EFI variables cannot be read (efivarfs not mounted), boot as if\n"
          "                  Secure Boot were off instead of refusing; refused when Secure Boot is known on\n"
          "  --kexec-load    x86-64: load with kexec_load and ukiboot's own entry code instead of\n"
          "                  kexec_file_load: no memory files (the kernel reads the UKI's pages), no SHA-256 of\n"
          "                  the pieces at load and no purgatory re-checking them before the jump; faster,\n"
          "                  without that integrity check. A locked-down kernel refuses it (Secure Boot)\n"
          "Under Secure Boot the whole UKI is checked first against db/dbx (and shim's MokListRT/MokListXRT)\n"
          "and SbatLevelRT, from one sealed in-memory copy; a refused UKI leaves the loaded kernel in place.\n"
          "  (other options as for 'plan')\n" },
        { "kexec", verb_kexec, "kexec UKI|--kernel URL|FILE [--initrd URL|FILE]...|--entry ID|--default [--esp DIR] [--xbootldr DIR] [--append ARGS] [--profile N] [--sha256 HEX] [--ca FILE] [--force] [--kexec-load]",
          "'load' followed by 'exec'. UKI may be an http://, https:// or tftp:// URL, downloaded into memory\n"
          "first; so may --kernel and --initrd (kboot's 'ukiboot kexec --kernel tftp://10.0.2.2/vmlinuz').\n" },
        { "exec", verb_exec, "exec [--force]",
          "Boot the loaded kernel. With systemd as PID 1 this runs 'systemctl kexec' (clean shutdown);\n"
          "otherwise ukiboot syncs, remounts block-device file systems read-only, and kexecs.\n"
          "\n"
          "  --force         sync and kexec at once: no service shutdown, no remount\n" },
        { "reboot", verb_reboot, "reboot [--force]",
          "Same as 'exec': soft-reboot into the loaded kernel.\n" },
        { "unload", verb_unload, "unload [--crash]",
          "Unload the kernel loaded for kexec (or the crash kernel).\n" },
        { "status", verb_status, "status [--json]",
          "Whether a kernel is loaded for kexec or crash, the digest of the plan ukiboot loaded, the digest of\n"
          "the plan the EFI program booted this system with (UkibootPlan variable), and Secure Boot.\n"
          "\n"
          "  --json          machine-readable output\n" },
        { "menu", verb_menu, "menu [--esp DIR] [--xbootldr DIR] [--append ARGS] [--timeout SEC] [--force] [OPTIONS]",
          "kboot's \"Linux as the boot loader\": the EFI program's menu in a terminal (the same entries, order and\n"
          "default) plus \"u) Boot From URL...\"; the choice is loaded and executed as 'kexec' does it. Without an\n"
          "ESP only the URL prompt is offered. Empty input, end of input or the timeout: the default entry.\n"
          "\n"
          "  --timeout SEC   boot the default after SEC seconds without an answer (default: wait)\n"
          "  --force         as for 'kexec': sync and kexec at once\n"
          "  (other options as for 'kexec'; --sha256 and --ca apply to a URL typed)\n" },
        { "verify", verb_verify, "verify UKI... [--db FILE] [--dbx FILE]",
          "Check each UKI's Authenticode signature the way 'load' does under Secure Boot, and say who signed\n"
          "it or why it is refused: its digest or signer in dbx (or MokListXRT), not signed, changed after\n"
          "signing, or signed by a key that is not in db (or MokListRT when shim booted the system). The\n"
          "lists are the firmware's, read from efivarfs, whatever the Secure Boot state. Exit status 5 when\n"
          "any UKI is refused.\n"
          "\n"
          "  --db FILE       trust these instead: an EFI signature list (efi-readvar -v db -o FILE) or\n"
          "                  PEM/DER certificates\n"
          "  --dbx FILE      revoke these instead of the firmware's dbx (same formats)\n" },
        { "extract", verb_extract,
          "extract UKI|--entry ID|--default [--esp DIR] [--xbootldr DIR] [--append ARGS] [--profile N] [--kernel FILE] [--initrd FILE]",
          "Write the kernel and the initrd exactly as 'load' would hand them to kexec_file_load. UKI may be an\n"
          "http:// or https:// URL, downloaded into memory first.\n"
          "\n"
          "  --kernel FILE   the kernel (unpacked if it is zboot or gzip)\n"
          "  --initrd FILE   the concatenated initrd pieces with their padding\n" },
};

static const struct verb *find_verb(const char *name) {
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

void verb_usage(FILE *f, const char *name) {
        const struct verb *v = find_verb(name);
        if (!v)
                return;
        fprintf(f, "Usage: ukiboot %s\n\n%s", v->synopsis, v->help);
}

int usage_error(const char *verb, const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "ukiboot: %s: ", verb);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (see 'ukiboot %s --help')\n", verb);
        return EXIT_USAGE;
}

int option_error(const char *verb, int c, char **argv) {
        extern int optind, optopt;
        const char *opt = argv[optind - 1];
        if (c == ':')
                return usage_error(verb, "option '%s' needs an argument", opt);
        if (optopt && optopt < 0x100 && optopt != '?')
                return usage_error(verb, "unknown option '-%c'", optopt);
        return usage_error(verb, "unknown option '%s'", opt);
}

bool parse_flag_option(const char *verb, const char *flag_name, int argc, char **argv, bool *ret_flag,
                       int *ret_code) {
        const struct option opts[] = {
                { flag_name, no_argument, NULL, OPT_FLAG },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        bool flag = false;
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_FLAG:
                        flag = true;
                        break;
                case 'h':
                        verb_usage(stdout, verb);
                        *ret_code = EXIT_OK;
                        return true;
                default:
                        *ret_code = option_error(verb, c, argv);
                        return true;
                }
        }
        *ret_flag = flag;
        return false;
}

static void main_usage(FILE *f) {
        fputs("Usage: ukiboot VERB [OPTIONS...]\n"
              "\n"
              "Boot Unified Kernel Images from a running Linux with kexec, with the same plan (kernel, initrd\n"
              "pieces, command line) as ukiboot's EFI program would use.\n"
              "\n"
              "Verbs:\n", f);
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                fprintf(f, "  %s\n", verbs[i].synopsis);
        fputs("\n"
              "'ukiboot VERB --help' describes each verb.\n"
              "\n"
              "Command-line policy (as systemd-stub): the UKI's embedded .cmdline is the base. An entry's options\n"
              "replace it and --append ARGS is added after it, unless Secure Boot is on and the UKI embeds a\n"
              ".cmdline: then both are ignored (the plan notes this), because only .cmdline is signed. Control\n"
              "characters become spaces; the result must fit the kernel's cmdline_size.\n"
              "\n"
              "Exit status:\n"
              "  0  success\n"
              "  1  an operation failed (I/O, download, unexpected kernel error)\n"
              "  2  bad command-line arguments\n"
              "  3  the UKI, entry or configuration is malformed or cannot be booted\n"
              "  4  file, entry, ESP or EFI variable not found\n"
              "  5  refused: not root, kexec disabled, lockdown or signature check\n"
              "  6  exec/reboot: no kernel is loaded\n"
              "\n"
              "  -h --help       this help\n"
              "  --version       print the version\n", f);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                main_usage(stderr);
                return EXIT_USAGE;
        }
        const char *name = argv[1];
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
                if (strcmp(name, "help") == 0 && argc > 2 && find_verb(argv[2])) {
                        verb_usage(stdout, argv[2]);
                        return EXIT_OK;
                }
                main_usage(stdout);
                return EXIT_OK;
        }
        if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
#ifdef UKIBOOT_NO_CURL
                printf("ukiboot %s (static, no libcurl)\n", UKIBOOT_VERSION);
#else
                printf("ukiboot %s\n", UKIBOOT_VERSION);
#endif
                return EXIT_OK;
        }
        const struct verb *v = find_verb(name);
        if (!v)
                return log_fail(EXIT_USAGE, "unknown verb '%s' (see 'ukiboot --help')", name);
        return v->run(argc - 1, argv + 1);
}
