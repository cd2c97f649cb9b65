/* ukiboot — the plan written down: canonical form (digest, EFI variable), text for people, JSON for tools.
 *
 * All three write through one small sink, which either fills the caller's buffer or feeds SHA-256, so the
 * digest is computed over exactly the bytes uk_plan_canonical produces without holding them. */
#include "plan.h"
#include "cmdline.h"
#include "sha256.h"
#include "util.h"

struct sink {
        char *buf;                 /* NULL: hash only */
        size_t cap;
        size_t len;
        bool overflow;
        struct uk_sha256 *hash;
};

static void put(struct sink *s, const char *p, size_t n) {
        if (s->hash)
                uk_sha256_update(s->hash, p, n);
        if (!s->buf) {
                s->len += n;
                return;
        }
        /* Keep one byte for the final NUL. */
        if (s->overflow || s->cap == 0 || n > s->cap - 1 - s->len) {
                s->overflow = true;
                return;
        }
        uk_memcpy(s->buf + s->len, p, n);
        s->len += n;
}

static void put_str(struct sink *s, const char *str) {
        put(s, str, uk_strlen(str));
}

static void put_char(struct sink *s, char c) {
        put(s, &c, 1);
}

static void put_u64(struct sink *s, uint64_t v) {
        char tmp[21];
        put(s, tmp, uk_fmt_u64(tmp, sizeof(tmp), v));
}

static void put_hex(struct sink *s, uint64_t v) {
        static const char hex[] = "0123456789abcdef";
        char tmp[18];
        size_t n = sizeof(tmp);
        do {
                tmp[--n] = hex[v & 0xf];
                v >>= 4;
        } while (v);
        tmp[--n] = 'x';
        tmp[--n] = '0';
        put(s, tmp + n, sizeof(tmp) - n);
}

static void put_digest(struct sink *s, const uint8_t d[32]) {
        char hex[65];
        uk_sha256_hex(d, hex);
        put(s, hex, 64);
}

static uk_err finish(struct sink *s, size_t *ret_len) {
        if (s->overflow || !s->buf || s->cap == 0)
                return UK_E_BUFFER_TOO_SMALL;
        s->buf[s->len] = 0;
        if (ret_len)
                *ret_len = s->len;
        return UK_OK;
}

/* Canonical token: a path may hold anything, but a canonical line must stay one line of fields. */
static void put_token(struct sink *s, const char *str) {
        static const char hex[] = "0123456789ABCDEF";
        if (!*str) {
                put_char(s, '-');
                return;
        }
        for (const uint8_t *p = (const uint8_t *) str; *p; p++) {
                if (*p <= 0x20 || *p == 0x7f || *p == '%' || *p >= 0x80) {
                        char esc[3] = { '%', hex[*p >> 4], hex[*p & 0xf] };
                        put(s, esc, 3);
                } else
                        put_char(s, (char) *p);
        }
}

static void gen_sha256(const struct uk_plan *p, const struct uk_plan_piece *piece, uint8_t ret[32]) {
        if (uk_range_ok(piece->offset, piece->length, p->gen_len))
                uk_sha256(p->gen + piece->offset, (size_t) piece->length, ret);
        else
                uk_memset(ret, 0, 32);
}

/* A CPIO_FILE piece's generated header: names the cpio path, mode and size the file is packed with. */
static void header_sha256(const struct uk_plan *p, const struct uk_plan_piece *piece, uint8_t ret[32]) {
        if (piece->header_len <= piece->length && uk_range_ok(piece->offset, piece->header_len, p->gen_len))
                uk_sha256(p->gen + piece->offset, piece->header_len, ret);
        else
                uk_memset(ret, 0, 32);
}

/* Where a plan's device tree comes from, as the canonical form and JSON name it. */
static const char *dt_source_name(enum uk_dt_source src) {
        switch (src) {
        case UK_DT_UKI:   return "uki";
        case UK_DT_FILE:  return "file";
        case UK_DT_ADDON: return "addon";
        default:          return "none";
        }
}

