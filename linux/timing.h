/* ukiboot — where a load's time goes: with UKIBOOT_TIMINGS=1 in the environment, load and kexec print one
 * line on stderr, "ukiboot: timing: plan 12.3 ms, fill-kernel 4.5 ms, ...", for make bench and for anyone
 * asking why a soft reboot is slow. Without it nothing is measured or printed. */
#pragma once

/* Start the clock (the first step is measured from here). */
void timing_begin(void);
/* The step called name (a string literal) has just ended. */
void timing_step(const char *name);
/* Print the steps taken so far, if UKIBOOT_TIMINGS asks for them. */
void timing_report(void);
