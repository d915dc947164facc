/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.c - the cost of the fanotify enforcer on a workload its rules never touch, and the
 * latency of a blocked exec.
 *
 *   build/bench/enforce [rounds]
 *
 * 100 Block rules (50 exec, 50 open) on test-owned files the workload never touches. Rounds
 * alternate "no enforcer" and "enforcer running" so machine noise hits both alike; the ratio
 * is of the medians. Workloads: open+close of another file (200k times), fork+exec of a copy
 * of /bin/true (1000 times). Then 2000 execs of a blocked copy: time in the enforcer (event
 * read → response written) and end-to-end around the execve() call in the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "kernel/enforce_rules.h"

#define N_RULES 100

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;

	if (in < 0 || out < 0) {
		perror(to);
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			exit(1);
	close(in);
	close(out);
}

static double work_open(const char *path, int n)
{
	double t0 = now_s();
	int i;

	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			exit(1);
		close(fd);
	}
	return (now_s() - t0) / n * 1e9;
}

static double work_exec(const char *path, int n)
{
	double t0 = now_s();
	int i, st;

	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			execl(path, path, (char *)NULL);
			_exit(127);
		}
		waitpid(p, &st, 0);
	}
	return (now_s() - t0) / n * 1e6;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	char dir[] = "/tmp/ward-bench-enforce-XXXXXX", p[N_RULES][300], other[300], prog[300],
	     blocked[300];
	static struct trule rules[N_RULES + 1];
	struct tpolicy pol = { .rules = rules };
	struct enforce_opts opts;
	struct enforce_hooks h;
	struct enforce *e;
	double base_open[16], enf_open[16], base_exec[16], enf_exec[16], *e2e;
	uint32_t *lat;
	size_t nl;
	int i, r, n_blocked = 2000, pfd[2];

	if (rounds > 16)
		rounds = 16;
	if (!mkdtemp(dir))
		return 1;
	for (i = 0; i < N_RULES; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/rule-%03d", dir, i);
		copy_file("/usr/bin/true", p[i]);
		rules[i] = (struct trule){ .op = i % 2 ? POLICY_OP_FILE : POLICY_OP_PROCESS,
					   .kind = POLICY_INTEREST_PATH,
					   .value = p[i],
					   .action = POLICY_ACTION_BLOCK,
					   .info = { .policy_name = "bench" } };
	}
	pol.n = N_RULES;
	snprintf(other, sizeof(other), "%s/other", dir);
	snprintf(prog, sizeof(prog), "%s/true", dir);
	snprintf(blocked, sizeof(blocked), "%s/blocked", dir);
	copy_file("/etc/hostname", other);
	copy_file("/usr/bin/true", prog);
	copy_file("/usr/bin/true", blocked);
	h = thooks(&pol);
	enforce_opts_init(&opts);
	opts.no_network = 1;

	for (r = 0; r < rounds; r++) {
		base_open[r] = work_open(other, 200000);
		base_exec[r] = work_exec(prog, 1000);
		if (enforce_start(&h, &opts, NULL, NULL, &e) < 0) {
			fprintf(stderr, "enforce_start failed\n");
			return 1;
		}
		enf_open[r] = work_open(other, 200000);
		enf_exec[r] = work_exec(prog, 1000);
		enforce_close(e);
	}
	qsort(base_open, (size_t)rounds, sizeof(double), cmp_d);
	qsort(enf_open, (size_t)rounds, sizeof(double), cmp_d);
	qsort(base_exec, (size_t)rounds, sizeof(double), cmp_d);
	qsort(enf_exec, (size_t)rounds, sizeof(double), cmp_d);
	printf("rules: %d Block rules (50 exec, 50 open) on untouched files; %d rounds, medians\n",
	       N_RULES, rounds);
	printf("open+close: no enforcer %.0f ns, enforcer %.0f ns, ratio %.3f\n",
	       base_open[rounds / 2], enf_open[rounds / 2],
	       enf_open[rounds / 2] / base_open[rounds / 2]);
	printf("fork+exec+wait: no enforcer %.1f us, enforcer %.1f us, ratio %.3f\n",
	       base_exec[rounds / 2], enf_exec[rounds / 2],
	       enf_exec[rounds / 2] / base_exec[rounds / 2]);

	/* blocked exec latency */
	rules[N_RULES] = (struct trule){ .op = POLICY_OP_PROCESS,
					 .kind = POLICY_INTEREST_PATH,
					 .value = blocked,
					 .action = POLICY_ACTION_BLOCK,
					 .info = { .policy_name = "bench-blocked" } };
	pol.n = N_RULES + 1;
	if (enforce_start(&h, &opts, NULL, NULL, &e) < 0)
		return 1;
	e2e = calloc((size_t)n_blocked, sizeof(double));
	for (i = 0; i < n_blocked; i++) {
		pid_t c;
		int st;

		if (pipe(pfd) < 0)
			return 1;
		c = fork();
		if (c == 0) {
			double t0 = now_s(), dt;

			execl(blocked, blocked, (char *)NULL);
			dt = now_s() - t0;
			if (errno != EPERM)
				dt = -1;
			if (write(pfd[1], &dt, sizeof(dt)) != sizeof(dt))
				_exit(2);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], &e2e[i], sizeof(double)) != sizeof(double) || e2e[i] < 0) {
			fprintf(stderr, "blocked exec was not denied\n");
			return 1;
		}
		close(pfd[0]);
		waitpid(c, &st, 0);
	}
	lat = calloc(ENFORCE_LATENCY_SAMPLES, sizeof(uint32_t));
	nl = enforce_get_latencies(e, lat, ENFORCE_LATENCY_SAMPLES);
	enforce_close(e);
	qsort(e2e, (size_t)n_blocked, sizeof(double), cmp_d);
	qsort(lat, nl, sizeof(uint32_t), cmp_u);
	printf("blocked exec, in the enforcer (%zu events): p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       nl, lat[nl / 2] / 1e3, lat[nl * 99 / 100] / 1e3, lat[nl - 1] / 1e3);
	printf("blocked exec, end-to-end execve() (%d calls): p50 %.1f us, p99 %.1f us\n",
	       n_blocked, e2e[n_blocked / 2] * 1e6, e2e[n_blocked * 99 / 100] * 1e6);
	free(e2e);
	free(lat);
	for (i = 0; i < N_RULES; i++)
		unlink(p[i]);
	unlink(other);
	unlink(prog);
	unlink(blocked);
	rmdir(dir);
	return 0;
}
