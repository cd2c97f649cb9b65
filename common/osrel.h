/* ukiboot — os-release (and .profile) KEY=VALUE parsing, shell-style quoting. */
#pragma once
#include <stddef.h>
#include "error.h"

/* Look up key in an os-release text buf[0..len) and unquote its value into ret_val[cap] (NUL-terminated).
 * UK_E_NOT_FOUND if absent, UK_E_BUFFER_TOO_SMALL if it does not fit, UK_E_SYNTAX on an unterminated quote. */
uk_err uk_osrel_get(const char *buf, size_t len, const char *key, char *ret_val, size_t cap);

/* Iterate: call cb for each well-formed KEY=VALUE line (value unquoted into a scratch of scratch_cap bytes). */
typedef uk_err (*uk_osrel_cb)(void *ctx, const char *key, size_t key_len, const char *val);
uk_err uk_osrel_foreach(const char *buf, size_t len, char *scratch, size_t scratch_cap, uk_osrel_cb cb, void *ctx);

/* The title systemd-boot would show: PRETTY_NAME, else NAME + VERSION/VERSION_ID, else ID. */
uk_err uk_osrel_title(const char *buf, size_t len, char *ret_title, size_t cap);
