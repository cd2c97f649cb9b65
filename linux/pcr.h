/* ukiboot — the PCR 11 value systemd-stub leaves for a UKI. */
#pragma once
#include <stdbool.h>
#include "source_fd.h"

/* Print the SHA-256 PCR 11 value systemd-stub would leave for the UKI's profile (from zeros). Exit code. */
int inspect_pcr11(const struct fd_source *file, unsigned profile, bool json);
