/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the store (schema, writer, hash chain, retention) and the filter → SQL layer. */
#include "support/ward_test.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "record/record.h"
#include "store/internal.h"
#include "store/store.h"
#include "support/store_edit.h"

/* the suite runs once per layout: rows (schema 2's table) and blocks (block.c) */
static int blocks;

#define NREC 600

static const char *const hosts[] = { "h1", "h2", "it's \"q\"", "100%_x" };
static const char *const ops[] = { "Process", "File", "Network" };
static const char *const actions[] = { "Audit", "Block", NULL };
static const char *const resources[] = { "/etc/passwd", "/tmp/a%b_c", "'; DROP TABLE records; --",
					 "/usr/lib/test_file", NULL };

static char pidbuf[NREC][16];

static void make_record(struct ward_record *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->ts_ns = 1764547200000000000LL + (int64_t)(i % 97) * 1000000000LL + i;
	r->host_name = hosts[i % 4];
	r->operation = ops[i % 3];
	r->action = actions[i % 3];
	r->resource = resources[i % 5];
	r->type = actions[i % 3] ? "MatchedPolicy" : "ContainerLog";
	r->pid = 100 + i;
	r->ppid = i % 7;
	snprintf(pidbuf[i], sizeof(pidbuf[i]), "%d", 1 + i % 10);
	r->severity = actions[i % 3] ? pidbuf[i] : NULL;
	r->tags = i % 2 ? "MITRE,Discovery" : "NIST";
	r->message = i % 2 ? "Someone accessed running process" : "file write";
	r->source = "/usr/bin/bash -c x";
	r->extra_json = i % 4 == 0 ? "\"cluster_id\":\"27273\"" : NULL;
}

