/* ukiboot EFI — boot menu: entries in order, default highlighted, countdown, arrows/Enter, 'e' to edit. */
#include "menu.h"
#include "console.h"
#include "timeout.h"
#include "util.h"

#define ATTR_NORMAL (EFI_LIGHTGRAY | EFI_BACKGROUND_BLACK)
#define ATTR_SELECTED (EFI_BLACK | EFI_BACKGROUND_LIGHTGRAY)
#define LINE_MAX 76

/* Wait for a key for at most usec microseconds (0: forever). EFI_TIMEOUT if none came. */
static EFI_STATUS wait_key(uint64_t usec, EFI_INPUT_KEY *ret) {
        EFI_EVENT events[2] = { ST->ConIn->WaitForKey, NULL };
        UINTN n = 1, idx = 0;
        EFI_STATUS st;

        st = ST->ConIn->ReadKeyStroke(ST->ConIn, ret);
        if (st != EFI_NOT_READY)
                return st;
        if (usec > 0) {
                st = BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &events[1]);
                if (EFI_ERROR(st))
                        return st;
                st = BS->SetTimer(events[1], TimerRelative, usec * 10);
                if (EFI_ERROR(st)) {
                        /* Without the timer the wait would not end until a key comes. */
                        BS->CloseEvent(events[1]);
                        return st;
                }
                n = 2;
        }
        for (;;) {
                st = BS->WaitForEvent(n, events, &idx);
                if (EFI_ERROR(st) || idx == 1) {
                        st = EFI_ERROR(st) ? st : EFI_TIMEOUT;
                        break;
                }
                st = ST->ConIn->ReadKeyStroke(ST->ConIn, ret);
                if (st != EFI_NOT_READY)
                        break;
        }
        if (events[1])
                BS->CloseEvent(events[1]);
        return st;
}

static void entry_label(const struct uk_entry *e, char *buf, size_t cap) {
        /* The one title every view shows (common/entry_title.c). */
        const char *t = e->show_title[0] ? e->show_title : e->id;
        size_t len = uk_strnlen(t, cap - 1);
        uk_memcpy(buf, t, len);
        if (len > LINE_MAX)
                len = LINE_MAX;
        buf[len] = 0;
}

/* How many entries fit on the screen: rows minus banner, blank, blank, status, blank and the two lines of
 * the editor or a message (rows first + n + 5 and + 6). All of them if the console cannot tell. */
static size_t visible_entries(size_t n) {
        UINTN cols = 0, rows = 0;
        if (EFI_ERROR(ST->ConOut->QueryMode(ST->ConOut, ST->ConOut->Mode->Mode, &cols, &rows)) || rows < 8)
                return n;
        return n < rows - 7 ? n : rows - 7;
}

/* The saved default's id while a menu runs ("" if none): its line is marked. */
static const char *saved_id = "";

/* Entry i on its screen row (banner and a blank line above the list), marked when selected, and
 * " (default)" after the saved default (LoaderEntryDefault). */
static void draw_line(const struct uk_entry *entries, size_t first, size_t i, bool selected) {
        char label[160];
        entry_label(&entries[i], label, sizeof(label));
        ST->ConOut->SetCursorPosition(ST->ConOut, 0, 2 + (i - first));
        ST->ConOut->SetAttribute(ST->ConOut, selected ? ATTR_SELECTED : ATTR_NORMAL);
        Print(L"%a %a%s", selected ? ">" : " ", label,
              saved_id[0] && uk_strcmp(saved_id, entries[i].id) == 0 ? L" (default)" : L"          ");
        ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
}

/* Entries first .. first + v - 1, so that more than fit on the screen do not scroll sel out of sight. */
static void draw(const struct uk_entry *entries, size_t first, size_t v, size_t sel) {
        ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
        ST->ConOut->ClearScreen(ST->ConOut);
        Print(L"%a", ukiboot_id);
        for (size_t i = first; i < first + v; i++)
                draw_line(entries, first, i, i == sel);
}

static void draw_status(size_t n, uint32_t remaining, bool counting, bool editor) {
        ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
        ST->ConOut->SetCursorPosition(ST->ConOut, 0, n + 3);
        if (counting)
                Print(L"Boot in %d s.   ", remaining);
        Print(L"Up/Down: select, Enter: boot%s, d: default, h: help", editor ? L", e: edit" : L"");
        Print(L"          \r");
}

/* The editor's line at row + 1 with the cursor at column cur; old_len clears what a longer line left. */
static void edit_redraw(size_t row, const char *buf, size_t len, size_t cur, size_t old_len) {
        ST->ConOut->SetCursorPosition(ST->ConOut, 0, row + 1);
        Print(L"> %a", buf);
        for (size_t i = len; i < old_len; i++)
                Print(L" ");
        ST->ConOut->SetCursorPosition(ST->ConOut, 2 + cur, row + 1);
}

