/* ukiboot — `load --kexec-load` on x86-64: a bzImage through kexec_load, laid out here, instead of
 * kexec_file_load. What it saves, measured by make bench (bench/linux-load, bench/soft-reboot):
 *   - no memory files: the kernel and a UKI's single initrd piece go to the kernel straight from a read-only
 *     mapping of the file (the kernel copies each page once, into the pages it reserves for the image);
 *   - no SHA-256 of the segments at load time, and no purgatory to hash them again before the jump: the
 *     entry code below is the whole hand-over. That is the trade: nothing re-checks the bytes in memory
 *     between load and jump. A locked-down kernel (Secure Boot) refuses kexec_load altogether, so the
 *     default stays kexec_file_load (doc/benchmarks.md).
 * The next kernel gets what kexec_file_load would give it: this kernel's boot parameters (the firmware's
 * e820 map, screen, ACPI RSDP) with the new kernel's setup header, its command line and initrd, and on EFI
 * machines the runtime services (the runtime map from /sys/firmware/efi/runtime-map, the system table, and
 * a SETUP_EFI record), so efivarfs works after the jump. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fill.h"
#include "kexec_bzimage.h"
#include "log.h"
#include "ram_layout.h"
#include "timing.h"
#include "util.h"

#if defined(__x86_64__)
#define PAGE 4096ull
#define MIB 0x100000ull
#define BP_SIZE 4096u                    /* struct boot_params, the "zero page" */
#define EFI_DESC_SIZE 40u                /* efi_memory_desc_t as the runtime map is rebuilt here */
#define EFI_MAP_MAX 256u
#define SETUP_EFI 4u
#define SETUP_EFI_LEN 96u                /* struct efi_setup_data: fw_vendor, unused, tables, smbios, reserved[8] */
#define XLF_KERNEL_64 0x1u
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x2u
#define LOADER_KEXEC 0xd0u               /* type_of_loader: kexec (as kexec_file_load sets it) */

/* boot_params offsets (Documentation/arch/x86/zero-page.rst, boot.rst). */
enum {
        BP_TBOOT_ADDR = 0x058, BP_ACPI_RSDP = 0x070, BP_EXT_RAMDISK_IMAGE = 0x0c0, BP_EXT_RAMDISK_SIZE = 0x0c4,
        BP_EXT_CMD_LINE_PTR = 0x0c8, BP_EFI_INFO = 0x1c0, BP_SENTINEL = 0x1ef, BP_HDR = 0x1f1, BP_HDR_JUMP = 0x201,
        BP_TYPE_OF_LOADER = 0x210, BP_CODE32_START = 0x214, BP_RAMDISK_IMAGE = 0x218, BP_RAMDISK_SIZE = 0x21c,
        BP_CMD_LINE_PTR = 0x228, BP_SETUP_DATA = 0x250, BP_HDR_MAX_END = 0x290,
};
/* efi_info fields, from BP_EFI_INFO. */
enum { EI_SIGNATURE = 0, EI_SYSTAB = 4, EI_MEMDESC_SIZE = 8, EI_MEMDESC_VERSION = 12, EI_MEMMAP = 16,
       EI_MEMMAP_SIZE = 20, EI_SYSTAB_HI = 24, EI_MEMMAP_HI = 28 };

/* The entry code: relocate_kernel jumps here in long mode, identity-mapped, every register cleared. The
 * 64-bit boot protocol wants a GDT with a flat code segment at 0x10 and data at 0x18, interrupts off, and
 * %rsi pointing at boot_params; then the kernel's 64-bit entry, 0x200 past where it is loaded. Two 8-byte
 * immediates (boot_params, entry) and the GDT's address are written in when the page is laid out. */
