/* ukiboot — the UKI model: canonical section table, profiles, resolved view for a profile. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include "pe.h"

/* The UAPI UKI sections, in the canonical order of the specification. */
enum uk_sec {
        UK_SEC_LINUX, UK_SEC_OSREL, UK_SEC_CMDLINE, UK_SEC_INITRD, UK_SEC_UCODE,
        UK_SEC_SPLASH, UK_SEC_DTB, UK_SEC_DTBAUTO, UK_SEC_HWIDS, UK_SEC_UNAME,
        UK_SEC_SBAT, UK_SEC_PCRSIG, UK_SEC_PCRPKEY, UK_SEC_PROFILE, UK_SEC_EFIFW,
        _UK_SEC_MAX
};

struct uk_sec_info {
        const char *name;           /* ".linux" */
        bool measured;              /* measured into PCR 11 by systemd-stub */
        bool per_profile;           /* may be overridden inside a profile */
};

/* One canonical table shared by every consumer, indexed by enum uk_sec. */
extern const struct uk_sec_info uk_sec_table[_UK_SEC_MAX];

/* enum uk_sec for a section name, or -1 if it is not a UKI section. */
int uk_sec_from_name(const struct uk_pe_section *s);

/* A byte range inside the UKI file. */
struct uk_span {
        uint64_t offset;
        uint64_t length;        /* bytes in the file: min(VirtualSize, SizeOfRawData) */
        uint64_t memory_size;   /* VirtualSize: what the section is once loaded (the rest zero) */
};

/* Whether a section counts as there, by systemd-stub's rule: its VirtualSize, not its file bytes (a
 * .cmdline of VirtualSize 16 and no raw data is present, empty, and locks the command line). */
static inline bool uk_span_present(const struct uk_span *s) {
        return s->memory_size > 0;
}

/* systemd's UNIFIED_PROFILES_MAX. A PE image has at most UK_PE_MAX_SECTIONS (96, systemd's MAX_SECTIONS too), so
 * in practice a UKI cannot carry more than 95 .profile sections; one that did would have the rest ignored. */
#define UK_MAX_PROFILES 256

struct uk_uki {
        struct uk_pe pe;
        /* Sections before the first .profile: index into pe.sections or -1. */
        int base[_UK_SEC_MAX];
        /* Number of .profile sections (0 = single-profile UKI with implicit profile 0), at most UK_MAX_PROFILES. */
        unsigned n_profiles;
        unsigned profiles_ignored;  /* .profile sections beyond UK_MAX_PROFILES: their sections belong to none */
        /* For profile i: section index of its .profile and index one past its last section. */
        int profile_first[UK_MAX_PROFILES];
        int profile_end[UK_MAX_PROFILES];
};

/* Parse src as a UKI: PE headers, classify sections, find profiles. Fails with UK_E_NO_LINUX etc. */
uk_err uk_uki_parse(const struct uk_source *src, struct uk_uki *ret_uki);

/* Sections in effect for `profile` (base sections overridden by the profile's): spans with length 0 are absent. */
uk_err uk_uki_resolve(const struct uk_uki *uki, unsigned profile, struct uk_span ret_secs[_UK_SEC_MAX]);

/* Number of selectable profiles (at least 1). */
unsigned uk_uki_profile_count(const struct uk_uki *uki);

/* ---- PCR 11: what systemd-stub measures (ukiboot plays the stub's part, so it measures the same) ---- */

/* The stub generation whose PCR 11 measurement is reproduced: the section list changed between versions. */
enum uk_stub_gen {
        UK_STUB_GEN_252,        /* systemd-stub up to 252 (Debian 12): .linux .osrel .cmdline .initrd .splash .dtb .pcrpkey */
        UK_STUB_GEN_253,        /* 253 and later: systemd's current list, .uname .sbat (253), .ucode, .profile, ... */
};

/* One measured section: an EV_IPL event over its name with the NUL, then one over the section as the stub
 * sees it in memory: `length` bytes of the file at `offset`, then `zero_fill` zero bytes (the part of
 * VirtualSize beyond SizeOfRawData, which a PE loader zero-fills). */
struct uk_pcr11_item {
        enum uk_sec sec;
        uint64_t offset;
        uint64_t length;
        uint64_t zero_fill;
};

/* Generation of the systemd-stub a UKI was built on, from its .sdmagic ("#### LoaderInfo: systemd-stub 252.39
 * ####"); UK_STUB_GEN_253 (the current list) if there is none, it lies outside the file or it does not name
 * systemd-stub. UK_E_IO when the magic's bytes cannot be read. */
uk_err uk_uki_stub_gen(const struct uk_source *src, const struct uk_uki *uki, enum uk_stub_gen *ret_gen);

/* The PCR 11 measurements for `profile` in the stub's order: *ret_n items in ret[]. */
uk_err uk_uki_pcr11_items(const struct uk_uki *uki, unsigned profile, enum uk_stub_gen gen,
                          struct uk_pcr11_item ret[_UK_SEC_MAX], unsigned *ret_n);
