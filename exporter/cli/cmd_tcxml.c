/* SPDX-License-Identifier: MIT */
/*
 * cmd_tcxml.c - the `vmflow tcxml` verb (not built yet: answers "not implemented yet", exit 2).
 */
#include "cli/commands.h"

int vf_cmd_tcxml(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vf_cli_not_implemented("tcxml");
}
