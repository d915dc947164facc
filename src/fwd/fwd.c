/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fwd.c - the delivery engine shared by every output: memory queue, disk spool, batching,
 * retry with exponential backoff and jitter, counters and drop reports.
 *
 * Per output two threads: the spooler takes record copies from the bounded memory queue,
 * encodes them with the sink and appends them to the spool (segment files of [u32 len][bytes]
 * items); the sender reads batches from the oldest unacknowledged position, sends them and
 * only then moves the acknowledged position (persisted in `state`). So a dead receiver only
 * grows its own spool (bounded by spool_max: beyond it records are dropped and counted), the
 * submitting thread never waits for I/O, and a restart resends what was not acknowledged.
 * `state` also records the end of the batch in flight; after a crash the items between the
 * acknowledged and the in-flight position may have reached the receiver already: they are
 * counted as `redelivered` (possible duplicates) when sent again.
 *
 * Durability (spool_sync_ms, default 1 s): the spooler fdatasync()s the segment it writes at
 * most that long after a write, before leaving a full segment and when it stops, and the
 * spool folder when a segment file is created, so a power loss costs at most that window. The
 * sync runs in the spooler, never in fwd_submit(): while it waits, records wait in the memory
 * queue. `state` is only synced at stop: an older state after a power loss means resending
 * (duplicates), never losing.
 */
#include "fwd/fwd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "record/record.h"

#define SEG_MAX_DEFAULT	 (32u << 20)
#define READ_MAX	 (16u << 20)
#define SPOOL_LINGER_MIN 256 /* fewer queued records than this: wait for more */
#define SPOOL_LINGER_MS	 10  /* that long, or until half the queue is full */

static const struct fwd_ops *const all_ops[] = {
	&fwd_syslog_ops,     &fwd_hec_ops,   &fwd_elasticsearch_ops, &fwd_loki_ops,
	&fwd_clickhouse_ops, &fwd_kafka_ops, &fwd_webhook_ops,	     &fwd_file_ops,
};

const struct fwd_ops *fwd_ops_find(const char *type)
{
	for (size_t i = 0; type && i < WARD_ARRAY_SIZE(all_ops); i++)
		if (!strcmp(all_ops[i]->type, type))
			return all_ops[i];
	return NULL;
}

const char *fwd_opt_str(const struct fwd_output_config *c, const char *key, const char *def)
{
	for (size_t i = 0; i < c->n_opts; i++)
		if (!strcmp(c->opts[i].key, key))
			return c->opts[i].value;
	return def;
}

int fwd_opt_bool(const struct fwd_output_config *c, const char *key, int def)
{
	const char *v = fwd_opt_str(c, key, NULL);
	if (!v)
		return def;
	return !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1");
}

long long fwd_opt_int(const struct fwd_output_config *c, const char *key, long long def)
{
	const char *v = fwd_opt_str(c, key, NULL);
	return v ? atoll(v) : def;
}

/* ---- record copies -------------------------------------------------------------------------- */

#define S(f) offsetof(struct ward_record, f)
static const size_t str_fields[] = {
	S(cluster_name),
	S(host_name),
	S(namespace_name),
	S(owner_ref),
	S(owner_name),
	S(owner_namespace),
	S(pod_name),
	S(labels),
	S(container_id),
	S(container_name),
	S(container_image),
	S(parent_process_name),
	S(process_name),
	S(policy_name),
	S(severity),
	S(tags),
	S(message),
	S(type),
	S(source),
	S(operation),
	S(resource),
	S(data),
	S(enforcer),
	S(action),
	S(result),
	S(cwd),
	S(tty),
	S(exec_id),
	S(executable_name),
	S(kubearmor_version),
	S(node_id),
	S(process_hash),
	S(parent_hash),
	S(resource_hash),
	S(hash_algo),
	S(user_name),
	S(extra_json),
};
#undef S

static const char **field_ptr(struct ward_record *r, size_t off)
{
	return (const char **)(void *)((char *)r + off);
}

/*
 * A submitted record: one allocation holding the record, every string it points to and the
 * submitter's JSON of it (if any), shared by every output that takes it (a reference each;
 * the last spooler to encode it releases it). One copy per record rather than one per output.
 */
struct fwd_rec {
	atomic_uint refs;
	uint32_t json_len;
	size_t cap;	  /* bytes allocated, this header included */
	const char *json; /* NULL: none */
	struct ward_record r;
};

/*
 * Released copies are kept for reuse (at most REC_POOL_MAX, so at most that many idle
 * buffers): the submitter allocates and the spoolers free, and glibc's malloc answers that
 * cross-thread pattern slowly (a quarter of the submitting thread's time at 35k records/s,
 * perf, 2026-12-02). A pooled buffer too small for a record is replaced by a bigger one.
 */
#define REC_POOL_MAX 1024
/* a spooler batch this large (records) means a burst: trim the heap once it is drained */
#define REC_TRIM_AFTER 8192

struct rec_pool {
	pthread_mutex_t lock;
	struct fwd_rec *free[REC_POOL_MAX];
	size_t n;
};

