/* ukiboot — SHA-256 against the FIPS 180-4 / NIST example vectors, and split-update equivalence. */
#include <unistd.h>
#include "unit.h"
#include "sha256.h"

struct vector {
        const char *name;
        const char *msg;
        size_t repeat;          /* message is msg repeated this many times */
        const char *hex;
};

static const struct vector vectors[] = {
        { "empty", "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "896-bit", "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        { "million-a", "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static void digest_repeated(const struct vector *v, char hex[65]) {
        struct uk_sha256 c;
        uint8_t d[32];
        size_t l = strlen(v->msg);
        uk_sha256_init(&c);
        for (size_t i = 0; i < v->repeat; i++)
                uk_sha256_update(&c, v->msg, l);
        uk_sha256_final(&c, d);
        uk_sha256_hex(d, hex);
}

int main(void) {
        unit_suite = "sha256";

        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
                char hex[65];
                digest_repeated(&vectors[i], hex);
                CHECK(strcmp(hex, vectors[i].hex) == 0, "%s: got %s", vectors[i].name, hex);
        }

        /* One-shot and every split point of a message spanning several blocks give the same digest. */
        uint8_t msg[200];
        for (size_t i = 0; i < sizeof(msg); i++)
                msg[i] = (uint8_t) (i * 7 + 3);
        for (size_t total = 0; total <= sizeof(msg); total += 13) {
                uint8_t ref[32];
                uk_sha256(msg, total, ref);
                for (size_t split = 0; split <= total; split++) {
                        struct uk_sha256 c;
                        uint8_t d[32];
                        uk_sha256_init(&c);
                        uk_sha256_update(&c, msg, split);
                        uk_sha256_update(&c, msg + split, total - split);
                        uk_sha256_final(&c, d);
                        CHECK(memcmp(d, ref, 32) == 0, "split %zu of %zu differs", split, total);
                }
        }

        /* Byte-by-byte feeding across the 55/56/64-byte padding boundaries. */
        for (size_t total = 50; total <= 130; total++) {
                uint8_t ref[32], d[32];
                struct uk_sha256 c;
                uk_sha256(msg, total, ref);
                uk_sha256_init(&c);
                for (size_t i = 0; i < total; i++)
                        uk_sha256_update(&c, msg + i, 1);
                uk_sha256_final(&c, d);
                CHECK(memcmp(d, ref, 32) == 0, "bytewise %zu differs", total);
        }

        /* Cross-check padding-boundary lengths against sha256sum, the independent reference here. */
        char tmp[] = "/tmp/ukiboot-sha256-XXXXXX";
        int fd = mkstemp(tmp);
        CHECK(fd >= 0, "mkstemp failed");
        if (fd >= 0)
                close(fd);
        for (size_t total = 54; fd >= 0 && total <= 66; total++) {
                char cmd[128], expect[65] = "", hex[65];
                uint8_t d[32];
                FILE *f = fopen(tmp, "wb");
                if (!f)
                        break;
                fwrite(msg, 1, total, f);
                fclose(f);
                snprintf(cmd, sizeof(cmd), "sha256sum %s", tmp);
                FILE *p = popen(cmd, "r");
                if (!p)
                        break;
                if (fscanf(p, "%64s", expect) != 1)
                        expect[0] = 0;
                pclose(p);
                uk_sha256(msg, total, d);
                uk_sha256_hex(d, hex);
                CHECK(strcmp(hex, expect) == 0, "len %zu: %s vs sha256sum %s", total, hex, expect);
        }
        if (fd >= 0)
                unlink(tmp);

        return unit_finish();
}
