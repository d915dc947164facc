/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the delivery engine (fwd/fwd.c) through the file output: every record arrives
 * once and in order, records wait in the on-disk spool while the output fails and survive a
 * restart, a full spool drops (counted, reported as a SystemEvent record), rotation, reopen.
 */
#include "support/ward_test.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "fwd/fwd.h"
#include "record/record.h"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = ward_test_tmpdir();
	return tmp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ward_test_rm_rf(tmp);
	free(tmp);
	return 0;
}

static struct fwd_config *config(const char *fmt, const char *a, const char *b)
{
	char y[2048];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(y, sizeof(y), fmt, a, b);
#pragma GCC diagnostic pop
	struct fwd_config *c = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(fwd_config_parse_string(y, strlen(y), "test.yaml", &c, &d), 0);
	diag_done(&d);
	return c;
}

static struct fwd *start(struct fwd_config *c, void (*cb)(const struct ward_record *, void *),
			 void *ud)
{
	char spool[1024];
	snprintf(spool, sizeof(spool), "%s/spool", tmp);
	struct fwd_start_opts o = {
		.spool_dir = spool, .on_event = cb, .userdata = ud, .hostname = "h1"
	};
	struct fwd *f = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(fwd_start(c, &o, &f, &d), 0);
	diag_done(&d);
	return f;
}

/* Block alert number @i (its Message "alert <i>" written into @msg). */
static struct ward_record alert(int i, char *msg, size_t size)
{
	snprintf(msg, size, "alert %d", i);
	return (struct ward_record){ .ts_ns = 1724233502000000000LL + i,
				     .host_name = "h1",
				     .type = "MatchedPolicy",
				     .operation = "File",
				     .severity = "5",
				     .resource = "/etc/shadow",
				     .message = msg,
				     .action = "Block" };
}

static void submit(struct fwd *f, int from, int n)
{
	char msg[64];
	for (int i = from; i < from + n; i++) {
		struct ward_record r = alert(i, msg, sizeof(msg));
		assert_int_equal(fwd_submit(f, &r), 0);
	}
}

/* Lines of @path that carry "alert N": check they are @from..@from+@n-1 in order. */
static void expect_lines(const char *path, int from, int n)
{
	size_t len;
	char *s = ward_test_read_file(path, &len);
	assert_non_null(s);
	int k = 0;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"), k++) {
		char want[64];
		snprintf(want, sizeof(want), "\"Message\":\"alert %d\"", from + k);
		if (!strstr(line, want))
			fail_msg("line %d of %s: want %s in %s", k, path, want, line);
	}
	assert_int_equal(k, n);
	free(s);
}

static struct fwd_output_stats stats1(struct fwd *f)
{
	struct fwd_output_stats s;
	assert_int_equal(fwd_stats(f, &s, 1), 1);
	return s;
}

static void file_output_writes_every_record_once_in_order(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/out.ndjson", tmp);
	struct fwd_config *c = config(
		"outputs:\n  - {name: f, type: file, path: '%s', flush_ms: 5, spool_sync_ms: 0}\n",
		path, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 3000);
	struct fwd_output_stats s;
	for (int i = 0; i < 500 && (s = stats1(f)).sent < 3000; i++)
		usleep(10000);
	assert_int_equal(s.sent, 3000);
	assert_int_equal(s.submitted, 3000);
	assert_int_equal(s.queue_drops + s.spool_drops + s.retried, 0);
	assert_int_equal(s.spool_syncs, 0); /* spool_sync_ms: 0 turns syncing off */
	struct strbuf m;
	strbuf_init(&m);
	assert_int_equal(fwd_metrics(f, &m), 0);
	assert_non_null(strstr(
		m.buf,
		"# TYPE ward_fwd_sent_total counter\nward_fwd_sent_total{output=\"f\"} 3000\n"));
	assert_non_null(strstr(m.buf, "ward_fwd_spool_drops_total{output=\"f\"} 0\n"));
	assert_non_null(strstr(m.buf, "# TYPE ward_fwd_spool_bytes gauge\n"));
	strbuf_done(&m);
	fwd_stop(f, 5000);
	expect_lines(path, 0, 3000);
	fwd_config_free(c);
}

/*
 * fwd_submit_json: one shared copy per record for every output that takes it; a JSON output
 * writes the submitter's JSON as is, a CEF output encodes the record, an output whose filter
 * leaves the record out never sees it. Enough records to cycle the copies' reuse pool.
 */
