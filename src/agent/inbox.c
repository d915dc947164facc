/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inbox.c - records made on other threads (the enforcer's blocks, the forwarders' SystemEvent
 * drops) on their way to the agent's sinks. A producer copies its record (JSON round trip into
 * an owned record) under a mutex and pokes an eventfd; the agent thread drains the queue from
 * its loop, so every sink keeps being called from one thread only. Bounded: a full inbox drops
 * and counts, it never blocks the enforcer's thread.
 */
#include "agent/agent.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"

struct agent_inbox {
	pthread_mutex_t lock;
	struct record_owned *q[AGENT_INBOX_MAX];
	size_t head, n;
	uint64_t lost;
	int efd;
};

int agent_inbox_new(struct agent_inbox **ret)
{
	struct agent_inbox *in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (in->efd < 0) {
		int r = -errno;
		free(in);
		return r;
	}
	pthread_mutex_init(&in->lock, NULL);
	*ret = in;
	return 0;
}

void agent_inbox_free(struct agent_inbox *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n; i++)
		record_owned_free(in->q[(in->head + i) % AGENT_INBOX_MAX]);
	pthread_mutex_destroy(&in->lock);
	close(in->efd);
	free(in);
}

int agent_inbox_put(struct agent_inbox *in, const struct ward_record *r)
{
	struct strbuf sb;
	struct diag d;
	struct record_owned *o = NULL;
	strbuf_init(&sb);
	diag_init(&d);
	int ret = record_to_json(r, &sb);
	if (!ret)
		ret = record_from_json(sb.buf, sb.len, "inbox", 1, &o, &d);
	strbuf_done(&sb);
	diag_done(&d);
	if (ret)
		return ret < 0 ? ret : -ENOMEM;
	pthread_mutex_lock(&in->lock);
	if (in->n == AGENT_INBOX_MAX) {
		in->lost++;
		pthread_mutex_unlock(&in->lock);
		record_owned_free(o);
		return -ENOSPC;
	}
	in->q[(in->head + in->n) % AGENT_INBOX_MAX] = o;
	in->n++;
	pthread_mutex_unlock(&in->lock);
	uint64_t one = 1;
	(void)!write(in->efd, &one, sizeof(one));
	return 0;
}

size_t agent_inbox_drain(struct agent_inbox *in, struct agent *a)
{
	uint64_t v;
	(void)!read(in->efd, &v, sizeof(v));
	size_t done = 0;
	for (;;) {
		pthread_mutex_lock(&in->lock);
		struct record_owned *o = NULL;
		if (in->n) {
			o = in->q[in->head];
			in->head = (in->head + 1) % AGENT_INBOX_MAX;
			in->n--;
		}
		pthread_mutex_unlock(&in->lock);
		if (!o)
			break;
		agent_emit(a, &o->rec);
		record_owned_free(o);
		done++;
	}
	return done;
}

int agent_inbox_fd(const struct agent_inbox *in)
{
	return in->efd;
}

uint64_t agent_inbox_lost(struct agent_inbox *in)
{
	pthread_mutex_lock(&in->lock);
	uint64_t l = in->lost;
	pthread_mutex_unlock(&in->lock);
	return l;
}

/* ---- one source for the monitor's events and the inbox's records ------------------------ */

struct inbox_src {
	struct agent_source inner;
	struct agent_inbox *in;
	struct agent *a;
	int ep; /* epoll over the inner source's fd and the inbox's eventfd */
};

static int is_fd(void *ctx)
{
	struct inbox_src *s = ctx;
	return s->ep;
}

static int is_poll(void *ctx, int timeout_ms, agent_event_fn cb, void *cb_ctx)
{
	struct inbox_src *s = ctx;
	int r = 0;
	if (s->inner.poll)
		r = s->inner.poll(s->inner.ctx, timeout_ms, cb, cb_ctx);
	size_t n = agent_inbox_drain(s->in, s->a);
	if (r >= 0)
		r += (int)n;
	return r;
}

static uint64_t is_lost(void *ctx)
{
	struct inbox_src *s = ctx;
	return s->inner.lost_total ? s->inner.lost_total(s->inner.ctx) : 0;
}

int agent_source_with_inbox(const struct agent_source *inner, struct agent_inbox *in,
			    struct agent *a, struct agent_source *ret)
{
	struct inbox_src *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->inner = *inner;
	s->in = in;
	s->a = a;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	int r = s->ep < 0 ? -errno : 0;
	int ifd = inner->fd ? inner->fd(inner->ctx) : -1;
	struct epoll_event e = { .events = EPOLLIN };
	if (!r && ifd >= 0 && epoll_ctl(s->ep, EPOLL_CTL_ADD, ifd, &e))
		r = -errno;
	if (!r && epoll_ctl(s->ep, EPOLL_CTL_ADD, in->efd, &e))
		r = -errno;
	if (r) {
		if (s->ep >= 0)
			close(s->ep);
		free(s);
		return r;
	}
	memset(ret, 0, sizeof(*ret));
	ret->ctx = s;
	ret->fd = is_fd;
	ret->poll = is_poll;
	ret->lost_total = is_lost;
	return 0;
}

void agent_source_with_inbox_free(struct agent_source *src)
{
	struct inbox_src *s = src ? src->ctx : NULL;
	if (!s)
		return;
	close(s->ep);
	free(s);
	src->ctx = NULL;
}
