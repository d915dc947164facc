/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend.h - private to server/: what the router asks of a record database.
 *
 * Two implementations: backend_sqlite.c (the embedded store, src/store) and pg.c (a fleet
 * PostgreSQL). Every operation may be called from several request threads at once; each
 * backend keeps its own connection pool. Filters are compiled once per request by the backend
 * (through the store's query layer and its SQL dialect), then used by one or more operations.
 */
#ifndef WARD_SERVER_BACKEND_H
#define WARD_SERVER_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

struct record_field;
struct server_filter;

/*
 * backend_record_fn - one row. @json is the record's KubeArmor JSON when the backend keeps it
 * (else NULL and the caller serialises @r). Both are valid only during the call.
 * Return: 0 to go on, non-zero to stop (passed back to the caller).
 */
typedef int (*backend_record_fn)(void *ctx, const struct ward_record *r, const char *json,
				 size_t json_len);
typedef int (*backend_count_fn)(void *ctx, const char *value, int64_t count);
typedef int (*backend_bucket_fn)(void *ctx, int64_t t_sec, int64_t count);

#define BACKEND_CURSOR_MAX 64

struct backend_ops {
	const char *name; /* "sqlite", "postgresql" (the /metrics label) */
	/*
	 * Compile filter words (the `ward logs` flags without dashes, plus where=) into a filter.
	 * Unknown words and bad values: -EINVAL with a one-line message in @err.
	 */
	int (*filter_new)(struct server_backend *be, const struct server_param *p, size_t n,
			  struct server_filter **ret, char *err, size_t errlen);
	void (*filter_free)(struct server_filter *f);
	/*
	 * Up to @limit records newest first, starting after @cursor (NULL or "" = the newest).
	 * @next gets the cursor of the following page, or "" at the end.
	 * Return: rows delivered, -EINVAL (bad cursor), -EIO, or the callback's non-zero value.
	 */
	int (*records)(struct server_backend *be, const struct server_filter *f, uint32_t limit,
		       const char *cursor, backend_record_fn cb, void *ctx,
		       char next[BACKEND_CURSOR_MAX]);
	/* Counts of matching records grouped by @by, largest first, at most @max values. */
	int (*counts)(struct server_backend *be, const struct server_filter *f,
		      const struct record_field *by, uint32_t max, backend_count_fn cb, void *ctx);
	/* Counts per @interval_s bucket of Timestamp (bucket start in unix seconds), ascending. */
	int (*histogram)(struct server_backend *be, const struct server_filter *f,
			 int64_t interval_s, backend_bucket_fn cb, void *ctx);
	/*
	 * Live tail: matching records stored after position *@pos, oldest first, at most @max;
	 * *@pos advances past everything examined. *@pos < 0 means "from now": set it to the
	 * current end and deliver nothing.
	 */
	int (*tail)(struct server_backend *be, const struct server_filter *f, int64_t *pos,
		    uint32_t max, backend_record_fn cb, void *ctx);
	/*
	 * Retention: delete records older than now - @max_age_s (PostgreSQL drops whole day
	 * partitions). *@ret_deleted: records (SQLite) or partitions (PostgreSQL) removed.
	 */
	int (*retain)(struct server_backend *be, int64_t max_age_s, int64_t now,
		      int64_t *ret_deleted);
	/*
	 * Store @n records durably before returning. @batch_id (NULL = none) names the batch:
	 * a backend that remembers batch ids stores a batch it has seen before only once and
	 * returns 1 (a resend after a lost answer); otherwise 0.
	 */
	int (*ingest)(struct server_backend *be, const struct ward_record *const *recs, size_t n,
		      const char *batch_id);
	void (*close)(struct server_backend *be);
};

struct server_backend {
	const struct backend_ops *ops;
};

/* Constructors used by server_backend_open(). */
int backend_sqlite_open(const char *path, struct server_backend **ret, struct diag *diag);
int backend_pg_open(const char *url, struct server_backend **ret, struct diag *diag);

#endif
