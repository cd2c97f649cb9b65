/* ukiboot — fuzz kernel image inspection: any bytes as .linux. Checks the facts it reports are consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct uk_source src;
        struct uk_kernel_info info;
        uk_err r;

        uk_source_from_memory(&src, data, size);
        r = uk_kernel_inspect(&src, &info);
        if (r != UK_OK) {
                if (r != UK_E_BAD_KERNEL && r != UK_E_BAD_COMPRESSION)
                        abort();
                return 0;
        }
        if (info.format > UK_KERNEL_GZIP)
                abort();
        size_t vlen = strnlen(info.version, sizeof(info.version));
        if (vlen >= sizeof(info.version))
                abort();
        for (size_t i = 0; i < vlen; i++)
                if ((uint8_t) info.version[i] < 0x20 || (uint8_t) info.version[i] >= 0x7f)
                        abort();
        if (info.format != UK_KERNEL_BZIMAGE &&
            (info.boot_protocol || info.cmdline_size || info.handover_offset || info.xloadflags || vlen))
                abort();
        if (info.format == UK_KERNEL_BZIMAGE && info.boot_protocol < 0x206 && info.cmdline_size != 255)
                abort();
        if (info.format == UK_KERNEL_ZBOOT) {
                if (!uk_range_ok(info.zboot_payload_offset, info.zboot_payload_size, size) ||
                    strnlen(info.zboot_comp, sizeof(info.zboot_comp)) == 0 ||
                    strnlen(info.zboot_comp, sizeof(info.zboot_comp)) >= sizeof(info.zboot_comp))
                        abort();
        } else if (info.zboot_comp[0] || info.zboot_payload_offset || info.zboot_payload_size)
                abort();
        if (info.initrd_loadfile2_ok && !info.has_pe_stub)
                abort();
        if (info.has_pe_stub && (size < 0x40 || data[0] != 'M' || data[1] != 'Z'))
                abort();
        return 0;
}
