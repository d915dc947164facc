/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kafka.c - `type: kafka`: a librdkafka producer. `address` is the bootstrap server list
 * (kafka://h:9092,h2:9092 or h:9092); `topic` is required; the message key is the record's
 * HostName (records of one host stay ordered in one partition); `acks` and `compression` are
 * shortcuts; everything under `kafka:` is passed to rd_kafka_conf_set() unchanged (TLS, SASL,
 * test.mock.num.brokers). A batch is acknowledged when every message's delivery report is in.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "fwd/fwd.h"
#include "record/record.h"

struct kafka_sink {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic;
	enum format_kind format;
	unsigned timeout_ms;
};

static const struct fwd_option kafka_options[] = {
	{ "topic", "topic (required)" },
	{ "acks", "all (default), 1 or 0" },
	{ "compression", "none (default), gzip, snappy, lz4, zstd" },
	{ NULL, NULL },
};

static void kafka_destroy(void *ctx)
{
	struct kafka_sink *s = ctx;
	if (s->topic)
		rd_kafka_topic_destroy(s->topic);
	if (s->rk) {
		rd_kafka_flush(s->rk, 1000);
		rd_kafka_destroy(s->rk);
	}
	free(s);
}

/* The delivery report tells the waiting send() how each message ended. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	uint8_t *st = m->_private;
	if (st)
		*st = m->err ? FWD_ITEM_RETRY : FWD_ITEM_OK;
}

static int kafka_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	char err[512];
	struct kafka_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *topic = fwd_opt_str(c, "topic", NULL);
	int rc = 0;
	if (!topic) {
		rc = diag_err(diag, c->file, c->line, c->col, "output '%s': kafka needs 'topic'",
			      c->name);
		goto fail;
	}
	const char *bs = c->address;
	if (bs && !strncmp(bs, "kafka://", 8))
		bs += 8;
	char tmo[32];
	snprintf(tmo, sizeof(tmo), "%u", c->timeout_ms);
	struct {
		const char *k, *v;
	} base[] = {
		{ "bootstrap.servers", bs },
		{ "acks", fwd_opt_str(c, "acks", "all") },
		{ "compression.codec", fwd_opt_str(c, "compression", "none") },
		{ "message.timeout.ms", tmo },
		{ "enable.idempotence", "false" },
	};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(base); i++) {
		if (!base[i].v)
			continue;
		if (rd_kafka_conf_set(conf, base[i].k, base[i].v, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
			rc = diag_err(diag, c->file, c->line, c->col, "output '%s': %s", c->name,
				      err);
			goto fail;
		}
	}
	for (size_t i = 0; i < c->n_props; i++)
		if (rd_kafka_conf_set(conf, c->props[i].key, c->props[i].value, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
			rc = diag_err(diag, c->file, c->props[i].line, c->props[i].col,
				      "output '%s': %s", c->name, err);
			goto fail;
		}
	/* silence librdkafka's own stderr logging: library code never prints */
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!s->rk) {
		rc = diag_err(diag, c->file, c->line, c->col, "output '%s': %s", c->name, err);
		goto fail;
	}
	conf = NULL;
	s->topic = rd_kafka_topic_new(s->rk, topic, NULL);
	if (!s->topic) {
		rc = -ENOMEM;
		goto fail;
	}
	s->format = c->format;
	s->timeout_ms = c->timeout_ms;
	*ret = s;
	return 0;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	kafka_destroy(s);
	return rc;
}

/* item: u16 key length, key, payload */
static int kafka_encode(void *ctx, const struct ward_record *r, struct strbuf *o)
{
	struct kafka_sink *s = ctx;
	const char *key = r->host_name ? r->host_name : "";
	size_t kl = strlen(key);
	uint16_t k16 = kl > 1024 ? 1024 : (uint16_t)kl;
	strbuf_append(o, (const char *)&k16, 2);
	strbuf_append(o, key, k16);
	int rc = format_record(s->format, r, o);
	return rc ? rc : strbuf_error(o);
}

static int kafka_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct kafka_sink *s = ctx;
	size_t queued = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t kl;
		status[i] = FWD_ITEM_RETRY;
		if (items[i].len < 2)
			continue;
		memcpy(&kl, items[i].data, 2);
		if (2u + kl > items[i].len)
			continue;
		/* status[i] is written by the delivery report: mark it pending */
		status[i] = 0xff;
		if (rd_kafka_produce(s->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
				     (void *)(items[i].data + 2 + kl), items[i].len - 2 - kl,
				     items[i].data + 2, kl, &status[i]) == -1) {
			status[i] = FWD_ITEM_RETRY;
			rd_kafka_poll(s->rk, 10);
			continue;
		}
		queued++;
	}
	rd_kafka_flush(s->rk, (int)s->timeout_ms);
	/* anything still pending when flush gave up: purge it and let the engine retry */
	rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* serve the purged messages' reports now: they point into @status */
	rd_kafka_flush(s->rk, 5000);
	for (size_t i = 0; i < n; i++)
		if (status[i] == 0xff)
			status[i] = FWD_ITEM_RETRY;
	return queued ? 0 : -EIO;
}

const struct fwd_ops fwd_kafka_ops = {
	.type = "kafka",
	.options = kafka_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_CEF) | (1u << FORMAT_LEEF) |
		   (1u << FORMAT_OCSF) | (1u << FORMAT_RFC5424),
	.default_format = FORMAT_JSON,
	.create = kafka_create,
	.destroy = kafka_destroy,
	.encode = kafka_encode,
	.send = kafka_send,
};
