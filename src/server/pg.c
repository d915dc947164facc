/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg.c - the fleet backend: `ward serve --db postgres://...` keeps every host's records in one
 * PostgreSQL database that several `ward serve` processes share.
 *
 * Schema: the embedded store's shape (a `records` table whose repeated strings are ids into the
 * `sdict`/`tdict` dictionaries), so the store's filter compiler (store_filter_sql() with
 * STORE_DIALECT_POSTGRES) is the one place SQL conditions are written for both databases.
 * `records` is partitioned by day on ts (declarative range partitioning); partitions are made
 * on demand at ingest and retention drops whole partitions (no DELETE, no vacuum debt).
 *
 * Ingest: dictionary strings are upserted (COPY into a temp table, INSERT ... ON CONFLICT DO
 * NOTHING, then read back) in short transactions of their own, so concurrent servers never
 * hold dictionary locks while they write records; the records go in with COPY inside one
 * transaction whose COMMIT (synchronous_commit=on) is what makes an ingest durable.
 *
 * Connections: a small pool (PG_POOL_MAX); each request thread borrows one for one operation.
 */
#include "server/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "record/record.h"
#include "store/store.h"

#define PG_POOL_MAX	  16
#define PG_MAX_PARAMS	  256
#define PG_DICT_CACHE_MAX (1u << 21) /* (dict, string) -> id entries kept for ingest */
#define PG_DAY_NS	  ((int64_t)86400 * 1000000000)
#define PG_SCHEMA_LOCK	  7261001 /* pg_advisory_lock key: one schema creator at a time */

struct dict_ent {
	uint64_t key; /* hash of (dict, string) */
	int64_t id;
	char *s; /* owned */
	int dict;
};

struct pg_backend {
	struct server_backend base;
	char *url;
	pthread_mutex_t lock; /* guards pool, days, dict cache */
	pthread_cond_t cond;
	PGconn *pool[PG_POOL_MAX];
	size_t n_idle, n_open;
	int64_t *days; /* partitions known to exist (day numbers) */
	size_t n_days, cap_days;
	struct dict_ent *dict; /* open addressing, cap a power of two */
	size_t dict_cap, dict_n;
	/* the embedded store's column map (store.h): the filter SQL names these columns */
	const struct store_col *cols;
	size_t n_cols;
};

struct server_filter {
	struct store_filter *sf;
};

static struct pg_backend *pb_of(struct server_backend *be)
{
	return (struct pg_backend *)be;
}

static void cols_init(struct pg_backend *b)
{
	b->cols = store_cols();
	b->n_cols = record_n_fields;
}

/* ---- connections ------------------------------------------------------------------------ */

static int conn_get(struct pg_backend *b, PGconn **ret)
{
	pthread_mutex_lock(&b->lock);
	while (!b->n_idle && b->n_open >= PG_POOL_MAX)
		pthread_cond_wait(&b->cond, &b->lock);
	PGconn *c = NULL;
	if (b->n_idle)
		c = b->pool[--b->n_idle];
	else
		b->n_open++;
	pthread_mutex_unlock(&b->lock);
	if (c && PQstatus(c) != CONNECTION_OK)
		PQreset(c);
	if (!c) {
		c = PQconnectdb(b->url);
		if (PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			pthread_mutex_lock(&b->lock);
			b->n_open--;
			pthread_cond_signal(&b->cond);
			pthread_mutex_unlock(&b->lock);
			return -EIO;
		}
		/* the server's answer must not depend on the client's locale or time zone */
		PQclear(PQexec(c, "SET TIME ZONE 'UTC'"));
	}
	*ret = c;
	return 0;
}

static void conn_put(struct pg_backend *b, PGconn *c, int broken)
{
	pthread_mutex_lock(&b->lock);
	if (broken || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) {
		PQfinish(c);
		b->n_open--;
	} else {
		b->pool[b->n_idle++] = c;
	}
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -EIO;
}

/* ---- schema ------------------------------------------------------------------------------ */

/*
 * The embedded store's indexes (each with ts, so newest-first LIMIT queries walk the index in
 * order). Every index costs ingest time: with these, COPY runs at ~30 us/row on this machine.
 */
static const char *const index_cols[] = {
	"hostname", "operation", "type", "policyname", "podname", "containerid", "processname",
};

/*
 * Fields that are empty (NULL) on most records: PolicyName is set on alerts only, PodName and
 * ContainerID on container records only (host logs have neither). Their indexes are partial
 * (WHERE col IS NOT NULL), so ingest maintains them only for the rows that have a value; a
 * filter col = value implies col IS NOT NULL, so the planner still uses them for it.
 */
static int index_partial(const char *col)
{
	return !strcmp(col, "policyname") || !strcmp(col, "podname") || !strcmp(col, "containerid");
}

