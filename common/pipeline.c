/* ukiboot — the entry-to-plan pipeline both twins call: every decision between "here is an ESP" and "here
 * is the plan" is made here, once; the twins only read bytes and start what the result names. */
#include "pipeline.h"
#include "cmdline.h"
#include "pem.h"
#include "secureboot.h"
#include "sha256.h"
#include "text.h"
#include "util.h"

/* ---- the menu ----------------------------------------------------------------------------------- */

/* Append the sentence a+b+c+d to a list of notes (dropped once the list is full). */
static void add_note(char (*notes)[UK_NOTE_MAX], unsigned *n, unsigned cap, const char *a, const char *b,
                     const char *c, const char *d) {
        struct uk_text t;
        if (*n >= cap)
                return;
        uk_text_init(&t, notes[(*n)++], UK_NOTE_MAX);
        uk_text_add(&t, a);
        uk_text_add(&t, b);
        uk_text_add(&t, c);
        uk_text_add(&t, d);
}

static void menu_note(struct uk_bootmenu *m, const char *a, const char *b, const char *c) {
        add_note(m->notes, &m->n_notes, UK_BOOTMENU_NOTES, a, b, c, "");
}

static void conf_defaults(struct uk_loader_conf *c) {
        /* The same defaults uk_loader_conf_parse starts from. */
        (void) uk_loader_conf_parse(NULL, 0, c);
}

/* loader.conf up to UK_LOADER_CONF_MAX bytes; anything wrong with it means the defaults, said once. */
static void read_loader_conf(const struct uk_fs_ops *fs, struct uk_bootmenu *m) {
        size_t len = 0;
        uk_err r = fs->read_file(fs->ctx, UK_LOADER_CONF_PATH, m->text, sizeof(m->text), &len);

        conf_defaults(&m->conf);
        if (r == UK_E_NOT_FOUND)
                return;
        if (r == UK_E_IO) {
                struct uk_text t;
                uk_text_init(&t, m->io_error, sizeof(m->io_error));
                uk_text_add(&t, UK_LOADER_CONF_PATH ": ");
                uk_text_add(&t, uk_strerror(r));
                return;
        }
        if (r == UK_OK && len > sizeof(m->text))
                r = UK_E_INVALID_ARG;
        if (r == UK_OK)
                r = uk_loader_conf_parse(m->text, len, &m->conf);
        if (r == UK_OK) {
                m->have_conf = true;
                return;
        }
        /* uk_loader_conf_parse writes nothing on failure: m->conf still holds the defaults. */
        menu_note(m, UK_LOADER_CONF_PATH ": ", r == UK_E_BUFFER_TOO_SMALL ? "larger than 16 KiB" : uk_strerror(r),
                  "; using the defaults");
}

uk_err uk_bootmenu_load(const struct uk_fs_ops *fs, const char *one_shot, const char *efi_default,
                        const char *last_booted, struct uk_bootmenu *ret) {
        return uk_bootmenu_load_facts(fs, NULL, one_shot, efi_default, last_booted, ret);
}

uk_err uk_bootmenu_load_facts(const struct uk_fs_ops *fs, const struct uk_menu_facts *facts, const char *one_shot,
                              const char *efi_default, const char *last_booted, struct uk_bootmenu *ret) {
        struct uk_text t;
        char num[24];
        uk_err r;

        if (!fs || !fs->read_file || !ret)
                return UK_E_INVALID_ARG;
        ret->have_conf = false;
        ret->n_notes = 0;
        ret->def = -1;
        ret->found = (struct uk_discovery) {};
        ret->io_error[0] = 0;
        read_loader_conf(fs, ret);

        r = uk_entries_discover(fs, ret->entries, UK_ENTRIES_MAX, &ret->found);
        if (r)
                return r;
        if (ret->found.io_errors > 0 && !ret->io_error[0]) {
                uk_text_init(&t, ret->io_error, sizeof(ret->io_error));
                uk_text_add(&t, ret->found.io_path);
                uk_text_add(&t, ": ");
                uk_text_add(&t, uk_strerror(UK_E_IO));
        }
        if (ret->found.dropped > 0) {
                uk_text_init(&t, num, sizeof(num));
                uk_text_add_u64(&t, ret->found.dropped);
                menu_note(ret, "more than 128 boot entries: the last ", num, " in boot order are not offered");
        }
        ret->found.n = uk_entries_add_auto(fs, &ret->conf, facts, ret->entries, ret->found.n,
                                           UK_ELEMENTSOF(ret->entries));
        ret->def = uk_entries_default(ret->entries, ret->found.n, one_shot, efi_default, ret->conf.default_pattern,
                                      last_booted);
        return UK_OK;
}

/* ---- one entry to a plan ------------------------------------------------------------------------- */

/* What each entry kind opens, and how its bytes are treated: one row per kind. */
struct kind_row {
        enum uk_entry_kind kind;
        enum uk_image_where where;
        bool is_uki;            /* parse as a UKI (else: a kernel file with initrd files) */
        bool has_extras;        /* credentials and sysexts next to it on the ESP */
};
static const struct kind_row kinds[] = {
        { UK_ENTRY_KIND_UKI,     UK_IMAGE_ESP, true,  true },
        { UK_ENTRY_KIND_UKI_URL, UK_IMAGE_URL, true,  false },
        { UK_ENTRY_KIND_LINUX,   UK_IMAGE_ESP, false, false },
        { UK_ENTRY_KIND_LINUX_URL, UK_IMAGE_URL, false, false },
        { UK_ENTRY_KIND_MULTIBOOT, UK_IMAGE_ESP, false, false },
        { UK_ENTRY_KIND_EFI,     UK_IMAGE_ESP, false, false },
};

static const struct kind_row *kind_row(enum uk_entry_kind kind) {
        for (size_t i = 0; i < UK_ELEMENTSOF(kinds); i++)
                if (kinds[i].kind == kind)
                        return &kinds[i];
        return NULL;
}

