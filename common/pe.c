/* ukiboot — PE/COFF parser over a read-at source: headers and section table only, every offset checked. */
#include "pe.h"
#include "util.h"

/* Layout facts from the Microsoft PE/COFF specification. */
#define DOS_HEADER_SIZE         0x40u
#define DOS_LFANEW_OFFSET       0x3cu
#define PE_SIGNATURE_SIZE       4u
#define COFF_HEADER_SIZE        20u
#define SECTION_HEADER_SIZE     40u
#define OPT_MAGIC_PE32          0x10bu
#define OPT_MAGIC_PE32PLUS      0x20bu
/* Standard + Windows-specific fields, without the data directories. */
#define OPT_FIXED_SIZE_PE32     96u
#define OPT_FIXED_SIZE_PE32PLUS 112u
#define OPT_READ_MAX            OPT_FIXED_SIZE_PE32PLUS
#define OPT_CHECKSUM_OFFSET     64u
#define DATA_DIR_SIZE           8u
#define DATA_DIR_SECURITY       4u      /* IMAGE_DIRECTORY_ENTRY_SECURITY: the attribute certificate table */

static bool machine_supported(uint16_t machine) {
        switch (machine) {
        case UK_PE_MACHINE_X64:
        case UK_PE_MACHINE_I386:
        case UK_PE_MACHINE_ARM64:
        case UK_PE_MACHINE_RISCV64:
        case UK_PE_MACHINE_LOONG64:
                return true;
        default:
                return false;
        }
}

const char *uk_pe_machine_name(uint16_t machine) {
        switch (machine) {
        case UK_PE_MACHINE_X64:
                return "x86-64";
        case UK_PE_MACHINE_I386:
                return "x86";
        case UK_PE_MACHINE_ARM64:
                return "arm64";
        case UK_PE_MACHINE_RISCV64:
                return "riscv64";
        case UK_PE_MACHINE_LOONG64:
                return "loongarch64";
        default:
                return "unknown";
        }
}

static uk_err parse_optional_header(const uint8_t *opt, uint16_t opt_size, struct uk_pe *pe) {
        uint16_t magic = uk_le16(opt);
        uint32_t fixed, n_dirs;

        if (magic == OPT_MAGIC_PE32)
                fixed = OPT_FIXED_SIZE_PE32;
        else if (magic == OPT_MAGIC_PE32PLUS)
                fixed = OPT_FIXED_SIZE_PE32PLUS;
        else
                return UK_E_BAD_OPTIONAL_HEADER;
        if (opt_size < fixed)
                return UK_E_BAD_OPTIONAL_HEADER;

        /* The data directories announced by NumberOfRvaAndSizes must fit in SizeOfOptionalHeader. */
        n_dirs = uk_le32(opt + fixed - 4);
        if ((uint64_t) n_dirs * 8u > (uint64_t) opt_size - fixed)
                return UK_E_BAD_OPTIONAL_HEADER;

        pe->pe32plus = magic == OPT_MAGIC_PE32PLUS;
        pe->entry_point = uk_le32(opt + 16);
        pe->image_base = pe->pe32plus ? uk_le64(opt + 24) : uk_le32(opt + 28);
        pe->section_alignment = uk_le32(opt + 32);
        pe->file_alignment = uk_le32(opt + 36);
        pe->major_image_version = uk_le16(opt + 44);
        pe->minor_image_version = uk_le16(opt + 46);
        pe->size_of_image = uk_le32(opt + 56);
        pe->size_of_headers = uk_le32(opt + 60);
        pe->subsystem = uk_le16(opt + 68);
        return UK_OK;
}

/* Where CheckSum and the certificate table's directory entry sit (the bytes an Authenticode digest skips),
 * and where the table itself is. The table is not checked here: a bad one matters only to a signature
 * check (common/authenticode.c refuses it), and without Secure Boot the firmware ignores it too. */
