/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_policy_test.c - `ward policy test PATH [--since DUR]`: PLACEHOLDER until the store area
 * replaces this file with the real dry run over stored records (design.md §2). It says so and
 * fails rather than pretending to work.
 */
#include "cli/cli.h"

#include <stdio.h>

int cmd_policy_test(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ward policy test: not available in this build yet\n");
	return 1;
}
