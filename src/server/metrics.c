/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - the /metrics answer in Prometheus text format 0.0.4: records received, stored
 * and dropped per source host, ingest queue depth, live stream clients, gauges published by
 * other modules (store queue, shipper spool) and a request latency histogram per route.
 *
 * Per-host labels are bounded (METRICS_MAX_SOURCES): a flood of made-up HostNames cannot grow
 * the table; the excess is counted under source="other".
 */
#include "server/server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "server/internal.h"

static const double bucket_le[METRICS_N_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
						     0.1,   0.25,   0.5,   1,	 2.5,	10 };

static const char *const route_names[ROUTE_N] = {
	"records", "counts",  "histogram", "stream", "export",
	"ingest",  "metrics", "healthz",   "static", "other",
};

void metrics_init(struct server_metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->sources[METRICS_MAX_SOURCES].name, sizeof(m->sources[0].name), "other");
}

void metrics_done(struct server_metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

void metrics_observe(struct server_metrics *m, enum server_route route, double seconds, int error)
{
	pthread_mutex_lock(&m->lock);
	m->requests[route]++;
	if (error)
		m->errors[route]++;
	for (int i = 0; i < METRICS_N_BUCKETS; i++)
		if (seconds <= bucket_le[i])
			m->lat_buckets[route][i]++;
	m->lat_count[route]++;
	m->lat_sum[route] += seconds;
	pthread_mutex_unlock(&m->lock);
}

/* Label values keep to a safe alphabet so the exposition never needs escaping. */
static void label_copy(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < size; i++) {
		char c = src[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		dst[i] = ok ? c : '_';
	}
	dst[i] = '\0';
}

void metrics_count(struct server_metrics *m, const char *host, uint64_t received, uint64_t stored,
		   uint64_t dropped)
{
	char name[64];
	label_copy(name, sizeof(name), host && *host ? host : "unknown");
	pthread_mutex_lock(&m->lock);
	struct metrics_source *src = NULL;
	for (size_t i = 0; i < m->n_sources; i++)
		if (!strcmp(m->sources[i].name, name)) {
			src = &m->sources[i];
			break;
		}
	if (!src && m->n_sources < METRICS_MAX_SOURCES) {
		src = &m->sources[m->n_sources++];
		memcpy(src->name, name, sizeof(name));
	}
	if (!src)
		src = &m->sources[METRICS_MAX_SOURCES];
	src->received += received;
	src->stored += stored;
	src->dropped += dropped;
	pthread_mutex_unlock(&m->lock);
}

int server_add_gauge(struct server *s, const char *name, const char *help,
		     server_metrics_gauge_fn fn, void *ctx)
{
	struct server_metrics *m = &s->m;
	int r = 0;
	pthread_mutex_lock(&m->lock);
	if (m->n_gauges == METRICS_MAX_GAUGES) {
		r = -ENOSPC;
		goto out;
	}
	struct metrics_gauge *g = &m->gauges[m->n_gauges++];
	label_copy(g->name, sizeof(g->name), name);
	snprintf(g->help, sizeof(g->help), "%s", help);
	g->fn = fn;
	g->ctx = ctx;
out:
	pthread_mutex_unlock(&m->lock);
	return r;
}

static void put_source_family(struct strbuf *sb, const struct server_metrics *m, const char *what,
			      size_t off)
{
	strbuf_printf(
		sb, "# HELP ward_records_%s_total Records %s by the ingest API, per source host.\n",
		what, what);
	strbuf_printf(sb, "# TYPE ward_records_%s_total counter\n", what);
	for (size_t i = 0; i <= METRICS_MAX_SOURCES; i++) {
		if (i >= m->n_sources && i != METRICS_MAX_SOURCES)
			continue;
		const struct metrics_source *src = &m->sources[i];
		uint64_t v = *(const uint64_t *)(const void *)((const char *)src + off);
		if (i == METRICS_MAX_SOURCES && !src->received)
			continue;
		strbuf_printf(sb, "ward_records_%s_total{source=\"%s\"} %llu\n", what, src->name,
			      (unsigned long long)v);
	}
}

int metrics_render(struct server *s, struct strbuf *sb)
{
	struct server_metrics *m = &s->m;
	pthread_mutex_lock(&m->lock);
	put_source_family(sb, m, "received", offsetof(struct metrics_source, received));
	put_source_family(sb, m, "stored", offsetof(struct metrics_source, stored));
	put_source_family(sb, m, "dropped", offsetof(struct metrics_source, dropped));

	strbuf_puts(sb, "# HELP ward_ingest_queue_depth Records received and not yet durable.\n"
			"# TYPE ward_ingest_queue_depth gauge\n");
	strbuf_printf(sb, "ward_ingest_queue_depth %d\n", atomic_load(&m->ingest_in_flight));
	strbuf_puts(sb, "# HELP ward_stream_clients Open live (SSE) streams.\n"
			"# TYPE ward_stream_clients gauge\n");
	strbuf_printf(sb, "ward_stream_clients %d\n", atomic_load(&m->stream_clients));
	strbuf_puts(
		sb,
		"# HELP ward_http_unauthorized_total Requests refused for a missing or wrong token.\n"
		"# TYPE ward_http_unauthorized_total counter\n");
	strbuf_printf(sb, "ward_http_unauthorized_total %llu\n",
		      (unsigned long long)atomic_load(&m->unauthorized));
	for (size_t i = 0; i < m->n_gauges; i++) {
		const struct metrics_gauge *g = &m->gauges[i];
		strbuf_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", g->name, g->help,
			      g->name, g->name, (long long)g->fn(g->ctx));
	}

	strbuf_puts(sb, "# HELP ward_http_requests_total Requests per route.\n"
			"# TYPE ward_http_requests_total counter\n");
	for (int r = 0; r < ROUTE_N; r++)
		strbuf_printf(sb, "ward_http_requests_total{route=\"%s\"} %llu\n", route_names[r],
			      (unsigned long long)m->requests[r]);
	strbuf_puts(sb, "# HELP ward_http_errors_total Answers with status >= 400 per route.\n"
			"# TYPE ward_http_errors_total counter\n");
	for (int r = 0; r < ROUTE_N; r++)
		strbuf_printf(sb, "ward_http_errors_total{route=\"%s\"} %llu\n", route_names[r],
			      (unsigned long long)m->errors[r]);
	strbuf_puts(
		sb,
		"# HELP ward_http_request_duration_seconds Time to answer (streams: to the first byte).\n"
		"# TYPE ward_http_request_duration_seconds histogram\n");
	for (int r = 0; r < ROUTE_N; r++) {
		for (int i = 0; i < METRICS_N_BUCKETS; i++)
			strbuf_printf(
				sb,
				"ward_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				route_names[r], bucket_le[i],
				(unsigned long long)m->lat_buckets[r][i]);
		strbuf_printf(
			sb,
			"ward_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			route_names[r], (unsigned long long)m->lat_count[r]);
		strbuf_printf(sb, "ward_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			      route_names[r], m->lat_sum[r]);
		strbuf_printf(sb, "ward_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			      route_names[r], (unsigned long long)m->lat_count[r]);
	}
	pthread_mutex_unlock(&m->lock);
	return strbuf_error(sb);
}
