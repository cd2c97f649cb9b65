/* ukiboot — fuzz the whole entry-to-plan pipeline: an ESP in memory made from the input, then the menu
 * (loader.conf, discovery, titles, default), every entry through uk_boot_prepare on both twins' terms, and
 * for every plan the canonical form, the content record, the initrd serializer and the content hash.
 *
 * Input: records of [slot byte][length: 2 bytes LE][bytes]. The slot picks one of a fixed set of ESP paths
 * (loader.conf, three entry files, two UKIs, extras, a kernel and an initrd, two addons) or the SMBIOS table. A UKI or kernel slot whose
 * record starts with 0xff keeps the built-in valid image and patches one byte of it (offset: the next two
 * bytes, value: the one after), so the fuzzer reaches deep into valid UKIs quickly. The first byte of the
 * input also chooses Secure Boot, editor text, and whether the files of c.conf, x.efi, the kernel and the
 * initrd lie on an XBOOTLDR partition instead (every file an entry names must then come from there). Beyond "does not crash", the pipeline's promises are
 * checked: refusals say something, nothing stays open, plans stay inside their files and serialize to
 * exactly initrd_total bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_twin.h"
#include "pe_builder.h"
#include "editor.h"
#include "pipeline.h"
#include "util.h"

#define SLOTS 14
#define SMBIOS_SLOT 11          /* not a file: the machine's SMBIOS structure table */
#define FILE_MAX 65536

static const char *const paths[SLOTS] = {
        "/loader/loader.conf", "/loader/entries/a.conf", "/loader/entries/b.conf", "/loader/entries/c.conf",
        "/EFI/Linux/x.efi", "/ukis/u.efi", "/ukis/u.efi.extra.d/c.cred", "/loader/credentials/g.cred",
        "/ukis/u.efi.extra.d/s.raw", "/k/vmlinuz", "/k/initrd.img", "(smbios)",
        "/loader/addons/g.addon.efi", "/ukis/u.efi.extra.d/a.addon.efi",
};
static const bool is_image[SLOTS] = { [4] = true, [5] = true, [9] = true, [12] = true, [13] = true };
static const bool is_addon[SLOTS] = { [12] = true, [13] = true };
static const bool xbootldr_slot[SLOTS] = { [3] = true, [4] = true, [9] = true, [10] = true };

static uint8_t kernel[2048];
static uint8_t base_uki[16384], base_addon[4096];
static size_t base_uki_len, base_addon_len;
static uint8_t store[SLOTS][FILE_MAX];
static struct fake_file files[SLOTS], xb_files[SLOTS];
static struct uk_bootmenu menu;
static struct uk_boot boot;
static uint8_t initrd_buf[SLOTS * FILE_MAX + 4 * 65536];
static char text[UK_PLAN_CANONICAL_MAX];

static void init_base(void) {
        static const char osrel[] = "PRETTY_NAME=\"Fuzz OS\"\nID=fuzz\nVERSION_ID=1\n";
        static const char cmdline[] = "console=ttyS0";
        peb_fake_kernel(kernel, sizeof(kernel));
        const struct peb_section s[] = {
                { .name = ".osrel", .data = osrel, .len = sizeof(osrel) - 1 },
                { .name = ".cmdline", .data = cmdline, .len = sizeof(cmdline) - 1 },
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".initrd", .data = "INITRD", .len = 6 },
        };
        base_uki_len = peb_build(base_uki, sizeof(base_uki), s, 4);
        const struct peb_section a[] = {
                { .name = ".cmdline", .data = " addon=1\n", .len = 9 },
                { .name = ".uname", .data = "6.1", .len = 3 },
                { .name = ".ucode", .data = "UC", .len = 2, .virtual_size = 6 },
                { .name = ".initrd", .data = "ADDON", .len = 5 },
                { .name = ".dtb", .data = "DTB", .len = 3 },
        };
        base_addon_len = peb_build(base_addon, sizeof(base_addon), a, 5);
}

static const struct fake_file *find(const struct fake_fs *fs, const char *path) {
        for (size_t i = 0; i < fs->n; i++)
                if (strcmp(fs->files[i].path, path) == 0)
                        return &fs->files[i];
        return NULL;
}

/* Piece bytes: the opened image for UKI pieces and the kernel, files by path from the plan's partition. */
struct reader {
        struct fake_fs *fs;             /* the partition the plan's files are on */
        const struct uk_plan *plan;
        const struct uk_source *src;
};