bool uk_entry_reads_esp(const struct uk_entry *e) {
        const struct kind_row *row = e ? kind_row(e->kind) : NULL;
        /* An `efi` program is the firmware's to load, but the pipeline still names it by ESP path; a kernel by
         * URL may still take initrd files or a device tree from the ESP. */
        if (row && e->kind == UK_ENTRY_KIND_LINUX_URL)
                return e->n_initrd > 0 || e->devicetree[0];
        return row && row->where == UK_IMAGE_ESP && e->kind != UK_ENTRY_KIND_EFI;
}

/* Record the refusal "<who>: <what><name><middle><why>" and return err. */
static uk_err refuse(struct uk_boot *b, const char *who, enum uk_refusal_stage stage, uk_err err,
                     const char *what, const char *name, const char *middle, const char *why) {
        struct uk_text t;
        b->refusal.stage = stage;
        b->refusal.err = err;
        uk_text_init(&t, b->refusal.text, sizeof(b->refusal.text));
        uk_text_add(&t, who);
        uk_text_add(&t, ": ");
        uk_text_add(&t, what);
        uk_text_add(&t, name);
        uk_text_add(&t, middle);
        uk_text_add(&t, why ? why : uk_strerror(err));
        return err;
}

static void boot_note(struct uk_boot *b, const char *who, const char *what, const char *why) {
        add_note(b->notes, &b->n_notes, UK_BOOT_NOTES, who, ": ", what, why);
}

static bool has_text(const char *s) {
        for (; s && *s; s++)
                if ((uint8_t) *s > 0x20 && *s != 0x7f)
                        return true;
        return false;
}

const struct uk_pin *uk_boot_pin(const struct uk_boot_request *req) {
        static const struct uk_pin none = { .state = UK_PIN_NONE };
        if (!req)
                return &none;
        return req->entry ? &req->entry->pin : &req->pin;
}

/* A URL is fetched only when it is one, and of a scheme this twin can download: said before any traffic, in
 * one sentence both twins share. */
static uk_err check_url(const struct uk_boot_request *req, const char *who, const char *url, struct uk_boot *b) {
        static const struct {
                const char *scheme;
                unsigned bit;
        } schemes[] = { { "http", UK_FETCH_HTTP }, { "https", UK_FETCH_HTTPS }, { "tftp", UK_FETCH_TFTP } };
        struct uk_url *u = &b->url;
        char why[96];
        struct uk_text t;
        bool any = false;

        uk_err r = uk_url_parse(url, u);
        if (r)
                return refuse(b, who, UK_REFUSE_CONTENT, r, "", url, ": ", NULL);
        for (size_t i = 0; i < UK_ELEMENTSOF(schemes); i++)
                if (uk_strcmp(u->scheme, schemes[i].scheme) == 0 && (req->fetch_schemes & schemes[i].bit)) {
                        /* https without a CA would be a download from whoever answers: never made. */
                        if (schemes[i].bit == UK_FETCH_HTTPS && !req->https_has_ca)
                                return refuse(b, who, UK_REFUSE_KIND, UK_E_UNSUPPORTED, "", url, ": ",
                                              "no CA certificates to check the server with (put them in "
                                              UK_HTTPS_CA_PATH " on the ESP)");
                        return UK_OK;
                }
        uk_text_init(&t, why, sizeof(why));
        uk_text_add(&t, "this ukiboot cannot fetch ");
        uk_text_add(&t, u->scheme);
        uk_text_add(&t, " URLs (");
        for (size_t i = 0; i < UK_ELEMENTSOF(schemes); i++)
                if (req->fetch_schemes & schemes[i].bit) {
                        uk_text_add(&t, any ? ", " : "it fetches ");
                        uk_text_add(&t, schemes[i].scheme);
                        any = true;
                }
        uk_text_add(&t, any ? ")" : "it was built without a downloader)");
        return refuse(b, who, UK_REFUSE_KIND, UK_E_UNSUPPORTED, "", url, ": ", why);
}

/* A pinned file is used only if all of its bytes are the pinned ones: hashed whole before Secure Boot,
 * parsing or anything else looks at them, so a server or a disk cannot hand over other bytes. what: "" for
 * the image, "initrd " for an initrd. */
static uk_err check_pin_of(const struct uk_pin *pin, const struct uk_source *src, const char *who, const char *what,
                           const char *name, struct uk_boot *b) {
        struct uk_sha256 c;
        uint8_t got[32];
        char got_hex[65], want_hex[65], why[160];
        struct uk_text t;

        if (pin->state != UK_PIN_SHA256)
                return UK_OK;
        uk_sha256_init(&c);
        uk_err r = uk_source_sha256(&c, src, 0, src->size, b->hash_scratch, sizeof(b->hash_scratch));
        if (r)
                return refuse(b, who, UK_REFUSE_READ, r, what[0] ? "cannot read initrd " : "cannot read ", name, ": ",
                              NULL);
        uk_sha256_final(&c, got);
        if (uk_memcmp(got, pin->sha256, 32) == 0)
                return UK_OK;
        uk_sha256_hex(got, got_hex);
        uk_sha256_hex(pin->sha256, want_hex);
        uk_text_init(&t, why, sizeof(why));
        uk_text_add(&t, "SHA-256 ");
        uk_text_add(&t, got_hex);
        uk_text_add(&t, ", pinned ");
        uk_text_add(&t, want_hex);
        return refuse(b, who, UK_REFUSE_VERIFY, UK_E_PIN_MISMATCH, what, name, " does not match its pin: ", why);
}

static uk_err check_pin(const struct uk_boot_request *req, const char *who, const char *name, struct uk_boot *b) {
        return check_pin_of(uk_boot_pin(req), &b->src, who, "", name, b);
}

/* ---- a kernel by URL ---------------------------------------------------------------------------- */

