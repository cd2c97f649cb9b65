/* ukiboot EFI — x86 EFI handover protocol (Documentation/arch/x86/boot.rst, "EFI HANDOVER PROTOCOL").
 *
 * The loader hands the kernel's EFI stub a zeroed 4 KiB struct boot_params whose setup header is a copy of
 * the bzImage's, with the command line and initrd addresses filled in, and calls the 64-bit handover
 * entry at startup_32 + 512 + handover_offset as handover(image, system table, boot_params) with the
 * SysV ABI. The stub does the rest (decompression, memory map, ExitBootServices). We run the stub from a
 * copy of the bzImage that covers its whole memory footprint: code and data as in the file, then zeroed
 * bytes up to SizeOfImage / init_size (.bss lives past the end of the file), below 4 GiB because
 * code32_start has 32 bits. */
#include "handover.h"
#include "pe.h"
#include "util.h"
#include "vars.h"

/* struct boot_params ("zero page") and setup header offsets, boot.rst. */
#define BP_SIZE                 4096u
#define BP_EXT_RAMDISK_IMAGE    0x0c0u
#define BP_EXT_RAMDISK_SIZE     0x0c4u
#define BP_EXT_CMD_LINE_PTR     0x0c8u
#define BP_HDR_END_MAX          0x290u  /* the setup header area ends where edd_mbr_sig_buffer starts */
#define HDR_SETUP_SECTS         0x1f1u
#define HDR_JUMP_OFFSET         0x201u  /* 2nd byte of the jump at 0x200: the header ends at 0x202 + it */
#define HDR_MAGIC               0x202u
#define HDR_TYPE_OF_LOADER      0x210u
#define HDR_CODE32_START        0x214u
#define HDR_RAMDISK_IMAGE       0x218u
#define HDR_RAMDISK_SIZE        0x21cu
#define HDR_CMD_LINE_PTR        0x228u
#define HDR_INITRD_ADDR_MAX     0x22cu
#define HDR_RELOCATABLE         0x234u
#define HDR_INIT_SIZE           0x260u
#define HDR_HANDOVER_OFFSET     0x264u

#define XLF_CAN_BE_LOADED_ABOVE_4G  (1u << 1)
#define XLF_EFI_HANDOVER_64         (1u << 3)

/* No boot loader id is registered for ukiboot: 0xff is "undefined", which systemd-stub's handover path
 * uses too. (The kernel's own PE entry writes 0x21, so the guest can tell which path booted it.) */
#define LOADER_TYPE_UNDEFINED   0xffu
/* Older boot protocols without initrd_addr_max: boot.rst says to assume this. */
#define INITRD_ADDR_MAX_DEFAULT 0x37ffffffu
#define BELOW_4G                0xffffffffULL
/* Kernels need a few tens of MiB (Debian 6.1: init_size 64 MiB); more means a corrupt header. */
#define FOOTPRINT_MAX           (1024ULL * 1024 * 1024)

#if defined(__x86_64__)
#define HANDOVER_ABI __attribute__((sysv_abi))
#else
#define HANDOVER_ABI            /* never called: handover_supported says no off x86-64 */
#endif
typedef void (HANDOVER_ABI *handover_entry_fn)(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab, void *boot_params);

struct pages {
        EFI_PHYSICAL_ADDRESS addr;
        UINTN n;
};

