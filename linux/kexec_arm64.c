/* ukiboot — arm64 kexec through kexec_load, for kernels built without kexec_file_load.
 *
 * Debian's arm64 kernels (6.1 in bookworm, 6.12 in backports) have CONFIG_KEXEC but not CONFIG_KEXEC_FILE,
 * so on them the loader must do what kexec_file_load does inside the kernel (arch/arm64/kernel/
 * kexec_image.c, machine_kexec_file.c): put the Image, the initrd, a device tree and a little code in RAM and
 * hand the list to kexec_load. The layout follows Documentation/arch/arm64/booting.rst:
 *   - the Image at text_offset from a 2 MiB aligned base, image_size bytes (its BSS included) kept free;
 *   - the initrd anywhere in RAM, announced in /chosen (linux,initrd-start / -end);
 *   - the device tree 8-byte aligned, at most 2 MiB, passed in x0; x1..x3 zero.
 * The device tree is the running one (/sys/firmware/fdt) with /chosen rewritten (common/fdt.c). kexec_load
 * jumps to the entry with x0 undefined (only kexec_file_load sets it), so the entry is a 40-byte purgatory
 * of our own: load x0 = device tree, clear x1..x3, branch to the Image.
 * Free RAM is "System RAM" in /proc/iomem minus the "reserved" ranges inside it (linux/ram_layout.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "kexec_arm64.h"
#include "ram_layout.h"
#include "fdt.h"
#include "firmware_tables.h"
#include "util.h"

#define SZ_2M (2ULL * 1024 * 1024)
#define FDT_MAX (2u * 1024 * 1024)             /* booting.rst: the dtb must not exceed 2 MiB */
#define IMAGE_MAGIC_OFFSET 0x38
#define IMAGE_FLAG_BE 1ull                     /* flags bit 0: big-endian kernel */

/* ldr x0, dtb; mov x1, xzr; mov x2, xzr; mov x3, xzr; ldr x4, entry; br x4; dtb: .quad; entry: .quad */
static void make_purgatory(uint8_t out[40], uint64_t dtb, uint64_t entry) {
        static const uint32_t code[6] = { 0x580000c0, 0xaa1f03e1, 0xaa1f03e2, 0xaa1f03e3, 0x58000084, 0xd61f0080 };
        for (size_t i = 0; i < 6; i++)
                for (size_t b = 0; b < 4; b++)
                        out[4 * i + b] = (uint8_t) (code[i] >> (8 * b));       /* A64 instructions are little-endian */
        for (size_t b = 0; b < 8; b++) {
                out[24 + b] = (uint8_t) (dtb >> (8 * b));
                out[32 + b] = (uint8_t) (entry >> (8 * b));
        }
}

static int map_fd(int fd, const char *what, const uint8_t **ret, size_t *ret_len) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_fail(EXIT_FAILED, "%s: %s", what, strerror(errno));
        *ret_len = (size_t) st.st_size;
        *ret = NULL;
        if (st.st_size == 0)
                return EXIT_OK;
        void *p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
                return log_fail(EXIT_FAILED, "%s: mmap: %s", what, strerror(errno));
        *ret = p;
        return EXIT_OK;
}

