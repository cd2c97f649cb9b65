/* ukiboot EFI — TPM measurements as systemd-boot and systemd-stub 252 make them, so PCR policies sealed
 * against a UKI (systemd-measure, systemd-cryptenroll --tpm2-pcrs=11/12) hold whether the stub or ukiboot
 * starts its kernel.
 *
 * Every measurement is one EFI_TCG2_PROTOCOL.HashLogExtendEvent: flags 0, event type EV_IPL, event data
 * the UTF-16 description with its NUL. systemd-stub:
 *   PCR 11, per section in its order (common/uki.c): the section name with its NUL (description: the name),
 *           then the section's VirtualSize bytes as loaded (description: the name again);
 *   PCR 12, when it takes the load options as command line: the UTF-16 options with their NUL (description:
 *           the options themselves). systemd-boot measures the options it passes the same way before
 *           starting the image, so with both a command line from an entry or the editor lands in PCR 12
 *           twice. ukiboot is loader and stub in one, and makes both measurements.
 * TPM 1.2 (EFI_TCG_PROTOCOL) is not supported: such machines are measured by neither. */
#include "tpm.h"
#include "cmdline.h"
#include "util.h"
#include "vars.h"

/* From the TCG EFI Protocol Specification (gnu-efi 3.0.15 has none of it). */
#define TCG2_PROTOCOL_GUID { 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }
#define TCG2_EVENT_HEADER_VERSION 1

struct tcg2_version {
        UINT8 major;
        UINT8 minor;
};

/* EFI_TCG2_BOOT_SERVICE_CAPABILITY (natural alignment: 36 bytes; the firmware checks Size). */
struct tcg2_capability {
        UINT8 size;
        struct tcg2_version structure_version;
        struct tcg2_version protocol_version;
        UINT32 hash_algorithm_bitmap;
        UINT32 supported_event_logs;
        BOOLEAN tpm_present;
        UINT16 max_command_size;
        UINT16 max_response_size;
        UINT32 manufacturer_id;
        UINT32 number_of_pcr_banks;
        UINT32 active_pcr_banks;
};

/* Version 1.0 of that structure (TrEE era) puts TPMPresentFlag at byte 10. */
#define TCG2_CAP_1_0_PRESENT_OFFSET 10

struct tcg2_event_header {
        UINT32 header_size;
        UINT16 header_version;
        UINT32 pcr_index;
        UINT32 event_type;
} __attribute__((packed));

struct tcg2_event {
        UINT32 size;
        struct tcg2_event_header header;
        UINT8 event[];
} __attribute__((packed));

struct tcg2_protocol;
typedef EFI_STATUS (EFIAPI *tcg2_get_capability_fn)(struct tcg2_protocol *this, struct tcg2_capability *cap);
typedef EFI_STATUS (EFIAPI *tcg2_hash_log_extend_event_fn)(struct tcg2_protocol *this, UINT64 flags,
                                                           EFI_PHYSICAL_ADDRESS data, UINT64 data_len,
                                                           struct tcg2_event *event);

/* EFI_TCG2_PROTOCOL: only the first three members are called; the rest keep the layout. */
struct tcg2_protocol {
        tcg2_get_capability_fn get_capability;
        void *get_event_log;
        tcg2_hash_log_extend_event_fn hash_log_extend_event;
        void *submit_command;
        void *get_active_pcr_banks;
        void *set_active_pcr_banks;
        void *get_result_of_set_active_pcr_banks;
};

/* The TPM 2.0 protocol if a TPM is present, else NULL (said once: the absence is normal). */
static struct tcg2_protocol *tcg2(void) {
        static EFI_GUID guid = TCG2_PROTOCOL_GUID;
        static bool said;
        struct tcg2_capability cap = { .size = sizeof(cap) };
        struct tcg2_protocol *t = NULL;

        if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **) &t)) || !t ||
            EFI_ERROR(t->get_capability(t, &cap))) {
                if (!said)
                        log_info(L"tpm: no TPM 2.0, nothing measured");
                said = true;
                return NULL;
        }
        if (cap.structure_version.major == 1 && cap.structure_version.minor == 0)
                return ((UINT8 *) &cap)[TCG2_CAP_1_0_PRESENT_OFFSET] ? t : NULL;
        return cap.tpm_present ? t : NULL;
}