static uk_err parse_cert_dir(const struct uk_source *src, uint64_t opt_offset, const uint8_t *opt, struct uk_pe *pe) {
        uint32_t fixed = pe->pe32plus ? OPT_FIXED_SIZE_PE32PLUS : OPT_FIXED_SIZE_PE32;
        uint32_t n_dirs = uk_le32(opt + fixed - 4);
        uint8_t dir[DATA_DIR_SIZE];
        uk_err r;

        pe->checksum_offset = opt_offset + OPT_CHECKSUM_OFFSET;
        if (n_dirs <= DATA_DIR_SECURITY)
                return UK_OK;
        pe->cert_dir_offset = opt_offset + fixed + DATA_DIR_SECURITY * DATA_DIR_SIZE;
        r = uk_source_read(src, pe->cert_dir_offset, dir, sizeof(dir));
        if (r)
                return r;
        pe->cert_table_offset = uk_le32(dir);
        pe->cert_table_size = uk_le32(dir + 4);
        if (pe->cert_table_size == 0)
                pe->cert_table_offset = 0;
        return UK_OK;
}

static void parse_section_header(const uint8_t *h, struct uk_pe_section *s) {
        uk_memcpy(s->name, h, 8);
        s->name[8] = 0;
        s->virtual_size = uk_le32(h + 8);
        s->virtual_address = uk_le32(h + 12);
        s->raw_size = uk_le32(h + 16);
        s->raw_offset = uk_le32(h + 20);
        s->characteristics = uk_le32(h + 36);
        /* VirtualSize smaller than SizeOfRawData means the tail is file-alignment padding; larger means
         * zero-filled memory that is not in the file. Either way only the minimum is real file data. */
        if (s->virtual_size == 0 || s->virtual_size > s->raw_size)
                s->size = s->raw_size;
        else
                s->size = s->virtual_size;
}

static bool sections_overlap(const struct uk_pe_section *a, const struct uk_pe_section *b) {
        /* Both ranges were checked against the file size, so the additions cannot overflow a uint64_t. */
        if (a->size == 0 || b->size == 0)
                return false;
        return (uint64_t) a->raw_offset < (uint64_t) b->raw_offset + b->size &&
               (uint64_t) b->raw_offset < (uint64_t) a->raw_offset + a->size;
}

static uk_err check_sections(const struct uk_pe *pe, uint64_t file_size) {
        /* A section without file data (pure .bss) has nothing to check, wherever its pointer says. */
        for (unsigned i = 0; i < pe->n_sections; i++)
                if (pe->sections[i].size > 0 &&
                    !uk_range_ok(pe->sections[i].raw_offset, pe->sections[i].size, file_size))
                        return UK_E_SECTION_OUT_OF_BOUNDS;

        /* n is at most UK_PE_MAX_SECTIONS, so the quadratic scan stays small and needs no sorting. */
        for (unsigned i = 0; i < pe->n_sections; i++)
                for (unsigned j = i + 1; j < pe->n_sections; j++)
                        if (sections_overlap(&pe->sections[i], &pe->sections[j]))
                                return UK_E_OVERLAPPING_SECTIONS;
        return UK_OK;
}