static void submitted_json_is_written_as_is_and_other_formats_still_encode(void **state)
{
	(void)state;
	char pj[1024], pc[1024], ps[1024];
	snprintf(pj, sizeof(pj), "%s/json.ndjson", tmp);
	snprintf(pc, sizeof(pc), "%s/cef.log", tmp);
	snprintf(ps, sizeof(ps), "%s/sev9.ndjson", tmp);
	char y[4096];
	snprintf(
		y, sizeof(y),
		"outputs:\n"
		"  - {name: j, type: file, path: '%s', flush_ms: 5, spool_sync_ms: 0}\n"
		"  - {name: c, type: file, path: '%s', format: cef, flush_ms: 5, spool_sync_ms: 0}\n"
		"  - {name: s, type: file, path: '%s', flush_ms: 5, spool_sync_ms: 0,"
		" filter: {min_severity: 9}}\n",
		pj, pc, ps);
	struct fwd_config *c = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(fwd_config_parse_string(y, strlen(y), "test.yaml", &c, &d), 0);
	diag_done(&d);
	struct fwd *f = start(c, NULL, NULL);
	enum {
		N = 3000
	};
	struct strbuf want, js;
	strbuf_init(&want);
	strbuf_init(&js);
	char msg[64];
	for (int i = 0; i < N; i++) {
		struct ward_record r = alert(i, msg, sizeof(msg));
		strbuf_reset(&js);
		assert_int_equal(record_to_json(&r, &js), 0);
		/* a marker only the submitted JSON has: proves the JSON output did not re-encode */
		strbuf_puts(&js, " ");
		strbuf_append(&want, js.buf, js.len);
		strbuf_putc(&want, '\n');
		assert_int_equal(fwd_submit_json(f, &r, js.buf, js.len), 0);
	}
	struct fwd_output_stats st[3];
	for (int i = 0; i < 500; i++) {
		assert_int_equal(fwd_stats(f, st, 3), 3);
		if (st[0].sent == N && st[1].sent == N)
			break;
		usleep(10000);
	}
	fwd_stop(f, 5000);
	assert_int_equal(st[0].sent, N);
	assert_int_equal(st[1].sent, N);
	assert_int_equal(st[2].submitted, 0);
	assert_int_equal(st[2].filtered, N);
	size_t len;
	char *got = ward_test_read_file(pj, &len);
	assert_non_null(got);
	assert_int_equal(len, want.len);
	assert_memory_equal(got, want.buf, len);
	free(got);
	got = ward_test_read_file(pc, &len);
	assert_non_null(got);
	int k = 0;
	for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n"), k++) {
		snprintf(msg, sizeof(msg), "|alert %d|", k);
		assert_non_null(strstr(line, "CEF:0|"));
		assert_non_null(strstr(line, msg));
	}
	assert_int_equal(k, N);
	free(got);
	strbuf_done(&want);
	strbuf_done(&js);
	fwd_config_free(c);
}

static void records_wait_in_the_spool_while_the_output_fails_and_survive_a_restart(void **state)
{
	(void)state;
	char dir[1024], path[1100];
	snprintf(dir, sizeof(dir), "%s/later", tmp);
	snprintf(path, sizeof(path), "%s/out.ndjson", dir);
	struct fwd_config *c =
		config("outputs:\n  - {name: f, type: file, path: '%s', flush_ms: 5, "
		       "retry_initial_ms: 20, retry_max_ms: 100, spool_sync_ms: 50}\n",
		       path, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 500);
	usleep(300000);
	struct fwd_output_stats s = stats1(f);
	assert_int_equal(s.sent, 0);
	assert_int_equal(s.spooled, 500);
	assert_true(s.failures >= 1);
	assert_true(s.spool_bytes > 500 * 50);
	/* the folder when the segment was created, then the segment 50 ms after its last write */
	assert_true(s.spool_syncs >= 2);
	fwd_stop(f, 50); /* the directory is still missing: everything stays spooled */

	assert_int_equal(mkdir(dir, 0700), 0);
	f = start(c, NULL, NULL);
	submit(f, 500, 100);
	for (int i = 0; i < 500 && (s = stats1(f)).sent < 600; i++)
		usleep(10000);
	assert_int_equal(s.sent, 600);
	fwd_stop(f, 5000);
	expect_lines(path, 0, 600);
	fwd_config_free(c);
}

