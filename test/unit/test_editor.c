/* ukiboot — unit tests: the menu editor's line (common/editor.c): where it starts, what an edit means. */
#include <string.h>
#include "unit.h"
#include "editor.h"
#include "fake_fs.h"
#include "pe_builder.h"
#include "util.h"

static void test_result(void) {
        static const struct {
                const char *start, *edited;
                enum uk_edit want;
                const char *append;
        } t[] = {
                { "root=/dev/vda quiet", "root=/dev/vda quiet", UK_EDIT_UNCHANGED, NULL },
                { "root=/dev/vda quiet", "  root=/dev/vda quiet ", UK_EDIT_UNCHANGED, NULL },
                { "root=/dev/vda quiet", "root=/dev/vda quiet single", UK_EDIT_APPEND, "single" },
                { "root=/dev/vda quiet", "root=/dev/vda quiet   a b", UK_EDIT_APPEND, "a b" },
                { "", "init=/bin/sh", UK_EDIT_APPEND, "init=/bin/sh" },
                /* Not an addition: a word changed, removed, or run into the last one. */
                { "root=/dev/vda quiet", "root=/dev/vdb quiet", UK_EDIT_REPLACE, NULL },
                { "root=/dev/vda quiet", "root=/dev/vda", UK_EDIT_REPLACE, NULL },
                { "root=/dev/vda quiet", "root=/dev/vda quietx", UK_EDIT_REPLACE, NULL },
                { "root=/dev/vda quiet", "", UK_EDIT_REPLACE, NULL },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                const char *a = NULL;
                CHECK_EQ_INT(uk_editor_result(t[i].start, t[i].edited, &a), t[i].want, "'%s' -> '%s'", t[i].start,
                             t[i].edited);
                if (t[i].append)
                        CHECK(a && strcmp(a, t[i].append) == 0, "'%s': appended '%s'", t[i].edited, a ? a : "(null)");
        }
}

static void test_start(void) {
        static uint8_t uki[8192];
        static const struct peb_section secs[] = {
                { .name = ".osrel", .data = "ID=x\n", .len = 5 },
                { .name = ".cmdline", .data = "console=ttyS0\tquiet\n", .len = 20 },
                { .name = ".linux", .data = "MZ-kernel", .len = 9 },
                { .name = ".profile", .data = "ID=a", .len = 4 },
                { .name = ".profile", .data = "ID=b", .len = 4 },
                { .name = ".cmdline", .data = "profile=b", .len = 9 },
        };
        size_t len = peb_build(uki, sizeof(uki), secs, UK_ELEMENTSOF(secs));
        CHECK(len > 0, "UKI built");
        const struct fake_file files[] = { { "/EFI/Linux/x.efi", uki, len, false } };
        struct fake_fs fs = { .files = files, .n = 1 };
        struct uk_fs_ops ops = fake_fs_ops(&fs);
        struct uk_entry e = { .kind = UK_ENTRY_KIND_UKI };
        char buf[64];

        strcpy(e.uki_path, "/EFI/Linux/x.efi");
        CHECK_EQ_INT(uk_editor_start(&ops, &e, buf, sizeof(buf)), UK_OK, "UKI, profile 0");
        CHECK_EQ_STR(buf, "console=ttyS0 quiet");        /* control characters as spaces, trimmed */
        e.has_profile = true, e.profile = 1;
        CHECK_EQ_INT(uk_editor_start(&ops, &e, buf, sizeof(buf)), UK_OK, "UKI, profile 1");
        CHECK_EQ_STR(buf, "profile=b");
        strcpy(e.options, "root=/dev/vda");
        e.has_options = true;
        CHECK_EQ_INT(uk_editor_start(&ops, &e, buf, sizeof(buf)), UK_OK, "options win");
        CHECK_EQ_STR(buf, "root=/dev/vda");
        CHECK_EQ_INT(uk_editor_start(&ops, &e, buf, 5), UK_E_BUFFER_TOO_SMALL, "too small");
        e.has_options = false;
        strcpy(e.uki_path, "/EFI/Linux/gone.efi");
        CHECK_EQ_INT(uk_editor_start(&ops, &e, buf, sizeof(buf)), UK_OK, "unreadable UKI");
        CHECK_EQ_STR(buf, "");
        CHECK_EQ_INT(fs.open_sources, 0, "sources closed");
        CHECK_EQ_INT(uk_editor_start(&ops, NULL, buf, sizeof(buf)), UK_E_INVALID_ARG, "NULL entry");
}

int main(void) {
        unit_suite = "editor";
        test_result();
        test_start();
        return unit_finish();
}