struct fixture {
	char *dir;
	char path[512];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	fx->dir = ward_test_tmpdir();
	snprintf(fx->path, sizeof(fx->path), "%s/w.db", fx->dir);
	struct store_writer *w;
	char err[STORE_ERR_MAX];
	/* on blocks, small batches make many blocks whose ts ranges overlap (ts = i % 97), so
	 * every query below also exercises the newest-first merge across blocks */
	struct store_writer_opts o = { .batch_records = blocks ? 64 : 0 };
	assert_int_equal(store_writer_open(fx->path, &o, &w, err, sizeof(err)), 0);
	struct ward_record recs[NREC];
	for (int i = 0; i < NREC; i++)
		make_record(&recs[i], i);
	int64_t last = 0;
	assert_int_equal(store_writer_append(w, recs, NREC, &last), 0);
	assert_int_equal(last, NREC);
	assert_int_equal(store_writer_flush(w), 0);
	assert_int_equal(store_writer_durable_id(w), NREC);
	assert_int_equal(store_writer_close(w), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ward_test_rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static struct store *open_ro(struct fixture *fx)
{
	struct store *s;
	char err[STORE_ERR_MAX];
	assert_int_equal(store_open(fx->path, STORE_OPEN_READONLY, &s, err, sizeof(err)), 0);
	return s;
}

static int64_t count_matching(struct store *s, const struct store_filter *f)
{
	struct store_query *q;
	const struct store_row *row;
	int64_t n = 0;
	assert_int_equal(store_query_begin(s, f, STORE_NEWEST_FIRST, NULL, 0, 0, &q), 0);
	while (store_next(q, &row) == 1)
		n++;
	store_query_end(q);
	return n;
}

static void stored_records_read_back_as_the_same_json(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	struct store_query *q;
	const struct store_row *row;
	struct strbuf a, b;
	strbuf_init(&a);
	strbuf_init(&b);
	int n = 0;
	assert_int_equal(store_query_begin(s, NULL, STORE_ID_ASCENDING, NULL, 0, 0, &q), 0);
	while (store_next(q, &row) == 1) {
		struct ward_record r;
		make_record(&r, (int)row->id - 1);
		strbuf_reset(&a);
		strbuf_reset(&b);
		assert_int_equal(record_to_json(&r, &a), 0);
		assert_int_equal(record_to_json(&row->rec, &b), 0);
		assert_string_equal(a.buf, b.buf);
		n++;
	}
	store_query_end(q);
	assert_int_equal(n, NREC);
	strbuf_done(&a);
	strbuf_done(&b);
	store_close(s);
}

static void cursor_pages_return_every_record_once_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	char cursor[STORE_CURSOR_MAX] = "";
	static char seen[NREC + 1];
	memset(seen, 0, sizeof(seen));
	int64_t prev_ts = INT64_MAX, prev_id = INT64_MAX, total = 0;
	for (;;) {
		struct store_query *q;
		const struct store_row *row;
		int n = 0;
		assert_int_equal(store_query_begin(s, NULL, STORE_NEWEST_FIRST, cursor, 0, 37, &q),
				 0);
		while (store_next(q, &row) == 1) {
			assert_true(row->rec.ts_ns < prev_ts ||
				    (row->rec.ts_ns == prev_ts && row->id < prev_id));
			prev_ts = row->rec.ts_ns;
			prev_id = row->id;
			assert_false(seen[row->id]);
			seen[row->id] = 1;
			snprintf(cursor, sizeof(cursor), "%s", row->cursor);
			n++;
		}
		store_query_end(q);
		total += n;
		if (n < 37)
			break;
	}
	assert_int_equal(total, NREC);
	store_close(s);
}

/* every operator against the same selection computed directly over make_record() */
static void where_operators_select_what_direct_evaluation_selects(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	static const struct {
		const char *expr;
		int (*pred)(const struct ward_record *r);
	} cases[] = {
		{ "HostName = it's \"q\"", NULL },
		{ "HostName != h1", NULL },
		{ "HostName ~ %_", NULL },
		{ "HostName !~ h", NULL },
		{ "Resource = '; DROP TABLE records; --", NULL },
		{ "Resource ~ a%b_", NULL },
		{ "Action =", NULL },
		{ "Action != ", NULL },
		{ "PID < 150", NULL },
		{ "PID <= 150", NULL },
		{ "PID > 650", NULL },
		{ "PID >= 650", NULL },
		{ "PPID = 0", NULL },
		{ "Severity >= 5", NULL },
		{ "Operation < G", NULL },
		{ "PID ~ 12", NULL },
		{ "pid !~ 1", NULL },
	};
	for (size_t c = 0; c < WARD_ARRAY_SIZE(cases); c++) {
		struct store_filter *f;
		char err[STORE_ERR_MAX] = "";
		assert_int_equal(store_filter_new(&f), 0);
		int r = store_filter_where(f, cases[c].expr, 0, err, sizeof(err));
		if (r)
			fail_msg("%s: %s", cases[c].expr, err);
		int64_t want = 0;
		for (int i = 0; i < NREC; i++) {
			struct ward_record x;
			make_record(&x, i);
			const char *h = x.host_name, *res = x.resource ? x.resource : "",
				   *act = x.action ? x.action : "";
			char pid[16];
			snprintf(pid, sizeof(pid), "%d", x.pid);
			int m = 0;
			switch (c) {
			case 0:
				m = !strcmp(h, "it's \"q\"");
				break;
			case 1:
				m = strcmp(h, "h1") != 0;
				break;
			case 2:
				m = strstr(h, "%_") != NULL;
				break;
			case 3:
				m = !strstr(h, "h");
				break;
			case 4:
				m = !strcmp(res, "'; DROP TABLE records; --");
				break;
			case 5:
				m = strstr(res, "a%b_") != NULL;
				break;
			case 6:
				m = !*act;
				break;
			case 7:
				m = *act != 0;
				break;
			case 8:
				m = x.pid < 150;
				break;
			case 9:
				m = x.pid <= 150;
				break;
			case 10:
				m = x.pid > 650;
				break;
			case 11:
				m = x.pid >= 650;
				break;
			case 12:
				m = x.ppid == 0;
				break;
			case 13:
				m = x.severity && atoi(x.severity) >= 5;
				break;
			case 14:
				m = strcmp(x.operation, "G") < 0;
				break;
			case 15:
				m = strstr(pid, "12") != NULL;
				break;
			case 16:
				m = !strstr(pid, "1");
				break;
			}
			want += m;
		}
		int64_t got = count_matching(s, f);
		if (got != want)
			fail_msg("%s: got %lld, want %lld", cases[c].expr, (long long)got,
				 (long long)want);
		assert_true(want > 0 || c == 3);
		store_filter_free(f);
	}
	store_close(s);
}

static void flag_words_filter_like_karmor(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	struct store_filter *f;
	char err[STORE_ERR_MAX];
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_add(f, "type", "alert", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "operation", "File", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "tag", "MITRE", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "severity", "3", 0, err, sizeof(err)), 0);
	int64_t want = 0;
	for (int i = 0; i < NREC; i++) {
		struct ward_record x;
		make_record(&x, i);
		want += x.action && !strcmp(x.operation, "File") && strstr(x.tags, "MITRE") &&
			atoi(x.severity) >= 3;
	}
	assert_true(want > 0);
	assert_int_equal(count_matching(s, f), want);
	store_filter_free(f);