/* Edit the whole line in buf[cap] (printable ASCII), as systemd-boot's editor does: Left/Right, Home/End
 * (Ctrl-A/Ctrl-E), Backspace, Delete, Ctrl-K (to the end), Ctrl-U (to the start), typing inserts at the
 * cursor. Enter keeps it; false if the user cancelled with Esc. */
static bool edit_line(size_t row, const CHAR16 *label, char *buf, size_t cap) {
        size_t len = uk_strlen(buf), cur = len, shown = len;
        EFI_INPUT_KEY k;

        ST->ConOut->SetCursorPosition(ST->ConOut, 0, row);
        Print(L"%s (Enter: boot, Esc: cancel):\n", label);
        ST->ConOut->EnableCursor(ST->ConOut, TRUE);
        edit_redraw(row, buf, len, cur, 0);
        for (;;) {
                if (EFI_ERROR(wait_key(0, &k)))
                        return false;
                if (k.ScanCode == SCAN_ESC)
                        return false;
                if (k.UnicodeChar == CHAR_CARRIAGE_RETURN || k.UnicodeChar == CHAR_LINEFEED)
                        break;
                if (k.ScanCode == SCAN_LEFT) {
                        if (cur > 0)
                                cur--;
                } else if (k.ScanCode == SCAN_RIGHT) {
                        if (cur < len)
                                cur++;
                } else if (k.ScanCode == SCAN_HOME || k.UnicodeChar == 0x01) {
                        cur = 0;
                } else if (k.ScanCode == SCAN_END || k.UnicodeChar == 0x05) {
                        cur = len;
                } else if (k.UnicodeChar == CHAR_BACKSPACE) {
                        if (cur == 0)
                                continue;
                        uk_memmove(buf + cur - 1, buf + cur, len - cur + 1);
                        cur--, len--;
                } else if (k.ScanCode == SCAN_DELETE) {
                        if (cur == len)
                                continue;
                        uk_memmove(buf + cur, buf + cur + 1, len - cur);
                        len--;
                } else if (k.UnicodeChar == 0x0b) {             /* Ctrl-K */
                        len = cur;
                        buf[len] = 0;
                } else if (k.UnicodeChar == 0x15) {             /* Ctrl-U */
                        uk_memmove(buf, buf + cur, len - cur + 1);
                        len -= cur;
                        cur = 0;
                } else if (k.UnicodeChar >= 0x20 && k.UnicodeChar < 0x7f && len + 1 < cap) {
                        uk_memmove(buf + cur + 1, buf + cur, len - cur + 1);
                        buf[cur++] = (char) k.UnicodeChar;
                        len++;
                } else
                        continue;
                edit_redraw(row, buf, len, cur, shown);
                shown = len;
        }
        ST->ConOut->EnableCursor(ST->ConOut, FALSE);
        Print(L"\n");
        return true;
}

/* 'd': the selected entry becomes the saved default, or the saved default is cleared when it already is. */
static void toggle_default(const struct menu_config *cfg, const struct uk_entry *e, size_t row) {
        bool clear = uk_strcmp(cfg->saved_default, e->id) == 0;
        EFI_STATUS st = cfg->save_default(clear ? NULL : e->id);
        ST->ConOut->SetCursorPosition(ST->ConOut, 0, row);
        if (EFI_ERROR(st)) {
                Print(L"cannot save the default entry: %r\n", st);
                return;
        }
        if (clear) {
                cfg->saved_default[0] = 0;
                Print(L"saved default cleared (loader.conf decides)        \n");
        } else {
                uk_strlcpy_checked(cfg->saved_default, cfg->saved_default_cap, e->id);
                Print(L"saved default: %a        \n", e->id);
        }
}

/* 'p': what systemd-boot's status page shows that a person at the console needs: who we are, the firmware,
 * Secure Boot, the console, the timeout, the saved default, and what the selected entry boots. */
