/* ukiboot inspect --pcr11 — the SHA-256 PCR 11 value systemd-stub (and so ukiboot's EFI program) leaves for a
 * UKI, simulated from all-zero PCRs: for each measured section, extend with SHA-256(name + NUL), then with
 * SHA-256(section bytes as loaded). Same section list and order as efi/tpm.c: common/uki.c decides both. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "uki.h"
#include "log.h"
#include "source_fd.h"
#include "pcr.h"
#include "sha256.h"

static const char *stub_gen_name(enum uk_stub_gen g) {
        return g == UK_STUB_GEN_252 ? "252" : "253+";
}

/* PCR := SHA-256(PCR || digest): what TPM2_PCR_Extend does for the sha256 bank. */
static void pcr_extend(uint8_t pcr[32], const uint8_t digest[32]) {
        struct uk_sha256 c;
        uk_sha256_init(&c);
        uk_sha256_update(&c, pcr, 32);
        uk_sha256_update(&c, digest, 32);
        uk_sha256_final(&c, pcr);
}

/* SHA-256 of a section as the stub sees it in memory: file bytes, then zero fill. One fixed buffer. */
static uk_err digest_item(const struct uk_source *src, const struct uk_pcr11_item *it, uint8_t ret[32]) {
        static const uint8_t zeros[64 * 1024];
        struct uk_sha256 c;
        uint64_t left;

        uk_sha256_init(&c);
        uk_err e = source_sha256_update(&c, src, it->offset, it->length);
        if (e)
                return e;
        for (left = it->zero_fill; left > 0;) {
                size_t n = left < sizeof zeros ? (size_t) left : sizeof zeros;
                uk_sha256_update(&c, zeros, n);
                left -= n;
        }
        uk_sha256_final(&c, ret);
        return UK_OK;
}

int inspect_pcr11(const struct fd_source *file, unsigned profile, bool json) {
        struct uk_pcr11_item items[_UK_SEC_MAX];
        uint8_t pcr[32] = {}, d[32];
        unsigned n = 0;
        char hex[65];
        uk_err e;

        struct uk_uki *uki = calloc(1, sizeof *uki);
        if (!uki)
                return log_fail(EXIT_FAILED, "out of memory");
        if ((e = uk_uki_parse(&file->src, uki))) {
                free(uki);
                return log_uk(e, file->label);
        }
        enum uk_stub_gen gen;
        if ((e = uk_uki_stub_gen(&file->src, uki, &gen)) || (e = uk_uki_pcr11_items(uki, profile, gen, items, &n))) {
                free(uki);
                return log_uk(e, file->label);
        }
        free(uki);
        for (unsigned i = 0; i < n; i++) {
                const char *name = uk_sec_table[items[i].sec].name;
                uk_sha256(name, strlen(name) + 1, d);
                pcr_extend(pcr, d);
                if ((e = digest_item(&file->src, &items[i], d)))
                        return log_uk(e, file->label);
                pcr_extend(pcr, d);
        }
        uk_sha256_hex(pcr, hex);
        if (!json) {
                /* systemd-measure's notation, so the two can be compared with a plain string match. */
                printf("11:sha256=%s\n", hex);
                return EXIT_OK;
        }
        printf("{\n  \"pcr\": 11,\n  \"bank\": \"sha256\",\n  \"stub\": \"%s\",\n  \"profile\": %u,\n  \"sections\": [",
               stub_gen_name(gen), profile);
        for (unsigned i = 0; i < n; i++)
                printf("%s\"%s\"", i ? ", " : "", uk_sec_table[items[i].sec].name);
        printf("],\n  \"value\": \"%s\"\n}\n", hex);
        return EXIT_OK;
}