static int schema_create(struct pg_backend *b, PGconn *c, struct diag *diag)
{
	struct strbuf sb;
	int r;
	strbuf_init(&sb);
	strbuf_printf(&sb, "SELECT pg_advisory_lock(%d);", PG_SCHEMA_LOCK);
	strbuf_puts(&sb,
		    "CREATE TABLE IF NOT EXISTS ward_meta (k text PRIMARY KEY, v text);"
		    "INSERT INTO ward_meta VALUES ('schema', '1') ON CONFLICT DO NOTHING;"
		    "CREATE TABLE IF NOT EXISTS ward_batches (id text PRIMARY KEY, at timestamptz "
		    "NOT NULL DEFAULT now());"
		    "CREATE TABLE IF NOT EXISTS sdict (id bigserial PRIMARY KEY, h bigint NOT NULL,"
		    " s text NOT NULL);"
		    "CREATE UNIQUE INDEX IF NOT EXISTS sdict_hs ON sdict (h, md5(s));"
		    "CREATE INDEX IF NOT EXISTS sdict_s ON sdict (s);"
		    "CREATE TABLE IF NOT EXISTS tdict (id bigserial PRIMARY KEY, h bigint NOT NULL,"
		    " s text NOT NULL);"
		    "CREATE UNIQUE INDEX IF NOT EXISTS tdict_hs ON tdict (h, md5(s));"
		    "CREATE INDEX IF NOT EXISTS tdict_fts ON tdict USING gin "
		    "(to_tsvector('simple', s));"
		    "CREATE SEQUENCE IF NOT EXISTS records_id_seq;"
		    "CREATE TABLE IF NOT EXISTS records (id bigint NOT NULL DEFAULT "
		    "nextval('records_id_seq'), ts bigint NOT NULL, present integer NOT NULL "
		    "DEFAULT 0, extra_json text");
	for (size_t i = 0; i < b->n_cols; i++) {
		const struct store_col *col = &b->cols[i];
		switch (col->kind) {
		case STORE_COL_NONE:
		case STORE_COL_TS:
			break;
		case STORE_COL_INT:
			strbuf_printf(&sb, ", %s bigint NOT NULL DEFAULT 0", col->name);
			break;
		case STORE_COL_SDICT:
		case STORE_COL_TDICT:
			strbuf_printf(&sb, ", %s bigint", col->name);
			break;
		case STORE_COL_TEXT:
			strbuf_printf(&sb, ", %s text", col->name);
			break;
		}
	}
	strbuf_puts(&sb, ") PARTITION BY RANGE (ts);"
			 "CREATE INDEX IF NOT EXISTS records_ts_id ON records (ts, id);"
			 "CREATE INDEX IF NOT EXISTS records_id ON records USING brin (id);");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(index_cols); i++) {
		strbuf_printf(&sb, "CREATE INDEX IF NOT EXISTS records_%s ON records (%s, ts)",
			      index_cols[i], index_cols[i]);
		if (index_partial(index_cols[i]))
			strbuf_printf(&sb, " WHERE %s IS NOT NULL", index_cols[i]);
		strbuf_putc(&sb, ';');
	}
	strbuf_printf(&sb, "SELECT pg_advisory_unlock(%d);", PG_SCHEMA_LOCK);
	if (strbuf_error(&sb)) {
		r = -ENOMEM;
		goto out;
	}
	PGresult *res = PQexec(c, sb.buf);
	ExecStatusType st = PQresultStatus(res);
	r = 0;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		diag_err(diag, NULL, 0, 0, "postgresql: cannot create the schema: %s",
			 PQerrorMessage(c));
		PQclear(PQexec(c, "SELECT pg_advisory_unlock_all()"));
		r = -EIO;
	}
	PQclear(res);
out:
	strbuf_done(&sb);
	return r;
}

static int64_t day_of(int64_t ts_ns)
{
	int64_t d = ts_ns / PG_DAY_NS;
	if (ts_ns < 0 && d * PG_DAY_NS != ts_ns)
		d--;
	return d;
}

/* Make the day partition for @day unless this process already knows it exists. */
static int partition_ensure(struct pg_backend *b, PGconn *c, int64_t day)
{
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n_days; i++)
		if (b->days[i] == day) {
			pthread_mutex_unlock(&b->lock);
			return 0;
		}
	pthread_mutex_unlock(&b->lock);

	time_t t = (time_t)(day * 86400);
	struct tm tm;
	gmtime_r(&t, &tm);
	char sql[512];
	/* the advisory lock serialises servers racing to create the same partition */
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT pg_advisory_xact_lock(%d);"
		 "CREATE TABLE IF NOT EXISTS records_p%04d%02d%02d PARTITION OF records "
		 "FOR VALUES FROM (%" PRId64 ") TO (%" PRId64 "); COMMIT;",
		 PG_SCHEMA_LOCK, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, day * PG_DAY_NS,
		 (day + 1) * PG_DAY_NS);
	if (exec_ok(c, sql) < 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -EIO;
	}
	pthread_mutex_lock(&b->lock);
	if (b->n_days == b->cap_days) {
		size_t nc = b->cap_days ? b->cap_days * 2 : 64;
		int64_t *nd = realloc(b->days, nc * sizeof(*nd));
		if (!nd) {
			pthread_mutex_unlock(&b->lock);
			return 0; /* the partition exists; we just do not remember it */
		}
		b->days = nd;
		b->cap_days = nc;
	}
	b->days[b->n_days++] = day;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* ---- dictionary cache (ingest side) ------------------------------------------------------ */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Caller holds b->lock. 0 if absent. */