/* "devicetree uki .dtbauto 13195776 7537", "devicetree file <path> <length>", "devicetree addon <path> <length>
 * <sha256>": only a plan that installs a tree says so, other plans keep their form. */
static void write_devicetree(const struct uk_plan *p, struct sink *s) {
        const struct uk_plan_devicetree *dt = &p->devicetree;
        if (dt->source == UK_DT_NONE || (dt->source == UK_DT_ADDON && p->n_dt_addons == 0))
                return;
        put_str(s, "\ndevicetree ");
        put_str(s, dt_source_name(dt->source));
        put_char(s, ' ');
        if (dt->source == UK_DT_UKI) {
                put_token(s, dt->label);
                put_char(s, ' ');
                put_u64(s, dt->offset);
        } else
                put_token(s, dt->path);
        put_char(s, ' ');
        put_u64(s, dt->length);
        if (dt->zero_fill) {
                put_str(s, " fill ");
                put_u64(s, dt->zero_fill);
        }
        /* An addon's bytes were checked and are in memory: the plan names them. */
        if (dt->source == UK_DT_ADDON) {
                put_char(s, ' ');
                put_digest(s, p->dt_addons[p->n_dt_addons - 1].sha256);
        }
}

/* label, then the numbers v[0..n) separated by one space: a line of the canonical form. */
static void put_numbers(struct sink *s, const char *label, const uint64_t *v, unsigned n) {
        put_str(s, label);
        for (unsigned i = 0; i < n; i++) {
                if (i > 0)
                        put_char(s, ' ');
                put_u64(s, v[i]);
        }
}

static void write_canonical(const struct uk_plan *p, struct sink *s) {
        bool uki = p->kernel.source == UK_PIECE_UKI;

        put_str(s, "ukiboot-plan 1\n");
        /* The same paths on another partition are other files; ESP plans keep their form. */
        if (p->xbootldr)
                put_str(s, "partition xbootldr\n");
        if (uki) {
                put_str(s, "uki ");
                put_u64(s, p->uki_size);
                put_char(s, ' ');
                put_digest(s, p->uki_header_sha256);
                put_str(s, "\nprofile ");
                put_u64(s, p->profile);
                put_str(s, "\nkernel uki ");
                put_token(s, p->kernel.label);
                put_char(s, ' ');
                put_u64(s, p->kernel.offset);
        } else if (p->kernel.source == UK_PIECE_HELD) {
                put_str(s, "kernel held ");
                put_token(s, p->kernel.label);
        } else {
                put_str(s, "kernel file ");
                put_token(s, p->kernel.path);
        }
        put_char(s, ' ');
        put_u64(s, p->kernel.length);
        /* A Multiboot kernel: where it goes and where it starts, which the twin carries out blindly. */
        if (p->is_multiboot) {
                const uint64_t head[] = { p->multiboot.flags, p->multiboot.entry };
                put_numbers(s, "\nmultiboot ", head, 2);
                for (unsigned i = 0; i < p->multiboot.n_segments && i < UK_MB_SEGMENTS_MAX; i++) {
                        const struct uk_mb_segment *g = &p->multiboot.segments[i];
                        const uint64_t seg[] = { g->paddr, g->file_offset, g->file_size, g->mem_size };
                        put_numbers(s, "\nsegment ", seg, 4);
                }
        }
        /* A kernel by URL is known by its bytes (the pipeline hashed them), as held initrds are. */
        if (p->kernel.source == UK_PIECE_HELD) {
                put_char(s, ' ');
                put_digest(s, p->content_sha256[0]);
        }
        put_char(s, '\n');

        for (unsigned i = 0; i < p->n_initrd && i < UK_PLAN_MAX_PIECES; i++) {
                const struct uk_plan_piece *piece = &p->initrd[i];
                switch (piece->source) {
                case UK_PIECE_UKI:
                        put_str(s, "initrd uki ");
                        put_token(s, piece->label);
                        put_char(s, ' ');
                        put_u64(s, piece->offset);
                        break;
                case UK_PIECE_GENERATED:
                        put_str(s, "initrd gen ");
                        put_token(s, piece->label);
                        break;
                case UK_PIECE_CPIO_FILE:
                        put_str(s, "initrd cpio ");
                        put_token(s, piece->path);
                        break;
                case UK_PIECE_ADDON:
                        put_str(s, "initrd addon ");
                        put_token(s, piece->path);
                        put_char(s, ' ');
                        put_token(s, piece->label);
                        break;
                case UK_PIECE_HELD:
                        /* By name and content (below), not by URL: the same bytes from another server are
                         * the same plan. */
                        put_str(s, "initrd held ");
                        put_token(s, piece->label);
                        break;
                case UK_PIECE_FILE:
                default:
                        put_str(s, "initrd file ");
                        put_token(s, piece->path);
                        break;
                }
                put_char(s, ' ');
                put_u64(s, piece->length);
                put_char(s, ' ');
                put_u64(s, piece->pad);
                /* Only a section shorter in the file than in memory has a fill: other plans keep their form. */
                if (piece->zero_fill) {
                        put_str(s, " fill ");
                        put_u64(s, piece->zero_fill);
                }
                if (piece->source == UK_PIECE_GENERATED) {
                        uint8_t d[32];
                        gen_sha256(p, piece, d);
                        put_char(s, ' ');
                        put_digest(s, d);
                } else if (piece->source == UK_PIECE_CPIO_FILE) {
                        uint8_t d[32];
                        header_sha256(p, piece, d);
                        put_char(s, ' ');
                        put_u64(s, piece->header_len);
                        put_char(s, ' ');
                        put_digest(s, d);
                } else if (piece->source == UK_PIECE_ADDON || piece->source == UK_PIECE_HELD) {
                        /* The bytes were checked and are in memory: the plan names them, not a file to re-read. */
                        put_char(s, ' ');
                        put_digest(s, p->content_sha256[1 + i]);
                }
                put_char(s, '\n');
        }
        put_str(s, "initrd-total ");
        put_u64(s, p->initrd_total);
        write_devicetree(p, s);
        put_str(s, "\ncmdline ");
        size_t cl = uk_strnlen(p->cmdline, sizeof(p->cmdline));
        put_u64(s, cl);
        put_char(s, ' ');
        put(s, p->cmdline, cl);
        put_str(s, "\nnotes ");
        put_u64(s, p->cmdline_notes);
        put_char(s, '\n');
}

