/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loki.c - `type: loki`: POST /loki/api/v1/push {"streams":[{"stream":{labels},"values":
 * [["<unix ns>","<line>"],...]}]}. Labels come from a small fixed set (cluster, host, type,
 * operation, action) so the number of streams stays bounded; the record (any body format) is
 * the line. Items of one batch are grouped by label set, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/http.h"
#include "record/record.h"

struct loki_sink {
	struct http_client http;
	enum format_kind format;
	struct strbuf line, batch;
	uint8_t *done;
	size_t done_cap;
};

static const struct fwd_option loki_options[] = {
	{ "tenant", "X-Scope-OrgID" },
	HTTP_OPTIONS,
	{ NULL, NULL },
};

static void loki_destroy(void *ctx)
{
	struct loki_sink *s = ctx;
	http_client_done(&s->http);
	strbuf_done(&s->line);
	strbuf_done(&s->batch);
	free(s->done);
	free(s);
}

static int loki_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct loki_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	strbuf_init(&s->line);
	strbuf_init(&s->batch);
	int rc = http_client_init(&s->http, c, diag);
	const char *tenant = fwd_opt_str(c, "tenant", NULL);
	if (!rc && tenant) {
		char h[512];
		snprintf(h, sizeof(h), "X-Scope-OrgID: %s", tenant);
		rc = http_client_header(&s->http, h);
	}
	if (rc) {
		loki_destroy(s);
		return rc;
	}
	s->format = c->format;
	*ret = s;
	return 0;
}

static void label(struct strbuf *o, int *first, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	strbuf_puts(o, *first ? "" : ",");
	*first = 0;
	strbuf_printf(o, "\"%s\":", k);
	strbuf_put_json_string(o, v, strlen(v));
}

/* item: {labels}\n"<ns>"\n<line as a JSON string> */
static int loki_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	struct loki_sink *s = ctx;
	int first = 1;
	strbuf_putc(o, '{');
	label(o, &first, "cluster", r->cluster_name);
	label(o, &first, "host", r->host_name);
	label(o, &first, "type", r->type);
	label(o, &first, "operation", r->operation);
	label(o, &first, "action", r->action);
	strbuf_printf(o, "}\n\"%lld\"\n", (long long)r->ts_ns);
	strbuf_reset(&s->line);
	int rc = format_record(s->format, r, &s->line);
	if (rc)
		return rc;
	strbuf_put_json_string(o, s->line.buf, s->line.len);
	return strbuf_error(o);
}

static size_t labels_len(const struct fwd_item *it)
{
	const char *nl = memchr(it->data, '\n', it->len);
	return nl ? (size_t)(nl - it->data) : it->len;
}

static int loki_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct loki_sink *s = ctx;
	if (n > s->done_cap) {
		uint8_t *d = realloc(s->done, n);
		if (!d)
			return -ENOMEM;
		s->done = d;
		s->done_cap = n;
	}
	memset(s->done, 0, n);
	strbuf_reset(&s->batch);
	strbuf_puts(&s->batch, "{\"streams\":[");
	int first_stream = 1;
	for (size_t i = 0; i < n; i++) {
		if (s->done[i])
			continue;
		size_t ll = labels_len(&items[i]);
		strbuf_puts(&s->batch, first_stream ? "" : ",");
		first_stream = 0;
		strbuf_puts(&s->batch, "{\"stream\":");
		strbuf_append(&s->batch, items[i].data, ll);
		strbuf_puts(&s->batch, ",\"values\":[");
		int first = 1;
		for (size_t j = i; j < n; j++) {
			if (s->done[j] || labels_len(&items[j]) != ll ||
			    memcmp(items[j].data, items[i].data, ll))
				continue;
			s->done[j] = 1;
			const char *ts = items[j].data + ll + 1;
			const char *nl = memchr(ts, '\n', items[j].len - ll - 1);
			if (!nl)
				return -EINVAL;
			strbuf_puts(&s->batch, first ? "[" : ",[");
			first = 0;
			strbuf_append(&s->batch, ts, (size_t)(nl - ts));
			strbuf_putc(&s->batch, ',');
			strbuf_append(&s->batch, nl + 1,
				      items[j].len - (size_t)(nl + 1 - items[j].data));
			strbuf_putc(&s->batch, ']');
		}
		strbuf_puts(&s->batch, "]}");
	}
	strbuf_puts(&s->batch, "]}");
	if (strbuf_error(&s->batch))
		return -ENOMEM;
	long st = http_post(&s->http, "/loki/api/v1/push", "application/json", s->batch.buf,
			    s->batch.len);
	if (st < 0)
		return (int)st;
	memset(status, http_status_item(st), n);
	return 0;
}

const struct fwd_ops fwd_loki_ops = {
	.type = "loki",
	.options = loki_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_CEF) | (1u << FORMAT_LEEF) |
		   (1u << FORMAT_OCSF) | (1u << FORMAT_RFC5424),
	.default_format = FORMAT_JSON,
	.create = loki_create,
	.destroy = loki_destroy,
	.encode = loki_encode,
	.send = loki_send,
};
