/* ukiboot — Secure Boot decisions shared by the EFI program and linux/ukiboot. */
#include "secureboot.h"

bool uk_secure_boot_enforced(const uint8_t *secure_boot, size_t secure_boot_len,
                             const uint8_t *setup_mode, size_t setup_mode_len) {
        /* UEFI defines both as one UINT8; a longer SecureBoot still says what its first byte says, as
         * systemd and linux/ukiboot always read it. */
        if (!secure_boot || secure_boot_len < 1 || secure_boot[0] != 1)
                return false;
        /* Firmware in setup mode accepts any key enrollment: nothing is enforced, even if a buggy
         * implementation still reports SecureBoot=1. */
        if (setup_mode && setup_mode_len == 1 && setup_mode[0] == 1)
                return false;
        return true;
}

bool uk_cmdline_locked(bool secure_boot, bool uki_has_cmdline) {
        return secure_boot && uki_has_cmdline;
}

uk_err uk_uki_cmdline_locked(const struct uk_uki *uki, unsigned profile, bool secure_boot, bool *ret_locked) {
        struct uk_span secs[_UK_SEC_MAX];
        uk_err r;

        if (!uki || !ret_locked)
                return UK_E_INVALID_ARG;
        r = uk_uki_resolve(uki, profile, secs);
        if (r)
                return r;
        /* Same test as uk_plan_build: presence by VirtualSize, as systemd-stub decides. */
        *ret_locked = uk_cmdline_locked(secure_boot, uk_span_present(&secs[UK_SEC_CMDLINE]));
        return UK_OK;
}