static struct fwd_rec *rec_alloc(struct rec_pool *p, size_t len)
{
	struct fwd_rec *c = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->n)
		c = p->free[--p->n];
	pthread_mutex_unlock(&p->lock);
	if (c && c->cap >= len)
		return c;
	free(c);
	/* round up: the next records of this buffer are about as long, rarely exactly */
	size_t cap = (len + 511) & ~(size_t)511;
	c = malloc(cap);
	if (c)
		c->cap = cap;
	return c;
}

static void rec_put(struct rec_pool *p, struct fwd_rec *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->n < REC_POOL_MAX) {
		p->free[p->n++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	free(c);
}

static void rec_pool_done(struct rec_pool *p)
{
	while (p->n)
		free(p->free[--p->n]);
	pthread_mutex_destroy(&p->lock);
}

static struct fwd_rec *rec_copy(struct rec_pool *pool, const struct ward_record *src,
				const char *json, size_t json_len, unsigned refs)
{
	size_t lens[WARD_ARRAY_SIZE(str_fields)];
	size_t len = sizeof(struct fwd_rec);
	if (json_len > UINT32_MAX)
		json = NULL;
	if (json)
		len += json_len + 1;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(str_fields); i++) {
		const char *s = *field_ptr((struct ward_record *)src, str_fields[i]);
		lens[i] = s ? strlen(s) + 1 : 0;
		len += lens[i];
	}
	struct fwd_rec *c = rec_alloc(pool, len);
	if (!c)
		return NULL;
	atomic_init(&c->refs, refs);
	c->r = *src;
	char *p = (char *)(c + 1);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(str_fields); i++) {
		const char **f = field_ptr(&c->r, str_fields[i]);
		if (!*f)
			continue;
		memcpy(p, *f, lens[i]);
		*f = p;
		p += lens[i];
	}
	c->json = NULL;
	c->json_len = 0;
	if (json) {
		memcpy(p, json, json_len);
		p[json_len] = '\0';
		c->json = p;
		c->json_len = (uint32_t)json_len;
	}
	return c;
}

/* ---- per output ----------------------------------------------------------------------------- */

struct output {
	struct fwd *fwd;
	const struct fwd_ops *ops;
	const struct fwd_output_config *cfg;
	void *ctx;
	char *dir;
	int state_fd;

	pthread_mutex_t lock;
	pthread_cond_t cond;	    /* spooler: queue not empty; sender: spool grew / stop */
	pthread_cond_t sender_cond; /* sender wake-ups: the spool grew, stop */
	pthread_cond_t pause_cond;  /* the sender's timed pauses (flush window, backoff): abort */
	struct fwd_rec **q;	    /* ring of references to shared copies */
	size_t q_head, q_len;
	int closing;	/* fwd_stop: drain and deliver */
	int abort;	/* deadline passed: stop sending */
	int spool_done; /* spooler flushed everything and exited */
	int lingering;	/* the spooler waits for more records: wake it at half a queue */
	atomic_int reopen;

	/* spool shared state (under lock) */
	uint64_t w_seg, w_flushed; /* writer's segment and its flushed size */
	uint64_t spool_bytes;
	uint64_t seg_max;

	/* counters */
	atomic_uint_fast64_t submitted, filtered, queue_drops, spool_drops, spooled, sent, rejected,
		failures, retried, redelivered, spool_syncs;
	atomic_int connected;

	pthread_t spooler, sender;
	int threads;
};

