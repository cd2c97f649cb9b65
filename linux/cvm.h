/* ukiboot — whether this system is a confidential VM guest (AMD SEV, Intel TDX), as the EFI twin asks it. */
#pragma once
#include <stdbool.h>

/* From the CPU flags the kernel reports (/proc/cpuinfo): a guest ("hypervisor") with SEV, SEV-ES, SEV-SNP
 * or TDX active. The host writes a guest's SMBIOS tables, so their command-line extras are not taken there. */
bool cvm_detect(void);
