/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor_bench.c - cost of the monitor on a syscall-heavy workload, as ratios against the same
 * workload without the monitor in the same invocation (docs/benchmarks/monitor.md).
 *
 * Workload (a forked child, so the monitor's own-pid filter does not hide it): open+close of one
 * file in a loop, posix_spawn of /bin/true + waitpid, TCP connect+accept on loopback. The parent
 * is the consumer: libward's monitor (ring buffer + decode) with a callback that only counts, the
 * same path the agent uses before enrichment. Rounds alternate modes so machine noise hits all
 * of them; the minimum and the median round are reported.
 *
 *   monitor_bench [--rounds N] [--modes baseline,policy,policy-file,policy-file-tp,full]
 *                 [--workload-only] [--prog-stats]
 *
 * --prog-stats turns on the kernel's BPF run-time statistics (they add two clock reads to every
 * program run, so ratios from such a run are not the figures) and prints, per mode, each ward
 * program's runs and nanoseconds per run, summed over the rounds.
 *
 * policy-file is the agent's configuration for file Audit rules on paths and directories: the
 * fanotify enforcer marks them (enforce opts.audit_files) and the monitor attaches no syscall
 * hook for them; policy-file-tp serves the same rules from the raw sys_exit hook instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/diag.h"
#include "enforce/enforce.h"
#include "monitor/monitor.h"
#include "policy/policy.h"

extern char **environ;

#define N_OPEN	   100000
#define N_SPAWN	   400
#define N_CONNECT  4000
#define N_MARKED   2000
#define MARKED	   "/etc/shadow" /* named by the policy-file modes' Audit rule */
#define PORT	   18210
#define MAX_ROUNDS 21

enum wl {
	WL_OPEN = 0,
	WL_SPAWN,
	WL_CONNECT,
	WL_MARKED,
	WL_COUNT
};
static const char *const wl_names[WL_COUNT] = { "open+close", "posix_spawn /bin/true",
						"tcp connect+accept", "open+close " MARKED };
static const int wl_iters[WL_COUNT] = { N_OPEN, N_SPAWN, N_CONNECT, N_MARKED };

enum mode {
	M_BASE = 0,
	M_POLICY,
	M_POLICY_FILE,
	M_POLICY_FILE_TP,
	M_FULL,
	M_COUNT
};
static const char *const mode_names[M_COUNT] = { "baseline", "policy", "policy-file",
						 "policy-file-tp", "full" };

/* The file Audit rules of the policy-file modes, as a host policy (the enforcer's input). */
static const char file_policy[] = "apiVersion: security.kubearmor.com/v1\n"
				  "kind: KubeArmorHostPolicy\n"
				  "metadata: {name: bench-files}\n"
				  "spec:\n"
				  "  nodeSelector: {matchLabels: {kubearmor.io/hostname: \"*\"}}\n"
				  "  action: Audit\n"
				  "  file:\n"
				  "    matchPaths: [{path: /etc/shadow}]\n"
				  "    matchDirectories: [{dir: /root/.ssh/, recursive: true}]\n";

static struct policy_set *file_set;

static int compile_file_set(void)
{
	struct policy_doc_list *l = NULL;
	struct policy_compile_opts o;
	struct diag d;
	int r;

	diag_init(&d);
	r = policy_load_buffer("bench-files.yaml", file_policy, sizeof(file_policy) - 1, &l, &d);
	if (r == 0) {
		policy_compile_opts_init(&o);
		r = policy_set_compile(l, &o, &file_set, &d);
	} else if (r > 0) {
		r = -EINVAL;
	}
	policy_doc_list_free(l);
	diag_done(&d);
	return r;
}

static void count_record(void *ctx, const struct ward_record *r)
{
	(void)r;
	++*(uint64_t *)ctx;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * CPU time of this process plus its reaped children (the spawned /bin/true). The monitor's
 * kernel programs run in the context of the traced task, so their cost is in here; CPU time is
 * far less disturbed than wall time by the other jobs sharing this 2-core machine.
 */
static double cpu_ns(void)
{
	struct rusage ru;
	double t = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		t += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		t += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	return t;
}

/* ---- workload (child) ---------------------------------------------------------------------- */

static double cpu0;

static double wl_open(const char *path, int n)
{
	double t0 = now_ns();

	cpu0 = cpu_ns();
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(10);
		close(fd);
	}
	return (now_ns() - t0) / n;
}

