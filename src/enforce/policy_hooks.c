/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_hooks.c - enforce_open(): the decision hooks over a compiled struct policy_set (host
 * scope for host tasks, the monitor's container resolver for the rest). Marks follow each
 * scope's own rules (policy_scope_interest()), so a container rule marks only under that
 * container's root. Kept apart from the enforcer core so the core and its tests link without
 * the policy engine.
 */
#include "enforce/priv.h"

#include <errno.h>
#include <string.h>

static int ph_resolve(void *ctx, pid_t tgid, struct enforce_workload *ret)
{
	struct enforce *e = ctx;

	if (!e->resolver)
		return -ENOENT;
	return e->resolver(e->resolver_ctx, tgid, ret);
}

static void ph_decide(void *ctx, const struct policy_scope *scope, const struct policy_event *ev,
		      struct policy_verdict *ret)
{
	(void)ctx;
	policy_scope_decide(scope, ev, ret);
}

static int ph_source_matters(void *ctx, const struct policy_scope *scope, enum policy_op op)
{
	(void)ctx;
	return policy_scope_has_source(scope, op);
}

static void ph_interest(void *ctx, policy_interest_fn cb, void *cb_ctx)
{
	struct enforce *e = ctx;

	if (e->set)
		policy_set_interest(e->set, cb, cb_ctx);
}

static void ph_scope_interest(void *ctx, const struct policy_scope *scope, policy_interest_fn cb,
			      void *cb_ctx)
{
	struct enforce *e = ctx;

	if (!e->set)
		return;
	if (scope)
		policy_scope_interest(scope, cb, cb_ctx);
	else
		policy_set_interest(e->set, cb, cb_ctx);
}

static const struct policy_scope *ph_host(void *ctx)
{
	struct enforce *e = ctx;

	return e->set ? policy_set_host_scope(e->set) : NULL;
}

int enforce_open(const struct policy_set *set, const struct enforce_opts *opts,
		 enforce_record_fn record, void *record_ctx, struct enforce **ret)
{
	struct enforce_hooks h;
	struct enforce *e;
	int r;

	/* The hooks' ctx is the enforcer itself; enforce_start() copies the hooks, so patch the
	 * ctx right after start, before any event can be decided (the thread takes e->lock). */
	memset(&h, 0, sizeof(h));
	h.resolve = ph_resolve;
	h.decide = ph_decide;
	h.source_matters = ph_source_matters;
	h.interest = NULL; /* marks are placed by enforce_update() below, once ctx is set */
	h.host = NULL;
	r = enforce_start(&h, opts, record, record_ctx, &e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&e->lock);
	e->hooks.ctx = e;
	e->hooks.interest = ph_interest;
	e->hooks.scope_interest = ph_scope_interest;
	e->hooks.host = ph_host;
	pthread_mutex_unlock(&e->lock);
	r = enforce_update(e, set);
	if (r < 0) {
		enforce_close(e);
		return r;
	}
	*ret = e;
	return 0;
}

void enforce_set_resolver(struct enforce *e,
			  int (*resolve)(void *ctx, pid_t tgid, struct enforce_workload *ret),
			  void *ctx)
{
	pthread_mutex_lock(&e->lock);
	e->resolver = resolve;
	e->resolver_ctx = ctx;
	pthread_mutex_unlock(&e->lock);
}