uk_err uk_pe_parse(const struct uk_source *src, struct uk_pe *ret_pe) {
        uint8_t dos[DOS_HEADER_SIZE], nt[PE_SIGNATURE_SIZE + COFF_HEADER_SIZE], opt[OPT_READ_MAX];
        uint8_t table[UK_PE_MAX_SECTIONS * SECTION_HEADER_SIZE];
        struct uk_pe pe = {};
        uint64_t opt_offset, table_offset, table_size;
        uint16_t opt_size;
        uk_err r;

        if (!src || !ret_pe)
                return UK_E_INVALID_ARG;

        /* DOS header: "MZ" and e_lfanew. A file too short for the magic is truncated, not foreign. */
        if (src->size < 2)
                return UK_E_TRUNCATED;
        r = uk_source_read(src, 0, dos, 2);
        if (r)
                return r;
        if (dos[0] != 'M' || dos[1] != 'Z')
                return UK_E_BAD_DOS_MAGIC;
        r = uk_source_read(src, 0, dos, sizeof(dos));
        if (r)
                return r;

        /* e_lfanew must point past the DOS header (else the headers alias) and leave room for "PE\0\0". */
        pe.pe_offset = uk_le32(dos + DOS_LFANEW_OFFSET);
        if (pe.pe_offset < DOS_HEADER_SIZE || !uk_range_ok(pe.pe_offset, PE_SIGNATURE_SIZE, src->size))
                return UK_E_BAD_LFANEW;
        r = uk_source_read(src, pe.pe_offset, nt, PE_SIGNATURE_SIZE);
        if (r)
                return r;
        if (nt[0] != 'P' || nt[1] != 'E' || nt[2] != 0 || nt[3] != 0)
                return UK_E_BAD_PE_SIGNATURE;

        /* COFF file header. */
        r = uk_source_read(src, pe.pe_offset, nt, sizeof(nt));
        if (r)
                return r;
        pe.machine = uk_le16(nt + 4);
        pe.n_sections = uk_le16(nt + 6);
        opt_size = uk_le16(nt + 20);
        if (!machine_supported(pe.machine))
                return UK_E_UNKNOWN_MACHINE;
        if (pe.n_sections > UK_PE_MAX_SECTIONS)
                return UK_E_TOO_MANY_SECTIONS;

        /* Optional header: the magic decides which fixed size applies. */
        opt_offset = (uint64_t) pe.pe_offset + sizeof(nt);
        if (opt_size < 2)
                return UK_E_BAD_OPTIONAL_HEADER;
        if (!uk_range_ok(opt_offset, opt_size, src->size))
                return UK_E_TRUNCATED;
        r = uk_source_read(src, opt_offset, opt, opt_size < sizeof(opt) ? opt_size : sizeof(opt));
        if (r)
                return r;
        r = parse_optional_header(opt, opt_size, &pe);
        if (r)
                return r;
        r = parse_cert_dir(src, opt_offset, opt, &pe);
        if (r)
                return r;

        /* Section table: directly after the optional header, entirely inside the file. */
        table_offset = opt_offset + opt_size;
        table_size = (uint64_t) pe.n_sections * SECTION_HEADER_SIZE;
        if (!uk_range_ok(table_offset, table_size, src->size))
                return UK_E_TOO_MANY_SECTIONS;
        r = uk_source_read(src, table_offset, table, (size_t) table_size);
        if (r)
                return r;
        for (unsigned i = 0; i < pe.n_sections; i++)
                parse_section_header(table + i * SECTION_HEADER_SIZE, &pe.sections[i]);
        pe.headers_end = table_offset + table_size;

        r = check_sections(&pe, src->size);
        if (r)
                return r;

        uk_memcpy(ret_pe, &pe, sizeof(pe));
        return UK_OK;
}

bool uk_pe_name_eq(const struct uk_pe_section *s, const char *name) {
        size_t n;

        if (!s || !name)
                return false;
        /* Compare all 8 raw bytes: ".dtb" must not match ".dtbauto", nor ".dtb\0xyz". */
        n = uk_strnlen(name, 9);
        if (n > 8)
                return false;
        if (uk_memcmp(s->name, name, n) != 0)
                return false;
        for (size_t i = n; i < 8; i++)
                if (s->name[i] != 0)
                        return false;
        return true;
}

int uk_pe_find(const struct uk_pe *pe, const char *name) {
        if (!pe)
                return -1;
        for (unsigned i = 0; i < pe->n_sections && i < UK_PE_MAX_SECTIONS; i++)
                if (uk_pe_name_eq(&pe->sections[i], name))
                        return (int) i;
        return -1;
}
