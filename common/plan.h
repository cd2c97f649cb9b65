/* ukiboot — the boot plan: what both twins execute, built from (UKI, entry, machine facts, policy). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "source.h"
#include "uki.h"
#include "entry.h"
#include "kernel.h"
#include "extras.h"
#include "multiboot.h"

#define UK_ADDON_PIECES_MAX 16       /* addon .ucode, .initrd and device-tree sections a plan takes */
/* 4 from the UKI + 3 extra archives (head, tail) + UK_EXTRAS_MAX files + addon pieces; below 64, the bits of
 * content_known. */
#define UK_PLAN_MAX_PIECES (40 + UK_ADDON_PIECES_MAX)
#define UK_CMDLINE_MAX 4096        /* our own buffer; the kernel's limit is checked separately */
#define UK_PLAN_GEN_MAX 32768      /* bytes of generated cpio archives a plan can carry */
#define UK_PLAN_CANONICAL_MAX 12288

enum uk_piece_source {
        UK_PIECE_UKI,          /* a section of the UKI: offset/length inside the UKI file */
        UK_PIECE_FILE,         /* a file on the ESP (Type #1 `linux`/`initrd`): path + length */
        UK_PIECE_GENERATED,    /* bytes generated into plan->gen: gen_offset/length */
        UK_PIECE_CPIO_FILE,    /* one newc record of an ESP file (credential, sysext): header_len bytes of header in
                                * plan->gen at offset, then the file (path) from its start; length = both */
        UK_PIECE_ADDON,        /* a section of an addon (path) the twin holds in memory, checked: bytes[length],
                                * then zero_fill zeros; valid until uk_boot_release */
        UK_PIECE_HELD,         /* a whole file the pipeline read into memory the twin holds (an `initrd-url`
                                * download, an --initrd given to the Linux twin): path names it, bytes[length];
                                * valid until uk_boot_release. As the kernel: a `linux-url` kernel, read from
                                * the opened image like a FILE kernel. The canonical form names both by file
                                * name (label) and content, not by URL. */
};

#define UK_TCG_EV_IPL 0x0000000dU     /* the event type systemd-boot and systemd-stub log their measurements as */
#define UK_TCG_EV_EVENT_TAG 0x00000006U       /* a tagged event: the profile's measurement */
#define UK_PROFILE_EVENT_TAG 0x13aed6dbU      /* systemd's tag id for the selected UKI profile */
#define UK_UCODE_ADDON_EVENT_TAG 0xdac08e1aU  /* ... for an addon's .ucode */
#define UK_INITRD_ADDON_EVENT_TAG 0x49dffe0fU /* ... for an addon's .initrd */
#define UK_DEVICETREE_ADDON_EVENT_TAG 0x6c46f751U     /* ... for an addon's device tree */
#define UK_PCR_KERNEL_IMAGE 11
#define UK_PCR_KERNEL_PARAMETERS 12
#define UK_PCR_INITRD_SYSEXTS 13
/* Two events per PCR 11 section, the command line twice, its addon part and SMBIOS extra, the profile, one
 * per generated extras archive. */
#define UK_PLAN_MEASURE_MAX (2 * _UK_SEC_MAX + 5 + _UK_EXTRA_KIND_MAX + 2 * UK_ADDON_PIECES_MAX)

