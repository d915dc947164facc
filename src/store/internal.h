/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - what the store's own files share (not an interface: use store.h).
 * The column map (store_cols()) and the dictionary hash (store_str_hash()) are in store.h
 * because the PostgreSQL backend (src/server/pg.c) uses the same schema.
 */
#ifndef WARD_STORE_INTERNAL_H
#define WARD_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "record/record.h"
#include "store/store.h"

/*
 * store_fast_hash() - a word-at-a-time 64-bit hash for the in-memory caches only (several
 * times faster than the byte-wise FNV-1a, which the writer then computes only for a string
 * its cache does not know). Never stored.
 */
uint64_t store_fast_hash(const char *s, size_t n);

/* An id → string map (reader side) or string → id map (writer side), open addressing. */
struct strmap_ent {
	int64_t id;
	uint64_t h;
	char *s;
	size_t len;
};
struct strmap {
	struct strmap_ent *v;
	size_t cap, n;
	size_t bytes; /* heap held: the slot array + each string copy with malloc's overhead */
};
void strmap_clear(struct strmap *m);
/* Lookup by id; NULL if absent. */
const char *strmap_get_by_id(const struct strmap *m, int64_t id);
/* Lookup by string @s of @len bytes with hash @h (any hash, the same at every put); 0 if absent. */
int64_t strmap_get_by_str(const struct strmap *m, uint64_t h, const char *s, size_t len);
/* Insert (copies @s). Return: the stored copy or NULL on ENOMEM. @by_id picks the key. */
const char *strmap_put(struct strmap *m, int by_id, int64_t id, uint64_t h, const char *s);

/*
 * Memory bounds of the dictionary caches. The writer keeps two generations per dictionary
 * (see writer.c dict_id), each at most STORE_DICT_GEN_BYTES, so its four maps hold at most
 * 8 MiB; a reader's id → string maps are cleared when one passes STORE_READER_CACHE_BYTES.
 */
#define STORE_DICT_GEN_BYTES	 (2u << 20)
#define STORE_READER_CACHE_BYTES (4u << 20)
/* below this many records the writer does not refresh the planner statistics on close */
#define STORE_ANALYZE_MIN_ROWS 10000

struct store {
	sqlite3 *db;
	int blocks; /* block layout (meta layout = 'blocks'): `records` is the virtual table */
	struct strmap sdict, tdict; /* id → string caches */
	sqlite3_stmt *get_s, *get_t;
};

/* store_db_open() - open + configure a connection, create/migrate when @create. */
int store_db_open(const char *path, int create, sqlite3 **ret, char *err, size_t errsize);

/* store_resolve() - dictionary id → string via the reader cache. NULL on error. */
const char *store_resolve(struct store *s, enum store_col_kind kind, int64_t id);

/*
 * The chain hasher: a scratch buffer for the canonical form and one reused digest context
 * (OpenSSL 3's one-shot SHA256() fetches the algorithm and allocates a context per call, which
 * doubled the hash's cost per record). init: 0 or -ENOMEM.
 */
struct store_hasher {
	struct strbuf scratch;
	struct evp_md_st *md;
	struct evp_md_ctx_st *ctx;
};
int store_hasher_init(struct store_hasher *hs);
void store_hasher_done(struct store_hasher *hs);

/*
 * store_canonical_hash() - the chain hash of @r after @prev into @out. @format is the store's
 * `hash_format` meta value: 1 (or absent: stores created before schema version 2) =
 * SHA-256(prev ‖ record_to_json(r) ‖ "\n" ‖ ts_ns); 2 = SHA-256 of a compact binary form
 * (schema.c canonical_v2). Return: 0, -ENOMEM or -EIO (the digest failed).
 */
int store_canonical_hash(const struct ward_record *r, const unsigned char prev[32], int format,
			 struct store_hasher *hs, unsigned char out[32]);

