/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clickhouse.c - `type: clickhouse`: the HTTP interface, `INSERT INTO db.table FORMAT
 * JSONEachRow` with one KubeArmor JSON record per row and a batch per request. The table is a
 * MergeTree partitioned by day (toYYYYMMDD(Timestamp)), created on the first send when
 * `create_table: true`. Columns are named like the record fields; fields the table does not
 * have (ATags, extra fields) are skipped by input_format_skip_unknown_fields.
 *
 * `inserts_in_flight: K` (default 1): a batch of at least K x 1000 rows is cut into K
 * contiguous slices posted at the same time on K connections, so ClickHouse parses and writes
 * one insert while it receives the next (one insert is one thread on the server and leaves the
 * connection idle while the part is written). Each slice is acknowledged on its own; a failed
 * slice is retried alone. With K = 1 a batch is one INSERT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/http.h"
#include "record/record.h"

struct ch_sink {
	struct http_client http;
	char table[256]; /* db.table, validated identifiers */
	int create, created;
	char *insert_path;
	unsigned par; /* inserts_in_flight */
	struct strbuf batch[HTTP_PAR_MAX];
};

static const struct fwd_option ch_options[] = {
	{ "table", "table name, default ward_records" },
	{ "database", "database, default default" },
	{ "create_table", "create the table if missing, default false" },
	{ "inserts_in_flight", "INSERTs a batch is cut into and sent at once, 1..8, default 1" },
	HTTP_OPTIONS,
	{ NULL, NULL },
};

/* Plain types only: Debian 12 ships ClickHouse 18.16 (no DateTime64, LowCardinality experimental). */
static const char ch_schema[] =
	"CREATE TABLE IF NOT EXISTS %s ("
	"Timestamp DateTime, UpdatedTime String, ClusterName String, HostName String, "
	"NamespaceName String, PodName String, Labels String, ContainerID String, "
	"ContainerName String, ContainerImage String, HostPPID Int32, HostPID Int32, PPID Int32, "
	"PID Int32, UID Int32, ParentProcessName String, ProcessName String, PolicyName String, "
	"Severity String, Tags String, Message String, Type String, Source String, "
	"Operation String, Resource String, Data String, Enforcer String, Action String, "
	"Result String, Cwd String, TTY String"
	") ENGINE = MergeTree PARTITION BY toYYYYMMDD(Timestamp) ORDER BY (HostName, Timestamp)";

static int ident_ok(const char *s)
{
	if (!*s || strlen(s) > 100)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void ch_destroy(void *ctx)
{
	struct ch_sink *s = ctx;
	http_client_done(&s->http);
	for (size_t i = 0; i < HTTP_PAR_MAX; i++)
		strbuf_done(&s->batch[i]);
	free(s->insert_path);
	free(s);
}

static int ch_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct ch_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < HTTP_PAR_MAX; i++)
		strbuf_init(&s->batch[i]);
	int rc = http_client_init(&s->http, c, diag);
	long long par = fwd_opt_int(c, "inserts_in_flight", 1);
	if (!rc && (par < 1 || par > HTTP_PAR_MAX))
		rc = diag_err(diag, c->file, c->line, c->col,
			      "output '%s': inserts_in_flight must be 1..%d", c->name,
			      HTTP_PAR_MAX);
	s->par = (unsigned)par;
	const char *db = fwd_opt_str(c, "database", "default"),
		   *t = fwd_opt_str(c, "table", "ward_records");
	if (!rc && (!ident_ok(db) || !ident_ok(t)))
		rc = diag_err(diag, c->file, c->line, c->col,
			      "output '%s': database/table must be [A-Za-z0-9_]+", c->name);
	if (rc) {
		ch_destroy(s);
		return rc;
	}
	snprintf(s->table, sizeof(s->table), "%s.%s", db, t);
	s->create = fwd_opt_bool(c, "create_table", 0);
	/* the query in the URL, the rows in the body */
	if (asprintf(&s->insert_path,
		     "/?query=INSERT%%20INTO%%20%s%%20FORMAT%%20JSONEachRow"
		     "&input_format_skip_unknown_fields=1",
		     s->table) < 0) {
		s->insert_path = NULL;
		ch_destroy(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

static int ch_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	(void)ctx;
	int rc = record_to_json(r, o);
	strbuf_putc(o, '\n');
	return rc ? rc : strbuf_error(o);
}

/* The agent's JSON of the record is exactly ch_encode's row: no second encoding. */
static int ch_encode_json(void *ctx, const char *json, size_t len, struct strbuf *o)
{
	(void)ctx;
	strbuf_append(o, json, len);
	strbuf_putc(o, '\n');
	return strbuf_error(o);
}

static int ch_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct ch_sink *s = ctx;
	long st;
	if (s->create && !s->created) {
		char q[2048];
		snprintf(q, sizeof(q), ch_schema, s->table);
		st = http_post(&s->http, "/", "text/plain", q, strlen(q));
		if (st < 200 || st >= 300)
			return -EIO; /* retried: ClickHouse may still be starting */
		s->created = 1;
	}
	/* slices of at least 1000 rows: smaller inserts cost ClickHouse more parts to merge */
	size_t k = s->par;
	while (k > 1 && n / k < 1000)
		k--;
	const char *body[HTTP_PAR_MAX];
	size_t len[HTTP_PAR_MAX], from[HTTP_PAR_MAX + 1];
	long res[HTTP_PAR_MAX];
	for (size_t j = 0; j <= k; j++)
		from[j] = n * j / k;
	for (size_t j = 0; j < k; j++) {
		struct strbuf *b = &s->batch[j];
		strbuf_reset(b);
		for (size_t i = from[j]; i < from[j + 1]; i++)
			strbuf_append(b, items[i].data, items[i].len);
		if (strbuf_error(b))
			return -ENOMEM;
		body[j] = b->buf;
		len[j] = b->len;
	}
	if (k == 1) {
		res[0] = http_post(&s->http, s->insert_path, "application/x-ndjson", body[0],
				   len[0]);
	} else {
		int rc = http_post_many(&s->http, s->insert_path, "application/x-ndjson", k, body,
					len, res);
		if (rc)
			return rc;
	}
	int any = 0;
	for (size_t j = 0; j < k; j++) {
		any |= res[j] >= 0;
		memset(status + from[j], res[j] < 0 ? FWD_ITEM_RETRY : http_status_item(res[j]),
		       from[j + 1] - from[j]);
	}
	return any ? 0 : -EIO;
}

const struct fwd_ops fwd_clickhouse_ops = {
	.type = "clickhouse",
	.options = ch_options,
	.formats = 1u << FORMAT_JSON,
	.default_format = FORMAT_JSON,
	.create = ch_create,
	.destroy = ch_destroy,
	.encode = ch_encode,
	.encode_json = ch_encode_json,
	.send = ch_send,
};
