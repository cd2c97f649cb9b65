/* ukiboot — fuzz the boot plan: the input is a UKI image in memory. Plans are built for profiles 0..3,
 * with and without Secure Boot, options and append, formatted all three ways, and the initrd is read
 * back in a few windows; the same bytes are also tried as the kernel of a `linux` entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "sha256.h"

static const uint8_t *img;
static size_t img_len;

static uk_err read_piece(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len) {
        (void) ctx;
        if (piece->source == UK_PIECE_FILE) {
                memset(buf, 0x5a, len);
                return UK_OK;
        }
        /* A UKI piece must lie inside the image: the plan promised it. */
        if (piece->offset > img_len || piece->length > img_len - piece->offset ||
            offset > piece->length || len > piece->length - offset)
                abort();
        memcpy(buf, img + piece->offset + offset, len);
        return UK_OK;
}

static struct uk_plan plan;
static char out[32768];
static uint8_t buf[8192];

static void exercise(const struct uk_plan *p) {
        size_t len;
        uint8_t d[32];
        if (uk_plan_canonical(p, out, sizeof(out), &len) != UK_OK || strlen(out) != len)
                abort();
        uk_sha256(out, len, d);
        if (memcmp(d, p->digest, 32) != 0)
                abort();
        (void) uk_plan_canonical(p, out, len / 2 + 1, &len);
        (void) uk_plan_format_text(p, out, sizeof(out), &len);
        (void) uk_plan_format_json(p, out, sizeof(out), &len);
        (void) uk_plan_format_json(p, out, 100, &len);

        uint64_t sum = 0;
        for (unsigned i = 0; i < p->n_initrd; i++) {
                uint64_t span = p->initrd[i].length + p->initrd[i].zero_fill + p->initrd[i].pad;
                if (span % 4 != 0)
                        abort();
                sum += span;
        }
        if (sum != p->initrd_total)
                abort();
        uint64_t t = p->initrd_total;
        uint64_t starts[] = { 0, t / 3, t > 5 ? t - 5 : 0 };
        for (size_t i = 0; i < 3; i++) {
                size_t n = t - starts[i] < sizeof(buf) ? (size_t) (t - starts[i]) : sizeof(buf);
                if (uk_plan_initrd_read(p, starts[i], buf, n, read_piece, NULL) != UK_OK)
                        abort();
        }
        if (uk_plan_initrd_read(p, t, buf, 1, read_piece, NULL) == UK_OK)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct uk_uki uki;
        static struct uk_entry entry;
        struct uk_source src;

        img = data;
        img_len = size;
        uk_source_from_memory(&src, data, size);

        memset(&entry, 0, sizeof(entry));
        entry.kind = UK_ENTRY_KIND_UKI;
        strcpy(entry.options, "root=/dev/vda\tquiet");
        entry.has_options = true;

        if (uk_uki_parse(&src, &uki) == UK_OK) {
                /* The last input byte picks the entry/append/Secure Boot variant; all four profiles are built. */
                unsigned v = size > 0 ? data[size - 1] & 3 : 0;
                for (unsigned profile = 0; profile < 4; profile++) {
                        struct uk_plan_in in = {
                                .src = &src, .uki = &uki, .entry = (v & 1) ? &entry : NULL,
                                .has_profile = true, .profile = profile,
                                .append = (v & 2) ? "debug \x01" : NULL,
                        };
                        in.machine.secure_boot = v == 3;
                        if (uk_plan_build(&in, &plan) == UK_OK)
                                exercise(&plan);
                }
        }

        /* The same bytes as the kernel file of a `linux` entry. */
        memset(&entry, 0, sizeof(entry));
        entry.kind = UK_ENTRY_KIND_LINUX;
        strcpy(entry.linux_path, "/vmlinuz");
        strcpy(entry.initrd[0], "/initrd.img");
        entry.n_initrd = 1;
        struct uk_plan_in in = { .src = &src, .entry = &entry, .initrd_file_sizes = { size % 1000 } };
        if (uk_plan_build(&in, &plan) == UK_OK)
                exercise(&plan);
        return 0;
}
