/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hec.c - `type: hec`: Splunk HTTP Event Collector, POST /services/collector/event with
 * `Authorization: Splunk <token>`; one envelope per record
 * {"time","host","source","sourcetype","index","event","fields":{"cluster"}}, several
 * envelopes concatenated per request (batching). JSON/OCSF bodies go in as objects, CEF/LEEF
 * and plain text as strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/http.h"
#include "record/record.h"

struct hec_sink {
	struct http_client http;
	enum format_kind format;
	const char *index, *source, *sourcetype, *host;
	char *path;
	struct strbuf body, batch;
};

static const struct fwd_option hec_options[] = {
	{ "token", "HEC token (required)" },
	{ "index", "Splunk index" },
	{ "source", "source, default ward" },
	{ "sourcetype", "sourcetype, default _json" },
	{ "host", "host instead of the record's HostName" },
	{ "endpoint", "path, default /services/collector/event" },
	HTTP_OPTIONS,
	{ NULL, NULL },
};

static void hec_destroy(void *ctx)
{
	struct hec_sink *s = ctx;
	http_client_done(&s->http);
	strbuf_done(&s->body);
	strbuf_done(&s->batch);
	free(s->path);
	free(s);
}

static int hec_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct hec_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	strbuf_init(&s->body);
	strbuf_init(&s->batch);
	int rc = http_client_init(&s->http, c, diag);
	const char *token = fwd_opt_str(c, "token", NULL);
	if (!rc && !token)
		rc = diag_err(diag, c->file, c->line, c->col, "output '%s': hec needs 'token'",
			      c->name);
	if (rc) {
		hec_destroy(s);
		return rc;
	}
	char auth[1024];
	snprintf(auth, sizeof(auth), "Authorization: Splunk %s", token);
	s->path = strdup(fwd_opt_str(c, "endpoint", "/services/collector/event"));
	if (!s->path || http_client_header(&s->http, auth)) {
		hec_destroy(s);
		return -ENOMEM;
	}
	s->format = c->format;
	s->index = fwd_opt_str(c, "index", NULL);
	s->source = fwd_opt_str(c, "source", "ward");
	s->sourcetype = fwd_opt_str(c, "sourcetype", "_json");
	s->host = fwd_opt_str(c, "host", NULL);
	*ret = s;
	return 0;
}

static void kv(struct strbuf *o, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	strbuf_printf(o, ",\"%s\":", k);
	strbuf_put_json_string(o, v, strlen(v));
}

static int hec_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	struct hec_sink *s = ctx;
	/* epoch seconds with milliseconds, as HEC documents it */
	int64_t ms = r->ts_ns / 1000000;
	strbuf_printf(o, "{\"time\":%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
	kv(o, "host", s->host ? s->host : r->host_name);
	kv(o, "source", s->source);
	kv(o, "sourcetype", s->sourcetype);
	kv(o, "index", s->index);
	strbuf_puts(o, ",\"event\":");
	strbuf_reset(&s->body);
	int rc = format_record(s->format, r, &s->body);
	if (rc)
		return rc;
	if (s->format == FORMAT_JSON || s->format == FORMAT_OCSF)
		strbuf_append(o, s->body.buf, s->body.len);
	else
		strbuf_put_json_string(o, s->body.buf, s->body.len);
	if (r->cluster_name && *r->cluster_name) {
		strbuf_puts(o, ",\"fields\":{\"cluster\":");
		strbuf_put_json_string(o, r->cluster_name, strlen(r->cluster_name));
		strbuf_putc(o, '}');
	}
	strbuf_putc(o, '}');
	return strbuf_error(o);
}

static int hec_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct hec_sink *s = ctx;
	strbuf_reset(&s->batch);
	for (size_t i = 0; i < n; i++) {
		strbuf_append(&s->batch, items[i].data, items[i].len);
		strbuf_putc(&s->batch, '\n');
	}
	if (strbuf_error(&s->batch))
		return -ENOMEM;
	long st = http_post(&s->http, s->path, "application/json", s->batch.buf, s->batch.len);
	if (st < 0)
		return (int)st;
	memset(status, http_status_item(st), n);
	return 0;
}

const struct fwd_ops fwd_hec_ops = {
	.type = "hec",
	.options = hec_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_CEF) | (1u << FORMAT_LEEF) |
		   (1u << FORMAT_OCSF) | (1u << FORMAT_RFC5424),
	.default_format = FORMAT_JSON,
	.create = hec_create,
	.destroy = hec_destroy,
	.encode = hec_encode,
	.send = hec_send,
};