	/* full text over Message/Resource/Source */
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_add(f, "text", "running", 0, err, sizeof(err)), 0);
	assert_int_equal(count_matching(s, f), NREC / 2);
	store_filter_free(f);
	store_close(s);
}

static void unknown_field_is_refused_with_a_suggestion(void **state)
{
	(void)state;
	struct store_filter *f;
	char err[STORE_ERR_MAX] = "";
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_where(f, "HostNme = x", 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown field 'HostNme' (did you mean 'HostName'?)");
	assert_int_equal(store_filter_where(f, "PID < abc", 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(store_filter_add(f, "bogus", "x", 0, err, sizeof(err)), -EINVAL);
	store_filter_free(f);
}

static void filters_compile_to_bound_parameters_in_both_dialects(void **state)
{
	(void)state;
	struct store_filter *f;
	char err[STORE_ERR_MAX];
	struct store_param p[32];
	size_t np = 0;
	struct strbuf sb;
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(
		store_filter_where(f, "Resource ~ '; DROP TABLE records; --", 0, err, sizeof(err)),
		0);
	assert_int_equal(store_filter_add(f, "hostname", "h1", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "pid", "42", 0, err, sizeof(err)), 0);
	strbuf_init(&sb);
	assert_int_equal(store_filter_sql(f, STORE_DIALECT_SQLITE, 1, &sb, p, 32, &np), 0);
	assert_null(strstr(sb.buf, "DROP"));
	assert_string_equal(
		sb.buf,
		"(r.resource IN (SELECT id FROM tdict WHERE instr(s, ?) > 0)) AND "
		"(r.hostname = (SELECT id FROM sdict INDEXED BY sdict_h WHERE h = ? AND s = ?)) AND "
		"(r.pid = ?)");
	assert_int_equal(np, 4);
	assert_string_equal(p[0].s, "'; DROP TABLE records; --");
	assert_string_equal(p[2].s, "h1");
	assert_int_equal(p[3].i, 42);
	strbuf_reset(&sb);
	assert_int_equal(store_filter_sql(f, STORE_DIALECT_POSTGRES, 3, &sb, p, 32, &np), 0);
	assert_string_equal(sb.buf,
			    "(r.resource IN (SELECT id FROM tdict WHERE strpos(s, $3) > 0)) AND "
			    "(r.hostname = (SELECT id FROM sdict WHERE h = $4 AND s = $5)) AND "
			    "(r.pid = $6)");
	assert_int_equal(store_filter_sql(f, STORE_DIALECT_SQLITE, 1, &sb, p, 2, &np), -E2BIG);
	/* with several indexed equalities only the most selective one may drive the plan */
	assert_int_equal(store_filter_add(f, "operation", "File", 0, err, sizeof(err)), 0);
	strbuf_reset(&sb);
	assert_int_equal(store_filter_sql(f, STORE_DIALECT_SQLITE, 1, &sb, p, 32, &np), 0);
	assert_non_null(strstr(sb.buf, "(r.hostname = (SELECT"));
	assert_non_null(strstr(sb.buf, "(+r.operation = (SELECT"));
	strbuf_done(&sb);
	store_filter_free(f);
}

static void counts_and_histogram_add_up(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	struct store_count *c;
	size_t n;
	char err[STORE_ERR_MAX];
	const char *by[] = { "HostName", "Operation" };
	assert_int_equal(store_count(s, NULL, by, 2, 0, &c, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 12);
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += c[i].count;
		if (i)
			assert_true(c[i - 1].count >= c[i].count);
	}
	assert_int_equal(total, NREC);
	store_counts_free(c, n);
	const char *bad[] = { "Operaton" };
	assert_int_equal(store_count(s, NULL, bad, 1, 0, &c, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown field 'Operaton' (did you mean 'Operation'?)");

	struct store_bucket *b;
	assert_int_equal(store_histogram(s, NULL, 60, &b, &n), 0);
	total = 0;
	for (size_t i = 0; i < n; i++) {
		total += b[i].count;
		assert_int_equal(b[i].t % 60, 0);
	}
	assert_int_equal(n, 2);
	assert_int_equal(total, NREC);
	free(b);
	store_close(s);
}

static void exec_on(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static struct store_verify_result verify(struct fixture *fx)
{
	struct store *s = open_ro(fx);
	struct store_verify_result v;
	assert_int_equal(store_verify(s, &v), 0);
	store_close(s);
	return v;
}

static void verify_names_an_edited_record(void **state)
{
	struct fixture *fx = *state;
	struct store_verify_result v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_OK);
	assert_int_equal(v.checked, NREC);
	if (blocks)
		assert_int_equal(store_edit(fx->path, STORE_EDIT_PID, 123, 1), 0);
	else
		exec_on(fx->path, "UPDATE records SET pid = pid + 1 WHERE id = 123");
	v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_EDITED);
	assert_int_equal(v.bad_id, 123);
}

static void verify_names_a_deleted_record(void **state)
{
	struct fixture *fx = *state;
	if (blocks)
		assert_int_equal(store_edit(fx->path, STORE_EDIT_DELETE, 300, 0), 0);
	else
		exec_on(fx->path, "DELETE FROM records WHERE id = 300");
	struct store_verify_result v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_DELETED);
	assert_int_equal(v.bad_id, 300);
	assert_string_equal(v.detail, "record 300 was deleted");
}

static void verify_notices_a_dropped_tail_and_an_appended_record(void **state)
{
	struct fixture *fx = *state;
	if (blocks)
		assert_int_equal(store_edit(fx->path, STORE_EDIT_TRUNCATE, 590, 0), 0);
	else
		exec_on(fx->path, "DELETE FROM records WHERE id > 590");
	struct store_verify_result v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_TRUNCATED);
	assert_int_equal(v.bad_id, 591);
	if (blocks)
		assert_int_equal(store_edit(fx->path, STORE_EDIT_COPY, 1000, 5), 0);
	else
		exec_on(fx->path, "INSERT INTO records(id, ts, hash) SELECT 1000, ts, hash FROM "
				  "records WHERE id = 5");
	v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_INSERTED);
	assert_int_equal(v.bad_id, 1000);
}

static void retention_by_size_keeps_the_bound_and_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct store_writer *w;
	char err[STORE_ERR_MAX];
	/* blocks take about a third of the rows' space: a bound the 5400 records exceed */
	struct store_writer_opts o = { .max_bytes = blocks ? 300 * 1024 : 600 * 1024 };
	assert_int_equal(store_writer_open(fx->path, &o, &w, err, sizeof(err)), 0);
	struct ward_record recs[NREC];
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < NREC; i++)
			make_record(&recs[i], i);
		assert_int_equal(store_writer_append(w, recs, NREC, NULL), 0);
		int64_t del = 0;
		assert_int_equal(store_writer_retain(w, 0, 500, &del), 0);
	}
	assert_int_equal(store_writer_close(w), 0);
	struct store *s = open_ro(fx);
	struct store_stats st;
	assert_int_equal(store_get_stats(s, &st), 0);
	assert_true(st.bytes_used <= o.max_bytes);
	assert_true(st.first_id > 1);
	assert_int_equal(st.last_id, 9 * NREC);
	store_close(s);
	struct store_verify_result v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_OK);
	assert_int_equal(v.anchor_id, st.first_id - 1);
}

