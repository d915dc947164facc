/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.c - `type: webhook`: one JSON POST per record (the record as KubeArmor JSON or
 * OCSF), or with `slack: true` a Slack-compatible {"text": "..."} message built from the
 * record's main fields. Extra request headers come from `headers:`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/http.h"
#include "record/record.h"

struct webhook_sink {
	struct http_client http;
	enum format_kind format;
	int slack;
	struct strbuf text;
};

static const struct fwd_option webhook_options[] = {
	{ "slack", "send Slack-compatible {\"text\": ...} messages" },
	HTTP_OPTIONS,
	{ NULL, NULL },
};

static void webhook_destroy(void *ctx)
{
	struct webhook_sink *s = ctx;
	http_client_done(&s->http);
	strbuf_done(&s->text);
	free(s);
}

static int webhook_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct webhook_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	strbuf_init(&s->text);
	int rc = http_client_init(&s->http, c, diag);
	if (rc) {
		webhook_destroy(s);
		return rc;
	}
	s->format = c->format;
	s->slack = fwd_opt_bool(c, "slack", 0);
	*ret = s;
	return 0;
}

static int webhook_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	struct webhook_sink *s = ctx;
	if (!s->slack)
		return format_record(s->format, r, o);
	strbuf_reset(&s->text);
	strbuf_printf(&s->text, "*%s* %s on %s: ", r->action && *r->action ? r->action : "Log",
		      r->policy_name && *r->policy_name ? r->policy_name : (r->type ? r->type : ""),
		      r->host_name ? r->host_name : "-");
	int rc = format_plain(r, &s->text);
	if (rc)
		return rc;
	if (r->severity && *r->severity)
		strbuf_printf(&s->text, " (severity %s)", r->severity);
	strbuf_puts(o, "{\"text\":");
	strbuf_put_json_string(o, s->text.buf, s->text.len);
	strbuf_putc(o, '}');
	return strbuf_error(o);
}

static int webhook_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct webhook_sink *s = ctx;
	for (size_t i = 0; i < n; i++) {
		long st = http_post(&s->http, "", "application/json", items[i].data, items[i].len);
		if (st < 0)
			return i ? 0 : (int)st;
		status[i] = (uint8_t)http_status_item(st);
		if (status[i] == FWD_ITEM_RETRY)
			return 0; /* the receiver is struggling: back off before the rest */
	}
	return 0;
}

const struct fwd_ops fwd_webhook_ops = {
	.type = "webhook",
	.options = webhook_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_OCSF),
	.default_format = FORMAT_JSON,
	.create = webhook_create,
	.destroy = webhook_destroy,
	.encode = webhook_encode,
	.send = webhook_send,
};
