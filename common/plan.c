/* ukiboot — uk_plan_build: turn (UKI or `linux` entry, entry, machine facts, policy) into the boot plan.
 *
 * The plan names spans of the UKI rather than copying them; only small sections (.cmdline, .osrel, .pcrsig,
 * .pcrpkey, the PE headers) are read here. Both twins run this same code on the same inputs, which is
 * what makes their boots comparable byte for byte. */
#include "plan.h"
#include "cmdline.h"
#include "cpio.h"
#include "osrel.h"
#include "sha256.h"
#include "util.h"
#include "smbios.h"
#include "devicetree.h"

#define HEADER_HASH_MAX 4096u          /* PE headers are hashed up to here: identity, not integrity */
#define OSREL_READ_MAX 4096u           /* os-release files are well under this; longer ones are cut */
#define EXTRA_DIR ".extra"
#define EXTRA_DIR_MODE 0555u           /* as systemd-stub's pack_cpio_literal */
#define EXTRA_FILE_MODE 0444u

/* A source that is a window [offset, offset+size) of another one: lets the kernel parser read .linux
 * through the UKI's own source without copying it. */
struct window {
        const struct uk_source *outer;
        uint64_t offset;
};

static uk_err window_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        const struct window *w = ctx;
        /* uk_source_read already checked offset+len against the window; the window lies inside outer. */
        return uk_source_read(w->outer, w->offset + offset, buf, len);
}

static uk_err window_open(const struct uk_source *outer, struct uk_span span, struct window *w,
                          struct uk_source *ret_src) {
        if (!uk_range_ok(span.offset, span.length, outer->size))
                return UK_E_SECTION_OUT_OF_BOUNDS;
        w->outer = outer;
        w->offset = span.offset;
        ret_src->read_at = window_read_at;
        ret_src->ctx = w;
        ret_src->size = span.length;
        return UK_OK;
}

/* Which kernels a plan may carry is the common rule uk_kernel_bootable: those both twins can start. */
static uk_err inspect_kernel(const struct uk_source *k, uint16_t uki_machine, struct uk_plan *p) {
        uk_err r = uk_kernel_inspect(k, &p->kernel_info);
        if (r)
                return r;
        if (!uk_kernel_bootable(&p->kernel_info, uki_machine))
                return UK_E_BAD_KERNEL;
        return UK_OK;
}

static const uint8_t zeros[4096];      /* padding and VirtualSize fills are handed out from here */

static void set_label(struct uk_plan_piece *piece, const char *label) {
        size_t n = uk_strnlen(label, sizeof(piece->label) - 1);
        uk_memcpy(piece->label, label, n);
        piece->label[n] = 0;
}

/* Last path component: labels are for display; the full path lives in piece->path. */
static const char *basename_of(const char *path) {
        const char *b = path;
        for (const char *s = path; *s; s++)
                if (*s == '/' || *s == '\\')
                        b = s + 1;
        return b;
}

static uk_err add_piece_filled(struct uk_plan *p, enum uk_piece_source source, const char *label,
                               uint64_t offset, uint64_t length, uint64_t zero_fill, const char *path) {
        if (p->n_initrd >= UK_PLAN_MAX_PIECES)
                return UK_E_TOO_MANY;
        if (length > UINT64_MAX - 4 - zero_fill)
                return UK_E_TOO_MANY;
        struct uk_plan_piece *piece = &p->initrd[p->n_initrd];
        piece->source = source;
        set_label(piece, label);
        piece->offset = offset;
        piece->length = length;
        piece->zero_fill = zero_fill;
        /* The next piece starts 4-aligned: the kernel's cpio reader expects each archive aligned. */
        piece->pad = (uint32_t) ((4 - ((length + zero_fill) & 3)) & 3);
        if (path && uk_strlcpy_checked(piece->path, sizeof(piece->path), path) != 0)
                return UK_E_BUFFER_TOO_SMALL;

        uint64_t step = length + zero_fill + piece->pad;
        if (p->initrd_total > UINT64_MAX - step)
                return UK_E_TOO_MANY;
        p->initrd_total += step;
        p->n_initrd++;
        return UK_OK;
}

static uk_err add_piece(struct uk_plan *p, enum uk_piece_source source, const char *label,
                        uint64_t offset, uint64_t length, const char *path) {
        return add_piece_filled(p, source, label, offset, length, 0, path);
}

/* A UKI section as an initrd piece, the way systemd-stub serves it: present when VirtualSize is (a section
 * with file bytes but VirtualSize 0 is not there once loaded), VirtualSize bytes long (zeros after the file
 * bytes when VirtualSize is the larger). */
static uk_err add_section_piece(struct uk_plan *p, const char *label, const struct uk_span *sec) {
        if (!uk_span_present(sec))
                return UK_OK;
        uint64_t fill = sec->memory_size > sec->length ? sec->memory_size - sec->length : 0;
        /* A few padding bytes are what linkers produce; megabytes of zeros announced by one header field
         * are only a way to make the twins serve (and hash) gigabytes: refused as malformed. */
        if (fill > UK_SECTION_FILL_MAX)
                return UK_E_SECTION_OUT_OF_BOUNDS;
        return add_piece_filled(p, UK_PIECE_UKI, label, sec->offset, sec->length, fill, NULL);
}

const char *uk_plan_path_name(const char *path) {
        return path ? basename_of(path) : "";
}

/* SHA-256 of bytes[len] followed by fill zeros: an addon's section as loaded. */
static void hash_filled(const uint8_t *bytes, uint64_t len, uint64_t fill, uint8_t ret[32]) {
        struct uk_sha256 h;
        uk_sha256_init(&h);
        uk_sha256_update(&h, bytes, (size_t) len);
        for (uint64_t z = fill; z > 0;) {
                size_t n = z < sizeof(zeros) ? (size_t) z : sizeof(zeros);
                uk_sha256_update(&h, zeros, n);
                z -= n;
        }
        uk_sha256_final(&h, ret);
}

/* The addons' pieces of one kind (ucode or not) in the order the stub concatenates them: .ucode in reverse
 * (the kernel takes the first microcode it finds, so the last addon wins), .initrd as applied. Their content
 * is known now: the bytes are in memory. */
