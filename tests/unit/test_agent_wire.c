/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: what wires the other modules into `ward agent` (agent/inbox.c, sink_fwd.c):
 * records from other threads reach the sinks through the inbox in order, a full inbox drops and
 * counts, the combined source wakes on inbox records, and the forwarding sink delivers to a
 * file output (not the forwarders' own drop reports) and stops cleanly (its config outlives
 * the forwarders).
 */
#include "support/ward_test.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/diag.h"
#include "config/config.h"
#include "record/record.h"

struct fixture {
	char *dir;
	char out[1100];
	struct ward_config *cfg;
	struct agent *a;
	struct agent_inbox *in;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = ward_test_tmpdir();
	snprintf(f->out, sizeof(f->out), "%.1000s/out.json", f->dir);
	assert_int_equal(config_new_default(&f->cfg), 0);
	assert_int_equal(config_set_string(&f->cfg->hostname, "h1"), 0);
	struct agent_opts o = { .cfg = f->cfg };
	assert_int_equal(agent_new(&o, &f->a), 0);
	struct agent_sink s;
	assert_int_equal(agent_sink_json_file(f->out, &s), 0);
	assert_int_equal(agent_add_sink(f->a, &s), 0);
	assert_int_equal(agent_inbox_new(&f->in), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	agent_free(f->a);
	agent_inbox_free(f->in);
	config_free(f->cfg);
	ward_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A record parsed from KubeArmor JSON, as the enforcer would hand one over. */
static struct record_owned *rec(int n)
{
	char json[512];
	snprintf(json, sizeof(json),
		 "{\"Timestamp\":1717156232,\"HostName\":\"h1\",\"Type\":\"MatchedHostPolicy\","
		 "\"PolicyName\":\"p%d\",\"Operation\":\"Process\",\"Resource\":\"/tmp/x\","
		 "\"Action\":\"Block\",\"Enforcer\":\"fanotify\",\"Result\":\"Operation not "
		 "permitted\"}",
		 n);
	struct record_owned *o = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(record_from_json(json, strlen(json), "t", 1, &o, &d), 0);
	diag_done(&d);
	return o;
}

static size_t count_lines(const char *t)
{
	size_t n = 0;
	for (; *t; t++)
		n += *t == '\n';
	return n;
}

struct producer {
	struct agent_inbox *in;
	int from, n;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < p->n; i++) {
		struct record_owned *o = rec(p->from + i);
		assert_int_equal(agent_inbox_put(p->in, &o->rec), 0);
		record_owned_free(o);
	}
	return NULL;
}

static void records_from_another_thread_reach_the_sinks_in_order(void **state)
{
	struct fixture *f = *state;
	struct producer p = { .in = f->in, .from = 0, .n = 100 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	pthread_join(t, NULL);
	assert_int_equal(agent_inbox_drain(f->in, f->a), 100);
	agent_flush(f->a);
	char *text = ward_test_read_file(f->out, NULL);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 100);
	assert_non_null(strstr(text, "\"PolicyName\":\"p0\""));
	assert_true(strstr(text, "\"PolicyName\":\"p7\"") < strstr(text, "\"PolicyName\":\"p8\""));
	assert_non_null(strstr(text, "\"Enforcer\":\"fanotify\",\"Action\":\"Block\""));
	free(text);
	assert_int_equal(agent_inbox_lost(f->in), 0);
	assert_int_equal(agent_inbox_drain(f->in, f->a), 0);
}

static void a_full_inbox_drops_and_counts(void **state)
{
	struct fixture *f = *state;
	struct record_owned *o = rec(1);
	for (int i = 0; i < AGENT_INBOX_MAX; i++)
		assert_int_equal(agent_inbox_put(f->in, &o->rec), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(agent_inbox_put(f->in, &o->rec), -ENOSPC);
	record_owned_free(o);
	assert_int_equal(agent_inbox_lost(f->in), 5);
	/* teardown frees the queued records undrained: no leak under ASan */
}

static int no_events(void *ctx, int timeout_ms, agent_event_fn cb, void *cb_ctx)
{
	(void)ctx;
	(void)timeout_ms;
	(void)cb;
	(void)cb_ctx;
	return 0;
}

static void the_combined_source_wakes_on_inbox_records_and_emits_them(void **state)
{
	struct fixture *f = *state;
	struct agent_source inner = { .poll = no_events }, src;
	assert_int_equal(agent_source_with_inbox(&inner, f->in, f->a, &src), 0);
	struct pollfd pfd = { .fd = src.fd(src.ctx), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0);
	struct record_owned *o = rec(42);
	assert_int_equal(agent_inbox_put(f->in, &o->rec), 0);
	record_owned_free(o);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(src.poll(src.ctx, 0, agent_handle_event, f->a), 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	agent_source_with_inbox_free(&src);
	agent_flush(f->a);
	char *text = ward_test_read_file(f->out, NULL);
	assert_non_null(strstr(text, "\"PolicyName\":\"p42\""));
	free(text);
}

static void the_fwd_sink_delivers_to_a_file_output_and_stops_cleanly(void **state)
{
	struct fixture *f = *state;
	char cfgp[1200], fwdout[1200], spool[1200], yaml[4000];
	snprintf(cfgp, sizeof(cfgp), "%s/ward.yaml", f->dir);
	snprintf(fwdout, sizeof(fwdout), "%s/forwarded.ndjson", f->dir);
	snprintf(spool, sizeof(spool), "%s/spool", f->dir);
	snprintf(yaml, sizeof(yaml),
		 "hostname: h1\noutputs:\n  - name: f1\n    type: file\n    path: %s\n"
		 "    filter: {type: alert}\n    flush_ms: 10\n",
		 fwdout);
	FILE *fp = fopen(cfgp, "w");
	assert_non_null(fp);
	fputs(yaml, fp);
	fclose(fp);
	struct ward_config *cfg = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(config_load_file(cfgp, 1, &cfg, &d), 0);
	struct agent_sink s;
	struct fwd *fw = NULL;
	assert_int_equal(agent_sink_fwd(cfg, spool, f->in, 3000, &s, &fw, &d), 0);
	assert_non_null(fw);
	struct record_owned *o = rec(7);
	assert_int_equal(s.write(s.ctx, &o->rec, "", 0), 0);
	record_owned_free(o);
	/* the forwarders' own drop reports are not forwarded again (no drop loop) */
	struct ward_record ev = { .ts_ns = 1,
				  .type = "SystemEvent",
				  .operation = "Drop",
				  .source = "ward-forwarder",
				  .resource = "f1" };
	assert_int_equal(s.write(s.ctx, &ev, "", 0), 0);
	s.destroy(s.ctx); /* fwd_stop: delivers what is queued */
	char *text = ward_test_read_file(fwdout, NULL);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "\"PolicyName\":\"p7\""));
	free(text);
	config_free(cfg);

	/* no outputs: -ENOENT, nothing started */
	assert_int_equal(config_new_default(&cfg), 0);
	assert_int_equal(agent_sink_fwd(cfg, spool, f->in, 3000, &s, NULL, &d), -ENOENT);
	config_free(cfg);
	diag_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			records_from_another_thread_reach_the_sinks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_inbox_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(
			the_combined_source_wakes_on_inbox_records_and_emits_them, setup, teardown),
		cmocka_unit_test_setup_teardown(
			the_fwd_sink_delivers_to_a_file_output_and_stops_cleanly, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
