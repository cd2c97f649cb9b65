/* ukiboot EFI — drawing .splash (see splash.h) through EFI_GRAPHICS_OUTPUT_PROTOCOL, one row at a time, so
 * no buffer the size of the image is needed; common/bmp.c decodes. */
#include "splash.h"
#include "bmp.h"

static EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

void splash_show(const uint8_t *bmp, size_t len) {
        EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
        EFI_GRAPHICS_OUTPUT_BLT_PIXEL black = { 0 };
        struct uk_bmp b;

        if (EFI_ERROR(BS->LocateProtocol(&gop_guid, NULL, (void **) &gop)) || !gop || !gop->Mode || !gop->Mode->Info)
                return;
        if (uk_bmp_parse(bmp, len, &b) != UK_OK) {
                log_error(L"splash: not a BMP image ukiboot can show");
                return;
        }
        UINT32 sw = gop->Mode->Info->HorizontalResolution, sh = gop->Mode->Info->VerticalResolution;
        UINT32 w = b.width < sw ? b.width : sw, h = b.height < sh ? b.height : sh;
        UINT32 x0 = (sw - w) / 2, y0 = (sh - h) / 2;
        UINT32 *row = AllocatePool((UINTN) b.width * sizeof(UINT32));
        if (!row)
                return;
        (void) gop->Blt(gop, &black, EfiBltVideoFill, 0, 0, 0, 0, sw, sh, 0);
        for (UINT32 y = 0; y < h; y++) {
                /* 0x00RRGGBB in memory is blue, green, red, reserved: the Blt pixel layout. */
                if (uk_bmp_row(&b, bmp, len, y, row) != UK_OK)
                        break;
                (void) gop->Blt(gop, (EFI_GRAPHICS_OUTPUT_BLT_PIXEL *) row, EfiBltBufferToVideo, 0, 0, x0, y0 + y, w, 1,
                                (UINTN) b.width * sizeof(UINT32));
        }
        FreePool(row);
        log_info(L"splash: %dx%d image shown", b.width, b.height);
}
