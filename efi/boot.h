/* ukiboot EFI — carrying out a boot entry: UKI (own LoadFile2 initrd + kernel start), `linux`, `efi` chain-load. */
#pragma once
#include "efi-util.h"
#include "fs.h"
#include "entry.h"

struct boot_env {
        EFI_HANDLE image;           /* ukiboot's own image handle: parent of everything we load */
        struct efi_fs *fs;          /* the ESP we were loaded from */
        struct efi_fs *xbootldr;    /* the XBOOTLDR partition beside it, NULL without one */
        bool secure_boot;
        const char *sbat_level;     /* SbatLevel's text (revoked generations), for the pipeline's SBAT check */
        size_t sbat_level_len;
        bool force_handover;        /* loader.conf `ukiboot-handover`: x86 EFI handover protocol for every kernel */
        const struct uk_loader_conf *conf;      /* loader.conf as the pipeline read it */
        const uint8_t *smbios;      /* the firmware's SMBIOS structure table (OEM strings), NULL if none */
        bool confidential_vm;       /* SEV/TDX guest (efi/cvm.c) */
        size_t smbios_len;
        const uint8_t *fdt;         /* the firmware's device tree, NULL if none (a .dtbauto is matched to it) */
        size_t fdt_len;
};

/* Boot e with extra arguments append (NULL for none); e's paths follow its file when boot counting renames it. Returns only if the boot failed or the started
 * image returned; the one-line reason has been printed by then. *ret_measured: the TPM may have been
 * extended for e before it failed (the failure policy then boots no other entry). */
EFI_STATUS boot_entry(const struct boot_env *env, struct uk_entry *e, const char *append, bool *ret_measured);