__asm__(".pushsection .rodata\n"
        ".balign 16\n"
        ".globl uk_bz_entry, uk_bz_entry_end, uk_bz_entry_bp, uk_bz_entry_jump, uk_bz_entry_gdt, uk_bz_entry_gdt_base\n"
        "uk_bz_entry:\n"
        "  cli\n"
        "  lgdt uk_bz_entry_gdtr(%rip)\n"
        "  movl $0x18, %eax\n"
        "  movl %eax, %ds\n"
        "  movl %eax, %es\n"
        "  movl %eax, %ss\n"
        "  movl %eax, %fs\n"
        "  movl %eax, %gs\n"
        "  .byte 0x48, 0xbe\n"             /* movabsq $boot_params, %rsi */
        "uk_bz_entry_bp: .quad 0\n"
        "  .byte 0x48, 0xb8\n"             /* movabsq $entry, %rax */
        "uk_bz_entry_jump: .quad 0\n"
        "  pushq $0x10\n"
        "  pushq %rax\n"
        "  lretq\n"
        ".balign 8\n"
        "uk_bz_entry_gdt:\n"
        "  .quad 0, 0\n"
        "  .quad 0x00af9a000000ffff\n"     /* 0x10: 64-bit code */
        "  .quad 0x00cf92000000ffff\n"     /* 0x18: flat data */
        "uk_bz_entry_gdtr:\n"
        "  .word 31\n"
        "uk_bz_entry_gdt_base: .quad 0\n"
        "uk_bz_entry_end:\n"
        ".popsection\n");
extern const uint8_t uk_bz_entry[], uk_bz_entry_end[], uk_bz_entry_bp[], uk_bz_entry_jump[], uk_bz_entry_gdt[],
        uk_bz_entry_gdt_base[];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* A number a sysfs file holds ("0x..." or decimal, up to 2^64 - 1: attributes use bit 63); false when it
 * cannot be read. */
static bool read_number(const char *path, uint64_t *ret) {
        FILE *f = fopen(path, "re");
        char text[32], *end;
        if (!f)
                return false;
        bool ok = fgets(text, sizeof text, f) != NULL;
        fclose(f);
        if (!ok)
                return false;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 0);
        if (errno || end == text || (*end && *end != '\n'))
                return false;
        *ret = v;
        return true;
}

/* "KEY=0x..." from /sys/firmware/efi/systab (SMBIOS, ACPI20); 0 when absent. */
static uint64_t systab_value(const char *key) {
        FILE *f = fopen("/sys/firmware/efi/systab", "re");
        char line[128];
        uint64_t v = 0;
        size_t n = strlen(key);
        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, key, n) == 0 && line[n] == '=') {
                        v = strtoull(line + n + 1, NULL, 0);
                        break;
                }
        if (f)
                fclose(f);
        return v;
}

/* The EFI runtime map this kernel uses (/sys/firmware/efi/runtime-map/N), as efi_memory_desc_t records in map;
 * the count, -1 when it is not published, -2 when it has more than cap entries (a map cut short would leave
 * the next kernel faulting in a runtime call). */
static int read_runtime_map(uint8_t *map, unsigned cap) {
        static const char *const fields[] = { "type", "phys_addr", "virt_addr", "num_pages", "attribute" };
        unsigned n = 0;
        for (; n < cap; n++) {
                uint64_t v[5];
                for (unsigned k = 0; k < 5; k++) {
                        char path[96];
                        snprintf(path, sizeof path, "/sys/firmware/efi/runtime-map/%u/%s", n, fields[k]);
                        if (!read_number(path, &v[k]))
                                return n == 0 && access("/sys/firmware/efi/runtime-map", F_OK) != 0 ? -1 : (int) n;
                }
                uint8_t *d = map + n * EFI_DESC_SIZE;
                memset(d, 0, EFI_DESC_SIZE);
                put32(d, (uint32_t) v[0]);
                put64(d + 8, v[1]);
                put64(d + 16, v[2]);
                put64(d + 24, v[3]);
                put64(d + 32, v[4]);
        }
        char more[64];
        snprintf(more, sizeof more, "/sys/firmware/efi/runtime-map/%u", cap);
        return access(more, F_OK) == 0 ? -2 : (int) n;
}