static int64_t dict_get(const struct pg_backend *b, int dict, int64_t h, const char *s)
{
	if (!b->dict_cap)
		return 0;
	size_t mask = b->dict_cap - 1;
	for (size_t i = mix((uint64_t)h * 2 + (uint64_t)dict) & mask;; i = (i + 1) & mask) {
		const struct dict_ent *e = &b->dict[i];
		if (!e->s)
			return 0;
		if (e->dict == dict && e->key == (uint64_t)h && !strcmp(e->s, s))
			return e->id;
	}
}

static void dict_clear(struct pg_backend *b)
{
	for (size_t i = 0; i < b->dict_cap; i++)
		free(b->dict[i].s);
	free(b->dict);
	b->dict = NULL;
	b->dict_cap = b->dict_n = 0;
}

/* Caller holds b->lock. A full cache starts over: ids are re-read from the database. */
static void dict_put(struct pg_backend *b, int dict, int64_t h, const char *s, int64_t id)
{
	if (b->dict_n >= PG_DICT_CACHE_MAX)
		dict_clear(b);
	if ((b->dict_n + 1) * 4 > b->dict_cap * 3) {
		size_t nc = b->dict_cap ? b->dict_cap * 2 : 4096;
		struct dict_ent *nv = calloc(nc, sizeof(*nv));
		if (!nv)
			return;
		for (size_t i = 0; i < b->dict_cap; i++) {
			if (!b->dict[i].s)
				continue;
			size_t j = mix(b->dict[i].key * 2 + (uint64_t)b->dict[i].dict) & (nc - 1);
			while (nv[j].s)
				j = (j + 1) & (nc - 1);
			nv[j] = b->dict[i];
		}
		free(b->dict);
		b->dict = nv;
		b->dict_cap = nc;
	}
	if (dict_get(b, dict, h, s))
		return;
	char *copy = strdup(s);
	if (!copy)
		return;
	size_t mask = b->dict_cap - 1;
	size_t i = mix((uint64_t)h * 2 + (uint64_t)dict) & mask;
	while (b->dict[i].s)
		i = (i + 1) & mask;
	b->dict[i] = (struct dict_ent){ .key = (uint64_t)h, .id = id, .s = copy, .dict = dict };
	b->dict_n++;
}

/* COPY text format: backslash, newline, CR and tab escaped; \N is NULL. */
static void copy_escape(struct strbuf *sb, const char *s)
{
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\r':
			strbuf_puts(sb, "\\r");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		default:
			strbuf_putc(sb, *p);
		}
	}
}

static int copy_in(PGconn *c, const char *sql, const struct strbuf *data)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!ok)
		return -EIO;
	size_t off = 0;
	while (off < data->len) {
		size_t n = data->len - off;
		if (n > (1u << 20))
			n = 1u << 20;
		if (PQputCopyData(c, data->buf + off, (int)n) != 1) {
			PQputCopyEnd(c, "client error");
			break;
		}
		off += n;
	}
	if (off == data->len && PQputCopyEnd(c, NULL) != 1)
		return -EIO;
	int r = 0;
	while ((res = PQgetResult(c))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			r = -EIO;
		PQclear(res);
	}
	return off == data->len ? r : -EIO;
}

struct str_ref {
	int dict; /* 0 sdict, 1 tdict */
	int64_t h;
	const char *s;
	int64_t id;
};

/*
 * Give every string of the batch its dictionary id: from the cache, else upserted in a short
 * transaction of its own and read back (another server may have inserted it first).
 */
