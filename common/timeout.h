/* ukiboot — the boot menu's timeout as systemd-boot decides it: loader.conf `timeout`, LoaderConfigTimeout
 * and LoaderConfigTimeoutOneShot, with their special values. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* systemd-boot's values; bootctl writes them into LoaderConfigTimeout as decimal text. */
#define UK_TIMEOUT_HIDDEN   0ull                /* "menu-hidden": boot the default unless a key is pressed */
#define UK_TIMEOUT_MAX      4294967293ull       /* the longest countdown in seconds */
#define UK_TIMEOUT_UNSET    4294967294ull
#define UK_TIMEOUT_FORCE    4294967295ull       /* "menu-force": show the menu, no countdown */
#define UK_TIMEOUT_DISABLED 4294967296ull       /* "menu-disabled": never show the menu, keys or not */

/* A timeout as text: "menu-force", "menu-hidden", "menu-disabled" or decimal seconds. loader.conf takes
 * digits up to UINT32_MAX only; a variable's larger numbers count as UINT32_MAX (menu-force). */
uk_err uk_timeout_parse(const char *s, size_t len, bool from_variable, uint64_t *ret);

/* The three sources, each used only when present: loader.conf, then LoaderConfigTimeout over it, then
 * LoaderConfigTimeoutOneShot over both (which also forces the menu). Absent everywhere: hidden. */
struct uk_timeout_sources {
        bool has_conf, has_var, has_oneshot;
        uint64_t conf, var, oneshot;
};

struct uk_menu_timing {
        bool show;              /* draw the menu at once */
        bool key_opens;         /* not drawn: a key already pressed opens it (false for menu-disabled) */
        bool counts_down;       /* drawn: the default boots after `seconds` without a key */
        uint32_t seconds;
};

/* What the menu does, from the sources. */
void uk_menu_timing(const struct uk_timeout_sources *in, struct uk_menu_timing *ret);

/* The menu's `+`/`t` (inc) and `-`/`T` (dec) keys, as systemd-boot steps the timeout it then saves in
 * LoaderConfigTimeout: seconds go up and down (1 down is menu-hidden), menu-force and menu-hidden step into
 * each other and into 1 s, UNSET (no variable yet) goes to menu-force, menu-disabled to 1 s or menu-force;
 * the longest countdown stays. */
uint64_t uk_timeout_step(uint64_t current, bool inc);

/* What the menu says after a step, into buf[cap]: "Menu timeout set to N s.", "Timeout disabled, menu will
 * always be shown.", "Menu hidden. Hold down key at bootup to show menu." or "Menu timeout defined by
 * configuration file." */
void uk_timeout_step_text(uint64_t t, char *buf, size_t cap);
