/* ukiboot EFI — the boot menu on ConOut/ConIn (graphics console and serial alike). */
#pragma once
#include "efi-util.h"
#include "entry.h"

#define MENU_TIMEOUT_FOREVER UINT32_MAX

struct menu_config {
        uint32_t timeout_sec;       /* 0: hidden unless a key is already pressed; MENU_TIMEOUT_FOREVER: wait */
        bool keys_ignored;          /* with timeout_sec 0: not even a pressed key shows it (menu-disabled) */
        bool editor;                /* 'e' may add to the command line */
        /* Optional: true if anything typed in the editor would be ignored for this entry (Secure Boot and an
         * embedded .cmdline); the editor then says so instead of opening. */
        bool (*cmdline_locked)(void *ctx, const struct uk_entry *e);
        void *cmdline_locked_ctx;
        /* The line the editor starts from for e (common/editor.c); NULL: an empty line. */
        void (*editor_start)(void *ctx, const struct uk_entry *e, char *buf, size_t cap);
        void *editor_ctx;
        /* Optional: 'd' makes the selected entry the saved default (LoaderEntryDefault), or clears it when it
         * already is. saved_default[saved_default_cap] holds the current saved id ("" if none). */
        EFI_STATUS (*save_default)(const char *id_or_null);
        char *saved_default;
        size_t saved_default_cap;
        /* The timeout in effect (a UK_TIMEOUT_* value or seconds: LoaderConfigTimeout, else loader.conf's,
         * else UK_TIMEOUT_UNSET) that `+`/`-` step from, and how a changed one is kept (NULL: not kept). */
        uint64_t timeout_now;
        EFI_STATUS (*save_timeout)(uint64_t timeout);
        bool beep;                  /* loader.conf `beep`: N beeps when the Nth entry is selected */
        bool secure_boot;           /* for the 'p' status page */
};

/* Let the user pick an entry; returns its index (def when the timeout runs out). The whole command line as
 * the editor left it lands in edited[cap] ("" and *ret_edited false if the editor was not used; what it
 * means: common/editor.c). *ret_chosen: a person picked it (Enter or the editor), rather
 * than the timeout or a hidden menu. message (NULL: none) is shown under the entries, e.g. why the last
 * choice could not be booted. */
int menu_run(const struct uk_entry *entries, size_t n, int def, const struct menu_config *cfg,
             const char *message, char *edited, size_t cap, bool *ret_edited, bool *ret_chosen);