/* The SHA-256 of a `linux-url` kernel (its pin's, when it matched one): the plan names it by content. */
static uk_err kernel_digest(const struct uk_boot_request *req, const char *who, const char *name, struct uk_boot *b,
                            uint8_t ret[32]) {
        const struct uk_pin *pin = uk_boot_pin(req);
        struct uk_sha256 c;
        if (pin->state == UK_PIN_SHA256) {     /* check_pin has just proven the bytes hash to it */
                uk_memcpy(ret, pin->sha256, 32);
                return UK_OK;
        }
        uk_sha256_init(&c);
        uk_err r = uk_source_sha256(&c, &b->src, 0, b->src.size, b->hash_scratch, sizeof(b->hash_scratch));
        if (r)
                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", name, ": ", NULL);
        uk_sha256_final(&c, ret);
        return UK_OK;
}

/* Where a `linux-url` entry's initrd comes from: an entry's `initrd-url` is a URL; what the Linux twin was
 * given directly is a URL when it looks like one, else a file of the running system. */
static enum uk_image_where held_where(const struct uk_boot_request *req, const char *name) {
        return req->entry || uk_url_has_scheme(name) ? UK_IMAGE_URL : UK_IMAGE_FILE;
}

/* The `linux-url` entry a kernel given directly (--kernel, --initrd) is planned as. */
static uk_err direct_kernel_entry(const struct uk_boot_request *req, const char *who, struct uk_boot *b) {
        struct uk_entry *d = &b->direct;

        uk_memset(d, 0, sizeof(*d));
        d->type = UK_ENTRY_AUTO;
        d->kind = UK_ENTRY_KIND_LINUX_URL;
        d->tries_left = d->tries_done = UK_TRIES_UNSET;
        if (req->n_initrds > 0 && !req->initrds)
                return UK_E_INVALID_ARG;
        if (req->n_initrds > UK_ENTRY_MAX_INITRDS)
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_TOO_MANY, "", "", "", "more than 8 initrds");
        if (uk_strlcpy_checked(d->url, UK_PATH_MAX, req->image) != 0)
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                              "a kernel's URL or path is longer than 255 bytes");
        for (unsigned i = 0; i < req->n_initrds; i++)
                if (!req->initrds[i] || !req->initrds[i][0] ||
                    uk_strlcpy_checked(d->initrd_url[i], UK_PATH_MAX, req->initrds[i]) != 0)
                        return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                                      "an initrd's URL or path is empty or longer than 255 bytes");
        d->n_initrd_url = req->n_initrds;
        return UK_OK;
}

/* Every initrd pin and URL of a `linux-url` entry is judged before anything is fetched. */
static uk_err check_initrd_urls(const struct uk_boot_request *req, const struct uk_entry *e, const char *who,
                                struct uk_boot *b) {
        uk_err r;
        if (e->n_initrd_pin > 0 && e->n_initrd_pin != e->n_initrd_url)
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                              "initrd-sha256 lines must pin every initrd-url, one each, in order: the entry is "
                              "not booted partly pinned");
        for (unsigned i = 0; i < e->n_initrd_pin; i++)
                if (e->initrd_pin[i].state == UK_PIN_MALFORMED)
                        return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                                      "initrd-sha256 is not one SHA-256 (64 hex digits): the entry is not booted "
                                      "unpinned");
        for (unsigned i = 0; i < e->n_initrd_url; i++)
                if (held_where(req, e->initrd_url[i]) == UK_IMAGE_URL &&
                    (r = check_url(req, who, e->initrd_url[i], b)))
                        return r;
        return UK_OK;
}

/* Read each `initrd-url` whole into memory the twin holds, checked against its pin; the plan serves them
 * from there. On failure the caller releases what was held. */
static uk_err read_initrd_urls(const struct uk_boot_io *io, const struct uk_boot_request *req,
                               const struct uk_entry *e, const char *who, struct uk_boot *b) {
        for (unsigned i = 0; i < e->n_initrd_url; i++) {
                const char *name = e->initrd_url[i];
                struct uk_source src, mem;
                uint8_t *buf = NULL;
                uk_err r = io->open_image(io->ctx, held_where(req, name), name, &src);
                if (r)
                        return refuse(b, who, UK_REFUSE_READ, r, "cannot read initrd ", name, ": ", NULL);
                uint64_t size = src.size;
                if (size > 0 && size <= SIZE_MAX && io->hold)
                        buf = io->hold(io->ctx, (size_t) size);
                r = buf ? uk_source_read(&src, 0, buf, (size_t) size) : UK_OK;
                io->close_image(io->ctx, &src);
                if (r)
                        return refuse(b, who, UK_REFUSE_READ, r, "cannot read initrd ", name, ": ", NULL);
                if (!buf && size == 0)
                        return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "initrd ", name, ": ", "empty");
                if (!buf)
                        return refuse(b, who, UK_REFUSE_READ, UK_E_TOO_MANY, "initrd ", name, ": ", "no memory to hold it");
                uk_source_from_memory(&mem, buf, (size_t) size);
                if (i < e->n_initrd_pin && (r = check_pin_of(&e->initrd_pin[i], &mem, who, "initrd ", name, b)))
                        return r;
                b->held_initrds[i] = (struct uk_held_file) { .name = name, .bytes = buf, .length = size };
        }
        return UK_OK;
}

/* SBAT under Secure Boot, after the signature: a validly signed UKI whose generation the machine's
 * SbatLevel revokes is refused, as shim refuses it (one rule, so both twins refuse the same images). */
