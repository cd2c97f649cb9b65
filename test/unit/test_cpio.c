/* ukiboot — newc cpio writer: exact bytes per the format, buffer limits, and extraction by real cpio(1). */
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "cpio.h"

#define Z8 "00000000"

/* Written out by hand from the newc specification (kernel buffer-format.rst), not from our output. */
static const char expect_archive[] =
        /* ".extra", directory 0555, inode 1, nlink 2 */
        "070701" "00000001" "0000416d" Z8 Z8 "00000002" Z8 Z8 Z8 Z8 Z8 Z8 "00000007" Z8
        ".extra\0" "\0\0\0"
        /* ".extra/a", file 0444, inode 2, nlink 1, 5 bytes */
        "070701" "00000002" "00008124" Z8 Z8 "00000001" Z8 "00000005" Z8 Z8 Z8 Z8 "00000009" Z8
        ".extra/a\0" "\0"
        "hello" "\0\0\0"
        /* trailer */
        "070701" Z8 Z8 Z8 Z8 "00000001" Z8 Z8 Z8 Z8 Z8 Z8 "0000000B" Z8     /* systemd-stub's "B" */
        "TRAILER!!!\0" "\0\0\0";
#define EXPECT_LEN (sizeof(expect_archive) - 1)

static uk_err build(uint8_t *buf, size_t cap, size_t *ret_len) {
        struct uk_cpio c;
        uk_err r;
        uk_cpio_init(&c, buf, cap, 1);
        if ((r = uk_cpio_add_dir(&c, ".extra", 0555)))
                return r;
        if ((r = uk_cpio_add_file(&c, ".extra/a", 0444, "hello", 5)))
                return r;
        if ((r = uk_cpio_finish(&c)))
                return r;
        *ret_len = c.len;
        return UK_OK;
}

static void test_exact_bytes(void) {
        uint8_t buf[1024];
        size_t len = 0;
        CHECK_EQ_INT(build(buf, sizeof(buf), &len), UK_OK, "build");
        CHECK_EQ_INT(len, EXPECT_LEN, "archive length");
        CHECK(len == EXPECT_LEN && memcmp(buf, expect_archive, EXPECT_LEN) == 0, "archive bytes differ");
        CHECK_EQ_INT(len % 4, 0, "archive 4-aligned");

        /* The size helper agrees with what the writer produced. */
        size_t sum = uk_cpio_entry_size(".extra", 0) + uk_cpio_entry_size(".extra/a", 5) +
                     uk_cpio_entry_size("TRAILER!!!", 0);
        CHECK_EQ_INT(sum, EXPECT_LEN, "uk_cpio_entry_size sum");
        CHECK_EQ_INT(uk_cpio_entry_size(".extra", 0), 120, "dir entry size");
        CHECK_EQ_INT(uk_cpio_entry_size("abc", 4), 116 + 4, "name 3 -> header 114 padded 116");
}

static void test_buffer_too_small(void) {
        /* Every cap below the full size must fail cleanly and never write at or past cap. */
        for (size_t cap = 0; cap < EXPECT_LEN; cap++) {
                uint8_t buf[EXPECT_LEN + 16];
                size_t len = 12345;
                memset(buf, 0xa5, sizeof(buf));
                uk_err r = build(buf, cap, &len);
                CHECK_EQ_INT(r, UK_E_BUFFER_TOO_SMALL, "cap %zu", cap);
                CHECK_EQ_INT(len, 12345, "ret_len untouched at cap %zu", cap);
                for (size_t i = cap; i < sizeof(buf); i++)
                        if (buf[i] != 0xa5) {
                                CHECK(0, "cap %zu: byte %zu written past cap", cap, i);
                                break;
                        }
        }
        /* A failed add leaves the archive as it was, so the caller can still finish it. */
        uint8_t buf[256];
        struct uk_cpio c;
        uk_cpio_init(&c, buf, 250, 1);
        CHECK_EQ_INT(uk_cpio_add_dir(&c, ".extra", 0555), UK_OK, "dir");
        CHECK_EQ_INT(uk_cpio_add_file(&c, ".extra/big", 0444, buf, 200), UK_E_BUFFER_TOO_SMALL, "too big");
        CHECK_EQ_INT(c.len, 120, "len unchanged after failure");
        CHECK_EQ_INT(c.next_ino, 2, "inode not consumed by failure");
        CHECK_EQ_INT(uk_cpio_finish(&c), UK_OK, "finish after failure");
}

