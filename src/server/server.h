/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - `ward serve` and `ward agent --ui`: the HTTP API, the Alerts page and the ingest
 * endpoint for remote agents (design.md §6).
 *
 * Data path position: the last reader of the store. Requests arrive through libmicrohttpd
 * (one thread per connection, so a live SSE stream or a long export never blocks other
 * requests); the router turns a request into calls on a backend (the SQLite store or a
 * PostgreSQL fleet database) and writes the answer as JSON, CSV, NDJSON or Server-Sent Events.
 * Filters are the `ward logs` words and are compiled by the store's query layer, so the CLI,
 * the API and the page agree on what every word means.
 *
 * The router (server_handle()) is a plain function over a struct server_request, so unit tests
 * and the fuzzer drive it without sockets. Memory of a request (its decoded parameters, its
 * body, its answer) is owned by that request and released when it completes.
 */
#ifndef WARD_SERVER_SERVER_H
#define WARD_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/compiler.h"

struct diag;
struct server;
struct server_backend;
struct ward_record;

/* Limits (each has a test at the limit). */
#define SERVER_MAX_BODY	      (16u << 20) /* POST /api/v1/ingest body, bytes -> 413 */
#define SERVER_MAX_PARAMS     64	  /* query parameters per request -> 400 */
#define SERVER_MAX_PAGE	      5000	  /* limit= on /records */
#define SERVER_DEFAULT_PAGE   100
#define SERVER_MAX_CONNS      256    /* concurrent connections (SSE streams included) */
#define SERVER_MAX_TOKEN      4096   /* bytes of the bearer token file */
#define SERVER_MAX_BUCKETS    100000 /* histogram buckets per answer -> 400 */
#define SERVER_MAX_COUNTS     1000   /* top-N values per /counts answer */
#define SERVER_STREAM_POLL_MS 250    /* live stream: how often the backend is asked */

/*
 * A backend answers the router's questions. The SQLite one wraps src/store; the PostgreSQL
 * one (server/pg.c) serves a fleet database. Open one with server_backend_open().
 */

/*
 * server_backend_open() - open the backend named by @url: "postgres://..." or
 * "postgresql://..." opens PostgreSQL (creating the schema), anything else is a SQLite store
 * path (created if missing).
 * Return: 0, -EINVAL (bad URL; @diag says why), -EIO (cannot open/connect; @diag says why),
 * -ENOMEM.
 */
int server_backend_open(const char *url, struct server_backend **ret, struct diag *diag);
/* server_backend_close() - release a backend (NULL is fine). */
void server_backend_close(struct server_backend *be);

/*
 * server_backend_ingest() - store @n records durably (committed, and on SQLite synced) before
 * returning. Used by POST /api/v1/ingest and by tests/benchmarks that fill a store.
 * Return: 0 or a negative errno.
 */
int server_backend_ingest(struct server_backend *be, const struct ward_record *const *recs,
			  size_t n);

/*
 * server_backend_retain() - apply retention now: remove records older than now - @max_age_s.
 * SQLite deletes the oldest records in chunks (moving the hash-chain anchor); PostgreSQL drops
 * every day partition that ends before the cut-off. *@ret_deleted (may be NULL) gets records
 * (SQLite) or partitions (PostgreSQL) removed.
 * Return: 0 or a negative errno.
 */
int server_backend_retain(struct server_backend *be, int64_t max_age_s, int64_t now,
			  int64_t *ret_deleted);

struct server_config {
	const char *listen;	  /* "ADDR:PORT", ":PORT" or "PORT"; default 127.0.0.1:8600 */
	const char *token;	  /* required bearer token (borrowed, copied by server_new) */
	const char *tls_cert_pem; /* PEM text, both or neither (borrowed, copied) */
	const char *tls_key_pem;
	const char *web_dir;	   /* the Alerts page files; NULL = server_default_web_dir() */
	struct server_backend *be; /* borrowed; must outlive the server */
};

/*
 * server_new() - build a server over @cfg->be without listening yet (server_handle() works).
 * Return: 0, -EINVAL (no token, one of cert/key without the other), -ENOMEM.
 */
int server_new(const struct server_config *cfg, struct server **ret);
/*
 * server_start() - bind and serve from libmicrohttpd's threads.
 * Return: 0, -EADDRINUSE / -EINVAL (bad address or TLS material; @diag says why), -EIO.
 */
int server_start(struct server *s, struct diag *diag);
/* server_stop() - close the socket, end live streams, wait for requests in flight. */
void server_stop(struct server *s);
/* server_free() - stop if needed and release everything (NULL is fine). */
void server_free(struct server *s);
/* server_port() - the bound TCP port (useful with --listen :0), or 0 before start. */
unsigned server_port(const struct server *s);

/* server_default_web_dir() - web/ next to the binary's ../ when present, else WARD_WEB_DIR_DEFAULT. */
const char *server_default_web_dir(void);

/*
 * One request as the router sees it. Everything is borrowed from the caller for the duration
 * of server_handle().
 */
struct server_param {
	const char *key, *value; /* URL-decoded */
};

struct server_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* without the query string */
	const struct server_param *params;
	size_t n_params;
	const char *authorization; /* the Authorization header or NULL */
	const char *batch_id;	   /* X-Ward-Batch header (ingest idempotency) or NULL */
	const char *body;	   /* POST body (not NUL-terminated) */
	size_t body_len;
};

/*
 * A streamed answer (export, SSE): server_stream_read() fills @buf with up to @size bytes.
 * Return: bytes written (> 0), 0 = nothing yet (call again; SSE), -1 = end of stream,
 * or -2 = error (close the connection).
 */
struct server_stream;
ssize_t server_stream_read(struct server_stream *st, char *buf, size_t size);
void server_stream_free(struct server_stream *st);

struct server_response {
	unsigned status;
	const char *content_type; /* static string */
	const char *disposition;  /* Content-Disposition (static string) or NULL */
	char *body;		  /* owned (free()), unless stream is set */
	size_t body_len;
	struct server_stream *stream; /* owned; a streamed answer */
	int no_store;		      /* add Cache-Control: no-store */
};

/*
 * server_handle() - route one request and produce its answer (auth, parameters, backend
 * calls). Never fails: errors become 4xx/5xx answers with a JSON {"error": "..."} body.
 * The caller owns @ret afterwards and releases it with server_response_done().
 */
void server_handle(struct server *s, const struct server_request *req, struct server_response *ret);
void server_response_done(struct server_response *r);

/*
 * server_metrics_gauge_fn - a gauge another module exposes on /metrics (e.g. the store's
 * queue depth or the shipper's spool size when the server runs inside `ward agent --ui`).
 */
typedef int64_t (*server_metrics_gauge_fn)(void *ctx);
/*
 * server_add_gauge() - publish @fn as the gauge @name (Prometheus metric name) with @help.
 * Return: 0, -ENOSPC (too many gauges), -ENOMEM.
 */
int server_add_gauge(struct server *s, const char *name, const char *help,
		     server_metrics_gauge_fn fn, void *ctx);

#endif
