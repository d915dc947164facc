/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c - reading the store: filtered record pages with a stable (ts, id) cursor, live
 * follow by id, counts by field, histograms, and the hash-chain verification (see store.h).
 *
 * Rows come back as dictionary ids; store_resolve() turns them into strings through a per-
 * handle cache, so a page of records costs one indexed scan plus a few dictionary lookups.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "store/internal.h"

#define MAX_PARAMS 256

struct store_query {
	struct store *s;
	sqlite3_stmt *st;
	enum store_order order;
	struct store_row row;
	unsigned char hash[32];
	int has_hash;
};

static int bind_params(sqlite3_stmt *st, const struct store_param *p, size_t n, int first)
{
	for (size_t i = 0; i < n; i++) {
		int rc = p[i].is_text ? sqlite3_bind_text(st, first + (int)i, p[i].s, -1,
							  SQLITE_TRANSIENT)
				      : sqlite3_bind_int64(st, first + (int)i, p[i].i);
		if (rc != SQLITE_OK)
			return -EIO;
	}
	return 0;
}

/* @sb's statement prepared on @s and its parameters bound: 0, -ENOMEM or -EIO (in @err). */
static int prepare_bound(struct store *s, const struct strbuf *sb, const struct store_param *params,
			 size_t np, sqlite3_stmt **st, char *err, size_t errsize)
{
	if (strbuf_error(sb))
		return -ENOMEM;
	if (sqlite3_prepare_v2(s->db, sb->buf, -1, st, NULL) != SQLITE_OK ||
	    bind_params(*st, params, np, 1)) {
		store_seterr(err, errsize, "%s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	return 0;
}

int store_cursor_parse(const char *cursor, int64_t *ret_ts, int64_t *ret_id)
{
	long long ts, id;
	int used = 0;
	if (!cursor || sscanf(cursor, "%lld:%lld%n", &ts, &id, &used) != 2 || cursor[used] != 0 ||
	    id <= 0)
		return -EINVAL;
	*ret_ts = ts;
	*ret_id = id;
	return 0;
}

/* the filter's SQL for this store's layout (see store_filter_sql_plain) */
static int filter_sql(struct store *s, const struct store_filter *f, struct strbuf *sb,
		      struct store_param *params, size_t *np)
{
	if (s->blocks)
		return store_filter_sql_plain(f, 1, sb, params, MAX_PARAMS, np);
	return store_filter_sql(f, STORE_DIALECT_SQLITE, 1, sb, params, MAX_PARAMS, np);
}

/* @with_hash: the chain hash is read only by verify (and follow, which walks by id): a page of
 * newest records leaves it out, so the block layout does not read the hashes at all */
static void select_cols(struct strbuf *sb, int with_hash)
{
	const struct store_col *c = store_cols();
	strbuf_puts(sb, "SELECT r.id, r.ts, r.present");
	for (size_t i = 0; i < record_n_fields; i++)
		if (c[i].kind != STORE_COL_NONE && c[i].kind != STORE_COL_TS)
			strbuf_printf(sb, ", r.%s", c[i].name);
	strbuf_puts(sb, with_hash ? ", r.extra, r.hash FROM records r WHERE "
				  : ", r.extra, NULL FROM records r WHERE ");
}

int store_query_begin(struct store *s, const struct store_filter *f, enum store_order order,
		      const char *cursor, int64_t after_id, int64_t limit, struct store_query **ret)
{
	struct store_param params[MAX_PARAMS];
	size_t np = 0;
	int64_t cts = 0, cid = 0;
	struct strbuf sb;
	int r;
	struct store_query *q = NULL;

	if (cursor && *cursor && store_cursor_parse(cursor, &cts, &cid))
		return -EINVAL;
	strbuf_init(&sb);
	select_cols(&sb, order == STORE_ID_ASCENDING);
	r = filter_sql(s, f, &sb, params, &np);
	if (r)
		goto out;
	if (order == STORE_NEWEST_FIRST) {
		if (cursor && *cursor)
			/* the plain bound lets the block layout prune by ts (an OR is not
			 * offered to a virtual table) */
			strbuf_puts(&sb,
				    " AND r.ts <= ? AND (r.ts < ? OR (r.ts = ? AND r.id < ?))");
		strbuf_puts(&sb, " ORDER BY r.ts DESC, r.id DESC");
	} else {
		strbuf_puts(&sb, " AND r.id > ? ORDER BY r.id");
	}
	if (limit > 0)
		strbuf_puts(&sb, " LIMIT ?");
	if (strbuf_error(&sb)) {
		r = -ENOMEM;
		goto out;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		r = -ENOMEM;
		goto out;
	}
	q->s = s;
	q->order = order;
	r = -EIO;
	if (sqlite3_prepare_v2(s->db, sb.buf, -1, &q->st, NULL) != SQLITE_OK)
		goto out;
	if (bind_params(q->st, params, np, 1))
		goto out;
	int p = (int)np + 1;
	if (order == STORE_NEWEST_FIRST) {
		if (cursor && *cursor) {
			sqlite3_bind_int64(q->st, p++, cts);
			sqlite3_bind_int64(q->st, p++, cts);
			sqlite3_bind_int64(q->st, p++, cts);
			sqlite3_bind_int64(q->st, p++, cid);
		}
	} else {
		sqlite3_bind_int64(q->st, p++, after_id);
	}
	if (limit > 0)
		sqlite3_bind_int64(q->st, p++, limit);
	*ret = q;
	q = NULL;
	r = 0;
out:
	if (q) {
		sqlite3_finalize(q->st);
		free(q);
	}
	strbuf_done(&sb);
	return r;
}

static void set_str(struct ward_record *rec, const struct record_field *f, const char *v)
{
	*(const char **)(void *)((char *)rec + f->offset) = v;
}

static void set_int(struct ward_record *rec, const struct record_field *f, int64_t v)
{
	char *base = (char *)rec + f->offset;
	if (f->kind == RECORD_FIELD_INT32)
		*(int32_t *)(void *)base = (int32_t)v;
	else if (f->kind == RECORD_FIELD_UINT32)
		*(uint32_t *)(void *)base = (uint32_t)v;
}

int store_next(struct store_query *q, const struct store_row **ret)
{
	const struct store_col *c = store_cols();
	int rc = sqlite3_step(q->st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -EIO;
	/* bound the reader caches; strings of earlier rows are no longer promised */
	if (q->s->sdict.bytes > STORE_READER_CACHE_BYTES)
		strmap_clear(&q->s->sdict);
	if (q->s->tdict.bytes > STORE_READER_CACHE_BYTES)
		strmap_clear(&q->s->tdict);
	struct store_row *row = &q->row;
	memset(&row->rec, 0, sizeof(row->rec));
	row->id = sqlite3_column_int64(q->st, 0);
	row->rec.ts_ns = sqlite3_column_int64(q->st, 1);
	row->rec.present = (uint32_t)sqlite3_column_int64(q->st, 2);
	int k = 3;
	for (size_t i = 0; i < record_n_fields; i++) {
		if (c[i].kind == STORE_COL_NONE || c[i].kind == STORE_COL_TS)
			continue;
		int col = k++;
		if (sqlite3_column_type(q->st, col) == SQLITE_NULL)
			continue;
		switch (c[i].kind) {
		case STORE_COL_INT:
			set_int(&row->rec, c[i].field, sqlite3_column_int64(q->st, col));
			break;
		case STORE_COL_SDICT:
		case STORE_COL_TDICT: {
			const char *v =
				store_resolve(q->s, c[i].kind, sqlite3_column_int64(q->st, col));
			if (!v)
				return -EIO;
			set_str(&row->rec, c[i].field, v);
			break;
		}
		case STORE_COL_TEXT:
			set_str(&row->rec, c[i].field,
				(const char *)sqlite3_column_text(q->st, col));
			break;
		default:
			break;
		}
	}
	if (sqlite3_column_type(q->st, k) != SQLITE_NULL) {
		row->rec.extra_json =
			store_resolve(q->s, STORE_COL_SDICT, sqlite3_column_int64(q->st, k));
		if (!row->rec.extra_json)
			return -EIO;
	}
	k++;
	q->has_hash = sqlite3_column_bytes(q->st, k) == 32;
	if (q->has_hash)
		memcpy(q->hash, sqlite3_column_blob(q->st, k), 32);
	snprintf(row->cursor, sizeof(row->cursor), "%" PRId64 ":%" PRId64, row->rec.ts_ns, row->id);
	*ret = row;
	return 1;
}

const unsigned char *store_query_row_hash(struct store_query *q)
{
	return q->has_hash ? q->hash : NULL;
}

void store_query_end(struct store_query *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->st);
	free(q);
}

int store_last_id(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	/* a virtual table has no max() shortcut: the newest block's last id is the answer */
	const char *sql = s->blocks ? "SELECT coalesce((SELECT first_id + n - 1 FROM blocks ORDER "
				      "BY first_id DESC LIMIT 1), 0)"
				    : "SELECT coalesce(max(id), 0) FROM records";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- aggregates ----------------------------------------------------------------------------- */

void store_counts_free(struct store_count *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < STORE_MAX_GROUP_BY; j++)
			free(c[i].values[j]);
	free(c);
}

/* a group's value as text ("" for NULL); malloc'd, NULL on ENOMEM */
static char *group_value(struct store *s, enum store_col_kind kind, int null, int64_t iv,
			 const char *tv)
{
	char num[32];
	const char *v = "";
	if (!null) {
		switch (kind) {
		case STORE_COL_SDICT:
		case STORE_COL_TDICT:
			v = store_resolve(s, kind, iv);
			if (!v)
				v = "";
			break;
		case STORE_COL_TEXT:
			v = tv ? tv : "";
			break;
		default:
			snprintf(num, sizeof(num), "%lld", (long long)iv);
			v = num;
			break;
		}
	}
	return strdup(v);
}

/*
 * Counting on the block layout: SQLite's GROUP BY sorts every matching row (a virtual table
 * has no index to walk in group order), which cost 10x the row layout's covering-index scan.
 * The rows are grouped here instead, in a hash table keyed by the raw column values; only the
 * groups' values are turned into text.
 */
struct agg_group {
	char *key;
	size_t klen;
	uint64_t h;
	int64_t count;
	int null[STORE_MAX_GROUP_BY];
	int64_t iv[STORE_MAX_GROUP_BY];
	char *tv[STORE_MAX_GROUP_BY];
};

struct agg {
	struct agg_group *g;
	size_t n, cap;
	int32_t *slot; /* group index + 1, 0 = empty */
	size_t nslot;
};

static void agg_free(struct agg *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->g[i].key);
		for (size_t k = 0; k < STORE_MAX_GROUP_BY; k++)
			free(a->g[i].tv[k]);
	}
	free(a->g);
	free(a->slot);
}