/* What one TPM measurement covers; the twin only carries these out (EFI: HashLogExtendEvent). */
enum uk_measure_kind {
        UK_MEASURE_CMDLINE,     /* cmdline[offset, offset + length) as UTF-16 with a NUL, described by itself:
                                 * the line (name ""), the addons' part ("addons"), the SMBIOS extra ("smbios") */
        UK_MEASURE_NAME,        /* a section name's bytes with the NUL, described by the name */
        UK_MEASURE_SECTION,     /* a UKI span as loaded (file bytes, then zero_fill zeros), described by the name */
        UK_MEASURE_INITRD,      /* offset/length of the concatenated initrd: one generated cpio archive
                                 * (credentials, system extensions), described by name */
        UK_MEASURE_PROFILE,     /* the profile number in decimal as UTF-16 with its NUL, a tagged event
                                 * (UK_PROFILE_EVENT_TAG) described by itself; name holds the digits */
        UK_MEASURE_ADDON,       /* initrd[piece], an addon's section (bytes, then its fill), a tagged event (tag)
                                 * described by the addon's file name (uk_plan_path_name) as UTF-16 with NUL */
        UK_MEASURE_DT_ADDON,    /* dt_addons[piece], an addon's device tree, the same way */
        UK_MEASURE_FILE,        /* a whole file a `multiboot` entry loads: the kernel (piece UK_MEASURE_KERNEL) or
                                 * the module initrd[piece], its bytes, described by its file name (name) */
};
#define UK_MEASURE_KERNEL 0xffffffffu
#define UK_PCR_BOOT_FILES 9             /* files a boot loader loads as data (GRUB's PCR, the kernel's initrd's) */
struct uk_measurement {
        enum uk_measure_kind kind;
        uint32_t pcr;
        uint32_t event_type;
        char name[48];                    /* NAME, SECTION: the section name; INITRD: the description */
        uint64_t offset, length, zero_fill;       /* SECTION */
        uint32_t tag;                     /* ADDON: the event's tag id */
        unsigned piece;                   /* ADDON: which initrd piece; DT_ADDON: which dt_addons[] */
};

struct uk_plan_piece;
/* Read len bytes at offset inside a piece (UKI and kernel pieces: from the piece's start; FILE and the
 * file part of CPIO_FILE pieces: from the file's start). */
typedef uk_err (*uk_piece_read_fn)(void *ctx, const struct uk_plan_piece *piece, uint64_t offset, void *buf, size_t len);

/* The most zeros a UKI initrd section may carry beyond its file bytes (VirtualSize - SizeOfRawData). */
#define UK_SECTION_FILL_MAX (1024u * 1024u)

struct uk_plan_piece {
        enum uk_piece_source source;
        char label[48];            /* ".linux", ".ucode", ".initrd", "/.extra/tpm2-pcr-signature.json", or the path */
        uint64_t offset;           /* UKI: file offset; GENERATED: offset into plan->gen */
        uint64_t length;
        uint64_t zero_fill;        /* UKI sections: zeros after the file bytes up to VirtualSize (the section as
                                    * loaded, which is what systemd-stub hands over); part of the piece */
        uint32_t pad;              /* zero bytes appended after the piece so the next starts 4-aligned */
        char path[UK_PATH_MAX];    /* FILE, CPIO_FILE: ESP path */
        uint32_t header_len;       /* CPIO_FILE: bytes of generated header before the file's bytes */
        const uint8_t *bytes;      /* ADDON: the section's file bytes, in memory the twin holds */
};

/* The last component of an ESP path (an addon's file name: its measurement's description). */
const char *uk_plan_path_name(const char *path);

/* An addon's .ucode, .initrd or device tree as the pipeline hands it to the plan: a section of an addon the
 * twin read whole into memory it holds and (under Secure Boot) had checked. */
enum uk_addon_part {
        UK_ADDON_UCODE,                   /* before the UKI's .ucode, in reverse order */
        UK_ADDON_INITRD,                  /* after everything else */
        UK_ADDON_DEVICETREE,              /* its .dtbauto, else .dtb: installed after the UKI's, the last one wins */
};
struct uk_addon_piece {
        enum uk_addon_part part;
        const char *path;                 /* the addon's path on the entry's partition */
        const uint8_t *bytes;             /* the section's file bytes */
        uint64_t length, zero_fill;       /* file bytes, then zeros up to VirtualSize */
};

/* An initrd the pipeline read whole into held memory (UK_PIECE_HELD). */
struct uk_held_file {
        const char *name;                 /* its URL or path, as the entry or the command line gives it */
        const uint8_t *bytes;
        uint64_t length;
};

