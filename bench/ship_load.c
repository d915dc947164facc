/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ship_load - an ingest client for tests and benchmarks: makes records and ships them to a
 * `ward serve` through the agent's shipper (src/ship), the same code `ward agent --server`
 * uses, spool included.
 *
 *   ship_load --url http://127.0.0.1:18600 --token-file F --spool DIR --host NAME
 *             [--count N] [--rate R] [--batch B] [--flush-timeout S] [--start-seq K]
 *             [--distinct M]
 *
 * Record i has HostName NAME and Message "NAME-<K+i>", so a test can check that every record
 * arrived exactly once; with --distinct M the Message repeats every M records (real alert
 * messages repeat: a benchmark of unique messages measures the dictionary, not ingest). Prints one JSON line of counters and the achieved rate on stdout.
 * Exit 0 when everything was acknowledged within --flush-timeout, 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/record.h"
#include "ship/ship.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_token(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char buf[4096];
	char *t = fgets(buf, sizeof(buf), f) ? strdup(buf) : NULL;
	fclose(f);
	if (t)
		t[strcspn(t, "\r\n")] = '\0';
	return t;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 't' },
		{ "spool", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "flush-timeout", required_argument, NULL, 'f' },
		{ "start-seq", required_argument, NULL, 'k' },
		{ "distinct", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *tokf = NULL, *spool = NULL, *host = "bench-host";
	uint64_t count = 100000, start = 0, distinct = 0;
	double rate = 0;
	unsigned batch = 0;
	int flush_s = 60, c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'u':
			url = optarg;
			break;
		case 't':
			tokf = optarg;
			break;
		case 's':
			spool = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'b':
			batch = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flush_s = atoi(optarg);
			break;
		case 'k':
			start = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			distinct = strtoull(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	char *token = tokf ? read_token(tokf) : NULL;
	if (!url || !token || !spool) {
		fprintf(stderr, "ship_load: --url, --token-file and --spool are required\n");
		return 2;
	}
	struct ship_config cfg = {
		.url = url,
		.token = token,
		.spool_dir = spool,
		.batch_records = batch,
	};
	struct ship *s;
	int r = ship_start(&cfg, &s);
	if (r < 0) {
		fprintf(stderr, "ship_load: ship_start: %s\n", strerror(-r));
		return 1;
	}
	static const char *const ops[] = { "Process", "File", "Network" };
	static const char *const acts[] = { "Audit", "Block", "Allow" };
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t base_ns = (int64_t)wall.tv_sec * 1000000000LL;
	double t0 = now_s();
	for (uint64_t i = 0; i < count; i++) {
		char msg[96], res[64], pod[32];
		snprintf(msg, sizeof(msg), "%s-%" PRIu64, host,
			 distinct ? (start + i) % distinct : start + i);
		snprintf(res, sizeof(res), "/var/data/file-%" PRIu64, (start + i) % 5000);
		snprintf(pod, sizeof(pod), "pod-%" PRIu64, (start + i) % 50);
		struct ward_record rec = {
			.ts_ns = base_ns + (int64_t)i * 1000,
			.cluster_name = "bench",
			.host_name = host,
			.pod_name = pod,
			.pid = (int32_t)(1000 + i % 30000),
			.ppid = 1,
			.process_name = "/usr/bin/cat",
			.policy_name = "bench-policy",
			.severity = (i % 10) ? "3" : "8",
			.message = msg,
			.type = (i % 4) ? "HostLog" : "MatchedHostPolicy",
			.operation = ops[i % 3],
			.resource = res,
			.action = acts[i % 3],
			.enforcer = "eBPF Monitor",
			.result = "Passed",
		};
		if (ship_send(s, &rec) == -ENOMEM) {
			fprintf(stderr, "ship_load: out of memory\n");
			break;
		}
		if (rate > 0) {
			double due = t0 + (double)(i + 1) / rate;
			double wait = due - now_s();
			if (wait > 0) {
				struct timespec ts = {
					(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)
				};
				nanosleep(&ts, NULL);
			}
		}
	}
	double t_sent = now_s();
	r = ship_flush(s, flush_s * 1000);
	double t1 = now_s();
	struct ship_stats st;
	ship_get_stats(s, &st);
	printf("{\"host\":\"%s\",\"queued\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"dropped\":%" PRIu64
	       ",\"rejected\":%" PRIu64 ",\"send_errors\":%" PRIu64 ",\"spool_files\":%" PRIu64
	       ",\"produce_s\":%.3f,\"total_s\":%.3f,\"rate\":%.0f}\n",
	       host, st.records_queued, st.records_sent, st.records_dropped, st.records_rejected,
	       st.send_errors, st.spool_files, t_sent - t0, t1 - t0,
	       (double)st.records_sent / (t1 - t0));
	ship_stop(s);
	free(token);
	return r == 0 && st.records_sent == count ? 0 : 1;
}
