/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - `ward` entry point: the subcommand table. Every other cmd_*.c owns one command.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "agent", cmd_agent, "monitor, enforce, store and forward (foreground daemon)" },
	{ "policy", cmd_policy, "validate, show or test KubeArmor policies" },
	{ "logs", cmd_logs, "query stored records; 'ward logs verify' checks the hash chain" },
	{ "import", cmd_import, "load KubeArmor JSON records into the store" },
	{ "probe", cmd_probe, "what this kernel supports: programs, enforcers, BTF, cgroup v2" },
	{ "serve", cmd_serve, "HTTP API, Alerts page and ingest from remote agents" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ward <command> [options]\n\n"
		     "ward watches what runs, what is opened and what connects on Linux hosts and\n"
		     "their containers, applies KubeArmor policies, and keeps the records.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'ward <command> --help' describes each command.\n"
		     "exit codes: 0 success, 1 failure or findings, 2 usage error\n");
}

const char *cli_store_path(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("WARD_STORE");
	if (env && *env)
		return env;
	return "/var/lib/ward/ward.db";
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("ward 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ward: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
