/* ukiboot — the load options an `efi` entry's program is started with. */
#include "cmdline.h"
#include "util.h"

uk_err uk_cmdline_efi_options(const char *options, bool has_options, const char *append, char *ret, size_t cap,
                              size_t *ret_len) {
        size_t len = 0, olen, alen;

        if (!ret || cap == 0 || !ret_len)
                return UK_E_INVALID_ARG;
        olen = has_options && options ? uk_strlen(options) : 0;
        alen = append ? uk_strlen(append) : 0;
        /* Editor text goes after the entry's options, one space between, as systemd-boot's editor shows
         * them as one line. What does not fit is refused rather than cut: a cut option means something else. */
        if (olen > cap - 1 || alen > cap - 1 - olen - (olen && alen ? 1 : 0))
                return UK_E_CMDLINE_TOO_LONG;
        uk_memcpy(ret, options, olen);
        len = olen;
        if (olen && alen)
                ret[len++] = ' ';
        uk_memcpy(ret + len, append, alen);
        len += alen;
        ret[len] = 0;
        *ret_len = len;
        return UK_OK;
}