static int dict_resolve(struct pg_backend *b, PGconn *c, struct str_ref *refs, size_t n)
{
	struct strbuf miss[2];
	size_t n_miss[2] = { 0, 0 };
	strbuf_init(&miss[0]);
	strbuf_init(&miss[1]);
	int r = 0;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < n; i++) {
		refs[i].id = dict_get(b, refs[i].dict, refs[i].h, refs[i].s);
		if (!refs[i].id) {
			strbuf_put_i64(&miss[refs[i].dict], refs[i].h);
			strbuf_putc(&miss[refs[i].dict], '\t');
			copy_escape(&miss[refs[i].dict], refs[i].s);
			strbuf_putc(&miss[refs[i].dict], '\n');
			n_miss[refs[i].dict]++;
		}
	}
	pthread_mutex_unlock(&b->lock);

	for (int d = 0; d < 2 && r == 0; d++) {
		if (!n_miss[d])
			continue;
		const char *tbl = d ? "tdict" : "sdict";
		char sql[512];
		if (strbuf_error(&miss[d])) {
			r = -ENOMEM;
			break;
		}
		if (exec_ok(c, "BEGIN; CREATE TEMP TABLE IF NOT EXISTS ward_in (h bigint, s text) "
			       "ON COMMIT DELETE ROWS") < 0 ||
		    copy_in(c, "COPY ward_in (h, s) FROM STDIN", &miss[d]) < 0) {
			r = -EIO;
			break;
		}
		/*
		 * Sorted, so two servers inserting overlapping sets take row locks in one order.
		 * RETURNING hands back the new ids; only strings another server inserted first
		 * (conflicts, normally few) need a second look-up.
		 */
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s (h, s) SELECT DISTINCT h, s FROM ward_in ORDER BY h, s "
			 "ON CONFLICT DO NOTHING RETURNING id, h, s",
			 tbl);
		PGresult *res = PQexec(c, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || exec_ok(c, "COMMIT") < 0) {
			PQclear(res);
			r = -EIO;
			break;
		}
		pthread_mutex_lock(&b->lock);
		for (int row = 0; row < PQntuples(res); row++)
			dict_put(b, d, strtoll(PQgetvalue(res, row, 1), NULL, 10),
				 PQgetvalue(res, row, 2),
				 strtoll(PQgetvalue(res, row, 0), NULL, 10));
		/* what is still unknown was inserted (and committed) by someone else */
		struct strbuf arr;
		strbuf_init(&arr);
		strbuf_putc(&arr, '{');
		int any = 0;
		for (size_t i = 0; i < n; i++) {
			if (refs[i].dict != d || refs[i].id || dict_get(b, d, refs[i].h, refs[i].s))
				continue;
			if (any++)
				strbuf_putc(&arr, ',');
			strbuf_put_i64(&arr, refs[i].h);
		}
		strbuf_putc(&arr, '}');
		pthread_mutex_unlock(&b->lock);
		PQclear(res);
		if (any) {
			const char *v[1] = { arr.buf };
			snprintf(sql, sizeof(sql),
				 "SELECT id, h, s FROM %s WHERE h = ANY($1::bigint[])", tbl);
			res = strbuf_error(&arr) ? NULL
						 : PQexecParams(c, sql, 1, NULL, v, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				r = -EIO;
			} else {
				pthread_mutex_lock(&b->lock);
				for (int row = 0; row < PQntuples(res); row++)
					dict_put(b, d, strtoll(PQgetvalue(res, row, 1), NULL, 10),
						 PQgetvalue(res, row, 2),
						 strtoll(PQgetvalue(res, row, 0), NULL, 10));
				pthread_mutex_unlock(&b->lock);
			}
			PQclear(res);
		}
		strbuf_done(&arr);
	}
	if (r < 0)
		PQclear(PQexec(c, "ROLLBACK"));

	/* fill the misses from the (now warm) cache */
	if (r == 0) {
		pthread_mutex_lock(&b->lock);
		for (size_t i = 0; i < n; i++) {
			if (!refs[i].id)
				refs[i].id = dict_get(b, refs[i].dict, refs[i].h, refs[i].s);
			if (!refs[i].id)
				r = -EIO; /* evicted by a concurrent overflow: the caller retries */
		}
		pthread_mutex_unlock(&b->lock);
	}
	strbuf_done(&miss[0]);
	strbuf_done(&miss[1]);
	return r;
}

/* ---- ingest ------------------------------------------------------------------------------ */

