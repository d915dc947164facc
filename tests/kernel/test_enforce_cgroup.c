/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_enforce_cgroup.c - network protocol and net_raw Block through cgroup-v2 BPF
 * (cgroup/sock_create) on the real kernel. The program is attached to a test-owned child
 * cgroup (the agent uses the root), and only the test's own programs run in it, so no other
 * process on the machine is ever affected; the cgroup is removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "enforce/enforce.h"
#include "kernel/enforce_rules.h"
#include "record/record.h"
#include "support/rec_collect.h"
#include "support/ward_test.h"

struct fx {
	char *dir;
	char cg[320];
	char a[512], b[512];
	struct trule rules[4];
	struct tpolicy pol;
	struct enforce_opts opts;
	struct enforce *e;
};

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static int find_cgroup2(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char dev[256], dir[256], type[64];
	int r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(buf, size, "%s", dir);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char helper[1024], root[256];
	const char *top = ward_test_top(), *build = getenv("WARD_BUILD");

	f->dir = ward_test_tmpdir();
	assert_non_null(f->dir);
	snprintf(helper, sizeof(helper), "%s/%s/tests/helpers/enforce_socket", top,
		 build && *build ? build : "build");
	snprintf(f->a, sizeof(f->a), "%s/sock-a", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/sock-b", f->dir);
	copy_file(helper, f->a);
	copy_file(helper, f->b);
	if (find_cgroup2(root, sizeof(root)) == 0) {
		snprintf(f->cg, sizeof(f->cg), "%s/ward-enforce-test-%d", root, (int)getpid());
		if (mkdir(f->cg, 0755) < 0)
			f->cg[0] = '\0';
	}
	f->pol.rules = f->rules;
	enforce_opts_init(&f->opts);
	f->opts.no_fanotify = 1;
	f->opts.fold_ms = 50;
	f->opts.cgroup = f->cg;
	recs_clear();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	enforce_close(f->e);
	if (f->cg[0])
		rmdir(f->cg);
	ward_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	recs_clear();
	return 0;
}

/* Runs @prog @arg inside the test cgroup; returns its exit status, output in @out. */
static int run_in_cg(struct fx *f, const char *prog, const char *arg, char *out, size_t size)
{
	int pfd[2], st;
	pid_t pid;
	ssize_t n, len = 0;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		char procs[400];
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->cg);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(98);
		close(fd);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + len, size - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void start(struct fx *f)
{
	struct enforce_hooks h = thooks(&f->pol);

	WARD_REQUIRE(f->cg[0], "a cgroup-v2 mount");
	WARD_REQUIRE(enforce_start(&h, &f->opts, on_record, NULL, &f->e) == 0,
		     "cgroup-v2 BPF sock_create");
}

static void cgroup_bpf_denies_raw_socket_for_one_program_only(void **state)
{
	struct fx *f = *state;
	char out[1024], exp[700];

	f->rules[0] = (struct trule){ .op = POLICY_OP_NETWORK,
				      .source = f->a,
				      .protos = 1u << POLICY_PROTO_RAW,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "no-raw-for-a", .severity = "7" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(run_in_cg(f, f->a, "raw", out, sizeof(out)), 1);
	assert_string_equal(out, "Operation not permitted\n");
	assert_int_equal(run_in_cg(f, f->a, "tcp", out, sizeof(out)), 0);
	assert_int_equal(run_in_cg(f, f->b, "raw", out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_non_null(strstr(recs[0], "\"PolicyName\":\"no-raw-for-a\""));
	assert_non_null(strstr(recs[0], "\"Operation\":\"Network\""));
	assert_non_null(
		strstr(recs[0], "\"Resource\":\"domain=AF_INET type=SOCK_RAW protocol=1\""));
	assert_non_null(strstr(recs[0], "\"Data\":\"syscall=SYS_SOCKET\""));
	assert_non_null(strstr(recs[0], "\"Enforcer\":\"cgroup-bpf\""));
	assert_non_null(strstr(recs[0], "\"Result\":\"Operation not permitted\""));
	snprintf(exp, sizeof(exp), "\"ProcessName\":\"%s\"", f->a);
	assert_non_null(strstr(recs[0], exp));
}

static void cgroup_bpf_net_raw_capability_block_denies_raw_sockets(void **state)
{
	struct fx *f = *state;
	char out[1024];

	f->rules[0] = (struct trule){ .op = POLICY_OP_CAPABILITIES,
				      .source = f->a,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "no-net-raw" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(run_in_cg(f, f->a, "raw", out, sizeof(out)), 1);
	assert_int_equal(run_in_cg(f, f->a, "udp", out, sizeof(out)), 0);
	assert_int_equal(run_in_cg(f, f->b, "raw", out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_non_null(strstr(recs[0], "\"Operation\":\"Capabilities\""));
	assert_non_null(strstr(recs[0], "\"Resource\":\"CAP_NET_RAW\""));
}

/* Allow tcp for program a with network posture block: a's udp and b's tcp are denied. */
static void cgroup_bpf_allow_list_with_block_posture(void **state)
{
	struct fx *f = *state;
	char out[1024];

	f->rules[0] = (struct trule){ .op = POLICY_OP_NETWORK,
				      .source = f->a,
				      .protos = 1u << POLICY_PROTO_TCP,
				      .action = POLICY_ACTION_ALLOW,
				      .info = { .policy_name = "a-tcp-only" } };
	f->pol.n = 1;
	f->pol.posture[POLICY_CLASS_NETWORK] = POLICY_POSTURE_BLOCK;
	start(f);
	assert_int_equal(run_in_cg(f, f->a, "tcp", out, sizeof(out)), 0);
	assert_int_equal(run_in_cg(f, f->a, "udp", out, sizeof(out)), 1);
	assert_int_equal(run_in_cg(f, f->b, "tcp", out, sizeof(out)), 1);
	assert_int_equal(recs_wait(2, 3000), 2);
	assert_non_null(strstr(recs[0], "\"PolicyName\":\"DefaultPosture\""));
	assert_non_null(strstr(recs[1], "\"PolicyName\":\"DefaultPosture\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cgroup_bpf_denies_raw_socket_for_one_program_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			cgroup_bpf_net_raw_capability_block_denies_raw_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(cgroup_bpf_allow_list_with_block_posture, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
