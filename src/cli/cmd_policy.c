/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_policy.c - `ward policy validate PATH...`, `ward policy show PATH...` and the dispatch to
 * `ward policy test` (cmd_policy_test.c, owned by the store area).
 *
 * validate prints every problem as FILE:LINE:COL: error: MESSAGE and every skipped non-KubeArmor
 * document as a note on stderr, then one summary line on stdout; exit 0 when every KubeArmor
 * document is valid, 1 when any is invalid or a path cannot be read, 2 on usage errors
 * (design.md §2). Files are loaded one at a time so messages appear per file and the per-load
 * diag limit applies per file, not to a whole directory.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/policy.h"

static void usage_policy(FILE *out)
{
	fprintf(out,
		"usage: ward policy <subcommand> [options]\n\n"
		"subcommands:\n"
		"  validate PATH...   check KubeArmor policy files or directories against the\n"
		"                     KubeArmor CRDs; every problem as FILE:LINE:COL: error: ...\n"
		"  show PATH...       the normalised policies (defaults and inheritance applied)\n"
		"                     as JSON\n"
		"  test PATH [--since DUR]\n"
		"                     dry run against stored records\n\n"
		"Directories are read recursively (*.yaml, *.yml, sorted). Documents of other\n"
		"kinds (Cilium, Kyverno, NetworkPolicy, ...) are skipped with a note.\n"
		"exit codes: 0 all valid, 1 an invalid policy or unreadable path, 2 usage error\n");
}

static void usage_validate(FILE *out)
{
	fprintf(out,
		"usage: ward policy validate PATH...\n\n"
		"Check every KubeArmorPolicy, KubeArmorHostPolicy and KubeArmorClusterPolicy\n"
		"document in the given files and directories the way `kubectl apply\n"
		"--validate=strict` would against the KubeArmor CRDs: types, required fields,\n"
		"enums, patterns, unknown fields, metadata.name. Problems go to stderr as\n"
		"FILE:LINE:COL: error: MESSAGE; other kinds as FILE:LINE:COL: note: skipping kind\n"
		"'X'. A summary line goes to stdout.\n\n"
		"exit codes: 0 all valid, 1 any invalid document or unreadable path, 2 usage error\n");
}

static void usage_show(FILE *out)
{
	fprintf(out,
		"usage: ward policy show PATH...\n\n"
		"Print the valid KubeArmor policies of the given files and directories as a JSON\n"
		"array, normalised as the KubeArmor daemon does it: default action Block,\n"
		"severity/tags/message/action inherited rule <- section <- spec, comma lists of\n"
		"protocols and capabilities expanded, protocols lower-case, capabilities as e.g.\n"
		"net_raw. Problems are reported on stderr as by 'validate'.\n\n"
		"exit codes: 0 all valid, 1 any invalid document or unreadable path, 2 usage error\n");
}

static void print_diag(const struct diag *d)
{
	char line[DIAG_MSG_MAX + 4096 + 64];
	for (size_t i = 0; i < d->n; i++) {
		diag_format(&d->entries[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (d->n_dropped)
		fprintf(stderr, "ward: %zu more messages not shown\n", d->n_dropped);
}

/* Parse just --help for a subcommand; anything else starting with '-' is a usage error. */
static int sub_opts(int argc, char **argv, void (*usage)(FILE *), int *ret_done)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	*ret_done = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			*ret_done = 1;
			return 0;
		}
		fprintf(stderr, "ward policy %s: unknown option '%s'\n", argv[0], argv[optind - 1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "ward policy %s: at least one PATH is needed\n", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_policy_validate(int argc, char **argv)
{
	int done, r = sub_opts(argc, argv, usage_validate, &done);
	if (r || done)
		return r;
	struct diag d;
	char **files = NULL;
	diag_init(&d);
	int bad = policy_list_files((const char *const *)argv + optind, (size_t)(argc - optind),
				    &files, &d);
	print_diag(&d);
	diag_done(&d);
	if (bad < 0) {
		fprintf(stderr, "ward policy validate: out of memory\n");
		return 1;
	}
	struct policy_load_stats st = { 0 };
	int failed = bad > 0;
	for (char **f = files; *f; f++) {
		struct policy_doc_list *l = NULL;
		diag_init(&d);
		r = policy_load_file(*f, &l, &st, &d);
		print_diag(&d);
		diag_done(&d);
		policy_doc_list_free(l);
		if (r != 0)
			failed = 1;
	}
	policy_file_list_free(files);
	printf("%zu documents valid, %zu invalid, %zu skipped (%zu files)\n", st.valid, st.invalid,
	       st.skipped, st.files);
	return failed ? 1 : 0;
}

static int cmd_policy_show(int argc, char **argv)
{
	int done, r = sub_opts(argc, argv, usage_show, &done);
	if (r || done)
		return r;
	struct diag d;
	struct policy_doc_list *l = NULL;
	diag_init(&d);
	r = policy_load_paths((const char *const *)argv + optind, (size_t)(argc - optind), &l, &d);
	print_diag(&d);
	diag_done(&d);
	if (r < 0)
		return 1;
	struct strbuf sb;
	strbuf_init(&sb);
	if (policy_doc_list_to_json(l, &sb) < 0) {
		fprintf(stderr, "ward policy show: out of memory\n");
		r = 1;
	} else {
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	strbuf_done(&sb);
	policy_doc_list_free(l);
	return r ? 1 : 0;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2) {
		usage_policy(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage_policy(stdout);
		return 0;
	}
	if (!strcmp(sub, "validate"))
		return cmd_policy_validate(argc - 1, argv + 1);
	if (!strcmp(sub, "show"))
		return cmd_policy_show(argc - 1, argv + 1);
	/* ---- dispatch slot: `ward policy test` lives in cmd_policy_test.c (store area) ---- */
	if (!strcmp(sub, "test"))
		return cmd_policy_test(argc - 1, argv + 1);
	fprintf(stderr, "ward policy: unknown subcommand '%s'\n", sub);
	usage_policy(stderr);
	return EXIT_USAGE;
}