static int pg_ingest(struct server_backend *be, const struct ward_record *const *recs, size_t n,
		     const char *batch_id)
{
	struct pg_backend *b = pb_of(be);
	PGconn *c;
	int r = conn_get(b, &c);
	if (r < 0)
		return r;
	struct str_ref *refs = NULL;
	size_t n_refs = 0;
	struct strbuf data;
	strbuf_init(&data);
	int broken = 0;

	/* one reference per non-empty dictionary string of the batch */
	size_t per = 0;
	for (size_t k = 0; k < b->n_cols; k++)
		if (b->cols[k].kind == STORE_COL_SDICT || b->cols[k].kind == STORE_COL_TDICT)
			per++;
	refs = calloc(n * per + 1, sizeof(*refs));
	if (!refs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (partition_ensure(b, c, day_of(recs[i]->ts_ns)) < 0) {
			r = -EIO;
			goto out;
		}
		for (size_t k = 0; k < b->n_cols; k++) {
			const struct store_col *col = &b->cols[k];
			if (col->kind != STORE_COL_SDICT && col->kind != STORE_COL_TDICT)
				continue;
			const char *v = record_get_string(recs[i], col->field);
			if (!v || !*v)
				continue;
			refs[n_refs++] = (struct str_ref){ .dict = col->kind == STORE_COL_TDICT,
							   .h = store_str_hash(v, strlen(v)),
							   .s = v };
		}
	}
	r = dict_resolve(b, c, refs, n_refs);
	if (r < 0)
		goto out;

	struct strbuf cols;
	strbuf_init(&cols);
	strbuf_puts(&cols, "COPY records (ts, present, extra_json");
	for (size_t k = 0; k < b->n_cols; k++)
		if (b->cols[k].kind != STORE_COL_NONE && b->cols[k].kind != STORE_COL_TS)
			strbuf_printf(&cols, ", %s", b->cols[k].name);
	strbuf_puts(&cols, ") FROM STDIN");

	size_t ref = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ward_record *rec = recs[i];
		strbuf_put_i64(&data, rec->ts_ns);
		strbuf_putc(&data, '\t');
		strbuf_put_u64(&data, rec->present);
		strbuf_putc(&data, '\t');
		if (rec->extra_json && *rec->extra_json)
			copy_escape(&data, rec->extra_json);
		else
			strbuf_puts(&data, "\\N");
		for (size_t k = 0; k < b->n_cols; k++) {
			const struct store_col *col = &b->cols[k];
			const char *v;
			switch (col->kind) {
			case STORE_COL_NONE:
			case STORE_COL_TS:
				continue;
			case STORE_COL_INT:
				strbuf_putc(&data, '\t');
				strbuf_put_i64(&data, record_get_int(rec, col->field));
				break;
			case STORE_COL_TEXT:
				strbuf_putc(&data, '\t');
				v = record_get_string(rec, col->field);
				if (v && *v)
					copy_escape(&data, v);
				else
					strbuf_puts(&data, "\\N");
				break;
			case STORE_COL_SDICT:
			case STORE_COL_TDICT:
				strbuf_putc(&data, '\t');
				v = record_get_string(rec, col->field);
				if (v && *v)
					strbuf_put_i64(&data, refs[ref++].id);
				else
					strbuf_puts(&data, "\\N");
				break;
			}
		}
		strbuf_putc(&data, '\n');
	}
	if (strbuf_error(&data) || strbuf_error(&cols)) {
		strbuf_done(&cols);
		r = -ENOMEM;
		goto out;
	}
	if (exec_ok(c, "BEGIN") < 0) {
		r = -EIO;
	} else if (batch_id) {
		/*
		 * The batch id commits with the records: a resend of a committed batch (its answer
		 * was lost) finds the id and stores nothing, so delivery is exactly once.
		 */
		const char *v[1] = { batch_id };
		PGresult *res = PQexecParams(c,
					     "INSERT INTO ward_batches (id) VALUES ($1) "
					     "ON CONFLICT DO NOTHING",
					     1, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			r = -EIO;
		else if (!strcmp(PQcmdTuples(res), "0"))
			r = 1;
		PQclear(res);
	}
	if (r == 0 && (copy_in(c, cols.buf, &data) < 0 || exec_ok(c, "COMMIT") < 0))
		r = -EIO;
	if (r != 0)
		PQclear(PQexec(c, "ROLLBACK"));
	strbuf_done(&cols);
out:
	if (r == -EIO && PQstatus(c) != CONNECTION_OK)
		broken = 1;
	conn_put(b, c, broken);
	free(refs);
	strbuf_done(&data);
	return r;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int pg_filter_new(struct server_backend *be, const struct server_param *p, size_t n,
			 struct server_filter **ret, char *err, size_t errlen)
{
	(void)be;
	struct server_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	int r = store_filter_new(&f->sf);
	if (r < 0) {
		free(f);
		return r;
	}
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(p[i].key, "where"))
			r = store_filter_where(f->sf, p[i].value, now, err, errlen);
		else
			r = store_filter_add(f->sf, p[i].key, p[i].value, now, err, errlen);
		if (r < 0) {
			store_filter_free(f->sf);
			free(f);
			return r;
		}
	}
	*ret = f;
	return 0;
}

static void pg_filter_free(struct server_filter *f)
{
	if (!f)
		return;
	store_filter_free(f->sf);
	free(f);
}

/* A query under construction: SQL text plus its parameters as text. */
struct pgq {
	struct strbuf sql;
	struct store_param sp[PG_MAX_PARAMS];
	size_t n;
	char num[PG_MAX_PARAMS][24];
	const char *values[PG_MAX_PARAMS];
};

static void pgq_init(struct pgq *q)
{
	strbuf_init(&q->sql);
	q->n = 0;
}

/* Append the filter's WHERE expression (its parameters numbered from $(n+1)). */
static int pgq_filter(struct pgq *q, const struct server_filter *f)
{
	size_t got = 0;
	int r = store_filter_sql(f ? f->sf : NULL, STORE_DIALECT_POSTGRES, (int)q->n + 1, &q->sql,
				 q->sp + q->n, PG_MAX_PARAMS - q->n, &got);
	if (r < 0)
		return r;
	q->n += got;
	return 0;
}

static void pgq_int(struct pgq *q, int64_t v)
{
	if (q->n >= PG_MAX_PARAMS)
		return;
	q->sp[q->n] = (struct store_param){ .is_text = 0, .i = v };
	q->n++;
	strbuf_printf(&q->sql, "$%zu", q->n);
}

static PGresult *pgq_exec(PGconn *c, struct pgq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		if (q->sp[i].is_text) {
			q->values[i] = q->sp[i].s;
		} else {
			snprintf(q->num[i], sizeof(q->num[i]), "%" PRId64, q->sp[i].i);
			q->values[i] = q->num[i];
		}
	}
	if (strbuf_error(&q->sql))
		return NULL;
	return PQexecParams(c, q->sql.buf, (int)q->n, NULL, q->values, NULL, NULL, 0);
}