/* One measurement of data[len] into pcr, logged with the UTF-16 description desc (NUL included): an EV_IPL
 * event, or with tag an EV_EVENT_TAG one whose data is {tag, size, desc} (how systemd logs the profile). */
static bool measure_event(struct tcg2_protocol *t, UINT32 pcr, const UINT32 *tag, const void *data, uint64_t len,
                          const CHAR16 *desc) {
        UINTN desc_size = StrSize(desc), head = tag ? 2 * sizeof(UINT32) : 0;
        UINTN ev_size = sizeof(struct tcg2_event) + head + desc_size;
        struct tcg2_event *ev = AllocateZeroPool(ev_size);
        EFI_STATUS st;

        if (!ev)
                return false;
        ev->size = (UINT32) ev_size;
        ev->header.header_size = sizeof(ev->header);
        ev->header.header_version = TCG2_EVENT_HEADER_VERSION;
        ev->header.pcr_index = pcr;
        ev->header.event_type = tag ? UK_TCG_EV_EVENT_TAG : UK_TCG_EV_IPL;
        if (tag) {
                UINT32 tagged[2] = { *tag, (UINT32) desc_size };
                CopyMem(ev->event, tagged, sizeof(tagged));
        }
        CopyMem(ev->event + head, (void *) desc, desc_size);
        st = t->hash_log_extend_event(t, 0, (EFI_PHYSICAL_ADDRESS) (UINTN) data, len, ev);
        FreePool(ev);
        if (EFI_ERROR(st)) {
                log_error(L"tpm: measuring %s into PCR %d failed: %r", desc, pcr, st);
                return false;
        }
        return true;
}

static bool measure(struct tcg2_protocol *t, UINT32 pcr, const void *data, uint64_t len, const CHAR16 *desc) {
        return measure_event(t, pcr, NULL, data, len, desc);
}

/* bytes[len] followed by fill zeros, as a section is in a loaded image, measured as one event (tagged when
 * tag is given); without a fill the bytes are measured where they are. */
static bool measure_filled(struct tcg2_protocol *t, UINT32 pcr, const UINT32 *tag, const uint8_t *bytes, uint64_t len,
                           uint64_t fill, const CHAR16 *desc) {
        void *copy = NULL;
        UINTN pages = 0;
        bool ok;

        if (fill == 0)
                return measure_event(t, pcr, tag, bytes, len, desc);
        if (len > UINT64_MAX - fill || EFI_ERROR(pages_alloc(len + fill, &copy, &pages)))
                return false;
        CopyMem(copy, (void *) bytes, len);
        SetMem((uint8_t *) copy + len, fill, 0);
        ok = measure_event(t, pcr, tag, copy, len + fill, desc);
        pages_free(copy, pages);
        return ok;
}

/* A section as the stub sees it in its loaded image: the file bytes, then the zero fill up to VirtualSize. */
static bool measure_section(struct tcg2_protocol *t, const uint8_t *uki, uint64_t size,
                            const struct uk_pcr11_item *it, const CHAR16 *name16) {
        return uk_range_ok(it->offset, it->length, size) &&
               measure_filled(t, UK_PCR_KERNEL_IMAGE, NULL, uki + it->offset, it->length, it->zero_fill, name16);
}

/* The PCR 12 event: the UTF-16 string with its NUL, described by itself. */
static bool measure_cmdline(struct tcg2_protocol *t, const char *s, size_t len) {
        CHAR16 *s16 = xstr8_to_16(s, len);
        bool ok;

        if (!s16)
                return false;
        ok = measure(t, UK_PCR_KERNEL_PARAMETERS, s16, StrSize(s16), s16);
        FreePool(s16);
        return ok;
}

bool tpm_measure_loader_options(const char *options, size_t len) {
        struct tcg2_protocol *t;

        if (!options || len == 0 || !(t = tcg2()))
                return false;
        /* Whether it succeeded or not, the PCR may have changed: say we tried. */
        (void) measure_cmdline(t, options, len);
        return true;
}