static uk_err add_addon_pieces(const struct uk_plan_in *in, struct uk_plan *p, bool ucode) {
        enum uk_addon_part want = ucode ? UK_ADDON_UCODE : UK_ADDON_INITRD;
        for (unsigned k = 0; k < in->n_addon_pieces; k++) {
                const struct uk_addon_piece *a = &in->addon_pieces[ucode ? in->n_addon_pieces - 1 - k : k];
                if (a->part != want)
                        continue;
                if (!a->bytes || !a->path || a->zero_fill > UK_SECTION_FILL_MAX)
                        return UK_E_INVALID_ARG;
                unsigned i = p->n_initrd;
                uk_err r = add_piece_filled(p, UK_PIECE_ADDON, ucode ? ".ucode" : ".initrd", 0, a->length,
                                            a->zero_fill, a->path);
                if (r)
                        return r;
                p->initrd[i].bytes = a->bytes;
                hash_filled(a->bytes, a->length, a->zero_fill, p->content_sha256[1 + i]);
                p->content_known |= (uint64_t) 1 << (1 + i);
        }
        return UK_OK;
}

/* The addons' device trees, in the order applied: each is installed over the one before (the UKI's too), so
 * the last one is the plan's tree; every one is measured. */
static uk_err add_addon_devicetrees(const struct uk_plan_in *in, struct uk_plan *p) {
        for (unsigned k = 0; k < in->n_addon_pieces; k++) {
                const struct uk_addon_piece *a = &in->addon_pieces[k];
                if (a->part != UK_ADDON_DEVICETREE)
                        continue;
                if (!a->bytes || !a->path || a->zero_fill > UK_SECTION_FILL_MAX || a->length > UINT64_MAX - a->zero_fill)
                        return UK_E_INVALID_ARG;
                if (p->n_dt_addons >= UK_ELEMENTSOF(p->dt_addons))
                        return UK_E_TOO_MANY;
                struct uk_plan_dt_addon *d = &p->dt_addons[p->n_dt_addons];
                d->bytes = a->bytes, d->length = a->length, d->zero_fill = a->zero_fill;
                if (uk_strlcpy_checked(d->path, sizeof(d->path), a->path) != 0)
                        return UK_E_BUFFER_TOO_SMALL;
                hash_filled(a->bytes, a->length, a->zero_fill, d->sha256);
                p->devicetree = (struct uk_plan_devicetree) { .source = UK_DT_ADDON, .length = a->length,
                                                             .zero_fill = a->zero_fill, .bytes = a->bytes };
                uk_strlcpy_checked(p->devicetree.path, sizeof(p->devicetree.path), a->path);
                p->n_dt_addons++;
        }
        return UK_OK;
}

/* Wrap a UKI section in a cpio archive holding /.extra/<name>, generated into p->gen, as systemd-stub
 * does for .pcrsig and .pcrpkey so the booted system finds them under /.extra/. */
static uk_err add_extra_file(struct uk_plan *p, const struct uk_source *src, struct uk_span span,
                             const char *name, const char *label) {
        char path[64] = EXTRA_DIR "/";
        size_t dl = sizeof(EXTRA_DIR);  /* including the '/' */
        if (uk_strlcpy_checked(path + dl, sizeof(path) - dl, name) != 0)
                return UK_E_INVALID_ARG;

        size_t dir_size = uk_cpio_entry_size(EXTRA_DIR, 0);
        size_t file_header = uk_cpio_entry_size(path, 0);
        size_t room = sizeof(p->gen) - p->gen_len;
        if (span.length > room || dir_size + file_header > room - span.length)
                return UK_E_BUFFER_TOO_SMALL;

        /* Read the section straight to where the cpio writer puts the file's data (gen_len is 4-aligned and
         * every record is a multiple of 4), so no second buffer is needed; the writer's copy is then a no-op
         * over the same bytes. */
        uint8_t *data = p->gen + p->gen_len + dir_size + file_header;
        uk_err r = uk_source_read(src, span.offset, data, (size_t) span.length);
        if (r)
                return r;

        struct uk_cpio c;
        uk_cpio_init(&c, p->gen + p->gen_len, room, 1);
        r = uk_cpio_add_dir(&c, EXTRA_DIR, EXTRA_DIR_MODE);
        if (!r)
                r = uk_cpio_add_file(&c, path, EXTRA_FILE_MODE, data, (size_t) span.length);
        if (!r)
                r = uk_cpio_finish(&c);
        if (r)
                return r;

        r = add_piece(p, UK_PIECE_GENERATED, label, p->gen_len, c.len, NULL);
        if (r)
                return r;
        p->gen_len += c.len;
        return UK_OK;
}

/* Close the record just written into p->gen as one generated piece. */
static uk_err add_gen_piece(struct uk_plan *p, const char *label, size_t len) {
        uk_err r = add_piece(p, UK_PIECE_GENERATED, label, p->gen_len, len, NULL);
        if (r)
                return r;
        p->gen_len += len;
        return UK_OK;
}

/* One cpio archive per kind of extra file, laid out as systemd-stub 252's pack_cpio writes it: the parent
 * directories (".extra" 0555, then the kind's own directory), one record per file in name order with inodes
 * counted up from 1, then the trailer; directories with one link. Headers and the trailer are generated; file
 * bytes are CPIO_FILE pieces read from the ESP when the initrd is served, so a large sysext is never copied
 * into the plan. */
static uk_err add_extras_archive(struct uk_plan *p, const struct uk_extras *x, enum uk_extra_kind kind) {
        const struct uk_extra_layout *l = uk_extra_layout(kind);
        char label[sizeof(p->initrd[0].label)], path[UK_EXTRA_NAME_MAX + 32];
        struct uk_cpio c;
        uint32_t ino = 1;
        bool any = false;
        uk_err r;

        for (unsigned i = 0; i < x->n && i < UK_EXTRAS_MAX; i++)
                any = any || x->files[i].kind == kind;
        if (!l || !any)
                return UK_OK;

        size_t dl = uk_strlen(l->dir);
        if (dl + 2 > sizeof(label) || dl + 1 >= sizeof(path))
                return UK_E_INVALID_ARG;
        label[0] = '/';
        uk_memcpy(label + 1, l->dir, dl);
        label[dl + 1] = '/';
        label[dl + 2] = 0;

        uk_cpio_init(&c, p->gen + p->gen_len, sizeof(p->gen) - p->gen_len, ino);
        r = uk_cpio_add_dir_nlink(&c, EXTRA_DIR, EXTRA_DIR_MODE, 1);
        if (!r)
                r = uk_cpio_add_dir_nlink(&c, l->dir, l->dir_mode, 1);
        if (!r)
                r = add_gen_piece(p, label, c.len);
        if (r)
                return r;
        ino = c.next_ino;

        uk_memcpy(path, l->dir, dl);
        path[dl] = '/';
        for (unsigned i = 0; i < x->n && i < UK_EXTRAS_MAX; i++) {
                const struct uk_extra_file *f = &x->files[i];
                if (f->kind != kind)
                        continue;
                if (uk_strlcpy_checked(path + dl + 1, sizeof(path) - dl - 1, f->name) != 0)
                        return UK_E_INVALID_ARG;
                uk_cpio_init(&c, p->gen + p->gen_len, sizeof(p->gen) - p->gen_len, ino);
                r = uk_cpio_add_file_header(&c, path, l->file_mode, f->size);
                if (r)
                        return r;
                if (f->size > UINT64_MAX - c.len)
                        return UK_E_TOO_MANY;
                r = add_piece(p, UK_PIECE_CPIO_FILE, f->name, p->gen_len, c.len + f->size, f->path);
                if (r)
                        return r;
                p->initrd[p->n_initrd - 1].header_len = (uint32_t) c.len;
                p->gen_len += c.len;
                ino = c.next_ino;
        }

        uk_cpio_init(&c, p->gen + p->gen_len, sizeof(p->gen) - p->gen_len, ino);
        r = uk_cpio_finish(&c);
        if (r)
                return r;
        if (uk_strlcpy_checked(label + dl + 2, sizeof(label) - dl - 2, "TRAILER!!!") != 0)
                return UK_E_INVALID_ARG;
        return add_gen_piece(p, label, c.len);
}

