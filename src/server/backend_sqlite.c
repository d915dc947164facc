/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend_sqlite.c - the router's backend over the embedded store (src/store): a pool of
 * reader handles (a struct store serves one thread at a time; WAL lets readers run beside the
 * writer) and one store_writer whose flush makes an ingest durable before it is acknowledged.
 *
 * Filters go through store_filter_add()/store_filter_where(), so every word means on the API
 * exactly what it means to `ward logs`.
 */
#include "server/backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/diag.h"
#include "record/record.h"
#include "store/store.h"

#define POOL_MAX 32 /* idle reader handles kept; more are opened and closed on demand */

struct sqlite_backend {
	struct server_backend base;
	char *path;
	pthread_mutex_t lock; /* guards pool[] and n_pool */
	struct store *pool[POOL_MAX];
	size_t n_pool;
	struct store_writer *w; /* internally locked */
	int64_t max_age_s;	/* retention for the writer (0 = keep); set before it opens */
};

struct server_filter {
	struct store_filter *sf;
};

static struct sqlite_backend *sb_of(struct server_backend *be)
{
	return (struct sqlite_backend *)be;
}

static int reader_get(struct sqlite_backend *b, struct store **ret)
{
	pthread_mutex_lock(&b->lock);
	struct store *s = b->n_pool ? b->pool[--b->n_pool] : NULL;
	pthread_mutex_unlock(&b->lock);
	if (s) {
		*ret = s;
		return 0;
	}
	char err[STORE_ERR_MAX];
	return store_open(b->path, STORE_OPEN_READONLY, ret, err, sizeof(err));
}

