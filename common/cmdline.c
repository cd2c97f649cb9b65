/* ukiboot — the kernel command-line policy (doc/cmdline-policy.md), systemd-stub compatible.
 *
 * Both twins call uk_cmdline_merge with the same inputs, so the command line the kernel sees after a
 * firmware boot and after a kexec is the same string, byte for byte. */
#include "cmdline.h"
#include "secureboot.h"
#include "util.h"


/* systemd-stub's notion of whitespace: every control character, space and DEL. */
static bool is_blank(uint8_t c) {
        return c <= 0x20 || c == 0x7f;
}

/* A view into caller bytes: the part that survives NUL-cutting and trimming. */
struct seg {
        const uint8_t *p;
        size_t len;
};

static struct seg trimmed(const void *s, size_t len) {
        const uint8_t *p = s;
        size_t start = 0, end;

        if (!p)
                return (struct seg) {};
        /* A NUL ends the text: sections are often NUL-padded, and C strings end there anyway. */
        for (end = 0; end < len && p[end] != 0; end++)
                ;
        while (start < end && is_blank(p[start]))
                start++;
        while (end > start && is_blank(p[end - 1]))
                end--;
        return (struct seg) { .p = p + start, .len = end - start };
}

/* Copy a segment, turning control characters into spaces; runs of them are kept, as systemd does. */
static char *emit(char *out, struct seg s) {
        for (size_t i = 0; i < s.len; i++)
                *out++ = is_blank(s.p[i]) ? ' ' : (char) s.p[i];
        return out;
}

void uk_cmdline_trim(const char *text, size_t len, const char **ret, size_t *ret_len) {
        struct seg t = trimmed(text, len);
        *ret = (const char *) t.p;
        *ret_len = t.len;
}

void uk_cmdline_copy(char *out, const char *s, size_t len) {
        (void) emit(out, (struct seg) { .p = (const uint8_t *) s, .len = len });
}

size_t uk_cmdline_normalize(char *s, size_t len) {
        if (!s)
                return 0;
        struct seg t = trimmed(s, len);
        /* emit() reads ahead of where it writes (t.p >= s), so the in-place copy is safe. */
        size_t n = (size_t) (emit(s, t) - s);
        if (n < len)
                s[n] = 0;
        return n;
}

uk_err uk_cmdline_merge(const struct uk_cmdline_in *in, char *ret, size_t cap, size_t *ret_len, unsigned *ret_notes) {
        struct seg first, extra = {};
        unsigned notes = 0;

        if (!in || !ret)
                return UK_E_INVALID_ARG;

        /* An embedded .cmdline locks the command line under Secure Boot: it is covered by the UKI's
         * signature, while options and the editor are not. */
        bool allowed = !uk_cmdline_locked(in->secure_boot, in->uki_has_cmdline);

        first = in->uki_has_cmdline ? trimmed(in->uki_cmdline, in->uki_cmdline_len) : (struct seg) {};

        if (in->has_entry_options && in->entry_options) {
                struct seg o = trimmed(in->entry_options, uk_strlen(in->entry_options));
                /* systemd-stub ignores load options that start with a control character (firmware garbage)
                 * and, like newer stubs, treats blank options as absent so the embedded line stays. */
                bool garbage = (uint8_t) in->entry_options[0] < 0x20;
                if (o.len > 0 && !garbage) {
                        if (allowed) {
                                first = o;
                                notes |= UK_CMDLINE_NOTE_FROM_OPTIONS;
                        } else
                                notes |= UK_CMDLINE_NOTE_OPTIONS_IGNORED_SB;
                }
        }

        if (in->append) {
                struct seg a = trimmed(in->append, uk_strlen(in->append));
                if (a.len > 0) {
                        if (allowed) {
                                extra = a;
                                notes |= UK_CMDLINE_NOTE_FROM_APPEND;
                        } else
                                notes |= UK_CMDLINE_NOTE_APPEND_IGNORED_SB;
                }
        }

        size_t sep = first.len > 0 && extra.len > 0 ? 1 : 0;
        size_t total = first.len;                /* each part is bounded by a string in memory: no overflow */
        if (total > SIZE_MAX - sep - extra.len)
                return UK_E_CMDLINE_TOO_LONG;
        total += sep + extra.len;

        size_t max = in->max_len ? in->max_len : UK_CMDLINE_DEFAULT_MAX;
        if (total > max)
                return UK_E_CMDLINE_TOO_LONG;
        if (cap == 0 || total > cap - 1)
                return UK_E_BUFFER_TOO_SMALL;

        char *out = emit(ret, first);
        if (sep)
                *out++ = ' ';
        out = emit(out, extra);
        *out = 0;

        if (ret_len)
                *ret_len = total;
        if (ret_notes)
                *ret_notes = notes;
        return UK_OK;
}