static int agg_rehash(struct agg *a)
{
	size_t ns = a->nslot ? a->nslot * 2 : 1024;
	int32_t *sl = calloc(ns, sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = a->g[i].h & (ns - 1);
		while (sl[j])
			j = (j + 1) & (ns - 1);
		sl[j] = (int32_t)i + 1;
	}
	free(a->slot);
	a->slot = sl;
	a->nslot = ns;
	return 0;
}

/* the group of the current row of @st (columns 0..@nf-1), created when new; NULL on ENOMEM */
static struct agg_group *agg_find(struct agg *a, sqlite3_stmt *st, size_t nf, struct strbuf *key)
{
	strbuf_reset(key);
	for (size_t i = 0; i < nf; i++) {
		int t = sqlite3_column_type(st, (int)i);
		char tag = t == SQLITE_NULL ? 'n' : t == SQLITE_TEXT ? 't' : 'i';
		strbuf_putc(key, tag);
		if (tag == 'i') {
			int64_t v = sqlite3_column_int64(st, (int)i);
			strbuf_append(key, (const char *)&v, sizeof(v));
		} else if (tag == 't') {
			uint32_t len = (uint32_t)sqlite3_column_bytes(st, (int)i);
			strbuf_append(key, (const char *)&len, sizeof(len));
			strbuf_append(key, (const char *)sqlite3_column_text(st, (int)i), len);
		}
	}
	if (strbuf_error(key))
		return NULL;
	uint64_t h = store_fast_hash(key->buf, key->len);
	if ((a->n + 1) * 2 > a->nslot && agg_rehash(a))
		return NULL;
	size_t j = h & (a->nslot - 1);
	for (; a->slot[j]; j = (j + 1) & (a->nslot - 1)) {
		struct agg_group *g = &a->g[a->slot[j] - 1];
		if (g->h == h && g->klen == key->len && !memcmp(g->key, key->buf, key->len))
			return g;
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		struct agg_group *ng = realloc(a->g, nc * sizeof(*ng));
		if (!ng)
			return NULL;
		a->g = ng;
		a->cap = nc;
	}
	struct agg_group *g = &a->g[a->n];
	memset(g, 0, sizeof(*g));
	g->key = malloc(key->len);
	if (!g->key)
		return NULL;
	memcpy(g->key, key->buf, key->len);
	g->klen = key->len;
	g->h = h;
	for (size_t i = 0; i < nf; i++) {
		int t = sqlite3_column_type(st, (int)i);
		g->null[i] = t == SQLITE_NULL;
		g->iv[i] = sqlite3_column_int64(st, (int)i);
		if (t == SQLITE_TEXT &&
		    !(g->tv[i] = strdup((const char *)sqlite3_column_text(st, (int)i)))) {
			free(g->key);
			return NULL;
		}
	}
	a->n++;
	a->slot[j] = (int32_t)a->n;
	return g;
}