static void retention_by_age_deletes_only_old_records(void **state)
{
	struct fixture *fx = *state;
	struct store_writer *w;
	char err[STORE_ERR_MAX];
	/* records span 97 s from t0 = 1764547200; keep those younger than t0 + 50 */
	int64_t now = time(NULL);
	/* on blocks too: whole blocks (64 records here) and a split of the boundary block */
	struct store_writer_opts o = { .max_age_s = now - (1764547200 + 50) };
	assert_int_equal(store_writer_open(fx->path, &o, &w, err, sizeof(err)), 0);
	int64_t del = -1;
	assert_int_equal(store_writer_retain(w, now, 7, &del), 0);
	/* a prefix (in id order) of the old records goes: ids 1..50 have offsets 0..49 */
	assert_int_equal(del, 50);
	/* close retains once more with its own clock, a second or two later at most */
	assert_int_equal(store_writer_close(w), 0);
	struct store_verify_result v = verify(fx);
	assert_int_equal(v.problem, STORE_VERIFY_OK);
	assert_true(v.anchor_id >= 50 && v.anchor_id <= 55);
	assert_int_equal(v.checked, NREC - v.anchor_id);
}

static void newer_schema_is_refused(void **state)
{
	struct fixture *fx = *state;
	exec_on(fx->path, "PRAGMA user_version = 99");
	struct store *s;
	char err[STORE_ERR_MAX];
	assert_int_equal(store_open(fx->path, STORE_OPEN_READONLY, &s, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "newer"));
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nope.db", fx->dir);
	assert_int_equal(store_open(missing, STORE_OPEN_READONLY, &s, err, sizeof(err)), -ENOENT);
}

