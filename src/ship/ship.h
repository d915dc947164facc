/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ship.h - the agent side of fleet mode: `ward agent --server URL --token-file F` ships its
 * records to a central `ward serve` (POST /api/v1/ingest, NDJSON batches).
 *
 * Data path position: a sink of the agent, beside the local store and the forwarders. The agent
 * calls ship_send_json() per record with the line it already has (cheap: one memcpy into the
 * open batch under a lock); ship_send() serialises a struct ward_record first.
 * A batch is sealed every SHIP batch_records records or batch_ms milliseconds and written to
 * the on-disk spool (one file per batch, renamed into place); the sender thread posts spool
 * files oldest first and deletes one only after the server answered {"accepted":N}, which the
 * server sends only once the records are durable. While the server is unreachable the spool
 * grows (bounded by spool_max_bytes; what does not fit is counted as dropped) and is resent
 * when it comes back, also after an agent restart.
 *
 * Threads: ship_start() starts one thread (sealing + sending); ship_stop() ends it.
 */
#ifndef WARD_SHIP_SHIP_H
#define WARD_SHIP_SHIP_H

#include <stddef.h>
#include <stdint.h>

struct ward_record;
struct ship;

#define SHIP_DEFAULT_BATCH     2000	    /* records per batch */
#define SHIP_DEFAULT_BATCH_MS  200	    /* seal a partial batch after this long */
#define SHIP_DEFAULT_SPOOL_MAX (1ull << 30) /* spool bytes */
#define SHIP_MAX_BATCH_BYTES   (8u << 20)   /* seal early; below the server's body limit */
#define SHIP_BACKOFF_MAX_MS    5000

struct ship_config {
	const char *url;	  /* server base URL, e.g. https://ward:8600 (no path) */
	const char *token;	  /* bearer token (copied) */
	const char *spool_dir;	  /* created if missing; e.g. /var/lib/ward/spool */
	uint64_t spool_max_bytes; /* 0 = SHIP_DEFAULT_SPOOL_MAX */
	unsigned batch_records;	  /* 0 = SHIP_DEFAULT_BATCH */
	unsigned batch_ms;	  /* 0 = SHIP_DEFAULT_BATCH_MS */
	const char *ca_file;	  /* CA bundle for https (NULL = system store) */
	int insecure;		  /* 1: do not verify the server certificate (tests only) */
};

struct ship_stats {
	uint64_t records_queued;   /* accepted by ship_send() */
	uint64_t records_sent;	   /* acknowledged by the server */
	uint64_t records_dropped;  /* spool full */
	uint64_t records_rejected; /* the server refused the batch as invalid (kept in rejected/) */
	uint64_t spool_bytes;	   /* now on disk, waiting */
	uint64_t spool_files;
	uint64_t send_errors; /* failed attempts (each retried) */
};

/*
 * ship_start() - open (create) the spool, pick up batches left by an earlier run, start the
 * sender thread.
 * Return: 0, -EINVAL (no url/token/spool_dir), -EIO/-errno (spool dir), -ENOMEM.
 */
int ship_start(const struct ship_config *cfg, struct ship **ret);

/*
 * ship_send() - queue one record (serialised now; the caller keeps @r).
 * Return: 0, -ENOMEM, -ENOSPC (spool full: the record is counted as dropped).
 */
int ship_send(struct ship *s, const struct ward_record *r);

/*
 * ship_send_json() - queue one record already serialised by record_to_json(): @json is one
 * line of @len bytes without the newline (the agent's line, so it is not serialised twice).
 * Return: 0, -EINVAL (empty or contains a newline), -ENOMEM, -ENOSPC (as ship_send()).
 */
int ship_send_json(struct ship *s, const char *json, size_t len);

/*
 * ship_flush() - seal the open batch and wait until the spool is empty (everything
 * acknowledged) or @timeout_ms passed.
 * Return: 0 (all sent), -ETIMEDOUT (records remain in the spool; nothing is lost).
 */
int ship_flush(struct ship *s, int timeout_ms);

/* ship_get_stats() - a snapshot of the counters. */
void ship_get_stats(struct ship *s, struct ship_stats *ret);

/*
 * ship_stop() - seal the open batch to the spool, stop the thread, free @s. What was not
 * acknowledged stays in the spool for the next ship_start(). NULL is fine.
 */
void ship_stop(struct ship *s);

#endif
