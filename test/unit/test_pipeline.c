/* ukiboot — unit tests of the entry-to-plan pipeline (common/pipeline.c) over an ESP in memory: the menu
 * (loader.conf limit, one capacity, titles, default), every entry kind, each refusal stage and its exact
 * text, the one extras policy, and the failure policy. No firmware, no kernel. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include "fake_twin.h"
#include "pe_builder.h"
#include "unit.h"
#include "pipeline.h"
#include "cmdline.h"
#include "editor.h"
#include "sha256.h"
#include "util.h"

/* ---- fixtures: a bootable UKI, a broken one, a kernel file ---- */

static uint8_t kernel[2048];

static uint8_t uki_a[16384], uki_b[16384], uki_c[16384];
static size_t uki_a_len, uki_b_len, uki_c_len;

static size_t build_uki(uint8_t *buf, size_t cap, const char *osrel, const char *cmdline) {
        const struct peb_section s[] = {
                { .name = ".osrel", .data = osrel, .len = (uint32_t) strlen(osrel) },
                { .name = ".cmdline", .data = cmdline, .len = (uint32_t) strlen(cmdline) },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".initrd", .data = "INITRD", .len = 6 },
        };
        return peb_build(buf, cap, s, 4);
}

/* ---- the twin's side: images from the fake ESP, opens counted ---- */

static struct uk_bootmenu menu;
static struct uk_boot boot;

/* Piece bytes from the fake ESP: the kernel piece is the kernel file (a `linux` entry), FILE pieces by path. */
static uk_err read_file_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        struct fake_fs *fs = ctx;
        const char *path = piece == &boot.plan.kernel ? "/k/vmlinuz" : piece->path;
        for (size_t i = 0; i < fs->n; i++)
                if (strcmp(fs->files[i].path, path) == 0) {
                        if (offset > fs->files[i].len || len > fs->files[i].len - offset)
                                return UK_E_TRUNCATED;
                        memcpy(buf, (const uint8_t *) fs->files[i].data + offset, len);
                        return UK_OK;
                }
        return UK_E_NOT_FOUND;
}

static const char conf_a[] = "title A\nsort-key a\nuki /ukis/a.efi\noptions root=/dev/vda\n";
static const char conf_missing[] = "title Missing\nsort-key b\nuki /ukis/missing.efi\n";
static const char conf_broken[] = "title Broken\nsort-key c\nuki /ukis/broken.efi\n";
static const char conf_efi[] = "title Shell\nsort-key d\nefi /EFI/tools/shell.efi\noptions -nostartup\n";
static const char conf_linux[] = "title Linux\nsort-key e\nlinux /k/vmlinuz\ninitrd /k/gone.img\n";
static const char osrel_7[] = "PRETTY_NAME=\"Example Linux 7\"\nVERSION_ID=7\nID=example\n";
static const char osrel_8[] = "PRETTY_NAME=\"Example Linux\"\nVERSION_ID=8\nID=example\n";
static const char osrel_9[] = "PRETTY_NAME=\"Example Linux\"\nVERSION_ID=9\nID=example\n";

static struct fake_file files[400];
static size_t n_files;
static char names[300][UK_PATH_MAX];
static char big_conf[20 * 1024];

static void add(const char *path, const void *data, size_t len) {
        files[n_files++] = (struct fake_file) { .path = path, .data = data, .len = len };
}

static void base_esp(void) {
        n_files = 0;
        add("/loader/entries/a.conf", conf_a, sizeof(conf_a) - 1);
        add("/loader/entries/missing.conf", conf_missing, sizeof(conf_missing) - 1);
        add("/loader/entries/broken.conf", conf_broken, sizeof(conf_broken) - 1);
        add("/loader/entries/shell.conf", conf_efi, sizeof(conf_efi) - 1);
        add("/loader/entries/linux.conf", conf_linux, sizeof(conf_linux) - 1);
        add("/ukis/a.efi", uki_a, uki_a_len);
        add("/ukis/broken.efi", "MZ not a PE", 11);
        add("/k/vmlinuz", kernel, sizeof(kernel));
        add("/ukis/missing.efi", uki_a, uki_a_len);     /* removed after discovery where a test says so */
        add("/EFI/tools/shell.efi", "MZ shell", 8);
}


static const struct uk_entry *entry(const char *id) {
        int i = uk_entries_find(menu.entries, menu.found.n, id);
        return i >= 0 ? &menu.entries[i] : NULL;
}

/* Prepare id with the given twin facts; returns the error and leaves the result in `boot`. */
static uk_err prepare(struct fake_fs *fs, struct fake_twin *tw, const char *id, const char *append, bool sb,
                      bool can_chain_load) {
        struct uk_fs_ops ops = fake_fs_ops(fs);
        const struct uk_boot_io io = fake_twin_io(tw, &ops);
        const struct uk_entry *e = entry(id);
        if (!e)
                return UK_E_NOT_FOUND;
        const struct uk_boot_request req = {
                .entry = e, .conf = &menu.conf, .append = append, .machine = { .secure_boot = sb },
                .can_chain_load = can_chain_load,
        };
        uk_err r = uk_boot_prepare(&io, &req, &boot);
        if (r == UK_OK)
                uk_boot_release(&io, &boot);
        return r;
}

static void test_menu(void) {
        base_esp();
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);

        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK_EQ_INT(menu.found.n, 5, "entries");
        CHECK_EQ_INT(menu.n_notes, 0, "no notes without loader.conf");
        CHECK(!menu.have_conf && menu.conf.editor, "defaults without loader.conf");
        CHECK_EQ_INT(menu.def, 0, "first entry is the default");
        CHECK_EQ_INT(fs.open_sources, 0, "sources closed");

        /* A loader.conf over 16 KiB: the defaults, and one sentence saying so. */
        memset(big_conf, '#', sizeof(big_conf));
        memcpy(big_conf, "default shell.conf\n", 19);
        big_conf[sizeof(big_conf) - 1] = '\n';
        add("/loader/loader.conf", big_conf, sizeof(big_conf));
        fs.n = n_files;
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu, big loader.conf");
        CHECK(!menu.have_conf, "20 KiB loader.conf not used");
        CHECK_EQ_INT(menu.n_notes, 1, "one note");
        CHECK_EQ_STR(menu.notes[0], "/loader/loader.conf: larger than 16 KiB; using the defaults");
        CHECK_EQ_INT(menu.def, 0, "its default is not applied");

        /* One that fits is read: its default applies, a one-shot beats it. */
        files[n_files - 1].len = 19;
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu, small loader.conf");
        CHECK(menu.have_conf, "loader.conf used");
        CHECK(menu.def >= 0 && strcmp(menu.entries[menu.def].id, "shell.conf") == 0, "loader.conf default");
        CHECK_EQ_INT(uk_bootmenu_load(&ops, "linux.conf", "a.conf", NULL, &menu), UK_OK, "menu, one-shot");
        CHECK(menu.def >= 0 && strcmp(menu.entries[menu.def].id, "linux.conf") == 0, "one-shot wins");
}

/* 200 entries listed in reverse order: the first 128 in boot order are kept, the rest said to be dropped. */
static void test_capacity(void) {
        static char conf_text[300][64];
        n_files = 0;
        for (int i = 199; i >= 0; i--) {
                snprintf(names[i], sizeof(names[i]), "/loader/entries/e%03d.conf", i);
                snprintf(conf_text[i], sizeof(conf_text[i]), "title E %03d\nlinux /k/vmlinuz\n", i);
                add(names[i], conf_text[i], strlen(conf_text[i]));
        }
        add("/k/vmlinuz", kernel, sizeof(kernel));      /* last: the slice below keeps it */
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "200 entries");
        CHECK_EQ_INT(menu.found.n, UK_ENTRIES_MAX, "capacity");
        CHECK_EQ_INT(menu.found.dropped, 200 - UK_ENTRIES_MAX, "dropped");
        CHECK_EQ_INT(menu.found.skipped, 0, "none malformed");
        /* systemd-boot sorts ids without sort-key by version, descending: e199 first. */
        CHECK_EQ_STR(menu.entries[0].id, "e199.conf");
        CHECK_EQ_STR(menu.entries[UK_ENTRIES_MAX - 1].id, "e072.conf");
        CHECK_EQ_INT(menu.n_notes, 1, "one note");
        CHECK_EQ_STR(menu.notes[0], "more than 128 boot entries: the last 72 in boot order are not offered");

        /* 100 fit whole. */
        fs.files = files + 100;
        fs.n = 101;
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "100 entries");
        CHECK_EQ_INT(menu.found.n, 100, "100 kept");
        CHECK_EQ_INT(menu.n_notes, 0, "no note");
}

/* One title everywhere: the bare title unless two entries share it (systemd-boot's rule). */
static void test_titles(void) {
        n_files = 0;
        add("/EFI/Linux/seven.efi", uki_a, uki_a_len);
        add("/EFI/Linux/eight.efi", uki_b, uki_b_len);
        add("/EFI/Linux/nine.efi", uki_c, uki_c_len);
        add("/k/vmlinuz", kernel, sizeof(kernel));
        static const char dup1[] = "title Same\nlinux /k/vmlinuz\nmachine-id 0123456789abcdef0123456789abcdef\n";
        static const char dup2[] = "title Same\nlinux /k/vmlinuz\nmachine-id fedcba9876543210fedcba9876543210\n";
        static const char dup3[] = "title Twin\nlinux /k/vmlinuz\n";
        static const char dup4[] = "title Twin\nlinux /k/vmlinuz\n";
        add("/loader/entries/s1.conf", dup1, sizeof(dup1) - 1);
        add("/loader/entries/s2.conf", dup2, sizeof(dup2) - 1);
        add("/loader/entries/t1.conf", dup3, sizeof(dup3) - 1);
        add("/loader/entries/t2.conf", dup4, sizeof(dup4) - 1);
        static const char esc[] = "title Bad\033[2J\302\233x\nlinux /k/vmlinuz\n";
        add("/loader/entries/esc.conf", esc, sizeof(esc) - 1);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "titles");
        static const struct { const char *id, *show; } want[] = {
                { "seven.efi", "Example Linux 7" },             /* unique: no " (7)" */
                { "eight.efi", "Example Linux (8)" },           /* shared title: the version tells them apart */
                { "nine.efi", "Example Linux (9)" },
                { "s1.conf", "Same (01234567)" },               /* no version: 8 characters of machine-id */
                { "s2.conf", "Same (fedcba98)" },
                { "t1.conf", "Twin (t1.conf)" },                /* nothing else: the id */
                { "t2.conf", "Twin (t2.conf)" },
                { "esc.conf", "Bad?[2J??x" },                   /* control characters defused, C1 too */
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(want); i++) {
                const struct uk_entry *e = entry(want[i].id);
                CHECK(e != NULL, "%s listed", want[i].id);
                if (e)
                        CHECK_EQ_STR(e->show_title, want[i].show);
        }
        /* The plan shows the same title. */
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(prepare(&fs, &tw, "seven.efi", NULL, false, true), UK_OK, "seven planned");
        CHECK_EQ_STR(boot.plan.title, "Example Linux 7");
}

