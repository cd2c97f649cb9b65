/* ukiboot EFI — console modes and the beep (see console.h). */
#include "console.h"
#include "entry.h"

static INT32 configured = -1;   /* the mode 'R' returns to; -1: the one the firmware started in */

static bool mode_ok(UINTN mode) {
        UINTN cols, rows;
        return !EFI_ERROR(ST->ConOut->QueryMode(ST->ConOut, mode, &cols, &rows));
}

static void set_mode(UINTN mode) {
        EFI_STATUS st = ST->ConOut->SetMode(ST->ConOut, mode);
        if (EFI_ERROR(st))
                log_error(L"console mode %d: %r", mode, st);
}

void console_set_configured(uint32_t want) {
        UINTN best = 0, best_cells = 0, cols, rows;
        configured = ST->ConOut->Mode->Mode;
        if (want == UK_CONSOLE_MODE_KEEP || want == UK_CONSOLE_MODE_AUTO)
                return;
        if (want == UK_CONSOLE_MODE_MAX) {
                for (INT32 m = 0; m < ST->ConOut->Mode->MaxMode; m++)
                        if (!EFI_ERROR(ST->ConOut->QueryMode(ST->ConOut, m, &cols, &rows)) && cols * rows > best_cells) {
                                best = m;
                                best_cells = cols * rows;
                        }
                want = (uint32_t) best;
        }
        if ((INT32) want >= ST->ConOut->Mode->MaxMode || !mode_ok(want)) {
                log_error(L"console-mode %d: the firmware does not offer it", want);
                return;
        }
        if ((INT32) want != ST->ConOut->Mode->Mode)
                set_mode(want);
        configured = ST->ConOut->Mode->Mode;
}

void console_next_mode(void) {
        INT32 max = ST->ConOut->Mode->MaxMode;
        for (INT32 k = 1; k <= max; k++) {
                INT32 m = (ST->ConOut->Mode->Mode + k) % (max > 0 ? max : 1);
                if (mode_ok(m)) {
                        if (m != ST->ConOut->Mode->Mode)
                                set_mode(m);
                        return;
                }
        }
}

void console_reset_mode(void) {
        if (configured >= 0 && configured != ST->ConOut->Mode->Mode)
                set_mode(configured);
}

bool console_describe(UINTN *ret_mode, UINTN *ret_cols, UINTN *ret_rows) {
        *ret_mode = ST->ConOut->Mode->Mode;
        return !EFI_ERROR(ST->ConOut->QueryMode(ST->ConOut, *ret_mode, ret_cols, ret_rows));
}

#if (defined(__x86_64__) || defined(__i386__)) && !defined(UKIBOOT_EFIHOST)    /* no port I/O on the host harness */
static inline void outb(UINT16 port, UINT8 v) {
        __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline UINT8 inb(UINT16 port) {
        UINT8 v;
        __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
        return v;
}

#define PIT_HZ 1193182u
#define BEEP_HZ 440u

/* The PC speaker: PIT channel 2 as a square wave, gated through port 0x61's low two bits. */
void console_beep(unsigned n) {
        UINT16 div = (UINT16) (PIT_HZ / BEEP_HZ);
        outb(0x43, 0xb6);               /* channel 2, lobyte/hibyte, square wave */
        outb(0x42, (UINT8) div);
        outb(0x42, (UINT8) (div >> 8));
        UINT8 gate = inb(0x61);
        for (unsigned i = 0; i < n; i++) {
                outb(0x61, gate | 0x03);
                BS->Stall(100 * 1000);
                outb(0x61, gate & ~0x03);
                BS->Stall(100 * 1000);
        }
}
#else
void console_beep(unsigned n) {
        (void) n;
}
#endif
