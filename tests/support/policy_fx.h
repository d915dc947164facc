/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_fx.h - fixtures for the matcher tests: compile a built document list for the host or a
 * container, make synthetic events, and check a verdict field by field (PolicyName, Action, Type,
 * record/no record, deny). Header-only (static inline) so each test binary takes what it uses.
 */
#ifndef WARD_TESTS_POLICY_FX_H
#define WARD_TESTS_POLICY_FX_H

#include <errno.h>
#include <string.h>

#include "common/diag.h"
#include "policy/policy.h"
#include "support/policy_build.h"
#include "support/ward_test.h"

struct fx {
	struct policy_doc_list *l;
	struct policy_compile_opts o;
	struct policy_set *s;
	struct policy_scope *sc; /* owned for containers */
	const struct policy_scope *scope;
};

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->l = tpb_list();
	policy_compile_opts_init(&f->o);
	f->o.host.hostname = "kubearmor-dev";
}

static inline void fx_compile(struct fx *f)
{
	struct diag dg;

	diag_init(&dg);
	assert_int_equal(policy_set_compile(f->l, &f->o, &f->s, &dg), 0);
	diag_done(&dg);
}

static inline const struct policy_scope *fx_host(struct fx *f)
{
	fx_compile(f);
	f->scope = policy_set_host_scope(f->s);
	assert_true(policy_scope_is_host(f->scope));
	return f->scope;
}

/* @labels: NULL-terminated "k=v" list */
static inline const struct policy_scope *fx_container(struct fx *f, const char *ns,
						      const char *name, const char *const *labels)
{
	struct policy_container c = { ns, name, labels };

	if (!f->s)
		fx_compile(f);
	policy_scope_free(f->sc);
	f->sc = NULL;
	assert_int_equal(policy_set_container_scope(f->s, &c, &f->sc), 0);
	assert_false(policy_scope_is_host(f->sc));
	f->scope = f->sc;
	return f->scope;
}

static inline void fx_done(struct fx *f)
{
	policy_scope_free(f->sc);
	policy_set_free(f->s);
	tpb_list_free(f->l);
}

static inline struct policy_event fx_ev(enum policy_op op, const char *proc, const char *parent,
					const char *path, int32_t result)
{
	struct policy_event e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.process = proc;
	e.parent = parent;
	e.source = op == POLICY_OP_PROCESS ? parent : proc;
	e.path = path;
	e.result = result;
	e.capability = -1;
	e.syscall_nr = -1;
	return e;
}

#define PASSED 0
#define DENIED (-EACCES)

/*
 * Expected outcome. policy: rule's PolicyName, "DefaultPosture", or NULL (log/drop).
 */
static inline void fx_expect_(const struct policy_scope *sc, const struct policy_event *e,
			      enum policy_verdict_kind kind, const char *policy,
			      enum policy_action action, int deny, const char *where)
{
	struct policy_verdict v;

	memset(&v, 0xa5, sizeof(v));
	policy_scope_decide(sc, e, &v);
	if (v.kind != kind)
		fail_msg("%s: kind %d, expected %d", where, v.kind, kind);
	if (v.deny != !!deny)
		fail_msg("%s: deny %d, expected %d", where, v.deny, !!deny);
	if (v.host != !!policy_scope_is_host(sc))
		fail_msg("%s: host flag %d", where, v.host);
	if (kind != POLICY_VERDICT_ALERT) {
		if (v.rule || v.default_posture)
			fail_msg("%s: a non-alert carries a rule", where);
		return;
	}
	if (strcmp(policy_action_to_string(v.action), policy_action_to_string(action)))
		fail_msg("%s: action '%s', expected '%s'", where, policy_action_to_string(v.action),
			 policy_action_to_string(action));
	if (!strcmp(policy, "DefaultPosture")) {
		if (!v.default_posture || v.rule)
			fail_msg("%s: expected DefaultPosture", where);
	} else {
		if (v.default_posture || !v.rule)
			fail_msg("%s: expected rule %s, got DefaultPosture/none", where, policy);
		if (strcmp(v.rule->policy_name, policy))
			fail_msg("%s: PolicyName '%s', expected '%s'", where, v.rule->policy_name,
				 policy);
	}
}

#define FX_STR2(x) #x
#define FX_STR(x)  FX_STR2(x)
#define expect_alert(sc, e, policy, action, deny)                               \
	fx_expect_((sc), (e), POLICY_VERDICT_ALERT, (policy), (action), (deny), \
		   __FILE__ ":" FX_STR(__LINE__))
#define expect_log(sc, e, deny)                                                     \
	fx_expect_((sc), (e), POLICY_VERDICT_LOG, NULL, POLICY_ACTION_NONE, (deny), \
		   __FILE__ ":" FX_STR(__LINE__))
#define expect_drop(sc, e)                                                      \
	fx_expect_((sc), (e), POLICY_VERDICT_DROP, NULL, POLICY_ACTION_NONE, 0, \
		   __FILE__ ":" FX_STR(__LINE__))

#define A_BLOCK POLICY_ACTION_BLOCK
#define A_AUDIT POLICY_ACTION_AUDIT
#define A_ALLOW POLICY_ACTION_ALLOW

#endif
