/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - the router: authentication, parameter checks and the answers of every route of
 * design.md §6. Independent of libmicrohttpd (http.c feeds it), so unit tests and the fuzzer
 * call server_handle() directly.
 */
#include "server/server.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "common/diag.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "record/record.h"
#include "server/internal.h"

#define INGEST_MAX_RECORDS 200000 /* records per POST body */
#define STATIC_MAX_BYTES   (4u << 20)

static const char JSON_TYPE[] = "application/json";

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void respond_buf(struct server_response *ret, unsigned status, const char *type,
			struct strbuf *sb)
{
	if (strbuf_error(sb)) {
		strbuf_done(sb);
		strbuf_puts(sb, "{\"error\":\"out of memory\"}");
		status = 500;
		type = JSON_TYPE;
	}
	ret->status = status;
	ret->content_type = type;
	ret->body = strbuf_detach(sb, &ret->body_len);
	if (!ret->body) {
		ret->body_len = 0;
		ret->status = 500;
	}
}

static void respond_error(struct server_response *ret, unsigned status, const char *msg)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"error\":");
	strbuf_put_json_string(&sb, msg, strlen(msg));
	strbuf_puts(&sb, "}\n");
	ret->no_store = 1;
	respond_buf(ret, status, JSON_TYPE, &sb);
}

void server_response_done(struct server_response *r)
{
	free(r->body);
	server_stream_free(r->stream);
	*r = (struct server_response){ 0 };
}

/*
 * Constant time whatever the presented token: both sides are hashed first, so the comparison
 * neither stops early nor depends on the presented token's length.
 */
static int token_ok(const struct server *s, const char *authorization)
{
	static const char prefix[] = "Bearer ";
	if (!authorization || strncasecmp(authorization, prefix, sizeof(prefix) - 1))
		return 0;
	const char *tok = authorization + sizeof(prefix) - 1;
	unsigned char h[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)tok, strlen(tok), h);
	return CRYPTO_memcmp(h, s->token_hash, sizeof(h)) == 0;
}

static const char *param_get(const struct server_request *req, const char *key)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (!strcmp(req->params[i].key, key))
			return req->params[i].value;
	return NULL;
}

/*
 * Build the backend filter from every parameter except the route's own (@own, NULL-ended).
 * Return: 0, or an error answer already written.
 */
static int make_filter(struct server *s, const struct server_request *req, const char *const *own,
		       struct server_filter **ret, struct server_response *resp)
{
	struct server_param p[SERVER_MAX_PARAMS];
	size_t n = 0;
	for (size_t i = 0; i < req->n_params; i++) {
		/* "a=1&&b=2" and a trailing "&" leave empty keys: nothing to filter on */
		int skip = !req->params[i].key[0];
		for (const char *const *o = own; o && *o; o++)
			if (!strcmp(req->params[i].key, *o))
				skip = 1;
		if (!skip && n < SERVER_MAX_PARAMS)
			p[n++] = req->params[i];
	}
	char err[256] = "";
	int r = s->be->ops->filter_new(s->be, p, n, ret, err, sizeof(err));
	if (r < 0) {
		respond_error(resp, r == -ENOMEM ? 500 : 400, err[0] ? err : "bad filter");
		return r;
	}
	return 0;
}

void put_record_json(struct strbuf *out, const struct ward_record *r, const char *json,
		     size_t json_len)
{
	if (json) {
		strbuf_append(out, json, json_len);
		return;
	}
	/* an allocation failure sets out's error flag, which every caller checks */
	if (record_to_json(r, out) < 0)
		return;
}

static int records_cb(void *ctx, const struct ward_record *r, const char *json, size_t json_len)
{
	struct strbuf *sb = ctx;
	if (sb->buf && sb->buf[sb->len - 1] != '[')
		strbuf_putc(sb, ',');
	put_record_json(sb, r, json, json_len);
	return strbuf_error(sb);
}

/* The `limit` parameter: @def when absent, else 1..@max; a 400 answer and -EINVAL otherwise. */
static int param_limit(const struct server_request *req, uint32_t def, uint32_t max,
		       uint32_t *ret_limit, struct server_response *ret)
{
	uint32_t limit = def;
	const char *v = param_get(req, "limit");
	if (v && (parse_u32(v, &limit) < 0 || limit == 0 || limit > max)) {
		char msg[96];
		snprintf(msg, sizeof(msg), "limit must be 1..%u", max);
		respond_error(ret, 400, msg);
		return -EINVAL;
	}
	*ret_limit = limit;
	return 0;
}

