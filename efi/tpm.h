/* ukiboot EFI — TPM measurements, identical to systemd-boot + systemd-stub 252 (PCR 11: UKI sections,
 * PCR 12: a command line from outside the UKI) through EFI_TCG2_PROTOCOL. Without a TPM nothing happens. */
#pragma once
#include "initrd.h"
#include "efi-util.h"
#include "entry.h"
#include "plan.h"
#include "uki.h"

/* Carry out the plan's measurement list (common/plan.c decides it: systemd-boot's PCR 12 measurement of
 * load options, systemd-stub's PCR 11 sections and PCR 12 command line) over the image uki[size], then set
 * StubPcrKernelImage / StubPcrKernelParameters / StubPcrInitRDSysExts as stub 252 does for a UKI. True if a
 * PCR may have been extended (a TPM is present and something was to be measured). */
bool tpm_measure_plan(const void *uki, uint64_t size, const struct uk_plan *p, initrd_file_read_fn read_file,
                      void *read_ctx);

/* What systemd-boot does before it starts any image with load options: measure them into PCR 12 (`linux`
 * and `efi` entries; a chain-loaded stub then measures them again itself). */
bool tpm_measure_loader_options(const char *options, size_t len);