static void json_parser_reads_both_forms_and_keeps_unknown_keys(void **state)
{
	(void)state;
	const char *file_form =
		"{\"timestamp\":1761382280,\"updatedTime\":\"2025-10-25T08:51:20.971764Z\","
		"\"hostName\":\"ishaanj18\",\"hostPPid\":1360,\"hostPid\":4338,\"ppid\":0,\"pid\":4338,"
		"\"uid\":0,\"execEvent\":{\"ExecID\":\"0\",\"ExecutableName\":\"ip6tables\"},"
		"\"processName\":\"/usr/sbin/xtables-nft-multi\",\"atags\":null,\"type\":\"HostLog\","
		"\"oid\":0,\"data\":\"syscall=SYS_EXECVE\",\"eventData\":{\"Syscall\":\"SYS_EXECVE\"},"
		"\"result\":\"Passed\"}";
	struct record_owned *o;
	struct diag d;
	diag_init(&d);
	assert_int_equal(record_from_json(file_form, strlen(file_form), "f", 1, &o, &d), 0);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(&o->rec, &sb), 0);
	assert_string_equal(
		sb.buf,
		"{\"Timestamp\":1761382280,\"UpdatedTime\":\"2025-10-25T08:51:20.971764Z\","
		"\"HostName\":\"ishaanj18\",\"HostPPID\":1360,\"HostPID\":4338,\"PPID\":0,"
		"\"PID\":4338,\"UID\":0,\"ProcessName\":\"/usr/sbin/xtables-nft-multi\","
		"\"Type\":\"HostLog\",\"Data\":\"syscall=SYS_EXECVE\",\"Result\":\"Passed\","
		"\"ExecEvent\":{\"ExecID\":\"0\",\"ExecutableName\":\"ip6tables\"},"
		"\"oid\":0,\"eventData\":{\"Syscall\":\"SYS_EXECVE\"}}");
	record_owned_free(o);
	strbuf_done(&sb);

	const char *bad = "{\n\"Timestamp\": 5,\n\"PID\": \"x\"\n}";
	assert_int_equal(record_from_json(bad, strlen(bad), "in.json", 7, &o, &d), -EINVAL);
	char msg[600];
	diag_format(&d.entries[0], msg, sizeof(msg));
	assert_string_equal(msg, "in.json:7: error: 'PID': expected an integer");
	const char *broken = "{\"Timestamp\": 5,\n \"PID\": }";
	assert_int_equal(record_from_json(broken, strlen(broken), "in.json", 10, &o, &d), -EINVAL);
	diag_format(&d.entries[1], msg, sizeof(msg));
	assert_non_null(strstr(msg, "in.json:11:"));
	diag_done(&d);
}

/*
 * Statistics of a tiny store must not steer lookups into table scans once it grows: the
 * writer does not ANALYZE a store of a few hundred records, and even with such statistics in
 * place (a store written by an older ward) a dictionary lookup in a filter uses the hash index.
 */
static void tiny_store_statistics_do_not_make_lookups_scan(void **state)
{
	struct fixture *fx = *state;
	/* rows only: blocks have no (field, ts) index to mislead (block_plans_use_postings...) */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM sqlite_master WHERE name = "
					    "'sqlite_stat1'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);

	/* what an older ward left after closing a store of two strings */
	assert_int_equal(sqlite3_exec(db,
				      "ANALYZE; UPDATE sqlite_stat1 SET stat = '2 1' WHERE idx = "
				      "'sdict_h'; UPDATE sqlite_stat1 SET stat = '1 1' WHERE idx = "
				      "'records_hostname'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	struct store_filter *f;
	char err[STORE_ERR_MAX];
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_add(f, "hostname", "h1", 0, err, sizeof(err)), 0);
	struct strbuf sql;
	strbuf_init(&sql);
	strbuf_puts(&sql, "EXPLAIN QUERY PLAN SELECT r.id FROM records r WHERE ");
	struct store_param p[8];
	size_t np;
	assert_int_equal(store_filter_sql(f, STORE_DIALECT_SQLITE, 1, &sql, p, 8, &np), 0);
	assert_int_equal(sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL), SQLITE_OK);
	int via_hash_index = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(st, 3), "INDEX sdict_h"))
			via_hash_index = 1;
	assert_true(via_hash_index);
	sqlite3_finalize(st);
	strbuf_done(&sql);
	store_filter_free(f);
	sqlite3_close(db);
}

/*
 * The plan of `SELECT ... WHERE <filter> ORDER BY ts DESC, id DESC LIMIT 100` on a connection
 * opened like the store's (the virtual table's module registered); @plain: the filter as
 * query.c sends it to a block store (store_filter_sql_plain).
 */
