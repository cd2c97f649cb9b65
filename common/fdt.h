/* ukiboot — flattened device tree (DTB): hand the next kernel its command line and initrd through /chosen. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "error.h"
#include "source.h"

#define UK_FDT_MAGIC 0xd00dfeedu

/* What /chosen must say for the next kernel. */
struct uk_fdt_chosen {
        const char *bootargs;           /* command line, NUL-terminated */
        bool has_initrd;
        uint64_t initrd_start;          /* physical address of the first initrd byte */
        uint64_t initrd_end;            /* one past the last */
};

/* Bytes uk_fdt_set_chosen may need for a tree of fdt_len bytes and this command line. */
size_t uk_fdt_set_chosen_size(size_t fdt_len, const char *bootargs);

/* Copy the device tree fdt[fdt_len] (untrusted: every offset is checked) into buf, with /chosen's bootargs,
 * linux,initrd-start and linux,initrd-end replaced by c's (and the properties a crash kernel would inherit,
 * linux,elfcorehdr and linux,usable-memory-range, dropped); /chosen is created if absent. The memory
 * reservation block and every other node and property are kept as they are. *ret_len is the new tree's
 * size (its header's totalsize). */
uk_err uk_fdt_set_chosen(const uint8_t *fdt, size_t fdt_len, const struct uk_fdt_chosen *c,
                         uint8_t *buf, size_t cap, size_t *ret_len);

/* The first string of the first `compatible` property of the tree at [off, off+len) of src, as systemd-stub
 * reads it to match a .dtbauto (the root node's own properties come first). Copied into buf[cap] with its
 * NUL; *ret_len its length. UK_E_NOT_FOUND when the root has none; UK_E_SYNTAX, UK_E_TRUNCATED
 * for a malformed tree (every offset is checked against len). */
uk_err uk_fdt_first_compatible(const struct uk_source *src, uint64_t off, uint64_t len, char *buf, size_t cap,
                               size_t *ret_len);
