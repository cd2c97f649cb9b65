/* ukiboot EFI — TPM measurements, identical to systemd-boot + systemd-stub 252 (PCR 11: UKI sections,
 * PCR 12: a command line from outside the UKI) through EFI_TCG2_PROTOCOL. Without a TPM nothing happens. */
#pragma once
#include "efi-util.h"
#include "entry.h"
#include "plan.h"
#include "uki.h"

/* What ukiboot does in systemd-stub's place for a UKI it boots itself (uki[size] is the UKI in memory, parsed
 * into u, planned into p): the boot loader's and the stub's PCR 12 measurement of the command line if the
 * plan says options or the editor supplied it, PCR 11 over the profile's sections,
 * and StubPcrKernelImage / StubPcrKernelParameters. */
void tpm_measure_uki(const void *uki, uint64_t size, const struct uk_uki *u, const struct uk_plan *p);

/* What systemd-boot does before it starts any image with load options: measure them into PCR 12 (`linux`
 * and `efi` entries; a chain-loaded stub then measures them again itself). */
void tpm_measure_loader_options(const char *options, size_t len);