/* Read a small text section into buf[cap] (NUL-terminated), cut at cap - 1 bytes. */
static uk_err read_text(const struct uk_source *src, struct uk_span span, char *buf, size_t cap, size_t *ret_len) {
        size_t n = span.length < cap - 1 ? (size_t) span.length : cap - 1;
        uk_err r = uk_source_read(src, span.offset, buf, n);
        if (r)
                return r;
        buf[n] = 0;
        *ret_len = n;
        return UK_OK;
}

static bool only_blank(const char *s, size_t len) {
        for (size_t i = 0; i < len && s[i]; i++)
                if ((uint8_t) s[i] > 0x20 && (uint8_t) s[i] != 0x7f)
                        return false;
        return true;
}

/* The .cmdline text as the merge must see it. A section longer than our buffer is accepted only if the
 * tail past the buffer is blank (or cut by a NUL): otherwise the line could never fit. */
static uk_err read_cmdline_section(const struct uk_source *src, struct uk_span span, char *buf, size_t cap,
                                   size_t *ret_len) {
        size_t n;
        uk_err r = read_text(src, span, buf, cap, &n);
        if (r)
                return r;
        if (span.length <= n || uk_strnlen(buf, n) < n)
                goto done;
        for (uint64_t off = n; off < span.length;) {
                char chunk[256];
                size_t k = span.length - off < sizeof(chunk) ? (size_t) (span.length - off) : sizeof(chunk);
                r = uk_source_read(src, span.offset + off, chunk, k);
                if (r)
                        return r;
                if (!only_blank(chunk, k))
                        return UK_E_CMDLINE_TOO_LONG;
                if (uk_strnlen(chunk, k) < k)
                        break;
                off += k;
        }
done:
        *ret_len = n;
        return UK_OK;
}

static uk_err merge_cmdline(const struct uk_plan_in *in, const char *uki_cmdline, size_t uki_len,
                            bool uki_has_cmdline, struct uk_plan *p) {
        const struct uk_entry *e = in->entry;

        if (in->policy.deny_append && in->append && !only_blank(in->append, uk_strlen(in->append)))
                return UK_E_CMDLINE_FORBIDDEN;

        struct uk_cmdline_in ci = {
                .uki_cmdline = uki_cmdline,
                .uki_cmdline_len = uki_len,
                .uki_has_cmdline = uki_has_cmdline,
                .entry_options = e && e->has_options ? e->options : NULL,
                .has_entry_options = e && e->has_options,
                .append = in->append,
                .secure_boot = in->machine.secure_boot,
                /* Only the bzImage header states a limit; elsewhere 0 = unknown lets the policy decide. */
                .max_len = p->kernel_info.format == UK_KERNEL_BZIMAGE ? p->kernel_info.cmdline_size : 0,
        };
        unsigned notes = 0;
        uk_err r = uk_cmdline_merge(&ci, p->cmdline, sizeof(p->cmdline), &p->cmdline_len, &notes);
        if (r)
                return r;
        p->cmdline_notes = notes & UK_CMDLINE_NOTES_DROPPED;
        p->cmdline_from = p->cmdline_len > 0 ? notes & UK_CMDLINE_NOTES_FROM : 0;
        return UK_OK;
}

/* Append v[vl] to the line after one space, control characters as spaces (the plan's line never holds
 * any), within the kernel's limit; *ret_at: where it starts. */
static uk_err append_part(struct uk_plan *p, const char *v, size_t vl, size_t *ret_at) {
        size_t at = p->cmdline_len + (p->cmdline_len > 0);
        size_t max = p->kernel_info.format == UK_KERNEL_BZIMAGE && p->kernel_info.cmdline_size ?
                     p->kernel_info.cmdline_size : UK_CMDLINE_DEFAULT_MAX;
        if (vl > max || at > max - vl || at + vl >= sizeof(p->cmdline))
                return UK_E_CMDLINE_TOO_LONG;
        if (p->cmdline_len > 0)
                p->cmdline[p->cmdline_len] = ' ';
        uk_cmdline_copy(p->cmdline + at, v, vl);
        p->cmdline_len = at + vl;
        p->cmdline[p->cmdline_len] = 0;
        *ret_at = at;
        return UK_OK;
}

/* The addons' command line (already combined as the stub combines it: common/addon.c), after the line. */
static uk_err append_addons(const struct uk_plan_in *in, struct uk_plan *p) {
        size_t at;
        p->cmdline_addons_len = 0;
        if (!in->addon_cmdline || !in->addon_cmdline[0])
                return UK_OK;
        size_t len = uk_strlen(in->addon_cmdline);
        /* Too long for the kernel: left out, noted, the rest boots (a long addon line must not stop every boot). */
        if (append_part(p, in->addon_cmdline, len, &at) != UK_OK) {
                p->cmdline_notes |= UK_CMDLINE_NOTE_ADDONS_TOO_LONG;
                return UK_OK;
        }
        p->cmdline_addons_at = at;
        p->cmdline_addons_len = len;
        return UK_OK;
}

/* The firmware's SMBIOS OEM string that extends the line: systemd-stub's for a UKI (its ends trimmed, as
 * the stub mangles it), systemd-boot's for a `linux` entry. Appended last. Also under Secure Boot, as systemd
 * does: it is measured into PCR 12 on its own (UKI) or with the options (`linux`). */
