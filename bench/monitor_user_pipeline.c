/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor_user_pipeline.c - user-space cost per event of `ward agent`: decode (ring-buffer
 * record → struct ward_event) + enrich (process table, container) + match (compiled KubeArmor
 * policies) + build + format the KubeArmor JSON line, handed to a counting sink. Synthetic
 * records, no kernel. Baseline in the same run: record_to_json() alone on a prebuilt record
 * (the floor any pipeline pays).
 *
 * Usage: build/bench/monitor_user_pipeline [EVENTS]   (default 2000000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "config/config.h"
#include "monitor/decode.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared, loaded machine wall time also counts waiting for a CPU. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct counter {
	uint64_t records, bytes;
};

static int count_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)r;
	(void)json;
	struct counter *c = ctx;
	c->records++;
	c->bytes += len + 1;
	return 0;
}

static const char policy[] =
	"apiVersion: security.kubearmor.com/v1\n"
	"kind: KubeArmorHostPolicy\n"
	"metadata: {name: ksp-discovery-process-discovery}\n"
	"spec:\n"
	"  severity: 5\n"
	"  tags: [MITRE, Discovery]\n"
	"  message: Someone accessed running process\n"
	"  nodeSelector: {matchLabels: {kubearmor.io/hostname: \"*\"}}\n"
	"  action: Audit\n"
	"  process:\n"
	"    matchPaths: [{path: /usr/bin/ps}, {path: /usr/bin/top}]\n"
	"---\n"
	"apiVersion: security.kubearmor.com/v1\n"
	"kind: KubeArmorHostPolicy\n"
	"metadata: {name: audit-etc-writes}\n"
	"spec:\n"
	"  severity: 3\n"
	"  nodeSelector: {matchLabels: {kubearmor.io/hostname: \"*\"}}\n"
	"  action: Audit\n"
	"  file:\n"
	"    matchDirectories: [{dir: /etc/, recursive: true, readOnly: true}]\n"
	"    matchPaths: [{path: /root/.ssh/authorized_keys}]\n";

