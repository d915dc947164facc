/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elasticsearch.c - `type: elasticsearch` (also OpenSearch): POST /_bulk with NDJSON pairs
 * `{"create":{"_index":...,"_id":...}}\n{doc}\n` into a daily index (`index: ward-%Y.%m.%d`,
 * strftime on the record's UTC time) or a data stream (`data_stream: NAME`; data streams take
 * only `create`). The document is the record (KubeArmor JSON or OCSF) with "@timestamp" added.
 *
 * _id is a 64-bit FNV-1a hash of the document, so a batch resent after a lost answer makes
 * 409 conflicts (counted as delivered) instead of duplicates. The answer is read item by item:
 * 2xx/409 delivered, 429/5xx retried alone, other 4xx (mapping errors) rejected and counted.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/diag.h"
#include "fwd/http.h"
#include "record/record.h"

struct es_sink {
	struct http_client http;
	enum format_kind format;
	const char *index, *data_stream;
	struct strbuf doc, batch;
};

static const struct fwd_option es_options[] = {
	{ "index", "index name, strftime on the record time (UTC), default ward-%Y.%m.%d" },
	{ "data_stream", "write into this data stream instead of daily indices" },
	{ "api_key", "Authorization: ApiKey <value>" },
	HTTP_OPTIONS,
	{ NULL, NULL },
};

static void es_destroy(void *ctx)
{
	struct es_sink *s = ctx;
	http_client_done(&s->http);
	strbuf_done(&s->doc);
	strbuf_done(&s->batch);
	free(s);
}

static int es_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct es_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	strbuf_init(&s->doc);
	strbuf_init(&s->batch);
	int rc = http_client_init(&s->http, c, diag);
	const char *key = fwd_opt_str(c, "api_key", NULL);
	if (!rc && key) {
		char h[1024];
		snprintf(h, sizeof(h), "Authorization: ApiKey %s", key);
		rc = http_client_header(&s->http, h);
	}
	if (rc) {
		es_destroy(s);
		return rc;
	}
	s->format = c->format;
	s->index = fwd_opt_str(c, "index", "ward-%Y.%m.%d");
	s->data_stream = fwd_opt_str(c, "data_stream", NULL);
	*ret = s;
	return 0;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int es_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	struct es_sink *s = ctx;
	char index[256], ts[40];
	if (s->data_stream) {
		snprintf(index, sizeof(index), "%s", s->data_stream);
	} else {
		time_t t = (time_t)(r->ts_ns / 1000000000);
		struct tm tm;
		gmtime_r(&t, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* the pattern is the user's `index:`; strftime cannot read past its arguments */
		size_t il = strftime(index, sizeof(index), s->index, &tm);
#pragma GCC diagnostic pop
		if (!il)
			snprintf(index, sizeof(index), "ward");
	}
	strbuf_reset(&s->doc);
	int rc = format_record(s->format == FORMAT_OCSF ? FORMAT_OCSF : FORMAT_JSON, r, &s->doc);
	if (rc || s->doc.len < 2)
		return rc ? rc : -EINVAL;
	record_format_time(r->ts_ns, ts, sizeof(ts));
	uint64_t id = fnv1a(s->doc.buf, s->doc.len);
	strbuf_puts(o, "{\"create\":{\"_index\":");
	strbuf_put_json_string(o, index, strlen(index));
	strbuf_printf(o, ",\"_id\":\"%016llx\"}}\n{\"@timestamp\":\"%s\",", (unsigned long long)id,
		      ts);
	strbuf_append(o, s->doc.buf + 1, s->doc.len - 1);
	strbuf_putc(o, '\n');
	return strbuf_error(o);
}

static int es_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct es_sink *s = ctx;
	strbuf_reset(&s->batch);
	for (size_t i = 0; i < n; i++)
		strbuf_append(&s->batch, items[i].data, items[i].len);
	if (strbuf_error(&s->batch))
		return -ENOMEM;
	long st = http_post(&s->http, "/_bulk", "application/x-ndjson", s->batch.buf, s->batch.len);
	if (st < 0)
		return (int)st;
	if (st < 200 || st >= 300) {
		memset(status, http_status_item(st), n);
		return 0;
	}
	json_error_t err;
	json_t *root =
		json_loadb(s->http.resp.buf ? s->http.resp.buf : "", s->http.resp.len, 0, &err);
	if (!root)
		return -EPROTO;
	int rc = 0;
	json_t *errors = json_object_get(root, "errors");
	json_t *arr = json_object_get(root, "items");
	if (json_is_false(errors)) {
		memset(status, FWD_ITEM_OK, n);
	} else if (!json_is_array(arr) || json_array_size(arr) != n) {
		rc = -EPROTO; /* cannot tell which item failed: send all again */
	} else {
		for (size_t i = 0; i < n; i++) {
			json_t *it = json_array_get(arr, i);
			json_t *op = json_object_get(it, "create");
			if (!op)
				op = json_object_get(it, "index");
			long code = (long)json_integer_value(json_object_get(op, "status"));
			status[i] = code == 409 ? FWD_ITEM_OK
						: (uint8_t)http_status_item(code ? code : 500);
		}
	}
	json_decref(root);
	return rc;
}

const struct fwd_ops fwd_elasticsearch_ops = {
	.type = "elasticsearch",
	.options = es_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_OCSF),
	.default_format = FORMAT_JSON,
	.create = es_create,
	.destroy = es_destroy,
	.encode = es_encode,
	.send = es_send,
};