static void plan_of(struct fixture *fx, struct store_filter *f, int plain, char *out, size_t outlen)
{
	sqlite3 *db;
	char err[STORE_ERR_MAX];
	struct strbuf sql;
	strbuf_init(&sql);
	strbuf_puts(&sql, "EXPLAIN QUERY PLAN SELECT r.id FROM records r WHERE ");
	struct store_param p[16];
	size_t np;
	if (plain)
		assert_int_equal(store_filter_sql_plain(f, 1, &sql, p, 16, &np), 0);
	else
		assert_int_equal(store_filter_sql(f, STORE_DIALECT_SQLITE, 1, &sql, p, 16, &np), 0);
	strbuf_puts(&sql, " ORDER BY r.ts DESC, r.id DESC LIMIT 100");
	assert_int_equal(store_db_open(fx->path, 0, &db, err, sizeof(err)), 0);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql.buf, sqlite3_errmsg(db));
	out[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		strncat(out, (const char *)sqlite3_column_text(st, 3), outlen - strlen(out) - 2);
		strcat(out, ";");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	strbuf_done(&sql);
}

/*
 * On blocks the plan must use what the layout has instead of indexes: the postings of every
 * indexed equality (P<n> in the virtual table's plan), block pruning by ts (a/b) and the
 * newest-first order produced by the table itself (index 1, no temp B-tree for the ORDER BY).
 */