static int cmp_group_count(const void *x, const void *y)
{
	const struct agg_group *a = x, *b = y;
	return a->count < b->count ? 1 : a->count > b->count ? -1 : 0;
}

static int count_blocks(struct store *s, const struct store_filter *f,
			const struct store_col *const *gc, size_t n_fields, int64_t limit,
			struct store_count **ret, size_t *ret_n, char *err, size_t errsize)
{
	struct store_param params[MAX_PARAMS];
	size_t np = 0, n = 0;
	struct store_count *out = NULL;
	sqlite3_stmt *st = NULL;
	struct strbuf sb, key;
	struct agg a = { 0 };
	int r, rc;

	strbuf_init(&sb);
	strbuf_init(&key);
	strbuf_puts(&sb, "SELECT ");
	for (size_t i = 0; i < n_fields; i++) {
		if (gc[i]->kind == STORE_COL_TS || gc[i]->kind == STORE_COL_NONE)
			strbuf_printf(&sb, "%sr.ts / 1000000000", i ? ", " : "");
		else
			strbuf_printf(&sb, "%sr.%s", i ? ", " : "", gc[i]->name);
	}
	strbuf_puts(&sb, " FROM records r WHERE ");
	r = filter_sql(s, f, &sb, params, &np);
	if (r)
		goto out;
	r = prepare_bound(s, &sb, params, np, &st, err, errsize);
	if (r)
		goto out;
	r = -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct agg_group *g = agg_find(&a, st, n_fields, &key);
		if (!g) {
			r = -ENOMEM;
			goto out;
		}
		g->count++;
	}
	if (rc != SQLITE_DONE)
		goto out;
	/* largest first (equal counts in no particular order, as with SQL's ORDER BY n DESC) */
	if (a.n)
		qsort(a.g, a.n, sizeof(*a.g), cmp_group_count);
	size_t want = limit > 0 && (size_t)limit < a.n ? (size_t)limit : a.n;
	out = calloc(want ? want : 1, sizeof(*out));
	r = -ENOMEM;
	if (!out)
		goto out;
	for (; n < want; n++) {
		out[n].count = a.g[n].count;
		for (size_t i = 0; i < n_fields; i++) {
			out[n].values[i] = group_value(s, gc[i]->kind, a.g[n].null[i], a.g[n].iv[i],
						       a.g[n].tv[i]);
			if (!out[n].values[i]) {
				n++;
				goto out;
			}
		}
	}
	*ret = out;
	*ret_n = n;
	out = NULL;
	r = 0;
