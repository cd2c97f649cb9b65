/* ukiboot — the boot menu's timeout: systemd-boot's values and precedence. */
#include "timeout.h"
#include "text.h"
#include "util.h"

static bool is_word(const char *s, size_t len, const char *w) {
        size_t n = uk_strlen(w);
        return len == n && uk_memcmp(s, w, n) == 0;
}

uk_err uk_timeout_parse(const char *s, size_t len, bool from_variable, uint64_t *ret) {
        uint64_t v;

        if (!s || !ret)
                return UK_E_INVALID_ARG;
        /* Exact, case-sensitive words, as systemd-boot compares them. */
        if (is_word(s, len, "menu-force"))
                v = UK_TIMEOUT_FORCE;
        else if (is_word(s, len, "menu-hidden"))
                v = UK_TIMEOUT_HIDDEN;
        else if (is_word(s, len, "menu-disabled"))
                v = UK_TIMEOUT_DISABLED;
        else if (!uk_parse_u64(s, len, &v))
                return UK_E_INVALID_ARG;
        else if (v > UINT32_MAX) {
                if (!from_variable)
                        return UK_E_INVALID_ARG;
                v = UINT32_MAX;         /* the variable's number is capped, as systemd-boot caps it */
        }
        *ret = v;
        return UK_OK;
}

void uk_menu_timing(const struct uk_timeout_sources *in, struct uk_menu_timing *ret) {
        uint64_t t = UK_TIMEOUT_HIDDEN;
        bool force = false;

        if (in->has_conf)
                t = in->conf;
        if (in->has_var)
                t = in->var;
        if (in->has_oneshot) {
                /* `systemctl reboot --boot-loader-menu=N`: the menu comes up whatever the value says. */
                t = in->oneshot;
                force = true;
        }
        ret->show = force || (t != UK_TIMEOUT_HIDDEN && t != UK_TIMEOUT_DISABLED);
        ret->key_opens = !ret->show && t != UK_TIMEOUT_DISABLED;
        /* menu-force, menu-disabled (forced by a one-shot) and a forced 0 wait for a person. */
        ret->counts_down = ret->show && t != UK_TIMEOUT_FORCE && t != UK_TIMEOUT_DISABLED && t != UK_TIMEOUT_HIDDEN;
        ret->seconds = ret->counts_down ? (uint32_t) t : 0;
}

uint64_t uk_timeout_step(uint64_t t, bool inc) {
        switch (t) {
        case UK_TIMEOUT_MAX:      return inc ? UK_TIMEOUT_MAX : UK_TIMEOUT_MAX - 1;
        case UK_TIMEOUT_UNSET:    return inc ? UK_TIMEOUT_FORCE : UK_TIMEOUT_UNSET;
        case UK_TIMEOUT_DISABLED: return inc ? 1 : UK_TIMEOUT_FORCE;
        case UK_TIMEOUT_FORCE:    return inc ? UK_TIMEOUT_HIDDEN : UK_TIMEOUT_FORCE;
        case UK_TIMEOUT_HIDDEN:   return inc ? 1 : UK_TIMEOUT_FORCE;
        }
        if (t > UK_TIMEOUT_MAX)         /* no such value: as the longest */
                return UK_TIMEOUT_MAX;
        return inc ? t + 1 : t - 1;
}

void uk_timeout_step_text(uint64_t t, char *buf, size_t cap) {
        struct uk_text x;
        uk_text_init(&x, buf, cap);
        switch (t) {
        case UK_TIMEOUT_UNSET:
                uk_text_add(&x, "Menu timeout defined by configuration file.");
                return;
        case UK_TIMEOUT_FORCE:
                uk_text_add(&x, "Timeout disabled, menu will always be shown.");
                return;
        case UK_TIMEOUT_HIDDEN:
                uk_text_add(&x, "Menu hidden. Hold down key at bootup to show menu.");
                return;
        }
        uk_text_add(&x, "Menu timeout set to ");
        uk_text_add_u64(&x, t);
        uk_text_add(&x, " s.");
}