static void block_plans_use_postings_and_ts_pruning(void **state)
{
	struct fixture *fx = *state;
	struct store_filter *f;
	char err[STORE_ERR_MAX], plan[1024];
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_add(f, "hostname", "h1", 0, err, sizeof(err)), 0);
	plan_of(fx, f, 0, plan, sizeof(plan));
	assert_non_null(strstr(plan, "VIRTUAL TABLE INDEX 1:P0;"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	/* a second indexed equality and a time bound: what query.c sends (no unary + on the
	 * second equality) intersects both postings and prunes blocks by ts */
	assert_int_equal(store_filter_add(f, "pod", "p", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "since", "2025-12-01T00:00:10Z", 0, err, sizeof(err)),
			 0);
	plan_of(fx, f, 1, plan, sizeof(plan));
	char *idx = strstr(plan, "VIRTUAL TABLE INDEX 1:");
	assert_non_null(idx);
	idx += strlen("VIRTUAL TABLE INDEX 1:");
	*strchrnul(idx, ';') = 0;
	assert_non_null(strstr(idx, "P0"));
	assert_non_null(strstr(idx, "P2"));
	assert_non_null(strchr(idx, 'a'));
	assert_null(strstr(plan, "TEMP B-TREE"));
	/* and the answer is direct evaluation's: nobody has pod p */
	struct store *s = open_ro(fx);
	assert_int_equal(count_matching(s, f), 0);
	store_close(s);
	store_filter_free(f);
}

/* blocks whose ts ranges overlap merge into one (ts desc, id desc) order, filtered or not */
static void newest_first_merges_overlapping_blocks(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	static int64_t want_ts[NREC], want_id[NREC];
	for (int pass = 0; pass < 2; pass++) {
		/* pass 1: HostName h2 through the postings */
		struct store_filter *f = NULL;
		char err[STORE_ERR_MAX];
		int nw = 0;
		if (pass) {
			assert_int_equal(store_filter_new(&f), 0);
			assert_int_equal(store_filter_add(f, "hostname", "h2", 0, err, sizeof(err)),
					 0);
		}
		/* the expected order, by selection sort over make_record() */
		static char used[NREC];
		memset(used, 0, sizeof(used));
		for (;;) {
			int best = -1;
			for (int i = 0; i < NREC; i++) {
				struct ward_record r;
				if (used[i] || (pass && i % 4 != 1))
					continue;
				make_record(&r, i);
				if (best < 0 || r.ts_ns > want_ts[nw] ||
				    (r.ts_ns == want_ts[nw] && i + 1 > want_id[nw])) {
					best = i;
					want_ts[nw] = r.ts_ns;
					want_id[nw] = i + 1;
				}
			}
			if (best < 0)
				break;
			used[best] = 1;
			nw++;
		}
		struct store_query *q;
		const struct store_row *row;
		int n = 0;
		assert_int_equal(store_query_begin(s, f, STORE_NEWEST_FIRST, NULL, 0, 0, &q), 0);
		while (store_next(q, &row) == 1) {
			assert_true(n < nw);
			assert_int_equal(row->id, want_id[n]);
			assert_int_equal(row->rec.ts_ns, want_ts[n]);
			n++;
		}
		store_query_end(q);
		assert_int_equal(n, nw);
		store_filter_free(f);
	}
	/* follow order: ids after 123, ascending */
	struct store_query *q;
	const struct store_row *row;
	int64_t next = 124;
	assert_int_equal(store_query_begin(s, NULL, STORE_ID_ASCENDING, NULL, 123, 0, &q), 0);
	while (store_next(q, &row) == 1)
		assert_int_equal(row->id, next++);
	store_query_end(q);
	assert_int_equal(next, NREC + 1);
	int64_t last = 0;
	assert_int_equal(store_last_id(s, &last), 0);
	assert_int_equal(last, NREC);
	store_close(s);
}

/*
 * Several equalities ANDed (a posting column, dictionary columns, an integer column): the
 * block layout tests them while scanning a block and decodes only the rows that pass, so the
 * rows must be exactly those of direct evaluation, newest first, each with all its content.
 */
static void anded_equalities_return_whole_matching_records_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_ro(fx);
	struct store_filter *f;
	char err[STORE_ERR_MAX];
	assert_int_equal(store_filter_new(&f), 0);
	assert_int_equal(store_filter_add(f, "hostname", "h2", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "operation", "File", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_add(f, "action", "Block", 0, err, sizeof(err)), 0);
	assert_int_equal(store_filter_where(f, "PPID = 3", 0, err, sizeof(err)), 0);
	struct store_query *q;
	const struct store_row *row;
	struct strbuf got, want;
	strbuf_init(&got);
	strbuf_init(&want);
	int64_t n = 0, prev_ts = INT64_MAX, prev_id = INT64_MAX;
	assert_int_equal(store_query_begin(s, f, STORE_NEWEST_FIRST, NULL, 0, 0, &q), 0);
	while (store_next(q, &row) == 1) {
		int i = (int)row->id - 1;
		struct ward_record x;
		make_record(&x, i);
		assert_true(i % 4 == 1 && i % 3 == 1 && i % 7 == 3);
		assert_true(row->rec.ts_ns < prev_ts ||
			    (row->rec.ts_ns == prev_ts && row->id < prev_id));
		prev_ts = row->rec.ts_ns;
		prev_id = row->id;
		strbuf_reset(&got);
		strbuf_reset(&want);
		assert_int_equal(record_to_json(&row->rec, &got), 0);
		assert_int_equal(record_to_json(&x, &want), 0);
		assert_string_equal(got.buf, want.buf);
		n++;
	}
	store_query_end(q);
	int64_t expect = 0;
	for (int i = 0; i < NREC; i++)
		expect += i % 4 == 1 && i % 3 == 1 && i % 7 == 3;
	assert_true(expect > 0);
	assert_int_equal(n, expect);
	strbuf_done(&got);
	strbuf_done(&want);
	store_filter_free(f);
	store_close(s);
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/*
 * Small commits (the agent at a low record rate) append to the block the previous commit
 * left small instead of starting one each: the block is rewritten with its new postings,
 * every record reads back whole and in order, the chain verifies, and retention, which may
 * delete or split that block, leaves a writer that still appends correctly.
 */
static void small_commits_grow_one_block_and_keep_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct store_writer *w;
	char err[STORE_ERR_MAX];
	char path[600];
	snprintf(path, sizeof(path), "%s/small.db", fx->dir);
	/* age retention that deletes nothing at the flushes (cutoff t0 - 100 s); the explicit
	 * call below passes a clock 130 s later: cutoff t0 + 30 s */
	int64_t now = time(NULL);
	struct store_writer_opts o = { .max_age_s = now - (1764547200 - 100) };
	assert_int_equal(store_writer_open(path, &o, &w, err, sizeof(err)), 0);
	struct ward_record r[5];
	int next = 0;
	for (int c = 0; c < 40; c++) {
		for (int i = 0; i < 5; i++)
			make_record(&r[i], next++);
		assert_int_equal(store_writer_append(w, r, 5, NULL), 0);
		assert_int_equal(store_writer_flush(w), 0);
	}
	if (blocks) {
		/* 200 records in 40 commits: one block, each distinct host once in postings */
		assert_int_equal(query_int(path, "SELECT count(*) FROM blocks"), 1);
		assert_int_equal(query_int(path, "SELECT n FROM blocks"), 200);
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM postings WHERE col = %d",
			 store_posting_cols()[0]);
		assert_int_equal(query_int(path, sql), 4); /* hosts[i % 4] */
	}
	/* past the carry limit a new block starts */
	for (int c = 0; c < 20; c++) {
		for (int i = 0; i < 5; i++)
			make_record(&r[i], next++);
		assert_int_equal(store_writer_append(w, r, 5, NULL), 0);
		assert_int_equal(store_writer_flush(w), 0);
	}
	if (blocks)
		assert_int_equal(query_int(path, "SELECT count(*) FROM blocks"), 2);
	/* retention can cut into the kept block; appends go on after it */
	int64_t del = 0;
	assert_int_equal(store_writer_retain(w, now + 130, 50, &del), 0);
	assert_int_equal(del, 30); /* offsets 0..29 s: ids 1..30 */
	for (int c = 0; c < 4; c++) {
		for (int i = 0; i < 5; i++)
			make_record(&r[i], next++);
		assert_int_equal(store_writer_append(w, r, 5, NULL), 0);
		assert_int_equal(store_writer_flush(w), 0);
	}
	assert_int_equal(store_writer_close(w), 0);

	struct store *s;
	assert_int_equal(store_open(path, STORE_OPEN_READONLY, &s, err, sizeof(err)), 0);
	struct store_verify_result v;
	assert_int_equal(store_verify(s, &v), 0);
	assert_int_equal(v.problem, STORE_VERIFY_OK);
	assert_int_equal(v.anchor_id, 30);
	assert_int_equal(v.checked + v.anchor_id, next);
	struct store_query *q;
	const struct store_row *row;
	struct strbuf got, want;
	strbuf_init(&got);
	strbuf_init(&want);
	int64_t n = v.anchor_id;
	assert_int_equal(store_query_begin(s, NULL, STORE_ID_ASCENDING, NULL, 0, 0, &q), 0);
	while (store_next(q, &row) == 1) {
		struct ward_record x;
		make_record(&x, (int)row->id - 1);
		strbuf_reset(&got);
		strbuf_reset(&want);
		assert_int_equal(record_to_json(&row->rec, &got), 0);
		assert_int_equal(record_to_json(&x, &want), 0);
		assert_string_equal(got.buf, want.buf);
		assert_int_equal(row->id, ++n);
	}
	store_query_end(q);
	assert_int_equal(n, next);
	strbuf_done(&got);
	strbuf_done(&want);
	store_close(s);
}