struct fwd {
	struct output *outs;
	size_t n;
	struct rec_pool pool;
	struct fwd_start_opts opts;
	char *hostname;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void seg_path(const struct output *o, uint64_t seg, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%016" PRIu64 ".seg", o->dir, seg);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* state: ack_seg ack_off inflight_seg inflight_off (native u64s). */
static void state_save(struct output *o, const uint64_t st[4])
{
	if (pwrite(o->state_fd, st, 4 * sizeof(uint64_t), 0) != 4 * sizeof(uint64_t))
		atomic_fetch_add(&o->failures,
				 0); /* the spool still holds the items: resent later */
}

/* ---- drop reports --------------------------------------------------------------------------- */

static void report_drops(struct output *o, uint64_t *reported, uint64_t *last_ms)
{
	uint64_t total = atomic_load(&o->queue_drops) + atomic_load(&o->spool_drops);
	if (total == *reported || !o->fwd->opts.on_event || now_ms() - *last_ms < 1000)
		return;
	char msg[256], data[128];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(msg, sizeof(msg), "output '%s' dropped %" PRIu64 " records (queue or spool full)",
		 o->cfg->name, total - *reported);
	snprintf(data, sizeof(data),
		 "dropped=%" PRIu64 " total=%" PRIu64 " queue=%" PRIu64 " spool=%" PRIu64,
		 total - *reported, total, (uint64_t)atomic_load(&o->queue_drops),
		 (uint64_t)atomic_load(&o->spool_drops));
	struct ward_record r = {
		.ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
		.host_name = o->fwd->hostname,
		.type = "SystemEvent",
		.operation = "Drop",
		.resource = o->cfg->name,
		.message = msg,
		.data = data,
		.source = "ward-forwarder",
	};
	*reported = total;
	*last_ms = now_ms();
	o->fwd->opts.on_event(&r, o->fwd->opts.userdata);
}

/* Records resent after a restart may be duplicates at the receiver: say so once per batch. */
static void report_redelivered(struct output *o, size_t n)
{
	if (!o->fwd->opts.on_event)
		return;
	char msg[256], data[64];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(
		msg, sizeof(msg),
		"output '%s' resent %zu records that were in flight before a restart (possible duplicates)",
		o->cfg->name, n);
	snprintf(data, sizeof(data), "redelivered=%zu", n);
	struct ward_record r = {
		.ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
		.host_name = o->fwd->hostname,
		.type = "SystemEvent",
		.operation = "Redeliver",
		.resource = o->cfg->name,
		.message = msg,
		.data = data,
		.source = "ward-forwarder",
	};
	o->fwd->opts.on_event(&r, o->fwd->opts.userdata);
}

/* ---- spooler -------------------------------------------------------------------------------- */

static int open_segment(struct output *o, uint64_t seg)
{
	char path[4096];
	seg_path(o, seg, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	/* the descriptor is the return value (cppcheck sees a leak) */
	/* cppcheck-suppress resourceLeak */
	return fd < 0 ? -errno : fd;
}

/* fsync the spool folder: a new segment's name must survive a power loss with its data. */
static void sync_dir(struct output *o)
{
	if (!o->cfg->spool_sync_ms)
		return;
	int dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	if (!fsync(dfd))
		atomic_fetch_add(&o->spool_syncs, 1);
	close(dfd);
}

/* fdatasync @fd if the policy asks for it and it has unsynced bytes (*@dirty). */
static void sync_segment(struct output *o, int fd, int *dirty, uint64_t *last)
{
	*last = now_ms();
	if (!*dirty || fd < 0 || !o->cfg->spool_sync_ms)
		return;
	/* a failed sync leaves the data in the page cache: still sent, just not yet durable */
	if (!fdatasync(fd))
		atomic_fetch_add(&o->spool_syncs, 1);
	*dirty = 0;
}

static size_t linger_wake(const struct output *o)
{
	return o->cfg->queue_size / 2 ? o->cfg->queue_size / 2 : 1;
}

/* The spool item of @c: from the submitter's JSON when the sink can use it, else encoded. */
static int encode(struct output *o, const struct fwd_rec *c, struct strbuf *item)
{
	if (c->json && o->ops->encode_json) {
		int rc = o->ops->encode_json(o->ctx, c->json, c->json_len, item);
		if (rc <= 0)
			return rc;
		strbuf_reset(item);
	}
	return o->ops->encode(o->ctx, &c->r, item);
}

static void *spooler_main(void *arg)
{
	struct output *o = arg;
	struct strbuf item, wbuf;
	strbuf_init(&item);
	strbuf_init(&wbuf);
	struct fwd_rec **batch = calloc(o->cfg->queue_size, sizeof(*batch));
	uint64_t reported = 0, last_report = 0, w_size, last_sync = now_ms();
	unsigned sync_ms = o->cfg->spool_sync_ms;
	size_t backlog = 0;  /* the largest batch since the memory queue was last empty */
	uint64_t kicked = 0; /* writeback started up to here in the current segment */
	int fd, dirty = 0;

	pthread_mutex_lock(&o->lock);
	w_size = o->w_flushed;
	pthread_mutex_unlock(&o->lock);
	fd = open_segment(o, o->w_seg);
	sync_dir(o);
	if (!batch) {
		/* no memory for the batch array: stop taking records (they count as drops) */
		pthread_mutex_lock(&o->lock);
		o->closing = 1;
		pthread_mutex_unlock(&o->lock);
	}
	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&o->lock);
		while (!o->q_len && !o->closing) {
			struct timespec ts;
			/* idle with unsynced bytes: wake up when they are due */
			uint64_t t = now_ms(), due = last_sync + sync_ms;
			deadline(&ts,
				 dirty && sync_ms ? (due > t ? (unsigned)(due - t) : 0) : 1000);
			pthread_cond_timedwait(&o->cond, &o->lock, &ts);
			if (!o->q_len)
				break;
		}
		if (o->q_len && o->q_len < SPOOL_LINGER_MIN && !o->closing) {
			/*
			 * A trickle (the agent's records arrive one by one): let up to 10 ms of
			 * records gather rather than wake up, encode and write() per record or per
			 * millisecond. Each wake-up of this thread and of the sender costs a context
			 * switch on the cores the monitored workload runs on; at the agent's full
			 * visibility rates the 1 ms linger this replaces meant ~2,000 of them a
			 * second per output. fwd_submit() does not signal while the queue is not
			 * empty, except at half a queue (the linger must never turn into drops).
			 * The records wait in memory either way; the sender's flush_ms (200 ms)
			 * dwarfs this delay.
			 */
			struct timespec ts;
			deadline(&ts, SPOOL_LINGER_MS);
			o->lingering = 1;
			while (o->q_len < linger_wake(o) && !o->closing)
				if (pthread_cond_timedwait(&o->cond, &o->lock, &ts) == ETIMEDOUT)
					break;
			o->lingering = 0;
		}
		while (o->q_len && batch) {
			batch[n++] = o->q[o->q_head];
			o->q_head = (o->q_head + 1) % o->cfg->queue_size;
			o->q_len--;
		}
		int closing = o->closing;
		uint64_t room =
			o->cfg->spool_max > o->spool_bytes ? o->cfg->spool_max - o->spool_bytes : 0;
		pthread_mutex_unlock(&o->lock);

		for (size_t i = 0; i < n; i++) {
			strbuf_reset(&item);
			/* a full spool drops without paying for the encoding first */
			if (wbuf.len + 4 >= room || encode(o, batch[i], &item) ||
			    strbuf_error(&item) || item.len > UINT32_MAX || fd < 0 ||
			    wbuf.len + 4 + item.len > room) {
				atomic_fetch_add(&o->spool_drops, 1);
			} else {
				uint32_t len = (uint32_t)item.len;
				strbuf_append(&wbuf, (const char *)&len, 4);
				strbuf_append(&wbuf, item.buf, item.len);
				atomic_fetch_add(&o->spooled, 1);
			}
			rec_put(&o->fwd->pool, batch[i]);
			if (wbuf.len >= (256u << 10) || (i + 1 == n && wbuf.len)) {
				int rc = strbuf_error(&wbuf) ? -ENOMEM
							     : write_all(fd, wbuf.buf, wbuf.len);
				pthread_mutex_lock(&o->lock);
				if (!rc) {
					w_size += wbuf.len;
					o->spool_bytes += wbuf.len;
					o->w_flushed = w_size;
					dirty = 1;
				}
				uint64_t seg_size = w_size;
				int full = w_size >= o->seg_max;
				uint64_t next = o->w_seg + 1;
				room = o->cfg->spool_max > o->spool_bytes
					       ? o->cfg->spool_max - o->spool_bytes
					       : 0;
				pthread_cond_signal(&o->sender_cond);
				pthread_mutex_unlock(&o->lock);
				/*
				 * Start the writeback of every 4 MiB as it is written (does not
				 * wait), so the periodic fdatasync only waits for the tail: at
				 * 100k records/s a 32 MiB segment synced at once blocked the
				 * spooler ~60 ms, near what the default queue holds.
				 */
				if (sync_ms && fd >= 0 && seg_size - kicked >= (4u << 20)) {
					sync_file_range(fd, (off_t)kicked,
							(off_t)(seg_size - kicked),
							SYNC_FILE_RANGE_WRITE);
					kicked = seg_size;
				}
				if (full) {
					/*
					 * Sync the full segment and create the next one outside the
					 * lock (fwd_submit takes it and must never wait for a disk);
					 * the sender can only finish (unlink) this segment once w_seg
					 * has moved on, below.
					 */
					sync_segment(o, fd, &dirty, &last_sync);
					int nfd = open_segment(o, next);
					sync_dir(o);
					pthread_mutex_lock(&o->lock);
					if (fd >= 0)
						close(fd);
					fd = nfd;
					o->w_seg = next;
					o->w_flushed = w_size = 0;
					kicked = 0;
					pthread_cond_signal(&o->sender_cond);
					pthread_mutex_unlock(&o->lock);
				}
				if (rc)
					atomic_fetch_add(&o->spool_drops, 1);
				strbuf_reset(&wbuf);
			}
		}
		report_drops(o, &reported, &last_report);
		if (n > backlog)
			backlog = n;
		if (n && backlog >= REC_TRIM_AFTER) {
			pthread_mutex_lock(&o->lock);
			int drained = !o->q_len;
			pthread_mutex_unlock(&o->lock);
			if (drained) {
				/*
				 * A burst filled the queue and is spooled: give its copies' memory back.
				 * The pool's buffers are spread over the heap and keep glibc from
				 * trimming it by itself (RSS stayed at twice the idle size after a
				 * 300,000-record burst); malloc_trim releases the free pages between.
				 */
				malloc_trim(0);
				backlog = 0;
			}
		}
		if (dirty && sync_ms && now_ms() - last_sync >= sync_ms)
			sync_segment(o, fd, &dirty, &last_sync);
		if (closing && !n)
			break;
	}
	sync_segment(o, fd, &dirty, &last_sync);
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&o->lock);
	o->spool_done = 1;
	pthread_cond_signal(&o->sender_cond);
	pthread_mutex_unlock(&o->lock);
	free(batch);
	strbuf_done(&item);
	strbuf_done(&wbuf);
	return NULL;
}