int kexec_load_bzimage(struct target *t, int *ret_kexec_errno) {
        const struct uk_plan *p = t->plan;
        const struct uk_kernel_info *ki = &p->kernel_info;
        const char *what = t->file.label;
        uint64_t file_size = t->file.src.size;
        uint8_t *file = MAP_FAILED, *initrd_copy = NULL, *params = NULL;
        static uint8_t efi_map[EFI_MAP_MAX * EFI_DESC_SIZE];
        struct layout *l = calloc(1, sizeof(*l));
        int r;

        *ret_kexec_errno = 0;
        if (!l)
                return log_fail(EXIT_FAILED, "out of memory");
        if (ki->format != UK_KERNEL_BZIMAGE || !(ki->xloadflags & XLF_KERNEL_64) || ki->boot_protocol < 0x20a ||
            !ki->relocatable || ki->init_size == 0) {
                r = log_fail(EXIT_INVALID, "%s: --kexec-load takes a relocatable 64-bit bzImage (boot protocol 2.10+)",
                             what);
                goto out;
        }
        const struct uk_plan_piece *k = &p->kernel;
        if (!uk_range_ok(k->offset, k->length, file_size) || k->length <= ki->setup_len) {
                r = log_uk(UK_E_SECTION_OUT_OF_BOUNDS, what);
                goto out;
        }
        if (p->cmdline_len > ki->cmdline_size) {
                r = log_fail(EXIT_INVALID, "%s: the command line is %zu bytes, the kernel takes %u", what,
                             (size_t) p->cmdline_len, ki->cmdline_size);
                goto out;
        }
        /* This kernel's own boot parameters: the firmware's memory map, screen and tables the next one needs. */
        uint8_t cur[BP_SIZE];
        int fd = open("/sys/kernel/boot_params/data", O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, cur, sizeof cur) : -1;
        if (fd >= 0)
                close(fd);
        if (got != (ssize_t) sizeof cur) {
                r = log_fail(EXIT_FAILED, "/sys/kernel/boot_params/data: %s", got < 0 ? strerror(errno) : "short read");
                goto out;
        }
        bool efi = get32(cur + BP_EFI_INFO + EI_MEMMAP_SIZE) != 0 && access("/sys/firmware/efi", F_OK) == 0;
        int n_efi = 0;
        uint64_t fw_vendor = 0, tables = 0;
        if (efi && ((n_efi = read_runtime_map(efi_map, EFI_MAP_MAX)) <= 0 ||
                    !read_number("/sys/firmware/efi/fw_vendor", &fw_vendor) ||
                    !read_number("/sys/firmware/efi/config_table", &tables))) {
                r = log_fail(EXIT_FAILED, "%s: %s: the next kernel would start without EFI runtime services or "
                             "tables; load without --kexec-load", what,
                             n_efi == -1 ? "/sys/firmware/efi/runtime-map is missing" :
                             n_efi == -2 ? "the EFI runtime map has more than 256 entries" :
                             n_efi == 0 ? "/sys/firmware/efi/runtime-map is empty" :
                             "/sys/firmware/efi/fw_vendor or config_table cannot be read");
                goto out;
        }

        file = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, t->file.fd, 0);
        if (file == MAP_FAILED) {
                r = log_fail(EXIT_FAILED, "%s: mmap: %s", what, strerror(errno));
                goto out;
        }
        const uint8_t *kernel = file + k->offset;
        uint64_t code_len = k->length - ki->setup_len;

        /* The initrd: one piece of the file itself is handed over from the mapping (its fill and padding are the
         * zeros kexec_load adds after bufsz); several are put together once, as they would be served. */
        const uint8_t *initrd = NULL;
        uint64_t initrd_bytes = p->initrd_total;
        if (p->n_initrd == 1 && p->initrd[0].source == UK_PIECE_UKI && !p->initrd[0].bytes &&
            uk_range_ok(p->initrd[0].offset, p->initrd[0].length, file_size)) {
                initrd = file + p->initrd[0].offset;
                initrd_bytes = p->initrd[0].length;
        } else if (p->initrd_total > 0) {
                if (!(initrd_copy = malloc(p->initrd_total))) {
                        r = log_fail(EXIT_FAILED, "out of memory for the %llu-byte initrd",
                                     (unsigned long long) p->initrd_total);
                        goto out;
                }
                if (target_read_initrd(t, 0, initrd_copy, p->initrd_total) != UK_OK) {
                        r = log_fail(EXIT_FAILED, "%s: the initrd cannot be read", what);
                        goto out;
                }
                initrd = initrd_copy;
        }

        /* Where things go: never below 1 MiB (real-mode and BIOS memory); the kernel where it prefers, with room
         * to decompress; the parameter page low (below where the kernel decompresses), the initrd where the
         * header allows it. */
        if ((r = read_ram(l)))
                goto out;
        ram_remove(l, (struct range) { 0, MIB });
        uint64_t kernel_mem = align_up(ki->init_size > code_len ? ki->init_size : code_len, PAGE);
        uint64_t align = ki->kernel_alignment >= PAGE ? ki->kernel_alignment : 2 * MIB;
        /* At its preferred address only: a kernel started below it decompresses at that address anyway, over
         * whatever was placed there (kexec_file_load places it top-down for the same reason). */
        uint64_t kernel_at = ki->pref_address;
        if (!kernel_at || kernel_at % align || kernel_at > UINT64_MAX - kernel_mem ||
            !ram_take(l, kernel_at, kernel_at + kernel_mem)) {
                r = log_fail(EXIT_FAILED, "%s: the kernel's preferred address %#llx (%llu bytes from there) is not free "
                             "RAM on this machine; load without --kexec-load", what, (unsigned long long) kernel_at,
                             (unsigned long long) kernel_mem);
                goto out;
        }
        size_t cmd_off = BP_SIZE, sd_off = align_up(cmd_off + p->cmdline_len + 1, 16);
        size_t map_off = sd_off + 16 + SETUP_EFI_LEN, code_off = align_up(map_off + (size_t) n_efi * EFI_DESC_SIZE, 16);
        size_t entry_len = (size_t) (uk_bz_entry_end - uk_bz_entry);
        uint64_t params_mem = align_up(code_off + entry_len, PAGE);
        uint64_t params_at = place(l, params_mem, PAGE, 0);
        uint64_t initrd_mem = align_up(p->initrd_total ? p->initrd_total : 1, PAGE);
        /* Where the initrd goes decides the load's time: every page the kernel allocates for the image that
         * lies inside one of its destinations is set aside on a list it walks for each later page. Low, as
         * here: 0.31 s for 213 MB in make bench's 3 GiB busybox guest, 15 s in its 2 GiB systemd guest;
         * high: 0.85-4.5 s and 3.1 s (doc/benchmarks.md). */
        uint64_t initrd_at = p->initrd_total ? place(l, initrd_mem, PAGE, 0) : 0;
        bool initrd_high_ok = ki->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G;
        if (!kernel_at || !params_at || (p->initrd_total && !initrd_at) ||
            (p->initrd_total && !initrd_high_ok && initrd_at + p->initrd_total - 1 > ki->initrd_addr_max) ||
            params_at + params_mem > 0x100000000ull) {
                r = log_fail(EXIT_FAILED, "%s: no room in this machine's free RAM for the kernel (%llu bytes), its "
                             "parameters and the initrd (%llu bytes)", what, (unsigned long long) kernel_mem,
                             (unsigned long long) p->initrd_total);
                goto out;
        }

        /* The parameter page: this kernel's boot_params with the new kernel's setup header, then the command
         * line, the SETUP_EFI record, the runtime map and the entry code. */
        if (!(params = calloc(1, params_mem))) {
                r = log_fail(EXIT_FAILED, "out of memory");
                goto out;
        }
        memcpy(params, cur, BP_SIZE);
        size_t hdr_end = 0x202u + kernel[BP_HDR_JUMP];
        if (hdr_end > BP_HDR_MAX_END)
                hdr_end = BP_HDR_MAX_END;
        memset(params + BP_HDR, 0, BP_HDR_MAX_END - BP_HDR);
        memcpy(params + BP_HDR, kernel + BP_HDR, hdr_end - BP_HDR);
        params[BP_SENTINEL] = 0;
        put64(params + BP_TBOOT_ADDR, 0);
        params[BP_TYPE_OF_LOADER] = LOADER_KEXEC;
        put32(params + BP_CODE32_START, (uint32_t) kernel_at);
        put32(params + BP_RAMDISK_IMAGE, (uint32_t) initrd_at);
        put32(params + BP_EXT_RAMDISK_IMAGE, (uint32_t) (initrd_at >> 32));
        put32(params + BP_RAMDISK_SIZE, (uint32_t) p->initrd_total);
        put32(params + BP_EXT_RAMDISK_SIZE, (uint32_t) (p->initrd_total >> 32));
        uint64_t cmd_at = params_at + cmd_off;
        memcpy(params + cmd_off, p->cmdline, p->cmdline_len);
        put32(params + BP_CMD_LINE_PTR, (uint32_t) cmd_at);
        put32(params + BP_EXT_CMD_LINE_PTR, (uint32_t) (cmd_at >> 32));
        uint8_t *ei = params + BP_EFI_INFO;
        if (efi) {
                uint64_t map_at = params_at + map_off, sd_at = params_at + sd_off;
                memcpy(params + map_off, efi_map, (size_t) n_efi * EFI_DESC_SIZE);
                put32(ei + EI_MEMDESC_SIZE, EFI_DESC_SIZE);
                put32(ei + EI_MEMMAP, (uint32_t) map_at);
                put32(ei + EI_MEMMAP_HI, (uint32_t) (map_at >> 32));
                put32(ei + EI_MEMMAP_SIZE, (uint32_t) n_efi * EFI_DESC_SIZE);
                uint8_t *sd = params + sd_off;
                put64(sd, 0);
                put32(sd + 8, SETUP_EFI);
                put32(sd + 12, SETUP_EFI_LEN);
                put64(sd + 16, fw_vendor);
                put64(sd + 32, tables);
                put64(sd + 40, systab_value("SMBIOS"));
                put64(params + BP_SETUP_DATA, sd_at);
                uint64_t rsdp = systab_value("ACPI20");
                if (get32(params + BP_ACPI_RSDP) == 0 && get32(params + BP_ACPI_RSDP + 4) == 0)
                        put64(params + BP_ACPI_RSDP, rsdp ? rsdp : systab_value("ACPI"));
        } else {
                memset(ei, 0, 32);
        }
        uint8_t *code = params + code_off;
        uint64_t code_at = params_at + code_off;
        memcpy(code, uk_bz_entry, entry_len);
        put64(code + (uk_bz_entry_bp - uk_bz_entry), params_at);
        put64(code + (uk_bz_entry_jump - uk_bz_entry), kernel_at + 0x200);
        put64(code + (uk_bz_entry_gdt_base - uk_bz_entry), code_at + (uint64_t) (uk_bz_entry_gdt - uk_bz_entry));

        struct kexec_segment seg[3];
        unsigned n = 0;
        seg[n++] = (struct kexec_segment) { kernel + ki->setup_len, code_len, (void *) (uintptr_t) kernel_at, kernel_mem };
        seg[n++] = (struct kexec_segment) { params, params_mem, (void *) (uintptr_t) params_at, params_mem };
        if (p->initrd_total)
                seg[n++] = (struct kexec_segment) { initrd, initrd_bytes, (void *) (uintptr_t) initrd_at, initrd_mem };
        timing_step("layout");
        if (syscall(SYS_kexec_load, (unsigned long) code_at, (unsigned long) n, seg, (unsigned long) KEXEC_ARCH_DEFAULT) < 0) {
                *ret_kexec_errno = errno;
                r = EXIT_FAILED;
                goto out;
        }
        fprintf(stderr, "ukiboot: kexec_load: kernel at %#llx, initrd at %#llx (%llu bytes), parameters at %#llx%s\n",
                (unsigned long long) kernel_at, (unsigned long long) initrd_at, (unsigned long long) p->initrd_total,
                (unsigned long long) params_at, efi ? ", EFI runtime map passed on" : "");
        r = EXIT_OK;
out:
        free(params);
        free(initrd_copy);
        if (file != MAP_FAILED)
                munmap(file, file_size);
        free(l);
        return r;
}
#else
int kexec_load_bzimage(struct target *t, int *ret_kexec_errno) {
        *ret_kexec_errno = 0;
        return log_fail(EXIT_USAGE, "%s: --kexec-load is for x86-64 bzImages", t->file.label);
}
#endif