uk_err uk_plan_canonical(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len) {
        if (!p || !buf)
                return UK_E_INVALID_ARG;
        struct sink s = { .buf = buf, .cap = cap };
        write_canonical(p, &s);
        return finish(&s, ret_len);
}

static void put_content_line(struct sink *s, const struct uk_plan *p, const char *what,
                             const struct uk_plan_piece *piece, unsigned bit) {
        put_str(s, what);
        put_token(s, piece->label);
        put_char(s, ' ');
        if (p->content_known & ((uint64_t) 1 << bit))
                put_digest(s, p->content_sha256[bit]);
        else
                put_char(s, '-');
        put_char(s, '\n');
}

uk_err uk_plan_content_format(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len) {
        if (!p || !buf || p->n_initrd > UK_PLAN_MAX_PIECES)
                return UK_E_INVALID_ARG;
        struct sink s = { .buf = buf, .cap = cap };
        put_str(&s, "ukiboot-content 1\n");
        put_content_line(&s, p, "kernel ", &p->kernel, 0);
        for (unsigned i = 0; i < p->n_initrd; i++)
                put_content_line(&s, p, "initrd ", &p->initrd[i], 1 + i);
        return finish(&s, ret_len);
}

uk_err uk_plan_digest(const struct uk_plan *p, uint8_t ret_digest[32], size_t *ret_len) {
        struct uk_sha256 h;
        if (!p || !ret_digest)
                return UK_E_INVALID_ARG;
        uk_sha256_init(&h);
        struct sink s = { .hash = &h };
        write_canonical(p, &s);
        uk_sha256_final(&h, ret_digest);
        if (ret_len)
                *ret_len = s.len;
        return UK_OK;
}

