/* ukiboot EFI — the text console's mode (loader.conf `console-mode`, the menu's r/R keys) and the beep. */
#pragma once
#include "efi-util.h"

/* Switch to the mode loader.conf asks for (UK_CONSOLE_MODE_* or a number; KEEP and AUTO leave the firmware's),
 * remembering it as the one 'R' returns to. A mode the firmware does not offer is said and left alone. */
void console_set_configured(uint32_t mode);
/* 'r': the next mode the firmware offers (wrapping around). */
void console_next_mode(void);
/* 'R': back to the configured mode. */
void console_reset_mode(void);
/* The current mode's number and size, for the status page; false if the console cannot tell. */
bool console_describe(UINTN *ret_mode, UINTN *ret_cols, UINTN *ret_rows);
/* Beep n times on the PC speaker (x86; nothing elsewhere): loader.conf `beep`, as systemd-boot does it for
 * the nth entry selected, so the menu can be followed without a screen. */
void console_beep(unsigned n);