static int run_suite(void);

int main(void)
{
	int r;
	setenv("WARD_STORE_LAYOUT", "rows", 1);
	blocks = 0;
	r = run_suite();
	setenv("WARD_STORE_LAYOUT", "blocks", 1);
	blocks = 1;
	r |= run_suite();
	return r;
}

static int run_suite(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stored_records_read_back_as_the_same_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(cursor_pages_return_every_record_once_newest_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			where_operators_select_what_direct_evaluation_selects, setup, teardown),
		cmocka_unit_test_setup_teardown(flag_words_filter_like_karmor, setup, teardown),
		cmocka_unit_test_setup_teardown(small_commits_grow_one_block_and_keep_the_chain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			anded_equalities_return_whole_matching_records_newest_first, setup,
			teardown),
		cmocka_unit_test(unknown_field_is_refused_with_a_suggestion),
		cmocka_unit_test(filters_compile_to_bound_parameters_in_both_dialects),
		cmocka_unit_test_setup_teardown(counts_and_histogram_add_up, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_names_an_edited_record, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_names_a_deleted_record, setup, teardown),
		cmocka_unit_test_setup_teardown(
			verify_notices_a_dropped_tail_and_an_appended_record, setup, teardown),
		cmocka_unit_test_setup_teardown(retention_by_size_keeps_the_bound_and_the_chain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(retention_by_age_deletes_only_old_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
		cmocka_unit_test(json_parser_reads_both_forms_and_keeps_unknown_keys),
		cmocka_unit_test_setup_teardown(newest_first_merges_overlapping_blocks, setup,
						teardown),
	};
	/* what only one layout has (row indexes and their statistics; block plans) */
	const struct CMUnitTest rows_only[] = {
		cmocka_unit_test_setup_teardown(tiny_store_statistics_do_not_make_lookups_scan,
						setup, teardown),
	};
	const struct CMUnitTest blocks_only[] = {
		cmocka_unit_test_setup_teardown(block_plans_use_postings_and_ts_pruning, setup,
						teardown),
	};
	int r = cmocka_run_group_tests_name(
		blocks ? "both layouts, on blocks" : "both layouts, on rows", tests, NULL, NULL);
	if (blocks)
		r |= cmocka_run_group_tests_name("blocks only", blocks_only, NULL, NULL);
	else
		r |= cmocka_run_group_tests_name("rows only", rows_only, NULL, NULL);
	return r;
}
