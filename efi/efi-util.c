/* ukiboot EFI — string conversion, error mapping, TSC timing, page allocation. */
#include "efi-util.h"

const char ukiboot_id[] = "ukiboot " UKIBOOT_VERSION;
uint8_t efi_log_level = 6;

CHAR16 *xstr8_to_16(const char *s, size_t len) {
        CHAR16 *r = AllocatePool((len + 1) * sizeof(CHAR16));
        if (!r)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                r[i] = c < 0x80 ? c : '?';
        }
        r[len] = 0;
        return r;
}

CHAR16 *xpath_to_16(const char *path) {
        size_t len = 0;
        while (path[len])
                len++;
        CHAR16 *r = xstr8_to_16(path, len);
        if (!r)
                return NULL;
        for (size_t i = 0; i < len; i++)
                if (r[i] == '/')
                        r[i] = '\\';
        return r;
}

bool str16_to_8(const CHAR16 *s, size_t n_chars, char *buf, size_t cap) {
        size_t i;
        if (cap == 0)
                return false;
        for (i = 0; i < n_chars && s[i]; i++) {
                if (i + 1 >= cap) {
                        buf[0] = 0;
                        return false;
                }
                buf[i] = s[i] < 0x80 ? (char) s[i] : '?';
        }
        buf[i] = 0;
        return true;
}

EFI_STATUS uk_err_to_efi(uk_err e) {
        switch (e) {
        case UK_OK:
                return EFI_SUCCESS;
        case UK_E_NOT_FOUND:
                return EFI_NOT_FOUND;
        case UK_E_BUFFER_TOO_SMALL:
                return EFI_BUFFER_TOO_SMALL;
        case UK_E_IO:
                return EFI_DEVICE_ERROR;
        case UK_E_INVALID_ARG:
                return EFI_INVALID_PARAMETER;
        case UK_E_CMDLINE_FORBIDDEN:
                return EFI_ACCESS_DENIED;
        default:
                return EFI_LOAD_ERROR;
        }
}

static uint64_t tsc_hz;

/* A free-running counter: the TSC on x86, the generic timer's virtual count on arm64. Its rate is measured
 * against the firmware's Stall on both, so nothing depends on what the CPU reports about it. */
static inline uint64_t rdtsc(void) {
#if defined(__aarch64__)
        uint64_t v;
        __asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v));
        return v;
#else
        uint32_t lo, hi;
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        return ((uint64_t) hi << 32) | lo;
#endif
}

void timer_calibrate(void) {
        /* 10 ms is long enough to swamp the call overhead and short enough not to be noticed. */
        uint64_t a = rdtsc();
        BS->Stall(10 * 1000);
        uint64_t b = rdtsc();
        tsc_hz = b > a ? (b - a) * 100 : 0;
}

uint64_t timer_usec(void) {
        if (tsc_hz == 0)
                return 0;
        uint64_t t = rdtsc();
        /* Split to avoid overflowing t * 1e6 for large uptimes. */
        return (t / tsc_hz) * 1000000ULL + (t % tsc_hz) * 1000000ULL / tsc_hz;
}

void *efi_config_table(const EFI_GUID *guid) {
        for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
                if (CompareMem(&ST->ConfigurationTable[i].VendorGuid, guid, sizeof(EFI_GUID)) == 0)
                        return ST->ConfigurationTable[i].VendorTable;
        return NULL;
}

EFI_STATUS pages_alloc(uint64_t size, void **ret, UINTN *ret_pages) {
        EFI_PHYSICAL_ADDRESS addr = 0;
        UINTN pages = EFI_SIZE_TO_PAGES(size ? size : 1);
        EFI_STATUS s = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
        if (EFI_ERROR(s))
                return s;
        *ret = (void *) (UINTN) addr;
        *ret_pages = pages;
        return EFI_SUCCESS;
}

void pages_free(void *p, UINTN pages) {
        if (p)
                BS->FreePages((EFI_PHYSICAL_ADDRESS) (UINTN) p, pages);
}