/* Facts about the machine both twins read the same way (EFI: firmware; Linux: efivarfs / sysfs). */
struct uk_machine {
        bool secure_boot;
        const char *sbat_level;    /* the SbatLevel variable's text (EFI: SbatLevel, Linux: SbatLevelRT), or NULL */
        size_t sbat_level_len;
        uint16_t pe_machine;       /* UK_PE_MACHINE_* of the CPU that will run the kernel; 0 = not checked
                                    * (inspecting a UKI for another machine is fine, booting it is not) */
        bool confidential_vm;      /* an SEV/TDX guest: the host's SMBIOS OEM strings are not taken */
        const uint8_t *smbios;     /* the SMBIOS structure table (EFI: the configuration table's; Linux:
                                    * /sys/firmware/dmi/tables/DMI), NULL if there is none */
        size_t smbios_len;
        const uint8_t *fdt;        /* the machine's device tree (EFI: the configuration table's; Linux:
                                    * /sys/firmware/fdt), NULL if there is none: a .dtbauto is matched to it */
        size_t fdt_len;
};

/* The device tree a boot installs (EFI: the configuration table; Linux: what the next kernel is handed). */
enum uk_dt_source {
        UK_DT_NONE,             /* the machine's own stays */
        UK_DT_UKI,              /* a section of the UKI: label, offset, length, zero_fill */
        UK_DT_FILE,             /* the entry's `devicetree` file (path, length) on the entry's partition */
        UK_DT_ADDON,            /* the last addon's (path, length, bytes): dt_addons[n_dt_addons - 1] */
};
/* An addon's device tree: the twin's held memory, measured whether or not a later one replaces it. */
struct uk_plan_dt_addon {
        const uint8_t *bytes;             /* file bytes, then zero_fill zeros */
        uint64_t length, zero_fill;
        char path[UK_PATH_MAX];
        uint8_t sha256[32];               /* of the bytes and the fill */
};
struct uk_plan_devicetree {
        enum uk_dt_source source;
        char label[16];                   /* UKI: ".dtb" or ".dtbauto" */
        uint64_t offset, length, zero_fill;
        char path[UK_PATH_MAX];           /* FILE, ADDON */
        const uint8_t *bytes;             /* ADDON: the tree's file bytes, in memory the twin holds */
};

/* Policy knobs (defaults: all false = systemd-stub compatible). */
struct uk_policy {
        bool deny_append;          /* refuse --append / editor even without Secure Boot */
};

struct uk_plan_in {
        const struct uk_source *src;      /* the UKI (or, for a `linux`/`linux-url` entry, the kernel) */
        const struct uk_uki *uki;         /* parsed UKI; NULL for a `linux` entry */
        const struct uk_entry *entry;     /* NULL when booting a UKI file directly */
        bool has_profile;                 /* explicit profile (overrides the entry's) */
        unsigned profile;
        const char *append;               /* extra arguments, NULL if none */
        uint64_t initrd_file_sizes[UK_ENTRY_MAX_INITRDS];   /* `linux` entry: sizes of entry->initrd[] */
        const struct uk_held_file *held_initrds;  /* `linux-url` entry: its initrd-url files, after entry->initrd[] */
        bool has_kernel_sha256;           /* `linux-url` entry: the kernel's SHA-256, which names it in the plan */
        uint8_t kernel_sha256[32];
        unsigned n_held_initrds;
        const struct uk_extras *extras;   /* credentials / sysexts next to a UKI on the ESP (uk_extras_scan); NULL if none */
        const char *addon_cmdline;        /* the addons' combined .cmdline (common/addon.c); NULL or "" if none */
        const struct uk_addon_piece *addon_pieces;        /* in the order the addons were applied */
        unsigned n_addon_pieces;
        uint64_t devicetree_file_size;    /* the entry's `devicetree` file, when it names one */
        const struct uk_multiboot *multiboot;     /* `multiboot` entry: its kernel's layout (common/multiboot.c) */
        struct uk_machine machine;
        struct uk_policy policy;
};

