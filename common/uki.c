/* ukiboot — the UKI model: canonical section table, profiles, and the section view of one profile.
 *
 * Layout rules (UAPI "Unified Kernel Image" specification, "Multi-Profile UKIs"):
 *   - sections before the first `.profile` form the base profile;
 *   - each `.profile` section starts profile @N (numbered from 0), which runs to the next `.profile`;
 *   - a UKI without `.profile` has exactly one profile, @0, made of the base sections;
 *   - the view of profile @N is the base sections, each replaced by the profile's own section of the same
 *     type if it has one.
 * Duplicates: the spec allows each UKI section once per base/profile (except .dtb). When a file has more,
 * the first one wins. That is what systemd-stub does (pe_locate_sections stops at the first match), so a
 * UKI boots with the same sections whichever of the two loads it, and a legitimately repeated .dtb does
 * not make the whole image unbootable. */
#include "uki.h"
#include "util.h"

/* measured: systemd-stub measures every UKI section into PCR 11 except .pcrsig, which signs the result of
 * that measurement and so cannot be an input to it.
 * per_profile: the spec lets any UKI section appear inside a profile and override the base one; .profile
 * itself never overrides anything: it delimits the profile and carries its ID=/TITLE=. */
const struct uk_sec_info uk_sec_table[_UK_SEC_MAX] = {
        [UK_SEC_LINUX]   = { ".linux",   true,  true },
        [UK_SEC_OSREL]   = { ".osrel",   true,  true },
        [UK_SEC_CMDLINE] = { ".cmdline", true,  true },
        [UK_SEC_INITRD]  = { ".initrd",  true,  true },
        [UK_SEC_UCODE]   = { ".ucode",   true,  true },
        [UK_SEC_SPLASH]  = { ".splash",  true,  true },
        [UK_SEC_DTB]     = { ".dtb",     true,  true },
        [UK_SEC_DTBAUTO] = { ".dtbauto", true,  true },
        [UK_SEC_HWIDS]   = { ".hwids",   true,  true },
        [UK_SEC_UNAME]   = { ".uname",   true,  true },
        [UK_SEC_SBAT]    = { ".sbat",    true,  true },
        [UK_SEC_PCRSIG]  = { ".pcrsig",  false, true },
        [UK_SEC_PCRPKEY] = { ".pcrpkey", true,  true },
        [UK_SEC_PROFILE] = { ".profile", true,  false },
        [UK_SEC_EFIFW]   = { ".efifw",   true,  true },
};

int uk_sec_from_name(const struct uk_pe_section *s) {
        for (int i = 0; i < _UK_SEC_MAX; i++)
                if (uk_pe_name_eq(s, uk_sec_table[i].name))
                        return i;
        return -1;
}

unsigned uk_uki_profile_count(const struct uk_uki *uki) {
        return uki->n_profiles > 0 ? uki->n_profiles : 1;
}

/* Fill idx[] with the first section of each type in pe.sections[first, end). */
static void index_range(const struct uk_pe *pe, int first, int end, int idx[_UK_SEC_MAX]) {
        for (int i = first; i < end; i++) {
                int t = uk_sec_from_name(&pe->sections[i]);
                if (t >= 0 && idx[t] < 0)
                        idx[t] = i;
        }
}

/* Section index per type in effect for `profile`; UK_E_NO_SUCH_PROFILE if it does not exist. */
static uk_err resolve_indices(const struct uk_uki *uki, unsigned profile, int ret_idx[_UK_SEC_MAX]) {
        int own[_UK_SEC_MAX];

        if (profile >= uk_uki_profile_count(uki))
                return UK_E_NO_SUCH_PROFILE;

        for (int t = 0; t < _UK_SEC_MAX; t++)
                ret_idx[t] = uki->base[t];
        if (uki->n_profiles == 0)
                return UK_OK;

        for (int t = 0; t < _UK_SEC_MAX; t++)
                own[t] = -1;
        index_range(&uki->pe, uki->profile_first[profile], uki->profile_end[profile], own);
        for (int t = 0; t < _UK_SEC_MAX; t++) {
                if (own[t] < 0)
                        continue;
                /* An empty section is absent, so it does not hide a base one; kept otherwise so that an
                 * empty .linux is reported as such rather than as missing. (.profile is never in the base:
                 * the profile's own .profile is simply reported.) */
                if (uki->pe.sections[own[t]].size == 0 && ret_idx[t] >= 0)
                        continue;
                ret_idx[t] = own[t];
        }
        return UK_OK;
}