static void a_garbled_spool_state_resends_everything_rather_than_losing_it(void **state)
{
	(void)state;
	char dir[1024], path[1100], st[1100];
	snprintf(dir, sizeof(dir), "%s/later", tmp);
	snprintf(path, sizeof(path), "%s/out.ndjson", dir);
	snprintf(st, sizeof(st), "%s/spool/f/state", tmp);
	struct fwd_config *c =
		config("outputs:\n  - {name: f, type: file, path: '%s', flush_ms: 5, "
		       "retry_initial_ms: 20, retry_max_ms: 100}\n",
		       path, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 50);
	usleep(200000);
	fwd_stop(f, 0);
	FILE *fp = fopen(st, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 32; i++)
		fputc(0xff, fp);
	fclose(fp);
	assert_int_equal(mkdir(dir, 0700), 0);
	f = start(c, NULL, NULL);
	struct fwd_output_stats s;
	for (int i = 0; i < 500 && (s = stats1(f)).sent < 50; i++)
		usleep(10000);
	fwd_stop(f, 5000);
	expect_lines(path, 0, 50);
	fwd_config_free(c);
}

/*
 * Drop reports come from the output's thread at most once a second, each with the drops since
 * the previous report ("dropped=") and the running total ("total="): drops that straddle a
 * report window arrive as two reports, so the test adds them up.
 */
struct events {
	pthread_mutex_t lock;
	int n;
	unsigned long long dropped_sum, last_total;
};

static void on_event(const struct ward_record *r, void *ud)
{
	struct events *e = ud;
	assert_string_equal(r->type, "SystemEvent");
	assert_string_equal(r->operation, "Drop");
	assert_string_equal(r->resource, "f");
	unsigned long long d = 0, t = 0;
	assert_int_equal(sscanf(r->data, "dropped=%llu total=%llu", &d, &t), 2);
	pthread_mutex_lock(&e->lock);
	e->dropped_sum += d;
	e->last_total = t;
	e->n++;
	pthread_mutex_unlock(&e->lock);
}

static void a_full_spool_drops_counts_and_reports_a_system_event(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/missing/out.ndjson", tmp);
	struct fwd_config *c =
		config("outputs:\n  - {name: f, type: file, path: '%s', spool_max: 8KiB, "
		       "retry_initial_ms: 1000}\n",
		       path, "");
	struct events ev = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct fwd *f = start(c, on_event, &ev);
	submit(f, 0, 200);
	struct fwd_output_stats s;
	for (int i = 0; i < 300; i++) {
		s = stats1(f);
		if (s.spooled + s.spool_drops >= 200)
			break;
		usleep(10000);
	}
	unsigned long long sum = 0, total = 0;
	int n = 0;
	for (int i = 0; i < 400; i++) {
		pthread_mutex_lock(&ev.lock);
		sum = ev.dropped_sum;
		total = ev.last_total;
		n = ev.n;
		pthread_mutex_unlock(&ev.lock);
		if (sum == s.spool_drops)
			break;
		usleep(10000);
	}
	assert_int_equal(s.spooled + s.spool_drops, 200);
	assert_true(s.spool_drops > 100);
	assert_true(s.spool_bytes <= 8192);
	/* every drop is reported exactly once, in one or two reports */
	assert_true(n >= 1 && n <= 2);
	assert_true(sum == s.spool_drops);
	assert_true(total == s.spool_drops);
	fwd_stop(f, 0);
	fwd_config_free(c);
}

static void file_output_rotates_by_size_and_keeps_max_files(void **state)
{
	(void)state;
	char path[1024], p[1100];
	snprintf(path, sizeof(path), "%s/rot.ndjson", tmp);
	struct fwd_config *c =
		config("outputs:\n  - {name: f, type: file, path: '%s', max_size: 4000, "
		       "max_files: 2, flush_ms: 1}\n",
		       path, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 100);
	fwd_stop(f, 5000);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size <= 4000);
	snprintf(p, sizeof(p), "%s.2", path);
	assert_int_equal(stat(p, &sb), 0);
	snprintf(p, sizeof(p), "%s.3", path);
	assert_int_not_equal(stat(p, &sb), 0);
	/* the newest records are in the live file, in order, ending with the last one */
	size_t len;
	char *s = ward_test_read_file(path, &len);
	assert_non_null(strstr(s, "\"Message\":\"alert 99\""));
	free(s);
	fwd_config_free(c);
}

