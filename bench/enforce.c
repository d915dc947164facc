/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.c - the cost of the fanotify enforcer on a workload its rules never touch, and the
 * latency of a blocked exec.
 *
 *   build/bench/enforce [rounds [blocked]]
 *
 * rounds 0 skips the overhead rounds (only the blocked-exec phases run); blocked is the number
 * of blocked execs per phase (default 2000, at most ENFORCE_LATENCY_SAMPLES).
 *
 * 100 Block rules (50 exec, 50 open) on test-owned files the workload never touches. Rounds
 * alternate "no enforcer" and "enforcer running" so machine noise hits both alike; the ratio
 * is of the medians. Workloads: open+close of another file (200k times), fork+exec of a copy
 * of /bin/true (1000 times). Then 2000 execs of a blocked copy: time in the enforcer (event
 * read → response written; with WARD_BENCH_CPU_TIME set, also the enforcer thread's CPU time
 * over it) and end-to-end around the execve() call in the child: repeats of a
 * pending block (a retry storm, folded into the first record); then the same with folding off,
 * so that every block is a first of its kind (what it reads before the answer is what the first
 * block of a new kind reads) and emits its record; then the repeats again with the enforcer
 * thread at SCHED_FIFO (opts.rt_priority).
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

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ns per open+close, wall; *ret_cpu gets the same in this process's CPU time */
static double work_open(const char *path, int n, double *ret_cpu)
{
	double t0 = now_s(), c0 = cpu_s();
	int i;

	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			exit(1);
		close(fd);
	}
	*ret_cpu = (cpu_s() - c0) / n * 1e9;
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

/*
 * The enforcer runs in its own process, as the agent does: in the workload's process every
 * fork() would make the enforcer's pages copy-on-write and bill those copies to its decisions.
 * Returns the child's pid; @ret_fd reads the latencies (wall, then CPU) when it is told to stop.
 */
struct enf_child {
	pid_t pid;
	int cmd_fd, res_fd;
};

static int enf_child_start(const struct enforce_hooks *h, const struct enforce_opts *o,
			   struct enf_child *ret)
{
	int cmd[2], res[2];
	char c;

	if (pipe(cmd) < 0 || pipe(res) < 0)
		return -1;
	ret->pid = fork();
	if (ret->pid == 0) {
		struct enforce *e;
		static uint32_t lat[ENFORCE_LATENCY_SAMPLES], latc[ENFORCE_LATENCY_SAMPLES];
		uint32_t n, nc;

		close(cmd[1]);
		close(res[0]);
		if (enforce_start(h, o, NULL, NULL, &e) < 0)
			_exit(1);
		c = 'r';
		if (write(res[1], &c, 1) != 1 || read(cmd[0], &c, 1) != 1)
			_exit(1);
		n = (uint32_t)enforce_get_latencies(e, 0, lat, ENFORCE_LATENCY_SAMPLES);
		nc = (uint32_t)enforce_get_latencies(e, 1, latc, ENFORCE_LATENCY_SAMPLES);
		enforce_close(e);
		if (write(res[1], &n, sizeof(n)) != sizeof(n) ||
		    write(res[1], lat, n * sizeof(uint32_t)) != (ssize_t)(n * sizeof(uint32_t)) ||
		    write(res[1], &nc, sizeof(nc)) != sizeof(nc) ||
		    write(res[1], latc, nc * sizeof(uint32_t)) != (ssize_t)(nc * sizeof(uint32_t)))
			_exit(1);
		_exit(0);
	}
	close(cmd[0]);
	close(res[1]);
	ret->cmd_fd = cmd[1];
	ret->res_fd = res[0];
	if (read(ret->res_fd, &c, 1) != 1)
		return -1;
	return 0;
}

static size_t read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, (char *)buf + got, len - got)) > 0)
		got += (size_t)n;
	return got;
}