static uk_err append_smbios_extra(const struct uk_plan_in *in, bool uki, struct uk_plan *p) {
        const char *v;
        size_t vl, at;

        p->cmdline_smbios_len = 0;
        /* In a confidential VM the host writes the tables and is not trusted: systemd ignores them there. */
        if (in->machine.confidential_vm || !in->machine.smbios || uk_smbios_oem_string(in->machine.smbios, in->machine.smbios_len,
                                                        uki ? UK_SMBIOS_STUB_CMDLINE_EXTRA : UK_SMBIOS_BOOT_CMDLINE_EXTRA,
                                                        &v, &vl) != UK_OK)
                return UK_OK;
        if (uki)        /* systemd-stub mangles its extra; systemd-boot passes its own unchanged */
                uk_cmdline_trim(v, vl, &v, &vl);
        if (vl == 0)
                return UK_OK;
        /* The firmware's text applies to every entry: too long, it is left out and noted, not every boot refused. */
        if (append_part(p, v, vl, &at) != UK_OK)
                p->cmdline_notes |= UK_CMDLINE_NOTE_SMBIOS_TOO_LONG;
        else
                p->cmdline_smbios_len = vl;
        return UK_OK;
}

static void set_title(struct uk_plan *p, const struct uk_entry *e, const char *osrel, size_t osrel_len) {
        /* The entry's title is what the menu showed (Type #1 `title`, a profile's TITLE=), so it wins. */
        if (e && e->show_title[0] && uk_strlcpy_checked(p->title, sizeof(p->title), e->show_title) == 0)
                return;
        if (e && e->title[0] && uk_strlcpy_checked(p->title, sizeof(p->title), e->title) == 0)
                return;
        if (osrel && uk_osrel_title(osrel, osrel_len, p->title, sizeof(p->title)) == UK_OK)
                return;
        p->title[0] = 0;
}

static uk_err hash_headers(const struct uk_source *src, const struct uk_uki *uki, struct uk_plan *p) {
        uint8_t buf[HEADER_HASH_MAX];
        uint64_t n = uki->pe.size_of_headers;
        if (n > HEADER_HASH_MAX)
                n = HEADER_HASH_MAX;
        if (n > src->size)
                n = src->size;
        uk_err r = uk_source_read(src, 0, buf, (size_t) n);
        if (r)
                return r;
        uk_sha256(buf, (size_t) n, p->uki_header_sha256);
        return UK_OK;
}

static uk_err add_measurement(struct uk_plan *p, enum uk_measure_kind kind, uint32_t pcr, const char *name,
                               uint64_t offset, uint64_t length, uint64_t zero_fill) {
        if (p->n_measure >= UK_PLAN_MEASURE_MAX)
                return UK_E_TOO_MANY;
        struct uk_measurement *m = &p->measure[p->n_measure];
        *m = (struct uk_measurement) { .kind = kind, .pcr = pcr, .event_type = UK_TCG_EV_IPL,
                                       .offset = offset, .length = length, .zero_fill = zero_fill };
        if (name && uk_strlcpy_checked(m->name, sizeof(m->name), name) != 0)
                return UK_E_INVALID_ARG;
        p->n_measure++;
        return UK_OK;
}

/* Put the kernel's path before the line, as argv[0]: what a unikernel (Multiboot, or an EFI application
 * that is no Linux kernel) expects as its first word, the way GRUB, QEMU and the EFI shell hand it over. */
static uk_err prefix_argv0(struct uk_plan *p, const char *path) {
        size_t kl = uk_strlen(path), gap = p->cmdline_len > 0;
        if (kl + gap + p->cmdline_len >= sizeof(p->cmdline))
                return UK_E_CMDLINE_TOO_LONG;
        uk_memmove(p->cmdline + kl + gap, p->cmdline, p->cmdline_len + 1);
        uk_memcpy(p->cmdline, path, kl);
        if (gap)
                p->cmdline[kl] = ' ';
        p->cmdline_len += kl + gap;
        return UK_OK;
}

/* systemd-boot measures the load options it passes (PCR 12); systemd-stub then measures every section of
 * the profile into PCR 11 (name, then bytes) and, when it took the load options as its command line,
 * measures them into PCR 12 again. ukiboot is both, so a line from outside the UKI lands there twice. */
