/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the agent pipeline (agent/agent.c) with synthetic events from this test process:
 * logs per visibility, alerts from a matcher, drop accounting and SystemEvent/Drop records,
 * the loop's reload on SIGHUP and stop on an eventfd.
 */
#include "support/ward_test.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/diag.h"
#include "config/config.h"

/* A matcher double: one Audit rule on exec of /usr/bin/ps, counting loads. */
struct fake_matcher {
	int loads;
	struct policy_rule_info rule;
};

static int fm_load(void *ctx, const char *const *paths, size_t n, struct diag *diag)
{
	(void)paths;
	(void)n;
	(void)diag;
	struct fake_matcher *m = ctx;
	m->loads++;
	return 1;
}

static const void *fm_host_scope(void *ctx)
{
	return ctx;
}

static int fm_container_scope(void *ctx, const struct mon_container *c, void **ret)
{
	(void)ctx;
	(void)c;
	*ret = NULL;
	return -ENOENT;
}

static void fm_decide(void *ctx, const void *scope, const struct ward_event *ev,
		      struct policy_event *pe, struct policy_verdict *ret)
{
	(void)scope;
	(void)ev;
	struct fake_matcher *m = ctx;
	memset(ret, 0, sizeof(*ret));
	if (pe->op == POLICY_OP_PROCESS && pe->process && !strcmp(pe->process, "/usr/bin/ps")) {
		ret->kind = POLICY_VERDICT_ALERT;
		ret->action = POLICY_ACTION_AUDIT;
		ret->host = 1;
		ret->rule = &m->rule;
	}
}