static void put_le32(uint8_t *p, uint32_t v) {
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t setup_len_of(const uint8_t *kernel) {
        unsigned sects = kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4;   /* 0 means 4 (boot.rst) */
        return (uint64_t) (sects + 1) * 512;
}

bool handover_supported(const struct handover_in *in, const char **ret_reason) {
        const struct uk_kernel_info *ki = &in->plan->kernel_info;
        uint64_t setup_len;

#if !defined(__x86_64__)
        *ret_reason = "the EFI handover protocol exists on x86-64 only";
        return false;
#endif
        if (ki->format != UK_KERNEL_BZIMAGE) {
                *ret_reason = "not an x86 bzImage";
                return false;
        }
        /* uk_kernel_inspect checked the magic and that the setup area lies inside the kernel. */
        if (in->kernel_len < HDR_HANDOVER_OFFSET + 4 || uk_memcmp(in->kernel + HDR_MAGIC, "HdrS", 4) != 0) {
                *ret_reason = "setup header missing";
                return false;
        }
        setup_len = setup_len_of(in->kernel);
        if (ki->boot_protocol < 0x20c) {
                *ret_reason = "boot protocol older than 2.12 (no xloadflags)";
                return false;
        }
        if (!(ki->xloadflags & XLF_EFI_HANDOVER_64) || ki->handover_offset == 0) {
                *ret_reason = "kernel has no 64-bit EFI handover entry (XLF_EFI_HANDOVER_64 not set)";
                return false;
        }
        if (in->kernel[HDR_RELOCATABLE] == 0) {
                *ret_reason = "kernel is not relocatable";
                return false;
        }
        if (setup_len > in->kernel_len || !uk_range_ok((uint64_t) ki->handover_offset + 512, 16,
                                                       in->kernel_len - setup_len)) {
                *ret_reason = "handover entry outside the kernel image";
                return false;
        }
        return true;
}

enum handover_choice handover_choose(const struct handover_in *in, bool forced, bool allowed,
                                     const char **ret_reason) {
        const struct uk_plan *p = in->plan;
        const char *why;

        if (!forced && !(p->kernel_info.format == UK_KERNEL_BZIMAGE && !p->kernel_info.initrd_loadfile2_ok &&
                         p->initrd_total > 0))
                return HANDOVER_NO;
        if (!handover_supported(in, &why)) {
                /* Forced: say what the kernel lacks. Needed: say why the usual path cannot work either. */
                *ret_reason = forced ? why :
                        "kernel cannot fetch the initrd through LoadFile2 (Linux < 5.8) and has no 64-bit EFI "
                        "handover entry";
                return HANDOVER_IMPOSSIBLE;
        }
        if (!allowed) {
                *ret_reason = "Secure Boot is on and the handover entry would run the kernel unverified";
                return HANDOVER_IMPOSSIBLE;
        }
        *ret_reason = forced ? "forced by loader.conf ukiboot-handover" :
                "kernel cannot fetch the initrd through LoadFile2 (Linux < 5.8)";
        return HANDOVER_YES;
}

/* Pages of `type` whose last byte is at most max (BELOW_4G etc.), or anywhere when max is 0. */
static EFI_STATUS alloc_pages(EFI_MEMORY_TYPE type, uint64_t size, uint64_t max, struct pages *ret) {
        EFI_PHYSICAL_ADDRESS addr = max;
        UINTN n = EFI_SIZE_TO_PAGES(size ? size : 1);
        EFI_STATUS st;

        st = BS->AllocatePages(max ? AllocateMaxAddress : AllocateAnyPages, type, n, &addr);
        if (EFI_ERROR(st))
                return st;
        ret->addr = addr;
        ret->n = n;
        return EFI_SUCCESS;
}

static void free_pages(struct pages *p) {
        if (p->n)
                BS->FreePages(p->addr, p->n);
        p->n = 0;
}

static inline void *ptr(EFI_PHYSICAL_ADDRESS a) {
        return (void *) (UINTN) a;
}

/* Bytes the stub may touch from the start of the bzImage (*ret_size): the file, SizeOfImage and setup +
 * init_size (what older stubs assume is there), whichever is largest. Of those, *ret_zero_end must read
 * as zero: up to SizeOfImage, where the PE view ends (.bss included); without a PE header, all of it.
 * Zeroing the rest of init_size too would cost ~0.3 s under TCG for nothing the stub reads. */
static void footprint_of(const struct handover_in *in, uint64_t setup_len, uint64_t *ret_size,
                         uint64_t *ret_zero_end) {
        uint64_t size = in->kernel_len, init = setup_len + uk_le32(in->kernel + HDR_INIT_SIZE), image = 0;
        struct uk_source src;
        struct uk_pe *pe;

        pe = AllocatePool(sizeof(*pe));
        if (pe) {
                uk_source_from_memory(&src, in->kernel, in->kernel_len);
                if (uk_pe_parse(&src, pe) == UK_OK)
                        image = pe->size_of_image;
                FreePool(pe);
        }
        if (init > size)
                size = init;
        if (image > size)
                size = image;
        *ret_size = size;
        *ret_zero_end = image == 0 ? size : image > in->kernel_len ? image : in->kernel_len;
}

/* The concatenated initrd, once, where the kernel may use it: below initrd_addr_max, or anywhere if the
 * kernel says it can take an initrd above 4 GiB and low memory is short. */
static EFI_STATUS place_initrd(const struct handover_in *in, uint16_t xloadflags, struct pages *ret) {
        uint64_t total = in->plan->initrd_total, max = uk_le32(in->kernel + HDR_INITRD_ADDR_MAX);
        EFI_STATUS st;
        uk_err r;

        if (max == 0)
                max = INITRD_ADDR_MAX_DEFAULT;
        st = alloc_pages(EfiLoaderData, total, max, ret);
        if (EFI_ERROR(st) && (xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
                st = alloc_pages(EfiLoaderData, total, 0, ret);
        if (EFI_ERROR(st)) {
                log_error(L"no memory for the %ld byte initrd below 0x%lx: %r", total, max, st);
                return st;
        }
        r = initrd_read_all(in->plan, in->uki, in->uki_size, in->file_read, in->file_ctx, ptr(ret->addr));
        if (r) {
                log_error(L"initrd read failed: %a", uk_strerror(r));
                free_pages(ret);
                return EFI_DEVICE_ERROR;
        }
        return EFI_SUCCESS;
}

struct handover {
        struct pages kernel, params, cmdline, initrd;
        uint64_t entry;
};

static void handover_release(struct handover *h) {
        free_pages(&h->initrd);
        free_pages(&h->cmdline);
        free_pages(&h->params);
        free_pages(&h->kernel);
}

static EFI_STATUS handover_prepare(const struct handover_in *in, struct handover *h) {
        const struct uk_plan *p = in->plan;
        uint64_t setup_len = setup_len_of(in->kernel), footprint, zero_end;
        uint64_t hdr_end = HDR_MAGIC + in->kernel[HDR_JUMP_OFFSET];
        uint8_t *bp;
        char *cmdline;
        EFI_STATUS st;

        footprint_of(in, setup_len, &footprint, &zero_end);
        if (footprint > FOOTPRINT_MAX) {
                log_error(L"kernel memory footprint of %ld bytes is implausible", footprint);
                return EFI_LOAD_ERROR;
        }
        /* Kernel: code runs where we put it until the stub has decompressed or moved the kernel itself. */
        st = alloc_pages(EfiLoaderCode, footprint, BELOW_4G, &h->kernel);
        if (EFI_ERROR(st)) {
                log_error(L"no memory below 4 GiB for the kernel (%ld bytes): %r", footprint, st);
                return st;
        }
        uk_memcpy(ptr(h->kernel.addr), in->kernel, in->kernel_len);
        if (zero_end > in->kernel_len)
                BS->SetMem((uint8_t *) ptr(h->kernel.addr) + in->kernel_len, zero_end - in->kernel_len, 0);

        /* boot_params: zero, then the kernel's own setup header, then the fields a loader owns. */
        st = alloc_pages(EfiLoaderData, BP_SIZE, BELOW_4G, &h->params);
        if (EFI_ERROR(st)) {
                log_error(L"no memory for boot_params: %r", st);
                return st;
        }
        bp = ptr(h->params.addr);
        BS->SetMem(bp, BP_SIZE, 0);
        if (hdr_end > BP_HDR_END_MAX)
                hdr_end = BP_HDR_END_MAX;
        if (hdr_end > setup_len)
                hdr_end = setup_len;
        uk_memcpy(bp + HDR_SETUP_SECTS, in->kernel + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
        if (bp[HDR_SETUP_SECTS] == 0)
                bp[HDR_SETUP_SECTS] = 4;
        bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
        put_le32(bp + HDR_CODE32_START, (uint32_t) (h->kernel.addr + setup_len));

        /* Command line: ASCII, NUL-terminated, below 4 GiB (the plan already checked cmdline_size). */
        st = alloc_pages(EfiLoaderData, p->cmdline_len + 1, BELOW_4G, &h->cmdline);
        if (EFI_ERROR(st)) {
                log_error(L"no memory for the command line: %r", st);
                return st;
        }
        cmdline = ptr(h->cmdline.addr);
        uk_memcpy(cmdline, p->cmdline, p->cmdline_len);
        cmdline[p->cmdline_len] = 0;
        put_le32(bp + HDR_CMD_LINE_PTR, (uint32_t) h->cmdline.addr);
        put_le32(bp + BP_EXT_CMD_LINE_PTR, (uint32_t) (h->cmdline.addr >> 32));

        if (p->initrd_total > 0) {
                st = place_initrd(in, p->kernel_info.xloadflags, &h->initrd);
                if (EFI_ERROR(st))
                        return st;
                put_le32(bp + HDR_RAMDISK_IMAGE, (uint32_t) h->initrd.addr);
                put_le32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t) (h->initrd.addr >> 32));
                put_le32(bp + HDR_RAMDISK_SIZE, (uint32_t) p->initrd_total);
                put_le32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t) (p->initrd_total >> 32));
        }
        /* 64-bit entry: startup_64 sits 512 bytes after startup_32, handover_offset counts from there. */
        h->entry = h->kernel.addr + setup_len + 512 + p->kernel_info.handover_offset;
        return EFI_SUCCESS;
}

