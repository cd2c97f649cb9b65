/* ukiboot — rewrite /chosen of a flattened device tree (Devicetree Specification v0.4, chapter 5).
 *
 * On arm64 without kexec_file_load the loader, not the kernel, builds the next kernel's device tree: the
 * running one (/sys/firmware/fdt) with the new command line and initrd location in /chosen. The tree is
 * rebuilt rather than patched in place, so properties of any size can change: header, memory reservation
 * block copied, structure block copied token by token with /chosen's boot properties replaced, strings block
 * copied with the names we need appended when absent. All values are big-endian. */
#include "fdt.h"
#include "util.h"

#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u
#define HEADER_SIZE    40u
#define MAX_DEPTH      64u      /* real trees are a handful deep; deeper input is refused, not recursed */

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24), p[1] = (uint8_t) (v >> 16), p[2] = (uint8_t) (v >> 8), p[3] = (uint8_t) v;
}

static void put_be64(uint8_t *p, uint64_t v) {
        put_be32(p, (uint32_t) (v >> 32));
        put_be32(p + 4, (uint32_t) v);
}

static size_t align4(size_t x) {
        return (x + 3) & ~(size_t) 3;
}

/* An output cursor: every write checks the room left. */
struct out {
        uint8_t *buf;
        size_t cap, len;
};

static bool emit(struct out *o, const void *p, size_t n) {
        if (n > o->cap - o->len)
                return false;
        uk_memcpy(o->buf + o->len, p, n);
        o->len += n;
        return true;
}

static bool emit_be32(struct out *o, uint32_t v) {
        uint8_t b[4];
        put_be32(b, v);
        return emit(o, b, 4);
}

static bool emit_pad4(struct out *o) {
        static const uint8_t zeros[4];
        return emit(o, zeros, align4(o->len) - o->len);
}

/* Offset of name in the strings block strs[n] (an existing NUL-terminated string equal to it), or -1. */
static int64_t find_string(const uint8_t *strs, size_t n, const char *name) {
        size_t l = uk_strlen(name);
        for (size_t i = 0; i < n;) {
                size_t k = uk_strnlen((const char *) strs + i, n - i);
                if (k == n - i)
                        return -1;      /* unterminated tail */
                if (k == l && uk_memcmp(strs + i, name, l) == 0)
                        return (int64_t) i;
                i += k + 1;
        }
        return -1;
}

static const char *const replaced[] = {
        "bootargs", "linux,initrd-start", "linux,initrd-end", "linux,elfcorehdr", "linux,usable-memory-range",
};

struct ctx {
        const uint8_t *strs;
        size_t strs_len;
        uint32_t name_off[3];   /* bootargs, linux,initrd-start, linux,initrd-end in the output strings */
        const struct uk_fdt_chosen *c;
};

static bool emit_prop(struct out *o, uint32_t name_off, const void *val, size_t len) {
        return emit_be32(o, FDT_PROP) && emit_be32(o, (uint32_t) len) && emit_be32(o, name_off) &&
                emit(o, val, len) && emit_pad4(o);
}

static bool emit_chosen_props(struct out *o, const struct ctx *x) {
        uint8_t v[8];
        if (!emit_prop(o, x->name_off[0], x->c->bootargs, uk_strlen(x->c->bootargs) + 1))
                return false;
        if (!x->c->has_initrd)
                return true;
        put_be64(v, x->c->initrd_start);
        if (!emit_prop(o, x->name_off[1], v, 8))
                return false;
        put_be64(v, x->c->initrd_end);
        return emit_prop(o, x->name_off[2], v, 8);
}

