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

void store_seterr(char *err, size_t errsize, const char *fmt, ...) WARD_PRINTF(3, 4);

#endif