static uk_err measure_uki(const struct uk_plan_in *in, struct uk_plan *p, const struct uk_span archives[_UK_EXTRA_KIND_MAX]) {
        struct uk_pcr11_item items[_UK_SEC_MAX];
        unsigned n = 0;
        bool outside = p->cmdline_from != 0;
        /* The line as systemd-boot hands it over, and the SMBIOS extra the stub appends (its own event). */
        size_t base = p->cmdline_base_len;
        enum uk_stub_gen gen;
        uk_err r;

        if ((r = uk_uki_stub_gen(in->src, in->uki, &gen)))
                return r;
        p->stub_gen_252 = gen == UK_STUB_GEN_252;
        if (outside && (r = add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, NULL, 0, base, 0)))
                return r;
        /* The stub (v257+) measures a profile other than 0 first, before its sections. */
        if (!p->stub_gen_252 && p->profile > 0) {
                char digits[12];
                digits[uk_fmt_u64(digits, sizeof(digits) - 1, p->profile)] = 0;
                if ((r = add_measurement(p, UK_MEASURE_PROFILE, UK_PCR_KERNEL_PARAMETERS, digits, 0, 0, 0)))
                        return r;
                p->measure[p->n_measure - 1].event_type = UK_TCG_EV_EVENT_TAG;
        }
        if ((r = uk_uki_pcr11_items(in->uki, p->profile, gen, items, &n)))
                return r;
        /* The stub measures the .dtbauto it chose (and none when none matched), not the first one. */
        const struct uk_plan_devicetree *dt = &p->devicetree;
        bool chose_auto = dt->source == UK_DT_UKI && uk_strcmp(dt->label, ".dtbauto") == 0;
        unsigned kept = 0;
        for (unsigned i = 0; i < n; i++) {
                if (items[i].sec == UK_SEC_DTBAUTO) {
                        if (!chose_auto)
                                continue;
                        items[i].offset = dt->offset, items[i].length = dt->length, items[i].zero_fill = dt->zero_fill;
                }
                items[kept++] = items[i];
        }
        n = kept;
        for (unsigned i = 0; i < n; i++) {
                const char *name = uk_sec_table[items[i].sec].name;
                if ((r = add_measurement(p, UK_MEASURE_NAME, UK_PCR_KERNEL_IMAGE, name, 0, 0, 0)) ||
                    (r = add_measurement(p, UK_MEASURE_SECTION, UK_PCR_KERNEL_IMAGE, name, items[i].offset,
                                         items[i].length, items[i].zero_fill)))
                        return r;
        }
        if (outside && (r = add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, NULL, 0, base, 0)))
                return r;
        /* Then the addons' line as one event, then the SMBIOS extra: the stub's order. */
        if (p->cmdline_addons_len && (r = add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, "addons",
                                                          p->cmdline_addons_at, p->cmdline_addons_len, 0)))
                return r;
        if (p->cmdline_smbios_len && (r = add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, "smbios",
                                                          p->cmdline_len - p->cmdline_smbios_len,
                                                          p->cmdline_smbios_len, 0)))
                return r;
        /* Then each addon's device tree as it is installed, a tagged event described by the addon's name. */
        for (unsigned i = 0; i < p->n_dt_addons; i++) {
                if ((r = add_measurement(p, UK_MEASURE_DT_ADDON, UK_PCR_KERNEL_PARAMETERS, ".dtb", 0,
                                         p->dt_addons[i].length, p->dt_addons[i].zero_fill)))
                        return r;
                struct uk_measurement *m = &p->measure[p->n_measure - 1];
                m->event_type = UK_TCG_EV_EVENT_TAG;
                m->tag = UK_DEVICETREE_ADDON_EVENT_TAG;
                m->piece = i;
        }
        /* Then each generated archive, whole, as systemd-stub's pack_cpio measures it once built:
         * credentials and configuration extensions into PCR 12, system extensions into PCR 13. */
        for (enum uk_extra_kind k = 0; k < _UK_EXTRA_KIND_MAX; k++) {
                const struct uk_extra_layout *l = uk_extra_layout(k);
                if (archives[k].length == 0 || !l)
                        continue;
                if ((r = add_measurement(p, UK_MEASURE_INITRD, l->pcr, l->description, archives[k].offset,
                                         archives[k].length, 0)))
                        return r;
        }
        /* Then the addons' microcode (in the order it was placed: reversed), then their initrds, each a
         * tagged event described by the addon's file name. */
        for (int pass = 0; pass < 2; pass++)
                for (unsigned i = 0; i < p->n_initrd; i++) {
                        const struct uk_plan_piece *piece = &p->initrd[i];
                        bool ucode = uk_strcmp(piece->label, ".ucode") == 0;
                        if (piece->source != UK_PIECE_ADDON || ucode != (pass == 0))
                                continue;
                        if ((r = add_measurement(p, UK_MEASURE_ADDON, UK_PCR_KERNEL_PARAMETERS, piece->label, 0,
                                                 piece->length, piece->zero_fill)))
                                return r;
                        struct uk_measurement *m = &p->measure[p->n_measure - 1];
                        m->event_type = UK_TCG_EV_EVENT_TAG;
                        m->tag = ucode ? UK_UCODE_ADDON_EVENT_TAG : UK_INITRD_ADDON_EVENT_TAG;
                        m->piece = i;
                }
        return UK_OK;
}

static uk_err build_uki(const struct uk_plan_in *in, struct uk_plan *p) {
        const struct uk_source *src = in->src;
        struct uk_span secs[_UK_SEC_MAX];
        struct window w;
        struct uk_source ksrc;
        char text[UK_CMDLINE_MAX];
        size_t text_len = 0;
        struct uk_span archives[_UK_EXTRA_KIND_MAX] = {};
        uk_err r;

        if (in->has_profile)
                p->profile = in->profile;
        else if (in->entry && in->entry->has_profile)
                p->profile = in->entry->profile;
        p->n_profiles = uk_uki_profile_count(in->uki);
        r = uk_uki_resolve(in->uki, p->profile, secs);
        if (r)
                return r;

        p->uki_size = src->size;
        r = hash_headers(src, in->uki, p);
        if (r)
                return r;

        p->kernel.source = UK_PIECE_UKI;
        set_label(&p->kernel, ".linux");
        p->kernel.offset = secs[UK_SEC_LINUX].offset;
        p->kernel.length = secs[UK_SEC_LINUX].length;
        r = window_open(src, secs[UK_SEC_LINUX], &w, &ksrc);
        if (r)
                return r;
        /* A UKI for another CPU would only fail later, inside the firmware or the kernel, with a worse message. */
        if (in->machine.pe_machine != 0 && in->uki->pe.machine != in->machine.pe_machine)
                return UK_E_WRONG_ARCH;
        /* A Multiboot kernel as .linux (a unikernel inside a UKI, signed with it): laid out from the section,
         * its file offsets counted from the UKI's start; the initrd pieces become its modules. */
        if (uk_multiboot_detect(&ksrc)) {
                if ((r = uk_multiboot_parse(&ksrc, &p->multiboot, NULL)))
                        return r;
                for (unsigned i = 0; i < p->multiboot.n_segments; i++)
                        p->multiboot.segments[i].file_offset += secs[UK_SEC_LINUX].offset;
                p->is_multiboot = true;
        } else if ((r = inspect_kernel(&ksrc, in->uki->pe.machine, p)))
                return r;

        /* systemd-stub order: microcode first (the kernel only looks in the first archive), the addons'
         * before the UKI's, then the initrd, then credentials, global credentials, system extensions, and the
         * generated /.extra pieces of .pcrsig and .pcrpkey; the addons' initrds last, so they can override. */
        if ((r = add_addon_pieces(in, p, true)) ||
            (r = add_section_piece(p, ".ucode", &secs[UK_SEC_UCODE])) ||
            (r = add_section_piece(p, ".initrd", &secs[UK_SEC_INITRD])))
                return r;
        for (enum uk_extra_kind k = 0; in->extras && k < _UK_EXTRA_KIND_MAX; k++) {
                uint64_t start = p->initrd_total;
                r = add_extras_archive(p, in->extras, k);
                if (r)
                        return r;
                archives[k] = (struct uk_span) { .offset = start, .length = p->initrd_total - start };
        }
        if (secs[UK_SEC_PCRSIG].length > 0) {
                r = add_extra_file(p, src, secs[UK_SEC_PCRSIG], "tpm2-pcr-signature.json",
                                   "/.extra/tpm2-pcr-signature.json");
                if (r)
                        return r;
        }
        if (secs[UK_SEC_PCRPKEY].length > 0) {
                r = add_extra_file(p, src, secs[UK_SEC_PCRPKEY], "tpm2-pcr-public-key.pem",
                                   "/.extra/tpm2-pcr-public-key.pem");
                if (r)
                        return r;
        }
        /* Since v257 the stub also hands over the os-release and the chosen profile's description (unmeasured:
         * both are in PCR 11 already); the 252 stub did not. */
        enum uk_stub_gen gen;
        if ((r = uk_uki_stub_gen(src, in->uki, &gen)))
                return r;
        if (gen != UK_STUB_GEN_252 && secs[UK_SEC_OSREL].length > 0 &&
            (r = add_extra_file(p, src, secs[UK_SEC_OSREL], "os-release", "/.extra/os-release")))
                return r;
        if (gen != UK_STUB_GEN_252 && secs[UK_SEC_PROFILE].length > 0 &&
            (r = add_extra_file(p, src, secs[UK_SEC_PROFILE], "profile", "/.extra/profile")))
                return r;
        if ((r = add_addon_pieces(in, p, false)) ||
            (r = uk_devicetree_choose(in, p->profile, secs, &p->devicetree)) ||
            (r = add_addon_devicetrees(in, p)))
                return r;

        /* Presence by VirtualSize, as systemd-stub decides (and as PCR 11 measures it); file bytes may be fewer. */
        bool has_cmdline = uk_span_present(&secs[UK_SEC_CMDLINE]);
        if (has_cmdline) {
                r = read_cmdline_section(src, secs[UK_SEC_CMDLINE], text, sizeof(text), &text_len);
                if (r)
                        return r;
        }
        r = merge_cmdline(in, text, text_len, has_cmdline, p);
        /* A unikernel's first word is its name: the UKI's. */
        if (!r && p->is_multiboot)
                r = prefix_argv0(p, in->entry ? uk_entry_target(in->entry) : ".linux");
        p->cmdline_base_len = p->cmdline_len;
        if (!r)
                r = append_addons(in, p);
        if (!r)
                r = append_smbios_extra(in, true, p);
        if (r)
                return r;

        /* Reuse the scratch for .osrel; the merged command line already lives in the plan. */
        text_len = 0;
        if (secs[UK_SEC_OSREL].length > 0) {
                r = read_text(src, secs[UK_SEC_OSREL], text, OSREL_READ_MAX < sizeof(text) ? OSREL_READ_MAX : sizeof(text), &text_len);
                if (r)
                        return r;
        }
        set_title(p, in->entry, text_len > 0 ? text : NULL, text_len);
        if (uk_span_present(&secs[UK_SEC_SPLASH]))
                p->splash = secs[UK_SEC_SPLASH];
        return measure_uki(in, p, archives);
}

