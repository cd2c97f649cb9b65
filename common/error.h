/* ukiboot — one error enum for the whole shared core. */
#pragma once

/* Every common/ function returns one of these; UK_OK is zero so `if (r)` reads naturally. */
typedef enum uk_err {
        UK_OK = 0,
        UK_E_INVALID_ARG,          /* caller passed NULL or an impossible value */
        UK_E_IO,                   /* the read-at / listing callback failed */
        UK_E_TRUNCATED,            /* data ends before a structure it announces */
        UK_E_BAD_DOS_MAGIC,        /* no "MZ" at offset 0 */
        UK_E_BAD_LFANEW,           /* e_lfanew points outside the file */
        UK_E_BAD_PE_SIGNATURE,     /* no "PE\0\0" at e_lfanew */
        UK_E_UNKNOWN_MACHINE,      /* COFF machine type we do not boot */
        UK_E_BAD_OPTIONAL_HEADER,  /* optional header magic/size inconsistent */
        UK_E_TOO_MANY_SECTIONS,    /* section count over the limit or table past end */
        UK_E_SECTION_OUT_OF_BOUNDS,/* section raw data beyond the file */
        UK_E_OVERLAPPING_SECTIONS, /* two sections share file bytes */
        UK_E_NO_LINUX,             /* UKI has no .linux section */
        UK_E_EMPTY_LINUX,          /* .linux section has zero size */
        UK_E_BAD_KERNEL,           /* .linux is not a kernel we can boot (no bzImage/PE header) */
        UK_E_BAD_PROFILE,          /* .profile layout or contents malformed */
        UK_E_NO_SUCH_PROFILE,      /* requested profile number does not exist */
        UK_E_CMDLINE_TOO_LONG,     /* merged command line exceeds the kernel's limit */
        UK_E_CMDLINE_FORBIDDEN,    /* policy refuses to change the command line */
        UK_E_BUFFER_TOO_SMALL,     /* caller's output buffer cannot hold the result */
        UK_E_TOO_MANY,             /* a fixed-size table (entries, spans) is full */
        UK_E_SYNTAX,               /* text input (os-release, entry, loader.conf) malformed */
        UK_E_BAD_ENTRY,            /* boot entry lacks what it needs to boot */
        UK_E_BAD_URL,              /* URL not parseable or unsupported scheme */
        UK_E_NOT_FOUND,            /* named entry / file / key absent */
        UK_E_BAD_COMPRESSION,      /* zboot/gzip/zstd container malformed */
        UK_E_WRONG_ARCH,           /* UKI built for another CPU architecture than the one booting it */
        UK_E_SECURITY,             /* Secure Boot refused the image (not signed by a trusted key, or forbidden) */
        UK_E_PLAN_TOO_LARGE,       /* the plan's canonical record would not fit UK_PLAN_CANONICAL_MAX */
        UK_E_BAD_SIGNATURE,        /* the image's certificate table or signature is malformed */
        UK_E_SBAT_REVOKED,         /* the image's SBAT generation is revoked by the machine's SbatLevel */
        UK_E_NOT_REGULAR,          /* a FIFO, device or directory where a file was expected: skipped, never read */
        UK_E_UNSUPPORTED,          /* something ukiboot does not do (yet), said rather than done in part */
        UK_E_PIN_MISMATCH,         /* the image's SHA-256 is not the one its entry (or --sha256) pins */
        _UK_E_MAX
} uk_err;

/* Short, stable, human-readable reason for an error code. */
const char *uk_strerror(uk_err e);
