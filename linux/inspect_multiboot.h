/* ukiboot inspect of a Multiboot (v1) kernel. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include "source_fd.h"

/* Print what common/multiboot.c makes of f (text, or JSON); a kernel it refuses is said on one line, with
 * an exit code. */
int inspect_multiboot(const struct fd_source *f, bool json, FILE *out);
