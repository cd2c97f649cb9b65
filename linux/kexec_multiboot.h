/* ukiboot — kexec_load into a Multiboot (v1) kernel (x86-64). */
#pragma once
#include "target.h"

/* Lay out t's Multiboot plan (kernel pages, modules, information, trampoline) and kexec_load it. Reason
 * printed; exit code. */
int kexec_load_multiboot(struct target *t, const char *what);
