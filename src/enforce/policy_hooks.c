/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_hooks.c - enforce_open(): the decision hooks over a compiled struct policy_set (host
 * scope for host tasks, the monitor's container resolver for the rest). Kept apart from the
 * enforcer core so the core and its tests link without the policy engine.
 *
 * What to mark per scope kind, and the fromSource programs of network/capability rules, are
 * not in policy.h's interest API (it reports over all scopes and sends protocol rules as
 * "any"), so this file reads the compiled rules through the policy module's set.h. That is
 * the one place outside src/policy/ that does; a policy_scope_interest() in policy.h would
 * replace it.
 */
#include "enforce/priv.h"

#include <errno.h>
#include <string.h>

#include "policy/ast.h"
#include "policy/set.h"

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

static enum policy_class op_class(int op)
{
	return op == POLICY_OP_NETWORK	      ? POLICY_CLASS_NETWORK
	       : op == POLICY_OP_CAPABILITIES ? POLICY_CLASS_CAPABILITIES
					      : POLICY_CLASS_FILE;
}

/*
 * The interest of the rules a scope kind can hold (@host: KubeArmorHostPolicy rules; else
 * KubeArmorPolicy/ClusterPolicy rules; @all: both), as policy_set_interest() reports it, plus
 * the fromSource paths of network/capability rules as PATH items of those operations.
 */
static void kind_interest(const struct policy_set *s, int host, int all, policy_interest_fn cb,
			  void *cb_ctx)
{
	uint8_t any_sent[POLICY_OP_COUNT] = { 0 }, allow_class[POLICY_CLASS_COUNT] = { 0 };
	size_t p, i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (p = 0; p < s->n_pols; p++) {
			const struct pset_policy *pol = &s->pols[p];

			if (!all && (pol->kind == POLICY_KIND_HSP) != !!host)
				continue;
			for (i = pol->first; i < pol->last && i < s->n_rules; i++) {
				const struct prule *r = &s->rules[i];
				enum policy_op op = (enum policy_op)r->op;

				if (pass == 0) {
					if (r->is_allow || r->action == POLICY_ACTION_AUDIT_ALLOW)
						allow_class[op_class(r->op)] = 1;
					continue;
				}
				if ((op == POLICY_OP_NETWORK || op == POLICY_OP_CAPABILITIES) &&
				    r->src && r->src_kind == PRULE_SRC_PATH)
					cb(cb_ctx, op, POLICY_INTEREST_PATH, r->src,
					   r->info.action);
				switch (r->rtype) {
				case PRULE_PATH:
					cb(cb_ctx, op, POLICY_INTEREST_PATH, r->res,
					   r->info.action);
					break;
				case PRULE_DIR:
					cb(cb_ctx, op,
					   r->recursive ? POLICY_INTEREST_DIR_RECURSIVE
							: POLICY_INTEREST_DIR,
					   r->res, r->info.action);
					break;
				case PRULE_GLOB:
					cb(cb_ctx, op, POLICY_INTEREST_GLOB, r->res,
					   r->info.action);
					break;
				default:
					if (!any_sent[op]) {
						any_sent[op] = 1;
						cb(cb_ctx, op, POLICY_INTEREST_ANY, NULL,
						   r->info.action);
					}
					break;
				}
			}
		}
		if (pass == 0 && allow_class[POLICY_CLASS_FILE]) {
			any_sent[POLICY_OP_PROCESS] = any_sent[POLICY_OP_FILE] = 1;
			cb(cb_ctx, POLICY_OP_PROCESS, POLICY_INTEREST_ANY, NULL,
			   POLICY_ACTION_ALLOW);
			cb(cb_ctx, POLICY_OP_FILE, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_ALLOW);
		}
	}
}

static void ph_interest(void *ctx, policy_interest_fn cb, void *cb_ctx)
{
	struct enforce *e = ctx;

	if (e->set)
		kind_interest(e->set, 0, 1, cb, cb_ctx);
}

static void ph_scope_interest(void *ctx, const struct policy_scope *scope, policy_interest_fn cb,
			      void *cb_ctx)
{
	struct enforce *e = ctx;

	if (!e->set)
		return;
	if (!scope)
		kind_interest(e->set, 0, 1, cb, cb_ctx);
	else
		kind_interest(e->set, policy_scope_is_host(scope), 0, cb, cb_ctx);
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
