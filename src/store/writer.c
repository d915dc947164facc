/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer.c - the store's single writer: batched transactions, prepared statements, dictionary
 * caches, the hash chain and retention (see store.h).
 *
 * One open transaction collects appends; it commits when it holds batch_records records, when
 * the autoflush thread finds it older than batch_ms, or on store_writer_flush(). Each
 * transaction starts by reading the chain head from `meta`, so two writers (which SQLite
 * serialises) still produce one linear chain. Retention runs between batches in chunks of its
 * own short transactions, so ingest is never blocked for long and readers never are (WAL).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "store/internal.h"

struct store_writer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int thread_running, stopping;
	sqlite3 *db;
	sqlite3_stmt *ins, *dict_find[2], *dict_ins[2], *fts_ins;
	/*
	 * 0 = sdict, 1 = tdict: string → id, in two generations bounded by bytes: new strings go
	 * to dict[d]; when it is full it becomes old[d] (the previous old one is freed), and a hit
	 * in old[d] is copied back into dict[d]. Strings in use stay cached, one-off strings (a
	 * unique Resource) age out, and eviction is one free of a whole map, no per-entry lists.
	 */
	struct strmap dict[2], old[2];
	int complete[2]; /* the cache holds every string of the dictionary: a miss is new */
	struct store_writer_opts o;
	int in_txn;
	unsigned pending;
	int64_t txn_started_ms;
	int64_t head_id, durable_id;
	unsigned char head_hash[32];
	int64_t last_retain_ms;
	int bb_written;	 /* records of bb already in its `blocks` row (a block kept open) */
	int hash_format; /* the store's meta hash_format (store_canonical_hash) */
	struct store_hasher hasher;
	/* block layout: the block being filled (only records of the open transaction) */
	int blocks;
	struct store_block_builder bb;
	sqlite3_stmt *blk_ins, *post_ins;
	int64_t vals[64];
	const char *texts[64];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wexec(struct store_writer *w, const char *sql)
{
	return sqlite3_exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int txn_begin(struct store_writer *w)
{
	if (w->in_txn)
		return 0;
	if (wexec(w, "BEGIN IMMEDIATE"))
		return -EIO;
	int64_t mine = w->head_id;
	if (store_meta_get_int(w->db, "head_id", &w->head_id) ||
	    store_meta_get_blob(w->db, "head_hash", w->head_hash)) {
		wexec(w, "ROLLBACK");
		return -EIO;
	}
	/*
	 * Another writer committed since our last transaction: it may have added strings our
	 * cache does not know, so misses must ask the table again (no duplicate ids ever).
	 */
	if (mine != w->head_id)
		w->complete[0] = w->complete[1] = 0;
	w->in_txn = 1;
	w->pending = 0;
	w->txn_started_ms = now_ms();
	return 0;
}

static void dict_caches_reset(struct store_writer *w)
{
	/* a rolled-back batch may have cached ids that no longer exist */
	for (int d = 0; d < 2; d++) {
		strmap_clear(&w->dict[d]);
		strmap_clear(&w->old[d]);
	}
	w->complete[0] = w->complete[1] = 0;
}

/*
 * Write the block being filled, and its postings, into the open transaction (replacing its
 * row when a commit kept it open, see block_write_commit). The row is written whole inside
 * each transaction, so a crash can only lose records that were never acknowledged. @keep:
 * the builder keeps the records for the next transaction to append to.
 */
static int block_write_b(struct store_writer *w, struct store_block_builder *b, int keep)
{
	if (!b->n)
		return 0;
	size_t dlen = b->data.len;
	strbuf_append(&b->data, b->hashes.buf, b->hashes.len);
	if (strbuf_error(&b->data))
		return -ENOMEM;
	sqlite3_stmt *st = w->blk_ins;
	sqlite3_bind_int64(st, 1, b->first_id);
	sqlite3_bind_int64(st, 2, b->n);
	sqlite3_bind_int64(st, 3, b->ts_min);
	sqlite3_bind_int64(st, 4, b->ts_max);
	sqlite3_bind_blob(st, 5, b->data.buf, (int)b->data.len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	b->data.len = dlen;
	if (rc != SQLITE_DONE)
		return -EIO;
	const int *slots = store_posting_cols();
	for (int p = 0; p < STORE_N_POSTING; p++) {
		const int64_t *v;
		size_t n = store_block_posting_values(b, p, &v);
		for (size_t i = 0; i < n; i++) {
			sqlite3_bind_int64(w->post_ins, 1, slots[p]);
			sqlite3_bind_int64(w->post_ins, 2, v[i]);
			sqlite3_bind_int64(w->post_ins, 3, b->first_id);
			rc = sqlite3_step(w->post_ins);
			sqlite3_reset(w->post_ins);
			if (rc != SQLITE_DONE)
				return -EIO;
		}
	}
	if (!keep)
		b->n = 0;
	return 0;
}

static int block_write(struct store_writer *w)
{
	return block_write_b(w, &w->bb, 0);
}

/*
 * At a commit, a small block stays open in the builder: the next transaction appends to it
 * and writes it again (the row replaced, only its new postings added) instead of starting a
 * block of its own. The agent commits every 50 ms, so at a low record rate blocks would
 * otherwise hold a handful of records, each with postings that cost like index entries.
 * Retention drops the carried block (it may delete or split it).
 */
#define STORE_BLOCK_CARRY 256

static int block_write_commit(struct store_writer *w)
{
	/* nothing new since it was written (e.g. retention's own transactions): its row, which
	 * retention may be changing, is left alone */
	if (w->bb.n == w->bb_written)
		return 0;
	int keep = w->bb.n < STORE_BLOCK_CARRY, r = block_write_b(w, &w->bb, keep);
	if (!r && keep)
		w->bb_written = w->bb.n;
	return r;
}

static int txn_commit(struct store_writer *w)
{
	if (!w->in_txn)
		return 0;
	if ((w->blocks && block_write_commit(w)) ||
	    store_meta_set_int(w->db, "head_id", w->head_id) ||
	    store_meta_set_blob(w->db, "head_hash", w->head_hash) || wexec(w, "COMMIT")) {
		wexec(w, "ROLLBACK");
		w->in_txn = 0;
		w->bb.n = 0;
		dict_caches_reset(w);
		return -EIO;
	}
	w->in_txn = 0;
	w->durable_id = w->head_id;
	w->pending = 0;
	return 0;
}

/* dictionary id of @s in dict @d (0 sdict, 1 tdict), creating it. 0 on error. */
static int64_t dict_id(struct store_writer *w, int d, const char *s)
{
	size_t n = strlen(s);
	uint64_t fh = store_fast_hash(s, n);
	int64_t id = strmap_get_by_str(&w->dict[d], fh, s, n);
	if (id)
		return id;
	/* bounded cache: high-cardinality values (resources) must not grow memory forever */
	if (w->dict[d].bytes > STORE_DICT_GEN_BYTES) {
		strmap_clear(&w->old[d]);
		w->old[d] = w->dict[d];
		memset(&w->dict[d], 0, sizeof(w->dict[d]));
		w->complete[d] = 0;
	}
	id = strmap_get_by_str(&w->old[d], fh, s, n);
	/* the stored (FNV-1a) hash is needed only to look the table up or insert */
	int64_t h = id ? 0 : store_str_hash(s, n);
	if (!id && !w->complete[d]) {
		sqlite3_stmt *f = w->dict_find[d];
		sqlite3_bind_int64(f, 1, h);
		sqlite3_bind_text(f, 2, s, (int)n, SQLITE_STATIC);
		if (sqlite3_step(f) == SQLITE_ROW)
			id = sqlite3_column_int64(f, 0);
		sqlite3_reset(f);
	}
	if (!id) {
		sqlite3_stmt *ins = w->dict_ins[d];
		sqlite3_bind_int64(ins, 1, h);
		sqlite3_bind_text(ins, 2, s, (int)n, SQLITE_STATIC);
		int rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			return 0;
		id = sqlite3_last_insert_rowid(w->db);
		if (d == 1) {
			sqlite3_bind_int64(w->fts_ins, 1, id);
			sqlite3_bind_text(w->fts_ins, 2, s, (int)n, SQLITE_STATIC);
			rc = sqlite3_step(w->fts_ins);
			sqlite3_reset(w->fts_ins);
			if (rc != SQLITE_DONE)
				return 0;
		}
	}
	if (!strmap_put(&w->dict[d], 0, id, fh, s))
		return 0;
	return id;
}

/*
 * The record's values by slot (present, the columns of store_cols(), extra): dictionary ids
 * (0 = NULL), integers, inline strings in texts[] (NULL = NULL).
 */
static int record_vals(struct store_writer *w, const struct ward_record *r)
{
	const struct store_col *c = store_cols();
	size_t k = 0;
	w->vals[k++] = r->present;
	for (size_t i = 0; i < record_n_fields; i++) {
		const char *s;
		switch (c[i].kind) {
		case STORE_COL_NONE:
		case STORE_COL_TS:
			continue;
		case STORE_COL_INT:
			w->vals[k] = record_get_int(r, c[i].field);
			break;
		case STORE_COL_SDICT:
		case STORE_COL_TDICT:
			s = record_get_string(r, c[i].field);
			w->vals[k] = 0;
			if (s && *s) {
				w->vals[k] = dict_id(w, c[i].kind == STORE_COL_TDICT, s);
				if (!w->vals[k])
					return -EIO;
			}
			break;
		case STORE_COL_TEXT:
			s = record_get_string(r, c[i].field);
			w->texts[k] = s && *s ? s : NULL;
			w->vals[k] = 0;
			break;
		}
		k++;
	}
	w->vals[k] = 0;
	if (r->extra_json && *r->extra_json) {
		w->vals[k] = dict_id(w, 0, r->extra_json);
		if (!w->vals[k])
			return -EIO;
	}
	return 0;
}

static int insert_one(struct store_writer *w, const struct ward_record *r)
{
	sqlite3_stmt *st = w->ins;
	unsigned char h[32];
	int p = 1;

	int hr = store_canonical_hash(r, w->head_hash, w->hash_format, &w->hasher, h);
	if (hr)
		return hr;
	int64_t id = w->head_id + 1;
	hr = record_vals(w, r);
	if (hr)
		return hr;
	if (w->blocks) {
		if (!w->bb.n) {
			store_block_begin(&w->bb, id);
			w->bb_written = 0;
		}
		hr = store_block_add(&w->bb, id, r->ts_ns, w->vals, w->texts, h);
		if (!hr && w->bb.n >= STORE_BLOCK_MAX)
			hr = block_write(w);
		if (hr)
			return hr;
		w->head_id = id;
		memcpy(w->head_hash, h, 32);
		return 0;
	}
	size_t nv = store_block_nvals();
	sqlite3_bind_int64(st, p++, id);
	sqlite3_bind_int64(st, p++, r->ts_ns);
	for (size_t k = 0; k < nv; k++) {
		switch (store_block_slot_kind(k)) {
		case STORE_COL_TEXT:
			if (w->texts[k])
				sqlite3_bind_text(st, p++, w->texts[k], -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, p++);
			break;
		case STORE_COL_SDICT:
		case STORE_COL_TDICT:
			if (w->vals[k])
				sqlite3_bind_int64(st, p++, w->vals[k]);
			else
				sqlite3_bind_null(st, p++);
			break;
		default:
			sqlite3_bind_int64(st, p++, w->vals[k]);
			break;
		}
	}
	sqlite3_bind_blob(st, p++, h, 32, SQLITE_STATIC);
	/* every parameter is bound for every row, so no sqlite3_clear_bindings() */
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	w->head_id = id;
	memcpy(w->head_hash, h, 32);
	return 0;
}

static void rollback_locked(struct store_writer *w)
{
	if (w->in_txn)
		wexec(w, "ROLLBACK");
	w->in_txn = 0;
	w->pending = 0;
	w->bb.n = 0;
	dict_caches_reset(w);
}

static int flush_locked(struct store_writer *w);
static int used_bytes(sqlite3 *db, int64_t *ret);

/* a size bound is checked every 1000 appends so one big batch cannot overshoot it far */
static int over_bound(struct store_writer *w)
{
	int64_t used;
	return !used_bytes(w->db, &used) && used > w->o.max_bytes;
}

int store_writer_append(struct store_writer *w, const struct ward_record *recs, size_t n,
			int64_t *ret_last_id)
{
	int r = 0;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < n; i++) {
		r = txn_begin(w);
		if (r)
			goto out;
		r = insert_one(w, &recs[i]);
		if (r) {
			rollback_locked(w);
			goto out;
		}
		++w->pending;
		if (w->pending >= w->o.batch_records ||
		    (w->o.max_bytes && !(w->pending % 1000) && over_bound(w))) {
			r = flush_locked(w);
			if (r)
				goto out;
		}
	}
	if (ret_last_id)
		*ret_last_id = w->head_id;
out:
	pthread_mutex_unlock(&w->lock);
	return r;
}

int64_t store_writer_durable_id(struct store_writer *w)
{
	pthread_mutex_lock(&w->lock);
	int64_t v = w->durable_id;
	pthread_mutex_unlock(&w->lock);
	return v;
}

/* ---- retention ------------------------------------------------------------------------------ */

static int used_bytes(sqlite3 *db, int64_t *ret)
{
	sqlite3_stmt *q = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT "
		    "freelist_count FROM pragma_freelist_count()), (SELECT page_size FROM "
		    "pragma_page_size())",
		    -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(q, 0) * sqlite3_column_int64(q, 1);
		r = 0;
	}
	sqlite3_finalize(q);
	return r;
}

