/* ukiboot — credentials and system extensions next to a UKI (common/extras.c) and the cpio archives the plan
 * makes of them: which names are picked up, their order, the size and count limits, the exact newc bytes
 * of a small credential (expected bytes written here from the newc format, not by common/cpio.c), the
 * pieces' order against .initrd and .pcrsig, and the canonical lines. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "pe_builder.h"
#include "extras.h"
#include "plan.h"
#include "sha256.h"
#include "uki.h"
#include "util.h"

/* ---- a fake ESP: a few directories of (name, is_dir, size) ---- */

struct fake_file { const char *dir, *name; bool is_dir; uint64_t size; };
static const struct fake_file *fake;
static size_t n_fake;
static bool fail_global_list;

static uk_err fake_list(void *ctx, const char *dir, uk_err (*cb)(void *, const char *, bool), void *cb_ctx) {
        bool found = false;
        if (fail_global_list && strcmp(dir, "/loader/credentials") == 0)
                return UK_E_IO;
        for (size_t i = 0; i < n_fake; i++)
                if (strcmp(fake[i].dir, dir) == 0) {
                        found = true;
                        uk_err r = cb(cb_ctx, fake[i].name, fake[i].is_dir);
                        if (r)
                                return r;
                }
        return found ? UK_OK : UK_E_NOT_FOUND;
}

static uk_err fake_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        return UK_E_IO;
}

static uk_err fake_open(void *ctx, const char *path, struct uk_source *ret) {
        char p[600];
        for (size_t i = 0; i < n_fake; i++) {
                snprintf(p, sizeof p, "%s/%s", fake[i].dir, fake[i].name);
                if (strcmp(p, path) == 0 && !fake[i].is_dir) {
                        ret->read_at = fake_read_at;
                        ret->ctx = NULL;
                        ret->size = fake[i].size;
                        return UK_OK;
                }
        }
        return UK_E_NOT_FOUND;
}

static void fake_close(void *ctx, struct uk_source *src) {
}

static const struct uk_fs_ops fake_fs = { .list_dir = fake_list, .open_source = fake_open, .close_source = fake_close };

static struct uk_extras extras;