/* ---- sender --------------------------------------------------------------------------------- */

/* Sleep @ms unless aborted. Return 1 when aborted. */
static int pause_ms(struct output *o, unsigned ms)
{
	struct timespec ts;
	deadline(&ts, ms);
	pthread_mutex_lock(&o->lock);
	while (!o->abort) {
		/* its own condition: the spooler's "spool grew" signals would only wake it early */
		if (pthread_cond_timedwait(&o->pause_cond, &o->lock, &ts) == ETIMEDOUT)
			break;
	}
	int a = o->abort;
	pthread_mutex_unlock(&o->lock);
	return a;
}

static unsigned backoff(const struct fwd_output_config *c, unsigned attempt)
{
	uint64_t d = c->retry_initial_ms;
	for (unsigned i = 0; i < attempt && d < c->retry_max_ms; i++)
		d *= 2;
	if (d > c->retry_max_ms)
		d = c->retry_max_ms;
	/* full jitter on the upper half: many agents do not retry in lockstep */
	return (unsigned)(d / 2 + (uint64_t)random() % (d / 2 + 1));
}

/*
 * Deliver @n items; return only once each is acknowledged or rejected (0), or on abort (-1).
 * @redeliver counts how many of them may already have been delivered before a restart.
 */
static int deliver(struct output *o, struct fwd_item *items, size_t n, size_t redeliver)
{
	uint8_t *st = calloc(n, 1);
	unsigned attempt = 0;
	int rc = 0, again = 0;
	if (!st)
		return -1;
	atomic_fetch_add(&o->redelivered, redeliver);
	while (n) {
		if (again)
			atomic_fetch_add(&o->retried, n);
		memset(st, FWD_ITEM_RETRY, n);
		if (atomic_exchange(&o->reopen, 0) && o->ops->reopen)
			o->ops->reopen(o->ctx);
		int r = o->ops->send(o->ctx, items, n, st);
		size_t keep = 0;
		if (r >= 0) {
			for (size_t i = 0; i < n; i++) {
				if (st[i] == FWD_ITEM_OK)
					atomic_fetch_add(&o->sent, 1);
				else if (st[i] == FWD_ITEM_REJECT)
					atomic_fetch_add(&o->rejected, 1);
				else
					items[keep++] = items[i];
			}
		} else {
			keep = n;
		}
		if (!keep) {
			atomic_store(&o->connected, 1);
			break;
		}
		atomic_store(&o->connected, r >= 0);
		atomic_fetch_add(&o->failures, 1);
		n = keep;
		again = 1;
		if (pause_ms(o, backoff(o->cfg, attempt++))) {
			rc = -1;
			break;
		}
	}
	free(st);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? 0 : (uint64_t)sb.st_size;
}

