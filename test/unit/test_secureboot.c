/* ukiboot — Secure Boot decisions: variable bytes to "enforced", and the command-line lock per UKI profile. */
#include "unit.h"
#include "pe_builder.h"
#include "secureboot.h"
#include "uki.h"

static const uint8_t zero[] = { 0 }, one[] = { 1 }, two[] = { 2 }, one_long[] = { 1, 0 }, zero_long[] = { 0, 0 };

static void test_enforced(void) {
        static const struct {
                const uint8_t *sb; size_t sb_len;
                const uint8_t *sm; size_t sm_len;
                bool want;
                const char *why;
        } t[] = {
                { NULL, 0, NULL, 0, false, "no variables (legacy firmware)" },
                { zero, 1, zero, 1, false, "SecureBoot 0" },
                { one, 1, zero, 1, true, "SecureBoot 1, user mode" },
                { one, 1, NULL, 0, true, "SecureBoot 1, no SetupMode variable" },
                { one, 1, one, 1, false, "setup mode: nothing is enforced" },
                { one, 1, two, 1, true, "SetupMode 2 is not 'setup mode'" },
                { one, 1, one_long, 2, true, "malformed SetupMode never weakens" },
                { one, 1, zero_long, 2, true, "malformed SetupMode, zero" },
                { one_long, 2, zero, 1, true, "long SecureBoot: its first byte counts" },
                { two, 1, zero, 1, false, "SecureBoot 2 is not 1" },
                { one, 0, zero, 1, false, "SecureBoot of length 0 is absent" },
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                CHECK_EQ_INT(uk_secure_boot_enforced(t[i].sb, t[i].sb_len, t[i].sm, t[i].sm_len), t[i].want,
                             "%s", t[i].why);
}

static void test_locked(void) {
        CHECK_EQ_INT(uk_cmdline_locked(false, false), false, "no SB, no .cmdline");
        CHECK_EQ_INT(uk_cmdline_locked(false, true), false, "no SB, .cmdline");
        CHECK_EQ_INT(uk_cmdline_locked(true, false), false, "SB, no .cmdline: options still count");
        CHECK_EQ_INT(uk_cmdline_locked(true, true), true, "SB + .cmdline");
}

static uint8_t img[16384];

/* Profile @0 inherits the base .cmdline, @1 overrides it, @2 has none of its own on a UKI whose base has
 * an empty one; the lock follows what the plan would use. */
static void test_uki_locked(void) {
#define S(n, d) { .name = n, .data = d, .len = sizeof(d) - 1 }
        static const struct peb_section with_base[] = {
                S(".osrel", "ID=x"), S(".cmdline", "console=ttyS0"), S(".linux", "KERNEL"),
                S(".profile", "ID=a"), S(".profile", "ID=b"), S(".cmdline", "debug"),
        };
        static const struct peb_section empty_base[] = {
                S(".osrel", "ID=x"), { .name = ".cmdline", .data = NULL, .len = 0 }, S(".linux", "KERNEL"),
                S(".profile", "ID=a"), S(".profile", "ID=b"), S(".cmdline", "debug"),
        };
#undef S
        static const struct {
                const struct peb_section *s;
                unsigned n, profile;
                bool sb, want;
                const char *why;
        } t[] = {
                { with_base, 6, 0, true, true, "@0 inherits .cmdline" },
                { with_base, 6, 1, true, true, "@1 own .cmdline" },
                { with_base, 6, 0, false, false, "no Secure Boot: never locked" },
                { empty_base, 6, 0, true, false, "empty .cmdline is none" },
                { empty_base, 6, 1, true, true, "@1 adds one" },
        };
        struct uk_uki uki;
        struct uk_source src;
        bool locked = false;

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                size_t len = peb_build(img, sizeof(img), t[i].s, t[i].n);
                CHECK(len > 0, "builder");
                uk_source_from_memory(&src, img, len);
                CHECK_EQ_INT(uk_uki_parse(&src, &uki), UK_OK, "%s: parse", t[i].why);
                CHECK_EQ_INT(uk_uki_cmdline_locked(&uki, t[i].profile, t[i].sb, &locked), UK_OK, "%s", t[i].why);
                CHECK_EQ_INT(locked, t[i].want, "%s", t[i].why);
        }
        locked = true;
        CHECK_EQ_INT(uk_uki_cmdline_locked(&uki, 7, true, &locked), UK_E_NO_SUCH_PROFILE, "no such profile");
        CHECK_EQ_INT(locked, true, "ret_locked untouched on failure");
        CHECK_EQ_INT(uk_uki_cmdline_locked(NULL, 0, true, &locked), UK_E_INVALID_ARG, "NULL uki");
}

int main(void) {
        unit_suite = "secureboot";
        test_enforced();
        test_locked();
        test_uki_locked();
        return unit_finish();
}