/* Internal: the row's stored hash (32 bytes) of the last store_next() result, or NULL. */
const unsigned char *store_query_row_hash(struct store_query *q);

/* meta table helpers */
int store_meta_get_int(sqlite3 *db, const char *k, int64_t *ret);
int store_meta_get_blob(sqlite3 *db, const char *k, unsigned char out[32]);
int store_meta_set_int(sqlite3 *db, const char *k, int64_t v);
int store_meta_set_blob(sqlite3 *db, const char *k, const unsigned char v[32]);

/* ---- block layout (block.c) ---- */

/* records per block at most; blocks never span two transactions, so most commits end one */
/* the layout of a store created without WARD_STORE_LAYOUT (1 = blocks) */
#define STORE_BLOCKS_DEFAULT 1
#define STORE_BLOCK_MAX	     4096
#define STORE_N_POSTING	     5

struct store_block_builder {
	struct strbuf data, hashes;
	int64_t first_id, prev_id, prev_ts, ts_min, ts_max;
	int n;
	int64_t *post[STORE_N_POSTING]; /* distinct values of each posting column */
	size_t npost[STORE_N_POSTING], cappost[STORE_N_POSTING];
	/* membership of post[] values: open addressing, a slot is used when its gen is the
	 * block's (so starting a block clears nothing) */
	int64_t *set_v;
	uint32_t *set_gen, gen;
};

/* a decoded block: vals[row * store_block_nvals() + slot] */
struct store_dblock {
	unsigned char *blob;
	const unsigned char *hashes;
	int64_t *id, *ts, *vals;
	int *order; /* row order when ordered (newest first), else id order */
	int n, pos, ordered;
	/* buffers are kept for the next decode into the same struct (a decoded block is ~1.5 MB:
	 * fresh allocations of that size are mmap'd, and their page faults cost more than the
	 * decoding) */
	size_t blob_cap;
	int rows_cap;
};

/* value slots per record: present, each column of store_cols() (not NONE/TS), extra */
size_t store_block_nvals(void);
enum store_col_kind store_block_slot_kind(size_t slot);
/* value slot of each posting column (hostname, policyname, podname, containerid, processname) */
const int *store_posting_cols(void);
void store_block_begin(struct store_block_builder *b, int64_t first_id);
/* @vals/@texts by value slot (texts only for STORE_COL_TEXT slots; NULL = NULL) */
int store_block_add(struct store_block_builder *b, int64_t id, int64_t ts, const int64_t *vals,
		    const char *const *texts, const unsigned char hash[32]);
/* sorted distinct values of posting column @p in the block being built */
size_t store_block_posting_values(struct store_block_builder *b, int p, const int64_t **ret);
void store_block_done(struct store_block_builder *b);
int store_block_decode(const unsigned char *blob, size_t len, int64_t first_id, int n,
		       struct store_dblock *d);
/*
 * store_block_rebuild() - start @b over with rows @from.. of @d, their ids and ts moved by
 * @id_add and @ts_add (0 for retention's split; the benchmark's store copies move them)
 */
int store_block_rebuild(const struct store_dblock *d, int from, int64_t id_add, int64_t ts_add,
			struct store_block_builder *b);
void store_dblock_free(struct store_dblock *d);
/* register the `ward_blocks` module on @db (every connection the store opens) */
int store_blocks_register(sqlite3 *db);
/* 1 if the store on @db uses the block layout, 0 if rows, -EIO */
int store_is_blocks(sqlite3 *db);
/*
 * store_filter_sql_plain() - store_filter_sql() without the unary + that keeps all but the
 * most selective indexed equality off its index: the block layout's virtual table intersects
 * the postings of every such equality instead.
 */
int store_filter_sql_plain(const struct store_filter *f, int first_param, struct strbuf *out,
			   struct store_param *params, size_t max, size_t *ret_n);

void store_seterr(char *err, size_t errsize, const char *fmt, ...) WARD_PRINTF(3, 4);

#endif
