/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fwd_drive - drive the forwarder (libward's fwd/) the way the agent will, for the e2e tests
 * and the benchmarks: load the `outputs:` of a config, submit N synthetic alerts (optionally
 * at a fixed rate), wait until they are delivered (or a timeout), stop, and print the counters
 * as one JSON line. Record i has Message "alert <i>" so receivers can check completeness.
 *
 *   fwd_drive --config F --spool DIR [--count N] [--from K] [--rate PER_SEC] [--wait-ms MS]
 *             [--stop-ms MS] [--rss-every-ms MS] [--expect N]
 *
 * --expect N waits until N items are delivered per output (e.g. a restart with --count 0
 * that only drains the spool).
 *
 * cpu_ms is the process's CPU time, outputs_cpu_ms that minus the submitting thread's: the
 * outputs' own threads (spoolers, senders, their libraries' threads).
 *
 * --rss-every-ms prints "rss_kb <t_ms> <kB>" lines to stderr while running (memory figure).
 *
 * Records go in with fwd_submit_json() and their record_to_json() text, as the agent hands them
 * over (it builds that JSON for its other sinks anyway); --no-json submits the record alone
 * (every output encodes it itself).
 *
 * --backlog N makes the submitter wait while any output has more than N records submitted but
 * not yet spooled (checked every 1024 records): a closed loop for sustained-throughput runs,
 * where a submitter faster than the spooler would otherwise only measure queue drops.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "fwd/fwd.h"
#include "record/record.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static uint64_t events_seen;
static void on_event(const struct ward_record *r, void *ud)
{
	(void)ud;
	events_seen++;
	fprintf(stderr, "event: %s %s: %s\n", r->type, r->operation, r->message);
}