static void test_bad_args(void) {
        uint8_t buf[256];
        struct uk_cpio c;
        uk_cpio_init(&c, buf, sizeof(buf), 1);
        CHECK_EQ_INT(uk_cpio_add_file(&c, "", 0444, "x", 1), UK_E_INVALID_ARG, "empty name");
        CHECK_EQ_INT(uk_cpio_add_file(&c, "TRAILER!!!", 0444, "x", 1), UK_E_INVALID_ARG, "trailer name");
        CHECK_EQ_INT(uk_cpio_add_file(&c, "x", 0444, NULL, 1), UK_E_INVALID_ARG, "NULL data");
        CHECK_EQ_INT(uk_cpio_add_dir(&c, NULL, 0555), UK_E_INVALID_ARG, "NULL path");
        CHECK_EQ_INT(c.len, 0, "nothing written");
        uk_cpio_init(&c, buf, sizeof(buf), UINT32_MAX);
        CHECK_EQ_INT(uk_cpio_add_dir(&c, "d", 0555), UK_E_TOO_MANY, "inode space exhausted");
}

static int read_file(const char *path, char *buf, size_t cap) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        size_t n = fread(buf, 1, cap - 1, f);
        fclose(f);
        buf[n] = 0;
        return (int) n;
}

/* Extract with GNU cpio, the independent reader, and look at the files it made. */
static void test_extract_with_cpio(void) {
        if (system("cpio --version >/dev/null 2>&1") != 0) {
                printf("SKIP: cpio-extract: cpio(1) not installed\n");
                return;
        }
        char dir[] = "/tmp/ukiboot-cpio-XXXXXX";
        if (!mkdtemp(dir)) {
                CHECK(0, "mkdtemp failed");
                return;
        }

        static uint8_t data[3000];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 31 + 7);
        static uint8_t buf[8192];
        struct uk_cpio c;
        uk_cpio_init(&c, buf, sizeof(buf), 1);
        CHECK_EQ_INT(uk_cpio_add_dir(&c, ".extra", 0555), UK_OK, "dir");
        CHECK_EQ_INT(uk_cpio_add_dir(&c, ".extra/sub", 0700), UK_OK, "subdir");
        CHECK_EQ_INT(uk_cpio_add_file(&c, ".extra/tpm2-pcr-signature.json", 0444, "{\"sig\":1}\n", 10), UK_OK, "f1");
        CHECK_EQ_INT(uk_cpio_add_file(&c, ".extra/sub/blob", 0600, data, sizeof(data)), UK_OK, "f2");
        CHECK_EQ_INT(uk_cpio_add_file(&c, ".extra/empty", 0644, NULL, 0), UK_OK, "f3");
        CHECK_EQ_INT(uk_cpio_finish(&c), UK_OK, "finish");

        char path[256], cmd[512], got[4096];
        snprintf(path, sizeof(path), "%s/archive.cpio", dir);
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL, "open archive");
        if (!f)
                return;
        fwrite(buf, 1, c.len, f);
        fclose(f);

        snprintf(cmd, sizeof(cmd), "cd %s && mkdir out && cd out && cpio -i --quiet -d --no-absolute-filenames < ../archive.cpio 2>../err", dir);
        CHECK_EQ_INT(system(cmd), 0, "cpio -i exit status");

        snprintf(path, sizeof(path), "%s/out/.extra/tpm2-pcr-signature.json", dir);
        CHECK_EQ_INT(read_file(path, got, sizeof(got)), 10, "extracted json length");
        CHECK_EQ_STR(got, "{\"sig\":1}\n", "json content");

        snprintf(path, sizeof(path), "%s/out/.extra/sub/blob", dir);
        FILE *b = fopen(path, "rb");
        CHECK(b != NULL, "blob extracted");
        if (b) {
                static uint8_t back[4000];
                size_t n = fread(back, 1, sizeof(back), b);
                fclose(b);
                CHECK(n == sizeof(data) && memcmp(back, data, n) == 0, "blob content (%zu bytes)", n);
        }

        struct stat st;
        snprintf(path, sizeof(path), "%s/out/.extra/tpm2-pcr-signature.json", dir);
        CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444, "json mode 0444");
        snprintf(path, sizeof(path), "%s/out/.extra/sub/blob", dir);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "blob mode 0600");
        snprintf(path, sizeof(path), "%s/out/.extra/empty", dir);
        CHECK(stat(path, &st) == 0 && st.st_size == 0, "empty file");
        snprintf(path, sizeof(path), "%s/out/.extra/sub", dir);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700, "subdir mode 0700");

        /* cpio -t lists exactly our names, in order. */
        snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s/archive.cpio", dir);
        FILE *p = popen(cmd, "r");
        size_t n = p ? fread(got, 1, sizeof(got) - 1, p) : 0;
        if (p)
                pclose(p);
        got[n] = 0;
        CHECK_EQ_STR(got, ".extra\n.extra/sub\n.extra/tpm2-pcr-signature.json\n.extra/sub/blob\n.extra/empty\n", "listing");

        snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s && rm -rf %s", dir, dir);
        if (system(cmd) != 0)
                printf("note: could not remove %s\n", dir);
}

int main(void) {
        unit_suite = "cpio";
        test_exact_bytes();
        test_buffer_too_small();
        test_bad_args();
        test_extract_with_cpio();
        return unit_finish();
}