int kexec_load_arm64(int kernel_fd, int initrd_fd, const char *cmdline, const uint8_t *dtb, size_t dtb_len,
                     const char *what) {
        uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);
        const uint8_t *kernel = NULL, *initrd = NULL;
        size_t kernel_len = 0, initrd_len = 0, fdt_len = 0, new_len = 0;
        uint8_t *fdt = NULL, *new_fdt = NULL, purgatory[40];
        struct layout *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return log_fail(EXIT_FAILED, "out of memory");
        if ((r = map_fd(kernel_fd, what, &kernel, &kernel_len)))
                goto out;
        if (initrd_fd >= 0 && (r = map_fd(initrd_fd, what, &initrd, &initrd_len)))
                goto out;

        /* The arm64 Image header: text_offset @8, image_size @16, flags @24, "ARM\x64" @0x38. */
        if (kernel_len < 64 || memcmp(kernel + IMAGE_MAGIC_OFFSET, "ARM\x64", 4) != 0) {
                r = log_fail(EXIT_INVALID, "%s: not an arm64 Image (no ARM\\x64 magic)", what);
                goto out;
        }
        uint64_t text_offset = uk_le64(kernel + 8), image_size = uk_le64(kernel + 16), flags = uk_le64(kernel + 24);
        if (image_size == 0 || (flags & IMAGE_FLAG_BE) || text_offset % page != 0 || image_size < kernel_len) {
                r = log_fail(EXIT_INVALID, "%s: arm64 Image header not usable (image_size %#llx, text_offset %#llx, "
                             "flags %#llx): needs a little-endian Image from Linux 3.17 or later", what,
                             (unsigned long long) image_size, (unsigned long long) text_offset,
                             (unsigned long long) flags);
                goto out;
        }

        const char *fdt_what = dtb ? "the plan's device tree" : "/sys/firmware/fdt";
        if (dtb) {
                fdt = malloc(dtb_len);
                if (!fdt) {
                        r = log_fail(EXIT_FAILED, "out of memory");
                        goto out;
                }
                memcpy(fdt, dtb, dtb_len);
                fdt_len = dtb_len;
        } else {
                int e = read_file_max("/sys/firmware/fdt", 64u * 1024 * 1024, &fdt, &fdt_len);
                if (e < 0) {
                        r = log_fail(EXIT_FAILED, "/sys/firmware/fdt: %s (kexec_load needs the running device tree)",
                                     strerror(-e));
                        goto out;
                }
        }
        if ((r = read_ram(l)))
                goto out;

        /* Kernel first (the most constrained), then initrd, device tree and purgatory wherever they fit. */
        uint64_t kernel_mem = place(l, align_up(image_size, page), SZ_2M, text_offset);
        uint64_t initrd_mem = initrd_len ? place(l, align_up(initrd_len, page), page, 0) : 0;
        size_t fdt_cap = uk_fdt_set_chosen_size(fdt_len, cmdline);
        uint64_t fdt_mem = place(l, align_up(fdt_cap, page), page, 0);
        uint64_t purg_mem = place(l, page, page, 0);
        if (!kernel_mem || (initrd_len && !initrd_mem) || !fdt_mem || !purg_mem) {
                r = log_fail(EXIT_FAILED, "%s: no room in System RAM for the kernel (%llu bytes), initrd and device tree",
                             what, (unsigned long long) image_size);
                goto out;
        }

        new_fdt = malloc(fdt_cap);
        if (!new_fdt) {
                r = log_fail(EXIT_FAILED, "out of memory");
                goto out;
        }
        struct uk_fdt_chosen chosen = {
                .bootargs = cmdline, .has_initrd = initrd_len > 0,
                .initrd_start = initrd_mem, .initrd_end = initrd_mem + initrd_len,
        };
        uk_err ue = uk_fdt_set_chosen(fdt, fdt_len, &chosen, new_fdt, fdt_cap, &new_len);
        if (ue) {
                r = log_uk(ue, fdt_what);
                goto out;
        }
        if (new_len > FDT_MAX) {
                r = log_fail(EXIT_FAILED, "%s: the device tree is over 2 MiB", fdt_what);
                goto out;
        }
        make_purgatory(purgatory, fdt_mem, kernel_mem);

        struct kexec_segment seg[4] = {
                { kernel, kernel_len, (void *) (uintptr_t) kernel_mem, align_up(image_size, page) },
                { new_fdt, new_len, (void *) (uintptr_t) fdt_mem, align_up(new_len, page) },
                { purgatory, sizeof(purgatory), (void *) (uintptr_t) purg_mem, page },
                { initrd, initrd_len, (void *) (uintptr_t) initrd_mem, align_up(initrd_len, page) },
        };
        unsigned long n = initrd_len ? 4 : 3;
        if (syscall(SYS_kexec_load, (unsigned long) purg_mem, n, seg, (unsigned long) KEXEC_ARCH_DEFAULT) < 0) {
                int err = errno;
                if (err == EPERM || err == ENOSYS)
                        r = log_fail(err == EPERM ? EXIT_DENIED : EXIT_FAILED, "%s: kexec_load: %s%s", what,
                                     strerror(err), err == EPERM ? " (root, lockdown or kexec_load_disabled)" :
                                     " (the running kernel has neither kexec_file_load nor kexec_load)");
                else
                        r = log_fail(EXIT_FAILED, "%s: kexec_load: %s", what, strerror(err));
                goto out;
        }
        fprintf(stderr, "ukiboot: kexec_load (arm64): Image at %#llx, initrd at %#llx (%zu bytes), device tree at %#llx\n",
                (unsigned long long) kernel_mem, (unsigned long long) initrd_mem, initrd_len,
                (unsigned long long) fdt_mem);
        r = EXIT_OK;
out:
        if (kernel)
                munmap((void *) kernel, kernel_len);
        if (initrd)
                munmap((void *) initrd, initrd_len);
        free(fdt);
        free(new_fdt);
        free(l);
        return r;
}

int kexec_unload_legacy(void) {
        return syscall(SYS_kexec_load, 0UL, 0UL, NULL, (unsigned long) KEXEC_ARCH_DEFAULT) < 0 ? -errno : 0;
}