out:
	store_counts_free(out, n);
	agg_free(&a);
	sqlite3_finalize(st);
	strbuf_done(&sb);
	strbuf_done(&key);
	return r;
}

int store_count(struct store *s, const struct store_filter *f, const char *const *fields,
		size_t n_fields, int64_t limit, struct store_count **ret, size_t *ret_n, char *err,
		size_t errsize)
{
	const struct store_col *cols = store_cols();
	const struct store_col *gc[STORE_MAX_GROUP_BY];
	struct store_param params[MAX_PARAMS];
	size_t np = 0, n = 0, cap = 0;
	struct store_count *out = NULL;
	sqlite3_stmt *st = NULL;
	struct strbuf sb;
	int r;

	if (!n_fields || n_fields > STORE_MAX_GROUP_BY) {
		store_seterr(err, errsize, "group by 1 to %d fields", STORE_MAX_GROUP_BY);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_fields; i++) {
		const struct record_field *rf = record_field_find(fields[i]);
		if (!rf) {
			const char *sug = record_field_suggest(fields[i]);
			if (sug)
				store_seterr(err, errsize,
					     "unknown field '%s' (did you mean '%s'?)", fields[i],
					     sug);
			else
				store_seterr(err, errsize, "unknown field '%s'", fields[i]);
			return -EINVAL;
		}
		gc[i] = &cols[rf - record_fields];
	}
	if (s->blocks)
		return count_blocks(s, f, gc, n_fields, limit, ret, ret_n, err, errsize);
	strbuf_init(&sb);
	strbuf_puts(&sb, "SELECT ");
	for (size_t i = 0; i < n_fields; i++) {
		if (gc[i]->kind == STORE_COL_TS || gc[i]->kind == STORE_COL_NONE)
			strbuf_printf(&sb, "r.ts / 1000000000 AS g%zu, ", i);
		else
			strbuf_printf(&sb, "r.%s AS g%zu, ", gc[i]->name, i);
	}
	strbuf_puts(&sb, "count(*) AS n FROM records r WHERE ");
	r = filter_sql(s, f, &sb, params, &np);
	if (r)
		goto out;
	strbuf_puts(&sb, " GROUP BY ");
	for (size_t i = 0; i < n_fields; i++)
		strbuf_printf(&sb, "%sg%zu", i ? ", " : "", i);
	strbuf_puts(&sb, " ORDER BY n DESC");
	if (limit > 0)
		strbuf_printf(&sb, " LIMIT %" PRId64, limit);
	r = prepare_bound(s, &sb, params, np, &st, err, errsize);
	if (r)
		goto out;
	r = -EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_count *nc = realloc(out, ncap * sizeof(*nc));
			if (!nc) {
				r = -ENOMEM;
				goto out;
			}
			out = nc;
			cap = ncap;
		}
		struct store_count *e = &out[n++];
		memset(e, 0, sizeof(*e));
		for (size_t i = 0; i < n_fields; i++) {
			int null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;
			e->values[i] =
				group_value(s, gc[i]->kind, null, sqlite3_column_int64(st, (int)i),
					    (const char *)sqlite3_column_text(st, (int)i));
			if (!e->values[i]) {
				r = -ENOMEM;
				goto out;
			}
		}
		e->count = sqlite3_column_int64(st, (int)n_fields);
	}
	if (rc != SQLITE_DONE)
		goto out;
	*ret = out;
	*ret_n = n;
	out = NULL;
	r = 0;