static void route_records(struct server *s, const struct server_request *req,
			  struct server_response *ret)
{
	static const char *const own[] = { "limit", "cursor", NULL };
	uint32_t limit;
	if (param_limit(req, SERVER_DEFAULT_PAGE, SERVER_MAX_PAGE, &limit, ret) < 0)
		return;
	struct server_filter *f;
	if (make_filter(s, req, own, &f, ret) < 0)
		return;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"records\":[");
	char next[BACKEND_CURSOR_MAX] = "";
	int r = s->be->ops->records(s->be, f, limit, param_get(req, "cursor"), records_cb, &sb,
				    next);
	s->be->ops->filter_free(f);
	if (r < 0) {
		strbuf_done(&sb);
		respond_error(ret, r == -EINVAL ? 400 : 500,
			      r == -EINVAL ? "bad cursor" : "query failed");
		return;
	}
	strbuf_puts(&sb, "],\"next\":");
	if (next[0])
		strbuf_put_json_string(&sb, next, strlen(next));
	else
		strbuf_puts(&sb, "null");
	strbuf_puts(&sb, "}\n");
	ret->no_store = 1;
	respond_buf(ret, 200, JSON_TYPE, &sb);
}

struct counts_ctx {
	struct strbuf *sb;
	int n;
	int64_t total;
};

static int counts_cb(void *ctx, const char *value, int64_t count)
{
	struct counts_ctx *c = ctx;
	if (c->n++)
		strbuf_putc(c->sb, ',');
	strbuf_puts(c->sb, "{\"value\":");
	strbuf_put_json_string(c->sb, value ? value : "", value ? strlen(value) : 0);
	strbuf_puts(c->sb, ",\"count\":");
	strbuf_put_i64(c->sb, count);
	strbuf_putc(c->sb, '}');
	c->total += count;
	return strbuf_error(c->sb);
}

static void route_counts(struct server *s, const struct server_request *req,
			 struct server_response *ret)
{
	static const char *const own[] = { "by", "limit", NULL };
	const char *by = param_get(req, "by");
	if (!by || !*by) {
		respond_error(ret, 400, "by=Field is required");
		return;
	}
	const struct record_field *fld = record_field_find(by);
	if (!fld) {
		char msg[160];
		const char *hint = record_field_suggest(by);
		if (hint)
			snprintf(msg, sizeof(msg), "unknown field '%.40s' (did you mean '%s'?)", by,
				 hint);
		else
			snprintf(msg, sizeof(msg), "unknown field '%.40s'", by);
		respond_error(ret, 400, msg);
		return;
	}
	uint32_t max;
	if (param_limit(req, SERVER_MAX_COUNTS, SERVER_MAX_COUNTS, &max, ret) < 0)
		return;
	struct server_filter *f;
	if (make_filter(s, req, own, &f, ret) < 0)
		return;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"by\":");
	strbuf_put_json_string(&sb, fld->name, strlen(fld->name));
	strbuf_puts(&sb, ",\"counts\":[");
	struct counts_ctx c = { .sb = &sb };
	int r = s->be->ops->counts(s->be, f, fld, max, counts_cb, &c);
	s->be->ops->filter_free(f);
	if (r < 0) {
		strbuf_done(&sb);
		respond_error(ret, 500, "query failed");
		return;
	}
	strbuf_puts(&sb, "],\"total\":");
	strbuf_put_i64(&sb, c.total);
	strbuf_puts(&sb, "}\n");
	ret->no_store = 1;
	respond_buf(ret, 200, JSON_TYPE, &sb);
}

static int bucket_cb(void *ctx, int64_t t, int64_t count)
{
	struct counts_ctx *c = ctx;
	if (c->n >= SERVER_MAX_BUCKETS)
		return -E2BIG;
	if (c->n++)
		strbuf_putc(c->sb, ',');
	strbuf_puts(c->sb, "{\"t\":");
	strbuf_put_i64(c->sb, t);
	strbuf_puts(c->sb, ",\"count\":");
	strbuf_put_i64(c->sb, count);
	strbuf_putc(c->sb, '}');
	c->total += count;
	return strbuf_error(c->sb);
}

static void route_histogram(struct server *s, const struct server_request *req,
			    struct server_response *ret)
{
	static const char *const own[] = { "interval", NULL };
	const char *iv = param_get(req, "interval");
	if (!iv)
		iv = "1m";
	int64_t secs;
	if (parse_duration(iv, &secs) < 0 || secs <= 0 || secs > 366LL * 86400) {
		respond_error(ret, 400, "interval must be a duration such as 10s, 1m, 1h, 1d");
		return;
	}
	struct server_filter *f;
	if (make_filter(s, req, own, &f, ret) < 0)
		return;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"interval\":");
	strbuf_put_json_string(&sb, iv, strlen(iv));
	strbuf_puts(&sb, ",\"buckets\":[");
	struct counts_ctx c = { .sb = &sb };
	int r = s->be->ops->histogram(s->be, f, secs, bucket_cb, &c);
	s->be->ops->filter_free(f);
	if (r < 0) {
		strbuf_done(&sb);
		respond_error(ret, r == -E2BIG ? 400 : 500,
			      r == -E2BIG
				      ? "too many buckets: use a larger interval or a shorter range"
				      : "query failed");
		return;
	}
	strbuf_puts(&sb, "],\"total\":");
	strbuf_put_i64(&sb, c.total);
	strbuf_puts(&sb, "}\n");
	ret->no_store = 1;
	respond_buf(ret, 200, JSON_TYPE, &sb);
}