static void *sender_main(void *arg)
{
	struct output *o = arg;
	uint64_t st[4];
	char path[4096];
	int rfd = -1;
	uint64_t rfd_seg = UINT64_MAX;
	char *buf = malloc(READ_MAX);
	size_t cap_items = o->cfg->batch_max;
	struct fwd_item *items = calloc(cap_items, sizeof(*items));
	uint64_t *ends = calloc(cap_items, sizeof(*ends));

	if (pread(o->state_fd, st, sizeof(st), 0) != sizeof(st))
		memset(st, 0, sizeof(st));
	uint64_t r_seg = st[0], r_off = st[1];
	uint64_t redo_seg = st[2], redo_off = st[3];
	uint64_t pending_since = 0;
	size_t avg_item = 1024;

	while (buf && items && ends) {
		pthread_mutex_lock(&o->lock);
		uint64_t w_seg = o->w_seg, avail;
		for (;;) {
			w_seg = o->w_seg;
			avail = r_seg == w_seg ? (o->w_flushed > r_off ? o->w_flushed - r_off : 0)
					       : 1;
			if (avail || o->abort || (o->closing && o->spool_done))
				break;
			if (o->closing) {
				struct timespec ts;
				deadline(&ts, 50);
				pthread_cond_timedwait(&o->sender_cond, &o->lock, &ts);
			} else {
				pthread_cond_wait(&o->sender_cond, &o->lock);
			}
		}
		int stop = o->abort || (!avail && o->closing && o->spool_done);
		pthread_mutex_unlock(&o->lock);
		if (stop)
			break;

		if (rfd_seg != r_seg) {
			if (rfd >= 0)
				close(rfd);
			seg_path(o, r_seg, path, sizeof(path));
			rfd = open(path, O_RDONLY | O_CLOEXEC);
			rfd_seg = r_seg;
		}
		pthread_mutex_lock(&o->lock);
		w_seg = o->w_seg;
		uint64_t limit = r_seg == w_seg ? o->w_flushed : 0;
		pthread_mutex_unlock(&o->lock);
		if (r_seg != w_seg)
			limit = rfd >= 0 ? file_size(path) : 0;
		if (r_off >= limit) {
			if (r_seg == w_seg)
				continue;
			/* a finished segment: drop it and move to the next */
			if (rfd >= 0)
				close(rfd);
			rfd = -1;
			rfd_seg = UINT64_MAX;
			unlink(path);
			pthread_mutex_lock(&o->lock);
			o->spool_bytes = o->spool_bytes > limit ? o->spool_bytes - limit : 0;
			pthread_mutex_unlock(&o->lock);
			r_seg++;
			r_off = 0;
			st[0] = r_seg;
			st[1] = 0;
			state_save(o, st);
			continue;
		}
		/* read about one batch: batch_max items of the average size seen so far */
		size_t left = limit - r_off > READ_MAX ? READ_MAX : (size_t)(limit - r_off);
		size_t want = cap_items * (avg_item + 4) + cap_items * (avg_item + 4) / 4 + 4096;
		if (want > left)
			want = left;
		ssize_t got = rfd >= 0 ? pread(rfd, buf, want, (off_t)r_off) : -1;
		if (got >= 4) {
			uint32_t first;
			memcpy(&first, buf, 4);
			/* one item larger than the estimate: read exactly it */
			if ((size_t)first + 4 > (size_t)got && (size_t)first + 4 <= left)
				got = pread(rfd, buf, (size_t)first + 4, (off_t)r_off);
		}
		if (got <= 0) {
			pause_ms(o, 100);
			continue;
		}
		size_t n = 0, pos = 0, redo = 0;
		while (n < cap_items && pos + 4 <= (size_t)got) {
			uint32_t len;
			memcpy(&len, buf + pos, 4);
			if (pos + 4 + len > (size_t)got) {
				if (!n && (size_t)len + 4 > left) {
					/* corrupt length or a segment cut short by a crash: skip its rest */
					pos = (size_t)(limit - r_off);
				}
				break;
			}
			items[n] = (struct fwd_item){ .data = buf + pos + 4, .len = len };
			pos += 4 + len;
			ends[n] = r_off + pos;
			if (r_seg < redo_seg || (r_seg == redo_seg && r_off + pos <= redo_off))
				redo++;
			n++;
		}
		if (n)
			avg_item = pos / n;
		if (!n) {
			r_off += pos;
			continue;
		}
		/*
		 * A batch goes out when it is full or its oldest item has waited flush_ms: per-request
		 * receivers (HTTP, ClickHouse parts) need big batches, a trickle still leaves quickly.
		 */
		if (n < cap_items && r_seg == w_seg && (size_t)got == left && left < READ_MAX &&
		    o->cfg->flush_ms) {
			pthread_mutex_lock(&o->lock);
			int closing = o->closing;
			pthread_mutex_unlock(&o->lock);
			uint64_t t = now_ms();
			if (!pending_since)
				pending_since = t;
			if (!closing && t - pending_since < o->cfg->flush_ms) {
				pause_ms(o, (unsigned)(o->cfg->flush_ms - (t - pending_since)));
				continue;
			}
		}
		pending_since = 0;
		st[2] = r_seg;
		st[3] = r_off + pos;
		state_save(o, st);
		if (deliver(o, items, n, redo))
			break;
		if (redo)
			report_redelivered(o, redo);
		r_off += pos;
		st[0] = r_seg;
		st[1] = r_off;
		state_save(o, st);
		pthread_mutex_lock(&o->lock);
		/* bytes of the current segment count until it is deleted; nothing to do here */
		pthread_mutex_unlock(&o->lock);
	}
	if (rfd >= 0)
		close(rfd);
	/* the acknowledged position as of a clean stop: no resending after the next start */
	if (o->cfg->spool_sync_ms && !fdatasync(o->state_fd))
		atomic_fetch_add(&o->spool_syncs, 1);
	free(buf);
	free(items);
	free(ends);
	return NULL;
}

