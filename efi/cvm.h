/* ukiboot EFI — whether we run inside a confidential VM (AMD SEV, Intel TDX), as systemd-stub asks it. */
#pragma once
#include "efi-util.h"

/* True in an SEV/SEV-ES/SEV-SNP or TDX guest: there the host, who is not trusted, writes the SMBIOS tables,
 * so their command-line extras are not taken (systemd's rule). x86 only; false elsewhere. */
bool efi_confidential_vm(void);
