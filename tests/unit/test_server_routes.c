/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the HTTP router (server_handle()) over a real SQLite store in a temp folder, no
 * sockets: authentication, paging, counts/histogram totals, ingest (all or nothing), the
 * streamed export, limits and the static file list.
 */
#include "support/ward_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "record/record.h"
#include "server/server.h"

#define TOKEN "unit-test-token"
#define NREC  57

struct fixture {
	char *dir;
	struct server_backend *be;
	struct server *srv;
};

static const char *const hosts[] = { "h1", "h2", "h3" };
static const char *const ops[] = { "Process", "File" };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[512];
	fx->dir = ward_test_tmpdir();
	snprintf(path, sizeof(path), "%s/w.db", fx->dir);
	struct diag d;
	diag_init(&d);
	assert_int_equal(server_backend_open(path, &fx->be, &d), 0);
	diag_done(&d);
	struct ward_record recs[NREC];
	const struct ward_record *ptrs[NREC];
	for (int i = 0; i < NREC; i++) {
		recs[i] = (struct ward_record){
			.ts_ns = 1764547200000000000LL + (int64_t)i * 7000000000LL,
			.host_name = hosts[i % 3],
			.operation = ops[i % 2],
			.type = "HostLog",
			.pid = 100 + i,
			.resource = i % 5 ? "/etc/passwd" : "x' OR '1'='1",
		};
		ptrs[i] = &recs[i];
	}
	assert_int_equal(server_backend_ingest(fx->be, ptrs, NREC), 0);
	struct server_config cfg = { .token = TOKEN, .be = fx->be, .web_dir = fx->dir };
	assert_int_equal(server_new(&cfg, &fx->srv), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	server_free(fx->srv);
	server_backend_close(fx->be);
	ward_test_rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* GET @path with @n params (key, value, key, value, ...), with or without the token. */
static void get(struct fixture *fx, const char *path, const char *auth, struct server_response *r,
		size_t n, ...)
{
	struct server_param p[16];
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		p[i].key = va_arg(ap, const char *);
		p[i].value = va_arg(ap, const char *);
	}
	va_end(ap);
	struct server_request req = {
		.method = "GET",
		.path = path,
		.params = p,
		.n_params = n,
		.authorization = auth,
	};
	server_handle(fx->srv, &req, r);
}

static const char *bearer = "Bearer " TOKEN;

static void healthz_answers_without_a_token(void **state)
{
	struct server_response r;
	get(*state, "/healthz", NULL, &r, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	server_response_done(&r);
}

static void api_routes_refuse_missing_and_wrong_tokens(void **state)
{
	static const char *const routes[] = { "/api/v1/records",   "/api/v1/counts",
					      "/api/v1/histogram", "/api/v1/stream",
					      "/api/v1/export",	   "/api/v1/ingest",
					      "/metrics",	   "/api/v1/nothing" };
	struct server_response r;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		get(*state, routes[i], NULL, &r, 0);
		assert_int_equal(r.status, 401);
		server_response_done(&r);
		get(*state, routes[i], "Bearer wrong", &r, 0);
		assert_int_equal(r.status, 401);
		server_response_done(&r);
		get(*state, routes[i], "Bearer " TOKEN "x", &r, 0);
		assert_int_equal(r.status, 401);
		server_response_done(&r);
		get(*state, routes[i], "Basic " TOKEN, &r, 0);
		assert_int_equal(r.status, 401);
		server_response_done(&r);
	}
}