/* Every kind and every refusal stage: the exact sentence both twins print. */
static void test_prepare(void) {
        base_esp();
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");

        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", "quiet", false, false), UK_OK, "uki entry");
        CHECK(boot.have_plan && boot.is_uki, "a plan of a UKI");
        CHECK_EQ_STR(boot.plan.cmdline, "root=/dev/vda quiet");
        CHECK_EQ_INT(boot.plan.cmdline_from, UK_CMDLINE_NOTE_FROM_OPTIONS | UK_CMDLINE_NOTE_FROM_APPEND, "provenance");
        CHECK_EQ_INT(tw.open_images, 0, "image released");
        CHECK_EQ_INT(tw.verified, 0, "nothing verified without Secure Boot");

        /* Secure Boot: verified first; the UKI's .cmdline wins and says what it dropped. */
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", "quiet", true, false), UK_OK, "uki entry under Secure Boot");
        CHECK_EQ_INT(tw.verified, 1, "verified once");
        CHECK_EQ_STR(boot.plan.cmdline, "console=ttyS0");
        CHECK_EQ_INT(boot.plan.cmdline_notes, UK_CMDLINE_NOTES_DROPPED, "options and append dropped");
        CHECK_EQ_INT(boot.plan.cmdline_from, 0, "nothing from outside");

        static const struct {
                const char *id, *append;
                bool sb, chain;
                uk_err verdict, err;
                enum uk_refusal_stage stage;
                const char *text;
        } rows[] = {
                { "missing.conf", NULL, false, true, UK_OK, UK_E_NOT_FOUND, UK_REFUSE_READ,
                  "missing.conf: cannot read /ukis/missing.efi: not found" },
                { "broken.conf", NULL, false, true, UK_OK, UK_E_TRUNCATED, UK_REFUSE_CONTENT,
                  "broken.conf: /ukis/broken.efi is not a bootable UKI: file truncated: a header or section extends past the end" },
                { "a.conf", NULL, true, true, UK_E_SECURITY, UK_E_SECURITY, UK_REFUSE_VERIFY,
                  "a.conf: /ukis/a.efi refused under Secure Boot: not signed by a key in db, or listed in dbx" },
                { "shell.conf", NULL, false, false, UK_OK, UK_E_BAD_ENTRY, UK_REFUSE_KIND,
                  "shell.conf: chain-loads the EFI program /EFI/tools/shell.efi with load options \"-nostartup\", which a kexec "
                  "cannot start" },
                { "linux.conf", NULL, false, true, UK_OK, UK_E_NOT_FOUND, UK_REFUSE_READ,
                  "linux.conf: cannot read initrd /k/gone.img: not found" },
        };
        /* missing.efi is removed once the menu has been made: the entry is offered, then cannot be read. */
        fs.gone = "/ukis/missing.efi";
        for (size_t i = 0; i < UK_ELEMENTSOF(rows); i++) {
                tw.verdict = rows[i].verdict;
                uk_err r = prepare(&fs, &tw, rows[i].id, rows[i].append, rows[i].sb, rows[i].chain);
                CHECK_EQ_INT(r, rows[i].err, "%s", rows[i].id);
                CHECK_EQ_INT(boot.refusal.stage, rows[i].stage, "%s", rows[i].id);
                CHECK_EQ_STR(boot.refusal.text, rows[i].text);
                CHECK(!boot.have_plan, "%s: no plan", rows[i].id);
                CHECK_EQ_INT(tw.open_images, 0, "%s: nothing left open", rows[i].id);
        }
        tw.verdict = UK_OK;

        /* Which kinds read the ESP: the kind table's answer. */
        CHECK(uk_entry_reads_esp(entry("a.conf")) && uk_entry_reads_esp(entry("linux.conf")), "uki, linux read the ESP");
        CHECK(!uk_entry_reads_esp(entry("shell.conf")) && !uk_entry_reads_esp(NULL), "efi programs are the firmware's");

        /* `efi` entries on the EFI twin: options, a space, the editor text. */
        CHECK_EQ_INT(prepare(&fs, &tw, "shell.conf", "fs0:", false, true), UK_OK, "efi entry");
        CHECK_EQ_STR(boot.efi_options, "-nostartup fs0:");
        CHECK_EQ_STR(boot.efi_what, "chain-loads the EFI program /EFI/tools/shell.efi with load options \"-nostartup fs0:\"");
        CHECK_EQ_INT(boot.efi_options_len, 15, "length");
        CHECK(!boot.have_plan, "no plan for a chain-load");

        /* `editor no` forbids additions on both twins, for every kind. */
        menu.conf.editor = false;
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", "init=/bin/sh", false, true), UK_E_CMDLINE_FORBIDDEN, "editor no");
        CHECK_EQ_STR(boot.refusal.text, "a.conf: the command line may not be changed: loader.conf says `editor no`");
        CHECK_EQ_INT(prepare(&fs, &tw, "shell.conf", "x", false, true), UK_E_CMDLINE_FORBIDDEN, "editor no, efi");
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", "   ", false, true), UK_OK, "blank text is no change");
        menu.conf.editor = true;

        /* A `linux` entry whose initrd exists. */
        static const char conf_ok[] = "title K\nlinux /k/vmlinuz\ninitrd /k/initrd.img\n";
        add("/loader/entries/k.conf", conf_ok, sizeof(conf_ok) - 1);
        add("/k/initrd.img", "0123456789", 10);
        fs.n = n_files;
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK_EQ_INT(prepare(&fs, &tw, "k.conf", NULL, false, false), UK_OK, "linux entry");
        CHECK(!boot.is_uki && boot.plan.n_initrd == 1 && boot.plan.initrd[0].length == 10, "initrd sized");
        CHECK_EQ_INT(fs.open_sources, 0, "initrd files closed");

        /* Content identity: nothing known until hashed, then the SHA-256 of exactly the booted bytes. */
        CHECK_EQ_INT(boot.plan.content_known, 0, "nothing hashed by planning");
        uint8_t scratch[7];     /* smaller than every piece: the hash is fed in several reads */
        CHECK_EQ_INT(uk_plan_hash_content(&boot.plan, read_file_piece, &fs, scratch, sizeof(scratch)), UK_OK, "hash");
        CHECK_EQ_INT(boot.plan.content_known, 3, "kernel and initrd known");
        uint8_t want[32];
        uk_sha256(kernel, sizeof(kernel), want);
        CHECK(memcmp(boot.plan.content_sha256[0], want, 32) == 0, "kernel digest");
        uk_sha256("0123456789", 10, want);
        CHECK(memcmp(boot.plan.content_sha256[1], want, 32) == 0, "initrd digest");
        char text[512], hex[65];
        size_t len;
        CHECK_EQ_INT(uk_plan_content_format(&boot.plan, text, sizeof(text), &len), UK_OK, "content record");
        uk_sha256_hex(want, hex);
        CHECK(strstr(text, hex) != NULL && strncmp(text, "ukiboot-content 1\nkernel vmlinuz ", 33) == 0,
              "content record: %s", text);
        boot.plan.content_known = 1;
        CHECK_EQ_INT(uk_plan_content_format(&boot.plan, text, sizeof(text), &len), UK_OK, "content record");
        CHECK(strstr(text, "\ninitrd initrd.img -\n") != NULL, "unknown piece written as '-': %s", text);
}

/* Every plan can be written down: one whose canonical record would not fit 12 KiB (24 credentials whose long
 * names are all escaped blanks) is refused, with the same sentence on both twins, not booted unrecorded. */
static void test_record_limit(void) {
        static char paths[24][UK_PATH_MAX];
        base_esp();
        for (int i = 0; i < 24; i++) {
                char name[220];
                memset(name, ' ', sizeof(name));
                snprintf(name + 200, sizeof(name) - 200, "%02d.cred", i);
                snprintf(paths[i], sizeof(paths[i]), "/ukis/a.efi.extra.d/%s", name);
                add(paths[i], "x", 1);
        }
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_E_PLAN_TOO_LARGE, "record too large");
        CHECK_EQ_STR(boot.refusal.text,
                     "a.conf: no boot plan: the plan's record is over 12 KiB (too many or too long file names)");
        CHECK_EQ_INT(tw.open_images, 0, "image closed");
        /* Half of them fit. */
        fs.n -= 12;
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_OK, "12 long names fit");
        char text[UK_PLAN_CANONICAL_MAX];
        size_t len;
        CHECK_EQ_INT(uk_plan_canonical(&boot.plan, text, sizeof(text), &len), UK_OK, "and are written down");
}

/* A .cmdline with VirtualSize but no file bytes is there (systemd-stub's rule: VirtualSize): under Secure Boot
 * it locks the (empty) line, so entry options cannot replace it; without Secure Boot they do. */
static void test_cmdline_presence(void) {
        static uint8_t uki[16384];
        const struct peb_section s[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".cmdline", .len = 0, .virtual_size = 16 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
        };
        size_t len = peb_build(uki, sizeof(uki), s, 3);
        static const char conf[] = "title Bss\nuki /ukis/bss.efi\noptions root=/dev/evil\n";
        n_files = 0;
        add("/loader/entries/bss.conf", conf, sizeof(conf) - 1);
        add("/ukis/bss.efi", uki, len);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        CHECK(len > 0, "bss UKI built");
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK_EQ_INT(prepare(&fs, &tw, "bss.conf", NULL, true, true), UK_OK, "Secure Boot");
        CHECK_EQ_STR(boot.plan.cmdline, "");
        CHECK_EQ_INT(boot.plan.cmdline_notes, UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB, "options ignored under Secure Boot");
        CHECK(uk_boot_editor_locked(&ops, entry("bss.conf"), true), "the editor is locked too");
        CHECK_EQ_INT(prepare(&fs, &tw, "bss.conf", NULL, false, true), UK_OK, "no Secure Boot");
        CHECK_EQ_STR(boot.plan.cmdline, "root=/dev/evil");
}