static int retain_chunk_blocks(struct store_writer *w, int64_t now, unsigned chunk, int by_size,
			       int64_t *ret_n);

/* delete one chunk; *ret_n = records deleted (0 = nothing left to do) */
static int retain_chunk(struct store_writer *w, int64_t now, unsigned chunk, int by_size,
			int64_t *ret_n)
{
	sqlite3_stmt *q = NULL;
	int64_t cutoff = w->o.max_age_s ? (now - w->o.max_age_s) * 1000000000LL : INT64_MIN;
	int64_t last = 0, n = 0;
	unsigned char last_hash[32];
	int r = -EIO;

	if (w->blocks)
		return retain_chunk_blocks(w, now, chunk, by_size, ret_n);
	if (txn_begin(w))
		return -EIO;
	if (sqlite3_prepare_v2(w->db, "SELECT id, ts, hash FROM records ORDER BY id LIMIT ?", -1,
			       &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, chunk);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		/* age retention stops at the first young record: the chain is cut as a prefix */
		if (!by_size && sqlite3_column_int64(q, 1) >= cutoff)
			break;
		last = sqlite3_column_int64(q, 0);
		if (sqlite3_column_bytes(q, 2) == 32)
			memcpy(last_hash, sqlite3_column_blob(q, 2), 32);
		else
			memset(last_hash, 0, 32);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	if (n) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM records WHERE id <= %lld", (long long)last);
		if (wexec(w, sql) || store_meta_set_int(w->db, "anchor_id", last) ||
		    store_meta_set_blob(w->db, "anchor_hash", last_hash))
			goto fail;
	}
	r = txn_commit(w);
	if (!r)
		*ret_n = n;
	return r;
fail:
	sqlite3_finalize(q);
	rollback_locked(w);
	return r;
}

