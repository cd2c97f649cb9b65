/* ukiboot — the plan this system was booted with, and what a soft reboot would change. */
#pragma once
#include <stddef.h>

/* Print the plan the EFI twin exported (UkibootPlan variable). */
int plan_current(void);
/* Compare this plan (canonical[len] + content[content_len]) with the one the EFI twin exported (from_file
 * NULL) or one saved by `plan --canonical --content` (from_file): a line diff of the layout, then piece by
 * piece content, saying "cannot tell" wherever one side did not hash a piece. */
int plan_diff(const char *from_file, const char *canonical, size_t len, const char *content, size_t content_len);