static void test_wanted(void) {
        static const struct { enum uk_extra_kind kind; const char *name; bool is_dir; bool want; } t[] = {
                { UK_EXTRA_CREDENTIAL, "a.cred", false, true },
                { UK_EXTRA_CREDENTIAL, "A.CRED", false, true },         /* suffix matched without case */
                { UK_EXTRA_CREDENTIAL, "a.cred", true, false },         /* directories are not files */
                { UK_EXTRA_CREDENTIAL, ".a.cred", false, false },       /* hidden */
                { UK_EXTRA_CREDENTIAL, "a.cred.txt", false, false },
                { UK_EXTRA_CREDENTIAL, "cred", false, false },
                { UK_EXTRA_CREDENTIAL, "\xc3\xa4.cred", false, false }, /* not ASCII */
                { UK_EXTRA_CREDENTIAL, "a.raw", false, false },
                { UK_EXTRA_GLOBAL_CREDENTIAL, "g.cred", false, true },
                { UK_EXTRA_SYSEXT, "x.raw", false, true },
                { UK_EXTRA_SYSEXT, "x.Raw", false, true },
                { UK_EXTRA_SYSEXT, "x.cred", false, false },
                { UK_EXTRA_SYSEXT, "x.confext.raw", false, false },     /* the confext's, not a sysext */
                { UK_EXTRA_SYSEXT, "x.CONFEXT.RAW", false, false },
                { UK_EXTRA_SYSEXT, "x.sysext.raw", false, true },
                { UK_EXTRA_CONFEXT, "x.confext.raw", false, true },
                { UK_EXTRA_CONFEXT, "x.Confext.Raw", false, true },
                { UK_EXTRA_CONFEXT, "x.raw", false, false },
                { UK_EXTRA_CONFEXT, "confext.raw", false, false },
                { UK_EXTRA_GLOBAL_SYSEXT, "g.raw", false, true },
                { UK_EXTRA_GLOBAL_SYSEXT, "g.confext.raw", false, false },
                { UK_EXTRA_GLOBAL_CONFEXT, "g.confext.raw", false, true },
                { _UK_EXTRA_KIND_MAX, "x.raw", false, false },
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
                CHECK(uk_extra_wanted(t[i].kind, t[i].name, t[i].is_dir) == t[i].want, "row %zu (%s)", i, t[i].name);

        char longname[300];
        memset(longname, 'a', 251);
        strcpy(longname + 251, ".cred");                        /* 256 bytes: over Linux's 255 */
        CHECK(!uk_extra_wanted(UK_EXTRA_CREDENTIAL, longname, false), "256-byte name");
        strcpy(longname + 250, ".cred");                        /* 255 bytes */
        CHECK(uk_extra_wanted(UK_EXTRA_CREDENTIAL, longname, false), "255-byte name");
}

#define DROPIN "/EFI/Linux/x.efi.extra.d"

static void test_scan_order(void) {
        static const struct fake_file files[] = {
                { DROPIN, "b.cred", false, 5 },
                { DROPIN, "sys.raw", false, 1000 },
                { DROPIN, "a.cred", false, 3 },
                { DROPIN, ".hidden.cred", false, 1 },
                { DROPIN, "dir.cred", true, 0 },
                { DROPIN, "notes.txt", false, 1 },
                { DROPIN, "Z.CRED", false, 7 },
                { DROPIN, "a.raw", false, 9 },
                { DROPIN, "etc.confext.raw", false, 13 },
                { "/loader/credentials", "g.cred", false, 11 },
                { "/loader/credentials", "g.raw", false, 11 },          /* extensions are not credentials */
                { "/loader/extensions", "h.raw", false, 17 },           /* v258: global extensions */
                { "/loader/extensions", "e.confext.raw", false, 19 },
                { "/loader/extensions", "c.cred", false, 1 },           /* credentials are not extensions */
                { "/EFI/Linux", "other.cred", false, 1 },               /* next to, not inside, the drop-in dir */
        };
        static const struct { enum uk_extra_kind kind; const char *path; uint64_t size; } want[] = {
                { UK_EXTRA_CREDENTIAL, DROPIN "/Z.CRED", 7 },            /* byte order: upper case first */
                { UK_EXTRA_CREDENTIAL, DROPIN "/a.cred", 3 },
                { UK_EXTRA_CREDENTIAL, DROPIN "/b.cred", 5 },
                { UK_EXTRA_GLOBAL_CREDENTIAL, "/loader/credentials/g.cred", 11 },
                { UK_EXTRA_SYSEXT, DROPIN "/a.raw", 9 },
                { UK_EXTRA_SYSEXT, DROPIN "/sys.raw", 1000 },
                { UK_EXTRA_GLOBAL_SYSEXT, "/loader/extensions/h.raw", 17 },
                { UK_EXTRA_CONFEXT, DROPIN "/etc.confext.raw", 13 },
                { UK_EXTRA_GLOBAL_CONFEXT, "/loader/extensions/e.confext.raw", 19 },
        };
        fake = files, n_fake = sizeof files / sizeof files[0];
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, sizeof want / sizeof want[0], "line %d", __LINE__);
        for (size_t i = 0; i < extras.n && i < sizeof want / sizeof want[0]; i++) {
                CHECK_EQ_INT(extras.files[i].kind, want[i].kind, "line %d", __LINE__);
                CHECK_EQ_STR(extras.files[i].path, want[i].path);
                CHECK_EQ_INT(extras.files[i].size, want[i].size, "line %d", __LINE__);
        }

        /* A directory that fails to list is an I/O error naming it (the stub would skip it: the initrd
         * would silently lack its files). */
        fail_global_list = true;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_E_IO, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 0, "line %d", __LINE__);
        CHECK_EQ_STR(extras.io_path, "/loader/credentials");
        fail_global_list = false;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_STR(extras.io_path, "");

        /* A counted UKI keeps its drop-in directory: the stub names it without the counter. */
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x+2-1.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, sizeof want / sizeof want[0], "counted UKI: line %d", __LINE__);
        CHECK_EQ_STR(extras.files[0].path, DROPIN "/Z.CRED");
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/X+3.EFI", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 3, "other case: only the global files in this fake, line %d", __LINE__);

        /* Long UKI paths: the drop-in name fits the ESP path limit or is not used, never written past it. */
        for (size_t dirlen = 240; dirlen < UK_PATH_MAX; dirlen++) {
                char path[UK_PATH_MAX + 8], out[UK_PATH_MAX];
                memset(path, 'a', dirlen);
                path[0] = '/';
                strcpy(path + dirlen, "/x.efi");
                path[UK_PATH_MAX - 1] = 0;
                memset(out, 0x5a, sizeof(out));
                bool ok = uk_extras_dropin_dir(path, out, sizeof(out));
                CHECK(!ok || (strlen(out) < sizeof(out) && strstr(out, ".efi.extra.d")), "dir length %zu", dirlen);
                CHECK(uk_extras_scan(&fake_fs, path, &extras) == UK_OK, "scan with dir length %zu", dirlen);
        }

        /* Nothing next to another UKI, and no directories at all. */
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/y.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 3, "line %d", __LINE__);
        fake = NULL, n_fake = 0;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 0, "line %d", __LINE__);
}

