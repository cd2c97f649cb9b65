/* ukiboot — /loader/loader.conf, read like systemd-boot 252 reads it. */
#include "entry.h"
#include "timeout.h"
#include "util.h"

static bool val_is(const struct uk_kv *kv, const char *s) {
        size_t n = uk_strlen(s);
        return kv->val_len == n && uk_memcmp(kv->val, s, n) == 0;
}

/* systemd-boot's parse_boolean: exact lower-case words only; anything else leaves the setting alone. */
static bool parse_bool(const struct uk_kv *kv, bool *ret) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < UK_ELEMENTSOF(yes); i++)
                if (val_is(kv, yes[i])) {
                        *ret = true;
                        return true;
                }
        for (size_t i = 0; i < UK_ELEMENTSOF(no); i++)
                if (val_is(kv, no[i])) {
                        *ret = false;
                        return true;
                }
        return false;
}

static void parse_timeout(struct uk_loader_conf *c, const struct uk_kv *kv) {
        uint64_t v;

        if (uk_timeout_parse(kv->val, kv->val_len, false, &v) != UK_OK)
                return;         /* systemd-boot logs and keeps the previous value */
        c->timeout = v;
        c->has_timeout = true;
}

static void parse_default(struct uk_loader_conf *c, const struct uk_kv *kv) {
        /* "@saved" is kept for the caller (it names LoaderEntryLastBooted); other '@' words are
         * rejected by systemd-boot 252 and leave the setting alone. */
        if (kv->val_len > 0 && kv->val[0] == '@') {
                bool saved = kv->val_len == 6;
                for (size_t i = 0; saved && i < 6; i++)
                        if (uk_tolower(kv->val[i]) != "@saved"[i])
                                saved = false;
                if (!saved)
                        return;
        }
        /* A pattern too long for the field would match something else once cut: ignore it instead. */
        (void) uk_strncpy_checked(c->default_pattern, sizeof(c->default_pattern), kv->val, kv->val_len);
}

/* `console-mode`: "keep", "auto", "max" or a mode number, as systemd-boot takes them. */
static void parse_console_mode(struct uk_loader_conf *c, const struct uk_kv *kv) {
        uint64_t v;
        if (val_is(kv, "keep"))
                c->console_mode = UK_CONSOLE_MODE_KEEP;
        else if (val_is(kv, "auto"))
                c->console_mode = UK_CONSOLE_MODE_AUTO;
        else if (val_is(kv, "max"))
                c->console_mode = UK_CONSOLE_MODE_MAX;
        else if (uk_parse_u64(kv->val, kv->val_len, &v) && v < UK_CONSOLE_MODE_MAX)
                c->console_mode = (uint32_t) v;
}

/* `log-level`: a syslog level name or its number 0-7; anything else keeps the previous value. */
static void parse_log_level(struct uk_loader_conf *c, const struct uk_kv *kv) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
        uint64_t v;
        for (size_t i = 0; i < UK_ELEMENTSOF(names); i++)
                if (val_is(kv, names[i])) {
                        c->log_level = (uint8_t) i;
                        return;
                }
        if (uk_parse_u64(kv->val, kv->val_len, &v) && v < UK_ELEMENTSOF(names))
                c->log_level = (uint8_t) v;
}

uk_err uk_loader_conf_parse(const char *text, size_t len, struct uk_loader_conf *ret_conf) {
        struct uk_loader_conf c = {
                .editor = true,
                .auto_entries = true,
                .auto_firmware = true,
                .console_mode = UK_CONSOLE_MODE_KEEP,
                .log_level = UK_LOG_INFO,
        };
        struct uk_kv_iter it = { .text = text, .len = len };
        struct uk_kv kv;

        if ((!text && len > 0) || !ret_conf)
                return UK_E_INVALID_ARG;

        while (text && uk_kv_next(&it, " \t", &kv)) {
                if (uk_kv_key_is(&kv, "timeout"))
                        parse_timeout(&c, &kv);
                else if (uk_kv_key_is(&kv, "default"))
                        parse_default(&c, &kv);
                else if (uk_kv_key_is(&kv, "editor"))
                        (void) parse_bool(&kv, &c.editor);
                else if (uk_kv_key_is(&kv, "auto-entries"))
                        (void) parse_bool(&kv, &c.auto_entries);
                else if (uk_kv_key_is(&kv, "auto-firmware"))
                        (void) parse_bool(&kv, &c.auto_firmware);
                else if (uk_kv_key_is(&kv, "auto-reboot"))
                        (void) parse_bool(&kv, &c.auto_reboot);
                else if (uk_kv_key_is(&kv, "auto-poweroff"))
                        (void) parse_bool(&kv, &c.auto_poweroff);
                else if (uk_kv_key_is(&kv, "reboot-on-error"))
                        (void) parse_bool(&kv, &c.reboot_on_error);
                else if (uk_kv_key_is(&kv, "ukiboot-handover"))
                        (void) parse_bool(&kv, &c.ukiboot_handover);
                else if (uk_kv_key_is(&kv, "ukiboot-url-prompt"))
                        (void) parse_bool(&kv, &c.ukiboot_url_prompt);
                else if (uk_kv_key_is(&kv, "console-mode"))
                        parse_console_mode(&c, &kv);
                else if (uk_kv_key_is(&kv, "beep"))
                        (void) parse_bool(&kv, &c.beep);
                else if (uk_kv_key_is(&kv, "log-level"))
                        parse_log_level(&c, &kv);
                /* anything else (secure-boot-enroll, ...) is not ours to decide */
        }
        uk_memcpy(ret_conf, &c, sizeof(c));
        return UK_OK;
}