/* ---- start / submit / stop ------------------------------------------------------------------ */

static int mkdir_p(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Existing segments: the writer starts after the newest, the sender at the acknowledged one. */
static int spool_open(struct output *o)
{
	int rc = mkdir_p(o->dir);
	if (rc)
		return rc;
	char path[4096];
	snprintf(path, sizeof(path), "%s/state", o->dir);
	o->state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (o->state_fd < 0)
		return -errno;
	uint64_t st[4] = { 0 };
	if (pread(o->state_fd, st, sizeof(st), 0) != sizeof(st))
		memset(st, 0, sizeof(st));
	DIR *d = opendir(o->dir);
	if (!d)
		return -errno;
	uint64_t min = UINT64_MAX, max = 0;
	int any = 0;
	struct dirent *de;
	/* readdir on a DIR only this thread uses is safe; readdir_r is deprecated */
	/* cppcheck-suppress readdirCalled */
	while ((de = readdir(d))) {
		char *end;
		unsigned long long seg = strtoull(de->d_name, &end, 10);
		if (end == de->d_name || strcmp(end, ".seg"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->dir, de->d_name);
		o->spool_bytes += file_size(path);
		any = 1;
		if (seg < min)
			min = seg;
		if (seg > max)
			max = seg;
	}
	closedir(d);
	if (!any) {
		st[0] = st[2] = 0;
		st[1] = st[3] = 0;
		o->w_seg = 0;
	} else {
		if (st[0] < min) {
			st[0] = min;
			st[1] = 0;
		}
		o->w_seg = max + 1;
		if (st[0] > max) {
			/* a state naming segments that are not on disk (torn write): resend all, at
			 * least once beats at most once */
			st[0] = min;
			st[1] = 0;
			st[2] = st[3] = 0;
		}
	}
	o->w_flushed = 0;
	state_save(o, st);
	return 0;
}

static void output_free(struct output *o)
{
	if (o->ctx)
		o->ops->destroy(o->ctx);
	if (o->q) {
		for (size_t i = 0; i < o->q_len; i++)
			rec_put(&o->fwd->pool, o->q[(o->q_head + i) % o->cfg->queue_size]);
		free(o->q);
	}
	if (o->state_fd > 0)
		close(o->state_fd);
	free(o->dir);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	pthread_cond_destroy(&o->sender_cond);
	pthread_cond_destroy(&o->pause_cond);
}

static void stop_threads(struct fwd *f, unsigned timeout_ms)
{
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		pthread_mutex_lock(&o->lock);
		o->closing = 1;
		pthread_cond_broadcast(&o->cond);
		pthread_cond_broadcast(&o->sender_cond);
		pthread_mutex_unlock(&o->lock);
	}
	uint64_t end = now_ms() + timeout_ms;
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		if (!o->threads)
			continue;
		pthread_join(o->spooler, NULL);
		/* the sender exits by itself once it has caught up with the spool */
		for (;;) {
			if (!pthread_tryjoin_np(o->sender, NULL)) {
				o->threads = 0;
				break;
			}
			if (now_ms() >= end)
				break;
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
		pthread_mutex_lock(&o->lock);
		o->abort = 1;
		pthread_cond_broadcast(&o->sender_cond);
		pthread_cond_broadcast(&o->pause_cond);
		pthread_mutex_unlock(&o->lock);
	}
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		if (o->threads)
			pthread_join(o->sender, NULL);
		o->threads = 0;
	}
}

