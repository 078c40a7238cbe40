/* SPDX-License-Identifier: MIT */
/*
 * cmd_compare.c - the `vmflow compare` verb.
 */
#include "cli/commands.h"

int vf_cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vf_cli_not_implemented("compare");
}
