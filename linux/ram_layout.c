/* ukiboot — the running system's free RAM, for the segments of a kexec_load (arm64 Images, Multiboot kernels). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "ram_layout.h"

uint64_t align_up(uint64_t x, uint64_t a) {
        return (x + a - 1) / a * a;
}

/* Remove [r.start, r.end) from the free list. A list already full drops the pieces that do not fit: less
 * free RAM, never a wrong one. */
void ram_remove(struct layout *l, struct range r) {
        struct range out[MAX_RANGES];
        size_t n = 0;
        for (size_t i = 0; i < l->n_ram; i++) {
                struct range f = l->ram[i];
                if (r.end <= f.start || r.start >= f.end) {
                        if (n < MAX_RANGES)
                                out[n++] = f;
                        continue;
                }
                if (f.start < r.start && n < MAX_RANGES)
                        out[n++] = (struct range) { f.start, r.start };
                if (r.end < f.end && n < MAX_RANGES)
                        out[n++] = (struct range) { r.end, f.end };
        }
        memcpy(l->ram, out, n * sizeof(out[0]));
        l->n_ram = n;
}

/* System RAM from /proc/iomem (top-level lines), less the "reserved" ranges nested in it. */
int read_ram(struct layout *l) {
        FILE *f = fopen("/proc/iomem", "re");
        char line[256];
        struct range reserved[MAX_RANGES];
        size_t n_res = 0;
        if (!f)
                return log_fail(EXIT_FAILED, "/proc/iomem: %s", strerror(errno));
        l->n_ram = 0;
        while (fgets(line, sizeof line, f)) {
                unsigned long long s, e;
                int name_at = 0;
                bool nested = line[0] == ' ';
                if (sscanf(line, " %llx-%llx : %n", &s, &e, &name_at) != 2 || name_at == 0 || e < s)
                        continue;
                const char *name = line + name_at;
                if (!nested && strncmp(name, "System RAM", 10) == 0 && l->n_ram < MAX_RANGES)
                        l->ram[l->n_ram++] = (struct range) { s, e + 1 };
                else if (nested && strncmp(name, "reserved", 8) == 0 && n_res < MAX_RANGES)
                        reserved[n_res++] = (struct range) { s, e + 1 };
        }
        fclose(f);
        if (l->n_ram == 0 || (l->ram[0].start == 0 && l->ram[0].end == 1))
                return log_fail(EXIT_DENIED, "/proc/iomem shows no System RAM addresses (needs root)");
        for (size_t i = 0; i < n_res; i++)
                ram_remove(l, reserved[i]);
        return EXIT_OK;
}

/* Lowest free address a (a % align == 0, a + size inside one free range); takes the range. 0 if none. */
uint64_t place(struct layout *l, uint64_t size, uint64_t align, uint64_t offset) {
        for (size_t i = 0; i < l->n_ram; i++) {
                uint64_t a = align_up(l->ram[i].start, align);
                if (a < l->ram[i].start || a > l->ram[i].end || l->ram[i].end - a < offset ||
                    l->ram[i].end - a - offset < size)
                        continue;
                ram_remove(l, (struct range) { a, a + offset + size });
                return a + offset;
        }
        return 0;
}

bool ram_take(struct layout *l, uint64_t lo, uint64_t hi) {
        for (size_t i = 0; i < l->n_ram; i++)
                if (l->ram[i].start <= lo && hi <= l->ram[i].end) {
                        ram_remove(l, (struct range) { lo, hi });
                        return true;
                }
        return false;
}