/* ---- shared by text and JSON ---- */

static const char *format_name(enum uk_kernel_format f) {
        switch (f) {
        case UK_KERNEL_BZIMAGE:     return "bzimage";
        case UK_KERNEL_ZBOOT:       return "zboot";
        case UK_KERNEL_ARM64_IMAGE: return "arm64-image";
        case UK_KERNEL_PE:          return "pe";
        case UK_KERNEL_GZIP:        return "gzip";
        default:                    return "unknown";
        }
}

static const char *source_name(enum uk_piece_source src) {
        switch (src) {
        case UK_PIECE_UKI:       return "uki";
        case UK_PIECE_FILE:      return "file";
        case UK_PIECE_GENERATED: return "generated";
        case UK_PIECE_CPIO_FILE: return "cpio-file";
        case UK_PIECE_ADDON:     return "addon";
        case UK_PIECE_HELD:      return "held";
        default:                 return "unknown";
        }
}

static const struct {
        unsigned bit;
        const char *id;
        const char *text;
} note_table[] = {
        { UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB, "options-ignored-secure-boot",
          "entry options ignored: Secure Boot is on and the UKI embeds a .cmdline" },
        { UK_CMDLINE_NOTE_APPEND_IGNORED_SB, "append-ignored-secure-boot",
          "appended arguments ignored: Secure Boot is on and the UKI embeds a .cmdline" },
        { UK_CMDLINE_NOTE_ADDONS_TOO_LONG, "addons-too-long",
          "the addons' command line left out: it would not fit the kernel's limit" },
        { UK_CMDLINE_NOTE_SMBIOS_TOO_LONG, "smbios-extra-too-long",
          "the SMBIOS command-line extra left out: it would not fit the kernel's limit" },
};

/* "2.15" from 0x020f. */
static void put_protocol(struct sink *s, uint16_t v) {
        put_u64(s, v >> 8);
        put_char(s, '.');
        if ((v & 0xff) < 10)
                put_char(s, '0');
        put_u64(s, v & 0xff);
}

/* ---- text ---- */

/* Printable rendering for people: control bytes would garble a terminal, so they become '?'. */
static void put_display(struct sink *s, const char *str, size_t max) {
        for (size_t i = 0; i < max && str[i]; i++) {
                uint8_t c = (uint8_t) str[i];
                put_char(s, c < 0x20 || c == 0x7f ? '?' : (char) c);
        }
}

static void text_span(struct sink *s, const struct uk_plan *p, const struct uk_plan_piece *piece) {
        if (piece->source == UK_PIECE_FILE || piece->source == UK_PIECE_CPIO_FILE) {
                put_display(s, piece->path, sizeof(piece->path));
                put_str(s, piece->source == UK_PIECE_FILE ? "  file" : "  file in a cpio record");
        } else if (piece->source == UK_PIECE_ADDON) {
                put_display(s, piece->path, sizeof(piece->path));
                put_str(s, "  addon ");
                put_display(s, piece->label, sizeof(piece->label));
        } else if (piece->source == UK_PIECE_HELD) {
                put_display(s, piece->path, sizeof(piece->path));
                put_str(s, "  read whole");
        } else {
                put_display(s, piece->label, sizeof(piece->label));
                put_str(s, piece->source == UK_PIECE_UKI ? "  offset " : "  generated, offset ");
                put_hex(s, piece->offset);
        }
        put_str(s, "  length ");
        put_u64(s, piece->length);
        (void) p;
}

