/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ship.c - batches, the on-disk spool and the sender thread (see ship.h).
 *
 * Delivery is at least once: a batch is deleted from the spool only after a 200 answer; if an
 * answer is lost after the server committed, the batch is sent again (a duplicate, never a
 * loss). Batches go in order, one at a time, so a server sees each agent's records in order.
 */
#include "ship/ship.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/strbuf.h"
#include "record/record.h"

struct ship {
	char *url;  /* .../api/v1/ingest */
	char *auth; /* "Authorization: Bearer ..." */
	char *dir;
	char *ca_file;
	char agent_id[40]; /* random, kept in the spool: batch ids stay unique across restarts */
	int insecure;
	uint64_t spool_max;
	unsigned batch_records, batch_ms;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* sender: work or stop; flushers: progress */
	struct strbuf batch;
	unsigned batch_n;
	int64_t batch_t0_ms;
	uint64_t next_seq;
	uint64_t *fifo; /* spool file sequence numbers, oldest first */
	size_t fifo_head, fifo_n, fifo_cap;
	int writing; /* seals in progress outside the lock */
	int stop;
	struct ship_stats st;
	pthread_t thread;
	int started;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void spool_path(const struct ship *s, uint64_t seq, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%020" PRIu64 ".ndjson", s->dir, seq);
}

static int fifo_push(struct ship *s, uint64_t seq)
{
	if (s->fifo_head + s->fifo_n == s->fifo_cap) {
		if (s->fifo_head) {
			memmove(s->fifo, s->fifo + s->fifo_head, s->fifo_n * sizeof(*s->fifo));
			s->fifo_head = 0;
		} else {
			size_t nc = s->fifo_cap ? s->fifo_cap * 2 : 256;
			uint64_t *nf = realloc(s->fifo, nc * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			s->fifo = nf;
			s->fifo_cap = nc;
		}
	}
	s->fifo[s->fifo_head + s->fifo_n++] = seq;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Seal the open batch: take it out under the lock, write it to the spool without the lock (so
 * ship_send() callers never wait on the disk), then queue it. Called with the lock held;
 * returns with it held.
 */
static void seal_locked(struct ship *s)
{
	if (!s->batch_n)
		return;
	struct strbuf data = s->batch;
	unsigned n = s->batch_n;
	strbuf_init(&s->batch);
	s->batch_n = 0;
	if (s->st.spool_bytes + data.len > s->spool_max) {
		s->st.records_dropped += n;
		strbuf_done(&data);
		return;
	}
	uint64_t seq = s->next_seq++;
	s->st.spool_bytes += data.len; /* reserved now, so concurrent seals respect the bound */
	s->writing++;
	pthread_mutex_unlock(&s->lock);

	char path[PATH_MAX], tmp[PATH_MAX + 8];
	spool_path(s, seq, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int r = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	else {
		r = write_all(fd, data.buf, data.len);
		if (close(fd) < 0 && !r)
			r = -errno;
	}
	/* rename last: a crash leaves a whole batch or a .tmp that start-up removes */
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);

	pthread_mutex_lock(&s->lock);
	s->writing--;
	if (r || fifo_push(s, seq) < 0) {
		s->st.spool_bytes -= data.len;
		s->st.records_dropped += n;
		if (!r)
			unlink(path);
	} else {
		s->st.spool_files++;
	}
	strbuf_done(&data);
	pthread_cond_broadcast(&s->wake);
}

/* count the line just appended to the open batch; seal it when full. Lock held. */
static int queued_locked(struct ship *s)
{
	if (!s->batch_n++)
		s->batch_t0_ms = now_ms();
	s->st.records_queued++;
	if (s->batch_n >= s->batch_records || s->batch.len >= SHIP_MAX_BATCH_BYTES) {
		uint64_t dropped = s->st.records_dropped;
		seal_locked(s);
		if (s->st.records_dropped != dropped)
			return -ENOSPC;
	}
	return 0;
}

/* drop a partial line: the batch must stay valid NDJSON. Lock held. */
static void truncate_locked(struct ship *s, size_t len)
{
	s->batch.len = len;
	s->batch.oom = 0;
	if (s->batch.buf)
		s->batch.buf[len] = '\0';
}

int ship_send(struct ship *s, const struct ward_record *r)
{
	int ret;
	pthread_mutex_lock(&s->lock);
	size_t before = s->batch.len;
	int jr = record_to_json(r, &s->batch);
	if (jr >= 0)
		strbuf_putc(&s->batch, '\n');
	if (jr < 0 || strbuf_error(&s->batch)) {
		truncate_locked(s, before);
		ret = -ENOMEM;
		goto out;
	}
	ret = queued_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int ship_send_json(struct ship *s, const char *json, size_t len)
{
	int ret;
	/* one NDJSON line: the server counts lines, so an embedded newline would split a record */
	if (!len || memchr(json, '\n', len))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	size_t before = s->batch.len;
	strbuf_append(&s->batch, json, len);
	strbuf_putc(&s->batch, '\n');
	if (strbuf_error(&s->batch)) {
		truncate_locked(s, before);
		ret = -ENOMEM;
		goto out;
	}
	ret = queued_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

struct resp {
	char buf[512];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t len = size * n;
	size_t room = sizeof(r->buf) - 1 - r->len;
	size_t k = len < room ? len : room;
	memcpy(r->buf + r->len, p, k);
	r->len += k;
	r->buf[r->len] = '\0';
	return len;
}

static int read_file(const char *path, struct strbuf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[65536];
	ssize_t k;
	strbuf_reset(out);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		strbuf_append(out, buf, (size_t)k);
	int r = k < 0 ? -errno : strbuf_error(out);
	close(fd);
	return r;
}

static unsigned count_lines(const struct strbuf *b)
{
	unsigned n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->buf[i] == '\n';
	return n;
}

/*
 * POST one batch with its id (X-Ward-Batch: AGENT-SEQ; a server that remembers ids stores a
 * resent batch once). Return: 0 accepted, 1 rejected for good (400/413/422), -1 retry.
 */
static int post_batch(struct ship *s, CURL *c, struct curl_slist *hdrs, uint64_t seq,
		      const struct strbuf *b)
{
	struct resp resp = { .len = 0 };
	char idh[96];
	snprintf(idh, sizeof(idh), "X-Ward-Batch: %s-%" PRIu64, s->agent_id, seq);
	struct curl_slist *all = curl_slist_append(NULL, idh);
	for (struct curl_slist *h = hdrs; h && all; h = h->next)
		all = curl_slist_append(all, h->data);
	if (!all)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, all);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (s->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	if (s->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode cr = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(all);
	if (cr != CURLE_OK)
		return -1;
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code == 200 && strstr(resp.buf, "\"accepted\""))
		return 0;
	/* a batch the server calls invalid will never pass: set it aside, do not block the rest */
	if (code == 400 || code == 413 || code == 422)
		return 1;
	return -1;
}

static void set_aside(struct ship *s, const char *path, uint64_t seq)
{
	char dir[PATH_MAX], dst[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/rejected", s->dir);
	mkdir(dir, 0700);
	snprintf(dst, sizeof(dst), "%s/%020" PRIu64 ".ndjson", dir, seq);
	if (rename(path, dst) < 0)
		unlink(path);
}

static void wait_ms(struct ship *s, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void *sender(void *arg)
{
	struct ship *s = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	hdrs = curl_slist_append(hdrs, s->auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/x-ndjson");
	hdrs = curl_slist_append(hdrs, "Expect:");
	struct strbuf data;
	strbuf_init(&data);
	int64_t backoff = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		if (s->batch_n && now_ms() - s->batch_t0_ms >= s->batch_ms)
			seal_locked(s);
		if (!s->fifo_n || !c || !hdrs) {
			wait_ms(s, s->batch_ms / 2 + 1);
			continue;
		}
		uint64_t seq = s->fifo[s->fifo_head];
		pthread_mutex_unlock(&s->lock);

		char path[PATH_MAX];
		spool_path(s, seq, path, sizeof(path));
		int r = read_file(path, &data);
		int outcome = r < 0 ? 2 : post_batch(s, c, hdrs, seq, &data);
		unsigned lines = r < 0 ? 0 : count_lines(&data);
		if (outcome == 0)
			unlink(path);
		else if (outcome == 1)
			set_aside(s, path, seq);

		pthread_mutex_lock(&s->lock);
		if (outcome >= 0) {
			s->fifo_head++;
			s->fifo_n--;
			s->st.spool_files--;
			s->st.spool_bytes -=
				s->st.spool_bytes < data.len ? s->st.spool_bytes : data.len;
			if (outcome == 0)
				s->st.records_sent += lines;
			else if (outcome == 1)
				s->st.records_rejected += lines;
			backoff = 0;
			pthread_cond_broadcast(&s->wake);
		} else {
			s->st.send_errors++;
			backoff = backoff ? backoff * 2 : 100;
			if (backoff > SHIP_BACKOFF_MAX_MS)
				backoff = SHIP_BACKOFF_MAX_MS;
			wait_ms(s, backoff);
		}
	}
	pthread_mutex_unlock(&s->lock);
	strbuf_done(&data);
	curl_slist_free_all(hdrs);
	if (c)
		curl_easy_cleanup(c);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Batches of an earlier run are sent first, in their order; half-written .tmp files go. */
static int spool_scan(struct ship *s)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		uint64_t seq;
		char tail[16];
		if (sscanf(e->d_name, "%20" SCNu64 ".%15s", &seq, tail) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
		if (strcmp(tail, "ndjson")) {
			unlink(path);
			continue;
		}
		struct stat st;
		if (stat(path, &st) < 0)
			continue;
		if (fifo_push(s, seq) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		s->st.spool_bytes += (uint64_t)st.st_size;
		s->st.spool_files++;
		if (seq >= s->next_seq)
			s->next_seq = seq + 1;
	}
	closedir(d);
	if (s->fifo_n) /* an empty spool has no fifo yet (qsort of NULL is undefined) */
		qsort(s->fifo + s->fifo_head, s->fifo_n, sizeof(*s->fifo), cmp_u64);
	return 0;
}

/* The agent id: read from the spool, or made once (16 random bytes, hex) and kept there. */
static int agent_id_load(struct ship *s)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/agent-id", s->dir);
	FILE *f = fopen(path, "re");
	if (f) {
		int ok = fscanf(f, "%32[0-9a-f]", s->agent_id) == 1 && strlen(s->agent_id) == 32;
		fclose(f);
		if (ok)
			return 0;
	}
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t k = read(fd, raw, sizeof(raw));
	close(fd);
	if (k != (ssize_t)sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s->agent_id + 2 * i, 3, "%02x", raw[i]);
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", s->agent_id);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* curl_global_init() is not thread-safe; once per process, never cleaned up (others may use it) */
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void ship_free(struct ship *s)
{
	free(s->url);
	free(s->auth);
	free(s->dir);
	free(s->ca_file);
	free(s->fifo);
	strbuf_done(&s->batch);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int ship_start(const struct ship_config *cfg, struct ship **ret)
{
	if (!cfg->url || !*cfg->url || !cfg->token || !*cfg->token || !cfg->spool_dir)
		return -EINVAL;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, curl_init_once);

	struct ship *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	strbuf_init(&s->batch);
	s->spool_max = cfg->spool_max_bytes ? cfg->spool_max_bytes : SHIP_DEFAULT_SPOOL_MAX;
	s->batch_records = cfg->batch_records ? cfg->batch_records : SHIP_DEFAULT_BATCH;
	s->batch_ms = cfg->batch_ms ? cfg->batch_ms : SHIP_DEFAULT_BATCH_MS;
	s->insecure = cfg->insecure;
	size_t ul = strlen(cfg->url);
	while (ul && cfg->url[ul - 1] == '/')
		ul--;
	if (asprintf(&s->url, "%.*s/api/v1/ingest", (int)ul, cfg->url) < 0)
		s->url = NULL;
	if (asprintf(&s->auth, "Authorization: Bearer %s", cfg->token) < 0)
		s->auth = NULL;
	s->dir = strdup(cfg->spool_dir);
	s->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	if (!s->url || !s->auth || !s->dir || (cfg->ca_file && !s->ca_file)) {
		ship_free(s);
		return -ENOMEM;
	}
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		ship_free(s);
		return r;
	}
	int r = agent_id_load(s);
	if (r == 0)
		r = spool_scan(s);
	if (r < 0) {
		ship_free(s);
		return r;
	}
	r = -pthread_create(&s->thread, NULL, sender, s);
	if (r < 0) {
		ship_free(s);
		return r;
	}
	s->started = 1;
	*ret = s;
	return 0;
}

int ship_flush(struct ship *s, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	pthread_mutex_lock(&s->lock);
	seal_locked(s);
	pthread_cond_broadcast(&s->wake);
	while ((s->fifo_n || s->writing || s->batch_n) && now_ms() < end)
		wait_ms(s, 50);
	int r = s->fifo_n || s->writing || s->batch_n ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&s->lock);
	return r;
}

void ship_get_stats(struct ship *s, struct ship_stats *ret)
{
	pthread_mutex_lock(&s->lock);
	*ret = s->st;
	pthread_mutex_unlock(&s->lock);
}

void ship_stop(struct ship *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	seal_locked(s);
	while (s->writing)
		wait_ms(s, 20);
	s->stop = 1;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->started)
		pthread_join(s->thread, NULL);
	ship_free(s);
}