/* count occurrences of @needle in @hay */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void cursor_paging_returns_every_record_once_newest_first(void **state)
{
	struct fixture *fx = *state;
	char cursor[128] = "";
	int seen[NREC] = { 0 }, total = 0, pages = 0;
	int last_pid = 1 << 30;
	for (;;) {
		struct server_response r;
		if (cursor[0])
			get(fx, "/api/v1/records", bearer, &r, 2, "limit", "10", "cursor", cursor);
		else
			get(fx, "/api/v1/records", bearer, &r, 1, "limit", "10");
		assert_int_equal(r.status, 200);
		pages++;
		for (const char *p = r.body; (p = strstr(p, "\"PID\":")); p++) {
			int pid = atoi(p + 6);
			assert_in_range(pid, 100, 100 + NREC - 1);
			assert_true(pid < last_pid); /* newer records have larger PIDs here */
			last_pid = pid;
			seen[pid - 100]++;
			total++;
		}
		const char *next = strstr(r.body, "\"next\":");
		assert_non_null(next);
		if (!strncmp(next + 7, "null", 4)) {
			server_response_done(&r);
			break;
		}
		assert_int_equal(sscanf(next + 7, "\"%127[^\"]\"", cursor), 1);
		server_response_done(&r);
	}
	assert_int_equal(total, NREC);
	assert_int_equal(pages, (NREC + 9) / 10);
	for (int i = 0; i < NREC; i++)
		assert_int_equal(seen[i], 1);
}

static void counts_and_histogram_add_up_to_the_matching_records(void **state)
{
	struct server_response r;
	get(*state, "/api/v1/counts", bearer, &r, 2, "by", "HostName", "operation", "File");
	assert_int_equal(r.status, 200);
	/* 57 records, odd indexes are File: 28; by host 0..56 odd i: h1 (i%3==0) ... */
	assert_non_null(strstr(r.body, "\"total\":28}"));
	assert_int_equal(count_of(r.body, "\"value\":"), 3);
	server_response_done(&r);
	get(*state, "/api/v1/histogram", bearer, &r, 2, "interval", "1m", "operation", "File");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"total\":28}"));
	server_response_done(&r);
}

static void sql_shaped_values_are_matched_literally(void **state)
{
	struct server_response r;
	get(*state, "/api/v1/counts", bearer, &r, 2, "by", "Resource", "resource", "x' OR '1'='1");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"total\":12}")); /* i % 5 == 0 for i < 57 */
	server_response_done(&r);
	get(*state, "/api/v1/counts", bearer, &r, 2, "by", "Resource", "hostname", "' OR 1=1 --");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"counts\":[],\"total\":0}"));
	server_response_done(&r);
}

static void bad_parameters_are_400_with_a_reason(void **state)
{
	struct server_response r;
	get(*state, "/api/v1/records", bearer, &r, 1, "where", "Hostnme=x");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "did you mean 'HostName'"));
	server_response_done(&r);
	get(*state, "/api/v1/records", bearer, &r, 1, "limit", "0");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
	get(*state, "/api/v1/records", bearer, &r, 1, "limit", "5001");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
	get(*state, "/api/v1/records", bearer, &r, 1, "cursor", "12:abc");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
	get(*state, "/api/v1/counts", bearer, &r, 1, "by", "Nope");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
	get(*state, "/api/v1/histogram", bearer, &r, 1, "interval", "-1m");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
	get(*state, "/api/v1/export", bearer, &r, 1, "format", "xml");
	assert_int_equal(r.status, 400);
	server_response_done(&r);
}

static void too_many_parameters_are_refused(void **state)
{
	struct server_param p[SERVER_MAX_PARAMS + 1];
	for (size_t i = 0; i < SERVER_MAX_PARAMS + 1; i++)
		p[i] = (struct server_param){ "operation", "File" };
	struct server_request req = {
		.method = "GET", .path = "/api/v1/records", .params = p, .authorization = bearer
	};
	struct server_response r;
	req.n_params = SERVER_MAX_PARAMS;
	server_handle(((struct fixture *)*state)->srv, &req, &r);
	assert_int_equal(r.status, 200);
	server_response_done(&r);
	req.n_params = SERVER_MAX_PARAMS + 1;
	server_handle(((struct fixture *)*state)->srv, &req, &r);
	assert_int_equal(r.status, 400);
	server_response_done(&r);
}