/* Stops the child; fills @lat/@latc (room for ENFORCE_LATENCY_SAMPLES) when not NULL. */
static void enf_child_stop(struct enf_child *c, uint32_t *lat, size_t *nl, uint32_t *latc,
			   size_t *nc)
{
	uint32_t n = 0;
	static uint32_t scratch[ENFORCE_LATENCY_SAMPLES];

	if (write(c->cmd_fd, "s", 1) != 1)
		exit(1);
	read_all(c->res_fd, &n, sizeof(n));
	read_all(c->res_fd, lat ? lat : scratch, n * sizeof(uint32_t));
	if (nl)
		*nl = n;
	read_all(c->res_fd, &n, sizeof(n));
	read_all(c->res_fd, latc ? latc : scratch, n * sizeof(uint32_t));
	if (nc)
		*nc = n;
	close(c->cmd_fd);
	close(c->res_fd);
	waitpid(c->pid, NULL, 0);
}

/* @n execs of @blocked, each denied; prints the enforcer's and the end-to-end latencies. */
static int blocked_phase(const struct enforce_hooks *h, const struct enforce_opts *opts,
			 const char *blocked, int n_blocked, const char *label)
{
	struct enf_child ec;
	uint32_t *lat, *latc;
	size_t nl, nc;
	double *e2e;
	int i, pfd[2];

	if (enf_child_start(h, opts, &ec) < 0)
		return -1;
	e2e = calloc((size_t)n_blocked, sizeof(double));
	for (i = 0; i < n_blocked; i++) {
		pid_t c;
		int st;

		if (pipe(pfd) < 0)
			return -1;
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
			return -1;
		}
		close(pfd[0]);
		waitpid(c, &st, 0);
	}
	lat = calloc(ENFORCE_LATENCY_SAMPLES, sizeof(uint32_t));
	latc = calloc(ENFORCE_LATENCY_SAMPLES, sizeof(uint32_t));
	enf_child_stop(&ec, lat, &nl, latc, &nc);
	qsort(latc, nc, sizeof(uint32_t), cmp_u);
	qsort(e2e, (size_t)n_blocked, sizeof(double), cmp_d);
	qsort(lat, nl, sizeof(uint32_t), cmp_u);
	if (getenv("WARD_BENCH_RAW")) {
		/* every sample, for pooling runs (bench/enforce_ab.sh): "label ns" per line */
		FILE *raw = fopen(getenv("WARD_BENCH_RAW"), "a");

		for (size_t k = 0; raw && k < nl; k++)
			fprintf(raw, "%s %u\n", label[0] ? label + 2 : "-", lat[k]);
		if (raw)
			fclose(raw);
	}
	printf("blocked exec%s, in the enforcer, wall (%zu events): p50 %.1f us, p99 %.1f us, "
	       "p99.9 %.1f us, max %.1f us\n",
	       label, nl, lat[nl / 2] / 1e3, lat[nl * 99 / 100] / 1e3, lat[nl * 999 / 1000] / 1e3,
	       lat[nl - 1] / 1e3);
	if (opts->cpu_latency)
		printf("blocked exec%s, enforcer thread CPU time: p50 %.1f us, p99 %.1f us\n",
		       label, latc[nc / 2] / 1e3, latc[nc * 99 / 100] / 1e3);
	printf("blocked exec%s, end-to-end execve() (%d calls): p50 %.1f us, p99 %.1f us\n", label,
	       n_blocked, e2e[n_blocked / 2] * 1e6, e2e[n_blocked * 99 / 100] * 1e6);
	free(e2e);
	free(lat);
	free(latc);
	return 0;
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
	struct enf_child ec;
	double base_open_cpu[16], enf_open_cpu[16];
	double base_open[16], enf_open[16], base_exec[16], enf_exec[16];
	int i, r, n_blocked = argc > 2 ? atoi(argv[2]) : 2000;

	if (rounds > 16)
		rounds = 16;
	if (rounds < 0)
		rounds = 0;
	if (n_blocked < 100 || n_blocked > ENFORCE_LATENCY_SAMPLES)
		n_blocked = n_blocked < 100 ? 100 : ENFORCE_LATENCY_SAMPLES;
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
	/* the thread CPU clock costs two system calls per event: only when asked (the agent
	 * does not sample it; with it on, the wall figures include its cost) */
	opts.cpu_latency = getenv("WARD_BENCH_CPU_TIME") != NULL;

	for (r = 0; r < rounds; r++) {
		base_open[r] = work_open(other, 200000, &base_open_cpu[r]);
		base_exec[r] = work_exec(prog, 1000);
		if (enf_child_start(&h, &opts, &ec) < 0) {
			fprintf(stderr, "enforce_start failed\n");
			return 1;
		}
		enf_open[r] = work_open(other, 200000, &enf_open_cpu[r]);
		enf_exec[r] = work_exec(prog, 1000);
		enf_child_stop(&ec, NULL, NULL, NULL, NULL);
	}
	if (rounds == 0)
		goto blocked;
	qsort(base_open, (size_t)rounds, sizeof(double), cmp_d);
	qsort(enf_open, (size_t)rounds, sizeof(double), cmp_d);
	qsort(base_open_cpu, (size_t)rounds, sizeof(double), cmp_d);
	qsort(enf_open_cpu, (size_t)rounds, sizeof(double), cmp_d);
	qsort(base_exec, (size_t)rounds, sizeof(double), cmp_d);
	qsort(enf_exec, (size_t)rounds, sizeof(double), cmp_d);
	printf("rules: %d Block rules (50 exec, 50 open) on untouched files; %d rounds, medians\n",
	       N_RULES, rounds);
	printf("open+close: no enforcer %.0f ns, enforcer %.0f ns, ratio %.3f\n",
	       base_open[rounds / 2], enf_open[rounds / 2],
	       enf_open[rounds / 2] / base_open[rounds / 2]);
	printf("best of %d rounds: open+close %.0f / %.0f ns (ratio %.3f), CPU %.0f / %.0f ns (ratio "
	       "%.3f), fork+exec+wait %.1f / %.1f us (ratio %.3f)\n",
	       rounds, base_open[0], enf_open[0], enf_open[0] / base_open[0], base_open_cpu[0],
	       enf_open_cpu[0], enf_open_cpu[0] / base_open_cpu[0], base_exec[0], enf_exec[0],
	       enf_exec[0] / base_exec[0]);
	printf("open+close, CPU time: no enforcer %.0f ns, enforcer %.0f ns, ratio %.3f\n",
	       base_open_cpu[rounds / 2], enf_open_cpu[rounds / 2],
	       enf_open_cpu[rounds / 2] / base_open_cpu[rounds / 2]);
	printf("fork+exec+wait: no enforcer %.1f us, enforcer %.1f us, ratio %.3f\n",
	       base_exec[rounds / 2], enf_exec[rounds / 2],
	       enf_exec[rounds / 2] / base_exec[rounds / 2]);

blocked:
	/* blocked exec latency */
	rules[N_RULES] = (struct trule){ .op = POLICY_OP_PROCESS,
					 .kind = POLICY_INTEREST_PATH,
					 .value = blocked,
					 .action = POLICY_ACTION_BLOCK,
					 .info = { .policy_name = "bench-blocked" } };
	pol.n = N_RULES + 1;
	if (blocked_phase(&h, &opts, blocked, n_blocked, ", repeats of a pending block") < 0)
		return 1;
	/* every block a first of its kind: no folding, each one reads and emits its record */
	opts.fold_ms = 0;
	if (blocked_phase(&h, &opts, blocked, n_blocked, ", first of a kind (folding off)") < 0)
		return 1;
	/* the option for busy machines: the enforcer thread at SCHED_FIFO 10 */
	opts.fold_ms = 1000;
	opts.rt_priority = 10;
	if (blocked_phase(&h, &opts, blocked, n_blocked, ", repeats, enforcer thread SCHED_FIFO") <
	    0)
		return 1;
	for (i = 0; i < N_RULES; i++)
		unlink(p[i]);
	unlink(other);
	unlink(prog);
	unlink(blocked);
	rmdir(dir);
	return 0;
}