static double wl_spawn(void)
{
	char *argv[] = { "/bin/true", NULL };
	double t0 = now_ns();
	int i, st;
	pid_t p;

	cpu0 = cpu_ns();
	for (i = 0; i < N_SPAWN; i++) {
		if (posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ) != 0)
			_exit(11);
		waitpid(p, &st, 0);
	}
	return (now_ns() - t0) / N_SPAWN;
}

static double wl_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, l, s, a, i;
	double t0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 64) < 0)
		_exit(12);
	t0 = now_ns();
	cpu0 = cpu_ns();
	for (i = 0; i < N_CONNECT; i++) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(13);
		a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			_exit(14);
		/* RST instead of FIN: no TIME_WAIT pile-up over thousands of loopback connections */
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s);
		close(a);
	}
	t0 = (now_ns() - t0) / N_CONNECT;
	close(l);
	return t0;
}

/* ret[0..WL_COUNT-1]: wall ns/op; ret[WL_COUNT..]: CPU ns/op */
static void workload(const char *file, double ret[2 * WL_COUNT])
{
	ret[WL_OPEN] = wl_open(file, N_OPEN);
	ret[WL_COUNT + WL_OPEN] = (cpu_ns() - cpu0) / N_OPEN;
	ret[WL_SPAWN] = wl_spawn();
	ret[WL_COUNT + WL_SPAWN] = (cpu_ns() - cpu0) / N_SPAWN;
	ret[WL_CONNECT] = wl_connect();
	ret[WL_COUNT + WL_CONNECT] = (cpu_ns() - cpu0) / N_CONNECT;
	/* a file an Audit rule names: every open is an alert (policy-file: the opener waits for
	 * the enforcer's answer to the permission event, so wall time is the figure here) */
	ret[WL_MARKED] = wl_open(MARKED, N_MARKED);
	ret[WL_COUNT + WL_MARKED] = (cpu_ns() - cpu0) / N_MARKED;
}

/* ---- consumer (parent) --------------------------------------------------------------------- */

struct counts {
	uint64_t events, lost;
};

static int count_cb(void *ctx, const struct ward_event *e)
{
	struct counts *c = ctx;

	if (e->kind == WARD_EV_DROPS)
		c->lost += e->lost;
	else
		c->events++;
	return 0;
}

static uint64_t fan_records;

/* ---- BPF program statistics (--prog-stats) ------------------------------------------------ */

#define MAX_PROGS 16
struct prog_stat {
	char name[BPF_OBJ_NAME_LEN];
	unsigned long long cnt, ns;
};
static struct prog_stat pstats[M_COUNT][MAX_PROGS];

/* The highest BPF program id now: programs loaded after it are this round's. */
static __u32 last_prog_id(void)
{
	__u32 id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0)
		;
	return id;
}

/*
 * Add the run counts of the programs named ward_* loaded after @after: this round's monitor,
 * not the ward agents and tests other engineers run on the same machine.
 */
static void collect_prog_stats(enum mode m, __u32 after)
{
	__u32 id = after;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strncmp(info.name, "ward_", 5)) {
			for (int i = 0; i < MAX_PROGS; i++) {
				struct prog_stat *p = &pstats[m][i];

				if (p->name[0] && strcmp(p->name, info.name))
					continue;
				snprintf(p->name, sizeof(p->name), "%s", info.name);
				p->cnt += info.run_cnt;
				p->ns += info.run_time_ns;
				break;
			}
		}
		close(fd);
	}
}

