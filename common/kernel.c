/* ukiboot — facts about the kernel image inside .linux, read through a source.
 *
 * Formats, checked in this order (the first match decides):
 *   EFI zboot   "MZ" at 0, "zimg" at 4, payload offset/size le32 at 8/12, compression name at 0x18
 *               (NUL-padded up to 0x38) — drivers/firmware/efi/libstub/zboot-header.S
 *   x86 bzImage "HdrS" at 0x202, setup header fields per Documentation/arch/x86/boot.rst
 *   arm64 Image "ARM\x64" at 0x38
 *   other PE    "MZ" + "PE\0\0" at e_lfanew
 *   gzip        1f 8b
 * Anything else is UK_KERNEL_UNKNOWN, which is not an error: whether it can be booted is the plan's call.
 *
 * initrd_loadfile2_ok: the Linux EFI stub advertises its feature level in the PE optional header's
 * MajorImageVersion; version 1 (Linux 5.8) added fetching the initrd through the LINUX_INITRD_MEDIA device
 * path (LoadFile2). That is the same test systemd-stub makes. For a bzImage without that field set we fall
 * back to the version string in the setup header (>= 5.8). The boot protocol version cannot tell: 2.15
 * arrived with 5.5, before LoadFile2 initrd support. */
#include "kernel.h"
#include "pe.h"
#include "util.h"

#define BZ_SETUP_SECTS      0x1f1u
#define BZ_HEADER_MAGIC     0x202u
#define BZ_VERSION          0x206u
#define BZ_KERNEL_VERSION   0x20eu
#define BZ_INITRD_ADDR_MAX  0x22cu
#define BZ_KERNEL_ALIGNMENT 0x230u
#define BZ_RELOCATABLE      0x234u
#define BZ_XLOADFLAGS       0x236u
#define BZ_PREF_ADDRESS     0x258u
#define BZ_INIT_SIZE        0x260u
#define BZ_CMDLINE_SIZE     0x238u
#define BZ_HANDOVER_OFFSET  0x264u
#define BZ_HEADER_END       0x26cu      /* end of the 2.15 setup header (kernel_info_offset) */
#define BZ_SECTOR           512u

#define ZBOOT_COMP_OFFSET   0x18u
#define ZBOOT_COMP_MAX      0x20u       /* up to the PE magic at 0x38 */
#define ARM64_MAGIC_OFFSET  0x38u

static bool bytes_at(const uint8_t *head, size_t head_len, size_t off, const char *magic, size_t n) {
        return uk_range_ok(off, n, head_len) && uk_memcmp(head + off, magic, n) == 0;
}

/* "MZ" + a "PE\0\0" signature where e_lfanew points: an EFI stub. *ret_image_major gets MajorImageVersion
 * (0 if the optional header is not readable). */
static uk_err probe_pe(const struct uk_source *k, const uint8_t *head, size_t head_len,
                       bool *ret_pe, uint16_t *ret_image_major) {
        uint8_t sig[4], opt[48];
        uint32_t lfanew;
        uk_err r;

        *ret_pe = false;
        *ret_image_major = 0;
        if (!bytes_at(head, head_len, 0, "MZ", 2) || head_len < 0x40)
                return UK_OK;
        lfanew = uk_le32(head + 0x3c);
        if (!uk_range_ok(lfanew, sizeof(sig), k->size))
                return UK_OK;
        r = uk_source_read(k, lfanew, sig, sizeof(sig));
        if (r)
                return r;
        if (uk_memcmp(sig, "PE\0\0", 4) != 0)
                return UK_OK;
        *ret_pe = true;

        /* Optional header starts after the 4-byte signature and the 20-byte COFF header. */
        if (uk_range_ok((uint64_t) lfanew + 24, sizeof(opt), k->size)) {
                r = uk_source_read(k, (uint64_t) lfanew + 24, opt, sizeof(opt));
                if (r)
                        return r;
                if (uk_le16(opt) == 0x10b || uk_le16(opt) == 0x20b)
                        *ret_image_major = uk_le16(opt + 44);
        }
        return UK_OK;
}