static void reopen_starts_a_new_file_after_rename(void **state)
{
	(void)state;
	char path[1024], moved[1100];
	snprintf(path, sizeof(path), "%s/r.ndjson", tmp);
	snprintf(moved, sizeof(moved), "%s.old", path);
	struct fwd_config *c =
		config("outputs:\n  - {name: f, type: file, path: '%s', flush_ms: 1}\n", path, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 10);
	struct fwd_output_stats s;
	for (int i = 0; i < 300 && (s = stats1(f)).sent < 10; i++)
		usleep(10000);
	assert_int_equal(rename(path, moved), 0);
	fwd_reopen(f);
	submit(f, 10, 10);
	fwd_stop(f, 5000);
	expect_lines(moved, 0, 10);
	expect_lines(path, 10, 10);
	fwd_config_free(c);
}

/*
 * A syslog receiver over TCP that stops after reading alerts 0..9 and loses them (as
 * rsyslog killed before writing out what it had read), then comes back: the sender writes the
 * frames of the last moments again on the new connection, and counts them in `retried`.
 */
struct lossy_rcv {
	int lfd;
	int first_closed; /* the first connection was dropped with what it read */
	char got[65536];  /* what the second connection delivered */
	size_t len;
	pthread_mutex_t lock;
};

static int read_until(int fd, char *buf, size_t cap, size_t *len, const char *marker, int ms)
{
	for (int waited = 0; waited < ms;) {
		buf[*len] = '\0';
		if (strstr(buf, marker))
			return 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 50) == 0) {
			waited += 50;
			continue;
		}
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		if (n <= 0)
			return 0;
		*len += (size_t)n;
	}
	return 0;
}

static void *lossy_receiver(void *arg)
{
	struct lossy_rcv *r = arg;
	static char first[65536];
	size_t flen = 0;
	int c = accept(r->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	read_until(c, first, sizeof(first), &flen, "\"alert 9\"", 10000);
	struct linger lg = { 1, 0 }; /* gone at once, as a killed receiver */
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	pthread_mutex_lock(&r->lock);
	r->first_closed = 1;
	pthread_mutex_unlock(&r->lock);
	c = accept(r->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t len = 0;
	read_until(c, r->got, sizeof(r->got), &len, "\"alert 19\"", 10000);
	close(c);
	pthread_mutex_lock(&r->lock);
	r->len = len;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void a_tcp_receiver_that_lost_what_it_read_gets_it_again(void **state)
{
	(void)state;
	struct lossy_rcv r = { .lock = PTHREAD_MUTEX_INITIALIZER };
	r.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(r.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(r.lfd, 4), 0);
	assert_int_equal(getsockname(r.lfd, (struct sockaddr *)&sa, &sl), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, lossy_receiver, &r), 0);

	char port[16];
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	struct fwd_config *c = config("outputs:\n  - {name: s, type: syslog, address: "
				      "'tcp://127.0.0.1:%s', format: json, spool_sync_ms: 0, "
				      "retry_initial_ms: 20, retry_max_ms: 100}\n",
				      port, "");
	struct fwd *f = start(c, NULL, NULL);
	submit(f, 0, 10);
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&r.lock);
		int closed = r.first_closed;
		pthread_mutex_unlock(&r.lock);
		if (closed)
			break;
		usleep(10000);
	}
	assert_true(r.first_closed);
	usleep(50000); /* the reset has arrived */
	submit(f, 10, 10);
	pthread_join(th, NULL);
	close(r.lfd);
	struct fwd_output_stats st = stats1(f);
	fwd_stop(f, 1000);
	fwd_config_free(c);

	int dup = 0;
	for (int i = 0; i < 20; i++) {
		char want[64];
		snprintf(want, sizeof(want), "\"Message\":\"alert %d\"", i);
		const char *p = strstr(r.got, want);
		if (!p)
			fail_msg("alert %d did not arrive on the second connection", i);
		if (strstr(p + 1, want))
			dup++;
	}
	/* the first ten came again, counted; nothing beyond what was counted is duplicated */
	assert_true(st.retried >= 10);
	assert_true((uint64_t)dup <= st.retried);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			a_garbled_spool_state_resends_everything_rather_than_losing_it, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			submitted_json_is_written_as_is_and_other_formats_still_encode, setup,
			teardown),
		cmocka_unit_test_setup_teardown(file_output_writes_every_record_once_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			records_wait_in_the_spool_while_the_output_fails_and_survive_a_restart,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_full_spool_drops_counts_and_reports_a_system_event, setup, teardown),
		cmocka_unit_test_setup_teardown(file_output_rotates_by_size_and_keeps_max_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_tcp_receiver_that_lost_what_it_read_gets_it_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_starts_a_new_file_after_rename, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
