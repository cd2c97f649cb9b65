/* ukiboot — facts about the kernel image inside .linux: x86 bzImage setup header, EFI zboot container. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include "source.h"

enum uk_kernel_format {
        UK_KERNEL_UNKNOWN,
        UK_KERNEL_BZIMAGE,      /* x86 bzImage ("HdrS"), usually with PE stub */
        UK_KERNEL_ZBOOT,        /* EFI zboot: "MZ" + "zimg", compressed payload */
        UK_KERNEL_ARM64_IMAGE,  /* arm64 Image ("ARMd" magic) */
        UK_KERNEL_PE,           /* some other PE image with an EFI stub */
        UK_KERNEL_GZIP,         /* gzip-compressed Image */
};

struct uk_kernel_info {
        enum uk_kernel_format format;
        uint16_t boot_protocol;      /* bzImage: setup header version, e.g. 0x020f */
        uint32_t cmdline_size;       /* bzImage: max command line length without NUL (2.06+), else 255 */
        uint32_t handover_offset;    /* bzImage: EFI handover entry offset (2.11+), 0 if none */
        uint16_t xloadflags;
        bool has_pe_stub;            /* starts with "MZ" and has a PE header */
        bool initrd_loadfile2_ok;    /* kernel can fetch initrd via LINUX_INITRD_MEDIA (5.8+, inferred) */
        char version[128];           /* kernel version string from the setup header, "" if absent */
        /* zboot */
        char zboot_comp[8];          /* "gzip", "zstd", ... */
        uint32_t zboot_payload_offset;
        uint32_t zboot_payload_size;
};

/* Inspect the kernel bytes k (a span of the UKI given as its own source). */
uk_err uk_kernel_inspect(const struct uk_source *k, struct uk_kernel_info *ret_info);

/* Whether a kernel of this format can be booted from a UKI whose stub has COFF machine type uki_machine
 * (0 when there is no UKI, as for a Type #1 `linux` entry: the architecture is then unknown). */
bool uk_kernel_bootable(const struct uk_kernel_info *k, uint16_t uki_machine);
