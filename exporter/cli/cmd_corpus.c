/* SPDX-License-Identifier: MIT */
/*
 * cmd_corpus.c - the `vmflow corpus` verb (not built yet: answers "not implemented yet", exit 2).
 */
#include "cli/commands.h"

int vf_cmd_corpus(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return vf_cli_not_implemented("corpus");
}