static void route_export(struct server *s, const struct server_request *req,
			 struct server_response *ret)
{
	static const char *const own[] = { "format", NULL };
	const char *fmt = param_get(req, "format");
	int csv;
	if (!fmt || !strcmp(fmt, "ndjson"))
		csv = 0;
	else if (!strcmp(fmt, "csv"))
		csv = 1;
	else {
		respond_error(ret, 400, "format must be csv or ndjson");
		return;
	}
	struct server_filter *f;
	if (make_filter(s, req, own, &f, ret) < 0)
		return;
	int r = stream_export_new(s, f, csv, &ret->stream);
	if (r < 0) {
		respond_error(ret, 500, "out of memory");
		return;
	}
	ret->status = 200;
	ret->no_store = 1;
	ret->content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
	ret->disposition = csv ? "attachment; filename=\"ward-records.csv\""
			       : "attachment; filename=\"ward-records.ndjson\"";
}

static void route_stream(struct server *s, const struct server_request *req,
			 struct server_response *ret)
{
	struct server_filter *f;
	if (make_filter(s, req, NULL, &f, ret) < 0)
		return;
	int r = stream_live_new(s, f, &ret->stream);
	if (r < 0) {
		respond_error(ret, 500, "out of memory");
		return;
	}
	ret->status = 200;
	ret->no_store = 1;
	ret->content_type = "text/event-stream";
}

static int batch_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 100)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.:-", id[i]))
			return 0;
	return 1;
}

/*
 * NDJSON in, all or nothing: one bad line rejects the batch (400 naming the line), so an agent
 * never has to guess which part of a batch was kept.
 */
static void route_ingest(struct server *s, const struct server_request *req,
			 struct server_response *ret)
{
	struct record_owned **owned = NULL;
	const struct ward_record **recs = NULL;
	size_t n = 0, cap = 0;
	const char *p = req->body, *end = req->body + req->body_len;
	unsigned line = 0;
	struct diag d;
	diag_init(&d);

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < le) {
			if (n == INGEST_MAX_RECORDS) {
				respond_error(ret, 413, "too many records in one request");
				goto out;
			}
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 256;
				void *no = realloc(owned, nc * sizeof(*owned));
				if (!no)
					goto oom;
				owned = no;
				void *nr = realloc(recs, nc * sizeof(*recs));
				if (!nr)
					goto oom;
				recs = nr;
				cap = nc;
			}
			int r = record_from_json(p, (size_t)(le - p), "ingest", line, &owned[n],
						 &d);
			if (r == -ENOMEM)
				goto oom;
			if (r < 0) {
				char msg[DIAG_MSG_MAX + 64];
				if (d.n)
					diag_format(&d.entries[0], msg, sizeof(msg));
				else
					snprintf(msg, sizeof(msg), "ingest:%u: not a record", line);
				metrics_count(&s->m, NULL, 1, 0, 1);
				respond_error(ret, 400, msg);
				goto out;
			}
			recs[n] = &owned[n]->rec;
			n++;
		}
		p = nl ? nl + 1 : end;
	}

	const char *bid = req->batch_id;
	if (bid && !batch_id_ok(bid)) {
		respond_error(ret, 400, "X-Ward-Batch must be 1..100 of [A-Za-z0-9_.:-]");
		goto out;
	}
	atomic_fetch_add(&s->m.ingest_in_flight, (int)n);
	int r = n ? s->be->ops->ingest(s->be, recs, n, bid) : 0;
	atomic_fetch_sub(&s->m.ingest_in_flight, (int)n);
	for (size_t i = 0; i < n; i++)
		metrics_count(&s->m, recs[i]->host_name, 1, r == 0 ? 1 : 0, r < 0 ? 1 : 0);
	if (r < 0) {
		respond_error(ret, 503, "could not store the records; retry later");
		goto out;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	/* a resent batch (r == 1) was stored the first time: accepted, and said so */
	strbuf_printf(&sb,
		      r == 1 ? "{\"accepted\":%zu,\"duplicate\":true}\n" : "{\"accepted\":%zu}\n",
		      n);
	respond_buf(ret, 200, JSON_TYPE, &sb);
	goto out;
oom:
	respond_error(ret, 500, "out of memory");
out:
	for (size_t i = 0; i < n; i++)
		record_owned_free(owned[i]);
	free(owned);
	free(recs);
	diag_done(&d);
}

