/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce_rules.h - a tiny rule table with KubeArmor's semantics (§2.4-2.8) standing in for the
 * compiled policy_set in the enforcer tests, so they exercise the kernel mechanisms on their
 * own: paths, dirs (recursive or not), patterns, fromSource, ownerOnly, readOnly, protocol
 * rules, allow-lists with a posture. Only test-owned paths and binaries ever appear in it.
 */
#ifndef WARD_TESTS_ENFORCE_RULES_H
#define WARD_TESTS_ENFORCE_RULES_H

#include <fnmatch.h>
#include <string.h>

#include "enforce/enforce.h"

struct trule {
	enum policy_op op;
	enum policy_interest_kind kind; /* PATH, DIR, DIR_RECURSIVE, GLOB (network: unused) */
	const char *value;		/* path / dir / pattern */
	const char *source;		/* fromSource or NULL */
	enum policy_action action;	/* Block, Allow, Audit */
	int owner_only, read_only;
	uint32_t protos; /* network rules */
	int container;	 /* 1: a KubeArmorPolicy rule (container scope only); 0: host rule */
	struct policy_rule_info info;
};

struct tpolicy {
	struct trule *rules;
	size_t n;
	enum policy_posture posture[POLICY_CLASS_COUNT];
	int scope_token;     /* the host scope */
	int container_token; /* the one container scope */
};

static int tin_scope(const struct tpolicy *p, const struct trule *r, const struct policy_scope *sc)
{
	return r->container ? sc == (const struct policy_scope *)&p->container_token
			    : sc == (const struct policy_scope *)&p->scope_token;
}

static enum policy_class tclass(enum policy_op op)
{
	return op == POLICY_OP_NETWORK	      ? POLICY_CLASS_NETWORK
	       : op == POLICY_OP_CAPABILITIES ? POLICY_CLASS_CAPABILITIES
					      : POLICY_CLASS_FILE;
}

static int tres_match(const struct trule *r, const char *path)
{
	size_t n;

	if (!path)
		return 0;
	switch (r->kind) {
	case POLICY_INTEREST_PATH:
		return strcmp(r->value, path) == 0;
	case POLICY_INTEREST_DIR:
	case POLICY_INTEREST_DIR_RECURSIVE:
		n = strlen(r->value);
		if (strncmp(r->value, path, n) != 0 || path[n] == '\0')
			return 0;
		return r->kind == POLICY_INTEREST_DIR_RECURSIVE || !strchr(path + n, '/');
	case POLICY_INTEREST_GLOB:
		return fnmatch(r->value, path, 0) == 0;
	default:
		return 0;
	}
}

static void tdecide(void *ctx, const struct policy_scope *scope, const struct policy_event *ev,
		    struct policy_verdict *ret)
{
	struct tpolicy *p = ctx;
	int has_allow = 0, allowed = 0;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->host = scope == (const struct policy_scope *)&p->scope_token;
	for (i = 0; i < p->n; i++) {
		const struct trule *r = &p->rules[i];
		int src_ok, res_ok;

		if (!tin_scope(p, r, scope))
			continue;
		if (tclass(r->op) != tclass(ev->op))
			continue;
		if (r->action == POLICY_ACTION_ALLOW)
			has_allow = 1;
		if (r->op != ev->op)
			continue;
		if (r->op == POLICY_OP_NETWORK) {
			src_ok = !r->source || (ev->process && strcmp(r->source, ev->process) == 0);
			res_ok = (r->protos & ev->protos) != 0;
		} else if (r->op == POLICY_OP_CAPABILITIES) {
			src_ok = !r->source || (ev->process && strcmp(r->source, ev->process) == 0);
			res_ok = ev->capability == 13;
		} else {
			src_ok = !r->source || (ev->parent && strcmp(r->source, ev->parent) == 0) ||
				 (ev->process && strcmp(r->source, ev->process) == 0);
			res_ok = tres_match(r, ev->path);
		}
		if (!src_ok || !res_ok)
			continue;
		if (r->action == POLICY_ACTION_ALLOW) {
			if ((!r->read_only || !ev->is_write) &&
			    (!r->owner_only || ev->uid == ev->owner_uid))
				allowed = 1;
			continue;
		}
		/* Block/Audit with modifiers cover only what is outside the permitted subset */
		if (r->read_only && !ev->is_write)
			continue;
		if (r->owner_only && ev->has_owner && ev->uid == ev->owner_uid)
			continue;
		ret->kind = POLICY_VERDICT_ALERT;
		ret->action = r->action;
		ret->rule = &r->info;
		ret->deny = r->action == POLICY_ACTION_BLOCK;
		return;
	}
	if (has_allow && !allowed) {
		enum policy_posture pos = p->posture[tclass(ev->op)];

		ret->kind = POLICY_VERDICT_ALERT;
		ret->default_posture = 1;
		ret->action =
			pos == POLICY_POSTURE_BLOCK ? POLICY_ACTION_BLOCK : POLICY_ACTION_AUDIT;
		ret->deny = pos == POLICY_POSTURE_BLOCK;
		return;
	}
	if (has_allow && allowed)
		ret->kind = POLICY_VERDICT_DROP;
}

static void tscope_interest(void *ctx, const struct policy_scope *sc, policy_interest_fn cb,
			    void *cb_ctx)
{
	struct tpolicy *p = ctx;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct trule *r = &p->rules[i];

		if (sc && !tin_scope(p, r, sc))
			continue;

		if (r->op == POLICY_OP_NETWORK || r->op == POLICY_OP_CAPABILITIES) {
			if (r->source)
				cb(cb_ctx, r->op, POLICY_INTEREST_PATH, r->source, r->action);
			cb(cb_ctx, r->op, POLICY_INTEREST_ANY, NULL, r->action);
			continue;
		}
		if (r->action == POLICY_ACTION_ALLOW) {
			cb(cb_ctx, r->op, POLICY_INTEREST_ANY, NULL, r->action);
			continue;
		}
		cb(cb_ctx, r->op, r->kind, r->value, r->action);
	}
}

static void tinterest(void *ctx, policy_interest_fn cb, void *cb_ctx)
{
	tscope_interest(ctx, NULL, cb, cb_ctx);
}

static const struct policy_scope *thost(void *ctx)
{
	struct tpolicy *p = ctx;

	return (const struct policy_scope *)&p->scope_token;
}

/* Any fromSource rule of @op's class in @scope (what policy_scope_has_source() answers). */
static int tsource_matters(void *ctx, const struct policy_scope *scope, enum policy_op op)
{
	struct tpolicy *p = ctx;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->rules[i].source && p->rules[i].op == op && tin_scope(p, &p->rules[i], scope))
			return 1;
	return 0;
}

static struct enforce_hooks thooks(struct tpolicy *p)
{
	struct enforce_hooks h = { .ctx = p,
				   .decide = tdecide,
				   .source_matters = tsource_matters,
				   .interest = tinterest,
				   .scope_interest = tscope_interest,
				   .host = thost };

	return h;
}

#endif
