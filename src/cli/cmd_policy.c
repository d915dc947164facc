/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_policy.c - `ward policy`: placeholder until its module lands (issue-2). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward policy: not available in this build yet\n");
	return 1;
}
