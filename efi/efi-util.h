/* ukiboot EFI — small helpers shared by the EFI front end: strings, logging, time. */
#pragma once
#include <efi.h>
#include <efilib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Every console line we print for humans and tests starts with this tag. */
#define LOG_TAG L"ukiboot: "

/* "ukiboot <version>": one definition, so the banner and LoaderInfo/StubInfo can never disagree. */
extern const char ukiboot_id[];

/* loader.conf's `log-level` (syslog numbering): informational lines need 6 (the default), errors 3. */
extern uint8_t efi_log_level;

/* Print one line prefixed with the tag; fmt is a gnu-efi Print() format (UTF-16, %a for ASCII). */
#define log_info(fmt, ...) do { if (efi_log_level >= 6) Print(LOG_TAG fmt L"\n", ##__VA_ARGS__); } while (0)
#define log_error(fmt, ...) do { if (efi_log_level >= 3) Print(LOG_TAG L"error: " fmt L"\n", ##__VA_ARGS__); } while (0)

/* Convert an ASCII/UTF-8 string to a freshly pooled UTF-16 string (non-ASCII bytes become '?'). */
CHAR16 *xstr8_to_16(const char *s, size_t len);

/* ESP path "/a/b.efi" to a pooled UTF-16 "\a\b.efi". */
CHAR16 *xpath_to_16(const char *path);

/* UTF-16 to ASCII into buf[cap] (NUL-terminated); non-ASCII characters become '?'. Returns false if it did not fit. */
bool str16_to_8(const CHAR16 *s, size_t n_chars, char *buf, size_t cap);

/* Firmware status for a shared-core error (best effort; the printed reason carries the detail). */
EFI_STATUS uk_err_to_efi(uk_err e);

/* Monotonic microseconds from the TSC, calibrated once against BS->Stall. */
void timer_calibrate(void);
uint64_t timer_usec(void);

/* Allocate whole pages of loader data; *ret_pages is the count to free later. */
EFI_STATUS pages_alloc(uint64_t size, void **ret, UINTN *ret_pages);
/* The firmware's configuration table of that GUID, NULL when it publishes none. */
void *efi_config_table(const EFI_GUID *guid);
void pages_free(void *p, UINTN pages);