static uk_err check_sbat(const struct uk_boot_request *req, const char *who, const char *name, struct uk_boot *b) {
        struct uk_sbat_revoked rev;
        char why[UK_SBAT_NAME_MAX + 96];
        struct uk_text t;
        uk_err r;

        if (!req->machine.secure_boot || !req->machine.sbat_level || req->machine.sbat_level_len == 0)
                return UK_OK;
        int i = uk_pe_find(&b->uki.pe, ".sbat");
        if (i < 0)
                return UK_OK;
        const struct uk_pe_section *s = &b->uki.pe.sections[i];
        if (s->size > sizeof(b->sbat))
                return refuse(b, who, UK_REFUSE_VERIFY, UK_E_SYNTAX, "", name,
                              " refused under Secure Boot: its .sbat section is too large to check", "");
        r = uk_source_read(&b->src, s->raw_offset, b->sbat, (size_t) s->size);
        if (r)
                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", name, ": ", NULL);
        r = uk_sbat_check(b->sbat, (size_t) s->size, req->machine.sbat_level, req->machine.sbat_level_len, &rev);
        if (r == UK_OK)
                return UK_OK;
        if (r != UK_E_SBAT_REVOKED)
                return refuse(b, who, UK_REFUSE_VERIFY, r, "", name,
                              " refused under Secure Boot: its .sbat section cannot be read", "");
        uk_text_init(&t, why, sizeof(why));
        uk_text_add(&t, uk_strerror(r));
        uk_text_add(&t, " (");
        uk_text_add(&t, rev.component);
        uk_text_add(&t, " generation ");
        uk_text_add_u64(&t, rev.generation);
        uk_text_add(&t, ", SbatLevel requires ");
        uk_text_add_u64(&t, rev.minimum);
        uk_text_add(&t, ")");
        return refuse(b, who, UK_REFUSE_VERIFY, r, "", name, " refused under Secure Boot: ", why);
}

/* `efi` entries: the program is the firmware's to load; we only settle its load options. */
static uk_err prepare_efi(const struct uk_boot_request *req, const char *who, struct uk_boot *b) {
        const struct uk_entry *e = req->entry;
        struct uk_text t;
        uk_err r;

        r = uk_cmdline_efi_options(e->options, e->has_options, has_text(req->append) ? req->append : NULL,
                                   b->efi_options, sizeof(b->efi_options), &b->efi_options_len);
        if (r)
                return refuse(b, who, UK_REFUSE_POLICY, r, "options and editor text: ", "", "", NULL);
        /* What is started, said the same way by both twins (the Linux twin as its refusal). */
        uk_text_init(&t, b->efi_what, sizeof(b->efi_what));
        uk_text_add(&t, "chain-loads the EFI program ");
        uk_text_add(&t, e->efi_path);
        if (b->efi_options_len > 0) {
                uk_text_add(&t, " with load options \"");
                uk_text_add(&t, b->efi_options);
                uk_text_add(&t, "\"");
        } else
                uk_text_add(&t, " without load options");
        if (!req->can_chain_load)
                return refuse(b, who, UK_REFUSE_KIND, UK_E_BAD_ENTRY, b->efi_what, "", "", ", which a kexec cannot start");
        return UK_OK;
}

/* The automatic entries that are a firmware action: the EFI twin carries them out, a kexec cannot. */
static uk_err prepare_action(const struct uk_boot_request *req, const char *who, struct uk_boot *b) {
        const struct uk_entry *e = req->entry;
        static const struct { enum uk_entry_kind kind; const char *what; } actions[] = {
                { UK_ENTRY_KIND_FIRMWARE_SETUP, "reboots into the firmware's setup" },
                { UK_ENTRY_KIND_REBOOT, "reboots the machine" },
                { UK_ENTRY_KIND_POWEROFF, "powers the machine off" },
                { UK_ENTRY_KIND_URL_PROMPT, "asks a person for a URL to boot" },
        };
        struct uk_text t;
        b->kind = e->kind;
        uk_text_init(&t, b->efi_what, sizeof(b->efi_what));
        for (size_t i = 0; i < UK_ELEMENTSOF(actions); i++)
                if (actions[i].kind == e->kind)
                        uk_text_add(&t, actions[i].what);
        /* The prompt is the menu's: what gets booted is the URL a person typed, never the entry itself. */
        if (e->kind == UK_ENTRY_KIND_URL_PROMPT)
                return refuse(b, who, UK_REFUSE_KIND, UK_E_BAD_ENTRY, b->efi_what, "", "",
                              ": choose it in the menu, or give the URL itself (ukiboot kexec URL)");
        if (!req->can_chain_load)
                return refuse(b, who, UK_REFUSE_KIND, UK_E_BAD_ENTRY, b->efi_what, "", "", ", which a kexec cannot do");
        return UK_OK;
}

/* Sizes of a `linux` entry's initrd files: the plan lays them out before anything is read. */
/* The size of a file an entry names on its own partition; one that cannot be opened refuses the entry
 * ("cannot read <what><path>: ..."). */
static uk_err entry_file_size(const struct uk_boot_io *io, const struct uk_entry *e, const char *who, const char *what,
                              const char *path, uint64_t *ret, struct uk_boot *b) {
        const struct uk_fs_ops *fs = uk_entry_fs(io->fs, e);
        struct uk_source s;
        uk_err r = fs && fs->open_source ? fs->open_source(fs->ctx, path, &s) : UK_E_NOT_FOUND;
        if (r)
                return refuse(b, who, UK_REFUSE_READ, r, what, path, ": ", NULL);
        *ret = s.size;
        fs->close_source(fs->ctx, &s);
        return UK_OK;
}

static uk_err initrd_sizes(const struct uk_boot_io *io, const struct uk_entry *e, const char *who,
                           uint64_t sizes[UK_ENTRY_MAX_INITRDS], struct uk_boot *b) {
        for (unsigned i = 0; i < e->n_initrd && i < UK_ENTRY_MAX_INITRDS; i++) {
                uk_err r = entry_file_size(io, e, who, "cannot read initrd ", e->initrd[i], &sizes[i], b);
                if (r)
                        return r;
        }
        return UK_OK;
}

/* The entry's `devicetree` file: systemd-boot fails the boot when it cannot load it, so an unreadable one
 * refuses the entry. */
