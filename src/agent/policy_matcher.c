/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_matcher.c - the policy engine (src/policy/) behind struct agent_matcher: load and
 * compile on (re)load, keep one immutable set, answer per event with policy_scope_decide().
 * A reload that fails leaves the previous set in place.
 */
#include "agent/agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

struct pm {
	char *hostname;
	struct policy_set *set;
};

static int pm_load(void *ctx, const char *const *paths, size_t n, struct diag *diag)
{
	struct pm *pm = ctx;
	struct policy_doc_list *docs = NULL;
	int r = policy_load_paths(paths, n, &docs, diag);
	if (r < 0)
		return r;
	/* invalid documents are reported in @diag and left out; the valid ones load */
	struct policy_compile_opts o;
	policy_compile_opts_init(&o);
	o.host.hostname = pm->hostname;
	struct policy_set *set = NULL;
	r = policy_set_compile(docs, &o, &set, diag);
	policy_doc_list_free(docs);
	if (r < 0)
		return r;
	policy_set_free(pm->set);
	pm->set = set;
	return (int)policy_set_rule_count(set);
}

static const void *pm_host_scope(void *ctx)
{
	struct pm *pm = ctx;
	return pm->set ? policy_set_host_scope(pm->set) : NULL;
}

static int pm_container_scope(void *ctx, const struct mon_container *c, void **ret)
{
	struct pm *pm = ctx;
	if (!pm->set)
		return -ENOENT;
	struct policy_container pc = {
		.namespace_name = c->namespace_name,
		.container_name = c->name,
		.labels = (const char *const *)c->label_list,
	};
	struct policy_scope *sc = NULL;
	int r = policy_set_container_scope(pm->set, &pc, &sc);
	if (r)
		return r;
	*ret = sc;
	return 0;
}

static void pm_scope_free(void *scope)
{
	policy_scope_free(scope);
}

static void pm_decide(void *ctx, const void *scope, const struct ward_event *ev,
		      struct policy_event *pe, struct policy_verdict *ret)
{
	(void)ctx;
	if (pe->op == POLICY_OP_NETWORK && ev->syscall_nr == 41)
		pe->protos =
			policy_proto_classify(ev->sock_domain, ev->sock_type, ev->sock_protocol);
	policy_scope_decide(scope, pe, ret);
}

static void pm_interest(void *ctx, policy_interest_fn cb, void *cb_ctx)
{
	struct pm *pm = ctx;
	if (pm->set)
		policy_set_interest(pm->set, cb, cb_ctx);
}

static void pm_destroy(void *ctx)
{
	struct pm *pm = ctx;
	policy_set_free(pm->set);
	free(pm->hostname);
	free(pm);
}

int agent_matcher_policy(const char *hostname, struct agent_matcher *ret)
{
	struct pm *pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->hostname = strdup(hostname ? hostname : "");
	if (!pm->hostname) {
		free(pm);
		return -ENOMEM;
	}
	memset(ret, 0, sizeof(*ret));
	ret->ctx = pm;
	ret->load = pm_load;
	ret->host_scope = pm_host_scope;
	ret->container_scope = pm_container_scope;
	ret->scope_free = pm_scope_free;
	ret->decide = pm_decide;
	ret->interest = pm_interest;
	ret->destroy = pm_destroy;
	return 0;
}
