/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_probe.c - `ward probe`: placeholder until its module lands (issue-3). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_probe(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward probe: not available in this build yet\n");
	return 1;
}