static uk_err devicetree_size(const struct uk_boot_io *io, const struct uk_entry *e, const char *who, uint64_t *ret,
                              struct uk_boot *b) {
        if (!e || !e->devicetree[0])
                return UK_OK;
        return entry_file_size(io, e, who, "cannot read devicetree ", e->devicetree, ret, b);
}

/* Credentials and system extensions: as systemd-stub, a failure to pick them up costs only them. The plan
 * then boots without any of them, and a note (printed by both twins) says so. */
/* The entry's credentials and sysexts into *ret (NULL: none). Too many: boot without them, with a note. An
 * I/O error refuses the entry (a READ refusal naming the directory or file): booting without files the ESP
 * has would silently change the initrd. */
static uk_err scan_extras(const struct uk_boot_io *io, const struct uk_entry *e, const char *who, struct uk_boot *b,
                          const struct uk_extras **ret) {
        const struct uk_fs_ops *fs = uk_entry_fs(io->fs, e);
        uk_err r;
        *ret = NULL;
        if (!fs || !fs->list_dir)
                return UK_OK;
        /* From the UKI's own partition, the global directories too: systemd-stub reads them from the
         * device it was loaded from. */
        r = uk_extras_scan(fs, e->uki_path, &b->extras);
        if (r == UK_OK) {
                *ret = b->extras.n > 0 ? &b->extras : NULL;
                return UK_OK;
        }
        if (r == UK_E_IO)
                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", b->extras.io_path, ": ", NULL);
        boot_note(b, who, "credentials and system extensions not picked up: ",
                  r == UK_E_TOO_MANY ? "more than 24 files" : uk_strerror(r));
        return UK_OK;
}

/* Read one addon whole into memory the twin holds (the checked bytes are the ones used, and its pieces point
 * into them): an empty or too large addon, or no memory, is a skip (*ret_buf NULL, *ret_len 0). */
static uk_err read_addon(const struct uk_boot_io *io, const struct uk_fs_ops *fs, const char *path,
                         uint8_t **ret_buf, size_t *ret_len) {
        struct uk_source src;
        uk_err r = fs->open_source(fs->ctx, path, &src);
        *ret_buf = NULL;
        *ret_len = 0;
        if (r)
                return r;
        uint8_t *buf = src.size > 0 && src.size <= UK_ADDON_SIZE_MAX ? io->hold(io->ctx, (size_t) src.size) : NULL;
        if (buf) {
                r = uk_source_read(&src, 0, buf, (size_t) src.size);
                if (!r) {
                        *ret_buf = buf;
                        *ret_len = (size_t) src.size;
                }
        }
        fs->close_source(fs->ctx, &src);
        return r;
}

/* An addon's section as a piece of the initrd (its bytes stay in held memory). */
static uk_err take_addon_piece(struct uk_boot *b, const char *who, const struct uk_addon_file *f, const uint8_t *buf,
                               size_t len, const struct uk_span *sec, enum uk_addon_part part) {
        static const char *const why[] = {
                [UK_ADDON_UCODE] = "'s .ucode not applied: out of bounds, or more than 16 addon pieces",
                [UK_ADDON_INITRD] = "'s .initrd not applied: out of bounds, or more than 16 addon pieces",
                [UK_ADDON_DEVICETREE] = "'s device tree not applied: out of bounds, or more than 16 addon pieces",
        };
        if (!uk_span_present(sec))
                return UK_OK;
        if (!uk_range_ok(sec->offset, sec->length, len) || b->n_addon_pieces >= UK_ADDON_PIECES_MAX) {
                boot_note(b, who, f->name, why[part]);
                return UK_OK;
        }
        b->addon_pieces[b->n_addon_pieces++] = (struct uk_addon_piece) {
                .part = part, .path = f->path, .bytes = buf + sec->offset, .length = sec->length,
                .zero_fill = sec->memory_size > sec->length ? sec->memory_size - sec->length : 0,
        };
        return UK_OK;
}

/* Whether the addon in src may be used, as systemd-stub judges it, in the order that makes both twins say the
 * same: one for another CPU first (no firmware verifies an image it cannot run, and the Linux twin's check
 * would), then Secure Boot's verdict over these very bytes, then what it carries. UK_OK: *ret_parts; else
 * why[cap] is the note's text after the addon's name. */
static uk_err judge_addon(const struct uk_boot_io *io, const struct uk_boot_request *req, enum uk_image_where where,
                          const struct uk_addon_file *f, const struct uk_source *src, uint16_t machine,
                          const char *uname, size_t uname_len, struct uk_boot *b, struct uk_addon_parts *ret_parts,
                          char *why, size_t cap) {
        char vwhy[UK_NOTE_MAX] = "";
        const char *reason = NULL;
        struct uk_text t;
        uk_err r;

        uk_text_init(&t, why, cap);
        uk_text_add(&t, " skipped: ");
        bool parsed = uk_pe_parse(src, &b->addon_pe) == UK_OK;
        if (parsed && machine != 0 && b->addon_pe.machine != machine)
                r = uk_addon_check(src, &b->addon_pe, machine, NULL, 0, ret_parts, &reason);
        else if (req->machine.secure_boot && io->verify_image &&
                 (r = io->verify_image(io->ctx, where, f->path, src, vwhy, sizeof(vwhy))) != UK_OK) {
                uk_text_add(&t, "refused under Secure Boot");
                if (vwhy[0]) {
                        uk_text_add(&t, ": ");
                        uk_text_add(&t, vwhy);
                }
                return r;
        } else if (!parsed) {
                uk_text_add(&t, "not a PE image");
                return UK_E_BAD_PE_SIGNATURE;
        } else
                r = uk_addon_check(src, &b->addon_pe, machine, uname, uname_len, ret_parts, &reason);
        if (r)
                uk_text_add(&t, reason ? reason : uk_strerror(r));
        return r;
}