/* id -> string of one batch of rows, looked up with one query per dictionary */
struct idmap {
	PGresult *res[2];
	int64_t *ids[2];
	int *rows[2];
	size_t n[2];
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int idmap_load(PGconn *c, PGresult *rows, int first_col, const struct pg_backend *b,
		      struct idmap *m)
{
	memset(m, 0, sizeof(*m));
	for (int d = 0; d < 2; d++) {
		struct strbuf arr;
		strbuf_init(&arr);
		strbuf_putc(&arr, '{');
		int any = 0, col = first_col;
		for (size_t k = 0; k < b->n_cols; k++) {
			const struct store_col *pc = &b->cols[k];
			if (pc->kind == STORE_COL_NONE || pc->kind == STORE_COL_TS)
				continue;
			int this = col++;
			if (pc->kind != (d ? STORE_COL_TDICT : STORE_COL_SDICT))
				continue;
			for (int r = 0; r < PQntuples(rows); r++) {
				if (PQgetisnull(rows, r, this))
					continue;
				if (any++)
					strbuf_putc(&arr, ',');
				strbuf_puts(&arr, PQgetvalue(rows, r, this));
			}
		}
		strbuf_putc(&arr, '}');
		if (!any) {
			strbuf_done(&arr);
			continue;
		}
		if (strbuf_error(&arr)) {
			strbuf_done(&arr);
			return -ENOMEM;
		}
		const char *v[1] = { arr.buf };
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT id, s FROM %s WHERE id = ANY($1::bigint[])",
			 d ? "tdict" : "sdict");
		PGresult *res = PQexecParams(c, sql, 1, NULL, v, NULL, NULL, 0);
		strbuf_done(&arr);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			return -EIO;
		}
		m->res[d] = res;
		size_t nt = (size_t)PQntuples(res);
		/* sort (id, row) pairs: ids and rows arrays are permuted together via an index */
		m->ids[d] = malloc((nt + 1) * sizeof(int64_t) * 2);
		if (!m->ids[d])
			return -ENOMEM;
		for (size_t i = 0; i < nt; i++) {
			m->ids[d][2 * i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
			m->ids[d][2 * i + 1] = (int64_t)i;
		}
		qsort(m->ids[d], nt, 2 * sizeof(int64_t), cmp_i64);
		m->n[d] = nt;
	}
	return 0;
}