/* "PCR 11 .linux: 8247232 bytes at 72192 (+ 0 zero bytes)" and friends. */
static void put_measurement(struct sink *s, const struct uk_measurement *m) {
        put_str(s, "PCR ");
        put_u64(s, m->pcr);
        switch (m->kind) {
        case UK_MEASURE_CMDLINE:
                put_str(s, uk_strcmp(m->name, "smbios") == 0 ? " the SMBIOS command-line extra (UTF-16)" :
                           uk_strcmp(m->name, "addons") == 0 ? " the addons' command line (UTF-16)" :
                           " the command line (UTF-16)");
                break;
        case UK_MEASURE_NAME:
                put_str(s, " the name ");
                put_str(s, m->name);
                break;
        case UK_MEASURE_PROFILE:
                put_str(s, " the profile number ");
                put_str(s, m->name);
                put_str(s, " (UTF-16, tagged event)");
                break;
        case UK_MEASURE_FILE:
                put_str(s, m->piece == UK_MEASURE_KERNEL ? " the kernel file " : " the module file ");
                put_str(s, m->name);
                put_str(s, ": ");
                put_u64(s, m->length);
                put_str(s, " bytes");
                break;
        case UK_MEASURE_ADDON:
        case UK_MEASURE_DT_ADDON:
                /* "PCR 12 addon .initrd: 512 bytes (tagged event)" */
                put_str(s, " addon ");
                put_str(s, m->name);
                put_str(s, ": ");
                put_u64(s, m->length + m->zero_fill);
                put_str(s, " bytes (tagged event)");
                break;
        case UK_MEASURE_SECTION:
        case UK_MEASURE_INITRD:
                /* "PCR 11 .linux: 8247232 bytes at 72192 of the UKI", "PCR 12 Credentials initrd: 660 bytes at
                 * 2037248 of the initrd" */
                put_char(s, ' ');
                put_str(s, m->name);
                put_str(s, ": ");
                put_u64(s, m->length);
                put_str(s, " bytes at ");
                put_u64(s, m->offset);
                put_str(s, m->kind == UK_MEASURE_SECTION ? " of the UKI" : " of the initrd");
                if (m->zero_fill) {
                        put_str(s, " + ");
                        put_u64(s, m->zero_fill);
                        put_str(s, " zero bytes");
                }
                break;
        }
}

