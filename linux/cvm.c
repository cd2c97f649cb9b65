/* ukiboot — confidential-VM detection (see cvm.h). The kernel reports the memory-encryption features it
 * runs under as CPU flags; a guest's are what the EFI twin found through CPUID and the SEV status MSR. */
#include <stdio.h>
#include <string.h>
#include "cvm.h"

static bool has_flag(const char *flags, const char *flag) {
        size_t n = strlen(flag);
        for (const char *p = flags; (p = strstr(p, flag)); p += n)
                if ((p == flags || p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

bool cvm_detect(void) {
        static char line[8192];
        bool cvm = false;
        FILE *f = fopen("/proc/cpuinfo", "re");
        if (!f)
                return false;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "flags", 5) == 0) {
                        cvm = has_flag(line, "hypervisor") &&
                              (has_flag(line, "tdx_guest") || has_flag(line, "sev") || has_flag(line, "sev_es") ||
                               has_flag(line, "sev_snp"));
                        break;
                }
        fclose(f);
        return cvm;
}