static uk_err read_from_uki(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        const struct uk_source *src = ctx;
        return uk_source_read(src, piece->offset + offset, buf, len);
}

/* .initrd as systemd-stub hands it over: VirtualSize bytes (file bytes, then zeros when VirtualSize is the
 * larger), and no initrd at all when VirtualSize is 0 even if the file holds bytes. */
static void test_initrd_virtual_size(void) {
        static uint8_t uki[16384], got[64];
        static const char rd[] = "0707010000";
        const struct peb_section s[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".initrd", .data = rd, .len = 10, .virtual_size = 37 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
        };
        size_t len = peb_build(uki, sizeof(uki), s, 3);
        struct uk_source src;
        struct uk_uki u;
        struct uk_plan_in in = { .src = &src };
        static struct uk_plan plan;
        uk_source_from_memory(&src, uki, len);
        CHECK_EQ_INT(uk_uki_parse(&src, &u), UK_OK, "UKI with a short .initrd parses");
        in.uki = &u;
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_OK, "planned");
        CHECK(plan.n_initrd == 2 && strcmp(plan.initrd[1].label, "/.extra/os-release") == 0,
              "the section, then the stub's /.extra/os-release");
        CHECK_EQ_INT(plan.initrd[0].length, 10, "file bytes");
        CHECK_EQ_INT(plan.initrd[0].zero_fill, 27, "zeros up to VirtualSize");
        CHECK_EQ_INT(plan.initrd[0].pad, 3, "padded after the fill (37 -> 40)");
        CHECK_EQ_INT(plan.initrd_total, 40 + plan.initrd[1].length, "total");
        memset(got, 0xee, sizeof(got));
        CHECK_EQ_INT(uk_plan_initrd_read(&plan, 0, got, 40, read_from_uki, &src), UK_OK, "served");
        bool zeros = true;
        for (int i = 10; i < 40; i++)
                zeros = zeros && got[i] == 0;
        CHECK(memcmp(got, rd, 10) == 0 && zeros, "file bytes, then zeros");
        char text[UK_PLAN_CANONICAL_MAX];
        size_t tl;
        CHECK_EQ_INT(uk_plan_canonical(&plan, text, sizeof(text), &tl), UK_OK, "canonical");
        CHECK(strstr(text, " 10 3 fill 27") != NULL, "the fill is in the canonical plan");

        const struct peb_section z[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".initrd", .data = rd, .len = 10, .zero_vsize = 1 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
        };
        len = peb_build(uki, sizeof(uki), z, 3);
        uk_source_from_memory(&src, uki, len);
        CHECK_EQ_INT(uk_uki_parse(&src, &u), UK_OK, "VirtualSize 0 parses");
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_OK, "planned");
        CHECK(plan.n_initrd == 1 && plan.initrd[0].source == UK_PIECE_GENERATED,
              "an .initrd with VirtualSize 0 is not served");

        const struct peb_section big[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".initrd", .data = rd, .len = 10, .virtual_size = 10 + UK_SECTION_FILL_MAX + 1 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
        };
        len = peb_build(uki, sizeof(uki), big, 3);
        uk_source_from_memory(&src, uki, len);
        CHECK_EQ_INT(uk_uki_parse(&src, &u), UK_OK, "huge VirtualSize parses");
        CHECK_EQ_INT(uk_plan_build(&in, &plan), UK_E_SECTION_OUT_OF_BOUNDS, "but a fill over 1 MiB is refused");
}

/* Credentials and sysexts: too many, and the boot goes on without them with the same note on both twins;
 * an I/O error, and the entry is refused as a read error. */
static void test_extras_policy(void) {
        static char cred_names[30][UK_PATH_MAX];
        base_esp();
        add("/ukis/a.efi.extra.d/one.cred", "secret", 6);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_OK, "one credential");
        CHECK_EQ_INT(boot.n_notes, 0, "no note");
        unsigned with_one = boot.plan.n_initrd;

        for (int i = 0; i < 25; i++) {
                snprintf(cred_names[i], sizeof(cred_names[i]), "/ukis/a.efi.extra.d/c%02d.cred", i);
                add(cred_names[i], "x", 1);
        }
        fs.n = n_files;
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_OK, "26 credentials: boots");
        CHECK_EQ_INT(boot.n_notes, 1, "one note");
        CHECK_EQ_STR(boot.notes[0], "a.conf: credentials and system extensions not picked up: more than 24 files");
        CHECK(boot.plan.n_initrd < with_one, "without any of them");
        unsigned without = boot.plan.n_initrd;

        /* An unreadable drop-in directory refuses the entry as a read error naming it: booting without
         * its files would change the initrd without a word (systemd-stub skips it; doc/efi.md). */
        fs.fail_dir = "/ukis/a.efi.extra.d";
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_E_IO, "unreadable drop-in: refused");
        CHECK_EQ_INT(boot.refusal.stage, UK_REFUSE_READ, "a read refusal");
        CHECK_EQ_STR(boot.refusal.text, "a.conf: cannot read /ukis/a.efi.extra.d: read error");
        CHECK_EQ_INT(tw.open_images, 0, "the image is closed again");
        fs.fail_dir = NULL;
        CHECK_EQ_INT(prepare(&fs, &tw, "a.conf", NULL, false, true), UK_OK, "readable again: boots");
        CHECK_EQ_INT(boot.plan.n_initrd, without, "still without the 26 (too many)");
}

static void test_failure_policy(void) {
        static const struct {
                struct uk_attempt a;
                enum uk_next next;
        } rows[] = {
                { { .chosen = true, .tried = 1, .n = 3 }, UK_NEXT_MENU },
                { { .chosen = true, .tried = 3, .n = 3, .reboot_on_error = true }, UK_NEXT_MENU },
                { { .chosen = false, .tried = 1, .n = 3 }, UK_NEXT_ENTRY },
                { { .chosen = false, .tried = 3, .n = 3 }, UK_NEXT_FIRMWARE },
                { { .chosen = false, .tried = 3, .n = 3, .reboot_on_error = true }, UK_NEXT_REBOOT },
                { { .chosen = false, .tried = 1, .n = 1 }, UK_NEXT_FIRMWARE },
                /* Measured: never another entry, never back to the menu (its choice would boot with these PCRs). */
                { { .chosen = false, .tried = 1, .n = 3, .measured = true }, UK_NEXT_FIRMWARE },
                { { .chosen = true, .tried = 1, .n = 3, .measured = true }, UK_NEXT_FIRMWARE },
                { { .chosen = false, .tried = 1, .n = 3, .measured = true, .reboot_on_error = true }, UK_NEXT_REBOOT },
                /* Unreadable bytes on a running system: the automatic choice stops instead of swapping in
                 * another entry; a person's choice just comes back to them; firmware goes on. */
                { { .chosen = false, .tried = 1, .n = 3, .read_failed = true, .running_system = true }, UK_NEXT_STOP },
                { { .chosen = true, .tried = 1, .n = 3, .read_failed = true, .running_system = true }, UK_NEXT_MENU },
                { { .chosen = false, .tried = 1, .n = 3, .read_failed = true }, UK_NEXT_ENTRY },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(rows); i++)
                CHECK_EQ_INT(uk_failure_next(&rows[i].a), rows[i].next, "row %zu", i);
        static const size_t order[] = { 2, 3, 0, 1 };
        for (size_t k = 0; k < 4; k++)
                CHECK_EQ_INT(uk_failure_order(2, k, 4), order[k], "order %zu", k);
        CHECK_EQ_STR(uk_next_text(UK_NEXT_FIRMWARE), "not booting another entry; returning to the firmware");
}

/* systemd-boot's automatic entries after the ESP's own, in its order, each only where the machine has it;
 * the firmware actions start nothing a kexec could, are never a fallback and record no boot. */