/* "6.1.0-28-amd64 ..." -> true if the leading major.minor is at least 5.8. */
static bool version_at_least_5_8(const char *v) {
        uint64_t major = 0, minor = 0;
        size_t i = 0, s;

        for (s = i; uk_isdigit(v[i]); i++)
                ;
        if (i == s || i - s > 6 || !uk_parse_u64(v + s, i - s, &major) || v[i] != '.')
                return false;
        for (s = ++i; uk_isdigit(v[i]); i++)
                ;
        if (i == s || i - s > 6 || !uk_parse_u64(v + s, i - s, &minor))
                return false;
        return major > 5 || (major == 5 && minor >= 8);
}

static uk_err inspect_zboot(const struct uk_source *k, const uint8_t *head, struct uk_kernel_info *info) {
        size_t n = uk_strnlen((const char *) head + ZBOOT_COMP_OFFSET, ZBOOT_COMP_MAX);

        info->format = UK_KERNEL_ZBOOT;
        info->zboot_payload_offset = uk_le32(head + 8);
        info->zboot_payload_size = uk_le32(head + 12);
        if (!uk_range_ok(info->zboot_payload_offset, info->zboot_payload_size, k->size))
                return UK_E_BAD_COMPRESSION;
        /* Kernel names are short ("gzip", "zstd22", "xzkern"); an empty or unterminated one is corrupt. */
        if (n == 0 || uk_strncpy_checked(info->zboot_comp, sizeof(info->zboot_comp),
                                         (const char *) head + ZBOOT_COMP_OFFSET, n) != 0)
                return UK_E_BAD_COMPRESSION;
        return UK_OK;
}

/* The human-readable version string at kernel_version + 0x200, kept inside the real-mode setup area. */
static uk_err read_version_string(const struct uk_source *k, uint64_t setup_len, uint16_t ptr,
                                  char *ret, size_t cap) {
        uint8_t buf[128];
        uint64_t off = (uint64_t) ptr + 0x200, avail;
        size_t want, n = 0;
        uk_err r;

        ret[0] = 0;
        if (ptr == 0 || off >= setup_len)
                return UK_OK;
        avail = setup_len - off;
        want = cap - 1 < sizeof(buf) ? cap - 1 : sizeof(buf);
        if (avail < want)
                want = (size_t) avail;
        r = uk_source_read(k, off, buf, want);
        if (r)
                return r;
        /* Stop at NUL or at the first non-printable byte: this is display text. */
        while (n < want && buf[n] >= 0x20 && buf[n] < 0x7f) {
                ret[n] = (char) buf[n];
                n++;
        }
        ret[n] = 0;
        return UK_OK;
}

static uk_err inspect_bzimage(const struct uk_source *k, struct uk_kernel_info *info) {
        uint8_t hdr[BZ_HEADER_END];     /* bytes 0 .. end of the setup header; only 0x1f1.. is read */
        uint64_t setup_len;
        unsigned sects;
        uk_err r;

        /* The real-mode setup area is (setup_sects + 1) sectors, and 0 means 4 (boot.rst). A kernel whose
         * setup area is cut off claims to be a bzImage but cannot be one. */
        r = uk_source_read(k, BZ_SETUP_SECTS, hdr + BZ_SETUP_SECTS, 1);
        if (r)
                return r;
        sects = hdr[BZ_SETUP_SECTS] ? hdr[BZ_SETUP_SECTS] : 4;
        setup_len = (uint64_t) (sects + 1) * BZ_SECTOR;
        if (setup_len > k->size)
                return UK_E_BAD_KERNEL;
        /* setup_len >= 5 sectors > BZ_HEADER_END, so the whole header is inside the file. */
        r = uk_source_read(k, BZ_SETUP_SECTS, hdr + BZ_SETUP_SECTS, BZ_HEADER_END - BZ_SETUP_SECTS);
        if (r)
                return r;

        info->format = UK_KERNEL_BZIMAGE;
        info->boot_protocol = uk_le16(hdr + BZ_VERSION);
        info->cmdline_size = info->boot_protocol >= 0x206 ? uk_le32(hdr + BZ_CMDLINE_SIZE) : 255;
        info->handover_offset = info->boot_protocol >= 0x20b ? uk_le32(hdr + BZ_HANDOVER_OFFSET) : 0;
        info->xloadflags = info->boot_protocol >= 0x20c ? uk_le16(hdr + BZ_XLOADFLAGS) : 0;
        info->setup_len = (uint32_t) setup_len;
        info->initrd_addr_max = info->boot_protocol >= 0x203 ? uk_le32(hdr + BZ_INITRD_ADDR_MAX) : 0x37ffffffu;
        info->kernel_alignment = info->boot_protocol >= 0x205 ? uk_le32(hdr + BZ_KERNEL_ALIGNMENT) : 0;
        info->relocatable = info->boot_protocol >= 0x205 && hdr[BZ_RELOCATABLE];
        info->pref_address = info->boot_protocol >= 0x20a ? uk_le64(hdr + BZ_PREF_ADDRESS) : 0;
        info->init_size = info->boot_protocol >= 0x20a ? uk_le32(hdr + BZ_INIT_SIZE) : 0;
        return read_version_string(k, setup_len, uk_le16(hdr + BZ_KERNEL_VERSION), info->version,
                                   sizeof(info->version));
}

