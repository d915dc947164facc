/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_serve.c - `ward serve`: placeholder until its module lands (issue-5). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward serve: not available in this build yet\n");
	return 1;
}
