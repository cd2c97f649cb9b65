/* ukiboot — `load --kexec-load`: an x86-64 bzImage through kexec_load, without memory files or purgatory. */
#pragma once
#include "target.h"

/* Lay out t's plan (kernel and initrd from a mapping of the file, boot parameters, entry code) and kexec_load
 * it. On a refused kexec_load, *ret_kexec_errno is its errno and nothing is printed (the caller explains);
 * any other failure is printed. Exit code. */
int kexec_load_bzimage(struct target *t, int *ret_kexec_errno);