/* The kernel as a file the entry names (its path, its label, the opened image's size), then the entry's
 * `initrd`/`module` files as FILE pieces in order: a `linux`, `linux-url` or `multiboot` entry's start. */
static uk_err add_entry_files(const struct uk_plan_in *in, const char *kernel, struct uk_plan *p) {
        const struct uk_entry *e = in->entry;
        set_label(&p->kernel, basename_of(kernel));
        p->kernel.length = in->src->size;
        if (uk_strlcpy_checked(p->kernel.path, sizeof(p->kernel.path), kernel) != 0)
                return UK_E_BAD_ENTRY;
        for (unsigned i = 0; i < e->n_initrd; i++) {
                if (uk_strnlen(e->initrd[i], sizeof(e->initrd[i])) == sizeof(e->initrd[i]) || e->initrd[i][0] == 0)
                        return UK_E_BAD_ENTRY;
                uk_err r = add_piece(p, UK_PIECE_FILE, basename_of(e->initrd[i]), 0, in->initrd_file_sizes[i], e->initrd[i]);
                if (r)
                        return r;
        }
        return UK_OK;
}

/* A `linux-url` entry's downloaded initrds, after its ESP ones: whole files in memory, so their content is
 * known now. */
static uk_err add_held_pieces(const struct uk_plan_in *in, struct uk_plan *p) {
        if (in->n_held_initrds > UK_ENTRY_MAX_INITRDS || (in->n_held_initrds > 0 && !in->held_initrds))
                return UK_E_INVALID_ARG;
        for (unsigned k = 0; k < in->n_held_initrds; k++) {
                const struct uk_held_file *f = &in->held_initrds[k];
                unsigned i = p->n_initrd;
                if (!f->bytes || !f->name || !f->name[0])
                        return UK_E_INVALID_ARG;
                uk_err r = add_piece(p, UK_PIECE_HELD, basename_of(f->name), 0, f->length, f->name);
                if (r)
                        return r == UK_E_BUFFER_TOO_SMALL ? UK_E_BAD_ENTRY : r;
                p->initrd[i].bytes = f->bytes;
                hash_filled(f->bytes, f->length, 0, p->content_sha256[1 + i]);
                p->content_known |= (uint64_t) 1 << (1 + i);
        }
        return UK_OK;
}

static uk_err build_linux_entry(const struct uk_plan_in *in, struct uk_plan *p) {
        const struct uk_entry *e = in->entry;
        /* A `linux-url` kernel is named by its URL (or, given to the Linux twin directly, its file). */
        const char *kernel = e->kind == UK_ENTRY_KIND_LINUX_URL ? e->url : e->linux_path;
        uk_err r;

        if (kernel[0] == 0 || e->n_initrd > UK_ENTRY_MAX_INITRDS)
                return UK_E_BAD_ENTRY;
        if (e->kind != UK_ENTRY_KIND_LINUX_URL && in->n_held_initrds > 0)
                return UK_E_INVALID_ARG;

        /* Read whole by the twin (downloaded, or a file given directly): named in the plan by its file name
         * and known by its bytes, not by where it came from, so that the same kernel fetched from another
         * address is the same plan. */
        p->kernel.source = e->kind == UK_ENTRY_KIND_LINUX_URL ? UK_PIECE_HELD : UK_PIECE_FILE;
        if (p->kernel.source == UK_PIECE_HELD) {
                if (!in->has_kernel_sha256)
                        return UK_E_INVALID_ARG;
                uk_memcpy(p->content_sha256[0], in->kernel_sha256, 32);
                p->content_known |= 1;
        }
        if ((r = inspect_kernel(in->src, 0, p)) || (r = add_entry_files(in, kernel, p)) ||
            (r = add_held_pieces(in, p)))
                return r;

        r = merge_cmdline(in, NULL, 0, false, p);
        /* An EFI application that is no Linux kernel (a unikernel's EFI build) reads LoadOptions as the EFI
         * shell passes them, its own name first; a Linux EFI stub takes the line as it is. */
        if (!r && p->kernel_info.format == UK_KERNEL_PE)
                r = prefix_argv0(p, p->kernel.source == UK_PIECE_HELD ? p->kernel.label : kernel);
        if (!r)
                r = append_smbios_extra(in, false, p);
        if (!r)
                r = uk_devicetree_choose(in, 0, NULL, &p->devicetree);
        if (r)
                return r;
        set_title(p, e, NULL, 0);
        /* systemd-boot measures the load options it hands a kernel with an EFI stub, its SMBIOS extra with them. */
        if (p->cmdline_len > 0)
                return add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, NULL, 0, p->cmdline_len, 0);
        return UK_OK;
}