/* One syscall record as the kernel writes it (variable size: fixed part + path). */
static size_t make_sys(struct ward_kev_syscall *k, uint32_t nr, const char *path, int64_t a1,
		       int64_t a2, int64_t a3)
{
	memset(k, 0, sizeof(*k));
	k->hdr.type = WARD_KEV_SYSCALL;
	k->hdr.ts_ns = 123456789;
	k->hdr.host_pid = k->hdr.host_tid = k->hdr.pid = (uint32_t)getpid();
	k->hdr.host_ppid = k->hdr.ppid = (uint32_t)getppid();
	snprintf(k->hdr.comm, sizeof(k->hdr.comm), "bench");
	k->nr = nr;
	k->args[0] = nr == 257 ? -100 : a1;
	k->args[1] = nr == 257 ? 0 : a2;
	k->args[2] = nr == 257 ? a1 : a3;
	if (nr == 42) {
		k->family = 2;
		k->port = 443;
		k->addr[0] = 10;
		k->addr[3] = 7;
		k->flags = WARD_KSYS_HAS_ADDR;
		k->args[0] = 5;
	}
	if (path)
		snprintf(k->path, sizeof(k->path), "%s", path);
	k->hdr.size = WARD_KEV_SYS_SIZE_PATH;
	return k->hdr.size;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	char dir[] = "/tmp/ward-mu-bench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char ppath[64];
	snprintf(ppath, sizeof(ppath), "%s/p.yaml", dir);
	FILE *f = fopen(ppath, "w");
	fputs(policy, f);
	fclose(f);

	struct ward_config *cfg;
	if (config_new_default(&cfg))
		return 1;
	const char *pol = dir;
	config_set_policies(cfg, &pol, 1);
	struct agent *a;
	struct agent_opts o = { .cfg = cfg };
	if (agent_new(&o, &a))
		return 1;
	struct counter cnt = { 0 };
	struct agent_sink s = { .ctx = &cnt, .write = count_write };
	agent_add_sink(a, &s);
	struct agent_matcher m;
	struct diag d;
	diag_init(&d);
	if (agent_matcher_policy(cfg->hostname, &m) || agent_set_matcher(a, &m, &d) < 0 ||
	    diag_has_errors(&d)) {
		fprintf(stderr, "policies did not load\n");
		return 1;
	}
	diag_done(&d);

	/* the mix: mostly opens (as on a real host), some unlinks, sockets, connects, caps */
	enum {
		MIX = 10
	};
	static struct ward_kev_syscall recs[MIX];
	size_t sizes[MIX];
	sizes[0] = make_sys(&recs[0], 257, "/usr/lib/x86_64-linux-gnu/libc.so.6", 02000000, 0, 0);
	sizes[1] = make_sys(&recs[1], 257, "/etc/passwd", 0, 0, 0);
	sizes[2] = make_sys(&recs[2], 257, "/etc/hosts", 01 | 0100 | 01000, 0, 0); /* alert */
	sizes[3] = make_sys(&recs[3], 257, "/var/log/syslog", 01 | 02000, 0, 0);
	sizes[4] = make_sys(&recs[4], 257, "/proc/self/status", 0, 0, 0);
	sizes[5] = make_sys(&recs[5], 257, "/nonexistent", 0, 0, 0);
	recs[5].retval = -2;
	sizes[6] = make_sys(&recs[6], 87, "/tmp/x.lock", 0, 0, 0);
	sizes[7] = make_sys(&recs[7], 41, NULL, 2, 1 | 02000000, 6);
	sizes[8] = make_sys(&recs[8], 42, NULL, 5, 0, 16);
	sizes[9] = make_sys(&recs[9], 257, "relative/file.txt", 0, 0, 0);
	/* as the kernel sends a relative path: with the dentry walk of the cwd, leaf first */
	memcpy(recs[9].base, "work\0root\0", 10);
	recs[9].base_len = 10;
	recs[9].hdr.size = WARD_KEV_SYS_SIZE_BASE;
	sizes[9] = WARD_KEV_SYS_SIZE_BASE;

	struct monitor_decoder dec;
	monitor_decoder_init(&dec);
	struct ward_event ev;
	for (int i = 0; i < MIX; i++) {
		if (monitor_decode(&dec, &recs[i], sizes[i], &ev) != 0) {
			fprintf(stderr, "record %d does not decode\n", i);
			return 1;
		}
	}

	/* baseline: JSON formatting alone */
	struct ward_record base = { .ts_ns = 1717156232000000000LL,
				    .cluster_name = "default",
				    .host_name = "node-1",
				    .host_pid = 1234,
				    .pid = 1234,
				    .process_name = "/usr/bin/cat",
				    .source = "/usr/bin/cat /etc/passwd",
				    .type = "HostLog",
				    .operation = "File",
				    .resource = "/etc/passwd",
				    .data = "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY",
				    .result = "Passed",
				    .cwd = "/root/" };
	struct strbuf sb;
	strbuf_init(&sb);
	double c0 = cpu_s();
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		strbuf_reset(&sb);
		if (record_to_json(&base, &sb))
			return 1;
	}
	double t_base = now_s() - t0;
	double c_base = cpu_s() - c0;
	strbuf_done(&sb);

	c0 = cpu_s();
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		int k = (int)(i % MIX);
		if (monitor_decode(&dec, &recs[k], sizes[k], &ev) == 0)
			agent_handle_event(a, &ev);
	}
	double t = now_s() - t0;
	double c = cpu_s() - c0;
	struct agent_stats st;
	agent_get_stats(a, &st);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("events            %ld (%llu rules)\n", n, (unsigned long long)st.rules);
	printf("records           %llu (%llu alerts, %llu logs), %.1f MB of JSON\n",
	       (unsigned long long)st.records, (unsigned long long)st.alerts,
	       (unsigned long long)st.logs, (double)cnt.bytes / 1e6);
	printf("pipeline          wall %.3f s (%.0f events/s)  cpu %.3f s (%.0f events/s, %.0f ns/event)\n",
	       t, (double)n / t, c, (double)n / c, c / (double)n * 1e9);
	printf("baseline (JSON)   wall %.3f s (%.0f records/s)  cpu %.3f s (%.0f records/s, %.0f ns/record)\n",
	       t_base, (double)n / t_base, c_base, (double)n / c_base, c_base / (double)n * 1e9);
	printf("ratio             %.2fx the JSON-only floor (cpu)\n", c / c_base);
	printf("max RSS           %ld KiB\n", ru.ru_maxrss);
	agent_free(a);
	config_free(cfg);
	unlink(ppath);
	rmdir(dir);
	return 0;
}