int fwd_start(const struct fwd_config *cfg, const struct fwd_start_opts *opts, struct fwd **ret,
	      struct diag *diag)
{
	int rc = 0;
	struct fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->pool.lock, NULL);
	f->opts = *opts;
	char hn[256] = "";
	gethostname(hn, sizeof(hn) - 1);
	f->hostname = strdup(opts->hostname ? opts->hostname : hn);
	f->outs = calloc(cfg->n_outputs ? cfg->n_outputs : 1, sizeof(*f->outs));
	if (!f->outs || !f->hostname) {
		free(f->hostname);
		free(f->outs);
		rec_pool_done(&f->pool);
		free(f);
		return -ENOMEM;
	}
	srandom((unsigned)(now_ms() ^ (uint64_t)getpid()));
	for (size_t i = 0; i < cfg->n_outputs; i++) {
		struct output *o = &f->outs[i];
		const struct fwd_output_config *c = &cfg->outputs[i];
		f->n = i + 1;
		o->fwd = f;
		o->cfg = c;
		o->state_fd = -1;
		o->ops = fwd_ops_find(c->type);
		pthread_mutex_init(&o->lock, NULL);
		pthread_cond_init(&o->cond, NULL);
		pthread_cond_init(&o->sender_cond, NULL);
		pthread_cond_init(&o->pause_cond, NULL);
		if (!o->ops) {
			rc = diag_err(diag, c->file, c->line, c->col, "unknown output type '%s'",
				      c->type);
			goto fail;
		}
		o->seg_max =
			c->spool_max / 8 < SEG_MAX_DEFAULT ? c->spool_max / 8 : SEG_MAX_DEFAULT;
		if (o->seg_max < 4096)
			o->seg_max = 4096;
		o->q = calloc(c->queue_size, sizeof(*o->q));
		if (asprintf(&o->dir, "%s/%s", opts->spool_dir, c->name) < 0)
			o->dir = NULL;
		if (!o->q || !o->dir) {
			rc = -ENOMEM;
			goto fail;
		}
		if ((rc = o->ops->create(c, &o->ctx, diag)))
			goto fail;
		if ((rc = spool_open(o))) {
			diag_err(diag, c->file, c->line, c->col, "output '%s': spool %s: %s",
				 c->name, o->dir, strerror(-rc));
			goto fail;
		}
	}
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		if (pthread_create(&o->spooler, NULL, spooler_main, o)) {
			rc = -EAGAIN;
			goto fail;
		}
		if (pthread_create(&o->sender, NULL, sender_main, o)) {
			pthread_mutex_lock(&o->lock);
			o->closing = 1;
			pthread_cond_broadcast(&o->cond);
			pthread_mutex_unlock(&o->lock);
			pthread_join(o->spooler, NULL);
			rc = -EAGAIN;
			goto fail;
		}
		o->threads = 1;
	}
	*ret = f;
	return 0;
fail:
	stop_threads(f, 0);
	for (size_t i = 0; i < f->n; i++)
		output_free(&f->outs[i]);
	free(f->outs);
	free(f->hostname);
	rec_pool_done(&f->pool);
	free(f);
	return rc;
}

int fwd_submit(struct fwd *f, const struct ward_record *r)
{
	return fwd_submit_json(f, r, NULL, 0);
}

/* Whether output @i took @r in fwd_submit_json's first pass (@match: its first 64 outputs). */
static int took(const struct fwd *f, size_t i, uint64_t match, const struct ward_record *r)
{
	return i < 64 ? (int)((match >> i) & 1) : fwd_filter_match(&f->outs[i].cfg->filter, r);
}

