/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_logs.c - `ward logs`: placeholder until its module lands (issue-7). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_logs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward logs: not available in this build yet\n");
	return 1;
}
