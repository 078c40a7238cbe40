/* SPDX-License-Identifier: MIT */
/*
 * cmd_analyze.c - the `vmflow analyze` verb.
 */
#include "cli/commands.h"

int vf_cmd_analyze(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vf_cli_not_implemented("analyze");
}
