/* ukiboot EFI — one cleanup discipline: a variable marked _cleanup_* is released on every way out of its
 * scope, so error paths cannot forget a handle or a buffer (systemd's _cleanup_ style). */
#pragma once
#include "efi-util.h"

static inline void free_poolp(void *p) {
        void **pp = p;
        if (*pp)
                FreePool(*pp);
        *pp = NULL;
}
static inline void unload_imagep(EFI_HANDLE *h) {
        if (*h)
                BS->UnloadImage(*h);
        *h = NULL;
}
#define _cleanup_pool_ __attribute__((cleanup(free_poolp)))
#define _cleanup_image_ __attribute__((cleanup(unload_imagep)))

/* Hand a value out of a _cleanup_ variable: the variable is emptied, its release skipped. */
#define TAKE_PTR(p) ({ __typeof__(p) _taken = (p); (p) = NULL; _taken; })