/* Copy the structure block s[n], replacing /chosen's boot properties. */
static uk_err copy_struct(const uint8_t *s, size_t n, const struct ctx *x, struct out *o) {
        unsigned depth = 0, chosen_depth = 0;      /* chosen_depth: depth inside /chosen, 0 if not there */
        bool seen_chosen = false, chosen_pending = false;      /* /chosen's new properties not yet written */
        size_t i = 0;

        for (;;) {
                if (!uk_range_ok(i, 4, n))
                        return UK_E_TRUNCATED;
                uint32_t tok = be32(s + i);
                size_t start = i;
                i += 4;
                switch (tok) {
                case FDT_BEGIN_NODE: {
                        size_t l = uk_strnlen((const char *) s + i, n - i);
                        if (l == n - i)
                                return UK_E_TRUNCATED;
                        /* Properties must precede subnodes (spec 5.4; libfdt stops looking at the first
                         * child), so /chosen's new ones go in before its first child node. */
                        if (chosen_pending && depth == chosen_depth) {
                                if (!emit_chosen_props(o, x))
                                        return UK_E_BUFFER_TOO_SMALL;
                                chosen_pending = false;
                        }
                        if (++depth > MAX_DEPTH)
                                return UK_E_TOO_MANY;
                        /* /chosen: a child of the root (whose own name is empty) named "chosen". */
                        if (depth == 2 && l == 6 && uk_memcmp(s + i, "chosen", 6) == 0) {
                                chosen_depth = depth;
                                seen_chosen = chosen_pending = true;
                        }
                        i = align4(i + l + 1);
                        if (i > n || !emit(o, s + start, i - start))
                                return i > n ? UK_E_TRUNCATED : UK_E_BUFFER_TOO_SMALL;
                        break;
                }
                case FDT_END_NODE:
                        if (depth == 0)
                                return UK_E_SYNTAX;
                        if (depth == chosen_depth) {
                                if (chosen_pending && !emit_chosen_props(o, x))
                                        return UK_E_BUFFER_TOO_SMALL;
                                chosen_pending = false;
                                chosen_depth = 0;
                        } else if (depth == 1 && !seen_chosen) {
                                /* No /chosen at all: add one as the root's last child. */
                                static const uint8_t name[8] = "chosen";
                                if (!emit_be32(o, FDT_BEGIN_NODE) || !emit(o, name, sizeof(name)) ||
                                    !emit_chosen_props(o, x) || !emit_be32(o, FDT_END_NODE))
                                        return UK_E_BUFFER_TOO_SMALL;
                                seen_chosen = true;
                        }
                        depth--;
                        if (!emit_be32(o, FDT_END_NODE))
                                return UK_E_BUFFER_TOO_SMALL;
                        break;
                case FDT_PROP: {
                        if (!uk_range_ok(i, 8, n))
                                return UK_E_TRUNCATED;
                        uint32_t len = be32(s + i), nameoff = be32(s + i + 4);
                        i += 8;
                        if (!uk_range_ok(i, len, n) || nameoff >= x->strs_len)
                                return UK_E_TRUNCATED;
                        i = align4(i + len);
                        if (i > n)
                                return UK_E_TRUNCATED;
                        if (depth == 0)
                                return UK_E_SYNTAX;
                        bool skip = false;
                        if (depth == chosen_depth) {
                                const char *name = (const char *) x->strs + nameoff;
                                size_t room = x->strs_len - nameoff;
                                for (size_t k = 0; k < UK_ELEMENTSOF(replaced); k++)
                                        if (uk_strnlen(name, room) == uk_strlen(replaced[k]) &&
                                            uk_memcmp(name, replaced[k], uk_strlen(replaced[k])) == 0)
                                                skip = true;
                        }
                        if (!skip && !emit(o, s + start, i - start))
                                return UK_E_BUFFER_TOO_SMALL;
                        break;
                }
                case FDT_NOP:
                        break;          /* dropped: NOPs are filler */
                case FDT_END:
                        if (depth != 0 || !seen_chosen)
                                return UK_E_SYNTAX;     /* unbalanced, or no root node */
                        return emit_be32(o, FDT_END) ? UK_OK : UK_E_BUFFER_TOO_SMALL;
                default:
                        return UK_E_SYNTAX;
                }
        }
}

size_t uk_fdt_set_chosen_size(size_t fdt_len, const char *bootargs) {
        /* New /chosen node + three properties + their names; generous, a few hundred bytes. */
        size_t extra = 512 + (bootargs ? uk_strlen(bootargs) : 0);
        return fdt_len > SIZE_MAX - extra ? SIZE_MAX : fdt_len + extra;
}

