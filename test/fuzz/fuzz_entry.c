/* ukiboot — fuzz Type #1 entry parsing, boot counting and the version compare.
 *
 * Input: the first line is the file name (boot counter and id come from it), the rest is the .conf
 * text. Beyond "does not crash", the promises of entry.h are checked on every accepted entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "util.h"

static struct uk_entry e, e2;

static void check_str(const char *s, size_t cap) {
        if (memchr(s, 0, cap) == NULL)
                abort();        /* every field is NUL-terminated inside its array */
}

static int sgn(int v) {
        return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char name[UK_PATH_MAX];
        size_t nl = 0;

        while (nl < size && data[nl] != '\n' && nl < sizeof(name) - 1)
                nl++;
        memcpy(name, data, nl);
        name[nl] = 0;
        const char *text = (const char *) data + (nl < size ? nl + 1 : nl);
        size_t len = size - (size_t) (text - (const char *) data);

        uk_err r = uk_entry_parse_conf(text, len, name, "/loader/entries/fuzz.conf", &e);
        if (r == UK_OK) {
                check_str(e.id, sizeof(e.id));
                check_str(e.title, sizeof(e.title));
                check_str(e.version, sizeof(e.version));
                check_str(e.sort_key, sizeof(e.sort_key));
                check_str(e.machine_id, sizeof(e.machine_id));
                check_str(e.architecture, sizeof(e.architecture));
                check_str(e.options, sizeof(e.options));
                check_str(e.url, sizeof(e.url));
                if (e.n_initrd > UK_ENTRY_MAX_INITRDS)
                        abort();
                for (unsigned i = 0; i < e.n_initrd; i++)
                        if (e.initrd[i][0] != '/')
                                abort();
                if (e.n_initrd_url > UK_ENTRY_MAX_INITRDS || e.n_initrd_pin > UK_ENTRY_MAX_INITRDS)
                        abort();
                for (unsigned i = 0; i < e.n_initrd_url; i++)
                        check_str(e.initrd_url[i], sizeof(e.initrd_url[i]));
                for (const char *p = e.id; *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                abort();        /* ids are lower-case */
                /* the kind names a field that is set */
                if (((e.kind == UK_ENTRY_KIND_LINUX || e.kind == UK_ENTRY_KIND_MULTIBOOT) && e.linux_path[0] != '/') ||
                    (e.kind == UK_ENTRY_KIND_EFI && e.efi_path[0] != '/') ||
                    (e.kind == UK_ENTRY_KIND_UKI && e.uki_path[0] != '/') ||
                    ((e.kind == UK_ENTRY_KIND_UKI_URL || e.kind == UK_ENTRY_KIND_LINUX_URL) && e.url[0] == 0) ||
                    (e.kind == UK_ENTRY_KIND_LINUX_URL && uk_strnlen(e.url, sizeof(e.url)) >= UK_PATH_MAX))
                        abort();
                if ((e.tries_left == UK_TRIES_UNSET) != (e.tries_done == UK_TRIES_UNSET))
                        abort();
                if (uk_entry_compare(&e, &e) != 0)
                        abort();
                /* version compare: reflexive and antisymmetric on what the fuzzer wrote */
                if (uk_strverscmp(e.title, e.title) != 0 ||
                    sgn(uk_strverscmp(e.title, e.version)) != -sgn(uk_strverscmp(e.version, e.title)))
                        abort();
                memcpy(&e2, &e, sizeof(e));
                e2.tries_left = 0;
                if (uk_entry_compare(&e, &e2) > 0 && e.tries_left != 0)
                        abort();        /* a used-up entry never sorts first */
        }

        /* The file name alone through the counter parser. */
        char id[UK_PATH_MAX];
        uint32_t left, done;
        if (uk_entry_parse_tries(name, id, sizeof(id), &left, &done) == UK_OK && strlen(id) > strlen(name))
                abort();
        return 0;
}
