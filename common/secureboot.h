/* ukiboot — Secure Boot decisions both twins make the same way (firmware variables in, yes/no out). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "uki.h"

/* True when the firmware enforces Secure Boot: the global SecureBoot variable is 1 and the platform is not
 * in setup mode. Arguments are the variables' data bytes (efivarfs: after the 4 attribute bytes); NULL or
 * length 0 means absent. Anything but a well-formed SetupMode of 1 counts as "not in setup mode", so a
 * strange SetupMode never weakens the policy. */
bool uk_secure_boot_enforced(const uint8_t *secure_boot, size_t secure_boot_len,
                             const uint8_t *setup_mode, size_t setup_mode_len);

/* Rule 2 of doc/cmdline-policy.md: an embedded .cmdline is covered by the UKI's signature, so under Secure
 * Boot entry options and appended text are ignored. uk_cmdline_merge applies it; menus use it to say so. */
bool uk_cmdline_locked(bool secure_boot, bool uki_has_cmdline);

/* The same question for profile `profile` of a parsed UKI (a .cmdline section of length 0 is none). */
uk_err uk_uki_cmdline_locked(const struct uk_uki *uki, unsigned profile, bool secure_boot, bool *ret_locked);