/* The addons systemd-stub would apply, judged one by one (common/addon.c); each one skipped is said in a
 * note, as the stub logs it, and the boot goes on. Under Secure Boot each is checked like any image before
 * a byte of it is used. A directory or addon that cannot be read refuses the entry (its line would silently
 * lack words the ESP has). *ret: the combined command line, NULL without one. */
static uk_err apply_addons(const struct uk_boot_io *io, const struct uk_boot_request *req, const struct uk_entry *e,
                           const char *who, struct uk_boot *b, const char **ret) {
        const struct uk_fs_ops *fs = uk_entry_fs(io->fs, e);
        enum uk_image_where where = e->xbootldr ? UK_IMAGE_XBOOTLDR : UK_IMAGE_ESP;
        struct uk_span secs[_UK_SEC_MAX];
        char uname[256];
        size_t uname_len = 0, acc = 0;
        bool have_uname = false;
        uk_err r;

        *ret = NULL;
        b->addon_cmdline[0] = 0;
        b->n_addon_pieces = 0;
        if (!fs || !fs->list_dir || !fs->open_source || !fs->close_source || !io->hold)
                return UK_OK;
        r = uk_addons_scan(fs, e->uki_path, &b->addons);
        if (r == UK_E_IO)
                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", b->addons.io_path, ": ", NULL);
        if (r) {
                boot_note(b, who, "addons not picked up: ", r == UK_E_TOO_MANY ? "more than 16" : uk_strerror(r));
                return UK_OK;
        }
        /* The UKI's .uname, of the profile booted (the plan's rule: the request's, else the entry's, else 0). */
        unsigned profile = req->has_profile ? req->profile : e->has_profile ? e->profile : 0;
        if (b->addons.n > 0 && uk_uki_resolve(&b->uki, profile, secs) == UK_OK && uk_span_present(&secs[UK_SEC_UNAME])) {
                uname_len = secs[UK_SEC_UNAME].length < sizeof(uname) ? (size_t) secs[UK_SEC_UNAME].length : sizeof(uname);
                if ((r = uk_source_read(&b->src, secs[UK_SEC_UNAME].offset, uname, uname_len)))
                        return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", b->image_name, ": ", NULL);
                have_uname = true;
        }
        /* An addon runs inside the UKI's stub: it must be built for the UKI's CPU, also when this twin only
         * plans (machine 0), so that planning and booting take the same addons. */
        uint16_t addon_machine = req->machine.pe_machine ? req->machine.pe_machine : b->uki.pe.machine;
        for (unsigned i = 0; i < b->addons.n; i++) {
                const struct uk_addon_file *f = &b->addons.files[i];
                struct uk_source src;
                struct uk_addon_parts parts;
                char why[UK_NOTE_MAX];
                uint8_t *buf;
                size_t len;

                r = read_addon(io, fs, f->path, &buf, &len);
                if (r == UK_E_IO)
                        return refuse(b, who, UK_REFUSE_READ, r, "cannot read addon ", f->path, ": ", NULL);
                if (r)
                        continue;       /* gone since the listing, or not a regular file: as the stub, skipped */
                if (len == 0) {
                        boot_note(b, who, f->name, " skipped: empty, larger than 64 MiB, or no memory for it");
                        continue;
                }
                uk_source_from_memory(&src, buf, len);
                if (judge_addon(io, req, where, f, &src, addon_machine, have_uname ? uname : NULL, uname_len, b,
                                &parts, why, sizeof(why)) != UK_OK) {
                        boot_note(b, who, f->name, why);
                        continue;
                }
                if ((r = take_addon_piece(b, who, f, buf, len, &parts.devicetree, UK_ADDON_DEVICETREE)) ||
                    (r = take_addon_piece(b, who, f, buf, len, &parts.ucode, UK_ADDON_UCODE)) ||
                    (r = take_addon_piece(b, who, f, buf, len, &parts.initrd, UK_ADDON_INITRD)))
                        return r;
                /* The section as loaded: its file bytes, then zeros (which end the text anyway). */
                if (parts.cmdline.memory_size == 0 || !uk_range_ok(parts.cmdline.offset, parts.cmdline.length, len))
                        continue;
                r = uk_addon_cmdline_append(b->addon_cmdline, sizeof(b->addon_cmdline), &acc,
                                            (const char *) buf + parts.cmdline.offset, (size_t) parts.cmdline.length);
                if (r)
                        return refuse(b, who, UK_REFUSE_POLICY, r, "addon ", f->name, ": ", NULL);
        }
        *ret = acc > 0 ? b->addon_cmdline : NULL;
        return UK_OK;
}