/* Whether m is one of the configuration-extension archives (their PCR has a variable of its own). */
static bool is_confext_archive(const struct uk_measurement *m) {
        static const enum uk_extra_kind kinds[] = { UK_EXTRA_CONFEXT, UK_EXTRA_GLOBAL_CONFEXT };
        for (size_t i = 0; i < UK_ELEMENTSOF(kinds); i++)
                if (uk_strcmp(m->name, uk_extra_layout(kinds[i])->description) == 0)
                        return true;
        return false;
}

/* One generated cpio archive, whole, as the stub measures it after building it: read from the initrd. */
static bool measure_archive(struct tcg2_protocol *t, const struct uk_measurement *m, const void *uki, uint64_t size,
                            const struct uk_plan *p, initrd_file_read_fn read_file, void *read_ctx,
                            const CHAR16 *desc) {
        void *buf = NULL;
        UINTN pages = 0;
        bool ok;

        if (m->length == 0 || EFI_ERROR(pages_alloc(m->length, &buf, &pages)))
                return false;
        ok = initrd_read_range(p, uki, size, read_file, read_ctx, m->offset, buf, (size_t) m->length) == UK_OK &&
             measure(t, m->pcr, buf, m->length, desc);
        pages_free(buf, pages);
        return ok;
}

/* A whole file a `multiboot` entry loads: the kernel (the image read whole) or a module, read whole here (it
 * is read once more where it is loaded: a module is measured before anything of it is used). */
static bool measure_file(struct tcg2_protocol *t, const struct uk_measurement *m, const void *image, uint64_t size,
                         const struct uk_plan *p, initrd_file_read_fn read_file, void *read_ctx, const CHAR16 *desc) {
        if (m->piece == UK_MEASURE_KERNEL)
                return m->length == size && measure(t, m->pcr, image, size, desc);
        if (m->piece >= p->n_initrd || !read_file || p->initrd[m->piece].length != m->length)
                return false;
        void *buf = NULL;
        UINTN pages = 0;
        if (m->length > 0 && EFI_ERROR(pages_alloc(m->length, &buf, &pages)))
                return false;
        bool ok = (m->length == 0 || read_file(read_ctx, p->initrd[m->piece].path, 0, buf, (size_t) m->length) == UK_OK) &&
                  measure(t, m->pcr, buf, m->length, desc);
        if (buf)
                pages_free(buf, pages);
        return ok;
}

/* An addon's .ucode or .initrd as the stub measures it: the section as loaded (its bytes, then the fill), a
 * tagged event described by the addon's file name. */
static bool measure_addon(struct tcg2_protocol *t, const struct uk_plan *p, const struct uk_measurement *m) {
        const uint8_t *bytes = NULL;
        const char *path = NULL;
        uint64_t len = 0, fill = 0;
        bool ok;

        if (m->kind == UK_MEASURE_ADDON && m->piece < p->n_initrd && p->initrd[m->piece].source == UK_PIECE_ADDON) {
                const struct uk_plan_piece *piece = &p->initrd[m->piece];
                bytes = piece->bytes, path = piece->path, len = piece->length, fill = piece->zero_fill;
        } else if (m->kind == UK_MEASURE_DT_ADDON && m->piece < p->n_dt_addons) {
                const struct uk_plan_dt_addon *d = &p->dt_addons[m->piece];
                bytes = d->bytes, path = d->path, len = d->length, fill = d->zero_fill;
        }
        if (!bytes)
                return false;
        const char *name = uk_plan_path_name(path);
        CHAR16 *desc = xstr8_to_16(name, uk_strlen(name));
        if (!desc)
                return false;
        ok = measure_filled(t, m->pcr, &m->tag, bytes, len, fill, desc);
        FreePool(desc);
        return ok;
}