/* A `multiboot` entry: the kernel where its layout says, the modules one by one, the line after the kernel's
 * path (argv[0], as GRUB and QEMU hand it over). */
static uk_err build_multiboot(const struct uk_plan_in *in, struct uk_plan *p) {
        const struct uk_entry *e = in->entry;
        uk_err r;

        if (!in->multiboot || e->linux_path[0] == 0 || e->n_initrd > UK_ENTRY_MAX_INITRDS)
                return UK_E_BAD_ENTRY;
        p->is_multiboot = true;
        p->multiboot = *in->multiboot;
        p->kernel.source = UK_PIECE_FILE;
        if ((r = add_entry_files(in, e->linux_path, p)) || (r = merge_cmdline(in, NULL, 0, false, p)) || (r = prefix_argv0(p, e->linux_path)))
                return r;
        set_title(p, e, NULL, 0);
        /* Nothing of a Multiboot kernel passes through the firmware's LoadImage, which would measure it: the
         * kernel and every module go into PCR 9 as GRUB measures the files it loads, the line into PCR 12 as
         * systemd-boot measures load options. */
        r = add_measurement(p, UK_MEASURE_CMDLINE, UK_PCR_KERNEL_PARAMETERS, NULL, 0, p->cmdline_len, 0);
        for (unsigned i = 0; !r && i <= p->n_initrd; i++) {      /* the kernel, then its modules in order */
                const struct uk_plan_piece *piece = i == 0 ? &p->kernel : &p->initrd[i - 1];
                if (!(r = add_measurement(p, UK_MEASURE_FILE, UK_PCR_BOOT_FILES, piece->label, 0, piece->length, 0)))
                        p->measure[p->n_measure - 1].piece = i == 0 ? UK_MEASURE_KERNEL : i - 1;
        }
        return r;
}

/* The digest, and the rule that every plan can be written down: a plan whose canonical record would not
 * fit the EFI variable and the Linux twin's record is refused, the same way on both twins, rather than
 * booted without a record. */
static uk_err check_record(struct uk_plan *p) {
        size_t len = 0;
        uk_err r = uk_plan_digest(p, p->digest, &len);
        if (r)
                return r;
        return len < UK_PLAN_CANONICAL_MAX ? UK_OK : UK_E_PLAN_TOO_LARGE;
}

uk_err uk_plan_build(const struct uk_plan_in *in, struct uk_plan *ret_plan) {
        uk_err r;

        if (!in || !in->src || !in->src->read_at || !ret_plan)
                return UK_E_INVALID_ARG;
        if (!in->uki && (!in->entry || (in->entry->kind != UK_ENTRY_KIND_LINUX &&
                                        in->entry->kind != UK_ENTRY_KIND_LINUX_URL &&
                                        in->entry->kind != UK_ENTRY_KIND_MULTIBOOT)))
                return UK_E_INVALID_ARG;

        /* The plan (~45 KiB) is built in place rather than on the stack, which is small under EFI; on
         * failure it is zeroed again so no half-built plan can be mistaken for a real one. Only the part
         * before gen[] is cleared: gen is meaningful up to gen_len alone, and clearing 32 KiB per build
         * is what dominated the cost. */
        uk_memset(ret_plan, 0, offsetof(struct uk_plan, gen));
        ret_plan->xbootldr = in->entry && in->entry->xbootldr;
        r = in->uki ? build_uki(in, ret_plan)
            : in->entry->kind == UK_ENTRY_KIND_MULTIBOOT ? build_multiboot(in, ret_plan) : build_linux_entry(in, ret_plan);
        if (!r)
                r = check_record(ret_plan);
        /* Generated pieces live in the plan: their content is known without reading anything. */
        for (unsigned i = 0; !r && i < ret_plan->n_initrd; i++) {
                const struct uk_plan_piece *piece = &ret_plan->initrd[i];
                if (piece->source == UK_PIECE_GENERATED && uk_range_ok(piece->offset, piece->length, ret_plan->gen_len)) {
                        uk_sha256(ret_plan->gen + piece->offset, (size_t) piece->length, ret_plan->content_sha256[1 + i]);
                        ret_plan->content_known |= (uint64_t) 1 << (1 + i);
                }
        }
        if (r)
                uk_memset(ret_plan, 0, offsetof(struct uk_plan, gen));
        return r;
}

/* Hand fn the stretch [from, from+n) of piece bytes that come from the plan itself. */
static uk_err emit_bytes(const struct uk_plan_piece *piece, const uint8_t *bytes, uint64_t n,
                         uk_initrd_segment_fn fn, void *ctx) {
        const struct uk_initrd_segment seg = { .piece = piece, .bytes = bytes, .length = n };
        return n ? fn(ctx, &seg) : UK_OK;
}