static uk_err read_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        struct reader *rd = ctx;
        if (piece == &rd->plan->kernel || piece->source == UK_PIECE_UKI) {
                if (offset > UINT64_MAX - piece->offset)
                        return UK_E_INVALID_ARG;
                return uk_source_read(rd->src, piece->offset + offset, buf, len);
        }
        const struct fake_file *f = find(rd->fs, piece->path);
        if (!f)
                return UK_E_NOT_FOUND;
        if (offset > f->len || len > f->len - offset)
                return UK_E_TRUNCATED;
        memcpy(buf, (const uint8_t *) f->data + offset, len);
        return UK_OK;
}

static void check_plan(struct fake_fs *esp, struct fake_fs *xb, struct uk_plan *p, const struct uk_source *src) {
        struct fake_fs *fs = p->xbootldr ? xb : esp;
        size_t len;
        if (!uk_range_ok(p->kernel.offset, p->kernel.length, src->size))
                abort();
        if (uk_plan_canonical(p, text, sizeof(text), &len) != UK_OK || len >= UK_PLAN_CANONICAL_MAX)
                abort();        /* the pipeline refuses plans whose record would not fit */
        if (uk_plan_content_format(p, text, sizeof(text), &len) != UK_OK)
                abort();
        struct reader rd = { .fs = fs, .plan = p, .src = src };
        if (p->initrd_total <= sizeof(initrd_buf)) {
                uk_err r = uk_plan_initrd_read(p, 0, initrd_buf, (size_t) p->initrd_total, read_piece, &rd);
                if (r != UK_OK && r != UK_E_NOT_FOUND && r != UK_E_TRUNCATED)
                        abort();
        }
        uint8_t scratch[97];
        (void) uk_plan_hash_content(p, read_piece, &rd, scratch, sizeof(scratch));
        for (unsigned i = 0; i < p->n_measure; i++) {
                const struct uk_measurement *m = &p->measure[i];
                if (m->kind == UK_MEASURE_INITRD && !uk_range_ok(m->offset, m->length, p->initrd_total))
                        abort();
                /* An addon's event names a piece of held bytes, as long as the piece. */
                if (m->kind == UK_MEASURE_DT_ADDON &&
                    (m->piece >= p->n_dt_addons || !p->dt_addons[m->piece].bytes || m->length != p->dt_addons[m->piece].length))
                        abort();
                if (m->kind == UK_MEASURE_ADDON &&
                    (m->piece >= p->n_initrd || p->initrd[m->piece].source != UK_PIECE_ADDON ||
                     !p->initrd[m->piece].bytes || m->length != p->initrd[m->piece].length))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!base_uki_len)
                init_base();
        if (size == 0)
                return 0;
        uint8_t flags = data[0];
        bool on_xb = flags & 0x08;
        size_t pos = 1, n = 0, n_xb = 0, smbios_len = 0;

        bool used[SLOTS] = {};
        while (pos + 3 <= size && n < SLOTS) {
                unsigned slot = data[pos] % SLOTS;
                size_t len = (size_t) data[pos + 1] | (size_t) data[pos + 2] << 8;
                pos += 3;
                if (len > size - pos)
                        len = size - pos;
                if (used[slot]) {
                        pos += len;
                        continue;
                }
                used[slot] = true;
                const uint8_t *d = data + pos;
                size_t flen = len;
                if (is_image[slot] && len >= 4 && d[0] == 0xff) {
                        const uint8_t *img = slot == 9 ? kernel : is_addon[slot] ? base_addon : base_uki;
                        size_t ilen = slot == 9 ? sizeof(kernel) : is_addon[slot] ? base_addon_len : base_uki_len;
                        memcpy(store[slot], img, ilen);
                        store[slot][((size_t) d[1] | (size_t) d[2] << 8) % ilen] = d[3];
                        flen = ilen;
                } else
                        memcpy(store[slot], d, flen > FILE_MAX ? FILE_MAX : flen);
                if (flen > FILE_MAX)
                        flen = FILE_MAX;
                const struct fake_file f = { .path = paths[slot], .data = store[slot], .len = flen };
                if (slot == SMBIOS_SLOT)
                        smbios_len = flen;
                else if (on_xb && xbootldr_slot[slot])
                        xb_files[n_xb++] = f;
                else
                        files[n++] = f;
                pos += len;
        }

        struct fake_fs fs = { .files = files, .n = n }, xb = { .files = xb_files, .n = n_xb };
        struct uk_fs_ops ops = fake_fs_ops(&fs), xb_ops = fake_fs_ops(&xb);
        if (on_xb)
                ops.xbootldr = &xb_ops;
        /* Machine facts from the flags: firmware setup offered, and whether the fallback loader is us. */
        const struct uk_menu_facts facts = { .firmware_setup = flags & 0x40,
                                             .own_path = (flags & 0x80) ? "/EFI/BOOT/BOOTX64.EFI" : "/EFI/x/y.efi" };
        uk_err r = uk_bootmenu_load_facts(&ops, &facts, (flags & 0x20) ? "b.conf" : NULL, NULL, NULL, &menu);
        if (fs.open_sources != 0 || xb.open_sources != 0)
                abort();
        if (r)
                return 0;
        if (menu.found.n > UK_ENTRIES_MAX + UK_AUTO_ENTRIES_MAX || menu.def >= (int) menu.found.n ||
            menu.n_notes > UK_BOOTMENU_NOTES)
                abort();
        for (unsigned i = 0; i < menu.n_notes; i++)
                if (!memchr(menu.notes[i], 0, UK_NOTE_MAX) || !menu.notes[i][0])
                        abort();

        /* The network: a kernel and an initrd for `linux-url`/`initrd-url` entries that name them. */
        static const struct fake_file net_files[] = {
                { .path = "http://h/k", .data = kernel, .len = sizeof(kernel) },
                { .path = "http://h/i", .data = "NETRD", .len = 5 },
        };
        struct fake_fs net = { .files = net_files, .n = 2 };
        struct fake_twin tw = { .fs = &fs, .xbootldr = &xb, .net = &net,
                                .verdict = (flags & 0x10) ? UK_E_SECURITY : UK_OK };
        const struct uk_boot_io io = fake_twin_io(&tw, &ops);
        for (size_t i = 0; i < menu.found.n; i++) {
                const struct uk_entry *e = &menu.entries[i];
                if (!memchr(e->show_title, 0, sizeof(e->show_title)))
                        abort();
                /* The editor's line: NUL-terminated, no control characters; words added to it are an append. */
                static char line[UK_OPTIONS_MAX + 8];
                if (uk_editor_start(&ops, e, line, UK_OPTIONS_MAX) == UK_OK) {
                        size_t ll = strnlen(line, UK_OPTIONS_MAX);
                        if (ll == UK_OPTIONS_MAX)
                                abort();
                        for (size_t k = 0; k < ll; k++)
                                if ((uint8_t) line[k] < 0x20 || (uint8_t) line[k] == 0x7f)
                                        abort();
                        const char *added = NULL;
                        if (uk_editor_result(line, line, NULL) != UK_EDIT_UNCHANGED)
                                abort();
                        memcpy(line + ll, " x=1", 5);
                        static char start[UK_OPTIONS_MAX];
                        memcpy(start, line, ll);
                        start[ll] = 0;
                        if (uk_editor_result(start, line, &added) != UK_EDIT_APPEND || strcmp(added, "x=1") != 0)
                                abort();
                }
                if (fs.open_sources != 0 || xb.open_sources != 0 || (e->xbootldr && !on_xb))
                        abort();
                const struct uk_boot_request req = {
                        .entry = e,
                        .conf = menu.have_conf ? &menu.conf : NULL,
                        .append = (flags & 2) ? "fuzz=1" : NULL,
                        .machine = { .secure_boot = flags & 1, .smbios = smbios_len ? store[SMBIOS_SLOT] : NULL,
                                     .smbios_len = smbios_len },
                        .can_chain_load = (flags & 4) != 0,
                        .fetch_schemes = (flags & 8) ? UK_FETCH_HTTP : UK_FETCH_HTTP | UK_FETCH_HTTPS | UK_FETCH_TFTP,
                        .https_has_ca = (flags & 16) != 0,
                };
                r = uk_boot_prepare(&io, &req, &boot);
                if (r) {
                        if (!boot.refusal.text[0] || !memchr(boot.refusal.text, 0, sizeof(boot.refusal.text)) ||
                            boot.refusal.stage == UK_REFUSE_NONE || tw.open_images != 0 || tw.n_held != 0)
                                abort();
                        continue;
                }
                if (boot.have_plan) {
                        /* The plan reads its files from the entry's own partition, and says which. */
                        if (boot.plan.xbootldr != e->xbootldr ||
                            (e->xbootldr && boot.where != UK_IMAGE_XBOOTLDR && boot.where != UK_IMAGE_URL))
                                abort();
                        check_plan(&fs, &xb, &boot.plan, &boot.src);
                }
                uk_boot_release(&io, &boot);
                if (tw.open_images != 0 || fs.open_sources != 0 || xb.open_sources != 0 || tw.n_held != 0)
                        abort();
        }
        return 0;
}
