/* ukiboot — where kexec_load segments may go: the running system's free RAM (/proc/iomem). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_RANGES 128

struct range {
        uint64_t start, end;                   /* [start, end) */
};

struct layout {
        struct range ram[MAX_RANGES];   /* free RAM, shrinking as segments are placed */
        size_t n_ram;
};

/* x rounded up to a multiple of a. */
uint64_t align_up(uint64_t x, uint64_t a);
/* Whether [lo, hi) lies inside one free range; it is taken if so. */
bool ram_take(struct layout *l, uint64_t lo, uint64_t hi);
/* Remove r from the free list. */
void ram_remove(struct layout *l, struct range r);
/* System RAM from /proc/iomem, less the "reserved" ranges nested in it; prints the reason, exit code. */
int read_ram(struct layout *l);
/* Lowest free address a (a % align == 0, size bytes at a + offset inside one free range); takes the range. 0 if
 * none. */
uint64_t place(struct layout *l, uint64_t size, uint64_t align, uint64_t offset);
