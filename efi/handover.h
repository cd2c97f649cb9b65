/* ukiboot EFI — x86 EFI handover protocol: enter a bzImage's EFI stub with a boot_params we filled in.
 * Linux deprecates it in favour of LoadImage/StartImage + the LoadFile2 initrd, but kernels before 5.8
 * can only receive an initrd from a loader this way (Documentation/arch/x86/boot.rst). */
#pragma once
#include "efi-util.h"
#include "entry.h"
#include "initrd.h"
#include "plan.h"

/* Everything a handover start needs; the kernel bytes are copied, nothing here must outlive the call. */
struct handover_in {
        EFI_HANDLE image;                /* ukiboot's image handle: the stub calls Exit() on it if it fails */
        const uint8_t *kernel;           /* the bzImage (.linux span or `linux` file) */
        uint64_t kernel_len;
        const struct uk_plan *plan;
        const void *uki;                 /* buffer UKI initrd pieces are read from */
        uint64_t uki_size;
        initrd_file_read_fn file_read;   /* FILE pieces (Type #1 `initrd`) */
        void *file_ctx;
};

enum handover_choice {
        HANDOVER_NO,            /* the PE entry point (LoadImage + LoadFile2 initrd) serves this plan */
        HANDOVER_YES,           /* enter through the handover entry; *ret_reason says why */
        HANDOVER_IMPOSSIBLE,    /* it would be needed (or is forced) but cannot be used; *ret_reason says why */
};

/* True if the kernel has a 64-bit handover entry we can call (bzImage, boot protocol 2.12+,
 * XLF_EFI_HANDOVER_64, relocatable, entry inside the image); otherwise *ret_reason says what is missing. */
bool handover_supported(const struct handover_in *in, const char **ret_reason);

/* How to enter the kernel: through the handover entry when forced (loader.conf `ukiboot-handover`) or when
 * the plan has an initrd that a bzImage's stub cannot fetch through LoadFile2 (Linux < 5.8). `allowed` is
 * false when the kernel bytes must not run without the firmware verifying them (Secure Boot on and the
 * kernel not inside a UKI the firmware verified): the handover entry bypasses LoadImage. */
enum handover_choice handover_choose(const struct handover_in *in, bool forced, bool allowed,
                                     const char **ret_reason);

/* Copy the kernel to memory below 4 GiB sized for its whole footprint, build boot_params, command line and
 * initrd, set LoaderTimeExecUSec/StubInfo for entry e and call the handover entry. Returns only on failure
 * (the one-line reason has been printed and everything allocated is freed again). */
EFI_STATUS handover_boot(const struct handover_in *in, const struct uk_entry *e);
