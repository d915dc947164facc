/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h - private to server/: the server object shared by the router (routes.c), the
 * libmicrohttpd glue (http.c), the streams (stream.c) and the metrics (metrics.c).
 */
#ifndef WARD_SERVER_INTERNAL_H
#define WARD_SERVER_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "server/backend.h"
#include "server/server.h"

struct strbuf;

#define METRICS_MAX_SOURCES 256 /* distinct HostName labels; the rest count as "other" */
#define METRICS_MAX_GAUGES  16
#define METRICS_N_BUCKETS   12

enum server_route {
	ROUTE_RECORDS = 0,
	ROUTE_COUNTS,
	ROUTE_HISTOGRAM,
	ROUTE_STREAM,
	ROUTE_EXPORT,
	ROUTE_INGEST,
	ROUTE_METRICS,
	ROUTE_HEALTHZ,
	ROUTE_STATIC,
	ROUTE_OTHER,
	ROUTE_N
};

struct metrics_source {
	char name[64];
	uint64_t received, stored, dropped;
};

struct metrics_gauge {
	char name[64];
	char help[128];
	server_metrics_gauge_fn fn;
	void *ctx;
};

struct server_metrics {
	pthread_mutex_t lock; /* guards sources[], gauges[] and the histograms */
	struct metrics_source sources[METRICS_MAX_SOURCES + 1]; /* last one is "other" */
	size_t n_sources;
	struct metrics_gauge gauges[METRICS_MAX_GAUGES];
	size_t n_gauges;
	uint64_t requests[ROUTE_N];
	uint64_t errors[ROUTE_N];
	uint64_t lat_buckets[ROUTE_N][METRICS_N_BUCKETS];
	uint64_t lat_count[ROUTE_N];
	double lat_sum[ROUTE_N];
	atomic_int ingest_in_flight; /* records inside ingest requests not yet durable */
	atomic_int stream_clients;
	atomic_uint_fast64_t unauthorized;
};

struct server {
	char *token;
	unsigned char token_hash[32]; /* SHA-256 of the token: compared in constant time */
	char *tls_cert, *tls_key;
	char *listen;
	char web_dir[PATH_MAX];
	struct server_backend *be;
	void *daemon; /* struct MHD_Daemon */
	unsigned port;
	atomic_int stopping;
	struct server_metrics m;
};

/* metrics.c */
void metrics_init(struct server_metrics *m);
void metrics_done(struct server_metrics *m);
void metrics_observe(struct server_metrics *m, enum server_route route, double seconds, int error);
/* Count @n records of @host as received, and then stored or dropped. */
void metrics_count(struct server_metrics *m, const char *host, uint64_t received, uint64_t stored,
		   uint64_t dropped);
int metrics_render(struct server *s, struct strbuf *out);

/* stream.c: the streamed answers. Both take ownership of @f. */
int stream_export_new(struct server *s, struct server_filter *f, int csv,
		      struct server_stream **ret);
int stream_live_new(struct server *s, struct server_filter *f, struct server_stream **ret);

/* routes.c helpers shared with stream.c */
/* Append one CSV header line / one CSV row (RFC 4180) for @r. */
void csv_put_header(struct strbuf *out);
void csv_put_record(struct strbuf *out, const struct ward_record *r);
/* Append @r as JSON: @json verbatim when given, else serialised. */
void put_record_json(struct strbuf *out, const struct ward_record *r, const char *json,
		     size_t json_len);

#endif
