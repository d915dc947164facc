/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent_wire_sinks.c - what the wired-in sinks cost the agent's event thread per record:
 * agent_emit() (JSON once, then every sink's write) with a counting sink only (the baseline,
 * same run), then with a forwarding sink (src/fwd, a file output: fwd_submit copies the record
 * into the output's queue) and with the fleet shipper (src/ship to an unreachable URL: the
 * record is appended to the open batch and spooled). CPU time of the calling thread only: the
 * outputs' own threads are not on the event path.
 *
 * Usage: build/bench/agent_wire_sinks [RECORDS]   (default 200000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/diag.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "record/record.h"

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)r;
	(void)json;
	*(size_t *)ctx += len;
	return 0;
}

static const char *const REC =
	"{\"Timestamp\":1717156232,\"UpdatedTime\":\"2024-05-31T11:50:32.000000Z\","
	"\"ClusterName\":\"default\",\"HostName\":\"bench\",\"HostPPID\":100,\"HostPID\":200,"
	"\"PPID\":100,\"PID\":200,\"UID\":0,\"ParentProcessName\":\"/usr/bin/bash\","
	"\"ProcessName\":\"/usr/bin/apt\",\"PolicyName\":\"block-pkg-mgmt-tools\",\"Severity\":\"10\","
	"\"Message\":\"apt was attempted to be executed\",\"Type\":\"MatchedHostPolicy\","
	"\"Source\":\"/usr/bin/bash\",\"Operation\":\"Process\",\"Resource\":\"/usr/bin/apt\","
	"\"Data\":\"syscall=SYS_EXECVE\",\"Enforcer\":\"fanotify\",\"Action\":\"Block\","
	"\"Result\":\"Operation not permitted\"}";

/* One run: a fresh agent with the counting sink plus @extra (may be NULL). ns per record. */
static double run(struct ward_config *cfg, const struct agent_sink *extra,
		  const struct ward_record *r, long n)
{
	struct agent *a = NULL;
	struct agent_opts o = { .cfg = cfg };
	if (agent_new(&o, &a)) {
		fprintf(stderr, "agent_new failed\n");
		exit(1);
	}
	size_t bytes = 0;
	struct agent_sink c = { .ctx = &bytes, .write = count_write };
	agent_add_sink(a, &c);
	if (extra)
		agent_add_sink(a, extra);
	double t0 = thread_cpu_s();
	for (long i = 0; i < n; i++) {
		agent_emit(a, r);
		/* the loop flushes every 50 ms; here every 1000 records keeps the store-like rhythm */
		if (i % 1000 == 999)
			agent_flush(a);
	}
	double t = thread_cpu_s() - t0;
	struct agent_stats st;
	agent_get_stats(a, &st);
	printf("  records %ld, refused by a sink %llu\n", n, (unsigned long long)st.queue_lost);
	agent_free(a);
	return t * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	char dir[] = "/tmp/ward-wire-bench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	struct diag d;
	diag_init(&d);
	struct record_owned *ro = NULL;
	if (record_from_json(REC, strlen(REC), "bench", 1, &ro, &d))
		return 1;
	char cfgp[256], yaml[1024], spool[256];
	snprintf(cfgp, sizeof(cfgp), "%s/ward.yaml", dir);
	snprintf(yaml, sizeof(yaml),
		 "hostname: bench\noutputs:\n  - name: f\n    type: file\n    path: %s/out.ndjson\n"
		 "    format: cef\n    queue_size: 65536\n    spool_max: 1GiB\n",
		 dir);
	FILE *f = fopen(cfgp, "w");
	fputs(yaml, f);
	fclose(f);
	struct ward_config *cfg = NULL;
	if (config_load_file(cfgp, 1, &cfg, &d)) {
		fprintf(stderr, "config failed\n");
		return 1;
	}
	struct agent_inbox *in = NULL;
	agent_inbox_new(&in);

	printf("baseline: JSON + counting sink\n");
	double base = run(cfg, NULL, &ro->rec, n);
	printf("  %.0f ns/record on the event thread\n", base);

	printf("+ forwarding sink (file output, CEF)\n");
	struct agent_sink s;
	struct fwd *fw = NULL;
	snprintf(spool, sizeof(spool), "%s/spool-fwd", dir);
	if (agent_sink_fwd(cfg, spool, in, 10000, &s, &fw, &d)) {
		fprintf(stderr, "fwd failed\n");
		return 1;
	}
	double fwd = run(cfg, &s, &ro->rec, n);
	printf("  %.0f ns/record on the event thread (+%.0f ns, %.2fx baseline)\n", fwd, fwd - base,
	       fwd / base);

	printf("+ fleet shipper (server unreachable: spooled)\n");
	snprintf(spool, sizeof(spool), "%s/spool-ship", dir);
	char tok[256];
	snprintf(tok, sizeof(tok), "%s/token", dir);
	f = fopen(tok, "w");
	fputs("t\n", f);
	fclose(f);
	char err[256] = "";
	if (agent_sink_ship("http://127.0.0.1:9", tok, spool, &s, err, sizeof(err))) {
		fprintf(stderr, "ship failed: %s\n", err);
		return 1;
	}
	double sh = run(cfg, &s, &ro->rec, n);
	printf("  %.0f ns/record on the event thread (+%.0f ns, %.2fx baseline)\n", sh, sh - base,
	       sh / base);

	agent_inbox_free(in);
	config_free(cfg);
	record_owned_free(ro);
	diag_done(&d);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