int main(int argc, char **argv)
{
	const char *config = NULL, *spool = NULL;
	long count = 1000, from = 0, rate = 0, wait_ms = 30000, stop_ms = 5000, rss_every = 0,
	     expect = -1, backlog = 0;
	int no_json = 0;
	static const struct option lo[] = {
		{ "config", 1, NULL, 'c' },  { "spool", 1, NULL, 's' },
		{ "count", 1, NULL, 'n' },   { "from", 1, NULL, 'f' },
		{ "rate", 1, NULL, 'r' },    { "wait-ms", 1, NULL, 'w' },
		{ "stop-ms", 1, NULL, 't' }, { "rss-every-ms", 1, NULL, 'm' },
		{ "expect", 1, NULL, 'e' },  { "backlog", 1, NULL, 'b' },
		{ "no-json", 0, NULL, 'j' }, { NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			spool = optarg;
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'f':
			from = atol(optarg);
			break;
		case 'r':
			rate = atol(optarg);
			break;
		case 'w':
			wait_ms = atol(optarg);
			break;
		case 't':
			stop_ms = atol(optarg);
			break;
		case 'm':
			rss_every = atol(optarg);
			break;
		case 'e':
			expect = atol(optarg);
			break;
		case 'b':
			backlog = atol(optarg);
			break;
		case 'j':
			no_json = 1;
			break;
		default:
			return 2;
		}
	}
	if (!config || !spool) {
		fprintf(stderr, "usage: fwd_drive --config F --spool DIR [--count N] ...\n");
		return 2;
	}
	struct diag d;
	diag_init(&d);
	struct fwd_config *cfg = NULL;
	struct fwd *f = NULL;
	int rc = fwd_config_load_file(config, &cfg, &d);
	if (!rc) {
		struct fwd_start_opts so = { .spool_dir = spool,
					     .on_event = on_event,
					     .hostname = "bench-host" };
		rc = fwd_start(cfg, &so, &f, &d);
	}
	if (rc) {
		char buf[700];
		for (size_t i = 0; i < d.n; i++) {
			diag_format(&d.entries[i], buf, sizeof(buf));
			fprintf(stderr, "%s\n", buf);
		}
		if (!d.n)
			fprintf(stderr, "fwd_drive: %s\n", strerror(-rc));
		return 1;
	}
	static const char *ops[] = { "Process", "File", "Network" };
	static const char *res[] = { "/usr/bin/apt update", "/etc/shadow",
				     "remoteip=10.0.0.5 port=443 protocol=TCP" };
	char msg[64], sev[8];
	uint64_t t0 = now_ms(), last_rss = 0;
	struct strbuf json;
	strbuf_init(&json);
	for (long i = from; i < from + count; i++) {
		int k = (int)(i % 3);
		snprintf(msg, sizeof(msg), "alert %ld", i);
		snprintf(sev, sizeof(sev), "%ld", i % 10 + 1);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct ward_record r = {
			.ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
			.cluster_name = "bench",
			.host_name = "bench-host",
			.host_ppid = 100,
			.host_pid = (int32_t)(1000 + i % 5000),
			.pid = 7,
			.uid = 0,
			.parent_process_name = "/bin/bash",
			.process_name = k ? "/usr/bin/cat" : "/usr/bin/apt",
			.policy_name = "ksp-bench",
			.severity = sev,
			.tags = "MITRE,bench",
			.message = msg,
			.type = "MatchedHostPolicy",
			.source = "/bin/bash",
			.operation = ops[k],
			.resource = res[k],
			.data = "syscall=SYS_OPENAT",
			.enforcer = "fanotify",
			.action = i % 2 ? "Block" : "Audit",
			.result = i % 2 ? "Permission denied" : "Passed",
		};
		if (no_json) {
			fwd_submit(f, &r);
		} else {
			strbuf_reset(&json);
			if (record_to_json(&r, &json) == 0)
				fwd_submit_json(f, &r, json.buf, json.len);
			else
				fwd_submit(f, &r);
		}
		while (backlog > 0 && (i - from) % 1024 == 1023) {
			struct fwd_output_stats bs[16];
			size_t nb = fwd_stats(f, bs, 16), busy = 0;
			for (size_t j = 0; j < nb; j++)
				busy |= bs[j].submitted - bs[j].spooled - bs[j].spool_drops -
						bs[j].queue_drops >
					(uint64_t)backlog;
			if (!busy)
				break;
			usleep(200);
		}
		if (rate > 0) {
			uint64_t due = t0 + (uint64_t)((i - from + 1) * 1000 / rate);
			while (now_ms() < due)
				usleep(1000);
		}
		if (rss_every && now_ms() - last_rss >= (uint64_t)rss_every) {
			last_rss = now_ms();
			fprintf(stderr, "rss_kb %" PRIu64 " %ld\n", last_rss - t0, rss_kb());
		}
	}
	uint64_t t_submit = now_ms() - t0;
	struct fwd_output_stats st[16];
	size_t n = 0;
	for (;;) {
		n = fwd_stats(f, st, 16);
		int done = 1;
		for (size_t i = 0; i < n; i++)
			done &= expect >= 0 ? st[i].sent + st[i].rejected >= (uint64_t)expect
					    : st[i].sent + st[i].rejected + st[i].spool_drops +
							      st[i].queue_drops >=
						      st[i].submitted;
		if (done || now_ms() - t0 > (uint64_t)wait_ms + t_submit)
			break;
		if (rss_every && now_ms() - last_rss >= (uint64_t)rss_every) {
			last_rss = now_ms();
			fprintf(stderr, "rss_kb %" PRIu64 " %ld\n", last_rss - t0, rss_kb());
		}
		usleep(5000);
	}
	uint64_t t_done = now_ms() - t0;
	fwd_stop(f, (unsigned)stop_ms);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	/* this thread alone (generating and submitting): the rest is the outputs' threads */
	getrusage(RUSAGE_THREAD, &ru);
	long main_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	printf("{\"count\":%ld,\"submit_ms\":%" PRIu64 ",\"deliver_ms\":%" PRIu64
	       ",\"rate_per_s\":%.0f,"
	       "\"max_rss_kb\":%ld,\"cpu_ms\":%ld,\"outputs_cpu_ms\":%ld,\"events\":%" PRIu64
	       ",\"outputs\":[",
	       count, t_submit, t_done, t_done ? count * 1000.0 / (double)t_done : 0.0, rss_kb(),
	       cpu_ms, cpu_ms - main_ms, events_seen);
	for (size_t i = 0; i < n; i++)
		printf("%s{\"name\":\"%s\",\"submitted\":%" PRIu64 ",\"sent\":%" PRIu64
		       ",\"rejected\":%" PRIu64 ",\"failures\":%" PRIu64 ",\"retried\":%" PRIu64
		       ",\"redelivered\":%" PRIu64 ",\"queue_drops\":%" PRIu64
		       ",\"spool_drops\":%" PRIu64 ",\"spool_bytes\":%" PRIu64
		       ",\"spool_syncs\":%" PRIu64 "}",
		       i ? "," : "", st[i].name, st[i].submitted, st[i].sent, st[i].rejected,
		       st[i].failures, st[i].retried, st[i].redelivered, st[i].queue_drops,
		       st[i].spool_drops, st[i].spool_bytes, st[i].spool_syncs);
	printf("]}\n");
	fwd_config_free(cfg);
	diag_done(&d);
	strbuf_done(&json);
	return 0;
}
