/* SPDX-License-Identifier: Apache-2.0 */
/* store_edit.c - see store_edit.h. Uses the store's own block codec (store/internal.h). */
#include "support/store_edit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

static int pid_slot(void)
{
	const struct store_col *c = store_cols();
	int k = 1;
	for (size_t i = 0; i < record_n_fields; i++) {
		if (c[i].kind == STORE_COL_NONE || c[i].kind == STORE_COL_TS)
			continue;
		if (!strcmp(c[i].name, "pid"))
			return k;
		k++;
	}
	return -1;
}

/* add row @r of @d to @b, with @pid_add added to its PID and under id @id */
static int add_row(struct store_block_builder *b, const struct store_dblock *d, int r, int64_t id,
		   int64_t pid_add)
{
	size_t nv = store_block_nvals();
	int64_t vals[64];
	const char *texts[64];
	char *owned[64];
	int ret;
	memcpy(vals, d->vals + (size_t)r * nv, nv * sizeof(int64_t));
	for (size_t k = 0; k < nv; k++) {
		owned[k] = NULL;
		texts[k] = NULL;
		if (store_block_slot_kind(k) == STORE_COL_TEXT && vals[k]) {
			uint64_t u = (uint64_t)vals[k];
			owned[k] = strndup((const char *)d->blob + (u >> 32) - 1, u & 0xffffffffu);
			texts[k] = owned[k];
		}
	}
	vals[pid_slot()] += pid_add;
	ret = store_block_add(b, id, d->ts[r], vals, texts, d->hashes + (size_t)r * 32);
	for (size_t k = 0; k < nv; k++)
		free(owned[k]);
	return ret;
}

static int write_block(sqlite3 *db, struct store_block_builder *b, int64_t old_first, int insert)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (!b->n) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM blocks WHERE first_id = %lld",
			 (long long)old_first);
		return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
	}
	strbuf_append(&b->data, b->hashes.buf, b->hashes.len);
	if (sqlite3_prepare_v2(
		    db,
		    insert ? "INSERT INTO blocks(first_id, n, ts_min, ts_max, data) "
			     "VALUES(?1, ?2, ?3, ?4, ?5)"
			   : "UPDATE blocks SET n = ?2, ts_min = ?3, ts_max = ?4, data = "
			     "?5 WHERE first_id = ?1",
		    -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, insert ? b->first_id : old_first);
	sqlite3_bind_int64(st, 2, b->n);
	sqlite3_bind_int64(st, 3, b->ts_min);
	sqlite3_bind_int64(st, 4, b->ts_max);
	sqlite3_bind_blob(st, 5, b->data.buf, (int)b->data.len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
	sqlite3_finalize(st);
	return r;
}

int store_edit(const char *path, enum store_edit_op op, int64_t id, int64_t arg)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	struct store_block_builder b = { 0 };
	int r = -EIO;
	/* the block that holds the record named (for COPY: the source) */
	int64_t want = op == STORE_EDIT_COPY ? arg : id;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (op == STORE_EDIT_TRUNCATE) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM blocks WHERE first_id > %lld",
			 (long long)id);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto out;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT first_id, n, data FROM blocks WHERE first_id <= ? ORDER BY "
			       "first_id DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(q, 1, want);
	if (sqlite3_step(q) != SQLITE_ROW) {
		r = -ENOENT;
		goto out;
	}
	int64_t first = sqlite3_column_int64(q, 0);
	struct store_dblock d = { 0 };
	if (store_block_decode(sqlite3_column_blob(q, 2), (size_t)sqlite3_column_bytes(q, 2), first,
			       sqlite3_column_int(q, 1), &d))
		goto out;
	sqlite3_finalize(q);
	q = NULL;
	store_block_begin(&b, op == STORE_EDIT_COPY ? id : first);
	r = -ENOENT;
	for (int i = 0; i < d.n; i++) {
		int64_t rid = d.id[i];
		int hit = rid == want;
		if (hit)
			r = 0;
		if (op == STORE_EDIT_COPY) {
			if (hit && add_row(&b, &d, i, id, 0))
				r = -ENOMEM;
			continue;
		}
		if ((op == STORE_EDIT_DELETE && hit) || (op == STORE_EDIT_TRUNCATE && rid > id))
			continue;
		if (add_row(&b, &d, i, rid, op == STORE_EDIT_PID && hit ? arg : 0)) {
			r = -ENOMEM;
			break;
		}
	}
	store_dblock_free(&d);
	if (!r)
		r = write_block(db, &b, first, op == STORE_EDIT_COPY);
	if (!r && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = -EIO;
out:
	sqlite3_finalize(q);
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	store_block_done(&b);
	return r;
}

