/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_agent.c - `ward agent`: placeholder until its module lands (issue-3). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_agent(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward agent: not available in this build yet\n");
	return 1;
}
