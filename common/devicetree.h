/* ukiboot — which device tree a boot installs, as systemd-boot and systemd-stub (v258) choose it. */
#pragma once
#include "plan.h"

/* The tree for a plan of in, booting the UKI sections secs (of the plan's profile): the first .dtbauto of the
 * profile, else of the base, whose root compatible equals the machine's tree's (in->machine.fdt); else the
 * .dtb; else the entry's `devicetree` file, which systemd-boot installed before the stub ran (in->uki NULL:
 * a `linux` entry, the file alone). *ret is fully written; UK_E_IO when a candidate cannot be read. */
uk_err uk_devicetree_choose(const struct uk_plan_in *in, unsigned profile, const struct uk_span secs[_UK_SEC_MAX],
                            struct uk_plan_devicetree *ret);