static void test_auto_entries(void) {
        static const char conf_all[] = "auto-reboot yes\nauto-poweroff yes\n";
        static const char conf_off[] = "auto-entries no\nauto-firmware no\n";
        n_files = 0;
        add("/loader/entries/a.conf", conf_a, sizeof(conf_a) - 1);
        add("/ukis/a.efi", uki_a, uki_a_len);
        add("/EFI/Microsoft/Boot/bootmgfw.efi", "MZ windows", 10);
        add("/shellx64.efi", "MZ shell", 8);
        add("/EFI/BOOT/BOOTX64.EFI", "MZ fallback", 11);
        add("/loader/loader.conf", conf_all, sizeof(conf_all) - 1);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        const struct uk_menu_facts facts = { .firmware_setup = true, .own_path = "/EFI/ukiboot/ukibootx64.efi" };

        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &facts, NULL, NULL, NULL, &menu), UK_OK, "menu with facts");
        static const struct { const char *id, *title; enum uk_entry_kind kind; const char *efi; } want[] = {
                { "a.conf", "A", UK_ENTRY_KIND_UKI, "" },
                { "auto-windows", "Windows Boot Manager", UK_ENTRY_KIND_EFI, "/EFI/Microsoft/Boot/bootmgfw.efi" },
                { "auto-efi-shell", "EFI Shell", UK_ENTRY_KIND_EFI, "/shellx64.efi" },
                { "auto-efi-default", "EFI Default Loader", UK_ENTRY_KIND_EFI, "/EFI/BOOT/BOOTX64.EFI" },
                { "auto-reboot-to-firmware-setup", "Reboot Into Firmware Interface", UK_ENTRY_KIND_FIRMWARE_SETUP, "" },
                { "auto-poweroff", "Power Off The System", UK_ENTRY_KIND_POWEROFF, "" },
                { "auto-reboot", "Reboot The System", UK_ENTRY_KIND_REBOOT, "" },
        };
        CHECK_EQ_INT(menu.found.n, UK_ELEMENTSOF(want), "the ESP's entry and six automatic ones");
        for (size_t i = 0; i < UK_ELEMENTSOF(want) && i < menu.found.n; i++) {
                CHECK_EQ_STR(menu.entries[i].id, want[i].id);
                CHECK_EQ_STR(menu.entries[i].show_title, want[i].title);
                CHECK_EQ_INT(menu.entries[i].kind, want[i].kind, "%s kind", want[i].id);
                CHECK_EQ_STR(menu.entries[i].efi_path, want[i].efi);
                CHECK_EQ_INT(menu.entries[i].type, i == 0 ? UK_ENTRY_TYPE1 : UK_ENTRY_AUTO, "%s type", want[i].id);
        }
        CHECK_EQ_INT(menu.def, 0, "the ESP's entry is the default");
        CHECK_EQ_INT(fs.open_sources, 0, "sources closed");

        /* The actions: the EFI twin carries them out; the Linux twin cannot, and says so. */
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(prepare(&fs, &tw, "auto-reboot-to-firmware-setup", NULL, false, true), UK_OK, "firmware action, EFI");
        CHECK_EQ_INT(boot.kind, UK_ENTRY_KIND_FIRMWARE_SETUP, "kind");
        CHECK_EQ_STR(boot.efi_what, "reboots into the firmware's setup");
        CHECK_EQ_INT(prepare(&fs, &tw, "auto-poweroff", NULL, false, false), UK_E_BAD_ENTRY, "poweroff, Linux");
        CHECK_EQ_STR(boot.refusal.text, "auto-poweroff: powers the machine off, which a kexec cannot do");
        CHECK_EQ_INT(prepare(&fs, &tw, "auto-windows", NULL, false, false), UK_E_BAD_ENTRY, "windows, Linux");
        CHECK_EQ_STR(boot.refusal.text, "auto-windows: chain-loads the EFI program /EFI/Microsoft/Boot/bootmgfw.efi "
                     "without load options, which a kexec cannot start");
        const struct uk_entry *fw = entry("auto-reboot-to-firmware-setup"), *win = entry("auto-windows");
        CHECK(fw && !uk_entry_may_fall_back_to(fw) && !uk_entry_records_boot(fw), "an action: no fallback, no record");
        CHECK(win && uk_entry_may_fall_back_to(win) && uk_entry_records_boot(win), "Windows: a boot like any other");
        CHECK(!uk_entry_takes_random_seed(win) && uk_entry_takes_random_seed(entry("a.conf")),
              "the random seed only for a kernel ukiboot starts");
        /* A one-shot naming an automatic entry picks it (systemctl reboot --boot-loader-entry=auto-windows). */
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &facts, "auto-windows", NULL, NULL, &menu), UK_OK, "one-shot");
        CHECK(menu.def >= 0 && strcmp(menu.entries[menu.def].id, "auto-windows") == 0, "one-shot auto-windows");

        /* The default loader is ukiboot itself, or nobody knows who we are: not offered. No firmware
         * support, or `auto-*` turned off: nothing. */
        const struct uk_menu_facts self = { .firmware_setup = false, .own_path = "/efi/boot/bootx64.efi" };
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &self, NULL, NULL, NULL, &menu), UK_OK, "self");
        CHECK(entry("auto-efi-default") == NULL && entry("auto-reboot-to-firmware-setup") == NULL,
              "no default loader when it is us, no firmware entry without support");
        /* The path as firmware and LoaderImageIdentifier spell it: backslashes, any case. */
        const struct uk_menu_facts self16 = { .own_path = "\\EFI\\Boot\\bootx64.efi" };
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &self16, NULL, NULL, NULL, &menu), UK_OK, "self, backslashes");
        CHECK(entry("auto-efi-default") == NULL, "backslashed own path is the fallback loader: not offered");
        const struct uk_menu_facts odd = { .own_path = "EFI/ukiboot/ukibootx64.efi" };
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &odd, NULL, NULL, NULL, &menu), UK_OK, "no leading separator");
        CHECK(entry("auto-efi-default") == NULL, "an own path that is no ESP path counts as unknown");
        const struct uk_menu_facts other16 = { .own_path = "\\EFI\\ukiboot\\ukibootx64.efi" };
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &other16, NULL, NULL, NULL, &menu), UK_OK, "elsewhere, backslashes");
        CHECK(entry("auto-efi-default") != NULL, "loaded from elsewhere: the fallback loader is offered");
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "no facts");
        CHECK(entry("auto-efi-default") == NULL && entry("auto-windows") != NULL, "no facts: the files still count");
        files[n_files - 1] = (struct fake_file) { "/loader/loader.conf", conf_off, sizeof(conf_off) - 1, false };
        CHECK_EQ_INT(uk_bootmenu_load_facts(&ops, &facts, NULL, NULL, NULL, &menu), UK_OK, "auto off");
        CHECK_EQ_INT(menu.found.n, 1, "auto-entries no, auto-firmware no: only the ESP's");
}

/* XBOOTLDR: entries from both partitions in one order; each entry's files from its own partition (a file of the
 * same name on the other one is not it); loader.conf only from the ESP; the plan says where its files are. */
static void test_xbootldr(void) {
        static const char esp_conf[] = "default x*\ntimeout 3\n";
        static const char xb_conf[] = "default a.conf\ntimeout 9\n";     /* not read: loader.conf is the ESP's */
        static const char conf_x[] = "title X\nsort-key a\nversion 2\nlinux /k/vmlinuz\ninitrd /k/initrd.img\n";
        static const char conf_espfile[] = "title Only on the ESP\nsort-key z\nuki /ukis/a.efi\n";
        static const char initrd[] = "XBOOTLDR-INITRD";
        struct fake_file esp_files[] = {
                { "/loader/loader.conf", esp_conf, sizeof(esp_conf) - 1, false },
                { "/loader/entries/a.conf", conf_a, sizeof(conf_a) - 1, false },
                { "/ukis/a.efi", uki_a, uki_a_len, false },
        };
        struct fake_file xb_files[] = {
                { "/loader/loader.conf", xb_conf, sizeof(xb_conf) - 1, false },
                { "/loader/entries/x.conf", conf_x, sizeof(conf_x) - 1, false },
                { "/loader/entries/esp-file.conf", conf_espfile, sizeof(conf_espfile) - 1, false },
                { "/k/vmlinuz", kernel, sizeof(kernel), false },
                { "/k/initrd.img", initrd, sizeof(initrd) - 1, false },
                { "/EFI/Linux/xb.efi", uki_b, uki_b_len, false },
        };
        struct fake_fs esp = { .files = esp_files, .n = UK_ELEMENTSOF(esp_files) };
        struct fake_fs xb = { .files = xb_files, .n = UK_ELEMENTSOF(xb_files) };
        struct uk_fs_ops xb_ops = fake_fs_ops(&xb), ops = fake_fs_ops(&esp);
        ops.xbootldr = &xb_ops;

        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu over ESP + XBOOTLDR");
        CHECK_EQ_INT(menu.found.n, 3, "a.conf, x.conf, xb.efi");
        CHECK_EQ_INT(menu.found.hidden, 1, "an XBOOTLDR entry naming an ESP-only file is hidden");
        CHECK(menu.conf.has_timeout && menu.conf.timeout == 3, "loader.conf from the ESP only");
        const struct uk_entry *a = entry("a.conf"), *x = entry("x.conf"), *u = entry("xb.efi");
        CHECK(a && x && u && !a->xbootldr && x->xbootldr && u->xbootldr, "each entry knows its partition");
        CHECK(menu.def >= 0 && strcmp(menu.entries[menu.def].id, "x.conf") == 0, "ESP loader.conf's default picks an XBOOTLDR entry");
        CHECK(uk_entry_fs(&ops, x) == &xb_ops && uk_entry_fs(&ops, a) == &ops, "uk_entry_fs");
        struct uk_fs_ops bare = fake_fs_ops(&esp);
        CHECK(uk_entry_fs(&bare, x) == NULL, "an XBOOTLDR entry never reads the ESP in its place");

        struct fake_twin tw = { .fs = &esp, .xbootldr = &xb };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        struct uk_boot_request req = { .entry = x, .conf = &menu.conf };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "x.conf: kernel and initrd from XBOOTLDR");
        CHECK(boot.where == UK_IMAGE_XBOOTLDR && boot.plan.xbootldr, "plan and image on XBOOTLDR");
        CHECK(boot.plan.n_initrd == 1 && boot.plan.initrd[0].length == sizeof(initrd) - 1, "initrd size from XBOOTLDR");
        char canon[UK_PLAN_CANONICAL_MAX];
        size_t len;
        CHECK(uk_plan_canonical(&boot.plan, canon, sizeof(canon), &len) == UK_OK &&
              strncmp(canon, "ukiboot-plan 1\npartition xbootldr\nkernel file /k/vmlinuz ", 55) == 0,
              "canonical form names the partition");
        uk_boot_release(&io, &boot);
        req.entry = u;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "Type #2 UKI on XBOOTLDR");
        CHECK(boot.where == UK_IMAGE_XBOOTLDR && strcmp(boot.image_name, "/EFI/Linux/xb.efi") == 0, "opened there");
        uk_boot_release(&io, &boot);
        req.entry = a;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "ESP entry");
        CHECK(boot.where == UK_IMAGE_ESP && !boot.plan.xbootldr &&
              uk_plan_canonical(&boot.plan, canon, sizeof(canon), &len) == UK_OK && !strstr(canon, "partition"),
              "ESP plans keep their form");
        uk_boot_release(&io, &boot);
        char line[256];
        CHECK(uk_editor_start(&ops, u, line, sizeof(line)) == UK_OK && strcmp(line, "console=ttyS0") == 0,
              "the editor reads the XBOOTLDR UKI's .cmdline");
        CHECK(tw.open_images == 0 && esp.open_sources == 0 && xb.open_sources == 0, "all closed");

        /* Without XBOOTLDR files, an unreadable XBOOTLDR costs only its own entries. */
        xb.fail_dir = "*";
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "XBOOTLDR unreadable");
        CHECK(menu.found.n == 1 && menu.found.io_errors == 2, "the ESP's entry offered, the read errors counted");
}

