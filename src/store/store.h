/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - the embedded record store (SQLite, WAL) and the filter → SQL query layer that
 * `ward logs`, `ward import`, `ward policy test` and the HTTP API (`ward serve`) share.
 *
 * Data path position: sinks (agent, HTTP ingest, import) append struct ward_record through a
 * struct store_writer; readers (CLI, HTTP routes, SSE follow) compile a struct store_filter
 * and iterate records newest first with a stable (ts, id) cursor.
 *
 * Storage: `records` has a column per field of record_fields[]; repeated strings live once in
 * dictionary tables (sdict: names/ids/labels/paths, tdict: Message, Resource, Source with an
 * FTS5 index). New stores (schema 3) keep records in blocks of up to 4096 with per-block
 * postings, and `records` is a virtual table over them (block.c); older stores keep one row
 * per record. Each record carries hash = SHA-256(prev hash ‖ canonical form) so `ward logs
 * verify` finds edits, insertions and deletions; retention deletes a prefix of the chain and
 * moves the anchor (meta table) so it is not a false alarm.
 *
 * Thread-safety: a struct store (reader handle) owns one SQLite connection and must be used by
 * one thread at a time; open one per thread (WAL lets any number of readers run while the
 * writer commits). A struct store_writer is internally locked: any thread may append or flush.
 * Only one writer should be open per database (a second one waits on SQLite's write lock; the
 * chain stays linear because each transaction re-reads the chain head).
 *
 * Errors: functions return 0 or -errno (-EINVAL bad argument/filter, -ENOENT no such store,
 * -EIO SQLite failure, -EPROTO schema newer than this binary, -ENOMEM); where an `err` buffer is
 * taken, a one-line human message is written into it on failure.
 */
#ifndef WARD_STORE_STORE_H
#define WARD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"
#include "record/record.h"

struct strbuf;

#define STORE_DEFAULT_PATH   "/var/lib/ward/ward.db"
#define STORE_SCHEMA_VERSION 3
#define STORE_ERR_MAX	     256
#define STORE_CURSOR_MAX     48

/*
 * The column map ties record_fields[] to the `records` table: each field is a column named
 * after it in lower case, stored as a dictionary id (sdict, or tdict for the FTS-indexed text
 * fields), inline text (fields that rarely repeat), an integer, or the shared `ts`. It is
 * exported for other backends with the same schema (src/server/pg.c), so the SQL that
 * store_filter_sql() writes names the same columns and looks strings up the same way there.
 */
enum store_col_kind {
	STORE_COL_NONE = 0, /* not a column of its own (UpdatedTime shares ts) */
	STORE_COL_TS,
	STORE_COL_INT,
	STORE_COL_SDICT, /* id into sdict */
	STORE_COL_TDICT, /* id into tdict (FTS-indexed text: Message, Resource, Source) */
	STORE_COL_TEXT,	 /* inline text */
};

struct store_col {
	char name[32]; /* lower-case field name = column name */
	enum store_col_kind kind;
	const struct record_field *field;
};

/*
 * store_cols() - the column map: record_n_fields entries, entry i for record_fields[i].
 * Constant after the first call; safe from any thread.
 */
const struct store_col *store_cols(void);

/*
 * store_str_hash() - the dictionaries' `h` column for string @s of @n bytes: 64-bit FNV-1a
 * shifted right once (non-negative, so SQLite and PostgreSQL bigint hold it alike). Filters
 * look dictionary strings up by (h, s), so every writer of a dictionary must use this.
 */
int64_t store_str_hash(const char *s, size_t n);
#define STORE_MAX_GROUP_BY 4

/* ---- filters (shared by CLI flags, HTTP query parameters and the web page) ---------------- */

/* SQL dialect the filter compiles to: SQLite (`?` placeholders) or PostgreSQL (`$N`). */
enum store_dialect {
	STORE_DIALECT_SQLITE = 0,
	STORE_DIALECT_POSTGRES,
};

struct store_filter;

/* store_filter_new() - an empty filter (matches everything). Return: 0 or -ENOMEM. */
int store_filter_new(struct store_filter **ret);
void store_filter_free(struct store_filter *f);

/*
 * store_filter_add() - add one condition named like a `ward logs` flag / API query parameter
 * (without dashes): type (alert|log|all|<Type>), operation, action, result, policy, severity
 * (at least N), hostname, cluster, namespace, pod, container, container-id, image, enforcer,
 * pid, process, parent, resource, source, message, data, tag (one element of Tags), user, cwd,
 * tty, labels, text (FTS5 words over Message/Resource/Source), since, until (a duration ago or
 * RFC 3339), where ('Field OP Value', see store_filter_where()). Conditions are ANDed.
 * @now: unix seconds, for relative --since/--until.
 * Return: 0, -EINVAL (unknown word, bad value; @err says why), -ENOMEM.
 */