uk_err uk_boot_prepare(const struct uk_boot_io *io, const struct uk_boot_request *req, struct uk_boot *b) {
        const struct uk_entry *e;
        const struct kind_row *row;
        const char *who, *name;
        uk_err r;

        if (!io || !req || !b || !io->open_image || !io->close_image || (!req->entry && !req->image))
                return UK_E_INVALID_ARG;
        e = req->entry;
        who = e ? e->id : req->image;
        b->have_plan = false;
        b->src_open = false;
        b->n_notes = 0;
        b->n_addon_pieces = 0;          /* only entries with extras pick addons up; the twin need not zero b */
        b->efi_options_len = 0;
        b->efi_options[0] = 0;
        b->refusal = (struct uk_refusal) {};
        /* A kernel given directly is planned as the `linux-url` entry it would be. */
        if (!e && req->image_is_kernel) {
                if ((r = direct_kernel_entry(req, who, b)))
                        return r;
                e = &b->direct;
        }

        /* 1. What the entry names, and whether this twin can start it. */
        if (uk_entry_is_action(e))
                return prepare_action(req, who, b);
        row = e ? kind_row(e->kind) : &kinds[0];
        if (!row)
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "", NULL);
        b->kind = e ? e->kind : UK_ENTRY_KIND_UKI;
        b->is_uki = row->is_uki;
        b->where = !req->entry ? req->image_where
                 : row->where == UK_IMAGE_ESP && e->xbootldr ? UK_IMAGE_XBOOTLDR : row->where;
        name = e ? uk_entry_target(e) : req->image;
        b->image_name = name;

        /* 2. The command-line policy: `editor no` forbids additions on both twins (menu editor, --append),
         * for every kind of entry. */
        bool deny_append = req->conf && !req->conf->editor;
        if (deny_append && has_text(req->append))
                return refuse(b, who, UK_REFUSE_POLICY, UK_E_CMDLINE_FORBIDDEN, "", "", "",
                              "the command line may not be changed: loader.conf says `editor no`");
        /* Lines that fetch or pin initrds are a `linux-url` entry's: elsewhere they would be dropped, and an
         * initrd the entry names, or a pin it carries, is never dropped silently. */
        if (b->kind != UK_ENTRY_KIND_LINUX_URL && e && (e->n_initrd_url > 0 || e->n_initrd_pin > 0))
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                              "initrd-url and initrd-sha256 lines belong to linux-url entries: the entry is not booted "
                              "without them");
        if (b->kind == UK_ENTRY_KIND_EFI)
                return prepare_efi(req, who, b);
        /* A Multiboot kernel is no signed EFI image: under Secure Boot nothing could vouch for it. */
        if (b->kind == UK_ENTRY_KIND_MULTIBOOT && !req->can_multiboot)
                return refuse(b, who, UK_REFUSE_KIND, UK_E_UNSUPPORTED, "", name, "",
                              " is a Multiboot kernel, which this ukiboot cannot start (Multiboot kernels start on "
                              "x86-64 only)");
        if (b->kind == UK_ENTRY_KIND_MULTIBOOT && req->machine.secure_boot)
                return refuse(b, who, UK_REFUSE_VERIFY, UK_E_SECURITY, "", name, "",
                              " is a Multiboot kernel, which nothing verifies: not booted under Secure Boot");
        struct uk_plan_in in = {
                .src = &b->src,
                .entry = e,
                .has_profile = req->has_profile,
                .profile = req->profile,
                .append = has_text(req->append) ? req->append : NULL,
                .machine = req->machine,
                .policy = { .deny_append = deny_append },
        };

        /* 3. A pin that cannot be read refuses the entry before anything is fetched; then the sizes of the
         * files a `linux` entry adds, then the image itself, checked against its pin. */
        if (uk_boot_pin(req)->state == UK_PIN_MALFORMED)
                return refuse(b, who, UK_REFUSE_CONTENT, UK_E_BAD_ENTRY, "", "", "",
                              b->kind == UK_ENTRY_KIND_LINUX_URL
                                      ? "linux-sha256 is not one SHA-256 (64 hex digits): the entry is not booted unpinned"
                                      : "uki-sha256 is not one SHA-256 (64 hex digits): the entry is not booted unpinned");
        if (b->where == UK_IMAGE_URL && (r = check_url(req, who, name, b)))
                return r;
        if (b->kind == UK_ENTRY_KIND_LINUX_URL && (r = check_initrd_urls(req, e, who, b)))
                return r;
        if ((!row->is_uki && (r = initrd_sizes(io, e, who, in.initrd_file_sizes, b))) ||
            (r = devicetree_size(io, e, who, &in.devicetree_file_size, b)))
                return r;
        if (b->kind == UK_ENTRY_KIND_LINUX_URL) {
                if ((r = read_initrd_urls(io, req, e, who, b))) {
                        uk_boot_release(io, b);
                        return r;
                }
                in.held_initrds = b->held_initrds;
                in.n_held_initrds = e->n_initrd_url;
        }
        r = io->open_image(io->ctx, b->where, name, &b->src);
        if (r) {
                uk_boot_release(io, b);         /* initrds held already */
                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", name, ": ", NULL);
        }
        b->src_open = true;
        r = check_pin(req, who, name, b);
        if (!r && b->kind == UK_ENTRY_KIND_LINUX_URL)
                r = kernel_digest(req, who, name, b, in.kernel_sha256);
        if (r) {
                uk_boot_release(io, b);
                return r;
        }
        in.has_kernel_sha256 = b->kind == UK_ENTRY_KIND_LINUX_URL;

        /* 4. Under Secure Boot nothing of a UKI is used before the firmware accepted all of it. */
        if (row->is_uki && req->machine.secure_boot && io->verify_image) {
                char why[UK_NOTE_MAX] = "";
                r = io->verify_image(io->ctx, b->where, name, &b->src, why, sizeof(why));
                if (r) {
                        uk_boot_release(io, b);
                        return refuse(b, who, UK_REFUSE_VERIFY, r, "", name, " refused under Secure Boot: ",
                                      why[0] ? why : NULL);
                }
        }

        /* 5. Parse, pick up extras, settle the command line, lay out the plan. */
        if (b->kind == UK_ENTRY_KIND_MULTIBOOT) {
                const char *why = NULL;
                r = uk_multiboot_parse(&b->src, &b->multiboot, &why);
                if (r) {
                        uk_boot_release(io, b);
                        return refuse(b, who, r == UK_E_IO ? UK_REFUSE_READ : UK_REFUSE_CONTENT, r, "", name,
                                      " is not a bootable Multiboot kernel: ", why);
                }
                in.multiboot = &b->multiboot;
                if (e->devicetree[0])
                        boot_note(b, who, "", "its devicetree is not passed: a Multiboot kernel takes none");
        }
        if (row->is_uki) {
                r = uk_uki_parse(&b->src, &b->uki);
                if (r) {
                        uk_boot_release(io, b);
                        /* Bytes that could not be read are not malformed ones. */
                        if (r == UK_E_IO)
                                return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", name, ": ", NULL);
                        return refuse(b, who, UK_REFUSE_CONTENT, r, "", name, " is not a bootable UKI: ", NULL);
                }
                in.uki = &b->uki;
                /* v258's firmware images for the kernel: not ours to load (both twins say so the same way). */
                if (uk_pe_find(&b->uki.pe, ".efifw") >= 0)
                        boot_note(b, who, "", "its .efifw firmware images are not loaded (ukiboot loads no firmware from a UKI)");
                r = check_sbat(req, who, name, b);
                if (r) {
                        uk_boot_release(io, b);
                        return r;
                }
                if (row->has_extras && e && ((r = scan_extras(io, e, who, b, &in.extras)) ||
                                             (r = apply_addons(io, req, e, who, b, &in.addon_cmdline)))) {
                        uk_boot_release(io, b);
                        return r;
                }
                in.addon_pieces = b->addon_pieces;
                in.n_addon_pieces = b->n_addon_pieces;
        }
        r = uk_plan_build(&in, &b->plan);
        /* A UKI whose .linux is a Multiboot kernel: only where this twin starts one. */
        if (r == UK_OK && b->plan.is_multiboot && !req->can_multiboot) {
                uk_boot_release(io, b);
                return refuse(b, who, UK_REFUSE_KIND, UK_E_UNSUPPORTED, "", name, "",
                              "'s .linux is a Multiboot kernel, which this ukiboot cannot start (Multiboot kernels "
                              "start on x86-64 only)");
        }
        if (r == UK_OK && !uk_range_ok(b->plan.kernel.offset, b->plan.kernel.length, b->src.size))
                r = UK_E_SECTION_OUT_OF_BOUNDS;
        if (r) {
                uk_boot_release(io, b);
                if (r == UK_E_IO)
                        return refuse(b, who, UK_REFUSE_READ, r, "cannot read ", name, ": ", NULL);
                return refuse(b, who, r == UK_E_CMDLINE_TOO_LONG || r == UK_E_CMDLINE_FORBIDDEN ? UK_REFUSE_POLICY
                                                                                             : UK_REFUSE_CONTENT,
                              r, "no boot plan: ", "", "", NULL);
        }
        /* The splash is the firmware's screen before the kernel starts: a kexec has none. */
        if (b->plan.splash.length > 0 && !req->can_chain_load)
                boot_note(b, who, "", "its .splash is not shown: a kexec has no screen of its own before the kernel");
        if (b->plan.devicetree.source != UK_DT_NONE && !req->can_pass_devicetree)
                boot_note(b, who, "", "its device tree is not passed: this kexec path hands the kernel none");
        if (b->plan.cmdline_notes & UK_CMDLINE_NOTE_ADDONS_TOO_LONG)
                boot_note(b, who, "", "the addons' command line is left out: it would not fit the kernel's limit");
        if (b->plan.cmdline_notes & UK_CMDLINE_NOTE_SMBIOS_TOO_LONG)
                boot_note(b, who, "", "the SMBIOS command-line extra is left out: it would not fit the kernel's limit");
        b->have_plan = true;
        return UK_OK;
}