/* A UKI with v258's .efifw: booted without it, and both twins say so in the same words. */
static void test_efifw_note(void) {
        static uint8_t uki[16384];
        const struct peb_section sec[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".efifw", .data = "FIRMWARE", .len = 8 },
        };
        size_t len = peb_build(uki, sizeof(uki), sec, 3);
        struct fake_file f[] = { { "/EFI/Linux/fw.efi", uki, len, false } };
        struct fake_fs fs = { .files = f, .n = 1 };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        struct fake_twin tw = { .fs = &fs };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        const struct uk_boot_request req = { .entry = entry("fw.efi") };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "booted without its firmware");
        CHECK(boot.n_notes == 1 && strcmp(boot.notes[0], "fw.efi: its .efifw firmware images are not loaded (ukiboot "
                                                          "loads no firmware from a UKI)") == 0, "one note: %s", boot.notes[0]);
        uk_boot_release(&io, &boot);
}

static uk_err no_piece_read(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        (void) ctx, (void) piece, (void) offset, (void) buf, (void) len;
        return UK_E_IO;
}

/* Addons: the global one first, then the UKI's own; skipped ones said one line each; the line measured as
 * one part; under Secure Boot a refused addon adds nothing. */
static void test_addons(void) {
        static uint8_t uki[16384], g[4096], own[4096], bad[4096], other[4096], rd[4096];
        const struct peb_section us[] = {
                { .name = ".osrel", .data = osrel_7, .len = sizeof(osrel_7) - 1 },
                { .name = ".cmdline", .data = "console=ttyS0", .len = 13 },
                { .name = ".uname", .data = "6.1.0-13-amd64", .len = 14 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
        };
        const struct peb_section gs[] = { { .name = ".cmdline", .data = " global=1\n", .len = 10 },
                                          { .name = ".ucode", .data = "G1", .len = 2 } };
        const struct peb_section os[] = { { .name = ".cmdline", .data = "own=1", .len = 5 },
                                          { .name = ".uname", .data = "6.1", .len = 3 },
                                          { .name = ".ucode", .data = "A2", .len = 2 },
                                          { .name = ".initrd", .data = "AI", .len = 2 } };
        const struct peb_section bs[] = { { .name = ".cmdline", .data = "bad=1", .len = 5 },
                                          { .name = ".linux", .data = "K", .len = 1 } };
        const struct peb_section xs[] = { { .name = ".cmdline", .data = "other=1", .len = 7 },
                                          { .name = ".uname", .data = "6.2.0", .len = 5 } };
        const struct peb_section rs[] = { { .name = ".initrd", .data = "I", .len = 1 },
                                          { .name = ".dtb", .data = "DTB-OF-D", .len = 8 } };
        struct fake_file f[] = {
                { "/EFI/Linux/u+3.efi", uki, peb_build(uki, sizeof(uki), us, 4), false },
                { "/loader/addons/g.addon.efi", g, peb_build(g, sizeof(g), gs, 2), false },
                { "/EFI/Linux/u.efi.extra.d/a.addon.efi", own, peb_build(own, sizeof(own), os, 4), false },
                { "/EFI/Linux/u.efi.extra.d/b.addon.efi", bad, peb_build(bad, sizeof(bad), bs, 2), false },
                { "/EFI/Linux/u.efi.extra.d/c.addon.efi", other, peb_build(other, sizeof(other), xs, 2), false },
                { "/EFI/Linux/u.efi.extra.d/d.addon.efi", rd, peb_build(rd, sizeof(rd), rs, 2), false },
        };
        struct fake_fs fs = { .files = f, .n = UK_ELEMENTSOF(f) };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        struct fake_twin tw = { .fs = &fs };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        struct uk_boot_request req = { .entry = entry("u.efi") };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "booted with its addons");
        CHECK(boot.n_notes == 3 && strstr(boot.notes[2], "its device tree is not passed"),
              "a twin that cannot pass the tree says so: %s", boot.notes[boot.n_notes ? boot.n_notes - 1 : 0]);
        uk_boot_release(&io, &boot);
        req.can_pass_devicetree = true;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "booted with its addons");
        CHECK_EQ_STR(boot.plan.cmdline, "console=ttyS0 global=1 own=1");
        CHECK_EQ_INT(boot.n_notes, 2, "two skipped, one line each");
        CHECK(strstr(boot.notes[0], "b.addon.efi skipped: it carries .linux") &&
              strstr(boot.notes[1], "c.addon.efi skipped: its .uname names another kernel"), "notes: %s | %s",
              boot.notes[0], boot.notes[1]);
        /* The stub's initrd order: the addons' microcode first, last addon first (the kernel takes the first
         * it finds), then the UKI's pieces, then the addons' initrds as applied; each 4-aligned. */
        const struct uk_plan *pl = &boot.plan;
        CHECK(pl->n_initrd >= 4 && pl->initrd[0].source == UK_PIECE_ADDON &&
              strcmp(pl->initrd[0].path, "/EFI/Linux/u.efi.extra.d/a.addon.efi") == 0 &&
              strcmp(pl->initrd[0].label, ".ucode") == 0 && strcmp(pl->initrd[1].path, "/loader/addons/g.addon.efi") == 0,
              "microcode: the UKI's own addon's, then the global one's");
        CHECK(pl->initrd[pl->n_initrd - 2].source == UK_PIECE_ADDON &&
              strcmp(uk_plan_path_name(pl->initrd[pl->n_initrd - 2].path), "a.addon.efi") == 0 &&
              strcmp(uk_plan_path_name(pl->initrd[pl->n_initrd - 1].path), "d.addon.efi") == 0, "initrds last, in order");
        uint8_t head[8], tail[8];
        CHECK_EQ_INT(uk_plan_initrd_read(pl, 0, head, 8, no_piece_read, NULL), UK_OK, "read the head");
        CHECK_EQ_INT(uk_plan_initrd_read(pl, pl->initrd_total - 8, tail, 8, no_piece_read, NULL), UK_OK, "read the tail");
        CHECK(memcmp(head, "A2\0\0G1\0\0", 8) == 0 && memcmp(tail, "AI\0\0I\0\0\0", 8) == 0,
              "byte-exact: microcode head, addon initrds tail");
        CHECK(pl->content_known & (1u << 1), "addon content is known at planning");
        char canon[UK_PLAN_CANONICAL_MAX];
        size_t cl = 0;
        CHECK_EQ_INT(uk_plan_canonical(pl, canon, sizeof(canon), &cl), UK_OK, "canonical");
        canon[cl] = 0;
        CHECK(strstr(canon, "initrd addon /loader/addons/g.addon.efi .ucode 2 2 ") != NULL, "canonical line: %s", canon);
        /* PCR 12: after the line, its addons' part and the archives, the microcode (placed order), then the
         * initrds, each a tagged event. */
        const uint32_t want_tags[] = { UK_UCODE_ADDON_EVENT_TAG, UK_UCODE_ADDON_EVENT_TAG, UK_INITRD_ADDON_EVENT_TAG,
                                       UK_INITRD_ADDON_EVENT_TAG };
        const unsigned want_piece[] = { 0, 1, pl->n_initrd - 2, pl->n_initrd - 1 };
        unsigned k = 0;
        for (unsigned i = 0; i < pl->n_measure; i++) {
                const struct uk_measurement *am = &pl->measure[i];
                if (am->kind != UK_MEASURE_ADDON)
                        continue;
                CHECK(k < 4 && am->pcr == 12 && am->event_type == UK_TCG_EV_EVENT_TAG && am->tag == want_tags[k] &&
                      am->piece == want_piece[k] && i > 0 && pl->measure[i - 1].kind != UK_MEASURE_NAME,
                      "addon event %u: tag %x piece %u", k, am->tag, am->piece);
                k++;
        }
        CHECK_EQ_INT(k, 4, "four addon events");
        /* d's .dtb is the plan's tree, measured after the addons' line, before the initrd addons. */
        CHECK(pl->devicetree.source == UK_DT_ADDON && pl->n_dt_addons == 1 && pl->devicetree.length == 8 &&
              strcmp(uk_plan_path_name(pl->devicetree.path), "d.addon.efi") == 0 &&
              memcmp(pl->dt_addons[0].bytes, "DTB-OF-D", 8) == 0, "the addon's device tree");
        CHECK(strstr(canon, "\ndevicetree addon /EFI/Linux/u.efi.extra.d/d.addon.efi 8 ") != NULL, "canonical: %s", canon);
        int at_dt = -1, at_addons = -1, at_first_piece = -1;
        for (unsigned i = 0; i < pl->n_measure; i++) {
                const struct uk_measurement *am = &pl->measure[i];
                if (am->kind == UK_MEASURE_DT_ADDON && am->tag == UK_DEVICETREE_ADDON_EVENT_TAG && am->length == 8)
                        at_dt = (int) i;
                if (am->kind == UK_MEASURE_CMDLINE && strcmp(am->name, "addons") == 0)
                        at_addons = (int) i;
                if (am->kind == UK_MEASURE_ADDON && at_first_piece < 0)
                        at_first_piece = (int) i;
        }
        CHECK(at_addons >= 0 && at_dt > at_addons && at_first_piece > at_dt, "order: line %d, tree %d, pieces %d",
              at_addons, at_dt, at_first_piece);
        const struct uk_measurement *m = NULL;
        for (unsigned i = 0; i < boot.plan.n_measure; i++)
                if (boot.plan.measure[i].kind == UK_MEASURE_CMDLINE && strcmp(boot.plan.measure[i].name, "addons") == 0)
                        m = &boot.plan.measure[i];
        CHECK(m && m->pcr == 12 && m->offset == 14 && m->length == 14, "one PCR 12 event for the addons' part");
        uk_boot_release(&io, &boot);
        CHECK_EQ_INT(tw.verified, 0, "no Secure Boot: nothing verified");
        CHECK_EQ_INT(tw.n_held, 0, "the addons' memory given back");

        /* No memory for an addon: skipped with a note, the boot goes on. */
        tw.hold_calls = 0;
        tw.hold_fail_at = 1;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "booted without the global addon");
        CHECK_EQ_STR(boot.plan.cmdline, "console=ttyS0 own=1");
        CHECK(boot.n_notes == 3 && strstr(boot.notes[0], "g.addon.efi skipped: empty, larger than 64 MiB, or no memory"),
              "note: %s", boot.notes[0]);
        uk_boot_release(&io, &boot);
        tw.hold_fail_at = 0;

        /* A twin may hand over uninitialised memory (the EFI twin's pool): a UKI booted without an entry,
         * which picks up no addons, must not see stale addon pieces in it. */
        memset(&boot, 0xa5, sizeof(boot));
        const struct uk_boot_request direct = { .image = "/EFI/Linux/u+3.efi", .image_where = UK_IMAGE_ESP };
        CHECK_EQ_INT(uk_boot_prepare(&io, &direct, &boot), UK_OK, "a UKI without an entry, over garbage");
        bool addon_piece = false;
        for (unsigned i = 0; i < boot.plan.n_initrd; i++)
                addon_piece = addon_piece || boot.plan.initrd[i].source == UK_PIECE_ADDON;
        CHECK(!addon_piece && boot.plan.n_dt_addons == 0 && boot.plan.devicetree.source == UK_DT_NONE,
              "no addon pieces from the garbage");
        uk_boot_release(&io, &boot);

        /* Secure Boot: every addon is checked before use; refused ones add nothing. */
        req.machine.secure_boot = true;
        tw.verdict = UK_E_SECURITY;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_SECURITY, "the UKI itself refused first");
        tw.verdict = UK_OK;
        tw.verified = 0;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "Secure Boot, all accepted");
        CHECK_EQ_STR(boot.plan.cmdline, "console=ttyS0 global=1 own=1");
        CHECK_EQ_INT(tw.verified, 1 + 5, "the UKI and each of the five addons checked");
        uk_boot_release(&io, &boot);
        CHECK(tw.open_images == 0 && fs.open_sources == 0, "all closed");
}