int store_filter_add(struct store_filter *f, const char *word, const char *value, int64_t now,
		     char *err, size_t errsize);

/*
 * store_filter_where() - add 'Field OP Value'; Field is any record field name (either JSON
 * form, case-insensitive), OP one of = != ~ (substring) !~ < <= > >=. Values are matched
 * literally (quotes, %, _ are not special). Empty Value with = / != tests for an empty field.
 * Numbers compare numerically, Severity numerically, Timestamp/UpdatedTime as times.
 * Return: 0, -EINVAL with @err = "unknown field 'X' (did you mean 'Y'?)" or another reason.
 */
int store_filter_where(struct store_filter *f, const char *expr, int64_t now, char *err,
		       size_t errsize);

/* store_filter_is_word() - true if @word is a store_filter_add() word (for the HTTP router). */
int store_filter_is_word(const char *word);

/* A parameter bound to a compiled filter: text or integer. */
struct store_param {
	int is_text;
	int64_t i;
	const char *s; /* borrowed from the filter */
};

/*
 * store_filter_sql() - append the filter as a boolean SQL expression over the `records` table
 * (alias r) to @out (exactly "1=1" for an empty filter) and its parameters, in placeholder
 * order, to @params (caller array of @max). @first_param is the first $N number for
 * PostgreSQL (1 normally). *ret_n gets the parameter count.
 * Return: 0, -E2BIG (more than @max parameters), -ENOMEM.
 */
int store_filter_sql(const struct store_filter *f, enum store_dialect dialect, int first_param,
		     struct strbuf *out, struct store_param *params, size_t max, size_t *ret_n);

/* ---- opening ------------------------------------------------------------------------------- */

struct store;

#define STORE_OPEN_READONLY 0
#define STORE_OPEN_CREATE   1 /* create the file and schema if missing (writers) */

/*
 * store_open() - open (and with STORE_OPEN_CREATE create/migrate) the store at @path.
 * Return: 0, -ENOENT (no store and not creating), -EPROTO (schema newer than this binary),
 * -EIO (not a ward store / SQLite error; @err says which).
 */
int store_open(const char *path, int flags, struct store **ret, char *err, size_t errsize);
void store_close(struct store *s);

/* store_stats - for `ward logs --stats`, /metrics and the benchmarks. */
struct store_stats {
	int64_t records;	   /* rows now in the store */
	int64_t first_id, last_id; /* 0 when empty */
	int64_t bytes_used;	   /* (page_count - freelist) * page_size */
	int64_t bytes_file;	   /* main file size (WAL excluded) */
	int schema_version;
};
int store_get_stats(struct store *s, struct store_stats *ret);

/* ---- queries ------------------------------------------------------------------------------- */

/*
 * One record read back from the store; rec's strings live until the next store_next() or
 * store_query_end() on the same query. id is the store's row id (increasing in insertion
 * order); cursor is the opaque paging token positioned after this record.
 */
struct store_row {
	int64_t id;
	struct ward_record rec;
	char cursor[STORE_CURSOR_MAX];
};

struct store_query;

enum store_order {
	STORE_NEWEST_FIRST = 0, /* by (ts, id) descending: `ward logs`, /api/v1/records */
	STORE_ID_ASCENDING,	/* by id ascending: follow / SSE / export in insertion order */
};

/*
 * store_query_begin() - start iterating records matching @f (NULL = all).
 * @cursor: NULL/"" for the first page, or a store_row.cursor of a previous page (newest
 * first: continues strictly after it; stable while records are added). @after_id: with
 * STORE_ID_ASCENDING, only ids > @after_id (live follow: pass the last id seen).
 * @limit: 0 = no limit.
 * Return: 0, -EINVAL (bad cursor), -EIO.
 */
int store_query_begin(struct store *s, const struct store_filter *f, enum store_order order,
		      const char *cursor, int64_t after_id, int64_t limit,
		      struct store_query **ret);
/* store_next() - next row into *ret (valid until the next call). Return: 1 row, 0 end, -EIO. */
int store_next(struct store_query *q, const struct store_row **ret);
void store_query_end(struct store_query *q);

/* store_last_id() - highest id now stored (0 if empty): where a live follow starts. */
int store_last_id(struct store *s, int64_t *ret);

/* One group of store_count(): values[i] is the value of fields[i] ("" when empty). */
struct store_count {
	char *values[STORE_MAX_GROUP_BY];
	int64_t count;
};

