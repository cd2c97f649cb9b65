/* ukiboot — the verbs and what they share (option parsing, load and exec). */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include "target.h"

int verb_inspect(int argc, char **argv);
int verb_plan(int argc, char **argv);
int verb_list(int argc, char **argv);
int verb_load(int argc, char **argv);
int verb_kexec(int argc, char **argv);
int verb_unload(int argc, char **argv);
int verb_exec(int argc, char **argv);
int verb_reboot(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_extract(int argc, char **argv);
int verb_verify(int argc, char **argv);
int verb_menu(int argc, char **argv);
/* Print a verb's --help text to f. */
void verb_usage(FILE *f, const char *verb);
/* getopt_long returned '?' or ':' (optstring starts with ':'): report the offending option. */
int option_error(const char *verb, int c, char **argv);

/* Parse the options of a VERB whose only option besides --help is the boolean --FLAG_NAME. False: go on
 * (positional arguments start at optind); true: the verb is done, with *ret_code its exit code. */
bool parse_flag_option(const char *verb, const char *flag_name, int argc, char **argv, bool *ret_flag,
                       int *ret_code);
/* Print "ukiboot: <verb>: <msg>" and a hint to use --help; returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load the target for kexec (kexec_file_load; kexec_load with our own layout when use_kexec_load). Exit code. */
int do_load(const struct target_opts *o, bool crash, bool use_kexec_load);
int do_exec(bool force);

#define UKIBOOT_RUN_DIR "/run/ukiboot"
#define UKIBOOT_LOADED_FILE UKIBOOT_RUN_DIR "/loaded"
#define UKIBOOT_LOADED_CRASH_FILE UKIBOOT_RUN_DIR "/loaded-crash"