bool tpm_measure_plan(const void *uki, uint64_t size, const struct uk_plan *p, initrd_file_read_fn read_file,
                      void *read_ctx) {
        struct tcg2_protocol *t = tcg2();
        unsigned archives = 0, confexts = 0;
        bool touched = t && p->n_measure > 0;
        unsigned sections = 0, params = 0;
        bool sections_ok = t != NULL, params_ok = true;

        /* The list is common/plan.c's: this only carries it out, in order. */
        for (unsigned i = 0; i < p->n_measure && i < UK_PLAN_MEASURE_MAX; i++) {
                const struct uk_measurement *m = &p->measure[i];
                bool ok = false;
                if (m->kind == UK_MEASURE_CMDLINE) {
                        ok = t && m->offset <= p->cmdline_len && m->length <= p->cmdline_len - m->offset &&
                             measure_cmdline(t, p->cmdline + m->offset, (size_t) m->length);
                        params++;
                        params_ok = params_ok && ok;
                        continue;
                }
                CHAR16 *name16 = xstr8_to_16(m->name, uk_strlen(m->name));
                if (!name16)
                        return touched;
                if (m->kind == UK_MEASURE_INITRD) {
                        ok = t && measure_archive(t, m, uki, size, p, read_file, read_ctx, name16);
                        archives += ok;
                        confexts += ok && is_confext_archive(m);
                        /* A credentials archive that could not be measured: PCR 12 is no longer what the
                         * stub would leave, so StubPcrKernelParameters is not set. */
                        if (m->pcr == UK_PCR_KERNEL_PARAMETERS)
                                params_ok = params_ok && ok;
                        FreePool(name16);
                        continue;
                }
                if (m->kind == UK_MEASURE_PROFILE) {
                        /* The profile number as UTF-16 with its NUL, described by itself. */
                        static const UINT32 tag = UK_PROFILE_EVENT_TAG;
                        ok = t && measure_event(t, m->pcr, &tag, name16, StrSize(name16), name16);
                        params_ok = params_ok && ok;
                        FreePool(name16);
                        continue;
                }
                if (m->kind == UK_MEASURE_FILE) {
                        ok = t && measure_file(t, m, uki, size, p, read_file, read_ctx, name16);
                        params_ok = params_ok && ok;
                        FreePool(name16);
                        continue;
                }
                if (m->kind == UK_MEASURE_ADDON || m->kind == UK_MEASURE_DT_ADDON) {
                        ok = t && measure_addon(t, p, m);
                        params_ok = params_ok && ok;
                        FreePool(name16);
                        continue;
                }
                if (t && m->kind == UK_MEASURE_NAME)
                        ok = measure(t, m->pcr, m->name, uk_strlen(m->name) + 1, name16);
                else if (t && m->kind == UK_MEASURE_SECTION) {
                        const struct uk_pcr11_item it = { .offset = m->offset, .length = m->length,
                                                          .zero_fill = m->zero_fill };
                        ok = measure_section(t, uki, size, &it, name16);
                        sections++;
                }
                FreePool(name16);
                sections_ok = sections_ok && ok;
        }
        if (p->kernel.source != UK_PIECE_UKI)
                return touched;     /* a `linux` entry: systemd-boot's PCR 12 measurement only, no stub variables */
        if (t && sections > 0)
                log_info(L"tpm: measured %d sections into PCR 11 (as systemd-stub %a)", sections,
                         p->stub_gen_252 ? "252" : "253+");
        if (t && params > 0 && params_ok)
                log_info(L"tpm: measured the command line into PCR 12");
        if (archives > 0)
                log_info(L"tpm: measured %d credential / extension archives (PCR 12, 13)", archives);

        /* The variables exactly as stub 252 leaves them (seen on OVMF with and without a TPM): the kernel
         * image PCR only if every section measurement succeeded; the parameters PCR unless a command line
         * from outside could not be measured, because its (absent) credential archives count as measured;
         * the sysext PCR always, for the same reason. */
        if (sections_ok && sections > 0)
                vars_set_str(L"StubPcrKernelImage", "11");
        if (params_ok)
                vars_set_str(L"StubPcrKernelParameters", "12");
        vars_set_str(L"StubPcrInitRDSysExts", "13");
        /* v258 names the configuration extensions' PCR once one of their archives was measured. */
        if (confexts > 0)
                vars_set_str(L"StubPcrInitRDConfExts", "12");
        return touched;
}