/*
 * store_count() - counts of matching records grouped by 1..STORE_MAX_GROUP_BY fields (any
 * record field name), largest first, at most @limit groups (0 = all). *ret is an array of
 * *ret_n entries freed with store_counts_free().
 * Return: 0, -EINVAL (unknown field; @err has the hint), -EIO, -ENOMEM.
 */
int store_count(struct store *s, const struct store_filter *f, const char *const *fields,
		size_t n_fields, int64_t limit, struct store_count **ret, size_t *ret_n, char *err,
		size_t errsize);
void store_counts_free(struct store_count *c, size_t n);

struct store_bucket {
	int64_t t; /* bucket start, unix seconds */
	int64_t count;
};

/*
 * store_histogram() - counts of matching records per @interval_s seconds, oldest bucket first,
 * empty buckets left out. Return: 0, -EINVAL, -EIO, -ENOMEM; *ret freed with free().
 */
int store_histogram(struct store *s, const struct store_filter *f, int64_t interval_s,
		    struct store_bucket **ret, size_t *ret_n);

/* ---- writing ------------------------------------------------------------------------------- */

struct store_writer;

struct store_writer_opts {
	unsigned batch_records; /* commit after this many appends (0 = 10000) */
	unsigned batch_ms;	/* autoflush thread commits pending records this often (0 = 50) */
	int autoflush;		/* 1: start a thread that commits every batch_ms */
	int64_t max_age_s;	/* retention: delete records older than this (0 = keep) */
	int64_t max_bytes;	/* retention: keep used size under this (0 = unbounded) */
	int sync_normal;	/* 1: synchronous=NORMAL (faster; survives a process crash, not
				 * a power loss). Default FULL: committed means on disk. */
};

/*
 * store_writer_open() - open @path for writing (creating it) with @opts (NULL = defaults).
 * Return: 0, -EIO/-EPROTO (@err says why), -ENOMEM.
 */
int store_writer_open(const char *path, const struct store_writer_opts *opts,
		      struct store_writer **ret, char *err, size_t errsize);

/*
 * store_writer_append() - add records to the open batch (copied; the caller keeps ownership).
 * Commits by itself when the batch is full. Not durable until store_writer_flush() returns or
 * store_writer_durable_id() covers the ids. *ret_last_id (may be NULL) gets the id given to
 * the last record.
 * Return: 0, -EIO (SQLite failure: the open batch is rolled back and lost), -ENOMEM.
 */
int store_writer_append(struct store_writer *w, const struct ward_record *recs, size_t n,
			int64_t *ret_last_id);

/*
 * store_writer_flush() - commit the open batch and return after it is durable (fsync'd WAL
 * with the default synchronous=FULL). Also runs a retention step when it is due.
 * Return: 0, -EIO.
 */
int store_writer_flush(struct store_writer *w);

/* store_writer_durable_id() - every id <= this is committed (durable). */
int64_t store_writer_durable_id(struct store_writer *w);

/*
 * store_writer_retain() - delete the oldest records (a prefix in id order, in chunks of @chunk,
 * one transaction each) while the oldest is older than max_age or the store uses more than
 * max_bytes, moving the chain anchor. Called by flush when due; callable directly.
 * *ret_deleted (may be NULL) gets the number of records deleted.
 */
int store_writer_retain(struct store_writer *w, int64_t now, unsigned chunk, int64_t *ret_deleted);

/* store_writer_close() - flush, stop the autoflush thread, close. Return: the flush result. */
int store_writer_close(struct store_writer *w);

/* ---- tamper evidence ----------------------------------------------------------------------- */

enum store_verify_problem {
	STORE_VERIFY_OK = 0,
	STORE_VERIFY_EDITED,	/* record's content does not hash to its stored hash */
	STORE_VERIFY_DELETED,	/* record(s) before bad_id are missing (gap or chain mismatch) */
	STORE_VERIFY_INSERTED,	/* bad_id was not written by the chain (hash of foreign origin) */
	STORE_VERIFY_TRUNCATED, /* newest records after bad_id missing (head does not match) */
};

struct store_verify_result {
	enum store_verify_problem problem;
	int64_t bad_id;	   /* the first record that is wrong (or after which ones are missing) */
	int64_t checked;   /* records walked */
	int64_t anchor_id; /* id before the first retained record (0 = nothing deleted) */
	char detail[STORE_ERR_MAX];
};

/*
 * store_verify() - walk the chain from the retention anchor to the head.
 * Return: 0 (see ret->problem: OK or the first problem), -EIO.
 */
int store_verify(struct store *s, struct store_verify_result *ret);

/* store_cursor_parse() - split a cursor into (ts, id). Return: 0 or -EINVAL. */
int store_cursor_parse(const char *cursor, int64_t *ret_ts, int64_t *ret_id);

#endif
