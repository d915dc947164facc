/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_import.c - `ward import`: placeholder until its module lands (issue-7). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_import(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward import: not available in this build yet\n");
	return 1;
}
