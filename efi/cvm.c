/* ukiboot EFI — confidential-VM detection (see cvm.h), from CPUID and, for SEV, the status MSR the CPU
 * documents whenever CPUID offers SEV (AMD APM vol. 2, 15.34.10; Intel TDX module spec, CPUID leaf 0x21). */
#include "cvm.h"

#if defined(__x86_64__) && !defined(UKIBOOT_EFIHOST)
static void cpuid(uint32_t leaf, uint32_t r[4]) {
        __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint64_t rdmsr(uint32_t msr) {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
        return (uint64_t) hi << 32 | lo;
}

#define CPUID_HYPERVISOR (1u << 31)             /* leaf 1, ECX */
#define CPUID_TDX_LEAF 0x21
#define CPUID_AMD_MEM_ENCRYPT 0x8000001fu
#define AMD_SEV_SUPPORTED (1u << 1)             /* leaf 0x8000001f, EAX */
#define MSR_AMD64_SEV_STATUS 0xc0010131u
#define SEV_ENABLED (1ull << 0)

bool efi_confidential_vm(void) {
        uint32_t r[4];
        cpuid(1, r);
        if (!(r[2] & CPUID_HYPERVISOR))
                return false;
        cpuid(0, r);
        if (r[0] >= CPUID_TDX_LEAF) {
                cpuid(CPUID_TDX_LEAF, r);
                /* "IntelTDX    " in EBX, EDX, ECX */
                if (r[1] == 0x65746e49 && r[3] == 0x5844546c && r[2] == 0x20202020)
                        return true;
        }
        cpuid(0x80000000u, r);
        if (r[0] < CPUID_AMD_MEM_ENCRYPT)
                return false;
        cpuid(CPUID_AMD_MEM_ENCRYPT, r);
        return (r[0] & AMD_SEV_SUPPORTED) && (rdmsr(MSR_AMD64_SEV_STATUS) & SEV_ENABLED);
}
#else
bool efi_confidential_vm(void) {
        return false;
}
#endif
