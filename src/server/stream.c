/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.c - answers too long to build in memory: the export download (CSV or NDJSON, pages of
 * EXPORT_PAGE records fetched with the same cursor as /records) and the live Server-Sent
 * Events stream (the backend's tail polled every SERVER_STREAM_POLL_MS).
 *
 * Memory per stream is one page of output at most, whatever the size of the filtered set.
 * http.c calls server_stream_read() from the connection's own thread, so a live stream may
 * sleep there between polls without holding up other requests.
 */
#include "server/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "record/record.h"
#include "server/internal.h"

#define EXPORT_PAGE	  1000
#define LIVE_BATCH	  500
#define LIVE_KEEPALIVE_NS (15LL * 1000000000LL)

enum stream_kind {
	STREAM_EXPORT_CSV,
	STREAM_EXPORT_NDJSON,
	STREAM_LIVE,
};

struct server_stream {
	enum stream_kind kind;
	struct server *s;
	struct server_filter *f; /* owned */
	struct strbuf pending;	 /* produced, not yet handed out */
	size_t off;		 /* into pending */
	char cursor[BACKEND_CURSOR_MAX];
	int started, done, failed;
	int64_t pos;	       /* live: backend tail position */
	int64_t last_write_ns; /* live: for keepalives */
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a
 * leading apostrophe (OWASP "CSV injection"): records carry attacker-chosen strings (paths,
 * command lines). Only string fields are touched; numbers stay numbers.
 */
static void csv_put_cell(struct strbuf *out, const char *v)
{
	if (!v || !*v)
		return;
	int guard = strchr("=+-@\t\r", v[0]) != NULL;
	int quote = guard || strpbrk(v, ",\"\r\n") != NULL;
	if (!quote) {
		strbuf_puts(out, v);
		return;
	}
	strbuf_putc(out, '"');
	if (guard)
		strbuf_putc(out, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			strbuf_putc(out, '"');
		strbuf_putc(out, *p);
	}
	strbuf_putc(out, '"');
}

void csv_put_header(struct strbuf *out)
{
	for (size_t i = 0; i < record_n_fields; i++) {
		if (i)
			strbuf_putc(out, ',');
		strbuf_puts(out, record_fields[i].name);
	}
	strbuf_puts(out, "\r\n");
}

/* The cells hold what the JSON form holds: omitted fields are empty cells. */
void csv_put_record(struct strbuf *out, const struct ward_record *r)
{
	for (size_t i = 0; i < record_n_fields; i++) {
		const struct record_field *f = &record_fields[i];
		if (i)
			strbuf_putc(out, ',');
		switch (f->kind) {
		case RECORD_FIELD_STRING:
			csv_put_cell(out, record_get_string(r, f));
			break;
		case RECORD_FIELD_INT32:
		case RECORD_FIELD_UINT32: {
			int64_t v = record_get_int(r, f);
			if (v || f->always)
				strbuf_put_i64(out, v);
			break;
		}
		case RECORD_FIELD_TIME:
			if (!strcmp(f->name, "Timestamp")) {
				strbuf_put_i64(out, r->ts_ns / 1000000000LL);
			} else {
				char t[40];
				record_format_time(r->ts_ns, t, sizeof(t));
				strbuf_puts(out, t);
			}
			break;
		}
	}
	strbuf_puts(out, "\r\n");
}

static int export_cb(void *ctx, const struct ward_record *r, const char *json, size_t json_len)
{
	struct server_stream *st = ctx;
	if (st->kind == STREAM_EXPORT_CSV) {
		csv_put_record(&st->pending, r);
	} else {
		put_record_json(&st->pending, r, json, json_len);
		strbuf_putc(&st->pending, '\n');
	}
	return strbuf_error(&st->pending);
}

static int live_cb(void *ctx, const struct ward_record *r, const char *json, size_t json_len)
{
	struct server_stream *st = ctx;
	strbuf_puts(&st->pending, "data: ");
	put_record_json(&st->pending, r, json, json_len);
	strbuf_puts(&st->pending, "\n\n");
	return strbuf_error(&st->pending);
}

static int stream_new(struct server *s, struct server_filter *f, enum stream_kind kind,
		      struct server_stream **ret)
{
	struct server_stream *st = calloc(1, sizeof(*st));
	if (!st) {
		s->be->ops->filter_free(f);
		return -ENOMEM;
	}
	st->kind = kind;
	st->s = s;
	st->f = f;
	st->pos = -1;
	strbuf_init(&st->pending);
	*ret = st;
	return 0;
}

int stream_export_new(struct server *s, struct server_filter *f, int csv,
		      struct server_stream **ret)
{
	return stream_new(s, f, csv ? STREAM_EXPORT_CSV : STREAM_EXPORT_NDJSON, ret);
}

int stream_live_new(struct server *s, struct server_filter *f, struct server_stream **ret)
{
	int r = stream_new(s, f, STREAM_LIVE, ret);
	if (r == 0)
		atomic_fetch_add(&s->m.stream_clients, 1);
	return r;
}

/* Produce the next chunk into pending. Return 0, or -1 at the end, -2 on error. */
static int refill(struct server_stream *st)
{
	struct server_backend *be = st->s->be;
	strbuf_reset(&st->pending);
	st->off = 0;
	if (st->kind != STREAM_LIVE) {
		if (st->done)
			return -1;
		if (!st->started && st->kind == STREAM_EXPORT_CSV)
			csv_put_header(&st->pending);
		char next[BACKEND_CURSOR_MAX] = "";
		int r = be->ops->records(be, st->f, EXPORT_PAGE, st->started ? st->cursor : NULL,
					 export_cb, st, next);
		st->started = 1;
		if (r < 0)
			return -2;
		memcpy(st->cursor, next, sizeof(next));
		if (!next[0])
			st->done = 1;
		return strbuf_error(&st->pending) ? -2 : 0;
	}

	if (!st->started) {
		/* a comment line first: the browser's EventSource opens at once */
		st->started = 1;
		int r = be->ops->tail(be, st->f, &st->pos, LIVE_BATCH, live_cb, st);
		if (r < 0)
			return -2;
		strbuf_puts(&st->pending, ": ward live stream\n\n");
		st->last_write_ns = mono_ns();
		return 0;
	}
	int r = be->ops->tail(be, st->f, &st->pos, LIVE_BATCH, live_cb, st);
	if (r < 0)
		return -2;
	int64_t now = mono_ns();
	if (st->pending.len)
		st->last_write_ns = now;
	else if (now - st->last_write_ns >= LIVE_KEEPALIVE_NS) {
		/* a failed write is how a closed browser tab is noticed */
		strbuf_puts(&st->pending, ": keepalive\n\n");
		st->last_write_ns = now;
	}
	return strbuf_error(&st->pending) ? -2 : 0;
}

ssize_t server_stream_read(struct server_stream *st, char *buf, size_t size)
{
	if (st->failed)
		return -2;
	if (st->off >= st->pending.len) {
		if (st->kind == STREAM_LIVE && st->started) {
			struct timespec ts = { 0, SERVER_STREAM_POLL_MS * 1000000L };
			nanosleep(&ts, NULL);
			if (atomic_load(&st->s->stopping))
				return -1;
		}
		int r = refill(st);
		if (r < 0) {
			if (r == -2)
				st->failed = 1;
			return r;
		}
		if (st->pending.len == 0)
			return 0;
	}
	size_t n = st->pending.len - st->off;
	if (n > size)
		n = size;
	memcpy(buf, st->pending.buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

void server_stream_free(struct server_stream *st)
{
	if (!st)
		return;
	if (st->kind == STREAM_LIVE)
		atomic_fetch_sub(&st->s->m.stream_clients, 1);
	st->s->be->ops->filter_free(st->f);
	strbuf_done(&st->pending);
	free(st);
}