void uk_boot_release(const struct uk_boot_io *io, struct uk_boot *b) {
        if (!io || !b)
                return;
        /* The plan's addon pieces point into the held memory: it goes with the image. */
        b->n_addon_pieces = 0;
        if (io->release_held)
                io->release_held(io->ctx);
        if (!b->src_open)
                return;
        io->close_image(io->ctx, &b->src);
        b->src_open = false;
}

bool uk_boot_editor_locked(const struct uk_fs_ops *esp, const struct uk_entry *e, bool secure_boot) {
        const struct uk_fs_ops *fs = uk_entry_fs(esp, e);
        struct uk_source src;
        struct uk_uki uki;
        bool locked = false;

        if (!secure_boot || !fs || !e || e->kind != UK_ENTRY_KIND_UKI || !fs->open_source)
                return false;
        if (fs->open_source(fs->ctx, e->uki_path, &src) != UK_OK)
                return false;
        /* The profile rule is the plan's: the entry's `profile`, else 0. */
        if (uk_uki_parse(&src, &uki) != UK_OK ||
            uk_uki_cmdline_locked(&uki, e->has_profile ? e->profile : 0, true, &locked) != UK_OK)
                locked = false;
        fs->close_source(fs->ctx, &src);
        return locked;
}

/* ---- the failure policy -------------------------------------------------------------------------- */

enum uk_next uk_failure_next(const struct uk_attempt *a) {
        /* A person's choice is not silently replaced by another entry: they see why and choose again.
         * An automatic boot goes on down the list, as boot counting would; once every entry failed, the
         * firmware gets its turn (its next Boot#### option), or the machine reboots if so configured. */
        if (a->measured)
                return a->reboot_on_error ? UK_NEXT_REBOOT : UK_NEXT_FIRMWARE;
        if (a->chosen)
                return UK_NEXT_MENU;
        /* An entry whose bytes could not be read may be perfectly good: a running system does not swap in
         * another entry for it (the next boot would not be the one asked for); firmware must boot
         * something, so the EFI twin goes on as for any refusal, the error on the console. */
        if (a->read_failed && a->running_system)
                return UK_NEXT_STOP;
        if (a->tried < a->n)
                return UK_NEXT_ENTRY;
        return a->reboot_on_error ? UK_NEXT_REBOOT : UK_NEXT_FIRMWARE;
}

size_t uk_failure_order(size_t first, size_t k, size_t n) {
        return n == 0 ? 0 : (first % n + k % n) % n;
}

const char *uk_next_text(enum uk_next next) {
        switch (next) {
        case UK_NEXT_ENTRY:    return "trying the next entry";
        case UK_NEXT_MENU:     return "back to the menu";
        case UK_NEXT_FIRMWARE: return "not booting another entry; returning to the firmware";
        case UK_NEXT_REBOOT:   return "not booting another entry; rebooting (reboot-on-error)";
        case UK_NEXT_STOP:     return "not booting another entry in its place";
        }
        return "";
}