int fwd_submit_json(struct fwd *f, const struct ward_record *r, const char *json, size_t len)
{
	/* which outputs take it: one shared copy with a reference for each */
	uint64_t match = 0;
	unsigned takers = 0, json_takers = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		if (!fwd_filter_match(&o->cfg->filter, r)) {
			atomic_fetch_add(&o->filtered, 1);
			continue;
		}
		atomic_fetch_add(&o->submitted, 1);
		if (i < 64)
			match |= 1ull << i;
		takers++;
		json_takers += o->ops->encode_json != NULL;
	}
	if (!takers)
		return 0;
	struct fwd_rec *c = rec_copy(&f->pool, r, json_takers ? json : NULL, len, takers);
	if (!c) {
		for (size_t i = 0; i < f->n; i++)
			if (took(f, i, match, r))
				atomic_fetch_add(&f->outs[i].queue_drops, 1);
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->n; i++) {
		struct output *o = &f->outs[i];
		if (!took(f, i, match, r))
			continue;
		pthread_mutex_lock(&o->lock);
		if (o->q_len == o->cfg->queue_size || o->closing) {
			pthread_mutex_unlock(&o->lock);
			atomic_fetch_add(&o->queue_drops, 1);
			rec_put(&f->pool, c);
			continue;
		}
		o->q[(o->q_head + o->q_len) % o->cfg->queue_size] = c;
		if (o->q_len++ == 0 || (o->lingering && o->q_len == linger_wake(o)))
			pthread_cond_signal(&o->cond);
		pthread_mutex_unlock(&o->lock);
	}
	return 0;
}

size_t fwd_stats(struct fwd *f, struct fwd_output_stats *out, size_t max)
{
	for (size_t i = 0; i < f->n && i < max; i++) {
		struct output *o = &f->outs[i];
		struct fwd_output_stats *s = &out[i];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", o->cfg->name);
		s->submitted = atomic_load(&o->submitted);
		s->filtered = atomic_load(&o->filtered);
		s->queue_drops = atomic_load(&o->queue_drops);
		s->spool_drops = atomic_load(&o->spool_drops);
		s->spooled = atomic_load(&o->spooled);
		s->sent = atomic_load(&o->sent);
		s->rejected = atomic_load(&o->rejected);
		s->failures = atomic_load(&o->failures);
		s->retried = atomic_load(&o->retried) +
			     (o->ops->resent && o->ctx ? o->ops->resent(o->ctx) : 0);
		s->redelivered = atomic_load(&o->redelivered);
		s->spool_syncs = atomic_load(&o->spool_syncs);
		s->connected = atomic_load(&o->connected);
		pthread_mutex_lock(&o->lock);
		s->spool_bytes = o->spool_bytes;
		pthread_mutex_unlock(&o->lock);
	}
	return f->n;
}

int fwd_metrics(struct fwd *f, struct strbuf *out)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} m[] = {
#define M(n, t, h) { #n, t, h, offsetof(struct fwd_output_stats, n) }
		M(submitted, "counter", "records that passed the output's filter"),
		M(filtered, "counter", "records the output's filter left out"),
		M(queue_drops, "counter", "records dropped: memory queue full"),
		M(spool_drops, "counter", "records dropped: spool full"),
		M(spooled, "counter", "records written to the spool"),
		M(sent, "counter", "records acknowledged by the receiver"),
		M(rejected, "counter", "records refused permanently by the receiver"),
		M(failures, "counter", "failed send attempts"),
		M(retried, "counter", "records sent again after a failed attempt"),
		M(redelivered, "counter", "records sent again after a restart"),
		M(spool_syncs, "counter", "fdatasync calls on the spool"),
		M(spool_bytes, "gauge", "bytes in the spool"),
#undef M
	};
	struct fwd_output_stats *st = calloc(f->n ? f->n : 1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	size_t n = fwd_stats(f, st, f->n);
	for (size_t k = 0; k < WARD_ARRAY_SIZE(m); k++) {
		const char *suffix = strcmp(m[k].type, "counter") ? "" : "_total";
		strbuf_printf(out, "# HELP ward_fwd_%s%s %s\n# TYPE ward_fwd_%s%s %s\n", m[k].name,
			      suffix, m[k].help, m[k].name, suffix, m[k].type);
		for (size_t i = 0; i < n; i++) {
			uint64_t v;
			memcpy(&v, (const char *)&st[i] + m[k].off, sizeof(v));
			strbuf_printf(out, "ward_fwd_%s%s{output=\"%s\"} %" PRIu64 "\n", m[k].name,
				      suffix, st[i].name, v);
		}
	}
	strbuf_puts(
		out,
		"# HELP ward_fwd_connected last send attempt succeeded\n# TYPE ward_fwd_connected gauge\n");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(out, "ward_fwd_connected{output=\"%s\"} %d\n", st[i].name,
			      st[i].connected);
	free(st);
	return strbuf_error(out);
}

void fwd_reopen(struct fwd *f)
{
	for (size_t i = 0; i < f->n; i++)
		atomic_store(&f->outs[i].reopen, 1);
}

void fwd_stop(struct fwd *f, unsigned timeout_ms)
{
	if (!f)
		return;
	stop_threads(f, timeout_ms);
	for (size_t i = 0; i < f->n; i++)
		output_free(&f->outs[i]);
	free(f->outs);
	free(f->hostname);
	rec_pool_done(&f->pool);
	free(f);
}