static void status_page(const struct menu_config *cfg, const struct uk_entry *e, uint64_t timeout) {
        char text[80];
        UINTN mode = 0, cols = 0, rows = 0;
        EFI_INPUT_KEY k;

        ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
        ST->ConOut->ClearScreen(ST->ConOut);
        Print(L"%a\n\n", ukiboot_id);
        Print(L"firmware:     %s %d.%02d (UEFI %d.%02d)\n", ST->FirmwareVendor ? ST->FirmwareVendor : L"?",
              ST->FirmwareRevision >> 16, ST->FirmwareRevision & 0xffff, ST->Hdr.Revision >> 16,
              ST->Hdr.Revision & 0xffff);
        Print(L"secure boot:  %s\n", cfg->secure_boot ? L"on" : L"off");
        if (console_describe(&mode, &cols, &rows))
                Print(L"console:      mode %d, %dx%d\n", mode, cols, rows);
        uk_timeout_step_text(timeout, text, sizeof(text));
        Print(L"timeout:      %a\n", text);
        Print(L"saved default: %a\n\n", saved_id[0] ? saved_id : "(none)");
        Print(L"entry:        %a\n", e->id);
        Print(L"title:        %a\n", e->show_title);
        Print(L"file:         %a%a\n", e->path[0] ? e->path : "(made up by the boot loader)",
              e->xbootldr ? " on XBOOTLDR" : "");
        Print(L"boots:        %a %a\n", uk_entry_kind_name(e->kind), uk_entry_target(e));
        if (e->has_options)
                Print(L"options:      %a\n", e->options);
        if (e->tries_left != UK_TRIES_UNSET)
                Print(L"tries:        %d left, %d done\n", e->tries_left, e->tries_done == UK_TRIES_UNSET ? 0 : e->tries_done);
        Print(L"\npress any key\n");
        (void) wait_key(0, &k);
}