int store_edit_count(const char *path, int64_t *ret_n, int64_t *ret_min, int64_t *ret_max)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int r = -EIO;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT coalesce(sum(n), 0), coalesce(min(first_id), 0), "
			       "coalesce(max(first_id + n - 1), 0) FROM blocks",
			       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW) {
		*ret_n = sqlite3_column_int64(q, 0);
		*ret_min = sqlite3_column_int64(q, 1);
		*ret_max = sqlite3_column_int64(q, 2);
		r = 0;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return r;
}

int store_edit_replicate(const char *path, int copies)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL, *ins = NULL, *post = NULL;
	struct store_block_builder b = { 0 };
	int64_t n = 0, lo = 0, hi = 0, tlo = 0, thi = 0;
	int r = -EIO, rc;

	if (store_edit_count(path, &n, &lo, &hi) || !n)
		return -EIO;
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; BEGIN", NULL,
			 NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT min(ts_min), max(ts_max) FROM blocks", -1, &q, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto out;
	tlo = sqlite3_column_int64(q, 0);
	thi = sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	q = NULL;
	int64_t span = thi - tlo + 1000000000LL, ids = hi;
	if (sqlite3_prepare_v2(db, "SELECT first_id, n, data FROM blocks WHERE first_id <= ?", -1,
			       &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO blocks(first_id, n, ts_min, ts_max, data) VALUES(?, ?, "
			       "?, ?, ?)",
			       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO postings(col, val, blk) SELECT col, val, ?2 FROM "
			       "postings WHERE blk = ?1",
			       -1, &post, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(q, 1, hi);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_dblock d = { 0 };
		int64_t first = sqlite3_column_int64(q, 0);
		if (store_block_decode(sqlite3_column_blob(q, 2),
				       (size_t)sqlite3_column_bytes(q, 2), first,
				       sqlite3_column_int(q, 1), &d))
			goto out;
		for (int k = 1; k <= copies; k++) {
			if (store_block_rebuild(&d, 0, k * ids, k * span, &b)) {
				store_dblock_free(&d);
				goto out;
			}
			strbuf_append(&b.data, b.hashes.buf, b.hashes.len);
			sqlite3_bind_int64(ins, 1, b.first_id);
			sqlite3_bind_int64(ins, 2, b.n);
			sqlite3_bind_int64(ins, 3, b.ts_min);
			sqlite3_bind_int64(ins, 4, b.ts_max);
			sqlite3_bind_blob(ins, 5, b.data.buf, (int)b.data.len, SQLITE_STATIC);
			rc = sqlite3_step(ins);
			sqlite3_reset(ins);
			sqlite3_bind_int64(post, 1, first);
			sqlite3_bind_int64(post, 2, b.first_id);
			if (rc != SQLITE_DONE || sqlite3_step(post) != SQLITE_DONE) {
				store_dblock_free(&d);
				goto out;
			}
			sqlite3_reset(post);
		}
		store_dblock_free(&d);
	}
	if (rc == SQLITE_DONE && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		r = 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	sqlite3_finalize(post);
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	store_block_done(&b);
	return r;
}