uk_err uk_plan_format_text(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len) {
        if (!p || !buf)
                return UK_E_INVALID_ARG;
        struct sink s = { .buf = buf, .cap = cap };

        put_str(&s, "title:    ");
        put_display(&s, p->title[0] ? p->title : "(none)", sizeof(p->title));
        if (p->xbootldr)
                put_str(&s, "\nfiles:    on the XBOOTLDR partition");
        if (p->kernel.source == UK_PIECE_UKI) {
                put_str(&s, "\nprofile:  ");
                put_u64(&s, p->profile);
                put_str(&s, " of ");
                put_u64(&s, p->n_profiles);
                put_str(&s, " (numbered from 0)\nuki:      ");
                put_u64(&s, p->uki_size);
                put_str(&s, " bytes, headers sha256 ");
                put_digest(&s, p->uki_header_sha256);
        }
        put_str(&s, "\nkernel:   ");
        text_span(&s, p, &p->kernel);
        put_str(&s, "\n          format ");
        if (p->is_multiboot) {
                put_str(&s, "Multiboot v1, entry ");
                put_hex(&s, p->multiboot.entry);
                for (unsigned i = 0; i < p->multiboot.n_segments && i < UK_MB_SEGMENTS_MAX; i++) {
                        put_str(&s, ", segment at ");
                        put_hex(&s, p->multiboot.segments[i].paddr);
                        put_str(&s, " (");
                        put_u64(&s, p->multiboot.segments[i].mem_size);
                        put_str(&s, " bytes)");
                }
                put_str(&s, "; the initrd pieces are its modules");
        } else
                put_str(&s, format_name(p->kernel_info.format));
        if (p->kernel_info.format == UK_KERNEL_BZIMAGE) {
                put_str(&s, ", boot protocol ");
                put_protocol(&s, p->kernel_info.boot_protocol);
                put_str(&s, ", cmdline max ");
                put_u64(&s, p->kernel_info.cmdline_size);
        }
        if (p->kernel_info.version[0]) {
                put_str(&s, ", version ");
                put_display(&s, p->kernel_info.version, sizeof(p->kernel_info.version));
        }
        if (!p->is_multiboot)
                put_str(&s, p->kernel_info.has_pe_stub ? ", EFI stub" : ", no EFI stub");
        if (p->kernel_info.initrd_loadfile2_ok)
                put_str(&s, ", LoadFile2 initrd");

        if (p->n_initrd == 0)
                put_str(&s, "\ninitrd:   (none)");
        for (unsigned i = 0; i < p->n_initrd && i < UK_PLAN_MAX_PIECES; i++) {
                put_str(&s, i == 0 ? "\ninitrd:   " : "\n          ");
                put_u64(&s, i + 1);
                put_str(&s, ". ");
                text_span(&s, p, &p->initrd[i]);
                if (p->initrd[i].zero_fill) {
                        put_str(&s, "  zero fill ");
                        put_u64(&s, p->initrd[i].zero_fill);
                }
                put_str(&s, "  pad ");
                put_u64(&s, p->initrd[i].pad);
        }
        if (p->n_initrd > 0) {
                put_str(&s, "\n          total ");
                put_u64(&s, p->initrd_total);
                put_str(&s, " bytes");
        }
        if (p->devicetree.source != UK_DT_NONE) {
                put_str(&s, "\ndevtree:  ");
                if (p->devicetree.source == UK_DT_UKI) {
                        put_display(&s, p->devicetree.label, sizeof(p->devicetree.label));
                        put_str(&s, "  offset ");
                        put_hex(&s, p->devicetree.offset);
                } else {
                        put_display(&s, p->devicetree.path, sizeof(p->devicetree.path));
                        put_str(&s, p->devicetree.source == UK_DT_ADDON ? "  addon" : "  file");
                }
                put_str(&s, "  length ");
                put_u64(&s, p->devicetree.length + p->devicetree.zero_fill);
        }

        put_str(&s, "\ncmdline:  \"");
        put_display(&s, p->cmdline, sizeof(p->cmdline));
        put_str(&s, "\" (");
        put_u64(&s, uk_strnlen(p->cmdline, sizeof(p->cmdline)));
        put_str(&s, " bytes)");

        put_str(&s, "\nnotes:    ");
        if (p->cmdline_notes == 0)
                put_str(&s, "none");
        for (size_t i = 0, n = 0; i < UK_ELEMENTSOF(note_table); i++) {
                if (!(p->cmdline_notes & note_table[i].bit))
                        continue;
                if (n++ > 0)
                        put_str(&s, "\n          ");
                put_str(&s, note_table[i].text);
        }
        put_str(&s, "\nmeasured: ");
        if (p->n_measure == 0)
                put_str(&s, "nothing");
        for (unsigned i = 0; i < p->n_measure && i < UK_PLAN_MEASURE_MAX; i++) {
                if (i > 0)
                        put_str(&s, "\n          ");
                put_measurement(&s, &p->measure[i]);
        }
        put_str(&s, "\ndigest:   ");
        put_digest(&s, p->digest);
        put_char(&s, '\n');
        return finish(&s, ret_len);
}

/* ---- JSON ---- */

/* Length of a well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), 0 if
 * there is none: such bytes are escaped as \u00XX so the output is always valid JSON. */