static uk_err check_linux(const struct uk_uki *uki, const int idx[_UK_SEC_MAX]) {
        if (idx[UK_SEC_LINUX] < 0)
                return UK_E_NO_LINUX;
        if (uki->pe.sections[idx[UK_SEC_LINUX]].size == 0)
                return UK_E_EMPTY_LINUX;
        return UK_OK;
}

uk_err uk_uki_resolve(const struct uk_uki *uki, unsigned profile, struct uk_span ret_secs[_UK_SEC_MAX]) {
        int idx[_UK_SEC_MAX];
        uk_err r;

        if (!uki || !ret_secs)
                return UK_E_INVALID_ARG;
        r = resolve_indices(uki, profile, idx);
        if (r)
                return r;
        r = check_linux(uki, idx);
        if (r)
                return r;

        for (int t = 0; t < _UK_SEC_MAX; t++) {
                if (idx[t] < 0) {
                        ret_secs[t] = (struct uk_span) { 0, 0, 0 };
                        continue;
                }
                ret_secs[t].offset = uki->pe.sections[idx[t]].raw_offset;
                ret_secs[t].length = uki->pe.sections[idx[t]].size;
                ret_secs[t].memory_size = uki->pe.sections[idx[t]].virtual_size;
        }
        return UK_OK;
}

uk_err uk_uki_parse(const struct uk_source *src, struct uk_uki *ret_uki) {
        struct uk_uki uki = {};
        int idx[_UK_SEC_MAX], base_end;
        uk_err r;

        if (!src || !ret_uki)
                return UK_E_INVALID_ARG;
        r = uk_pe_parse(src, &uki.pe);
        if (r)
                return r;

        /* Find the profile boundaries: every .profile starts one, each runs to the next. */
        base_end = uki.pe.n_sections;
        for (int i = 0; i < uki.pe.n_sections; i++) {
                if (!uk_pe_name_eq(&uki.pe.sections[i], ".profile"))
                        continue;
                if (uki.n_profiles >= UK_MAX_PROFILES) {
                        /* As systemd's menu stops at its maximum: the rest is ignored, not the whole UKI. */
                        if (uki.profiles_ignored++ == 0)
                                uki.profile_end[uki.n_profiles - 1] = i;
                        continue;
                }
                if (uki.n_profiles == 0)
                        base_end = i;
                else
                        uki.profile_end[uki.n_profiles - 1] = i;
                uki.profile_first[uki.n_profiles] = i;
                uki.profile_end[uki.n_profiles] = uki.pe.n_sections;
                uki.n_profiles++;
        }

        for (int t = 0; t < _UK_SEC_MAX; t++)
                uki.base[t] = -1;
        index_range(&uki.pe, 0, base_end, uki.base);

        /* The default view (profile 0) must carry a kernel; other profiles are checked when resolved. */
        r = resolve_indices(&uki, 0, idx);
        if (r)
                return r;
        r = check_linux(&uki, idx);
        if (r)
                return r;

        uk_memcpy(ret_uki, &uki, sizeof(uki));
        return UK_OK;
}

/* Measurement orders. systemd-stub walks its own section enum and measures every section it knows except
 * .pcrsig (the signature over the result). 252's enum: .linux .osrel .cmdline .initrd .splash .dtb .pcrsig
 * .pcrpkey (checked against the Debian 12 stub binary). Current systemd appends to that enum rather than
 * keeping the UAPI table's order, so .dtbauto and .hwids come after .profile there. */
static const enum uk_sec pcr11_order_252[] = {
        UK_SEC_LINUX, UK_SEC_OSREL, UK_SEC_CMDLINE, UK_SEC_INITRD, UK_SEC_SPLASH, UK_SEC_DTB, UK_SEC_PCRPKEY,
};
static const enum uk_sec pcr11_order_253[] = {
        UK_SEC_LINUX, UK_SEC_OSREL, UK_SEC_CMDLINE, UK_SEC_INITRD, UK_SEC_UCODE, UK_SEC_SPLASH, UK_SEC_DTB,
        UK_SEC_UNAME, UK_SEC_SBAT, UK_SEC_PCRPKEY, UK_SEC_PROFILE, UK_SEC_DTBAUTO, UK_SEC_HWIDS, UK_SEC_EFIFW,
};

/* The systemd-stub major version in a .sdmagic text, 0 if it names none. */
static uint64_t stub_major(const char *magic, size_t len) {
        static const char tag[] = "systemd-stub ";
        uint64_t major = 0;
        size_t i, digits = 0;

        for (i = 0; i + sizeof(tag) - 1 <= len; i++)
                if (uk_memcmp(magic + i, tag, sizeof(tag) - 1) == 0)
                        break;
        if (i + sizeof(tag) - 1 > len)
                return 0;
        i += sizeof(tag) - 1;
        if (i < len && magic[i] == 'v')  /* development builds say "v253-..." */
                i++;
        while (i + digits < len && digits < 6 && uk_isdigit(magic[i + digits]))
                digits++;
        if (digits == 0 || !uk_parse_u64(magic + i, digits, &major))
                return 0;
        return major;
}

