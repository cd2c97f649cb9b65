/* ukiboot — strings for the error enum. */
#include "error.h"

static const char *const uk_err_strings[_UK_E_MAX] = {
        [UK_OK] = "success",
        [UK_E_INVALID_ARG] = "invalid argument",
        [UK_E_IO] = "read error",
        [UK_E_TRUNCATED] = "file truncated: a header or section extends past the end",
        [UK_E_BAD_DOS_MAGIC] = "not a PE file: no MZ signature",
        [UK_E_BAD_LFANEW] = "corrupt PE file: e_lfanew points past the end of the file",
        [UK_E_BAD_PE_SIGNATURE] = "not a PE file: no PE signature at e_lfanew",
        [UK_E_UNKNOWN_MACHINE] = "unsupported PE machine type",
        [UK_E_BAD_OPTIONAL_HEADER] = "corrupt PE optional header",
        [UK_E_TOO_MANY_SECTIONS] = "corrupt PE section table: too many sections or table past the end",
        [UK_E_SECTION_OUT_OF_BOUNDS] = "corrupt PE file: a section lies outside the file",
        [UK_E_OVERLAPPING_SECTIONS] = "corrupt PE file: sections overlap",
        [UK_E_NO_LINUX] = "not a UKI: no .linux section",
        [UK_E_EMPTY_LINUX] = "not a bootable UKI: .linux section is empty",
        [UK_E_BAD_KERNEL] = "the .linux section is not a kernel image that can be booted",
        [UK_E_BAD_PROFILE] = "corrupt UKI profile layout",
        [UK_E_NO_SUCH_PROFILE] = "no such UKI profile",
        [UK_E_CMDLINE_TOO_LONG] = "command line longer than the kernel accepts",
        [UK_E_CMDLINE_FORBIDDEN] = "command line changes are not allowed by policy",
        [UK_E_BUFFER_TOO_SMALL] = "output buffer too small",
        [UK_E_TOO_MANY] = "too many items for a fixed-size table",
        [UK_E_SYNTAX] = "syntax error",
        [UK_E_BAD_ENTRY] = "boot entry is incomplete or invalid",
        [UK_E_BAD_URL] = "invalid or unsupported URL",
        [UK_E_NOT_FOUND] = "not found",
        [UK_E_BAD_COMPRESSION] = "corrupt or unsupported compressed kernel",
        [UK_E_WRONG_ARCH] = "the UKI is built for another CPU architecture",
        [UK_E_PLAN_TOO_LARGE] = "the plan's record is over 12 KiB (too many or too long file names)",
        [UK_E_BAD_SIGNATURE] = "malformed signature table",
        [UK_E_SBAT_REVOKED] = "revoked by SBAT",
        [UK_E_NOT_REGULAR] = "not a regular file",
        [UK_E_UNSUPPORTED] = "not supported by ukiboot yet",
        [UK_E_SECURITY] = "not signed by a key in db, or listed in dbx",
        [UK_E_PIN_MISMATCH] = "its SHA-256 is not the pinned one",
};

const char *uk_strerror(uk_err e) {
        if ((unsigned) e >= _UK_E_MAX || !uk_err_strings[e])
                return "unknown error";
        return uk_err_strings[e];
}