out:
	store_counts_free(out, n);
	sqlite3_finalize(st);
	strbuf_done(&sb);
	return r;
}

static int cmp_bucket(const void *x, const void *y)
{
	const struct store_bucket *a = x, *b = y;
	return a->t < b->t ? -1 : a->t > b->t;
}

/* count the bucket numbers @st yields; on success *ret (sorted by t) and *ret_n are set */
static int hist_blocks(sqlite3_stmt *st, int64_t interval_s, struct store_bucket **ret,
		       size_t *ret_n)
{
	struct agg a = { 0 };
	struct strbuf key;
	int r = -ENOMEM, rc;
	strbuf_init(&key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct agg_group *g = agg_find(&a, st, 1, &key);
		if (!g)
			goto out;
		g->count++;
	}
	r = -EIO;
	if (rc != SQLITE_DONE)
		goto out;
	r = -ENOMEM;
	struct store_bucket *b = malloc((a.n ? a.n : 1) * sizeof(*b));
	if (!b)
		goto out;
	for (size_t i = 0; i < a.n; i++) {
		b[i].t = a.g[i].iv[0] * interval_s;
		b[i].count = a.g[i].count;
	}
	qsort(b, a.n, sizeof(*b), cmp_bucket);
	*ret = b;
	*ret_n = a.n;
	r = 0;
out:
	agg_free(&a);
	strbuf_done(&key);
	return r;
}

int store_histogram(struct store *s, const struct store_filter *f, int64_t interval_s,
		    struct store_bucket **ret, size_t *ret_n)
{
	struct store_param params[MAX_PARAMS];
	size_t np = 0, n = 0, cap = 0;
	struct store_bucket *out = NULL;
	sqlite3_stmt *st = NULL;
	struct strbuf sb;
	int r;