uk_err uk_uki_stub_gen(const struct uk_source *src, const struct uk_uki *uki, enum uk_stub_gen *ret_gen) {
        char magic[96];
        uint64_t major = 0;
        size_t len;
        int idx;
        uk_err r;

        if (!src || !uki || !ret_gen)
                return UK_E_INVALID_ARG;
        idx = uk_pe_find(&uki->pe, ".sdmagic");
        if (idx >= 0) {
                len = uki->pe.sections[idx].size < sizeof(magic) - 1 ? (size_t) uki->pe.sections[idx].size
                                                                    : sizeof(magic) - 1;
                /* A magic that cannot be read is not an absent one: guessing would change what is measured.
                 * One that lies outside the file is malformed, which names no stub either. */
                r = uk_source_read(src, uki->pe.sections[idx].raw_offset, magic, len);
                if (r == UK_E_IO)
                        return r;
                magic[r == UK_OK ? len : 0] = 0;
                major = stub_major(magic, uk_strlen(magic));    /* a C string: stop at its NUL */
        } else {
                /* Stubs built without a .sdmagic section (Debian's 252 arm64 stub) still carry the text, outside
                 * any section: looked for in the file's first 256 KiB (the stub's part), in windows that
                 * overlap by the text's length. */
                static const char lead[] = "#### LoaderInfo: systemd-stub ";
                char win[1024];
                uint64_t end = src->size < (256u << 10) ? src->size : (256u << 10);
                for (uint64_t at = 0; at < end && major == 0; at += sizeof(win) - sizeof(magic)) {
                        size_t n = end - at < sizeof(win) ? (size_t) (end - at) : sizeof(win);
                        r = uk_source_read(src, at, win, n);
                        if (r == UK_E_IO)
                                return r;
                        if (r)
                                break;
                        /* A text that starts too near a full window's end is read whole by the next one. */
                        size_t last = n == sizeof(win) ? n - sizeof(magic) : n;
                        for (size_t i = 0; i < last && i + sizeof(lead) - 1 <= n; i++)
                                if (uk_memcmp(win + i, lead, sizeof(lead) - 1) == 0) {
                                        size_t ml = n - i < sizeof(magic) - 1 ? n - i : sizeof(magic) - 1;
                                        uk_memcpy(magic, win + i, ml);
                                        magic[ml] = 0;
                                        major = stub_major(magic, uk_strlen(magic));
                                        break;
                                }
                        if (n < sizeof(win))
                                break;
                }
        }
        *ret_gen = major != 0 && major <= 252 ? UK_STUB_GEN_252 : UK_STUB_GEN_253;
        return UK_OK;
}

uk_err uk_uki_pcr11_items(const struct uk_uki *uki, unsigned profile, enum uk_stub_gen gen,
                          struct uk_pcr11_item ret[_UK_SEC_MAX], unsigned *ret_n) {
        const enum uk_sec *order = gen == UK_STUB_GEN_252 ? pcr11_order_252 : pcr11_order_253;
        size_t n_order = gen == UK_STUB_GEN_252 ? UK_ELEMENTSOF(pcr11_order_252) : UK_ELEMENTSOF(pcr11_order_253);
        int idx[_UK_SEC_MAX];
        unsigned n = 0;
        uk_err r;

        if (!uki || !ret || !ret_n)
                return UK_E_INVALID_ARG;
        r = resolve_indices(uki, profile, idx);
        if (r)
                return r;
        for (size_t k = 0; k < n_order; k++) {
                if (idx[order[k]] < 0)
                        continue;
                const struct uk_pe_section *s = &uki->pe.sections[idx[order[k]]];
                /* The stub measures VirtualSize bytes of the loaded image; a section without any is "not found". */
                if (s->virtual_size == 0)
                        continue;
                uint64_t from_file = s->size;   /* min(VirtualSize, SizeOfRawData): checked against the file */
                ret[n++] = (struct uk_pcr11_item) {
                        .sec = order[k],
                        /* Without file bytes (pure .bss) the pointer is unchecked and meaningless: 0. */
                        .offset = from_file > 0 ? s->raw_offset : 0,
                        .length = from_file,
                        .zero_fill = s->virtual_size - from_file,
                };
        }
        *ret_n = n;
        return UK_OK;
}