struct uk_plan {
        unsigned profile;
        unsigned n_profiles;
        struct uk_plan_piece kernel;
        /* A Multiboot kernel (`multiboot` entry): its segments and entry; the initrd pieces are its modules,
         * each loaded on its own (page-aligned, its path as its string), never concatenated; the command line
         * starts with the kernel's path (argv[0]). */
        bool is_multiboot;
        struct uk_multiboot multiboot;
        struct uk_kernel_info kernel_info;
        struct uk_plan_piece initrd[UK_PLAN_MAX_PIECES];
        unsigned n_initrd;
        uint64_t initrd_total;            /* sum of lengths + pads: the size LoadFile2 / the memfd serves */
        char cmdline[UK_CMDLINE_MAX];
        size_t cmdline_len;
        unsigned cmdline_notes;           /* UK_CMDLINE_NOTES_DROPPED bits: what the policy left out */
        unsigned cmdline_from;            /* UK_CMDLINE_NOTES_FROM bits: where the line came from (not canonical) */
        size_t cmdline_base_len;          /* the line before addons and the SMBIOS extra */
        size_t cmdline_addons_at, cmdline_addons_len;     /* the addons' part (length 0: none) */
        size_t cmdline_smbios_len;        /* the last bytes of cmdline are the SMBIOS OEM string's (0: none) */
        uint8_t uki_header_sha256[32];    /* SHA-256 of the PE headers: identifies the UKI without hashing it all */
        uint64_t uki_size;
        char title[128];
        struct uk_span splash;            /* the profile's .splash in the UKI (length 0: none); shown, not canonical */
        struct uk_plan_devicetree devicetree;
        struct uk_plan_dt_addon dt_addons[UK_ADDON_PIECES_MAX];
        unsigned n_dt_addons;
        bool xbootldr;                    /* FILE and CPIO_FILE paths are on the XBOOTLDR partition (the entry's) */
        uint8_t digest[32];               /* SHA-256 of the canonical form: the layout, not every byte */
        /* Content identity: the SHA-256 of each piece's bytes as booted (bit 0 / [0]: the kernel, bit 1 + i /
         * [1 + i]: initrd[i]). Generated pieces are known from the plan; the rest only once a twin called
         * uk_plan_hash_content (the Linux twin does; the EFI twin does not hash under the firmware). */
        /* What is measured, in order, as systemd-boot + systemd-stub 252 measure it (the stub generation
         * decides the PCR 11 section list); the EFI twin's TPM code executes exactly this list. */
        struct uk_measurement measure[UK_PLAN_MEASURE_MAX];
        unsigned n_measure;
        bool stub_gen_252;                /* the PCR 11 list is systemd-stub 252's (else 253+) */
        uint64_t content_known;
        uint8_t content_sha256[1 + UK_PLAN_MAX_PIECES][32];
        size_t gen_len;
        uint8_t gen[UK_PLAN_GEN_MAX];     /* generated initrd pieces live here */
};

/* Build the plan. Reads small sections (.cmdline, .pcrsig, .pcrpkey, .osrel, headers) through in->src.
 * The plan is too large for the EFI stack, so it is built in place: on failure everything before gen[] is
 * zeroed again (gen_len 0), never left half-built. */
uk_err uk_plan_build(const struct uk_plan_in *in, struct uk_plan *ret_plan);

/* Hash every piece whose content is not known yet, reading through read_piece (kernel: offsets inside the
 * kernel piece) with the caller's scratch buffer; sets content_known. */
uk_err uk_plan_hash_content(struct uk_plan *p, uk_piece_read_fn read_piece, void *ctx, uint8_t *scratch,
                            size_t scratch_len);

/* The content record, one line a piece in plan order, "-" where the bytes were not hashed:
 *
 *   ukiboot-content 1
 *   kernel <label> <sha256 | ->
 *   initrd <label> <sha256 | ->                          one line per initrd piece
 *
 * Kept apart from the canonical form, which both twins must produce byte for byte. */
uk_err uk_plan_content_format(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len);