static size_t utf8_len(const uint8_t *p, size_t avail) {
        uint8_t c = p[0];
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf;

        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                if (c == 0xe0)
                        lo = 0xa0;
                else if (c == 0xed)
                        hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                if (c == 0xf0)
                        lo = 0x90;
                else if (c == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (avail < n || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (p[i] < 0x80 || p[i] > 0xbf)
                        return 0;
        return n;
}

static void put_json_str(struct sink *s, const char *str, size_t max) {
        static const char hex[] = "0123456789abcdef";
        const uint8_t *p = (const uint8_t *) str;
        size_t len = uk_strnlen(str, max);

        put_char(s, '"');
        for (size_t i = 0; i < len;) {
                uint8_t c = p[i];
                if (c == '"' || c == '\\') {
                        char esc[2] = { '\\', (char) c };
                        put(s, esc, 2);
                        i++;
                } else if (c >= 0x20 && c < 0x7f) {
                        put_char(s, (char) c);
                        i++;
                } else if (c >= 0x80 && utf8_len(p + i, len - i) > 0) {
                        size_t n = utf8_len(p + i, len - i);
                        put(s, (const char *) p + i, n);
                        i += n;
                } else {
                        char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };
                        put(s, esc, 6);
                        i++;
                }
        }
        put_char(s, '"');
}

static void json_key(struct sink *s, const char *key, bool *first) {
        if (!*first)
                put_char(s, ',');
        *first = false;
        put_char(s, '"');
        put_str(s, key);
        put_str(s, "\":");
}

static void json_u64(struct sink *s, const char *key, uint64_t v, bool *first) {
        json_key(s, key, first);
        put_u64(s, v);
}

static void json_piece(struct sink *s, const struct uk_plan *p, const struct uk_plan_piece *piece, bool with_pad) {
        bool first = true;
        put_char(s, '{');
        json_key(s, "source", &first);
        put_json_str(s, source_name(piece->source), 16);
        json_key(s, "label", &first);
        put_json_str(s, piece->label, sizeof(piece->label));
        if (piece->source == UK_PIECE_FILE || piece->source == UK_PIECE_CPIO_FILE || piece->source == UK_PIECE_ADDON ||
            piece->source == UK_PIECE_HELD) {
                json_key(s, "path", &first);
                put_json_str(s, piece->path, sizeof(piece->path));
                if (piece->source == UK_PIECE_CPIO_FILE)
                        json_u64(s, "header_length", piece->header_len, &first);
        } else
                json_u64(s, "offset", piece->offset, &first);
        json_u64(s, "length", piece->length, &first);
        if (piece->zero_fill)
                json_u64(s, "zero_fill", piece->zero_fill, &first);
        if (with_pad)
                json_u64(s, "pad", piece->pad, &first);
        if (piece->source == UK_PIECE_GENERATED) {
                uint8_t d[32];
                gen_sha256(p, piece, d);
                json_key(s, "sha256", &first);
                put_char(s, '"');
                put_digest(s, d);
                put_char(s, '"');
        }
        put_char(s, '}');
}

uk_err uk_plan_format_json(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len) {
        if (!p || !buf)
                return UK_E_INVALID_ARG;
        struct sink s = { .buf = buf, .cap = cap };
        bool first = true;
        bool uki = p->kernel.source == UK_PIECE_UKI;

        put_char(&s, '{');
        json_key(&s, "title", &first);
        put_json_str(&s, p->title, sizeof(p->title));
        if (p->xbootldr) {
                json_key(&s, "partition", &first);
                put_str(&s, "\"xbootldr\"");
        }
        if (uki) {
                json_u64(&s, "profile", p->profile, &first);
                json_u64(&s, "profiles", p->n_profiles, &first);
                json_u64(&s, "uki_size", p->uki_size, &first);
                json_key(&s, "uki_header_sha256", &first);
                put_char(&s, '"');
                put_digest(&s, p->uki_header_sha256);
                put_char(&s, '"');
        }

        json_key(&s, "kernel", &first);
        json_piece(&s, p, &p->kernel, false);
        json_key(&s, "kernel_info", &first);
        {
                bool f = true;
                put_char(&s, '{');
                json_key(&s, "format", &f);
                put_json_str(&s, format_name(p->kernel_info.format), 16);
                if (p->kernel_info.format == UK_KERNEL_BZIMAGE) {
                        json_key(&s, "boot_protocol", &f);
                        put_char(&s, '"');
                        put_protocol(&s, p->kernel_info.boot_protocol);
                        put_char(&s, '"');
                        json_u64(&s, "cmdline_size", p->kernel_info.cmdline_size, &f);
                }
                json_key(&s, "version", &f);
                put_json_str(&s, p->kernel_info.version, sizeof(p->kernel_info.version));
                json_key(&s, "efi_stub", &f);
                put_str(&s, p->kernel_info.has_pe_stub ? "true" : "false");
                json_key(&s, "initrd_loadfile2", &f);
                put_str(&s, p->kernel_info.initrd_loadfile2_ok ? "true" : "false");
                put_char(&s, '}');
        }

        json_key(&s, "initrd", &first);
        put_char(&s, '[');
        for (unsigned i = 0; i < p->n_initrd && i < UK_PLAN_MAX_PIECES; i++) {
                if (i > 0)
                        put_char(&s, ',');
                json_piece(&s, p, &p->initrd[i], true);
        }
        put_char(&s, ']');
        json_u64(&s, "initrd_total", p->initrd_total, &first);
        if (p->devicetree.source != UK_DT_NONE) {
                bool df = true;
                json_key(&s, "devicetree", &first);
                put_char(&s, '{');
                json_key(&s, "source", &df);
                put_json_str(&s, dt_source_name(p->devicetree.source), 8);
                if (p->devicetree.source == UK_DT_UKI) {
                        json_key(&s, "section", &df);
                        put_json_str(&s, p->devicetree.label, sizeof(p->devicetree.label));
                        json_u64(&s, "offset", p->devicetree.offset, &df);
                } else {
                        json_key(&s, "path", &df);
                        put_json_str(&s, p->devicetree.path, sizeof(p->devicetree.path));
                }
                json_u64(&s, "length", p->devicetree.length, &df);
                json_u64(&s, "zero_fill", p->devicetree.zero_fill, &df);
                put_char(&s, '}');
        }

        json_key(&s, "cmdline", &first);
        put_json_str(&s, p->cmdline, sizeof(p->cmdline));
        json_u64(&s, "cmdline_notes", p->cmdline_notes, &first);
        json_key(&s, "notes", &first);
        put_char(&s, '[');
        for (size_t i = 0, n = 0; i < UK_ELEMENTSOF(note_table); i++) {
                if (!(p->cmdline_notes & note_table[i].bit))
                        continue;
                if (n++ > 0)
                        put_char(&s, ',');
                put_json_str(&s, note_table[i].id, 64);
        }
        put_char(&s, ']');
        json_key(&s, "measurements", &first);
        put_char(&s, '[');
        for (unsigned i = 0; i < p->n_measure && i < UK_PLAN_MEASURE_MAX; i++) {
                static const char *const kinds[] = { "cmdline", "name", "section", "initrd", "profile", "addon",
                                                    "devicetree-addon", "file" };
                const struct uk_measurement *m = &p->measure[i];
                bool mf = true;
                put_str(&s, i ? ",{" : "{");
                json_u64(&s, "pcr", m->pcr, &mf);
                json_u64(&s, "event_type", m->event_type, &mf);
                json_key(&s, "kind", &mf);
                put_json_str(&s, kinds[m->kind < UK_ELEMENTSOF(kinds) ? m->kind : 0], 16);
                if (m->kind != UK_MEASURE_CMDLINE) {
                        json_key(&s, "name", &mf);
                        put_json_str(&s, m->name, sizeof(m->name));
                }
                if (m->kind == UK_MEASURE_CMDLINE && m->name[0]) {  /* a part: the addons' or the SMBIOS extra */
                        json_key(&s, "part", &mf);
                        put_json_str(&s, m->name, sizeof(m->name));
                        json_u64(&s, "offset", m->offset, &mf);
                        json_u64(&s, "length", m->length, &mf);
                }
                if (m->kind == UK_MEASURE_ADDON || m->kind == UK_MEASURE_DT_ADDON) {
                        json_u64(&s, "tag", m->tag, &mf);
                        json_u64(&s, "piece", m->piece, &mf);
                }
                if (m->kind == UK_MEASURE_SECTION || m->kind == UK_MEASURE_INITRD || m->kind == UK_MEASURE_ADDON ||
                    m->kind == UK_MEASURE_DT_ADDON) {
                        json_u64(&s, "offset", m->offset, &mf);
                        json_u64(&s, "length", m->length, &mf);
                        json_u64(&s, "zero_fill", m->zero_fill, &mf);
                }
                put_char(&s, '}');
        }
        put_char(&s, ']');
        json_key(&s, "digest", &first);
        put_char(&s, '"');
        put_digest(&s, p->digest);
        put_char(&s, '"');
        put_char(&s, '}');
        return finish(&s, ret_len);
}