EFI_STATUS handover_boot(const struct handover_in *in, const struct uk_entry *e) {
        struct handover h = {};
        const char *why;
        EFI_STATUS st;

        if (!handover_supported(in, &why)) {
                log_error(L"%a: EFI handover impossible: %a", e->id, why);
                return EFI_UNSUPPORTED;
        }
        /* The stub would prefer someone else's LoadFile2 initrd over the one in boot_params. */
        if (initrd_foreign_provider()) {
                log_error(L"%a: another initrd provider is already installed", e->id);
                return EFI_ALREADY_STARTED;
        }
        st = handover_prepare(in, &h);
        if (EFI_ERROR(st)) {
                handover_release(&h);
                log_error(L"%a: EFI handover setup failed: %r", e->id, st);
                return st;
        }
        log_info(L"handover: kernel at 0x%lx (%ld pages), boot_params at 0x%lx, initrd at 0x%lx (%ld bytes), "
                 L"entry 0x%lx", h.kernel.addr, h.kernel.n, h.params.addr, h.initrd.n ? h.initrd.addr : 0,
                 in->plan->initrd_total, h.entry);
        vars_set_exec(e, in->plan);
        log_info(L"starting kernel of %a (EFI handover protocol)", e->id);
        /* The entry returns only if the stub gave up without calling Exit() on our handle. */
        ((handover_entry_fn) (UINTN) h.entry)(in->image, ST, ptr(h.params.addr));
        handover_release(&h);
        log_error(L"%a: kernel returned from the EFI handover entry", e->id);
        return EFI_LOAD_ERROR;
}