static const char *idmap_get(const struct idmap *m, int d, const char *idtext)
{
	int64_t id = strtoll(idtext, NULL, 10);
	size_t lo = 0, hi = m->n[d];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int64_t v = m->ids[d][2 * mid];
		if (v == id)
			return PQgetvalue(m->res[d], (int)m->ids[d][2 * mid + 1], 1);
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void idmap_free(struct idmap *m)
{
	for (int d = 0; d < 2; d++) {
		PQclear(m->res[d]);
		free(m->ids[d]);
	}
}

/* SELECT list of every stored column: id, ts, present, extra_json, then the field columns. */
static void put_select(struct strbuf *sql, const struct pg_backend *b)
{
	strbuf_puts(sql, "SELECT r.id, r.ts, r.present, r.extra_json");
	for (size_t k = 0; k < b->n_cols; k++)
		if (b->cols[k].kind != STORE_COL_NONE && b->cols[k].kind != STORE_COL_TS)
			strbuf_printf(sql, ", r.%s", b->cols[k].name);
}

/* Rows of @res into records and the callback. Return: rows delivered or the cb's value. */
static int deliver(PGconn *c, const struct pg_backend *b, PGresult *res, int max,
		   backend_record_fn cb, void *ctx, int64_t *ret_last_id, int64_t *ret_last_ts)
{
	struct idmap m;
	int r = idmap_load(c, res, 4, b, &m);
	if (r < 0) {
		idmap_free(&m);
		return r;
	}
	int n = PQntuples(res);
	if (n > max)
		n = max;
	int i;
	for (i = 0; i < n; i++) {
		struct ward_record rec = { 0 };
		rec.ts_ns = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		rec.present = (uint32_t)strtoul(PQgetvalue(res, i, 2), NULL, 10);
		if (!PQgetisnull(res, i, 3))
			rec.extra_json = PQgetvalue(res, i, 3);
		int col = 4;
		for (size_t k = 0; k < b->n_cols; k++) {
			const struct store_col *pc = &b->cols[k];
			if (pc->kind == STORE_COL_NONE || pc->kind == STORE_COL_TS)
				continue;
			int this = col++;
			char *base = (char *)&rec + pc->field->offset;
			if (PQgetisnull(res, i, this))
				continue;
			const char *v = PQgetvalue(res, i, this);
			switch (pc->kind) {
			case STORE_COL_INT:
				if (pc->field->kind == RECORD_FIELD_UINT32)
					*(uint32_t *)(void *)base = (uint32_t)strtoull(v, NULL, 10);
				else
					*(int32_t *)(void *)base = (int32_t)strtoll(v, NULL, 10);
				break;
			case STORE_COL_TEXT:
				*(const char **)(void *)base = v;
				break;
			case STORE_COL_SDICT:
			case STORE_COL_TDICT:
				*(const char **)(void *)base =
					idmap_get(&m, pc->kind == STORE_COL_TDICT, v);
				break;
			default:
				break;
			}
		}
		*ret_last_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		*ret_last_ts = rec.ts_ns;
		r = cb(ctx, &rec, NULL, 0);
		if (r) {
			idmap_free(&m);
			return r;
		}
	}
	idmap_free(&m);
	return i;
}

static int pg_records(struct server_backend *be, const struct server_filter *f, uint32_t limit,
		      const char *cursor, backend_record_fn cb, void *ctx,
		      char next[BACKEND_CURSOR_MAX])
{
	struct pg_backend *b = pb_of(be);
	int64_t cts = 0, cid = 0;
	int has_cursor = cursor && *cursor;
	if (has_cursor && store_cursor_parse(cursor, &cts, &cid) < 0)
		return -EINVAL;
	struct pgq q;
	pgq_init(&q);
	put_select(&q.sql, b);
	strbuf_puts(&q.sql, " FROM records r WHERE (");
	int r = pgq_filter(&q, f);
	if (r < 0)
		goto out_q;
	strbuf_puts(&q.sql, ")");
	if (has_cursor) {
		strbuf_puts(&q.sql, " AND (r.ts, r.id) < (");
		pgq_int(&q, cts);
		strbuf_puts(&q.sql, ", ");
		pgq_int(&q, cid);
		strbuf_puts(&q.sql, ")");
	}
	strbuf_puts(&q.sql, " ORDER BY r.ts DESC, r.id DESC LIMIT ");
	pgq_int(&q, (int64_t)limit + 1);

	PGconn *c;
	r = conn_get(b, &c);
	if (r < 0)
		goto out_q;
	PGresult *res = pgq_exec(c, &q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		conn_put(b, c, 0);
		r = -EIO;
		goto out_q;
	}
	int64_t last_id = 0, last_ts = 0;
	next[0] = '\0';
	r = deliver(c, b, res, (int)limit, cb, ctx, &last_id, &last_ts);
	if (r >= 0 && PQntuples(res) > (int)limit)
		snprintf(next, BACKEND_CURSOR_MAX, "%" PRId64 ":%" PRId64, last_ts, last_id);
	PQclear(res);
	conn_put(b, c, 0);
out_q:
	strbuf_done(&q.sql);
	return r;
}

static int pg_counts(struct server_backend *be, const struct server_filter *f,
		     const struct record_field *by, uint32_t max, backend_count_fn cb, void *ctx)
{
	struct pg_backend *b = pb_of(be);
	const struct store_col *pc = &b->cols[by - record_fields];
	struct pgq q;
	pgq_init(&q);
	const char *dict = pc->kind == STORE_COL_SDICT	 ? "sdict"
			   : pc->kind == STORE_COL_TDICT ? "tdict"
							 : NULL;
	char expr[64];
	if (pc->kind == STORE_COL_TS || pc->kind == STORE_COL_NONE)
		snprintf(expr, sizeof(expr), "(r.ts / 1000000000)");
	else
		snprintf(expr, sizeof(expr), "r.%s", pc->name);
	strbuf_printf(&q.sql,
		      "SELECT x.v, x.n%s FROM (SELECT %s AS v, count(*) AS n FROM records r WHERE ",
		      dict ? ", d.s" : "", expr);
	int r = pgq_filter(&q, f);
	if (r < 0)
		goto out;
	strbuf_puts(&q.sql, " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ");
	pgq_int(&q, max);
	strbuf_puts(&q.sql, ") x");
	if (dict)
		strbuf_printf(&q.sql, " LEFT JOIN %s d ON d.id = x.v", dict);
	strbuf_puts(&q.sql, " ORDER BY x.n DESC, x.v");

	PGconn *c;
	r = conn_get(b, &c);
	if (r < 0)
		goto out;
	PGresult *res = pgq_exec(c, &q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = -EIO;
	} else {
		for (int i = 0; i < PQntuples(res) && r == 0; i++) {
			const char *v;
			if (dict)
				v = PQgetisnull(res, i, 2) ? "" : PQgetvalue(res, i, 2);
			else if (pc->kind == STORE_COL_TEXT)
				v = PQgetisnull(res, i, 0) ? "" : PQgetvalue(res, i, 0);
			else
				v = PQgetvalue(res, i, 0);
			r = cb(ctx, v, strtoll(PQgetvalue(res, i, 1), NULL, 10));
		}
	}
	PQclear(res);
	conn_put(b, c, 0);
out:
	strbuf_done(&q.sql);
	return r;
}

static int pg_histogram(struct server_backend *be, const struct server_filter *f,
			int64_t interval_s, backend_bucket_fn cb, void *ctx)
{
	struct pg_backend *b = pb_of(be);
	struct pgq q;
	pgq_init(&q);
	/* floor division, so records before 1970 land in the right bucket too */
	strbuf_puts(&q.sql, "SELECT floor((r.ts / 1000000000)::numeric / ");
	pgq_int(&q, interval_s);
	strbuf_puts(&q.sql, ")::bigint * ");
	pgq_int(&q, interval_s);
	strbuf_puts(&q.sql, " AS t, count(*) FROM records r WHERE ");
	int r = pgq_filter(&q, f);
	if (r < 0)
		goto out;
	strbuf_puts(&q.sql, " GROUP BY 1 ORDER BY 1");
	PGconn *c;
	r = conn_get(b, &c);
	if (r < 0)
		goto out;
	PGresult *res = pgq_exec(c, &q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = -EIO;
	else
		for (int i = 0; i < PQntuples(res) && r == 0; i++)
			r = cb(ctx, strtoll(PQgetvalue(res, i, 0), NULL, 10),
			       strtoll(PQgetvalue(res, i, 1), NULL, 10));
	PQclear(res);
	conn_put(b, c, 0);
out:
	strbuf_done(&q.sql);
	return r;
}

/*
 * Live tail by id. Several servers draw ids from one sequence and commit independently, so an
 * id can become visible after a larger one; the position therefore trails the newest id by
 * what is still uncommitted (a row only counts as seen once every smaller id is visible or
 * older than TAIL_SETTLE polls). Here: positions advance to the largest delivered id only.
 */
static int pg_tail(struct server_backend *be, const struct server_filter *f, int64_t *pos,
		   uint32_t max, backend_record_fn cb, void *ctx)
{
	struct pg_backend *b = pb_of(be);
	PGconn *c;
	int r = conn_get(b, &c);
	if (r < 0)
		return r;
	struct pgq q;
	pgq_init(&q);
	if (*pos < 0) {
		PGresult *res = PQexec(c, "SELECT coalesce(max(id), 0) FROM records");
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			*pos = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		else
			r = -EIO;
		PQclear(res);
		goto out;
	}
	put_select(&q.sql, b);
	strbuf_puts(&q.sql, " FROM records r WHERE r.id > ");
	pgq_int(&q, *pos);
	strbuf_puts(&q.sql, " AND (");
	r = pgq_filter(&q, f);
	if (r < 0)
		goto out;
	strbuf_puts(&q.sql, ") ORDER BY r.id LIMIT ");
	pgq_int(&q, max);
	PGresult *res = pgq_exec(c, &q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = -EIO;
	} else {
		int64_t last_id = *pos, last_ts = 0;
		r = deliver(c, b, res, (int)max, cb, ctx, &last_id, &last_ts);
		if (r >= 0)
			*pos = last_id;
	}
	PQclear(res);
out:
	conn_put(b, c, 0);
	strbuf_done(&q.sql);
	return r;
}

static void pg_close(struct server_backend *be)
{
	struct pg_backend *b = pb_of(be);
	for (size_t i = 0; i < b->n_idle; i++)
		PQfinish(b->pool[i]);
	dict_clear(b);
	free(b->days);
	free(b->url);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int pg_retain(struct server_backend *be, int64_t max_age_s, int64_t now,
		     int64_t *ret_dropped);

static const struct backend_ops pg_ops = {
	.name = "postgresql",
	.filter_new = pg_filter_new,
	.filter_free = pg_filter_free,
	.records = pg_records,
	.counts = pg_counts,
	.histogram = pg_histogram,
	.tail = pg_tail,
	.retain = pg_retain,
	.ingest = pg_ingest,
	.close = pg_close,
};

/*
 * Retention: drop every day partition that ends before now - max_age. Whole partitions only,
 * so the cost does not depend on the number of records and leaves no dead rows behind.
 */
static int pg_retain(struct server_backend *be, int64_t max_age_s, int64_t now,
		     int64_t *ret_dropped)
{
	struct pg_backend *b = pb_of(be);
	PGconn *c;
	int r = conn_get(b, &c);
	if (r < 0)
		return r;
	int64_t cutoff_day = day_of((now - max_age_s) * 1000000000LL);
	int64_t dropped = 0;
	/* an agent resends within minutes; a week of batch ids is plenty */
	PQclear(PQexec(c, "DELETE FROM ward_batches WHERE at < now() - interval '7 days'"));
	PGresult *res = PQexec(c, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON "
				  "c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
				  "WHERE p.relname = 'records' ORDER BY 1");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = -EIO;
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		int y, mo, d;
		if (sscanf(name, "records_p%4d%2d%2d", &y, &mo, &d) != 3)
			continue;
		struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d };
		int64_t day = (int64_t)timegm(&tm) / 86400;
		if (day >= cutoff_day)
			continue;
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", name);
		if (exec_ok(c, sql) < 0) {
			r = -EIO;
			break;
		}
		dropped++;
		pthread_mutex_lock(&b->lock);
		for (size_t k = 0; k < b->n_days; k++)
			if (b->days[k] == day)
				b->days[k] = b->days[--b->n_days];
		pthread_mutex_unlock(&b->lock);
	}
	if (r == 0 && ret_dropped)
		*ret_dropped = dropped;
out:
	PQclear(res);
	conn_put(b, c, 0);
	return r;
}

int backend_pg_open(const char *url, struct server_backend **ret, struct diag *diag)
{
	struct pg_backend *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base.ops = &pg_ops;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	cols_init(b);
	b->url = strdup(url);
	if (!b->url) {
		pg_close(&b->base);
		return -ENOMEM;
	}
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		diag_err(diag, NULL, 0, 0, "postgresql: cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		pg_close(&b->base);
		return -EIO;
	}
	b->n_open = 1;
	int r = schema_create(b, c, diag);
	conn_put(b, c, r < 0);
	if (r < 0) {
		pg_close(&b->base);
		return r;
	}
	*ret = &b->base;
	return 0;
}