struct fixture {
	char *dir;
	char out[PATH_MAX];
	struct ward_config *cfg;
	struct agent *a;
	struct fake_matcher fm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = ward_test_tmpdir();
	snprintf(f->out, sizeof(f->out), "%.1000s/out.json", f->dir);
	assert_int_equal(config_new_default(&f->cfg), 0);
	assert_int_equal(config_set_string(&f->cfg->hostname, "h1"), 0);
	const char *pol = f->dir;
	assert_int_equal(config_set_policies(f->cfg, &pol, 1), 0);
	struct agent_opts o = { .cfg = f->cfg, .enforcer_alerts = 1 };
	assert_int_equal(agent_new(&o, &f->a), 0);
	struct agent_sink s;
	assert_int_equal(agent_sink_json_file(f->out, &s), 0);
	assert_int_equal(agent_add_sink(f->a, &s), 0);
	f->fm.rule = (struct policy_rule_info){ .policy_name = "ksp-discovery-process-discovery",
						.severity = "5",
						.tags = "MITRE,Discovery",
						.message = "Someone accessed running process",
						.action = POLICY_ACTION_AUDIT };
	struct agent_matcher m = { .ctx = &f->fm,
				   .load = fm_load,
				   .host_scope = fm_host_scope,
				   .container_scope = fm_container_scope,
				   .decide = fm_decide };
	struct diag d;
	diag_init(&d);
	assert_int_equal(agent_set_matcher(f->a, &m, &d), 0);
	diag_done(&d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	agent_free(f->a);
	config_free(f->cfg);
	ward_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *output(struct fixture *f)
{
	agent_flush(f->a);
	char *t = ward_test_read_file(f->out, NULL);
	assert_non_null(t);
	return t;
}

static struct ward_event my_event(enum ward_ev_kind kind, int nr)
{
	struct ward_event ev = { .kind = kind,
				 .syscall_nr = nr,
				 .ts_ns = 1717156232000000000LL,
				 .host_pid = (uint32_t)getpid(),
				 .host_tid = (uint32_t)getpid(),
				 .host_ppid = (uint32_t)getppid(),
				 .pid = (uint32_t)getpid(),
				 .ppid = (uint32_t)getppid(),
				 .uid = getuid(),
				 .dirfd = -100 };
	return ev;
}

static void an_open_becomes_a_host_log_line(void **state)
{
	struct fixture *f = *state;
	struct ward_event ev = my_event(WARD_EV_FILE, 257);
	ev.path = "/etc/hostname";
	ev.flags = 02000000;
	assert_int_equal(agent_handle_event(f->a, &ev), 0);
	char *t = output(f);
	assert_non_null(strstr(t, "\"HostName\":\"h1\""));
	assert_non_null(strstr(t, "\"Type\":\"HostLog\",\"Source\":\""));
	assert_non_null(strstr(t,
			       "\"Operation\":\"File\",\"Resource\":\"/etc/hostname\","
			       "\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_RDONLY|O_CLOEXEC\","
			       "\"Result\":\"Passed\""));
	assert_non_null(strstr(t, "\"PPID\":0,")); /* host task: PPID == HostPPID → 0 */
	assert_int_equal(strchr(t, '\n') - t + 1, (long)strlen(t)); /* exactly one line */
	free(t);
	struct agent_stats st;
	agent_get_stats(f->a, &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.logs, 1);
	assert_true(st.processes > 1);
}

static void an_audited_exec_is_an_alert_even_without_visibility(void **state)
{
	struct fixture *f = *state;
	f->cfg->visibility = 0;
	struct ward_event ev = my_event(WARD_EV_FILE, 257);
	ev.path = "/etc/hostname";
	assert_int_equal(agent_handle_event(f->a, &ev), 0); /* log, not visible: dropped */
	ev = my_event(WARD_EV_EXEC, 59);
	ev.exe = "/usr/bin/ps";
	ev.argv[0] = "ps";
	ev.argc = 1;
	ev.cwd = "/root";
	ev.tty = "pts1";
	assert_int_equal(agent_handle_event(f->a, &ev), 0);
	char *t = output(f);
	assert_null(strstr(t, "HostLog"));
	assert_non_null(strstr(t,
			       "\"ProcessName\":\"/usr/bin/ps\",\"PolicyName\":"
			       "\"ksp-discovery-process-discovery\",\"Severity\":\"5\","
			       "\"Tags\":\"MITRE,Discovery\",\"ATags\":[\"MITRE\",\"Discovery\"],"
			       "\"Message\":\"Someone accessed running process\","
			       "\"Type\":\"MatchedHostPolicy\""));
	assert_non_null(strstr(t, "\"Operation\":\"Process\",\"Resource\":\"/usr/bin/ps\","
				  "\"Data\":\"syscall=SYS_EXECVE\",\"Enforcer\":\"eBPF Monitor\","
				  "\"Action\":\"Audit\",\"Result\":\"Passed\",\"Cwd\":\"/root/\","
				  "\"TTY\":\"pts1\""));
	free(t);
	struct agent_stats st;
	agent_get_stats(f->a, &st);
	assert_int_equal(st.alerts, 1);
	assert_int_equal(st.logs, 0);
	assert_int_equal(st.filtered, 1);
}

static int refuse(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)ctx;
	(void)r;
	(void)json;
	(void)len;
	return -EAGAIN;
}

static void losses_are_counted_and_reported_as_system_events(void **state)
{
	struct fixture *f = *state;
	struct agent_sink s = { .write = refuse };
	assert_int_equal(agent_add_sink(f->a, &s), 0);
	struct ward_event ev = { .kind = WARD_EV_DROPS, .lost = 7 };
	agent_handle_event(f->a, &ev);
	ev.lost = 5;
	agent_handle_event(f->a, &ev);
	ev = my_event(WARD_EV_NET, 41);
	ev.sock_domain = 2;
	ev.sock_type = 2;
	ev.sock_protocol = 17;
	agent_handle_event(f->a, &ev); /* one record, refused by the second sink */
	agent_report_drops(f->a, 1717156232000000000LL);
	char *t = output(f);
	assert_non_null(strstr(t, "\"Resource\":\"domain=AF_INET type=SOCK_DGRAM protocol=UDP\""));
	assert_non_null(
		strstr(t, "\"Message\":\"12 events lost in the kernel ring buffer\","
			  "\"Type\":\"SystemEvent\",\"Operation\":\"Drop\","
			  "\"Resource\":\"kernel ring buffer\",\"Data\":\"lost=12 total=12\""));
	/* the socket record and the kernel drop report were both refused by the second sink */
	assert_non_null(strstr(t, "\"Resource\":\"agent queue\",\"Data\":\"lost=2 total=2\""));
	free(t);
	/* nothing new: no new report */
	struct agent_stats st;
	agent_get_stats(f->a, &st);
	uint64_t before = st.records;
	agent_report_drops(f->a, 1717156233000000000LL);
	agent_get_stats(f->a, &st);
	assert_int_equal(st.kernel_lost, 12);
	/*
	 * the queue report itself was refused by the refusing sink (3), so the next report says
	 * so, and is refused too (4): one report per interval while a sink refuses everything
	 */
	assert_int_equal(st.queue_lost, 4);
	assert_int_equal(st.records, before + 1);
}

struct fake_source {
	int calls;
	int stop_fd;
};

static int fs_poll(void *ctx, int timeout_ms, agent_event_fn cb, void *cb_ctx)
{
	(void)timeout_ms;
	struct fake_source *s = ctx;
	s->calls++;
	struct ward_event ev = my_event(WARD_EV_NET, 42);
	ev.fd = 3;
	ev.sa_family = 2;
	ev.port = 18250;
	ev.addr[0] = 127;
	ev.addr[3] = 1;
	cb(cb_ctx, &ev);
	if (s->calls == 1)
		raise(SIGHUP); /* blocked: read by the loop's signalfd */
	if (s->calls == 3) {
		uint64_t one = 1;
		assert_int_equal(write(s->stop_fd, &one, sizeof(one)), sizeof(one));
	}
	return 1;
}

static void ready(void *ctx)
{
	(*(int *)ctx)++;
}

static void the_loop_reloads_on_sighup_and_stops_on_request(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(agent_block_signals(), 0);
	struct fake_source fsrc = { .stop_fd = eventfd(0, EFD_CLOEXEC) };
	struct agent_source src = { .ctx = &fsrc, .poll = fs_poll };
	int loads_before = f->fm.loads, readies = 0;
	assert_int_equal(agent_run(f->a, &src, fsrc.stop_fd, ready, NULL, &readies), 0);
	close(fsrc.stop_fd);
	assert_int_equal(readies, 1);
	assert_int_equal(f->fm.loads, loads_before + 1);
	/* the stop request is seen one turn later (4 polls), then the final drain */
	assert_int_equal(fsrc.calls, 5);
	char *t = output(f);
	size_t lines = 0;
	for (const char *c = t; (c = strstr(c, "sin_port=18250")); c++)
		lines++;
	assert_int_equal(lines, 5);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(an_open_becomes_a_host_log_line, setup, teardown),
		cmocka_unit_test_setup_teardown(an_audited_exec_is_an_alert_even_without_visibility,
						setup, teardown),
		cmocka_unit_test_setup_teardown(losses_are_counted_and_reported_as_system_events,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_loop_reloads_on_sighup_and_stops_on_request,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