/* Integrity pins: `uki-sha256` in an entry, the request's pin for an image given directly. The whole image is
 * hashed before anything else (Secure Boot included) looks at it; a mismatch says both digests; a pin that
 * cannot be read refuses the entry before its image is even opened. */
static void test_pins(void) {
        static char conf_good[200], conf_upper[200], conf_bad[200], conf_two[300];
        static const char conf_garbled[] = "title G\nuki /ukis/a.efi\nuki-sha256 0123abc\n";
        static const char conf_nonhex[] = "title N\nuki /ukis/a.efi\nuki-sha256 "
                                          "zz00000000000000000000000000000000000000000000000000000000000000\n";
        uint8_t digest[32];
        char hex[65], upper[65], other[65], want[UK_NOTE_MAX];
        uk_sha256(uki_a, uki_a_len, digest);
        uk_sha256_hex(digest, hex);
        for (int i = 0; i < 65; i++)
                upper[i] = (char) toupper((unsigned char) hex[i]);
        memcpy(other, hex, 65);
        other[63] = other[63] == '0' ? '1' : '0';
        snprintf(conf_good, sizeof(conf_good), "title P\nuki /ukis/a.efi\nuki-sha256 %s\n", hex);
        snprintf(conf_upper, sizeof(conf_upper), "title U\nuki /ukis/a.efi\nuki-sha256 %s\n", upper);
        snprintf(conf_bad, sizeof(conf_bad), "title B\nuki /ukis/a.efi\nuki-sha256 %s\n", other);
        snprintf(conf_two, sizeof(conf_two), "title T\nuki /ukis/a.efi\nuki-sha256 %s\nuki-sha256 %s\n", hex, other);
        base_esp();
        add("/loader/entries/pin-good.conf", conf_good, strlen(conf_good));
        add("/loader/entries/pin-upper.conf", conf_upper, strlen(conf_upper));
        add("/loader/entries/pin-bad.conf", conf_bad, strlen(conf_bad));
        add("/loader/entries/pin-two.conf", conf_two, strlen(conf_two));
        add("/loader/entries/pin-garbled.conf", conf_garbled, sizeof(conf_garbled) - 1);
        add("/loader/entries/pin-nonhex.conf", conf_nonhex, sizeof(conf_nonhex) - 1);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        CHECK(entry("pin-good.conf") && entry("pin-good.conf")->pin.state == UK_PIN_SHA256 &&
              memcmp(entry("pin-good.conf")->pin.sha256, digest, 32) == 0, "pin read");
        CHECK(entry("pin-garbled.conf") && entry("pin-garbled.conf")->pin.state == UK_PIN_MALFORMED,
              "a short pin is kept as malformed, the entry listed");
        CHECK(entry("a.conf") && entry("a.conf")->pin.state == UK_PIN_NONE, "no pin");

        CHECK_EQ_INT(prepare(&fs, &tw, "pin-good.conf", NULL, false, false), UK_OK, "matching pin boots");
        CHECK(boot.have_plan, "planned");
        CHECK_EQ_INT(prepare(&fs, &tw, "pin-upper.conf", NULL, false, false), UK_OK, "upper-case hex is the same pin");

        /* A mismatch is refused before Secure Boot is asked, with both digests. */
        tw.verified = 0;
        CHECK_EQ_INT(prepare(&fs, &tw, "pin-bad.conf", NULL, true, false), UK_E_PIN_MISMATCH, "other pin refused");
        snprintf(want, sizeof(want), "pin-bad.conf: /ukis/a.efi does not match its pin: SHA-256 %s, pinned %s", hex, other);
        CHECK_EQ_STR(boot.refusal.text, want);
        CHECK_EQ_INT(boot.refusal.stage, UK_REFUSE_VERIFY, "a verification refusal");
        CHECK_EQ_INT(tw.verified, 0, "Secure Boot never saw the mismatched bytes");
        CHECK(!boot.have_plan && tw.open_images == 0, "no plan, image closed");

        static const char *const malformed[] = { "pin-two.conf", "pin-garbled.conf", "pin-nonhex.conf" };
        for (size_t i = 0; i < UK_ELEMENTSOF(malformed); i++) {
                int opens = tw.open_calls;
                CHECK_EQ_INT(prepare(&fs, &tw, malformed[i], NULL, false, false), UK_E_BAD_ENTRY, "%s", malformed[i]);
                snprintf(want, sizeof(want), "%s: uki-sha256 is not one SHA-256 (64 hex digits): the entry is not "
                         "booted unpinned", malformed[i]);
                CHECK_EQ_STR(boot.refusal.text, want);
                CHECK_EQ_INT(tw.open_calls, opens, "%s: the image was not opened", malformed[i]);
        }

        /* An image given directly carries the request's pin (the Linux twin's --sha256). */
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        struct uk_boot_request req = { .image = "/ukis/a.efi", .image_where = UK_IMAGE_ESP };
        CHECK_EQ_INT(uk_pin_parse(hex, 64, &req.pin), UK_OK, "--sha256 parsed");
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "direct image, matching pin");
        uk_boot_release(&io, &boot);
        CHECK_EQ_INT(uk_pin_parse(other, 64, &req.pin), UK_OK, "--sha256 parsed");
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_PIN_MISMATCH, "direct image, other pin");
        CHECK(uk_boot_pin(&req) == &req.pin, "the request's pin applies without an entry");
        CHECK_EQ_INT(uk_pin_parse(hex, 63, &req.pin), UK_E_SYNTAX, "63 digits");
        CHECK_EQ_INT(uk_pin_parse("g", 1, &req.pin), UK_E_SYNTAX, "not hex");
        CHECK_EQ_INT(tw.open_images, 0, "all closed");
}

/* A URL image: parsed, and of a scheme the twin can fetch, before any traffic (open_image is never asked
 * otherwise); the sentence names what the twin does fetch. */
static void test_url_schemes(void) {
        static const char conf_https[] = "title S\nuki-url https://10.0.2.100/u.efi\n";
        static const char conf_tftp[] = "title T\nuki-url tftp://10.0.2.2/u.efi\n";
        static const char conf_bad[] = "title B\nuki-url http://user@h/u.efi\n";
        base_esp();
        add("/loader/entries/https.conf", conf_https, sizeof(conf_https) - 1);
        add("/loader/entries/tftp.conf", conf_tftp, sizeof(conf_tftp) - 1);
        add("/loader/entries/badurl.conf", conf_bad, sizeof(conf_bad) - 1);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        static const struct {
                const char *id;
                unsigned schemes;
                bool ca;
                uk_err err;
                enum uk_refusal_stage stage;
                const char *text;
        } rows[] = {
                { "https.conf", UK_FETCH_HTTP, true, UK_E_UNSUPPORTED, UK_REFUSE_KIND,
                  "https.conf: https://10.0.2.100/u.efi: this ukiboot cannot fetch https URLs (it fetches http)" },
                { "tftp.conf", UK_FETCH_HTTP | UK_FETCH_HTTPS, true, UK_E_UNSUPPORTED, UK_REFUSE_KIND,
                  "tftp.conf: tftp://10.0.2.2/u.efi: this ukiboot cannot fetch tftp URLs (it fetches http, https)" },
                { "https.conf", 0, false, UK_E_UNSUPPORTED, UK_REFUSE_KIND,
                  "https.conf: https://10.0.2.100/u.efi: this ukiboot cannot fetch https URLs (it was built without a "
                  "downloader)" },
                { "https.conf", UK_FETCH_HTTP | UK_FETCH_HTTPS, false, UK_E_UNSUPPORTED, UK_REFUSE_KIND,
                  "https.conf: https://10.0.2.100/u.efi: no CA certificates to check the server with (put them in "
                  "/loader/keys/https-ca.pem on the ESP)" },
                { "badurl.conf", UK_FETCH_HTTP, true, UK_E_BAD_URL, UK_REFUSE_CONTENT,
                  "badurl.conf: http://user@h/u.efi: invalid or unsupported URL" },
                /* Allowed: the fake twin has no network, so the open is asked and fails. */
                { "tftp.conf", UK_FETCH_TFTP, false, UK_E_NOT_FOUND, UK_REFUSE_READ,
                  "tftp.conf: cannot read tftp://10.0.2.2/u.efi: not found" },
                { "https.conf", UK_FETCH_HTTPS, true, UK_E_NOT_FOUND, UK_REFUSE_READ,
                  "https.conf: cannot read https://10.0.2.100/u.efi: not found" },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(rows); i++) {
                const struct uk_boot_request req = { .entry = entry(rows[i].id), .fetch_schemes = rows[i].schemes,
                                                     .https_has_ca = rows[i].ca };
                int opens = tw.open_calls;
                CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), rows[i].err, "%s", rows[i].text);
                CHECK_EQ_INT(boot.refusal.stage, rows[i].stage, "%s: stage", rows[i].id);
                CHECK_EQ_STR(boot.refusal.text, rows[i].text);
                CHECK_EQ_INT(tw.open_calls - opens, rows[i].stage == UK_REFUSE_READ ? 1 : 0, "%s: opened only when fetchable",
                             rows[i].id);
        }
        CHECK_EQ_INT(tw.open_images, 0, "all closed");
}