/*
 * Block layout: the same prefix of the chain (in id order) as the row layout deletes. Whole
 * blocks go while they fit the chunk (by age: while every record in them is old); the block
 * at the boundary is split: its leading old records (by age) or the rest of the chunk (by
 * size, always leaving one record in the store) are cut off and the remainder is written
 * back as a block starting at the first kept id. The anchor is the last deleted record.
 */
struct retain_blk {
	int64_t first, n, ts_max;
};

static int retain_chunk_blocks(struct store_writer *w, int64_t now, unsigned chunk, int by_size,
			       int64_t *ret_n)
{
	sqlite3_stmt *q = NULL;
	int64_t cutoff = w->o.max_age_s ? (now - w->o.max_age_s) * 1000000000LL : INT64_MIN;
	int64_t last = 0, n = 0, maxfirst = 0;
	int64_t split_first = 0, split_want = 0; /* block to split, records to cut (by size) */
	unsigned char last_hash[32];
	struct retain_blk *bl = NULL;
	size_t nb = 0;
	struct store_dblock d = { 0 };
	struct store_block_builder nbld = { 0 };
	int r = -EIO, rc;

	if (txn_begin(w))
		return -EIO;
	bl = calloc((size_t)chunk + 2, sizeof(*bl));
	if (!bl) {
		r = -ENOMEM;
		goto fail;
	}
	if (sqlite3_prepare_v2(w->db,
			       "SELECT first_id, n, ts_max, (SELECT max(first_id) FROM blocks) "
			       "FROM blocks ORDER BY first_id LIMIT ?",
			       -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, (int64_t)chunk + 1);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		bl[nb].first = sqlite3_column_int64(q, 0);
		bl[nb].n = sqlite3_column_int64(q, 1);
		bl[nb].ts_max = sqlite3_column_int64(q, 2);
		maxfirst = sqlite3_column_int64(q, 3);
		nb++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	size_t whole = 0;
	for (; whole < nb; whole++) {
		const struct retain_blk *b = &bl[whole];
		int fits = n + b->n <= (int64_t)chunk;
		if (!by_size && b->ts_max < cutoff && fits) {
			n += b->n;
			continue;
		}
		if (by_size && fits && b->first != maxfirst) {
			n += b->n;
			continue;
		}
		/* the boundary block */
		if (by_size) {
			int64_t want = (int64_t)chunk - n;
			if (want > b->n - 1)
				want = b->n - 1;
			if (want > 0) {
				split_first = b->first;
				split_want = want;
			}
		} else {
			split_first = b->first; /* cut its leading old records, if any */
			split_want = (int64_t)chunk - n;
		}
		break;
	}
	if (whole) {
		const struct retain_blk *b = &bl[whole - 1];
		last = b->first + b->n - 1;
		if (sqlite3_prepare_v2(w->db,
				       "SELECT substr(data, -32) FROM blocks WHERE first_id = ?",
				       -1, &q, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(q, 1, b->first);
		memset(last_hash, 0, 32);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32)
			memcpy(last_hash, sqlite3_column_blob(q, 0), 32);
		sqlite3_finalize(q);
		q = NULL;
	}
	if (split_first && split_want > 0) {
		if (sqlite3_prepare_v2(w->db, "SELECT n, data FROM blocks WHERE first_id = ?", -1,
				       &q, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(q, 1, split_first);
		if (sqlite3_step(q) != SQLITE_ROW ||
		    store_block_decode(sqlite3_column_blob(q, 1),
				       (size_t)sqlite3_column_bytes(q, 1), split_first,
				       sqlite3_column_int(q, 0), &d))
			goto fail;
		sqlite3_finalize(q);
		q = NULL;
		int cut = 0;
		if (by_size)
			cut = (int)split_want;
		else
			while (cut < d.n && cut < split_want && d.ts[cut] < cutoff)
				cut++;
		if (cut > 0) {
			char sql[160];
			r = store_block_rebuild(&d, cut, 0, 0, &nbld);
			if (r)
				goto fail;
			r = -EIO;
			snprintf(sql, sizeof(sql),
				 "DELETE FROM blocks WHERE first_id = %lld; DELETE FROM postings "
				 "WHERE blk = %lld",
				 (long long)split_first, (long long)split_first);
			if (wexec(w, sql) || block_write_b(w, &nbld, 0))
				goto fail;
			last = d.id[cut - 1];
			memcpy(last_hash, d.hashes + (size_t)(cut - 1) * 32, 32);
			n += cut;
		}
	}
	if (whole) {
		char sql[160];
		const struct retain_blk *b = &bl[whole - 1];
		snprintf(
			sql, sizeof(sql),
			"DELETE FROM blocks WHERE first_id <= %lld; DELETE FROM postings WHERE blk "
			"<= %lld",
			(long long)b->first, (long long)b->first);
		if (wexec(w, sql))
			goto fail;
	}
	if (last && (store_meta_set_int(w->db, "anchor_id", last) ||
		     store_meta_set_blob(w->db, "anchor_hash", last_hash)))
		goto fail;
	r = txn_commit(w);
	if (!r)
		*ret_n = n;
	goto out;
fail:
	sqlite3_finalize(q);
	q = NULL;
	rollback_locked(w);
out:
	store_dblock_free(&d);
	store_block_done(&nbld);
	free(bl);
	return r;
}

static int preload(struct store_writer *w, int d);

static void bit_set(uint8_t *bm, int64_t max, int64_t id)
{
	if (id > 0 && id <= max)
		bm[id >> 3] |= (uint8_t)(1u << (id & 7));
}

static int max_id(sqlite3 *db, const char *tbl, int64_t *ret)
{
	char sql[64];
	sqlite3_stmt *q = NULL;
	int r = -EIO;
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s", tbl);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(q, 0);
		r = 0;
	}
	sqlite3_finalize(q);
	return r;
}

/* block layout: mark the dictionary ids every stored block references */
static int mark_blocks(struct store_writer *w, uint8_t *bm[2], const int64_t mx[2])
{
	sqlite3_stmt *q = NULL;
	size_t nv = store_block_nvals();
	int r = -EIO, rc;
	if (sqlite3_prepare_v2(w->db, "SELECT first_id, n, data FROM blocks", -1, &q, NULL) !=
	    SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_dblock d = { 0 };
		if (store_block_decode(sqlite3_column_blob(q, 2),
				       (size_t)sqlite3_column_bytes(q, 2),
				       sqlite3_column_int64(q, 0), sqlite3_column_int(q, 1), &d))
			goto out;
		for (int i = 0; i < d.n; i++)
			for (size_t k = 0; k < nv; k++) {
				enum store_col_kind kd = store_block_slot_kind(k);
				if (kd != STORE_COL_SDICT && kd != STORE_COL_TDICT)
					continue;
				int t = kd == STORE_COL_TDICT;
				bit_set(bm[t], mx[t], d.vals[(size_t)i * nv + k]);
			}
		store_dblock_free(&d);
	}
	if (rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(q);
	return r;
}

/*
 * Dictionary garbage collection: strings no record references any more (their records were
 * removed by retention) are deleted, from the FTS index too. One scan of `records` marks the
 * live ids in a bitmap; it runs only after retention removed a good share of the records.
 */
static int dict_gc(struct store_writer *w)
{
	const struct store_col *c = store_cols();
	uint8_t *bm[2] = { NULL, NULL };
	int64_t mx[2];
	sqlite3_stmt *q = NULL, *del[2] = { NULL, NULL }, *fts = NULL;
	struct strbuf sql;
	int kinds[64], ncols = 0;
	int r = -EIO;

	strbuf_init(&sql);
	if (txn_begin(w))
		return -EIO;
	if (max_id(w->db, "sdict", &mx[0]) || max_id(w->db, "tdict", &mx[1]))
		goto out;
	for (int d = 0; d < 2; d++) {
		bm[d] = calloc((size_t)(mx[d] >> 3) + 1, 1);
		if (!bm[d]) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (w->blocks) {
		r = mark_blocks(w, bm, mx);
		if (r)
			goto out;
		r = -EIO;
		goto sweep;
	}
	strbuf_puts(&sql, "SELECT extra");
	kinds[ncols++] = 0;
	for (size_t i = 0; i < record_n_fields; i++) {
		if (c[i].kind != STORE_COL_SDICT && c[i].kind != STORE_COL_TDICT)
			continue;
		strbuf_printf(&sql, ", %s", c[i].name);
		kinds[ncols++] = c[i].kind == STORE_COL_TDICT;
	}
	strbuf_puts(&sql, " FROM records");
	if (strbuf_error(&sql) || sqlite3_prepare_v2(w->db, sql.buf, -1, &q, NULL) != SQLITE_OK)
		goto out;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		for (int k = 0; k < ncols; k++)
			if (sqlite3_column_type(q, k) != SQLITE_NULL)
				bit_set(bm[kinds[k]], mx[kinds[k]], sqlite3_column_int64(q, k));
	if (rc != SQLITE_DONE)
		goto out;
	sqlite3_finalize(q);
	q = NULL;
sweep:
	if (sqlite3_prepare_v2(w->db, "DELETE FROM sdict WHERE id = ?", -1, &del[0], NULL) ||
	    sqlite3_prepare_v2(w->db, "DELETE FROM tdict WHERE id = ? RETURNING s", -1, &del[1],
			       NULL) ||
	    sqlite3_prepare_v2(w->db,
			       "INSERT INTO tdict_fts(tdict_fts, rowid, s) VALUES('delete', ?, ?)",
			       -1, &fts, NULL))
		goto out;
	for (int d = 0; d < 2; d++) {
		for (int64_t id = 1; id <= mx[d]; id++) {
			if (bm[d][id >> 3] & (1u << (id & 7)))
				continue;
			sqlite3_bind_int64(del[d], 1, id);
			rc = sqlite3_step(del[d]);
			if (rc == SQLITE_ROW && d == 1) {
				/* external-content FTS needs the old text to remove its terms */
				sqlite3_bind_int64(fts, 1, id);
				sqlite3_bind_text(fts, 2,
						  (const char *)sqlite3_column_text(del[1], 0), -1,
						  SQLITE_TRANSIENT);
				int rc2 = sqlite3_step(fts);
				sqlite3_reset(fts);
				if (rc2 != SQLITE_DONE) {
					sqlite3_reset(del[d]);
					goto out;
				}
				rc = sqlite3_step(del[d]);
			}
			sqlite3_reset(del[d]);
			if (rc != SQLITE_DONE)
				goto out;
		}
	}
	r = txn_commit(w);
	if (!r) {
		dict_caches_reset(w);
		r = preload(w, 0);
		if (!r)
			r = preload(w, 1);
	}
out:
	if (r)
		rollback_locked(w);
	sqlite3_finalize(q);
	sqlite3_finalize(del[0]);
	sqlite3_finalize(del[1]);
	sqlite3_finalize(fts);
	free(bm[0]);
	free(bm[1]);
	strbuf_done(&sql);
	return r;
}

static int retain_locked(struct store_writer *w, int64_t now, unsigned chunk, int64_t *ret_del)
{
	int64_t total = 0, n, since_gc = 0;
	int r = 0;
	if (!chunk)
		chunk = 5000;
	r = txn_commit(w);
	if (r)
		return r;
	if (w->o.max_age_s) {
		do {
			r = retain_chunk(w, now, chunk, 0, &n);
			total += n;
			since_gc += n;
		} while (!r && (w->blocks ? n > 0 : n == chunk));
	}
	if (!r && w->o.max_bytes) {
		/* over the bound: go down to a low-water mark so ingest has room before the next
		 * round; the dictionaries shrink only through dict_gc() */
		int64_t used, low = w->o.max_bytes - w->o.max_bytes / 8;
		r = used_bytes(w->db, &used);
		if (!r && used > w->o.max_bytes) {
			while (!r && used > low) {
				int64_t anchor = 0;
				if (store_meta_get_int(w->db, "anchor_id", &anchor)) {
					r = -EIO;
					break;
				}
				if (since_gc && since_gc >= (w->head_id - anchor) / 4) {
					r = dict_gc(w);
					since_gc = 0;
				} else {
					/* an eighth of the store at a time at most: a fixed chunk could
					 * take the newest records too when the store holds few */
					int64_t live = w->head_id - anchor;
					unsigned c = live / 8 < (int64_t)chunk
							     ? (unsigned)(live / 8)
							     : chunk;
					if (live <= 1)
						break;
					r = retain_chunk(w, now, c ? c : 1, 1, &n);
					if (r || !n)
						break;
					total += n;
					since_gc += n;
				}
				if (!r)
					r = used_bytes(w->db, &used);
			}
		}
	}
	/* retention may have deleted or split the block a commit kept open: start a new one
	 * (its records are all written: the commit above came first) */
	if (total || r)
		w->bb.n = 0;
	if (!r && since_gc) {
		int64_t anchor = 0;
		r = store_meta_get_int(w->db, "anchor_id", &anchor);
		if (!r && since_gc >= (w->head_id - anchor) / 4)
			r = dict_gc(w);
	}
	if (!r && total) {
		/* give the freed pages back so the file, not only the used size, shrinks */
		wexec(w, "PRAGMA incremental_vacuum");
		wexec(w, "PRAGMA wal_checkpoint(PASSIVE)");
	}
	if (!r && ret_del)
		*ret_del = total;
	return r;
}

int store_writer_retain(struct store_writer *w, int64_t now, unsigned chunk, int64_t *ret_deleted)
{
	pthread_mutex_lock(&w->lock);
	int r = retain_locked(w, now, chunk, ret_deleted);
	pthread_mutex_unlock(&w->lock);
	return r;
}

static int flush_locked(struct store_writer *w)
{
	int r = txn_commit(w);
	if (r)
		return r;
	/* a retention check is two cheap queries; deleting happens only over the bound */
	if (w->o.max_age_s || w->o.max_bytes) {
		w->last_retain_ms = now_ms();
		r = retain_locked(w, time(NULL), 5000, NULL);
	}
	return r;
}

int store_writer_flush(struct store_writer *w)
{
	pthread_mutex_lock(&w->lock);
	int r = flush_locked(w);
	pthread_mutex_unlock(&w->lock);
	return r;
}

static void *autoflush_main(void *arg)
{
	struct store_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)w->o.batch_ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		if (w->stopping)
			break;
		if ((w->in_txn && now_ms() - w->txn_started_ms >= (int64_t)w->o.batch_ms) ||
		    (!w->in_txn && (w->o.max_age_s || w->o.max_bytes) &&
		     now_ms() - w->last_retain_ms >= 1000))
			flush_locked(w);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
}

/*
 * Load a dictionary into the writer's cache when it is small enough, so that a cache miss
 * means "new string" and costs no lookup query.
 */
static int preload(struct store_writer *w, int d)
{
	sqlite3_stmt *q = NULL;
	int64_t n = 0;
	int r = -EIO;
	char sql[128];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*), coalesce(sum(length(CAST(s AS BLOB))), 0) FROM %s",
		 d ? "tdict" : "sdict");
	if (sqlite3_prepare_v2(w->db, sql, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto out;
	n = sqlite3_column_int64(q, 0);
	int64_t bytes = sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	q = NULL;
	/* only a dictionary that fits one cache generation (string copies + slots) is loaded */
	if (bytes + n * (24 + 2 * (int64_t)sizeof(struct strmap_ent)) > STORE_DICT_GEN_BYTES) {
		r = 0;
		goto out;
	}
	snprintf(sql, sizeof(sql), "SELECT id, h, s FROM %s", d ? "tdict" : "sdict");
	if (sqlite3_prepare_v2(w->db, sql, -1, &q, NULL) != SQLITE_OK)
		goto out;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *str = (const char *)sqlite3_column_text(q, 2);
		if (!str ||
		    !strmap_put(&w->dict[d], 0, sqlite3_column_int64(q, 0),
				store_fast_hash(str, (size_t)sqlite3_column_bytes(q, 2)), str)) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		goto out;
	w->complete[d] = 1;
	r = 0;
out:
	sqlite3_finalize(q);
	return r;
}

static void writer_free(struct store_writer *w)
{
	sqlite3_finalize(w->ins);
	for (int d = 0; d < 2; d++) {
		sqlite3_finalize(w->dict_find[d]);
		sqlite3_finalize(w->dict_ins[d]);
		strmap_clear(&w->dict[d]);
		strmap_clear(&w->old[d]);
	}
	sqlite3_finalize(w->fts_ins);
	sqlite3_finalize(w->blk_ins);
	sqlite3_finalize(w->post_ins);
	store_block_done(&w->bb);
	sqlite3_close(w->db);
	store_hasher_done(&w->hasher);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int store_writer_open(const char *path, const struct store_writer_opts *opts,
		      struct store_writer **ret, char *err, size_t errsize)
{
	struct store_writer *w = calloc(1, sizeof(*w));
	const struct store_col *c = store_cols();
	struct strbuf sql;
	int r;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	strbuf_init(&sql);
	if (store_hasher_init(&w->hasher)) {
		strbuf_done(&sql);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -ENOMEM;
	}
	if (opts)
		w->o = *opts;
	if (!w->o.batch_records)
		w->o.batch_records = 10000;
	if (!w->o.batch_ms)
		w->o.batch_ms = 50;
	r = store_db_open(path, 1, &w->db, err, errsize);
	if (r)
		goto fail;
	/*
	 * Bounded memory for the writer whatever the store size: a 24 MiB page cache (transactions
	 * larger than that spill to the WAL) and no mmap of the database file (mapped pages count
	 * as resident and would grow with the store up to mmap_size). Readers keep theirs.
	 */
	if (sqlite3_exec(w->db, "PRAGMA cache_size=-24576; PRAGMA mmap_size=0", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		r = -EIO;
		goto fail_msg;
	}
	if (sqlite3_exec(w->db,
			 w->o.sync_normal
				 ? "PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;"
				   "PRAGMA wal_autocheckpoint=8192"
				 : "PRAGMA synchronous=FULL; PRAGMA journal_size_limit=67108864;"
				   "PRAGMA wal_autocheckpoint=8192",
			 NULL, NULL, NULL) != SQLITE_OK) {
		r = -EIO;
		goto fail_msg;
	}
	w->blocks = store_is_blocks(w->db);
	if (w->blocks < 0) {
		r = -EIO;
		goto fail_msg;
	}
	strbuf_puts(&sql, "INSERT INTO records(id, ts, present");
	size_t nparams = 3;
	for (size_t i = 0; i < record_n_fields; i++) {
		if (c[i].kind == STORE_COL_NONE || c[i].kind == STORE_COL_TS)
			continue;
		strbuf_printf(&sql, ", %s", c[i].name);
		nparams++;
	}
	strbuf_puts(&sql, ", extra, hash) VALUES(?");
	nparams += 2;
	for (size_t i = 1; i < nparams; i++)
		strbuf_puts(&sql, ", ?");
	strbuf_putc(&sql, ')');
	if (strbuf_error(&sql)) {
		r = -ENOMEM;
		goto fail;
	}
	r = -EIO;
	if (w->blocks
		    ? prep(w->db,
			   "INSERT OR REPLACE INTO blocks(first_id, n, ts_min, ts_max, data) "
			   "VALUES(?, ?, ?, ?, ?)",
			   &w->blk_ins) ||
			      prep(w->db,
				   "INSERT OR IGNORE INTO postings(col, val, blk) VALUES(?, ?, ?)",
				   &w->post_ins)
		    : prep(w->db, sql.buf, &w->ins))
		goto fail_msg;
	if (
		/* INDEXED BY: statistics from a store's first, tiny batch must not turn these
	     * lookups into table scans once the dictionaries grow (seen: 60k/s → 4k/s) */
		prep(w->db, "SELECT id FROM sdict INDEXED BY sdict_h WHERE h=? AND s=?",
		     &w->dict_find[0]) ||
		prep(w->db, "SELECT id FROM tdict INDEXED BY tdict_h WHERE h=? AND s=?",
		     &w->dict_find[1]) ||
		prep(w->db, "INSERT INTO sdict(h, s) VALUES(?, ?)", &w->dict_ins[0]) ||
		prep(w->db, "INSERT INTO tdict(h, s) VALUES(?, ?)", &w->dict_ins[1]) ||
		prep(w->db, "INSERT INTO tdict_fts(rowid, s) VALUES(?, ?)", &w->fts_ins))
		goto fail_msg;
	int64_t hf = 0;
	if (store_meta_get_int(w->db, "head_id", &w->durable_id) ||
	    store_meta_get_int(w->db, "hash_format", &hf))
		goto fail_msg;
	w->hash_format = (int)hf;
	w->head_id = w->durable_id;
	for (int d = 0; d < 2; d++) {
		r = preload(w, d);
		if (r)
			goto fail_msg;
	}
	r = -EIO;
	if (w->o.autoflush) {
		if (pthread_create(&w->thread, NULL, autoflush_main, w)) {
			r = -EAGAIN;
			store_seterr(err, errsize, "cannot start the store's flush thread");
			goto fail;
		}
		w->thread_running = 1;
	}
	strbuf_done(&sql);
	*ret = w;
	return 0;
fail_msg:
	store_seterr(err, errsize, "%s: %s", path, sqlite3_errmsg(w->db));
fail:
	strbuf_done(&sql);
	writer_free(w);
	return r;
}

int store_writer_close(struct store_writer *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->thread_running)
		pthread_join(w->thread, NULL);
	pthread_mutex_lock(&w->lock);
	int r = flush_locked(w);
	pthread_mutex_unlock(&w->lock);
	/*
	 * Fresh statistics let the planner pick the most selective (field, ts) index, but only
	 * once there is enough data for them to mean something: statistics of a store holding a
	 * handful of rows describe tables that will be a million times larger.
	 */
	if (w->head_id >= STORE_ANALYZE_MIN_ROWS)
		sqlite3_exec(w->db, "PRAGMA analysis_limit=1000; ANALYZE; PRAGMA optimize", NULL,
			     NULL, NULL);
	writer_free(w);
	return r;
}
