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
        /* bzImage, for a loader that places it itself (the Linux twin's kexec_load): where the protected-mode
         * code starts in the file, and what the setup header asks of its memory (boot.rst). */
        uint32_t setup_len;          /* (setup_sects + 1) * 512, setup_sects 0 meaning 4 */
        uint32_t initrd_addr_max;    /* highest address the initrd's last byte may have (2.03+), else 0x37ffffff */
        uint32_t kernel_alignment;   /* 2.05+: alignment a relocatable kernel needs */
        bool relocatable;            /* 2.05+ */
        uint64_t pref_address;       /* 2.10+: where it prefers to run (0 when older) */
        uint32_t init_size;          /* 2.10+: memory it needs from its load address on, decompression included */
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
