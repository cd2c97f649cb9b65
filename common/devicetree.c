/* ukiboot — the device tree a boot installs (see devicetree.h).
 *
 * systemd-stub matches a .dtbauto by the first string of its root's `compatible` against the firmware's tree;
 * without a firmware tree it would compute the machine's CHIDs (UUIDv5, SHA-1 over SMBIOS fields) and look
 * them up in .hwids. ukiboot does not compute CHIDs (no SHA-1 of its own): on such a machine no .dtbauto
 * matches and the .dtb is used, which doc/systemd-stub.md states as a difference. */
#include "devicetree.h"
#include "fdt.h"
#include "util.h"

#define COMPAT_MAX 128

static void set_label(struct uk_plan_devicetree *dt, const char *label) {
        uk_strlcpy_checked(dt->label, sizeof(dt->label), label);
}

/* The first .dtbauto in pe sections [from, to) whose compatible is want; -1 if none. */
static int match_in(const struct uk_source *src, const struct uk_pe *pe, int from, int to, const char *want,
                    size_t want_len, uk_err *ret_err) {
        for (int i = from; i < to && i < (int) pe->n_sections && i < UK_PE_MAX_SECTIONS; i++) {
                const struct uk_pe_section *s = &pe->sections[i];
                char c[COMPAT_MAX];
                size_t cl;
                if (s->virtual_size == 0 || !uk_pe_name_eq(s, ".dtbauto"))
                        continue;
                uk_err r = uk_fdt_first_compatible(src, s->raw_offset, s->size, c, sizeof(c), &cl);
                if (r == UK_E_IO) {
                        *ret_err = r;
                        return -1;
                }
                if (r == UK_OK && cl == want_len && uk_memcmp(c, want, cl) == 0)
                        return i;
        }
        return -1;
}

uk_err uk_devicetree_choose(const struct uk_plan_in *in, unsigned profile, const struct uk_span secs[_UK_SEC_MAX],
                            struct uk_plan_devicetree *ret) {
        struct uk_plan_devicetree dt = { .source = UK_DT_NONE };
        uk_err err = UK_OK;

        if (!in || !ret || (in->uki && !secs))
                return UK_E_INVALID_ARG;
        if (in->uki) {
                const struct uk_uki *u = in->uki;
                char want[COMPAT_MAX];
                size_t want_len = 0;
                int pick = -1;
                if (in->machine.fdt) {
                        struct uk_source fw;
                        uk_source_from_memory(&fw, in->machine.fdt, in->machine.fdt_len);
                        if (uk_fdt_first_compatible(&fw, 0, in->machine.fdt_len, want, sizeof(want), &want_len) != UK_OK)
                                want_len = 0;
                }
                if (want_len > 0) {
                        /* The profile's own sections override the base's, .dtbauto as any other. */
                        if (u->n_profiles > 0 && profile < u->n_profiles)
                                pick = match_in(in->src, &u->pe, u->profile_first[profile] + 1, u->profile_end[profile],
                                                want, want_len, &err);
                        if (pick < 0 && !err)
                                pick = match_in(in->src, &u->pe, 0, u->n_profiles > 0 ? u->profile_first[0] : u->pe.n_sections,
                                                want, want_len, &err);
                        if (err)
                                return err;
                }
                if (pick >= 0) {
                        const struct uk_pe_section *s = &u->pe.sections[pick];
                        dt.source = UK_DT_UKI;
                        set_label(&dt, ".dtbauto");
                        dt.offset = s->raw_offset;
                        dt.length = s->size;
                        dt.zero_fill = s->virtual_size > s->size ? s->virtual_size - s->size : 0;
                } else if (uk_span_present(&secs[UK_SEC_DTB])) {
                        dt.source = UK_DT_UKI;
                        set_label(&dt, ".dtb");
                        dt.offset = secs[UK_SEC_DTB].offset;
                        dt.length = secs[UK_SEC_DTB].length;
                        dt.zero_fill = secs[UK_SEC_DTB].memory_size - secs[UK_SEC_DTB].length;
                }
        }
        if (dt.source == UK_DT_NONE && in->entry && in->entry->devicetree[0]) {
                dt.source = UK_DT_FILE;
                if (uk_strlcpy_checked(dt.path, sizeof(dt.path), in->entry->devicetree) != 0)
                        return UK_E_BUFFER_TOO_SMALL;
                dt.length = in->devicetree_file_size;
        }
        /* A tree announcing megabytes of zeros is refused as any such section is. */
        if (dt.zero_fill > UK_SECTION_FILL_MAX)
                return UK_E_SECTION_OUT_OF_BOUNDS;
        *ret = dt;
        return UK_OK;
}