/* `linux-url` entries and a kernel given directly: the initrds by URL are read whole into held memory, in
 * order after the ESP's, each checked against its pin; every URL and pin is judged before any traffic; the
 * Linux twin's --kernel/--initrd plan is the entry's plan. */
static void test_linux_url(void) {
        static const uint8_t rd_a[] = "initrd A bytes", rd_b[] = "initrd B, longer bytes", rd_esp[] = "esp initrd";
        static struct fake_file net_files[8], host_files[4];
        static char conf_ok[600], conf_badpin[600];
        static const char conf_partial[] = "title P\nlinux-url http://10.0.2.100/vmlinuz\ninitrd-url http://10.0.2.100/a.img\n"
                                           "initrd-url http://10.0.2.100/b.img\ninitrd-sha256 "
                                           "0000000000000000000000000000000000000000000000000000000000000000\n";
        static const char conf_https[] = "title S\nlinux-url http://10.0.2.100/vmlinuz\ninitrd-url https://10.0.2.100/a.img\n";
        static const char conf_plain[] = "title N\nlinux-url http://10.0.2.100/vmlinuz\ninitrd-url http://10.0.2.100/a.img\n";
        static const char conf_both[] = "title W\nlinux-url http://10.0.2.100/vmlinuz\nuki-url http://10.0.2.100/u.efi\n";
        static const char conf_stray[] = "title X\nlinux /k/vmlinuz\ninitrd /k/esp.img\ninitrd-sha256 "
                                         "0000000000000000000000000000000000000000000000000000000000000000\n";
        uint8_t d[32];
        char hex_a[65], hex_b[65], want[UK_NOTE_MAX];
        uk_sha256(rd_a, sizeof(rd_a) - 1, d);
        uk_sha256_hex(d, hex_a);
        uk_sha256(rd_b, sizeof(rd_b) - 1, d);
        uk_sha256_hex(d, hex_b);
        snprintf(conf_ok, sizeof(conf_ok), "title Net\nlinux-url http://10.0.2.100/vmlinuz\ninitrd /k/esp.img\n"
                 "initrd-url http://10.0.2.100/a.img\ninitrd-sha256 %s\ninitrd-url tftp://10.0.2.2/b.img\n"
                 "initrd-sha256 %s\noptions console=ttyS0\n", hex_a, hex_b);
        snprintf(conf_badpin, sizeof(conf_badpin), "title Bad\nlinux-url http://10.0.2.100/vmlinuz\n"
                 "initrd-url http://10.0.2.100/a.img\ninitrd-sha256 %s\n", hex_b);
        base_esp();
        add("/k/esp.img", rd_esp, sizeof(rd_esp) - 1);
        add("/loader/entries/net.conf", conf_ok, strlen(conf_ok));
        add("/loader/entries/badpin.conf", conf_badpin, strlen(conf_badpin));
        add("/loader/entries/partial.conf", conf_partial, sizeof(conf_partial) - 1);
        add("/loader/entries/https.conf", conf_https, sizeof(conf_https) - 1);
        add("/loader/entries/plain.conf", conf_plain, sizeof(conf_plain) - 1);
        add("/loader/entries/both.conf", conf_both, sizeof(conf_both) - 1);
        add("/loader/entries/stray.conf", conf_stray, sizeof(conf_stray) - 1);
        net_files[0] = (struct fake_file) { "http://10.0.2.100/vmlinuz", kernel, sizeof(kernel), false };
        net_files[1] = (struct fake_file) { "http://10.0.2.100/a.img", rd_a, sizeof(rd_a) - 1, false };
        net_files[2] = (struct fake_file) { "tftp://10.0.2.2/b.img", rd_b, sizeof(rd_b) - 1, false };
        host_files[0] = (struct fake_file) { "/boot/b.img", rd_b, sizeof(rd_b) - 1, false };
        struct fake_fs fs = { .files = files, .n = n_files };
        struct fake_fs net = { .files = net_files, .n = 3 }, host = { .files = host_files, .n = 1 };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs, .net = &net, .host = &host };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        const unsigned all = UK_FETCH_HTTP | UK_FETCH_HTTPS | UK_FETCH_TFTP;
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        const struct uk_entry *e = entry("net.conf");
        CHECK(e && e->kind == UK_ENTRY_KIND_LINUX_URL && e->n_initrd_url == 2 && e->n_initrd_pin == 2 && e->n_initrd == 1,
              "linux-url entry read");
        CHECK(entry("both.conf") && entry("both.conf")->kind == UK_ENTRY_KIND_UKI_URL &&
              strcmp(entry("both.conf")->url, "http://10.0.2.100/u.efi") == 0, "uki-url wins over linux-url");
        CHECK_EQ_STR(uk_entry_kind_name(UK_ENTRY_KIND_LINUX_URL), "linux-url");
        CHECK(uk_entry_fetches(e) && uk_entry_takes_random_seed(e) && uk_entry_reads_esp(e) &&
              !uk_entry_reads_esp(entry("plain.conf")), "kind facts (an ESP initrd line reads the ESP)");

        struct uk_boot_request req = { .entry = e, .fetch_schemes = all, .https_has_ca = true };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "linux-url planned: %s", boot.refusal.text);
        const struct uk_plan *pl = &boot.plan;
        CHECK(!boot.is_uki && pl->kernel.source == UK_PIECE_HELD && strcmp(pl->kernel.path, "http://10.0.2.100/vmlinuz") == 0 &&
              pl->kernel.length == sizeof(kernel), "the kernel named by its URL");
        CHECK(pl->n_initrd == 3 && pl->initrd[0].source == UK_PIECE_FILE && pl->initrd[1].source == UK_PIECE_HELD &&
              pl->initrd[2].source == UK_PIECE_HELD, "ESP initrd first, then the downloads in order");
        CHECK_EQ_STR(pl->initrd[1].path, "http://10.0.2.100/a.img");
        CHECK_EQ_STR(pl->initrd[2].label, "b.img");
        CHECK((pl->content_known & 0xc) == 0xc && memcmp(pl->content_sha256[3], d, 32) == 0, "held content known");
        CHECK_EQ_STR(pl->cmdline, "console=ttyS0");
        uint8_t out[128];
        size_t total = (size_t) pl->initrd_total;
        CHECK(total < sizeof(out) && uk_plan_initrd_read(pl, 0, out, total, read_file_piece, &fs) == UK_OK,
              "initrd served");
        size_t at = (size_t) (pl->initrd[0].length + pl->initrd[0].pad);
        CHECK(memcmp(out, rd_esp, sizeof(rd_esp) - 1) == 0 && memcmp(out + at, rd_a, sizeof(rd_a) - 1) == 0,
              "bytes as downloaded");
        CHECK_EQ_INT(tw.n_held, 2, "two files held");
        CHECK_EQ_INT(tw.open_images, 1, "the kernel stays open, the initrds were closed");
        char canon_entry[UK_PLAN_CANONICAL_MAX];
        size_t canon_len = 0;
        CHECK_EQ_INT(uk_plan_canonical(pl, canon_entry, sizeof(canon_entry), &canon_len), UK_OK, "canonical");
        char kline[256], khex[65];
        uint8_t kd[32];
        uk_sha256(kernel, sizeof(kernel), kd);
        uk_sha256_hex(kd, khex);
        snprintf(kline, sizeof(kline), "kernel held vmlinuz 2048 %s\ninitrd file /k/esp.img 10 2\ninitrd held a.img 14 2 ", khex);
        CHECK(strstr(canon_entry, kline) != NULL && (pl->content_known & 1) &&
              memcmp(pl->content_sha256[0], kd, 32) == 0, "canonical names the held files by name and content: %s", canon_entry);
        uk_boot_release(&io, &boot);
        CHECK(tw.n_held == 0 && tw.open_images == 0, "all given back");

        /* A wrong initrd pin: refused with both digests, nothing kept. */
        req.entry = entry("badpin.conf");
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_PIN_MISMATCH, "initrd pin mismatch");
        snprintf(want, sizeof(want), "badpin.conf: initrd http://10.0.2.100/a.img does not match its pin: SHA-256 %s, "
                 "pinned %s", hex_a, hex_b);
        CHECK_EQ_STR(boot.refusal.text, want);
        CHECK(tw.n_held == 0 && tw.open_images == 0 && !boot.have_plan, "mismatch: nothing held or open");

        /* Judged before any traffic: partial pins, an https initrd the twin cannot fetch. */
        int opens = tw.open_calls;
        req.entry = entry("partial.conf");
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_BAD_ENTRY, "partial pins");
        CHECK_EQ_STR(boot.refusal.text, "partial.conf: initrd-sha256 lines must pin every initrd-url, one each, in order: "
                     "the entry is not booted partly pinned");
        req = (struct uk_boot_request) { .entry = entry("https.conf"), .fetch_schemes = UK_FETCH_HTTP };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_UNSUPPORTED, "https initrd, http-only twin");
        CHECK_EQ_STR(boot.refusal.text, "https.conf: https://10.0.2.100/a.img: this ukiboot cannot fetch https URLs "
                     "(it fetches http)");
        CHECK_EQ_INT(tw.open_calls, opens, "nothing was fetched");

        /* An initrd pin on an entry that is not linux-url is never dropped: the entry is refused. */
        req = (struct uk_boot_request) { .entry = entry("stray.conf"), .fetch_schemes = all };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_BAD_ENTRY, "initrd-sha256 on a linux entry");
        CHECK_EQ_STR(boot.refusal.text, "stray.conf: initrd-url and initrd-sha256 lines belong to linux-url entries: "
                     "the entry is not booted without them");
        CHECK_EQ_INT(tw.open_calls, opens, "nothing opened");

        /* No memory to hold an initrd: a READ refusal (the entry may be fine), nothing left held. */
        req = (struct uk_boot_request) { .entry = entry("plain.conf"), .fetch_schemes = all };
        tw.hold_calls = 0;
        tw.hold_fail_at = 1;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_TOO_MANY, "hold fails");
        CHECK_EQ_STR(boot.refusal.text, "plain.conf: initrd http://10.0.2.100/a.img: no memory to hold it");
        CHECK(boot.refusal.stage == UK_REFUSE_READ && tw.n_held == 0 && tw.open_images == 0, "said, nothing held");
        tw.hold_fail_at = 0;
        net.gone = "http://10.0.2.100/a.img";
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_NOT_FOUND, "initrd missing");
        CHECK_EQ_STR(boot.refusal.text, "plain.conf: cannot read initrd http://10.0.2.100/a.img: not found");
        CHECK(tw.open_images == 0 && tw.n_held == 0, "the kernel was never opened");
        net.gone = NULL;

        /* The Linux twin's --kernel URL --initrd URL --initrd FILE: a linux-url entry's plan, files read as
         * files; with the entry's URLs and no options, the very same canonical plan. */
        static const char *const rds[] = { "http://10.0.2.100/a.img", "/boot/b.img" };
        req = (struct uk_boot_request) { .image = "http://10.0.2.100/vmlinuz", .image_where = UK_IMAGE_URL,
                                         .image_is_kernel = true, .initrds = rds, .n_initrds = 2,
                                         .append = "console=ttyS0", .fetch_schemes = all };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "direct kernel: %s", boot.refusal.text);
        CHECK(boot.plan.n_initrd == 2 && boot.plan.initrd[1].source == UK_PIECE_HELD &&
              strcmp(boot.plan.initrd[1].path, "/boot/b.img") == 0, "a file given directly is read as a file");
        CHECK_EQ_STR(boot.plan.cmdline, "console=ttyS0");
        uk_boot_release(&io, &boot);
        static const char *const one[] = { "http://10.0.2.100/a.img" };
        req.initrds = one, req.n_initrds = 1, req.append = NULL;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "direct kernel, one initrd");
        char canon_direct[UK_PLAN_CANONICAL_MAX];
        size_t direct_len = 0;
        CHECK_EQ_INT(uk_plan_canonical(&boot.plan, canon_direct, sizeof(canon_direct), &direct_len), UK_OK, "canonical");
        uk_boot_release(&io, &boot);
        req = (struct uk_boot_request) { .entry = entry("plain.conf"), .fetch_schemes = all };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "plain.conf");
        CHECK_EQ_INT(uk_plan_canonical(&boot.plan, canon_entry, sizeof(canon_entry), &canon_len), UK_OK, "canonical");
        CHECK(canon_len == direct_len && memcmp(canon_entry, canon_direct, canon_len) == 0,
              "--kernel/--initrd plans what the linux-url entry plans");
        uk_boot_release(&io, &boot);
        static const char *const nine[9] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
        req = (struct uk_boot_request) { .image = "http://10.0.2.100/vmlinuz", .image_where = UK_IMAGE_URL,
                                         .image_is_kernel = true, .initrds = nine, .n_initrds = 9, .fetch_schemes = all };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_TOO_MANY, "nine initrds");
        CHECK_EQ_STR(boot.refusal.text, "http://10.0.2.100/vmlinuz: more than 8 initrds");
        CHECK(tw.n_held == 0 && tw.open_images == 0, "all closed");
}