uk_err uk_kernel_inspect(const struct uk_source *k, struct uk_kernel_info *ret_info) {
        struct uk_kernel_info info = {};
        uint8_t head[0x40];
        size_t head_len;
        uint16_t image_major;
        uk_err r;

        if (!k || !ret_info)
                return UK_E_INVALID_ARG;

        head_len = k->size < sizeof(head) ? (size_t) k->size : sizeof(head);
        r = uk_source_read(k, 0, head, head_len);
        if (r)
                return r;

        r = probe_pe(k, head, head_len, &info.has_pe_stub, &image_major);
        if (r)
                return r;

        if (bytes_at(head, head_len, 0, "MZ", 2) && bytes_at(head, head_len, 4, "zimg", 4) &&
            head_len >= ZBOOT_COMP_OFFSET + ZBOOT_COMP_MAX) {
                r = inspect_zboot(k, head, &info);
                if (r)
                        return r;
        } else {
                uint8_t magic[4];

                if (uk_range_ok(BZ_HEADER_MAGIC, 4, k->size)) {
                        r = uk_source_read(k, BZ_HEADER_MAGIC, magic, 4);
                        if (r)
                                return r;
                }
                if (uk_range_ok(BZ_HEADER_MAGIC, 4, k->size) && uk_memcmp(magic, "HdrS", 4) == 0) {
                        r = inspect_bzimage(k, &info);
                        if (r)
                                return r;
                } else if (bytes_at(head, head_len, ARM64_MAGIC_OFFSET, "ARM\x64", 4))
                        info.format = UK_KERNEL_ARM64_IMAGE;
                else if (info.has_pe_stub)
                        info.format = UK_KERNEL_PE;
                else if (head_len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
                        info.format = UK_KERNEL_GZIP;
        }

        /* LoadFile2 is an EFI stub feature: without a PE header there is no stub to use it. */
        info.initrd_loadfile2_ok = info.has_pe_stub &&
                (image_major >= 1 || (info.format == UK_KERNEL_BZIMAGE && version_at_least_5_8(info.version)));

        uk_memcpy(ret_info, &info, sizeof(info));
        return UK_OK;
}

/* The kernel must be one of the UKI's own architecture, so neither twin starts a kernel its stub could not:
 *  - a bzImage is entered through its EFI stub (EFI twin) and only exists on x86;
 *  - an arm64 Image (ARM\x64 magic) belongs in an arm64 UKI;
 *  - a gzip blob says nothing about its architecture. On arm64, Image.gz is a standard kernel form
 *    (Ubuntu's arm64 vmlinuz; boot loaders such as U-Boot's booti inflate it) and the Linux twin inflates
 *    it before kexec; on x86 no loader boots one. So gzip is accepted only inside an arm64 UKI;
 *  - EFI zboot and other PE images carry their own machine type and are started as EFI applications. */
bool uk_kernel_bootable(const struct uk_kernel_info *k, uint16_t uki_machine) {
        bool any = uki_machine == 0;

        if (!k)
                return false;
        switch (k->format) {
        case UK_KERNEL_BZIMAGE:
                return k->has_pe_stub &&
                        (any || uki_machine == UK_PE_MACHINE_X64 || uki_machine == UK_PE_MACHINE_I386);
        case UK_KERNEL_ARM64_IMAGE:
                return any || uki_machine == UK_PE_MACHINE_ARM64;
        case UK_KERNEL_GZIP:
                return uki_machine == UK_PE_MACHINE_ARM64;
        case UK_KERNEL_ZBOOT:
        case UK_KERNEL_PE:
                return true;
        default:
                return false;
        }
}
