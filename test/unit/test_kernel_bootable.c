/* ukiboot — uk_kernel_bootable: which kernel formats a plan may carry for which UKI architecture.
 * The table is the rule written out by hand: every format against x86-64, x86, arm64, riscv64 and "no UKI". */
#include <stdbool.h>
#include <stdint.h>
#include "unit.h"
#include "kernel.h"
#include "pe.h"

enum { X64, I386, A64, RV64, NONE, N_MACHINES };
static const uint16_t machines[N_MACHINES] = {
        UK_PE_MACHINE_X64, UK_PE_MACHINE_I386, UK_PE_MACHINE_ARM64, UK_PE_MACHINE_RISCV64, 0,
};
static const char *const machine_names[N_MACHINES] = { "x86-64", "x86", "arm64", "riscv64", "no UKI" };

static const struct {
        const char *name;
        enum uk_kernel_format format;
        bool has_pe_stub;
        bool expect[N_MACHINES];        /* x86-64, x86, arm64, riscv64, no UKI */
} cases[] = {
        { "bzImage with EFI stub",      UK_KERNEL_BZIMAGE,     true,  { true,  true,  false, false, true  } },
        { "bzImage without EFI stub",   UK_KERNEL_BZIMAGE,     false, { false, false, false, false, false } },
        { "arm64 Image with EFI stub",  UK_KERNEL_ARM64_IMAGE, true,  { false, false, true,  false, true  } },
        { "bare arm64 Image",           UK_KERNEL_ARM64_IMAGE, false, { false, false, true,  false, true  } },
        { "gzip (Image.gz)",            UK_KERNEL_GZIP,        false, { false, false, true,  false, false } },
        { "EFI zboot",                  UK_KERNEL_ZBOOT,       true,  { true,  true,  true,  true,  true  } },
        { "other PE",                   UK_KERNEL_PE,          true,  { true,  true,  true,  true,  true  } },
        { "unknown bytes",              UK_KERNEL_UNKNOWN,     false, { false, false, false, false, false } },
        { "unknown bytes behind MZ/PE", UK_KERNEL_UNKNOWN,     true,  { false, false, false, false, false } },
};

int main(void) {
        unit_suite = "kernel_bootable";
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                for (unsigned m = 0; m < N_MACHINES; m++) {
                        struct uk_kernel_info k = { .format = cases[i].format, .has_pe_stub = cases[i].has_pe_stub };
                        CHECK(uk_kernel_bootable(&k, machines[m]) == cases[i].expect[m], "%s in a %s UKI: expected %s",
                              cases[i].name, machine_names[m], cases[i].expect[m] ? "bootable" : "refused");
                }
        CHECK(!uk_kernel_bootable(NULL, UK_PE_MACHINE_ARM64), "NULL kernel info");
        return unit_finish();
}
