/* ukiboot — the ESP as a directory: discovery like bootctl, FAT-like lookups, the uk_fs_ops over it. */
#pragma once
#include "entry.h"
#include "pipeline.h"

struct esp {
        int dir_fd;             /* O_PATH|O_DIRECTORY of the ESP root */
        char path[4096];
        struct esp *xbootldr;   /* the Extended Boot Loader partition beside it, NULL without one */
        struct uk_fs_ops xbootldr_ops;  /* its ops, chained to the ESP's by esp_fs_ops */
};
/* Use dir if given, else find the ESP like bootctl: /efi, /boot, /boot/efi holding /loader or /EFI. The
 * XBOOTLDR partition: xbootldr_dir if given, else (only when the ESP is found, not given) /boot when udev
 * says its GPT partition type is XBOOTLDR's, as bootctl finds it; /boot is then not taken for the ESP. */
int esp_open(const char *dir, const char *xbootldr_dir, struct esp *ret);
void esp_close(struct esp *e);
/* The partition an entry's or a plan's files are on: e's XBOOTLDR when xbootldr, else e itself. */
const struct esp *esp_part(const struct esp *e, bool xbootldr);
/* Open an ESP-absolute path ('/' separators), matching names case-insensitively like FAT. -errno. */
int esp_open_file(const struct esp *e, const char *path, int flags);
/* Rename the file at ESP path from to ESP path to (same directory, never over an existing file) and make it
 * durable (fsync of the directory): boot counting. 0 or -errno. */
int esp_rename(const struct esp *e, const char *from, const char *to);
/* The uk_fs_ops over this ESP, its XBOOTLDR partition's chained (ret->xbootldr). */
void esp_fs_ops(struct esp *e, struct uk_fs_ops *ret);
/* loader.conf, the entries and the default, as the EFI twin reads them (common/pipeline.c), with the
 * one-shot and default entries from efivarfs; notes printed as warnings. malloc'd: free(). Exit code. */
/* The Boot Loader Interface variables that chose the default, as esp_bootmenu read them. */
struct esp_choice {
        char one_shot[256], efi_default[256], last_booted[256];
        bool have_one_shot, have_default, have_last_booted;
};
int esp_bootmenu(struct esp *e, struct uk_bootmenu **ret, struct esp_choice *ret_choice);
