/* ukiboot EFI — a UKI's .splash on the graphics console before its kernel starts, as systemd-stub shows it. */
#pragma once
#include "efi-util.h"

/* Fill the screen black and draw the BMP bmp[len] centred (clipped to the screen). Nothing without a
 * graphics console; a malformed image is said on one line and not drawn. */
void splash_show(const uint8_t *bmp, size_t len);
