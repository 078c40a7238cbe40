/* SPDX-License-Identifier: MIT */
/*
 * commands.h - one function per verb, each in its own cmd_<verb>.c file.
 * A verb returns the process exit code (0 ok, 1 failure/bad input, 2 usage).
 * argv[0] is the verb name.
 */
#ifndef VMFLOW_CLI_COMMANDS_H
#define VMFLOW_CLI_COMMANDS_H

#include <stdbool.h>

#include "vmflow/error.h"

int vf_cmd_analyze(int argc, char **argv);
int vf_cmd_synth(int argc, char **argv);
int vf_cmd_compare(int argc, char **argv);
int vf_cmd_stats(int argc, char **argv);
int vf_cmd_tcxml(int argc, char **argv);
int vf_cmd_corpus(int argc, char **argv);
int vf_cmd_lami(int argc, char **argv);

/* Set by -v / --verbose before the verb: adds the vmflow source position to errors. */
extern bool vf_cli_verbose;

/* Prints err as one line on stderr and returns its exit code. */
int vf_cli_report(const struct vf_error *err);
/* Prints "vmflow <verb>: <msg>" and a hint to use --help; returns 2. */
int vf_cli_usage_error(const char *verb, const char *fmt, ...) VF_PRINTF(2, 3);
/* For verbs not built yet: one line, exit code 2. */
int vf_cli_not_implemented(const char *verb);
/* Parses a non-negative decimal integer option; false if malformed. */
bool vf_cli_parse_u64(const char *s, unsigned long long *out);

#endif /* VMFLOW_CLI_COMMANDS_H */