uk_err uk_fdt_set_chosen(const uint8_t *fdt, size_t fdt_len, const struct uk_fdt_chosen *c,
                         uint8_t *buf, size_t cap, size_t *ret_len) {
        static const char *const names[3] = { "bootargs", "linux,initrd-start", "linux,initrd-end" };
        struct out o = { .buf = buf, .cap = cap };
        struct ctx x = { .c = c };
        uk_err r;

        if (!fdt || !c || !c->bootargs || !buf || !ret_len)
                return UK_E_INVALID_ARG;
        if (c->has_initrd && c->initrd_end < c->initrd_start)
                return UK_E_INVALID_ARG;
        if (fdt_len < HEADER_SIZE)
                return UK_E_TRUNCATED;
        if (be32(fdt) != UK_FDT_MAGIC)
                return UK_E_SYNTAX;
        uint32_t total = be32(fdt + 4), off_struct = be32(fdt + 8), off_strings = be32(fdt + 12),
                 off_rsv = be32(fdt + 16), version = be32(fdt + 20), last_comp = be32(fdt + 24),
                 boot_cpu = be32(fdt + 28), size_strings = be32(fdt + 32), size_struct = be32(fdt + 36);
        /* Version 17 (compatible back to 16) is what every current kernel and dtc write. */
        if (version < 17 || last_comp > 16)
                return UK_E_SYNTAX;
        if (total > fdt_len || total < HEADER_SIZE)
                return UK_E_TRUNCATED;
        if (!uk_range_ok(off_struct, size_struct, total) || !uk_range_ok(off_strings, size_strings, total) ||
            off_rsv < HEADER_SIZE || off_rsv >= total || (off_rsv & 7) != 0)
                return UK_E_TRUNCATED;
        x.strs = fdt + off_strings;
        x.strs_len = size_strings;
        /* Every name must end inside the block: names appended after it must not extend an unterminated one. */
        if (size_strings > 0 && x.strs[size_strings - 1] != 0)
                return UK_E_SYNTAX;

        /* Header, filled in at the end. */
        if (cap < HEADER_SIZE)
                return UK_E_BUFFER_TOO_SMALL;
        uk_memset(buf, 0, HEADER_SIZE);
        o.len = HEADER_SIZE;

        /* Memory reservation block: 16-byte (address, size) pairs up to a (0, 0) pair, kept as is. */
        for (uint32_t i = off_rsv;; i += 16) {
                if (!uk_range_ok(i, 16, total))
                        return UK_E_TRUNCATED;
                if (!emit(&o, fdt + i, 16))
                        return UK_E_BUFFER_TOO_SMALL;
                if (uk_memcmp(fdt + i, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0)
                        break;
        }

        /* Strings: the names we write, reusing existing ones; new names go after the original block. */
        size_t strings_len = size_strings;
        for (size_t k = 0; k < 3; k++) {
                int64_t at = find_string(x.strs, x.strs_len, names[k]);
                if (at < 0) {
                        at = (int64_t) strings_len;
                        strings_len += uk_strlen(names[k]) + 1;
                }
                x.name_off[k] = (uint32_t) at;
        }

        size_t struct_off = o.len;
        r = copy_struct(fdt + off_struct, size_struct, &x, &o);
        if (r)
                return r;
        size_t struct_len = o.len - struct_off;

        size_t strings_off = o.len;
        if (!emit(&o, x.strs, x.strs_len))
                return UK_E_BUFFER_TOO_SMALL;
        for (size_t k = 0; k < 3; k++)
                if (x.name_off[k] >= size_strings && !emit(&o, names[k], uk_strlen(names[k]) + 1))
                        return UK_E_BUFFER_TOO_SMALL;
        if (o.len > UINT32_MAX)
                return UK_E_BUFFER_TOO_SMALL;

        put_be32(buf, UK_FDT_MAGIC);
        put_be32(buf + 4, (uint32_t) o.len);
        put_be32(buf + 8, (uint32_t) struct_off);
        put_be32(buf + 12, (uint32_t) strings_off);
        put_be32(buf + 16, HEADER_SIZE);
        put_be32(buf + 20, 17);
        put_be32(buf + 24, 16);
        put_be32(buf + 28, boot_cpu);
        put_be32(buf + 32, (uint32_t) (o.len - strings_off));
        put_be32(buf + 36, (uint32_t) struct_len);
        *ret_len = o.len;
        return UK_OK;
}

/* Read a big-endian word at off of the source window. */
static uk_err src_be32(const struct uk_source *src, uint64_t off, uint32_t *ret) {
        uint8_t b[4];
        uk_err r = uk_source_read(src, off, b, 4);
        if (!r)
                *ret = be32(b);
        return r;
}

uk_err uk_fdt_first_compatible(const struct uk_source *src, uint64_t off, uint64_t len, char *buf, size_t cap,
                               size_t *ret_len) {
        static const char want[] = "compatible";
        uint8_t h[HEADER_SIZE];
        uk_err r;

        if (!src || !buf || cap < 2 || !ret_len)
                return UK_E_INVALID_ARG;
        if (len < HEADER_SIZE || off > UINT64_MAX - len)
                return UK_E_TRUNCATED;
        if ((r = uk_source_read(src, off, h, sizeof(h))))
                return r;
        uint32_t total = be32(h + 4), st_off = be32(h + 8), str_off = be32(h + 12);
        uint32_t str_size = be32(h + 32), st_size = be32(h + 36);
        /* The header's blocks must lie inside the blob, the structure block before the strings, as systemd checks. */
        if (be32(h) != UK_FDT_MAGIC || total > len || (uint64_t) str_off + str_size > total ||
            st_off % 4 || st_size % 4 || (uint64_t) st_off + st_size > str_off)
                return UK_E_SYNTAX;
        uint64_t base = off + st_off, words = st_size / 4;
        for (uint64_t i = 0; i < words; i++) {
                uint32_t tok, plen, name_off;
                if ((r = src_be32(src, base + 4 * i, &tok)))
                        return r;
                switch (tok) {
                case FDT_BEGIN_NODE: {
                        /* systemd accepts only the root's empty name here: the first property it meets is the root's. */
                        uint32_t name;
                        if (i + 1 >= words || (r = src_be32(src, base + 4 * ++i, &name)))
                                return r ? r : UK_E_TRUNCATED;
                        if (name != 0)
                                return UK_E_SYNTAX;
                        break;
                }
                case FDT_NOP:
                        break;
                case FDT_PROP: {
                        if (i + 3 >= words || (r = src_be32(src, base + 4 * (i + 1), &plen)) ||
                            (r = src_be32(src, base + 4 * (i + 2), &name_off)))
                                return r ? r : UK_E_TRUNCATED;
                        i += 2;
                        uint64_t pwords = ((uint64_t) plen + 3) / 4;
                        char name[sizeof(want)];
                        bool is_compat = (uint64_t) name_off + sizeof(want) <= str_size &&
                                         uk_source_read(src, off + str_off + name_off, name, sizeof(want)) == UK_OK &&
                                         uk_memcmp(name, want, sizeof(want)) == 0;
                        if (is_compat) {
                                /* The first string of the list, NUL-terminated inside the property. */
                                if (plen == 0 || i + 1 + pwords > words)
                                        return UK_E_SYNTAX;
                                size_t n = plen < cap ? plen : cap;
                                if ((r = uk_source_read(src, base + 4 * (i + 1), buf, n)))
                                        return r;
                                size_t l = uk_strnlen(buf, n);
                                if (l == n || l == 0)
                                        return UK_E_SYNTAX;     /* unterminated within cap, or empty */
                                *ret_len = l;
                                return UK_OK;
                        }
                        i += pwords;
                        break;
                }
                default:
                        return UK_E_NOT_FOUND;  /* the first node ended without a compatible */
                }
        }
        return UK_E_NOT_FOUND;
}
