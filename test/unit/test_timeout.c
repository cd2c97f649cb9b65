/* ukiboot — unit tests: the menu timeout (common/timeout.c) as systemd-boot decides it. */
#include <string.h>
#include "unit.h"
#include "timeout.h"
#include "util.h"

static void test_parse(void) {
        static const struct {
                const char *s;
                bool var;
                uk_err r;
                uint64_t v;
        } t[] = {
                { "5", false, UK_OK, 5 },
                { "0", false, UK_OK, UK_TIMEOUT_HIDDEN },
                { "menu-force", false, UK_OK, UK_TIMEOUT_FORCE },
                { "menu-hidden", true, UK_OK, UK_TIMEOUT_HIDDEN },
                { "menu-disabled", true, UK_OK, UK_TIMEOUT_DISABLED },
                /* bootctl set-timeout menu-force writes the number: that is menu-force, not a long wait. */
                { "4294967295", true, UK_OK, UK_TIMEOUT_FORCE },
                { "4294967295", false, UK_OK, UK_TIMEOUT_FORCE },
                { "4294967296", false, UK_E_INVALID_ARG, 0 },
                { "4294967296", true, UK_OK, UK_TIMEOUT_FORCE },        /* the variable's numbers are capped */
                { "99999999999999999999", true, UK_E_INVALID_ARG, 0 },  /* past 64 bits: not a number */
                { "MENU-FORCE", true, UK_E_INVALID_ARG, 0 },
                { "5s", false, UK_E_INVALID_ARG, 0 },
                { "-1", true, UK_E_INVALID_ARG, 0 },
                { " 5", true, UK_E_INVALID_ARG, 0 },
                { "", true, UK_E_INVALID_ARG, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                uint64_t v = 777;
                CHECK_EQ_INT(uk_timeout_parse(t[i].s, strlen(t[i].s), t[i].var, &v), t[i].r, "'%s'", t[i].s);
                CHECK_EQ_INT(v, t[i].r == UK_OK ? t[i].v : 777, "'%s' value", t[i].s);
        }
        CHECK_EQ_INT(uk_timeout_parse(NULL, 0, true, NULL), UK_E_INVALID_ARG, "NULL");
}

static void test_timing(void) {
        enum { CONF = 1, VAR = 2, ONE = 4 };
        static const struct {
                unsigned has;
                uint64_t conf, var, oneshot;
                bool show, key_opens, counts_down;
                uint32_t seconds;
        } t[] = {
                { 0, 0, 0, 0, false, true, false, 0 },                                   /* nothing: hidden */
                { CONF, 5, 0, 0, true, false, true, 5 },
                { CONF, UK_TIMEOUT_HIDDEN, 0, 0, false, true, false, 0 },
                { CONF, UK_TIMEOUT_FORCE, 0, 0, true, false, false, 0 },
                { CONF, UK_TIMEOUT_DISABLED, 0, 0, false, false, false, 0 },              /* keys ignored */
                /* LoaderConfigTimeout over loader.conf, whatever either says. */
                { CONF | VAR, 5, UK_TIMEOUT_FORCE, 0, true, false, false, 0 },
                { CONF | VAR, UK_TIMEOUT_FORCE, 0, 0, false, true, false, 0 },
                { CONF | VAR, 5, 9, 0, true, false, true, 9 },
                { VAR, 0, UK_TIMEOUT_DISABLED, 0, false, false, false, 0 },
                { VAR, 0, UK_TIMEOUT_MAX, 0, true, false, true, 4294967293u },
                /* The one-shot wins and always brings the menu up; 0 then waits for a person. */
                { CONF | VAR | ONE, 5, 9, 3, true, false, true, 3 },
                { CONF | ONE, UK_TIMEOUT_DISABLED, 0, 0, true, false, false, 0 },
                { ONE, 0, 0, UK_TIMEOUT_DISABLED, true, false, false, 0 },
                { ONE, 0, 0, UK_TIMEOUT_FORCE, true, false, false, 0 },
        };
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                struct uk_timeout_sources in = {
                        .has_conf = t[i].has & CONF, .has_var = t[i].has & VAR, .has_oneshot = t[i].has & ONE,
                        .conf = t[i].conf, .var = t[i].var, .oneshot = t[i].oneshot,
                };
                struct uk_menu_timing m;
                uk_menu_timing(&in, &m);
                CHECK_EQ_INT(m.show, t[i].show, "row %zu show", i);
                CHECK_EQ_INT(m.key_opens, t[i].key_opens, "row %zu key_opens", i);
                CHECK_EQ_INT(m.counts_down, t[i].counts_down, "row %zu counts_down", i);
                CHECK_EQ_INT(m.seconds, t[i].seconds, "row %zu seconds", i);
        }
}

/* systemd-boot's +/- keys. */
static void test_step(void) {
        static const struct { uint64_t from; bool inc; uint64_t to; const char *text; } t[] = {
                { 5, true, 6, "Menu timeout set to 6 s." },
                { 5, false, 4, "Menu timeout set to 4 s." },
                { 1, false, UK_TIMEOUT_HIDDEN, "Menu hidden. Hold down key at bootup to show menu." },
                { UK_TIMEOUT_HIDDEN, true, 1, "Menu timeout set to 1 s." },
                { UK_TIMEOUT_HIDDEN, false, UK_TIMEOUT_FORCE, "Timeout disabled, menu will always be shown." },
                { UK_TIMEOUT_FORCE, true, UK_TIMEOUT_HIDDEN, NULL },
                { UK_TIMEOUT_FORCE, false, UK_TIMEOUT_FORCE, NULL },
                { UK_TIMEOUT_UNSET, true, UK_TIMEOUT_FORCE, NULL },
                { UK_TIMEOUT_UNSET, false, UK_TIMEOUT_UNSET, "Menu timeout defined by configuration file." },
                { UK_TIMEOUT_DISABLED, true, 1, NULL },
                { UK_TIMEOUT_DISABLED, false, UK_TIMEOUT_FORCE, NULL },
                { UK_TIMEOUT_MAX, true, UK_TIMEOUT_MAX, NULL },
                { UK_TIMEOUT_MAX, false, UK_TIMEOUT_MAX - 1, NULL },
        };
        char buf[80];
        for (size_t i = 0; i < UK_ELEMENTSOF(t); i++) {
                uint64_t to = uk_timeout_step(t[i].from, t[i].inc);
                CHECK_EQ_INT(to, t[i].to, "row %zu", i);
                if (t[i].text) {
                        uk_timeout_step_text(to, buf, sizeof(buf));
                        CHECK_EQ_STR(buf, t[i].text);
                }
        }
}

int main(void) {
        unit_suite = "timeout";
        test_step();
        test_parse();
        test_timing();
        return unit_finish();
}