static int open_mode(enum mode m, struct monitor **ret, struct enforce **ret_e)
{
	struct monitor_config cfg;
	int r;

	monitor_config_init(&cfg);
	if (m == M_FULL)
		cfg.visibility = MONITOR_VIS_ALL;
	/* as `ward agent` runs it: the enforcer's fanotify marks serve the file rules */
	cfg.file_rules_by_fanotify = m == M_POLICY_FILE;
	r = monitor_open(&cfg, ret);
	if (r < 0)
		return r;
	if (m == M_POLICY_FILE) {
		struct enforce_opts eo;

		enforce_opts_init(&eo);
		eo.audit_files = 1;
		eo.no_network = 1; /* the network rules here are the monitor's (cgroup hook) */
		r = enforce_open(file_set, &eo, count_record, &fan_records, ret_e);
		if (r < 0)
			return r;
	}
	if (m == M_POLICY || m == M_POLICY_FILE || m == M_POLICY_FILE_TP) {
		/* A few Audit rules, as examples/ policies have: process paths and a network
		 * protocol; policy-file adds file rules on paths the workload does not touch. */
		monitor_interest_begin(*ret);
		monitor_interest_add(*ret, POLICY_OP_PROCESS, POLICY_INTEREST_PATH, "/usr/bin/nc",
				     POLICY_ACTION_AUDIT);
		monitor_interest_add(*ret, POLICY_OP_PROCESS, POLICY_INTEREST_DIR, "/usr/sbin/",
				     POLICY_ACTION_AUDIT);
		monitor_interest_add(*ret, POLICY_OP_NETWORK, POLICY_INTEREST_ANY, NULL,
				     POLICY_ACTION_AUDIT);
		if (m == M_POLICY_FILE || m == M_POLICY_FILE_TP) {
			monitor_interest_add(*ret, POLICY_OP_FILE, POLICY_INTEREST_PATH,
					     "/etc/shadow", POLICY_ACTION_AUDIT);
			monitor_interest_add(*ret, POLICY_OP_FILE, POLICY_INTEREST_DIR_RECURSIVE,
					     "/root/.ssh/", POLICY_ACTION_AUDIT);
		}
		r = monitor_interest_commit(*ret);
	}
	return r;
}