/* `multiboot` entries: the kernel judged by common/multiboot.c, its modules as the plan's pieces, the line
 * after its path; only a twin that can start one plans it for a boot, never under Secure Boot. */
static void test_multiboot(void) {
        static uint8_t mbk[8192];
        static const char conf_mb[] = "title U\nmultiboot /mb/k.elf\nmodule /mb/m1\nmodule /mb/m2\noptions -- a=1\n";
        static const char conf_bad[] = "title B\nmultiboot /mb/bad.elf\n";
        static const uint8_t m1[] = "module one", m2[] = "two";
        static const char conf_app[] = "title A\nlinux /app/app.efi\noptions -- x=1\n";
        static uint8_t app[4096];
        const struct peb_section text = { .name = ".text", .data = "\xc3", .len = 1 };
        size_t app_len = peb_build(app, sizeof(app), &text, 1);
        /* An ELF32 i386 kernel: one PT_LOAD of the file's second 4 KiB at 1 MiB, the header at its start. */
        memset(mbk, 0, sizeof(mbk));
        memcpy(mbk, "\177ELF\1\1\1", 7);
        mbk[16] = 2, mbk[18] = 3, mbk[20] = 1;
        mbk[24] = 0x0c, mbk[25] = 0x00, mbk[26] = 0x10;         /* e_entry 0x10000c */
        mbk[28] = 52, mbk[42] = 32, mbk[44] = 1;
        uint8_t *ph = mbk + 52;
        ph[0] = 1, ph[5] = 0x10, ph[10] = 0x10, ph[14] = 0x10;   /* PT_LOAD, offset 4096, vaddr = paddr 1 MiB */
        ph[17] = 0x10, ph[21] = 0x20;                           /* filesz 4096, memsz 8192 */
        const uint32_t magic = UK_MB_HEADER_MAGIC, flags = 3, sum = (uint32_t) -(magic + flags);
        memcpy(mbk + 4096, &magic, 4), memcpy(mbk + 4100, &flags, 4), memcpy(mbk + 4104, &sum, 4);
        base_esp();
        add("/loader/entries/mb.conf", conf_mb, sizeof(conf_mb) - 1);
        add("/loader/entries/bad.conf", conf_bad, sizeof(conf_bad) - 1);
        add("/mb/k.elf", mbk, sizeof(mbk));
        add("/mb/bad.elf", "\177ELF not multiboot", 18);
        add("/mb/m1", m1, sizeof(m1) - 1);
        add("/mb/m2", m2, sizeof(m2) - 1);
        add("/loader/entries/app.conf", conf_app, sizeof(conf_app) - 1);
        add("/app/app.efi", app, app_len);
        struct fake_fs fs = { .files = files, .n = n_files };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct fake_twin tw = { .fs = &fs };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        CHECK_EQ_INT(uk_bootmenu_load(&ops, NULL, NULL, NULL, &menu), UK_OK, "menu");
        const struct uk_entry *e = entry("mb.conf");
        CHECK(e && e->kind == UK_ENTRY_KIND_MULTIBOOT && e->n_initrd == 2 && uk_entry_reads_esp(e), "multiboot entry read");

        struct uk_boot_request req = { .entry = e, .can_multiboot = true };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "planned: %s", boot.refusal.text);
        const struct uk_plan *pl = &boot.plan;
        CHECK(pl->is_multiboot && pl->multiboot.entry == 0x10000c && pl->multiboot.n_segments == 1 &&
              pl->multiboot.segments[0].paddr == 0x100000 && pl->multiboot.segments[0].mem_size == 8192, "layout");
        CHECK(pl->n_initrd == 2 && strcmp(pl->initrd[0].path, "/mb/m1") == 0 && pl->initrd[1].length == 3, "modules");
        CHECK_EQ_STR(pl->cmdline, "/mb/k.elf -- a=1");
        CHECK(pl->n_measure == 4 && pl->measure[0].kind == UK_MEASURE_CMDLINE && pl->measure[0].pcr == 12 &&
              pl->measure[1].kind == UK_MEASURE_FILE && pl->measure[1].piece == UK_MEASURE_KERNEL &&
              pl->measure[1].pcr == 9 && pl->measure[1].length == sizeof(mbk) && pl->measure[3].piece == 1 &&
              strcmp(pl->measure[3].name, "m2") == 0, "the line into PCR 12, the kernel and each module into PCR 9");
        char canon[UK_PLAN_CANONICAL_MAX];
        size_t len = 0;
        CHECK_EQ_INT(uk_plan_canonical(pl, canon, sizeof(canon), &len), UK_OK, "canonical");
        CHECK(strstr(canon, "kernel file /mb/k.elf 8192\nmultiboot 3 1048588\nsegment 1048576 4096 4096 8192\n") != NULL,
              "canonical layout: %s", canon);
        uk_boot_release(&io, &boot);

        int opens = tw.open_calls;
        req.can_multiboot = false;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_UNSUPPORTED, "a twin that cannot start one");
        CHECK_EQ_STR(boot.refusal.text, "mb.conf: /mb/k.elf is a Multiboot kernel, which this ukiboot cannot start "
                     "(Multiboot kernels start on x86-64 only)");
        req.can_multiboot = true;
        req.machine.secure_boot = true;
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_SECURITY, "under Secure Boot");
        CHECK_EQ_STR(boot.refusal.text, "mb.conf: /mb/k.elf is a Multiboot kernel, which nothing verifies: not booted "
                     "under Secure Boot");
        CHECK_EQ_INT(tw.open_calls, opens, "refused before anything is opened");
        req = (struct uk_boot_request) { .entry = entry("bad.conf"), .can_multiboot = true };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_E_BAD_KERNEL, "not a Multiboot kernel");
        CHECK_EQ_STR(boot.refusal.text, "bad.conf: /mb/bad.elf is not a bootable Multiboot kernel: no Multiboot header "
                     "(magic and checksum) in its first 8 KiB");
        /* An EFI application that is no Linux kernel, from a `linux` entry: its name first, as the EFI shell
         * passes it (Unikraft's EFI builds read argv[0] there); a Linux kernel's line stays as it was. */
        req = (struct uk_boot_request) { .entry = entry("app.conf") };
        CHECK_EQ_INT(uk_boot_prepare(&io, &req, &boot), UK_OK, "EFI application planned: %s", boot.refusal.text);
        CHECK(boot.plan.kernel_info.format == UK_KERNEL_PE, "not a Linux kernel");
        CHECK_EQ_STR(boot.plan.cmdline, "/app/app.efi -- x=1");
        uk_boot_release(&io, &boot);
        CHECK_EQ_INT(tw.open_images, 0, "all closed");
}

int main(void) {
        unit_suite = "pipeline";
        peb_fake_kernel(kernel, sizeof(kernel));
        uki_a_len = build_uki(uki_a, sizeof(uki_a), osrel_7, "console=ttyS0");
        uki_b_len = build_uki(uki_b, sizeof(uki_b), osrel_8, "console=ttyS0");
        uki_c_len = build_uki(uki_c, sizeof(uki_c), osrel_9, "console=ttyS0");
        CHECK(uki_a_len && uki_b_len && uki_c_len, "UKIs built");
        test_menu();
        test_capacity();
        test_titles();
        test_prepare();
        test_extras_policy();
        test_cmdline_presence();
        test_initrd_virtual_size();
        test_record_limit();
        test_failure_policy();
        test_auto_entries();
        test_xbootldr();
        test_efifw_note();
        test_addons();
        test_pins();
        test_url_schemes();
        test_linux_url();
        test_multiboot();
        return unit_finish();
}