static void ingest_is_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	const char good[] = "{\"Timestamp\":1764600000,\"HostName\":\"new-host\",\"PID\":7}\n"
			    "\n"
			    "{\"Timestamp\":1764600001,\"HostName\":\"new-host\",\"PID\":8}\n";
	const char bad[] = "{\"Timestamp\":1764600002,\"HostName\":\"bad-host\"}\n[1,2]\n";
	struct server_request req = { .method = "POST",
				      .path = "/api/v1/ingest",
				      .authorization = bearer };
	struct server_response r;

	req.body = bad;
	req.body_len = sizeof(bad) - 1;
	server_handle(fx->srv, &req, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "ingest:2"));
	server_response_done(&r);

	req.body = good;
	req.body_len = sizeof(good) - 1;
	server_handle(fx->srv, &req, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"accepted\":2}\n");
	server_response_done(&r);

	get(fx, "/api/v1/counts", bearer, &r, 1, "by", "HostName");
	assert_non_null(strstr(r.body, "{\"value\":\"new-host\",\"count\":2}"));
	assert_null(strstr(r.body, "bad-host"));
	server_response_done(&r);

	req.method = "GET";
	server_handle(fx->srv, &req, &r);
	assert_int_equal(r.status, 405);
	server_response_done(&r);
}

static void export_streams_csv_with_a_header_and_every_row(void **state)
{
	struct server_response r;
	get(*state, "/api/v1/export", bearer, &r, 2, "format", "csv", "hostname", "h2");
	assert_int_equal(r.status, 200);
	assert_non_null(r.stream);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	char buf[777]; /* odd size: chunks cut lines anywhere */
	char *all = calloc(1, 1 << 20);
	size_t len = 0;
	ssize_t n;
	while ((n = server_stream_read(r.stream, buf, sizeof(buf))) != -1) {
		assert_true(n >= 0);
		memcpy(all + len, buf, (size_t)n);
		len += (size_t)n;
	}
	assert_int_equal(strncmp(all, "Timestamp,UpdatedTime,ClusterName,HostName,", 43), 0);
	assert_int_equal(count_of(all, "\r\n"), 1 + 19); /* i % 3 == 1 for i < 57 */
	assert_int_equal(count_of(all, ",h2,"), 19);
	free(all);
	server_response_done(&r);
}

static void static_files_come_only_from_the_fixed_list(void **state)
{
	struct fixture *fx = *state;
	char path[600];
	snprintf(path, sizeof(path), "%s/index.html", fx->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("<!DOCTYPE html>page", f);
	fclose(f);
	struct server_response r;
	get(fx, "/", NULL, &r, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "<!DOCTYPE html>page");
	server_response_done(&r);
	get(fx, "/w.db", NULL, &r, 0);
	assert_int_equal(r.status, 401);
	server_response_done(&r);
	get(fx, "/../index.html", bearer, &r, 0);
	assert_int_equal(r.status, 404);
	server_response_done(&r);
}

static void metrics_report_ingest_per_source(void **state)
{
	struct fixture *fx = *state;
	const char body[] = "{\"Timestamp\":1764600000,\"HostName\":\"m-host\"}\n";
	struct server_request req = { .method = "POST",
				      .path = "/api/v1/ingest",
				      .authorization = bearer,
				      .body = body,
				      .body_len = sizeof(body) - 1 };
	struct server_response r;
	server_handle(fx->srv, &req, &r);
	server_response_done(&r);
	get(fx, "/metrics", bearer, &r, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "ward_records_stored_total{source=\"m-host\"} 1\n"));
	assert_non_null(strstr(
		r.body,
		"ward_http_request_duration_seconds_bucket{route=\"ingest\",le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(r.body, "# TYPE ward_ingest_queue_depth gauge\n"));
	server_response_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(healthz_answers_without_a_token, setup, teardown),
		cmocka_unit_test_setup_teardown(api_routes_refuse_missing_and_wrong_tokens, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			cursor_paging_returns_every_record_once_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(counts_and_histogram_add_up_to_the_matching_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(sql_shaped_values_are_matched_literally, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_parameters_are_400_with_a_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(too_many_parameters_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(ingest_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(export_streams_csv_with_a_header_and_every_row,
						setup, teardown),
		cmocka_unit_test_setup_teardown(static_files_come_only_from_the_fixed_list, setup,
						teardown),
		cmocka_unit_test_setup_teardown(metrics_report_ingest_per_source, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