int menu_run(const struct uk_entry *entries, size_t n, int def, const struct menu_config *cfg,
             const char *message, char *edited, size_t cap, bool *ret_edited, bool *ret_chosen) {
        size_t sel = def >= 0 && (size_t) def < n ? (size_t) def : 0, first = 0, v;
        bool counting = cfg->timeout_sec != MENU_TIMEOUT_FOREVER;
        uint32_t remaining = cfg->timeout_sec;
        EFI_INPUT_KEY k;
        EFI_STATUS st;

        edited[0] = 0;
        *ret_edited = false;
        *ret_chosen = false;
        saved_id = cfg->saved_default ? cfg->saved_default : "";
        uint64_t timeout = cfg->timeout_now;
        bool timeout_changed = false;
        if (n == 0)
                return -1;
        if (cfg->timeout_sec == 0) {
                /* Hidden menu: only a key already waiting brings it up; menu-disabled: not even that. */
                if (cfg->keys_ignored || EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &k)))
                        return (int) sel;
                counting = false;
        }
        ST->ConOut->EnableCursor(ST->ConOut, FALSE);
        v = visible_entries(n);
        if (sel >= v)
                first = sel - v + 1;
        draw(entries, first, v, sel);
        draw_status(v, remaining, counting, cfg->editor);
        if (cfg->beep)
                console_beep(sel + 1);
        if (message) {
                ST->ConOut->SetCursorPosition(ST->ConOut, 0, v + 5);
                Print(L"%a\n", message);
        }
        for (;;) {
                size_t old_sel = sel, old_first = first;
                st = wait_key(counting ? 1000000 : 0, &k);
                if (st == EFI_TIMEOUT) {
                        if (--remaining == 0)
                                break;
                        draw_status(v, remaining, counting, cfg->editor);
                        continue;
                }
                if (EFI_ERROR(st))
                        break;
                if (counting) {
                        /* Any key stops the countdown, like systemd-boot. */
                        counting = false;
                        draw_status(v, remaining, counting, cfg->editor);
                }
                if (k.ScanCode == SCAN_UP || k.UnicodeChar == 'k') {
                        if (sel > 0)
                                sel--;
                } else if (k.ScanCode == SCAN_DOWN || k.UnicodeChar == 'j') {
                        if (sel + 1 < n)
                                sel++;
                } else if (k.ScanCode == SCAN_HOME) {
                        sel = 0;
                } else if (k.ScanCode == SCAN_END) {
                        sel = n - 1;
                } else if (k.UnicodeChar == CHAR_CARRIAGE_RETURN || k.UnicodeChar == CHAR_LINEFEED) {
                        /* kboot's prompt: the URL typed is what boots (the caller turns it into a uki-url). */
                        if (entries[sel].kind == UK_ENTRY_KIND_URL_PROMPT) {
                                edited[0] = 0;
                                if (!edit_line(v + 5, L"URL of a UKI to boot", edited, cap)) {
                                        edited[0] = 0;
                                        draw(entries, first, v, sel);
                                        draw_status(v, remaining, counting, cfg->editor);
                                        continue;
                                }
                                *ret_edited = true;
                        }
                        *ret_chosen = true;
                        break;
                } else if (k.ScanCode == SCAN_PAGE_UP) {
                        sel = sel > v ? sel - v : 0;
                } else if (k.ScanCode == SCAN_PAGE_DOWN) {
                        sel = sel + v < n ? sel + v : n - 1;
                } else if (k.UnicodeChar >= '1' && k.UnicodeChar <= '9') {
                        if ((size_t) (k.UnicodeChar - '1') < n)
                                sel = (size_t) (k.UnicodeChar - '1');
                } else if (k.UnicodeChar == 'd' && cfg->save_default) {
                        toggle_default(cfg, &entries[sel], v + 5);
                        for (size_t i = first; i < first + v; i++)      /* the (default) mark moved */
                                draw_line(entries, first, i, i == sel);
                        continue;
                } else if (k.UnicodeChar == '+' || k.UnicodeChar == 't' || k.UnicodeChar == '-' ||
                           k.UnicodeChar == 'T') {
                        /* systemd-boot's steps (common/timeout.c), kept in LoaderConfigTimeout on the way out. */
                        char text[80];
                        timeout = uk_timeout_step(timeout, k.UnicodeChar == '+' || k.UnicodeChar == 't');
                        timeout_changed = true;
                        uk_timeout_step_text(timeout, text, sizeof(text));
                        ST->ConOut->SetCursorPosition(ST->ConOut, 0, v + 5);
                        Print(L"%a                    \n", text);
                        continue;
                } else if (k.UnicodeChar == 'f') {
                        /* The automatic entry, when the firmware offers its setup. */
                        size_t i = 0;
                        while (i < n && entries[i].kind != UK_ENTRY_KIND_FIRMWARE_SETUP)
                                i++;
                        if (i == n)
                                continue;
                        sel = i;
                        *ret_chosen = true;
                        break;
                } else if (k.UnicodeChar == 'h' || k.UnicodeChar == '?') {
                        ST->ConOut->SetCursorPosition(ST->ConOut, 0, v + 5);
                        Print(L"keys: Up/Down Home/End PgUp/PgDn 1-9 select, Enter boot, e edit, d default, "
                              L"+/- t/T timeout, f firmware setup, p status, r/R console mode\n");
                        continue;
                } else if (k.UnicodeChar == 'r' || k.UnicodeChar == 'R' || k.UnicodeChar == 'p') {
                        /* A new screen: the console mode changed or the status page covered the menu. */
                        if (k.UnicodeChar == 'r')
                                console_next_mode();
                        else if (k.UnicodeChar == 'R')
                                console_reset_mode();
                        else
                                status_page(cfg, &entries[sel], timeout);
                        v = visible_entries(n);
                        first = sel >= v ? sel - v + 1 : 0;
                        draw(entries, first, v, sel);
                        draw_status(v, remaining, counting, cfg->editor);
                        continue;
                } else if (k.UnicodeChar == 'e' && cfg->editor) {
                        if (cfg->cmdline_locked && cfg->cmdline_locked(cfg->cmdline_locked_ctx, &entries[sel])) {
                                /* Typing would be dropped by the plan anyway (doc/cmdline-policy.md). */
                                ST->ConOut->SetCursorPosition(ST->ConOut, 0, v + 5);
                                Print(L"editor disabled: Secure Boot is on and this UKI embeds its command line\n");
                                continue;
                        }
                        if (uk_entry_is_action(&entries[sel]))
                                continue;       /* nothing to edit */
                        edited[0] = 0;
                        if (cfg->editor_start)
                                cfg->editor_start(cfg->editor_ctx, &entries[sel], edited, cap);
                        if (edit_line(v + 5, L"edit the command line", edited, cap)) {
                                *ret_edited = true;
                                *ret_chosen = true;
                                break;
                        }
                        edited[0] = 0;
                } else
                        continue;
                if (sel < first)
                        first = sel;
                else if (sel >= first + v)
                        first = sel - v + 1;
                if (cfg->beep && sel != old_sel)
                        console_beep(sel + 1);
                if (first == old_first) {
                        /* Only the two lines that changed: a full redraw is kilobytes on a slow serial line. */
                        if (sel != old_sel) {
                                draw_line(entries, first, old_sel, false);
                                draw_line(entries, first, sel, true);
                        }
                        continue;
                }
                draw(entries, first, v, sel);
                draw_status(v, remaining, counting, cfg->editor);
        }
        ST->ConOut->SetAttribute(ST->ConOut, ATTR_NORMAL);
        ST->ConOut->ClearScreen(ST->ConOut);
        if (timeout_changed && cfg->save_timeout) {
                EFI_STATUS s = cfg->save_timeout(timeout);
                if (EFI_ERROR(s))
                        log_error(L"cannot save the menu timeout: %r", s);
        }
        return (int) sel;
}
