/* ukiboot — tiny table-driven unit test helpers: every check prints PASS:/FAIL: lines. */
#pragma once
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int unit_failures;
static int unit_checks;
static const char *unit_suite = "unit";

#define CHECK(cond, ...) do { \
        unit_checks++; \
        if (!(cond)) { unit_failures++; \
                printf("FAIL: %s: %s:%d: ", unit_suite, __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } \
} while (0)

#define CHECK_EQ_INT(a, b, ...) do { long long _a = (long long)(a), _b = (long long)(b); \
        CHECK(_a == _b, "%s = %lld, expected %lld: ", #a, _a, _b); \
        if (_a != _b) { printf("    "); printf(__VA_ARGS__); printf("\n"); } } while (0)

#define CHECK_EQ_STR(a, b, ...) do { const char *_a = (a), *_b = (b); \
        CHECK(strcmp(_a, _b) == 0, "%s = \"%s\", expected \"%s\"", #a, _a, _b); } while (0)

/* Print one PASS line for the whole file if all checks passed (each FAIL is already printed). */
static inline int unit_finish(void) {
        if (unit_failures == 0)
                printf("PASS: %s (%d checks)\n", unit_suite, unit_checks);
        return unit_failures ? 1 : 0;
}