/* Canonical compact form (the bytes the digest covers and the EFI variable carries), path-independent.
 *
 * Version 1, one record per line, fields separated by one space, every line ends in "\n", numbers in
 * decimal, digests in lower-case hex. Lines appear in this order:
 *
 *   ukiboot-plan 1
 *   partition xbootldr                                   only when the files are on the XBOOTLDR partition
 *   uki <file-size> <sha256 of the PE headers>          UKI plans only
 *   profile <N>                                          UKI plans only
 *   kernel uki .linux <offset> <length>                  or: kernel file <esp-path> <length>
 *   initrd uki <section> <offset> <length> <pad>         one line per initrd piece, in boot order:
 *   initrd gen <label> <length> <pad> <sha256 of bytes>    generated cpio (label "/.extra/...")
 *   initrd file <esp-path> <length> <pad>                  `linux` entry initrd
 *   initrd cpio <esp-path> <length> <pad> <header-length> <sha256 of the header>
 *                                                          one file (credential, sysext) as a newc record
 *   initrd addon <esp-path> <section> <length> <pad> [fill <zeros>] <sha256 of the bytes and the fill>
 *                                                          an addon's .ucode or .initrd
 *   initrd-total <bytes>
 *   devicetree uki <section> <offset> <length> [fill <zeros>]     only when the boot installs a tree:
 *   devicetree file <esp-path> <length>                    a UKI's .dtbauto/.dtb, or the entry's file,
 *   devicetree addon <esp-path> <length> [fill <zeros>] <sha256>   or the last addon's
 *   cmdline <length> <text>                              text is the normalised line (no bytes < 0x20)
 *   notes <bits>                                         enum uk_cmdline_note bits, decimal
 *
 * ESP paths (XBOOTLDR paths in a "partition xbootldr" plan) are '/'-separated and ESP-absolute, the same on both twins; bytes <= 0x20, 0x7f, '%' and
 * >= 0x80 in them are written as %XX. Display-only facts (title, kernel version) are not part of it, and
 * nothing depends on where the UKI file itself lives. */
uk_err uk_plan_canonical(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len);

/* SHA-256 of the canonical form, streamed (no canonical buffer needed); uk_plan_build fills p->digest so.
 * ret_len (may be NULL): the canonical form's length. */
uk_err uk_plan_digest(const struct uk_plan *p, uint8_t ret_digest[32], size_t *ret_len);

/* Human-readable multi-line description. */
uk_err uk_plan_format_text(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len);

/* JSON object describing the plan (digest included). */
uk_err uk_plan_format_json(const struct uk_plan *p, char *buf, size_t cap, size_t *ret_len);

/* One stretch of the concatenated initrd as the serializer hands it out: either bytes the plan holds
 * (generated archives, cpio headers, zero padding), or a range the twin copies itself — UKI pieces from
 * piece_offset inside the piece, FILE pieces and the file part of CPIO_FILE pieces from piece_offset inside
 * the file. */
struct uk_initrd_segment {
        const struct uk_plan_piece *piece;
        const void *bytes;              /* non-NULL: exactly these length bytes */
        uint64_t piece_offset;          /* bytes == NULL: where in the piece's source */
        uint64_t length;
};
typedef uk_err (*uk_initrd_segment_fn)(void *ctx, const struct uk_initrd_segment *seg);

/* The one initrd serializer: call fn for each stretch of [offset, offset+len) of the concatenated initrd,
 * in order. LoadFile2 (through uk_plan_initrd_read) and the Linux memfd fill (copy_file_range per range)
 * both drive it, so concatenation and padding are decided here alone. */
uk_err uk_plan_initrd_walk(const struct uk_plan *p, uint64_t offset, uint64_t len, uk_initrd_segment_fn fn,
                           void *ctx);

/* Copy `len` bytes of the concatenated initrd starting at `offset` into buf, using read_piece for
 * UKI/FILE pieces and the file part of CPIO_FILE pieces (offset then counts from the file's start;
 * generated bytes, CPIO_FILE headers and padding come from the plan). Serves LoadFile2 and memfd fills alike. */
/* Where initrd piece i starts in the concatenated initrd (a Multiboot module: that piece alone, length +
 * zero_fill bytes from here). */
uint64_t uk_plan_initrd_offset(const struct uk_plan *p, unsigned i);
uk_err uk_plan_initrd_read(const struct uk_plan *p, uint64_t offset, void *buf, size_t len,
                           uk_piece_read_fn read_piece, void *ctx);