static void reader_put(struct sqlite_backend *b, struct store *s)
{
	pthread_mutex_lock(&b->lock);
	if (b->n_pool < POOL_MAX) {
		b->pool[b->n_pool++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	store_close(s);
}

static int sq_filter_new(struct server_backend *be, const struct server_param *p, size_t n,
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

static void sq_filter_free(struct server_filter *f)
{
	if (!f)
		return;
	store_filter_free(f->sf);
	free(f);
}

/*
 * One row more than asked tells whether a next page exists, so the last page never hands out
 * a cursor that leads to an empty page.
 */
static int sq_records(struct server_backend *be, const struct server_filter *f, uint32_t limit,
		      const char *cursor, backend_record_fn cb, void *ctx,
		      char next[BACKEND_CURSOR_MAX])
{
	struct sqlite_backend *b = sb_of(be);
	struct store *s;
	int r = reader_get(b, &s);
	if (r < 0)
		return -EIO;
	struct store_query *q;
	r = store_query_begin(s, f->sf, STORE_NEWEST_FIRST, cursor, 0, (int64_t)limit + 1, &q);
	if (r < 0)
		goto out;
	const struct store_row *row;
	uint32_t n = 0;
	char last[STORE_CURSOR_MAX] = "";
	next[0] = '\0';
	while ((r = store_next(q, &row)) == 1) {
		if (n == limit) {
			snprintf(next, BACKEND_CURSOR_MAX, "%s", last);
			break;
		}
		r = cb(ctx, &row->rec, NULL, 0);
		if (r)
			break;
		memcpy(last, row->cursor, sizeof(last));
		n++;
	}
	store_query_end(q);
	if (r == 0 || r == 1)
		r = (int)n;
out:
	reader_put(b, s);
	return r;
}

static int sq_counts(struct server_backend *be, const struct server_filter *f,
		     const struct record_field *by, uint32_t max, backend_count_fn cb, void *ctx)
{
	struct sqlite_backend *b = sb_of(be);
	struct store *s;
	int r = reader_get(b, &s);
	if (r < 0)
		return -EIO;
	const char *fields[1] = { by->name };
	struct store_count *c = NULL;
	size_t n = 0;
	char err[STORE_ERR_MAX];
	r = store_count(s, f->sf, fields, 1, max, &c, &n, err, sizeof(err));
	reader_put(b, s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = cb(ctx, c[i].values[0], c[i].count);
	store_counts_free(c, n);
	return r;
}

static int sq_histogram(struct server_backend *be, const struct server_filter *f,
			int64_t interval_s, backend_bucket_fn cb, void *ctx)
{
	struct sqlite_backend *b = sb_of(be);
	struct store *s;
	int r = reader_get(b, &s);
	if (r < 0)
		return -EIO;
	struct store_bucket *bk = NULL;
	size_t n = 0;
	r = store_histogram(s, f->sf, interval_s, &bk, &n);
	reader_put(b, s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = cb(ctx, bk[i].t, bk[i].count);
	free(bk);
	return r;
}

/*
 * Ids grow in commit order (one writer), so "everything up to the end seen before the query"
 * is settled: the position moves past non-matching rows too and a selective live filter does
 * not rescan them on every poll.
 */
static int sq_tail(struct server_backend *be, const struct server_filter *f, int64_t *pos,
		   uint32_t max, backend_record_fn cb, void *ctx)
{
	struct sqlite_backend *b = sb_of(be);
	struct store *s;
	int r = reader_get(b, &s);
	if (r < 0)
		return -EIO;
	int64_t end;
	r = store_last_id(s, &end);
	if (r < 0)
		goto out;
	if (*pos < 0) {
		*pos = end;
		goto out;
	}
	struct store_query *q;
	r = store_query_begin(s, f->sf, STORE_ID_ASCENDING, NULL, *pos, max, &q);
	if (r < 0)
		goto out;
	const struct store_row *row;
	uint32_t n = 0;
	int64_t last = *pos;
	while ((r = store_next(q, &row)) == 1) {
		r = cb(ctx, &row->rec, NULL, 0);
		last = row->id;
		n++;
		if (r)
			break;
	}
	store_query_end(q);
	if (r == 0) {
		*pos = n < max && end > last ? end : last;
		r = (int)n;
	}
out:
	reader_put(b, s);
	return r;
}

/*
 * The writer opens on the first ingest: a `ward serve` that only reads a store an agent writes
 * never competes for SQLite's write lock.
 */
static int writer_get(struct sqlite_backend *b)
{
	int r = 0;
	pthread_mutex_lock(&b->lock);
	if (!b->w) {
		struct store_writer_opts wo = { .autoflush = 1, .max_age_s = b->max_age_s };
		char err[STORE_ERR_MAX];
		r = store_writer_open(b->path, &wo, &b->w, err, sizeof(err));
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

/*
 * The embedded store keeps no batch ids (store.h has no place for them), so a batch resent
 * after a lost answer is stored twice there; PostgreSQL (pg.c) deduplicates.
 */
static int sq_ingest(struct server_backend *be, const struct ward_record *const *recs, size_t n,
		     const char *batch_id)
{
	(void)batch_id;
	struct sqlite_backend *b = sb_of(be);
	int r = writer_get(b);
	if (r < 0)
		return r;
	/* store_writer_append() takes an array of records; ours is an array of pointers */
	struct ward_record chunk[256];
	for (size_t i = 0; i < n && r == 0;) {
		size_t k = 0;
		while (k < WARD_ARRAY_SIZE(chunk) && i < n)
			chunk[k++] = *recs[i++];
		r = store_writer_append(b->w, chunk, k, NULL);
	}
	if (r == 0)
		r = store_writer_flush(b->w);
	return r;
}

static int sq_retain(struct server_backend *be, int64_t max_age_s, int64_t now,
		     int64_t *ret_deleted)
{
	struct sqlite_backend *b = sb_of(be);
	pthread_mutex_lock(&b->lock);
	b->max_age_s = max_age_s;
	pthread_mutex_unlock(&b->lock);
	int r = writer_get(b);
	if (r < 0)
		return r;
	return store_writer_retain(b->w, now, 10000, ret_deleted);
}

static void sq_close(struct server_backend *be)
{
	struct sqlite_backend *b = sb_of(be);
	for (size_t i = 0; i < b->n_pool; i++)
		store_close(b->pool[i]);
	if (b->w)
		(void)store_writer_close(b->w);
	pthread_mutex_destroy(&b->lock);
	free(b->path);
	free(b);
}

static const struct backend_ops sqlite_ops = {
	.name = "sqlite",
	.filter_new = sq_filter_new,
	.filter_free = sq_filter_free,
	.records = sq_records,
	.counts = sq_counts,
	.histogram = sq_histogram,
	.tail = sq_tail,
	.retain = sq_retain,
	.ingest = sq_ingest,
	.close = sq_close,
};

int backend_sqlite_open(const char *path, struct server_backend **ret, struct diag *diag)
{
	struct sqlite_backend *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base.ops = &sqlite_ops;
	pthread_mutex_init(&b->lock, NULL);
	b->path = strdup(path);
	if (!b->path) {
		sq_close(&b->base);
		return -ENOMEM;
	}
	/* create the store now so readers can open it and a bad path is reported at start */
	char err[STORE_ERR_MAX] = "";
	struct store *s;
	int r = store_open(path, STORE_OPEN_CREATE, &s, err, sizeof(err));
	if (r == 0)
		reader_put(b, s);
	if (r < 0) {
		diag_err(diag, path, 0, 0, "cannot open store: %s", err[0] ? err : "error");
		sq_close(&b->base);
		return r == -ENOMEM ? r : -EIO;
	}
	*ret = &b->base;
	return 0;
}