static void test_scan_limits(void) {
        /* One file over 4 GiB - 1 drops its whole archive (the stub fails that cpio); the others stay. */
        static const struct fake_file big[] = {
                { DROPIN, "a.raw", false, 1 },
                { DROPIN, "huge.raw", false, 0x100000000ull },
                { DROPIN, "c.cred", false, 0xffffffffull },             /* the largest a newc header holds */
        };
        fake = big, n_fake = 3;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 1, "line %d", __LINE__);
        CHECK_EQ_STR(extras.files[0].name, "c.cred");

        /* More files than a plan carries is refused, not cut. */
        static struct fake_file many[UK_EXTRAS_MAX + 1];
        static char names[UK_EXTRAS_MAX + 1][16];
        for (size_t i = 0; i <= UK_EXTRAS_MAX; i++) {
                snprintf(names[i], sizeof names[i], "%02zu.cred", i);
                many[i] = (struct fake_file) { DROPIN, names[i], false, 1 };
        }
        fake = many, n_fake = UK_EXTRAS_MAX;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, UK_EXTRAS_MAX, "line %d", __LINE__);
        fake = many, n_fake = UK_EXTRAS_MAX + 1;
        CHECK_EQ_INT(uk_extras_scan(&fake_fs, "/EFI/Linux/x.efi", &extras), UK_E_TOO_MANY, "line %d", __LINE__);
        CHECK_EQ_INT(extras.n, 0, "line %d", __LINE__);
        fake = NULL, n_fake = 0;
}

/* ---- the plan ---- */

static uint8_t kernel[2048];
static uint8_t uki_buf[16384];
static size_t uki_len;
static struct uk_uki uki;
static struct uk_plan plan, plan_none;
static char canon[UK_PLAN_CANONICAL_MAX], canon_none[UK_PLAN_CANONICAL_MAX];
static const char cred_data[] = "xyz";                  /* 3 bytes: one byte of padding */
static const char global_data[] = "global!";            /* 7 bytes */
static const char initrd[] = "INITRD-10B";

static uk_err build(const struct uk_extras *x, struct uk_plan *p) {
        static struct uk_source src;
        uk_source_from_memory(&src, uki_buf, uki_len);
        uk_err r = uk_uki_parse(&src, &uki);
        if (r)
                return r;
        struct uk_plan_in in = { .src = &src, .uki = &uki, .extras = x };
        return uk_plan_build(&in, p);
}

static uk_err read_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        const char *data = NULL;
        size_t size = 0;
        if (piece->source == UK_PIECE_UKI) {
                if (piece->offset + offset + len > uki_len)
                        return UK_E_IO;
                memcpy(buf, uki_buf + piece->offset + offset, len);
                return UK_OK;
        }
        if (piece->source != UK_PIECE_CPIO_FILE)
                return UK_E_IO;
        if (strcmp(piece->path, DROPIN "/a.cred") == 0)
                data = cred_data, size = 3;
        else if (strcmp(piece->path, "/loader/credentials/g.cred") == 0)
                data = global_data, size = 7;
        if (!data || offset + len > size)
                return UK_E_IO;
        memcpy(buf, data + offset, len);
        return UK_OK;
}

