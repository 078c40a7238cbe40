/* SPDX-License-Identifier: MIT */
/*
 * cmd_synth.c - the `vmflow synth` verb.
 */
#include "cli/commands.h"

int vf_cmd_synth(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vf_cli_not_implemented("synth");
}
