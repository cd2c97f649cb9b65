/* ukiboot EFI — device-tree configuration table (see dtb_table.h). */
#include "dtb_table.h"
#include "fdt.h"
#include "util.h"

#define DTB_TABLE_MAX (16u << 20)       /* a firmware tree larger than this is not believed */

static EFI_GUID dtb_guid = { 0xb1b621d5, 0xf19c, 0x41a5, { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 } };
static EFI_GUID fixup_guid = { 0xe617d64c, 0xfe08, 0x46da, { 0xf4, 0xdc, 0xbb, 0xd5, 0x87, 0x0c, 0x73, 0x00 } };

/* EFI_DT_FIXUP_PROTOCOL (U-Boot's, as systemd calls it): the firmware adds what it knows to a tree. */
#define DT_APPLY_FIXUPS   0x00000001
#define DT_RESERVE_MEMORY 0x00000002
struct dt_fixup_protocol {
        UINT64 revision;
        EFI_STATUS (EFIAPI *fixup)(struct dt_fixup_protocol *this, void *fdt, UINTN *buffer_size, UINT32 flags);
};

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

bool efi_dtb_table(const uint8_t **ret, size_t *ret_len) {
        const uint8_t *t = efi_config_table(&dtb_guid);
        if (!t || be32(t) != UK_FDT_MAGIC || be32(t + 4) < 40 || be32(t + 4) > DTB_TABLE_MAX)
                return false;
        *ret = t;
        *ret_len = be32(t + 4);
        return true;
}

static EFI_STATUS alloc_reclaim(UINTN size, void **ret, UINTN *ret_pages) {
        EFI_PHYSICAL_ADDRESS addr = 0;
        UINTN pages = EFI_SIZE_TO_PAGES(size);
        EFI_STATUS st = BS->AllocatePages(AllocateAnyPages, EfiACPIReclaimMemory, pages, &addr);
        if (!EFI_ERROR(st)) {
                *ret = (void *) (UINTN) addr;
                *ret_pages = pages;
        }
        return st;
}

/* The firmware's fix-ups, when it offers them: a larger buffer is allocated when the tree grows. */
static EFI_STATUS fixup(struct dtb_install *st, UINTN len) {
        struct dt_fixup_protocol *fp = NULL;
        if (EFI_ERROR(BS->LocateProtocol(&fixup_guid, NULL, (void **) &fp)) || !fp)
                return EFI_SUCCESS;
        UINTN size = st->pages * EFI_PAGE_SIZE;
        EFI_STATUS s = fp->fixup(fp, st->buf, &size, DT_APPLY_FIXUPS | DT_RESERVE_MEMORY);
        if (s != EFI_BUFFER_TOO_SMALL)
                return s;
        void *bigger;
        UINTN pages;
        s = alloc_reclaim(size, &bigger, &pages);
        if (EFI_ERROR(s))
                return s;
        CopyMem(bigger, st->buf, len);
        pages_free(st->buf, st->pages);
        st->buf = bigger, st->pages = pages;
        size = pages * EFI_PAGE_SIZE;
        return fp->fixup(fp, st->buf, &size, DT_APPLY_FIXUPS | DT_RESERVE_MEMORY);
}

EFI_STATUS dtb_install(const struct uk_plan *p, const uint8_t *uki, uint64_t size, initrd_file_read_fn read_file,
                       void *read_ctx, struct dtb_install *ret) {
        const struct uk_plan_devicetree *dt = &p->devicetree;
        struct dtb_install st = { .orig = efi_config_table(&dtb_guid) };
        EFI_STATUS s;

        *ret = st;
        if (dt->source == UK_DT_NONE)
                return EFI_SUCCESS;
        if (dt->length == 0 || dt->length > DTB_TABLE_MAX || dt->zero_fill > DTB_TABLE_MAX)
                return EFI_INVALID_PARAMETER;
        UINTN len = (UINTN) (dt->length + dt->zero_fill);
        s = alloc_reclaim(len, &st.buf, &st.pages);
        if (EFI_ERROR(s))
                return s;
        SetMem(st.buf, st.pages * EFI_PAGE_SIZE, 0);
        if (dt->source == UK_DT_UKI) {
                if (!uk_range_ok(dt->offset, dt->length, size))
                        s = EFI_INVALID_PARAMETER;
                else
                        CopyMem(st.buf, (void *) (uki + dt->offset), dt->length);
        } else if (dt->source == UK_DT_ADDON) {
                /* The last addon's tree replaces the rest: only the end state is installed. */
                if (!dt->bytes)
                        s = EFI_INVALID_PARAMETER;
                else
                        CopyMem(st.buf, (void *) dt->bytes, dt->length);
        } else if (!read_file || read_file(read_ctx, dt->path, 0, st.buf, (size_t) dt->length) != UK_OK)
                s = EFI_LOAD_ERROR;
        if (!EFI_ERROR(s))
                s = fixup(&st, len);
        if (!EFI_ERROR(s))
                s = BS->InstallConfigurationTable(&dtb_guid, st.buf);
        if (EFI_ERROR(s)) {
                pages_free(st.buf, st.pages);
                return s;
        }
        st.installed = true;
        *ret = st;
        return EFI_SUCCESS;
}

void dtb_restore(struct dtb_install *st) {
        if (!st->installed)
                return;
        (void) BS->InstallConfigurationTable(&dtb_guid, st->orig);
        pages_free(st->buf, st->pages);
        st->installed = false;
}