/* One newc record, written from the format (110-byte header of "070701" and 13 eight-digit hex fields). */
static size_t newc(uint8_t *out, uint32_t ino, uint32_t mode, uint32_t nlink, const char *name, const char *data,
                   size_t len) {
        size_t n = (size_t) sprintf((char *) out, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                                    ino, mode, 0, 0, nlink, 0, (unsigned) len, 0, 0, 0, 0,
                                    (unsigned) strlen(name) + 1, 0);
        memcpy(out + n, name, strlen(name) + 1);
        n += strlen(name) + 1;
        while (n % 4)
                out[n++] = 0;
        memcpy(out + n, data, len);
        n += len;
        while (n % 4)
                out[n++] = 0;
        return n;
}

/* The trailer as systemd-stub writes it: name size spelled "0000000B". */
static size_t trailer(uint8_t *out) {
        size_t n = newc(out, 0, 0, 1, "TRAILER!!!", "", 0);
        out[6 + 11 * 8 + 7] = 'B';
        return n;
}

static void test_plan_pieces(void) {
        peb_fake_kernel(kernel, sizeof(kernel));
        static const char pcrsig[] = "{}\n";
        struct peb_section s[] = {
                { .name = ".linux", .data = (const char *) kernel, .len = sizeof(kernel) },
                { .name = ".initrd", .data = initrd, .len = 10 },
                { .name = ".pcrsig", .data = pcrsig, .len = 3 },
        };
        uki_len = peb_build(uki_buf, sizeof(uki_buf), s, 3);
        CHECK(uki_len > 0, "UKI built");

        struct uk_extras x = { .n = 0 };
        CHECK_EQ_INT(build(NULL, &plan_none), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(build(&x, &plan), UK_OK, "line %d", __LINE__);
        size_t l1 = 0, l2 = 0;
        CHECK_EQ_INT(uk_plan_canonical(&plan_none, canon_none, sizeof canon_none, &l1), UK_OK, "line %d", __LINE__);
        CHECK_EQ_INT(uk_plan_canonical(&plan, canon, sizeof canon, &l2), UK_OK, "line %d", __LINE__);
        CHECK(l1 == l2 && memcmp(canon, canon_none, l1) == 0, "no extras: the same plan as without the list");
        CHECK(strstr(canon, "initrd cpio") == NULL, "no cpio line without files");

        x.n = 2;
        x.files[0] = (struct uk_extra_file) { .kind = UK_EXTRA_CREDENTIAL, .name = "a.cred", .path = DROPIN "/a.cred", .size = 3 };
        x.files[1] = (struct uk_extra_file) { .kind = UK_EXTRA_GLOBAL_CREDENTIAL, .name = "g.cred",
                                              .path = "/loader/credentials/g.cred", .size = 7 };
        CHECK_EQ_INT(build(&x, &plan), UK_OK, "line %d", __LINE__);

        /* .initrd, then the credentials archive (dirs, file, trailer), the global one, then .pcrsig's. */
        static const struct { enum uk_piece_source src; const char *label; } order[] = {
                { UK_PIECE_UKI, ".initrd" },
                { UK_PIECE_GENERATED, "/.extra/credentials/" },
                { UK_PIECE_CPIO_FILE, "a.cred" },
                { UK_PIECE_GENERATED, "/.extra/credentials/TRAILER!!!" },
                { UK_PIECE_GENERATED, "/.extra/global_credentials/" },
                { UK_PIECE_CPIO_FILE, "g.cred" },
                { UK_PIECE_GENERATED, "/.extra/global_credentials/TRAILER!!!" },
                { UK_PIECE_GENERATED, "/.extra/tpm2-pcr-signature.json" },
        };
        CHECK_EQ_INT(plan.n_initrd, sizeof order / sizeof order[0], "line %d", __LINE__);
        for (unsigned i = 0; i < plan.n_initrd && i < sizeof order / sizeof order[0]; i++) {
                CHECK_EQ_INT(plan.initrd[i].source, order[i].src, "line %d", __LINE__);
                CHECK_EQ_STR(plan.initrd[i].label, order[i].label);
        }

        /* The exact bytes after .initrd (10 bytes + 2 of padding) up to .pcrsig's archive. */
        static uint8_t want[4096], got[8192];
        size_t n = 0;
        n += newc(want + n, 1, 0040555, 1, ".extra", "", 0);
        n += newc(want + n, 2, 0040500, 1, ".extra/credentials", "", 0);
        n += newc(want + n, 3, 0100400, 1, ".extra/credentials/a.cred", cred_data, 3);
        n += trailer(want + n);
        n += newc(want + n, 1, 0040555, 1, ".extra", "", 0);
        n += newc(want + n, 2, 0040500, 1, ".extra/global_credentials", "", 0);
        n += newc(want + n, 3, 0100400, 1, ".extra/global_credentials/g.cred", global_data, 7);
        n += trailer(want + n);
        CHECK(plan.initrd_total > 12 + n && plan.initrd_total <= sizeof got, "initrd_total %llu",
              (unsigned long long) plan.initrd_total);
        if (plan.initrd_total <= sizeof got) {
                CHECK_EQ_INT(uk_plan_initrd_read(&plan, 0, got, plan.initrd_total, read_piece, NULL), UK_OK, "line %d", __LINE__);
                CHECK(memcmp(got, initrd, 10) == 0, ".initrd first");
                CHECK(memcmp(got + 12, want, n) == 0, "credential archives byte for byte");
                /* Reads that start and end inside a header, the file, and its padding. */
                for (size_t off = 12; off < 12 + n; off += 7) {
                        uint8_t part[13];
                        size_t len = 12 + n - off < sizeof part ? 12 + n - off : sizeof part;
                        CHECK_EQ_INT(uk_plan_initrd_read(&plan, off, part, len, read_piece, NULL), UK_OK, "line %d", __LINE__);
                        CHECK(memcmp(part, want + off - 12, len) == 0, "partial read at %zu", off);
                }
        }
        /* The mode in the file's header, spelled out once: S_IFREG | 0400. */
        CHECK(memcmp(want + 120 + 132 + 14, "00008100", 8) == 0, "file mode field");

        CHECK_EQ_INT(uk_plan_canonical(&plan, canon, sizeof canon, &l2), UK_OK, "line %d", __LINE__);
        char line[256];
        const uint8_t *hdr = want + 120 + 132;          /* the a.cred record's header: 110 + 26 bytes */
        uint8_t d[32];
        uk_sha256(hdr, 136, d);
        int k = snprintf(line, sizeof line, "\ninitrd cpio " DROPIN "/a.cred 139 1 136 ");
        for (int i = 0; i < 32; i++)
                k += snprintf(line + k, sizeof line - (size_t) k, "%02x", d[i]);
        CHECK(strstr(canon, line) != NULL, "canonical cpio line %s in %s", line, canon);
        CHECK(strstr(canon, "\ninitrd gen /.extra/credentials/ 252 0 ") != NULL, "canonical head line");
        CHECK(strstr(canon, "\ninitrd gen /.extra/credentials/TRAILER!!! 124 0 ") != NULL, "canonical trailer line");
        CHECK(memcmp(canon, canon_none, 60) == 0, "same UKI lines");
        CHECK(memcmp(plan.digest, plan_none.digest, 32) != 0, "files change the digest");

        /* A file that cannot be read fails the read, never serves other bytes. */
        x.files[0].path[1] = 'X';
        CHECK_EQ_INT(build(&x, &plan), UK_OK, "line %d", __LINE__);
        CHECK(uk_plan_initrd_read(&plan, 0, got, plan.initrd_total, read_piece, NULL) != UK_OK, "unreadable file");
}

int main(void) {
        unit_suite = "extras";
        test_wanted();
        test_scan_order();
        test_scan_limits();
        test_plan_pieces();
        return unit_finish();
}