	if (interval_s <= 0)
		return -EINVAL;
	strbuf_init(&sb);
	/* on blocks the buckets are counted here (see count_blocks): no sort of every row */
	strbuf_printf(&sb, "SELECT r.ts / %" PRId64 " AS b%s FROM records r WHERE ",
		      interval_s * (int64_t)1000000000, s->blocks ? "" : ", count(*)");
	r = filter_sql(s, f, &sb, params, &np);
	if (r)
		goto out;
	if (!s->blocks)
		strbuf_puts(&sb, " GROUP BY b ORDER BY b");
	r = prepare_bound(s, &sb, params, np, &st, NULL, 0);
	if (r)
		goto out;
	r = -EIO;
	int rc;
	if (s->blocks) {
		r = hist_blocks(st, interval_s, ret, ret_n);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct store_bucket *nb = realloc(out, ncap * sizeof(*nb));
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			out = nb;
			cap = ncap;
		}
		out[n].t = sqlite3_column_int64(st, 0) * interval_s;
		out[n].count = sqlite3_column_int64(st, 1);
		n++;
	}
	if (rc != SQLITE_DONE)
		goto out;
	*ret = out;
	*ret_n = n;
	out = NULL;
	r = 0;
out:
	free(out);
	sqlite3_finalize(st);
	strbuf_done(&sb);
	return r;
}

/* ---- verification --------------------------------------------------------------------------- */

int store_verify(struct store *s, struct store_verify_result *ret)
{
	struct store_verify_result v = { 0 };
	unsigned char prev[32], h[32];
	int64_t head_id, prev_id;
	struct store_query *q = NULL;
	const struct store_row *row;
	struct store_hasher hasher;
	int r;

	if (store_hasher_init(&hasher))
		return -ENOMEM;
	/* one read transaction: a consistent snapshot while the agent keeps writing */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		store_hasher_done(&hasher);
		return -EIO;
	}
	r = -EIO;
	if (store_meta_get_int(s->db, "anchor_id", &v.anchor_id) ||
	    store_meta_get_blob(s->db, "anchor_hash", prev) ||
	    store_meta_get_int(s->db, "head_id", &head_id))
		goto out;
	unsigned char head_hash[32];
	if (store_meta_get_blob(s->db, "head_hash", head_hash))
		goto out;
	int64_t hash_format = 0;
	if (store_meta_get_int(s->db, "hash_format", &hash_format))
		goto out;
	prev_id = v.anchor_id;
	r = store_query_begin(s, NULL, STORE_ID_ASCENDING, NULL, 0, 0, &q);
	if (r)
		goto out;
	while ((r = store_next(q, &row)) == 1) {
		const unsigned char *stored = store_query_row_hash(q);
		if (row->id > head_id) {
			v.problem = STORE_VERIFY_INSERTED;
			v.bad_id = row->id;
			snprintf(v.detail, sizeof(v.detail),
				 "record %lld is past the chain head %lld: inserted",
				 (long long)row->id, (long long)head_id);
			break;
		}
		if (row->id != prev_id + 1) {
			v.problem = STORE_VERIFY_DELETED;
			v.bad_id = prev_id + 1;
			if (row->id == prev_id + 2)
				snprintf(v.detail, sizeof(v.detail), "record %lld was deleted",
					 (long long)(prev_id + 1));
			else
				snprintf(v.detail, sizeof(v.detail),
					 "records %lld..%lld were deleted",
					 (long long)(prev_id + 1), (long long)(row->id - 1));
			break;
		}
		r = store_canonical_hash(&row->rec, prev, (int)hash_format, &hasher, h);
		if (r)
			goto out;
		if (!stored || memcmp(h, stored, 32)) {
			v.problem = STORE_VERIFY_EDITED;
			v.bad_id = row->id;
			snprintf(v.detail, sizeof(v.detail),
				 "record %lld was edited (its content does not match its hash)",
				 (long long)row->id);
			break;
		}
		memcpy(prev, stored, 32);
		prev_id = row->id;
		v.checked++;
	}
	if (r < 0)
		goto out;
	if (v.problem == STORE_VERIFY_OK && prev_id != head_id) {
		v.problem = STORE_VERIFY_TRUNCATED;
		v.bad_id = prev_id + 1;
		snprintf(v.detail, sizeof(v.detail), "records %lld..%lld were deleted",
			 (long long)(prev_id + 1), (long long)head_id);
	} else if (v.problem == STORE_VERIFY_OK && head_id && memcmp(prev, head_hash, 32)) {
		v.problem = STORE_VERIFY_EDITED;
		v.bad_id = head_id;
		snprintf(v.detail, sizeof(v.detail), "record %lld does not match the chain head",
			 (long long)head_id);
	}
	*ret = v;
	r = 0;
out:
	store_query_end(q);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	store_hasher_done(&hasher);
	return r;
}