/* Run the workload in a child; the parent consumes until it exits. */
static int run_once(struct monitor *m, const char *file, double ret[2 * WL_COUNT], struct counts *c)
{
	int pfd[2], st;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		double r[2 * WL_COUNT];

		close(pfd[0]);
		workload(file, r);
		if (write(pfd[1], r, sizeof(r)) != sizeof(r))
			_exit(20);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (m)
			monitor_poll(m, 20, count_cb, c);
		else
			usleep(20000);
	}
	if (m)
		while (monitor_poll(m, 20, count_cb, c) > 0)
			;
	if (read(pfd[0], ret, sizeof(double) * 2 * WL_COUNT) !=
	    (ssize_t)(sizeof(double) * 2 * WL_COUNT)) {
		close(pfd[0]);
		return -EIO;
	}
	close(pfd[0]);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double res[M_COUNT][MAX_ROUNDS][2 * WL_COUNT];
	struct counts cnt[M_COUNT] = { { 0 } };
	int use[M_COUNT] = { 1, 1, 1, 1, 1 };
	int rounds = 5, i, r, round, wl, workload_only = 0, prog_stats = 0, stats_fd = -1;
	__u32 prog_id0 = 0;
	char file[] = "/tmp/ward-bench-XXXXXX";
	int fd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--modes") && i + 1 < argc) {
			char *s = argv[++i];

			memset(use, 0, sizeof(use));
			for (r = 0; r < M_COUNT; r++) {
				const char *p = strstr(s, mode_names[r]);
				size_t n = strlen(mode_names[r]);

				/* whole comma-separated words only ("policy" vs "policy-file") */
				while (p && ((p != s && p[-1] != ',') || (p[n] && p[n] != ',')))
					p = strstr(p + 1, mode_names[r]);
				use[r] = p != NULL;
			}
			use[M_BASE] = 1;
		} else if (!strcmp(argv[i], "--workload-only")) {
			workload_only = 1;
		} else if (!strcmp(argv[i], "--prog-stats")) {
			prog_stats = 1;
		} else {
			fprintf(stderr,
				"usage: %s [--rounds N] [--modes "
				"baseline,policy,policy-file,policy-file-tp,full] [--workload-only] "
				"[--prog-stats]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	if (prog_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0) {
		fprintf(stderr, "bpf_enable_stats: %s\n", strerror(errno));
		return 1;
	}
	if (use[M_POLICY_FILE] && (r = compile_file_set()) < 0) {
		fprintf(stderr, "policy: %s\n", strerror(-r));
		return 1;
	}
	fd = mkstemp(file);
	if (fd < 0)
		return 1;
	close(fd);
	if (workload_only) {
		double w[2 * WL_COUNT];

		workload(file, w);
		for (wl = 0; wl < WL_COUNT; wl++)
			printf("%-24s %10.1f ns/op wall %10.1f ns/op cpu\n", wl_names[wl], w[wl],
			       w[WL_COUNT + wl]);
		unlink(file);
		return 0;
	}

	for (round = 0; round < rounds; round++) {
		for (i = 0; i < M_COUNT; i++) {
			struct monitor *m = NULL;
			struct enforce *e = NULL;

			if (!use[i])
				continue;
			prog_id0 = prog_stats ? last_prog_id() : 0;
			if (i != M_BASE && (r = open_mode(i, &m, &e)) < 0) {
				fprintf(stderr, "monitor_open (%s): %s\n", mode_names[i],
					strerror(-r));
				unlink(file);
				return 1;
			}
			r = run_once(m, file, res[i][round], &cnt[i]);
			if (m) {
				struct monitor_counters mc;

				monitor_get_counters(m, &mc);
				cnt[i].lost = mc.lost > cnt[i].lost ? mc.lost : cnt[i].lost;
				fprintf(stderr, "round %d %-11s hooks=0x%x\n", round, mode_names[i],
					monitor_attached(m));
			}
			if (e) {
				struct enforce_stats es;

				enforce_get_stats(e, &es);
				fprintf(stderr,
					"round %d %-11s fanotify: %llu events, %llu records, %llu "
					"errors\n",
					round, mode_names[i], (unsigned long long)es.perm_events,
					(unsigned long long)es.records,
					(unsigned long long)es.errors);
			}
			if (m && prog_stats)
				collect_prog_stats(i, prog_id0);
			enforce_close(e);
			monitor_close(m);
			if (r < 0) {
				fprintf(stderr, "workload failed: %s\n", strerror(-r));
				unlink(file);
				return 1;
			}
		}
	}
	unlink(file);

	/*
	 * kind 0/1: wall, CPU; stat 0/1: minimum (the least disturbed round: the machine is
	 * shared), median.
	 */
	for (int kind = 0; kind < 2; kind++)
		for (int stat = 0; stat < 2; stat++) {
			printf("%-24s", kind ? (stat ? "CPU ns/op, median" : "CPU ns/op, min")
					     : (stat ? "wall ns/op, median" : "wall ns/op, min"));
			for (i = 0; i < M_COUNT; i++)
				if (use[i])
					printf(" %14s", mode_names[i]);
			printf("\n");
			for (wl = 0; wl < WL_COUNT; wl++) {
				double med[M_COUNT];

				for (i = 0; i < M_COUNT; i++) {
					double v[MAX_ROUNDS];

					if (!use[i])
						continue;
					for (round = 0; round < rounds; round++)
						v[round] = res[i][round][kind * WL_COUNT + wl];
					qsort(v, rounds, sizeof(double), cmp_d);
					med[i] = stat ? v[rounds / 2] : v[0];
				}
				printf("%-24s", wl_names[wl]);
				for (i = 0; i < M_COUNT; i++)
					if (use[i]) {
						if (i == M_BASE)
							printf(" %14.1f", med[i]);
						else
							printf(" %8.1f %4.2fx", med[i],
							       med[i] / med[M_BASE]);
					}
				printf("\n");
			}
		}
	printf("%-24s", "events consumed / lost");
	for (i = 0; i < M_COUNT; i++)
		if (use[i])
			printf(" %7llu/%-6llu", (unsigned long long)cnt[i].events,
			       (unsigned long long)cnt[i].lost);
	printf("\nfanotify records (policy-file): %llu", (unsigned long long)fan_records);
	if (prog_stats) {
		printf("\nBPF programs (runs, ns per run; summed over the rounds):");
		for (i = 0; i < M_COUNT; i++)
			for (int k = 0; k < MAX_PROGS && pstats[i][k].name[0]; k++)
				printf("\n  %-14s %-16s %12llu runs %8.1f ns/run", mode_names[i],
				       pstats[i][k].name, pstats[i][k].cnt,
				       pstats[i][k].cnt ? (double)pstats[i][k].ns / pstats[i][k].cnt
							: 0.0);
		close(stats_fd);
	}
	printf("\n(iterations per round: open %d, spawn %d, connect %d, %s %d; %d rounds)\n",
	       wl_iters[0], wl_iters[1], wl_iters[2], MARKED, wl_iters[3], rounds);
	return 0;
}
