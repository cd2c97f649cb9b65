/* ukiboot — per-step wall times of a load (UKIBOOT_TIMINGS=1). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "timing.h"

#define MAX_STEPS 8

static struct {
        bool on;
        struct timespec last;
        unsigned n;
        const char *name[MAX_STEPS];
        double ms[MAX_STEPS];
} timing;

static double ms_since(const struct timespec *a, const struct timespec *b) {
        return (double) (b->tv_sec - a->tv_sec) * 1e3 + (double) (b->tv_nsec - a->tv_nsec) / 1e6;
}

void timing_begin(void) {
        const char *e = getenv("UKIBOOT_TIMINGS");
        timing.on = e && *e && strcmp(e, "0") != 0;
        timing.n = 0;
        if (timing.on)
                clock_gettime(CLOCK_MONOTONIC, &timing.last);
}

void timing_step(const char *name) {
        if (!timing.on || timing.n == MAX_STEPS)
                return;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        timing.name[timing.n] = name;
        timing.ms[timing.n++] = ms_since(&timing.last, &now);
        timing.last = now;
}

void timing_report(void) {
        if (!timing.on || timing.n == 0)
                return;
        fputs("ukiboot: timing:", stderr);
        for (unsigned i = 0; i < timing.n; i++)
                fprintf(stderr, "%s %s %.1f ms", i ? "," : "", timing.name[i], timing.ms[i]);
        fputc('\n', stderr);
}
