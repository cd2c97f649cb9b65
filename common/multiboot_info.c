/* ukiboot — the Multiboot (v1) information structure (specification 0.6.96, section 3.3), laid out in one
 * block: the structure, the loader's name, the module table and strings, the command line, the memory map. */
#include "multiboot_info.h"
#include "util.h"

#define AT_LOADER_NAME 256
#define AT_MODULES 512
#define AT_MODULE_STRINGS 1024
#define MODULE_STRING_MAX 256
#define AT_CMDLINE (AT_MODULE_STRINGS + UK_MB_INFO_MODULES_MAX * MODULE_STRING_MAX)
#define AT_MMAP 8192
#define MMAP_ENTRY 24                    /* the size field, then 20 bytes */

#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODULES (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v, p[1] = (uint8_t) (v >> 8), p[2] = (uint8_t) (v >> 16), p[3] = (uint8_t) (v >> 24);
}
static void put64(uint8_t *p, uint64_t v) {
        put32(p, (uint32_t) v);
        put32(p + 4, (uint32_t) (v >> 32));
}

/* KiB of RAM that runs on without a gap from `from`, up to limit. */
static uint32_t ram_from(const struct uk_mb_region *map, unsigned n, uint64_t from, uint64_t limit) {
        uint64_t at = from;
        for (bool grew = true; grew && at < limit;) {
                grew = false;
                for (unsigned i = 0; i < n; i++)
                        if (map[i].type == UK_MB_RAM && map[i].base <= at && map[i].length > at - map[i].base) {
                                at = map[i].base + map[i].length;
                                grew = true;
                        }
        }
        return (uint32_t) (((at < limit ? at : limit) - from) / 1024);
}

/* A string into the block at off (at most cap bytes with its NUL); false when it does not fit. */
static bool put_string(uint8_t *buf, size_t off, size_t cap, const char *s) {
        size_t n = uk_strlen(s);
        if (n >= cap)
                return false;
        uk_memcpy(buf + off, s, n + 1);
        return true;
}

uk_err uk_multiboot_info(uint8_t *buf, uint32_t base, const char *cmdline, const char *loader_name,
                         const struct uk_mb_module *mods, unsigned n_mods, const struct uk_mb_region *map,
                         unsigned n_map) {
        uint32_t flags = MBI_CMDLINE | MBI_LOADER_NAME;
        if (!buf || !cmdline || !loader_name || (n_mods && !mods) || (n_map && !map) ||
            base > UINT32_MAX - UK_MB_INFO_SIZE)
                return UK_E_INVALID_ARG;
        if (n_mods > UK_MB_INFO_MODULES_MAX)
                return UK_E_TOO_MANY;
        uk_memset(buf, 0, UK_MB_INFO_SIZE);
        if (!put_string(buf, AT_CMDLINE, AT_MMAP - AT_CMDLINE, cmdline))
                return UK_E_CMDLINE_TOO_LONG;
        if (!put_string(buf, AT_LOADER_NAME, AT_MODULES - AT_LOADER_NAME, loader_name))
                return UK_E_INVALID_ARG;
        put32(buf + 16, base + AT_CMDLINE);
        put32(buf + 64, base + AT_LOADER_NAME);
        for (unsigned i = 0; i < n_mods; i++) {
                size_t s = AT_MODULE_STRINGS + (size_t) i * MODULE_STRING_MAX;
                if (!put_string(buf, s, MODULE_STRING_MAX, mods[i].string ? mods[i].string : ""))
                        return UK_E_TOO_MANY;
                uint8_t *m = buf + AT_MODULES + 16 * i;
                put32(m, mods[i].start), put32(m + 4, mods[i].end), put32(m + 8, base + (uint32_t) s);
        }
        if (n_mods > 0) {
                flags |= MBI_MODULES;
                put32(buf + 20, n_mods);
                put32(buf + 24, base + AT_MODULES);
        }
        /* The map, adjacent entries of one type merged (the firmware's map splits RAM by its own uses). */
        unsigned n = 0;
        uint8_t *out = buf + AT_MMAP;
        uint64_t last_end = 0;
        uint32_t last_type = 0;
        for (unsigned i = 0; i < n_map; i++) {
                if (map[i].length == 0)
                        continue;
                if (n > 0 && map[i].type == last_type && map[i].base == last_end) {
                        uint8_t *e = out + (n - 1) * MMAP_ENTRY;
                        uint64_t len = map[i].base + map[i].length - uk_le64(e + 4);
                        put64(e + 12, len);
                        last_end = map[i].base + map[i].length;
                        continue;
                }
                if (n >= UK_MB_INFO_MMAP_MAX || AT_MMAP + (size_t) (n + 1) * MMAP_ENTRY > UK_MB_INFO_SIZE)
                        return UK_E_TOO_MANY;
                uint8_t *e = out + n * MMAP_ENTRY;
                put32(e, 20), put64(e + 4, map[i].base), put64(e + 12, map[i].length), put32(e + 20, map[i].type);
                last_end = map[i].base + map[i].length, last_type = map[i].type;
                n++;
        }
        if (n > 0) {
                flags |= MBI_MEMORY | MBI_MMAP;
                put32(buf + 4, ram_from(map, n_map, 0, 640 * 1024));
                put32(buf + 8, ram_from(map, n_map, 0x100000, 0x100000000ull));
                put32(buf + 44, n * MMAP_ENTRY);
                put32(buf + 48, base + AT_MMAP);
        }
        put32(buf, flags);
        return UK_OK;
}
