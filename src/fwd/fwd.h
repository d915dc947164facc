/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fwd.h - forwarding records to SIEMs: outputs, their config, the spool and delivery.
 *
 * Data path position: the agent hands every record to fwd_submit() (non-blocking; the record is
 * copied). Each configured output has its own bounded in-memory queue, a spooler thread that
 * filters and encodes records into an on-disk spool (bounded by `spool_max`, survives a
 * restart), and a sender thread that delivers spooled items in batches with exponential
 * backoff and jitter, acknowledging them only after the receiver accepted them (at-least-once).
 * A slow or dead output only fills its own spool; what does not fit is dropped, counted
 * (fwd_stats) and reported through the on_event callback as a SystemEvent record.
 *
 * Each sink (syslog, hec, elasticsearch, loki, clickhouse, kafka, webhook, file) is one file
 * exporting one `const struct fwd_ops` with its config table (Fluent Bit's plugin split).
 * Config: the `outputs:` list of the agent config (design.md §7), parsed here with libyaml.
 */
#ifndef WARD_FWD_FWD_H
#define WARD_FWD_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"
#include "format/format.h"

struct diag;
struct strbuf;
struct ward_record;

/* One `key: value` of an output (values kept as text; sinks read them with fwd_opt_*). */
struct fwd_kv {
	char *key;
	char *value;
	unsigned line, col;
};

struct fwd_filter {
	int type;	  /* 0 all, 1 alerts only, 2 logs only */
	int min_severity; /* 0 = no minimum */
	char **operations;
	size_t n_operations;
	char **where; /* "Field OP Value", ANDed */
	size_t n_where;
};

struct fwd_output_config {
	char *name;
	char *type;
	char *address; /* syslog: udp:// tcp:// tls:// ; HTTP outputs: url (both keys accepted) */
	enum format_kind format;
	int format_set;
	struct fwd_filter filter;
	struct fwd_kv *opts; /* every other scalar key, checked against the sink's table */
	size_t n_opts;
	struct fwd_kv *props; /* nested `properties:` map (librdkafka passthrough, HTTP headers) */
	size_t n_props;
	/* delivery (common keys) */
	size_t queue_size;  /* records in memory, default 8192 */
	uint64_t spool_max; /* bytes on disk, default 64 MiB */
	size_t batch_max;   /* items per request, default 500 */
	unsigned flush_ms, retry_initial_ms, retry_max_ms, timeout_ms;
	/*
	 * spool_sync_ms: the spool is fdatasync()ed at most this long after a write (and when a
	 * segment is full and on fwd_stop), so a power loss or kernel crash loses at most this
	 * window of records; 0 = never (page cache only: survives only a crash of ward itself).
	 */
	unsigned spool_sync_ms;
	char *file; /* config file name, for diagnostics */
	unsigned line, col;
};

struct fwd_config {
	struct fwd_output_config *outputs;
	size_t n_outputs;
};

/*
 * fwd_config_load_file() - read only the `outputs:` key of the YAML config at @path.
 * A missing key gives an empty config. Errors go to @diag as FILE:LINE:COL.
 * Return: 0, -EINVAL (@diag filled), -ENOENT/-errno (file), -ENOMEM.
 */
int fwd_config_load_file(const char *path, struct fwd_config **ret, struct diag *diag);
/* fwd_config_parse_string() - same, from a YAML text (@name for diagnostics). */
int fwd_config_parse_string(const char *yaml, size_t len, const char *name, struct fwd_config **ret,
			    struct diag *diag);
void fwd_config_free(struct fwd_config *c);

/* fwd_filter_match() - does @r pass @f? (type, min_severity, operation list, where clauses) */
int fwd_filter_match(const struct fwd_filter *f, const struct ward_record *r);

/* ---- sinks ---------------------------------------------------------------------------------- */

/* Per-item outcome of a batch, written by fwd_ops.send. */
enum fwd_item_status {
	FWD_ITEM_OK = 0,
	FWD_ITEM_RETRY = 1,  /* transient (5xx, 429, partial bulk failure): send again */
	FWD_ITEM_REJECT = 2, /* permanent (the receiver refuses this item): counted, dropped */
};

struct fwd_item {
	const char *data;
	size_t len;
};

struct fwd_option {
	const char *key;
	const char *help;
};

struct fwd_ops {
	const char *type;
	const struct fwd_option *options; /* sink-specific keys, {NULL} terminated */
	unsigned formats;		  /* bit (1 << enum format_kind) per accepted body format */
	enum format_kind default_format;
	/* create() - validate @cfg (errors to @diag) and build the sink state. */
	int (*create)(const struct fwd_output_config *cfg, void **ret, struct diag *diag);
	void (*destroy)(void *ctx);
	/* encode() - one record -> one spool item (the bytes send() will need). */
	int (*encode)(void *ctx, const struct ward_record *r, struct strbuf *item);
	/*
	 * encode_json() - optional: the item from @json, the record's record_to_json() text that
	 * the submitter already built (fwd_submit_json). Return 0 when @item is done, 1 when this
	 * sink needs encode() for it (its format is not that JSON), <0 on error.
	 */
	int (*encode_json)(void *ctx, const char *json, size_t len, struct strbuf *item);
	/*
	 * send() - deliver @n items. Return <0 when nothing is known to be delivered (all are
	 * retried), else 0 with @status[i] set for each item.
	 */
	int (*send)(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status);
	/* reopen() - optional: reopen files (SIGHUP). Called from the sender thread. */
	void (*reopen)(void *ctx);
	/*
	 * resent() - optional: items the sink wrote again on its own (a stream receiver without
	 * acknowledgements that dropped the connection may have lost what it had not written
	 * out yet). Added to `retried`. Called from any thread.
	 */
	uint64_t (*resent)(void *ctx);
};

extern const struct fwd_ops fwd_syslog_ops, fwd_hec_ops, fwd_elasticsearch_ops, fwd_loki_ops,
	fwd_clickhouse_ops, fwd_kafka_ops, fwd_webhook_ops, fwd_file_ops;

/* fwd_ops_find() - the sink for a `type:` value, or NULL. */
const struct fwd_ops *fwd_ops_find(const char *type);

/* Option accessors for sinks: the value of @key or @def. */
const char *fwd_opt_str(const struct fwd_output_config *c, const char *key, const char *def);
/* fwd_opt_bool() - true/yes/on/1. */
int fwd_opt_bool(const struct fwd_output_config *c, const char *key, int def);
long long fwd_opt_int(const struct fwd_output_config *c, const char *key, long long def);

/* ---- running ------------------------------------------------------------------------------- */

struct fwd;

struct fwd_start_opts {
	const char *spool_dir; /* one subfolder per output name; created */
	/*
	 * on_event() - called with SystemEvent records (drops), from a forwarder thread, at most
	 * once per second per output. May be NULL. The record is only valid during the call.
	 */
	void (*on_event)(const struct ward_record *r, void *userdata);
	void *userdata;
	const char *hostname; /* HostName of the SystemEvent records */
};

struct fwd_output_stats {
	char name[64];
	uint64_t submitted;   /* passed the filter */
	uint64_t filtered;    /* did not pass the filter */
	uint64_t queue_drops; /* memory queue full (spooler behind) */
	uint64_t spool_drops; /* spool full: lost */
	uint64_t spooled;     /* written to the spool */
	uint64_t sent;	      /* acknowledged by the receiver */
	uint64_t rejected;    /* refused permanently by the receiver */
	uint64_t failures;    /* failed send attempts */
	uint64_t retried;     /* items sent again after a failure (possible duplicates) */
	uint64_t redelivered; /* items sent again after a restart (possible duplicates) */
	uint64_t spool_bytes; /* bytes in the spool now */
	uint64_t spool_syncs; /* fdatasync() calls on the spool (spool_sync_ms) */
	int connected;	      /* last attempt succeeded */
};

/*
 * fwd_start() - validate @cfg, open every output's spool and start its threads.
 * Return: 0, -EINVAL (@diag filled), -errno.
 */
int fwd_start(const struct fwd_config *cfg, const struct fwd_start_opts *opts, struct fwd **ret,
	      struct diag *diag);
/*
 * fwd_submit() - copy @r into every output whose filter it passes. Never blocks on I/O: a
 * full memory queue drops (counted). Thread-safe. Return: 0 or -ENOMEM.
 */
int fwd_submit(struct fwd *f, const struct ward_record *r);
/*
 * fwd_submit_json() - fwd_submit() with @json = record_to_json(@r) (length @len) when the
 * caller has it already (the agent builds it for every record): outputs whose items are that
 * JSON (ClickHouse, a json file) copy it instead of encoding the record again.
 */
int fwd_submit_json(struct fwd *f, const struct ward_record *r, const char *json, size_t len);
/* fwd_stats() - fill up to @max entries; return the number of outputs. */
size_t fwd_stats(struct fwd *f, struct fwd_output_stats *out, size_t max);
/*
 * fwd_metrics() - append the counters as Prometheus text (ward_fwd_<counter>{output="NAME"}),
 * for /metrics. Return: 0 or -ENOMEM.
 */
int fwd_metrics(struct fwd *f, struct strbuf *out);
/* fwd_reopen() - ask every output to reopen its files (SIGHUP). Async-signal-safe. */
void fwd_reopen(struct fwd *f);
/*
 * fwd_stop() - stop taking records, spool what is queued, try for up to @timeout_ms to deliver
 * the spool, then stop. What is undelivered stays in the spool for the next fwd_start().
 */
void fwd_stop(struct fwd *f, unsigned timeout_ms);

#endif
