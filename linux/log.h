/* ukiboot — one-line messages "ukiboot: <what>: <reason>" on stderr, exit codes, JSON strings. */
#pragma once
#include <stdio.h>
#include <stddef.h>
#include "error.h"

/* Exit codes, documented in `ukiboot --help` and doc/ukiboot.1. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,        /* an operation failed (I/O, kernel refused with an unexpected error) */
        EXIT_USAGE = 2,         /* bad command-line arguments */
        EXIT_INVALID = 3,       /* the UKI, entry or configuration is malformed or cannot be booted */
        EXIT_NOT_FOUND = 4,     /* file, entry, ESP or EFI variable not found */
        EXIT_DENIED = 5,        /* permission or kernel policy (root, lockdown, signature) refused */
        EXIT_NOT_LOADED = 6,    /* exec/reboot without a loaded kernel */
};

/* Print "ukiboot: " + message and return code, so callers can `return log_fail(...)`. */
int log_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a common/ error: not found, I/O or invalid input. */
int exit_code_for_uk(uk_err e);
/* Exit code for a (positive) errno: not found, permission, or a failure. */
int exit_code_for_errno(int err);
/* The common/ error for a (positive) errno: not found or I/O. */
uk_err uk_err_from_errno(int err);
/* "ukiboot: <what>: <uk_strerror(e)>", returning exit_code_for_uk(e). */
int log_uk(uk_err e, const char *what);
/* Write s as a JSON string literal (quotes included), escaping control and non-ASCII-safe bytes. */
void json_string(FILE *f, const char *s);
/* Write untrusted text for a terminal: control characters (C0, DEL, C1), backslashes and invalid UTF-8 as
 * \xNN, so titles, command lines and file names cannot carry escape sequences. Stops at a NUL. */
void text_n(FILE *f, const char *s, size_t len);
void text(FILE *f, const char *s);
void json_string_n(FILE *f, const char *s, size_t len);