uk_err uk_plan_initrd_walk(const struct uk_plan *p, uint64_t offset, uint64_t len, uk_initrd_segment_fn fn,
                           void *ctx) {
        uint64_t pos = 0;       /* start of the current piece in the concatenation */
        uk_err r;

        if (!p || !fn || p->gen_len > sizeof(p->gen))
                return UK_E_INVALID_ARG;
        if (!uk_range_ok(offset, len, p->initrd_total))
                return UK_E_TRUNCATED;

        for (unsigned i = 0; i < p->n_initrd && i < UK_PLAN_MAX_PIECES && len > 0; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                if (piece->pad > sizeof(zeros) || piece->length > UINT64_MAX - piece->pad - piece->zero_fill)
                        return UK_E_INVALID_ARG;
                uint64_t span = piece->length + piece->zero_fill + piece->pad;

                if (offset >= pos + span) {
                        pos += span;
                        continue;
                }
                uint64_t in_piece = offset - pos, n;

                /* A CPIO_FILE piece starts with its generated header ... */
                if (piece->source == UK_PIECE_CPIO_FILE && in_piece < piece->header_len) {
                        if (piece->header_len > piece->length ||
                            !uk_range_ok(piece->offset, piece->header_len, p->gen_len))
                                return UK_E_INVALID_ARG;
                        n = piece->header_len - in_piece < len ? piece->header_len - in_piece : len;
                        if ((r = emit_bytes(piece, p->gen + piece->offset + in_piece, n, fn, ctx)))
                                return r;
                        offset += n, len -= n, in_piece += n;
                }
                /* ... then the piece's own bytes: from the plan, or a range of the UKI or a file ... */
                if (len > 0 && in_piece < piece->length) {
                        n = piece->length - in_piece < len ? piece->length - in_piece : len;
                        if (piece->source == UK_PIECE_GENERATED) {
                                if (!uk_range_ok(piece->offset, piece->length, p->gen_len))
                                        return UK_E_INVALID_ARG;
                                r = emit_bytes(piece, p->gen + piece->offset + in_piece, n, fn, ctx);
                        } else if (piece->source == UK_PIECE_ADDON || piece->source == UK_PIECE_HELD) {
                                r = piece->bytes ? emit_bytes(piece, piece->bytes + in_piece, n, fn, ctx)
                                                 : UK_E_INVALID_ARG;
                        } else if (piece->source == UK_PIECE_UKI || piece->source == UK_PIECE_FILE ||
                                   piece->source == UK_PIECE_CPIO_FILE) {
                                const struct uk_initrd_segment seg = {
                                        .piece = piece,
                                        .piece_offset = piece->source == UK_PIECE_CPIO_FILE ? in_piece - piece->header_len
                                                                                           : in_piece,
                                        .length = n,
                                };
                                r = fn(ctx, &seg);
                        } else
                                r = UK_E_INVALID_ARG;
                        if (r)
                                return r;
                        offset += n, len -= n, in_piece += n;
                }
                /* ... then zeros: the section's fill up to VirtualSize, and the padding that aligns the next
                 * piece (a fill can be large: handed out one zeros[] at a time). */
                while (len > 0 && in_piece < span) {
                        n = span - in_piece < len ? span - in_piece : len;
                        if (n > sizeof(zeros))
                                n = sizeof(zeros);
                        if ((r = emit_bytes(piece, zeros, n, fn, ctx)))
                                return r;
                        offset += n, len -= n, in_piece += n;
                }
                pos += span;
        }
        /* initrd_total is the sum of the spans, so the range check above means nothing is left over. */
        return len == 0 ? UK_OK : UK_E_INVALID_ARG;
}

struct read_into {
        uint8_t *out;
        uk_piece_read_fn read_piece;
        void *ctx;
};

static uk_err read_segment(void *ctx, const struct uk_initrd_segment *seg) {
        struct read_into *ri = ctx;
        uk_err r = UK_OK;
        if (seg->bytes)
                uk_memcpy(ri->out, seg->bytes, (size_t) seg->length);
        else if (!ri->read_piece)
                r = UK_E_INVALID_ARG;
        else
                r = ri->read_piece(ri->ctx, seg->piece, seg->piece_offset, ri->out, (size_t) seg->length);
        ri->out += seg->length;
        return r;
}

uint64_t uk_plan_initrd_offset(const struct uk_plan *p, unsigned i) {
        uint64_t at = 0;
        for (unsigned k = 0; p && k < i && k < p->n_initrd; k++)
                at += p->initrd[k].length + p->initrd[k].zero_fill + p->initrd[k].pad;
        return at;
}

uk_err uk_plan_initrd_read(const struct uk_plan *p, uint64_t offset, void *buf, size_t len,
                           uk_piece_read_fn read_piece, void *ctx) {
        struct read_into ri = { .out = buf, .read_piece = read_piece, .ctx = ctx };
        if (!p || (!buf && len > 0))
                return UK_E_INVALID_ARG;
        return uk_plan_initrd_walk(p, offset, len, read_segment, &ri);
}

struct hash_into {
        struct uk_sha256 h;
        uk_piece_read_fn read_piece;
        void *ctx;
        uint8_t *scratch;
        size_t scratch_len;
};

/* Feed [offset, offset+len) of piece into the hash, a scratch buffer at a time. */
static uk_err hash_range(struct hash_into *hi, const struct uk_plan_piece *piece, uint64_t offset, uint64_t len) {
        while (len > 0) {
                size_t n = len < hi->scratch_len ? (size_t) len : hi->scratch_len;
                uk_err r = hi->read_piece(hi->ctx, piece, offset, hi->scratch, n);
                if (r)
                        return r;
                uk_sha256_update(&hi->h, hi->scratch, n);
                offset += n, len -= n;
        }
        return UK_OK;
}

static uk_err hash_segment(void *ctx, const struct uk_initrd_segment *seg) {
        struct hash_into *hi = ctx;
        if (seg->bytes) {
                uk_sha256_update(&hi->h, seg->bytes, (size_t) seg->length);
                return UK_OK;
        }
        return hash_range(hi, seg->piece, seg->piece_offset, seg->length);
}

uk_err uk_plan_hash_content(struct uk_plan *p, uk_piece_read_fn read_piece, void *ctx, uint8_t *scratch,
                            size_t scratch_len) {
        struct hash_into hi = { .read_piece = read_piece, .ctx = ctx, .scratch = scratch, .scratch_len = scratch_len };
        uint64_t pos = 0;
        uk_err r;

        if (!p || !read_piece || !scratch || scratch_len == 0 || p->n_initrd > UK_PLAN_MAX_PIECES)
                return UK_E_INVALID_ARG;
        if (!(p->content_known & 1)) {
                uk_sha256_init(&hi.h);
                if ((r = hash_range(&hi, &p->kernel, 0, p->kernel.length)))
                        return r;
                uk_sha256_final(&hi.h, p->content_sha256[0]);
                p->content_known |= 1;
        }
        /* Each initrd piece as the serializer hands it out (a CPIO_FILE piece: header and file), no padding. */
        for (unsigned i = 0; i < p->n_initrd; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                if (!(p->content_known & ((uint64_t) 1 << (1 + i)))) {
                        uk_sha256_init(&hi.h);
                        if ((r = uk_plan_initrd_walk(p, pos, piece->length + piece->zero_fill, hash_segment, &hi)))
                                return r;
                        uk_sha256_final(&hi.h, p->content_sha256[1 + i]);
                        p->content_known |= (uint64_t) 1 << (1 + i);
                }
                pos += piece->length + piece->zero_fill + piece->pad;
        }
        return UK_OK;
}
