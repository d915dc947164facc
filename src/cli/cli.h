/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the `ward` subcommands. Each lives in its own cmd_*.c, parses its own options with
 * getopt_long, and returns the process exit code: 0 success, 1 runtime failure or findings,
 * 2 usage error (design.md §2).
 */
#ifndef WARD_CLI_CLI_H
#define WARD_CLI_CLI_H

#define EXIT_USAGE 2

int cmd_agent(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* `ward policy test`, dispatched from cmd_policy.c; implemented in cmd_policy_test.c (store). */
int cmd_policy_test(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* cli_store_path() - --store value, else $WARD_STORE, else /var/lib/ward/ward.db. */
const char *cli_store_path(const char *opt);

#endif