static void route_metrics(struct server *s, struct server_response *ret)
{
	struct strbuf sb;
	strbuf_init(&sb);
	metrics_render(s, &sb);
	ret->no_store = 1;
	respond_buf(ret, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
}

/* The page's files: a fixed list, so no request path ever reaches the file system. */
static const struct {
	const char *url, *file, *type;
} static_files[] = {
	{ "/", "index.html", "text/html; charset=utf-8" },
	{ "/index.html", "index.html", "text/html; charset=utf-8" },
	{ "/app.js", "app.js", "text/javascript; charset=utf-8" },
	{ "/app.css", "app.css", "text/css; charset=utf-8" },
	{ "/favicon.svg", "favicon.svg", "image/svg+xml" },
};

static int route_static(struct server *s, const struct server_request *req,
			struct server_response *ret)
{
	size_t i;
	for (i = 0; i < WARD_ARRAY_SIZE(static_files); i++)
		if (!strcmp(req->path, static_files[i].url))
			break;
	if (i == WARD_ARRAY_SIZE(static_files))
		return 0;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", s->web_dir, static_files[i].file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES) {
		if (fd >= 0)
			close(fd);
		respond_error(ret, 404, "page files not found (set WARD_WEB_DIR)");
		return 1;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	if (strbuf_reserve(&sb, (size_t)st.st_size) == 0) {
		ssize_t got = 0;
		while (got < st.st_size) {
			ssize_t k = read(fd, sb.buf + got, (size_t)(st.st_size - got));
			if (k <= 0)
				break;
			got += k;
		}
		sb.len = (size_t)got;
		sb.buf[sb.len] = '\0';
	}
	close(fd);
	respond_buf(ret, 200, static_files[i].type, &sb);
	return 1;
}

static enum server_route route_of(const char *path)
{
	static const struct {
		const char *path;
		enum server_route route;
	} api[] = {
		{ "/api/v1/records", ROUTE_RECORDS },
		{ "/api/v1/counts", ROUTE_COUNTS },
		{ "/api/v1/histogram", ROUTE_HISTOGRAM },
		{ "/api/v1/stream", ROUTE_STREAM },
		{ "/api/v1/export", ROUTE_EXPORT },
		{ "/api/v1/ingest", ROUTE_INGEST },
		{ "/metrics", ROUTE_METRICS },
		{ "/healthz", ROUTE_HEALTHZ },
	};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(api); i++)
		if (!strcmp(path, api[i].path))
			return api[i].route;
	return ROUTE_OTHER;
}

void server_handle(struct server *s, const struct server_request *req, struct server_response *ret)
{
	*ret = (struct server_response){ 0 };
	double t0 = now_seconds();
	enum server_route route = route_of(req->path ? req->path : "");
	int is_get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");

	if (route == ROUTE_HEALTHZ) {
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_puts(&sb, "ok\n");
		respond_buf(ret, 200, "text/plain; charset=utf-8", &sb);
		goto done;
	}
	if (route == ROUTE_OTHER) {
		/* The page's static files carry no data; the page asks for the token itself. */
		if (is_get && route_static(s, req, ret)) {
			route = ROUTE_STATIC;
			goto done;
		}
	}
	if (!token_ok(s, req->authorization)) {
		atomic_fetch_add(&s->m.unauthorized, 1);
		respond_error(ret, 401, "missing or wrong bearer token");
		goto done;
	}
	if (req->n_params > SERVER_MAX_PARAMS) {
		respond_error(ret, 400, "too many query parameters");
		goto done;
	}
	if (route == ROUTE_OTHER) {
		respond_error(ret, 404, "no such route");
		goto done;
	}
	if (route == ROUTE_INGEST ? strcmp(req->method, "POST") : !is_get) {
		respond_error(ret, 405, "method not allowed");
		goto done;
	}
	switch (route) {
	case ROUTE_RECORDS:
		route_records(s, req, ret);
		break;
	case ROUTE_COUNTS:
		route_counts(s, req, ret);
		break;
	case ROUTE_HISTOGRAM:
		route_histogram(s, req, ret);
		break;
	case ROUTE_STREAM:
		route_stream(s, req, ret);
		break;
	case ROUTE_EXPORT:
		route_export(s, req, ret);
		break;
	case ROUTE_INGEST:
		route_ingest(s, req, ret);
		break;
	case ROUTE_METRICS:
		route_metrics(s, ret);
		break;
	default:
		respond_error(ret, 404, "no such route");
		break;
	}
done:
	metrics_observe(&s->m, route, now_seconds() - t0, ret->status >= 400);
}
