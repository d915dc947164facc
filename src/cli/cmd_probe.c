/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_probe.c - `ward probe [--json]`: what this kernel supports (each monitor program, the
 * enforcers' prerequisites, BTF, cgroup v2). Exit 0 when the monitor can run, 1 otherwise.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "monitor/monitor.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ward probe [--json]\n"
		   "  Load and attach (then detach) each monitor program; check BTF, cgroup v2,\n"
		   "  fanotify permission events and BPF-LSM. Needs root.\n"
		   "  --json   one JSON object instead of the table\n");
}

static const char *yn(int v)
{
	return v ? "yes" : "no";
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct monitor_probe p;
	struct strbuf sb;
	int json = 0, c, r;
	unsigned i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ward probe: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	r = monitor_probe_run(&p);
	if (r < 0) {
		fprintf(stderr, "ward probe: %s\n", strerror(-r));
		return 1;
	}
	if (json) {
		strbuf_init(&sb);
		r = monitor_probe_to_json(&p, &sb);
		if (r == 0)
			printf("%s\n", sb.buf);
		strbuf_done(&sb);
		if (r < 0)
			return 1;
		return p.monitor_ok ? 0 : 1;
	}
	printf("kernel        %s\n", p.kernel);
	printf("BTF           %s\n", yn(p.btf));
	printf("cgroup v2     %s\n", p.cgroup2[0] ? p.cgroup2 : "not mounted");
	printf("ring buffer   %s\n", yn(p.ringbuf));
	printf("\n%-18s %-28s %-6s %-8s %s\n", "program", "hook", "loads", "attaches", "error");
	for (i = 0; i < p.n_progs; i++)
		printf("%-18s %-28s %-6s %-8s %s\n", p.progs[i].name, p.progs[i].hook,
		       yn(p.progs[i].loads), yn(p.progs[i].attaches),
		       p.progs[i].err ? strerror(-p.progs[i].err) : "");
	printf("\nenforcers\n");
	printf("  fanotify permission events  %s%s%s\n", yn(p.fanotify_perm),
	       p.fanotify_err ? ": " : "", p.fanotify_err ? strerror(-p.fanotify_err) : "");
	printf("  BPF-LSM                     listed %s, loads %s, attaches %s%s%s\n",
	       yn(p.lsm_listed), yn(p.lsm_loads), yn(p.lsm_attaches), p.lsm_err ? ": " : "",
	       p.lsm_err ? strerror(-p.lsm_err) : "");
	printf("\nmonitor       %s\n", p.monitor_ok ? "ok" : "cannot run (sched hooks refused)");
	return p.monitor_ok ? 0 : 1;
}
