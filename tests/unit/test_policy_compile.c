/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: compiling and scoping. Container selectors (§2.1: matchLabels, matchExpressions
 * In/NotIn, kubearmor.io/container.name in bracket and plain form, CSP namespace In/NotIn and
 * label expressions, empty CSP selector), flattening (§2.2: one rule per fromSource, apparmor
 * policies skipped, patterns Go's regexp rejects dropped, audited mode), shell-glob semantics,
 * fetchProtocol classification, the interest walk and the string tables.
 */
#include "support/policy_fx.h"

#include <stdio.h>
#include <stdlib.h>

#include "policy/set.h"

#define FILE_ POLICY_OP_FILE

/* Does a policy built by @mk apply to the container (ns, name, labels)? */
static int applies(struct policy_doc *d, const char *ns, const char *name,
		   const char *const *labels)
{
	struct fx f;
	fx_init(&f);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/passwd");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, ns, name, labels);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", DENIED);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	int hit = v.kind == POLICY_VERDICT_ALERT;
	fx_done(&f);
	return hit;
}

static const char *const UB1[] = { "container=ubuntu-1", "group=group-1", NULL };
static const char *const UB3[] = { "container=ubuntu-3", "group=group-1", NULL };
static const char *const DEB[] = { "app=nginx1", "os=debian", NULL };

static void ksp_match_labels_must_all_be_on_the_container_in_the_namespace(void **state)
{
	(void)state;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_label(d, "group", "group-1");
	assert_true(applies(d, "multiubuntu", "c", UB1));
	d = tpb_doc(POLICY_KIND_KSP, "p", "other");
	tpb_label(d, "group", "group-1");
	assert_false(applies(d, "multiubuntu", "c", UB1));
	d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_label(d, "group", "group-1");
	tpb_label(d, "container", "ubuntu-3");
	assert_false(applies(d, "multiubuntu", "c", UB1));
	d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_label(d, "group", "group-1");
	tpb_label(d, "container", "ubuntu-3");
	assert_true(applies(d, "multiubuntu", "c", UB3));
	d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu"); /* empty selector: the whole namespace */
	assert_true(applies(d, "multiubuntu", "c", UB3));
}

static void ksp_match_expressions_in_and_not_in(void **state)
{
	(void)state;
	/* ksp-match-expression-in-notin-block-process: ubuntu-1 in, ubuntu-3 not */
	for (int i = 0; i < 2; i++) {
		struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
		tpb_expr(d, POLICY_EXPR_LABEL, 0, "container=ubuntu-1");
		tpb_expr(d, POLICY_EXPR_LABEL, 1, "container=ubuntu-3");
		assert_int_equal(applies(d, "multiubuntu", "c", i ? UB3 : UB1), !i);
	}
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_expr(d, POLICY_EXPR_LABEL, 1, "container=ubuntu-3,container=ubuntu-5");
	assert_true(applies(d, "multiubuntu", "c", UB1));
	d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_expr(d, POLICY_EXPR_LABEL, 1, "container=ubuntu-3,container=ubuntu-5");
	assert_false(applies(d, "multiubuntu", "c", UB3));
	d = tpb_doc(POLICY_KIND_KSP, "p", "multiubuntu");
	tpb_label(d, "group", "group-1");
	tpb_expr(d, POLICY_EXPR_LABEL, 0, "container=ubuntu-9");
	assert_false(applies(d, "multiubuntu", "c", UB1)); /* labels AND expressions */
}

static struct policy_doc *cname(const char *v)
{
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", "multicontainer");
	tpb_label(d, "kubearmor.io/container.name", v);
	return d;
}

static void ksp_container_name_bracket_list_and_plain_name(void **state)
{
	(void)state;
	static const char *const none[] = { NULL };
	assert_true(applies(cname("[container-1]"), "multicontainer", "container-1", none));
	assert_false(applies(cname("[container-1]"), "multicontainer", "container-2", none));
	assert_true(applies(cname("[]"), "multicontainer", "container-2", none));
	assert_true(applies(cname("[container-1,,]"), "multicontainer", "container-1", none));
	assert_false(applies(cname("[container-1,,]"), "multicontainer", "container-2", none));
	assert_true(applies(cname("[a, container-2]"), "multicontainer", "container-2", none));
	/* non-k8s: a plain Docker container name; policies there often have no namespace */
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "ksp-audit-file-access", NULL);
	tpb_label(d, "kubearmor.io/container.name", "wordpress-mysql");
	assert_true(applies(d, "container_namespace", "wordpress-mysql", none));
	d = tpb_doc(POLICY_KIND_KSP, "ksp-audit-file-access", NULL);
	tpb_label(d, "kubearmor.io/container.name", "wordpress-mysql");
	assert_false(applies(d, "container_namespace", "other", none));
}

static void csp_namespace_in_and_not_in(void **state)
{
	(void)state;
	struct policy_doc *d = tpb_doc(POLICY_KIND_CSP, "csp-in-operator-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 0, "nginx1,nginx-later");
	assert_true(applies(d, "nginx1", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-in-operator-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 0, "nginx1,nginx-later");
	assert_true(applies(d, "nginx-later", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-in-operator-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 0, "nginx1,nginx-later");
	assert_false(applies(d, "nginx2", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-not-in-operator-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 1, "nginx1");
	assert_true(applies(d, "nginx2", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-not-in-operator-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 1, "nginx1");
	assert_false(applies(d, "nginx1", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-everything", NULL); /* empty selector: cluster-wide */
	assert_true(applies(d, "anything", "c", DEB));
}

static void csp_label_expressions_in_and_not_in(void **state)
{
	(void)state;
	static const char *const n2[] = { "app=nginx2", NULL };
	struct policy_doc *d = tpb_doc(POLICY_KIND_CSP, "csp-matchlabels-in-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 0, "nginx1");
	tpb_expr(d, POLICY_EXPR_LABEL, 0, "app=nginx1");
	assert_true(applies(d, "nginx1", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-matchlabels-in-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_NAMESPACE, 0, "nginx1");
	tpb_expr(d, POLICY_EXPR_LABEL, 0, "app=nginx1");
	assert_false(applies(d, "nginx2", "c", n2));
	d = tpb_doc(POLICY_KIND_CSP, "csp-matchlabels-not-in-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_LABEL, 1, "app=nginx1");
	assert_false(applies(d, "nginx1", "c", DEB));
	d = tpb_doc(POLICY_KIND_CSP, "csp-matchlabels-not-in-block-process", NULL);
	tpb_expr(d, POLICY_EXPR_LABEL, 1, "app=nginx1");
	assert_true(applies(d, "nginx2", "c", n2));
}

static void flatten_one_rule_per_from_source_entry_and_skip_apparmor(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", NULL);
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_PATH, "/a");
	tpb_from(&r->from, "/bin/x");
	tpb_from(&r->from, "/bin/y");
	tpb_from(&r->from, "/bin/z");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/d/");
	tpb_syscall(d, "unlink,rmdir", NULL);
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "native", NULL);
	d->has_apparmor = 1;
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/hostname");
	tpb_push(f.l, d);
	fx_compile(&f);
	assert_int_equal(policy_set_rule_count(f.s), 3 + 1 + 2);
	static const char *const none[] = { NULL };
	const struct policy_scope *sc = fx_container(&f, "default", "c", none);
	struct policy_event e = fx_ev(FILE_, "/bin/y", "/bin/bash", "/a", DENIED);
	expect_alert(sc, &e, "p", A_BLOCK, 1);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", DENIED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void flatten_drops_patterns_go_regexp_rejects(void **state)
{
	(void)state;
	assert_false(pglob_go_regexp_ok("/home/**/.ssh"));
	assert_false(pglob_go_regexp_ok("*.txt"));
	assert_false(pglob_go_regexp_ok("/a/(b"));
	assert_false(pglob_go_regexp_ok("/a/[b"));
	assert_false(pglob_go_regexp_ok("/a/b\\"));
	assert_true(pglob_go_regexp_ok("/etc/*shadow"));
	assert_true(pglob_go_regexp_ok("/tmp/*"));
	assert_true(pglob_go_regexp_ok("/home/*/.bash_history"));
	assert_true(pglob_go_regexp_ok("/a/[a-z]?.log"));
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/home/**/.ssh");
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/home/*/.ssh");
	tpb_push(f.l, d);
	fx_compile(&f);
	assert_int_equal(policy_set_rule_count(f.s), 1);
	fx_done(&f);
}

static int gm(const char *p, const char *s)
{
	return pglob_match(p, strlen(p), s, strlen(s));
}

static void glob_matches_like_go_filepath_match(void **state)
{
	(void)state;
	assert_true(gm("/etc/*shadow", "/etc/gshadow"));
	assert_true(gm("/etc/*shadow", "/etc/shadow"));
	assert_false(gm("/etc/*shadow", "/etc/a/shadow"));
	assert_false(gm("/etc/*shadow", "/etc/shadow-"));
	assert_true(gm("/tmp/*", "/tmp/x.txt"));
	assert_false(gm("/tmp/*", "/tmp/a/b"));
	assert_true(gm("/a/?/c", "/a/b/c"));
	assert_false(gm("/a/?/c", "/a///c"));
	assert_true(gm("/a/[a-c]x", "/a/bx"));
	assert_false(gm("/a/[^a-c]x", "/a/bx"));
	assert_true(gm("/a/[^a-c]x", "/a/dx"));
	assert_true(gm("/a/\\*", "/a/*"));
	assert_false(gm("/a/\\*", "/a/b"));
	assert_true(gm("/a/*b*c", "/a/xbyc"));
	assert_true(gm("/a/*.log", "/a/x.y.log"));
	assert_false(gm("/a/[", "/a/["));
	assert_true(gm("/usr/bin/apt*", "/usr/bin/apt-get"));
}

static void proto_classify_follows_fetch_protocol(void **state)
{
	(void)state;
	assert_int_equal(policy_proto_classify(2, 1, 0),
			 (1u << POLICY_PROTO_TCP) | (1u << POLICY_PROTO_STREAM));
	assert_int_equal(policy_proto_classify(2, 2 | 0x80000, 0),
			 (1u << POLICY_PROTO_UDP) | (1u << POLICY_PROTO_DGRAM));
	assert_int_equal(policy_proto_classify(2, 3, 1),
			 (1u << POLICY_PROTO_ICMP) | (1u << POLICY_PROTO_RAW));
	assert_int_equal(policy_proto_classify(10, 3, 58),
			 (1u << POLICY_PROTO_ICMPV6) | (1u << POLICY_PROTO_RAW));
	assert_int_equal(policy_proto_classify(2, 1, 132),
			 (1u << POLICY_PROTO_SCTP) | (1u << POLICY_PROTO_STREAM));
	assert_int_equal(policy_proto_classify(17, 3, 0), 1u << POLICY_PROTO_RAW);
	assert_int_equal(policy_proto_classify(1, 5, 0), 1u << POLICY_PROTO_SEQPACKET);
	assert_int_equal(policy_proto_classify(17, 10, 0), 1u << POLICY_PROTO_PACKET);
	assert_int_equal(policy_proto_classify(2, 6, 33), 1u << POLICY_PROTO_DCCP);
	assert_int_equal(policy_proto_classify(2, 4, 0), 1u << POLICY_PROTO_RDM);
}

static void audited_mode_turns_block_into_audit_block_and_allow_into_audit_allow(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.audited = 1;
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "block-shadow", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_push(f.l, d);
	static const char *const none[] = { NULL };
	const struct policy_scope *sc = fx_container(&f, "default", "c", none);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", PASSED);
	expect_alert(sc, &e, "block-shadow", POLICY_ACTION_AUDIT_BLOCK, 0);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	assert_int_equal(v.rule->action, POLICY_ACTION_BLOCK); /* as written */
	fx_done(&f);

	fx_init(&f);
	f.o.audited = 1;
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	d = tpb_doc(POLICY_KIND_KSP, "allow-tmp", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/tmp/");
	tpb_push(f.l, d);
	sc = fx_container(&f, "default", "c", none);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/tmp/x", POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	e.path = "/etc/x";
	expect_alert(sc, &e, "DefaultPosture", POLICY_ACTION_AUDIT_BLOCK, 0);
	fx_done(&f);
}

static void audited_can_be_set_per_workload(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_CSP, "block-shadow-everywhere", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_push(f.l, d);
	static const char *const none[] = { NULL };
	const struct policy_scope *sc = fx_container(&f, "default", "c", none);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "block-shadow-everywhere", A_BLOCK, 1);
	/* kube-system pods are forced to `kubearmor-policy: audited` */
	fx_container(&f, "kube-system", "coredns", none);
	policy_scope_set_audited(f.sc, 1);
	expect_alert(f.sc, &e, "block-shadow-everywhere", POLICY_ACTION_AUDIT_BLOCK, 0);
	fx_done(&f);
}

static void rule_info_carries_inherited_severity_tags_message_and_stable_ids(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", NULL);
	tpb_spec(d, A_AUDIT, 3, "spec message", "MITRE,NIST");
	d->file.meta.severity = 6;
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/a");
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_PATH, "/b");
	r->meta.message = strdup("rule message");
	r->meta.action = A_BLOCK;
	tpb_push(f.l, d);
	static const char *const none[] = { NULL };
	const struct policy_scope *sc = fx_container(&f, "default", "c", none);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/a", PASSED);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	assert_int_equal(v.kind, POLICY_VERDICT_ALERT);
	assert_string_equal(v.rule->severity, "6");
	assert_string_equal(v.rule->tags, "MITRE,NIST");
	assert_string_equal(v.rule->message, "spec message");
	assert_int_equal(v.rule->rule_id, 0);
	e.path = "/b";
	e.result = DENIED;
	policy_scope_decide(sc, &e, &v);
	assert_int_equal(v.kind, POLICY_VERDICT_ALERT);
	assert_int_equal(v.action, POLICY_ACTION_BLOCK);
	assert_string_equal(v.rule->message, "rule message");
	assert_int_equal(v.rule->rule_id, 1);
	fx_done(&f);
}

static void unknown_protocol_is_reported_not_dropped(void **state)
{
	(void)state;
	struct policy_doc_list *l = tpb_list();
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "bad", NULL);
	tpb_proto(d, "quic");
	tpb_push(l, d);
	struct policy_compile_opts o;
	policy_compile_opts_init(&o);
	struct policy_set *s = NULL;
	struct diag dg;
	diag_init(&dg);
	assert_int_equal(policy_set_compile(l, &o, &s, &dg), -EINVAL);
	assert_null(s);
	assert_true(diag_has_errors(&dg));
	assert_non_null(strstr(dg.entries[0].msg, "quic"));
	diag_done(&dg);
	tpb_list_free(l);
}

struct seen {
	char buf[2048];
};

static void collect(void *ctx, enum policy_op op, enum policy_interest_kind kind, const char *value,
		    enum policy_action action)
{
	struct seen *s = ctx;
	char line[256];
	snprintf(line, sizeof(line), "%s:%d:%s:%s;", policy_op_to_string(op), kind,
		 value ? value : "-", policy_action_to_string(action));
	strncat(s->buf, line, sizeof(s->buf) - strlen(s->buf) - 1);
}

static void interest_lists_paths_dirs_globs_and_any_per_op(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "p", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/run/")->recursive = 1;
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/tmp/*");
	tpb_path(d, POLICY_OP_PROCESS, POLICY_MATCH_EXECNAME, "apt");
	tpb_proto(d, "raw");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_HSP, "not-this-host", NULL);
	tpb_label(d, "kubearmor.io/hostname", "elsewhere");
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/other");
	tpb_push(f.l, d);
	fx_compile(&f);
	struct seen s = { { 0 } };
	policy_set_interest(f.s, collect, &s);
	/* policy order: process rules, then file, then network; the other host's HSP is absent */
	assert_string_equal(s.buf, "Process:4:-:Block;File:0:/etc/shadow:Block;File:2:/run/:Block;"
				   "File:3:/tmp/*:Block;Network:4:-:Block;");
	fx_done(&f);
}

static void interest_reports_every_event_of_an_allow_listed_class(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "allow", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/tmp/");
	tpb_push(f.l, d);
	fx_compile(&f);
	struct seen s = { { 0 } };
	policy_set_interest(f.s, collect, &s);
	assert_string_equal(s.buf, "Process:4:-:Allow;File:4:-:Allow;File:1:/tmp/:Allow;");
	fx_done(&f);
}

static void scope_interest_covers_only_that_scope_and_network_sources(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "host", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/host-only");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "ksp", "ns1");
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/ns1-only");
	tpb_from(&tpb_proto(d, "tcp")->from, "/usr/bin/curl");
	tpb_push(f.l, d);
	fx_compile(&f);
	struct seen s = { { 0 } };
	policy_scope_interest(policy_set_host_scope(f.s), collect, &s);
	assert_string_equal(s.buf, "File:0:/etc/host-only:Block;");
	static const char *const none[] = { NULL };
	const struct policy_scope *sc = fx_container(&f, "ns1", "c", none);
	memset(&s, 0, sizeof(s));
	policy_scope_interest(sc, collect, &s);
	assert_string_equal(s.buf, "File:0:/etc/ns1-only:Block;Network:0:/usr/bin/curl:Block;"
				   "Network:4:-:Block;");
	sc = fx_container(&f, "ns2", "c", none);
	memset(&s, 0, sizeof(s));
	policy_scope_interest(sc, collect, &s);
	assert_string_equal(s.buf, "");
	memset(&s, 0, sizeof(s));
	policy_set_interest(f.s, collect, &s);
	assert_string_equal(s.buf, "File:0:/etc/host-only:Block;File:0:/etc/ns1-only:Block;"
				   "Network:0:/usr/bin/curl:Block;Network:4:-:Block;");
	/* the agent keeps container file rules on the syscall hook: it asks this */
	assert_int_equal(policy_set_has_container_rules(f.s, POLICY_OP_FILE), 1);
	assert_int_equal(policy_set_has_container_rules(f.s, POLICY_OP_NETWORK), 1);
	assert_int_equal(policy_set_has_container_rules(f.s, POLICY_OP_PROCESS), 0);
	fx_done(&f);
}

static void strings_for_actions_and_operations(void **state)
{
	(void)state;
	assert_string_equal(policy_action_to_string(POLICY_ACTION_NONE), "");
	assert_string_equal(policy_action_to_string(POLICY_ACTION_ALLOW), "Allow");
	assert_string_equal(policy_action_to_string(POLICY_ACTION_AUDIT), "Audit");
	assert_string_equal(policy_action_to_string(POLICY_ACTION_BLOCK), "Block");
	assert_string_equal(policy_action_to_string(POLICY_ACTION_AUDIT_ALLOW), "Audit (Allow)");
	assert_string_equal(policy_action_to_string(POLICY_ACTION_AUDIT_BLOCK), "Audit (Block)");
	assert_string_equal(policy_op_to_string(POLICY_OP_PROCESS), "Process");
	assert_string_equal(policy_op_to_string(POLICY_OP_FILE), "File");
	assert_string_equal(policy_op_to_string(POLICY_OP_NETWORK), "Network");
	assert_string_equal(policy_op_to_string(POLICY_OP_CAPABILITIES), "Capabilities");
	assert_string_equal(policy_op_to_string(POLICY_OP_SYSCALL), "Syscall");
}

static void empty_set_decides_everything_as_logs(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	const struct policy_scope *sc = fx_host(&f);
	assert_int_equal(policy_set_rule_count(f.s), 0);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	e = fx_ev(POLICY_OP_NETWORK, "/bin/cat", "/bin/bash", NULL, PASSED);
	e.protos = 0;
	expect_log(sc, &e, 0);
	e.path = NULL;
	e.op = FILE_;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ksp_match_labels_must_all_be_on_the_container_in_the_namespace),
		cmocka_unit_test(ksp_match_expressions_in_and_not_in),
		cmocka_unit_test(ksp_container_name_bracket_list_and_plain_name),
		cmocka_unit_test(csp_namespace_in_and_not_in),
		cmocka_unit_test(csp_label_expressions_in_and_not_in),
		cmocka_unit_test(flatten_one_rule_per_from_source_entry_and_skip_apparmor),
		cmocka_unit_test(flatten_drops_patterns_go_regexp_rejects),
		cmocka_unit_test(glob_matches_like_go_filepath_match),
		cmocka_unit_test(proto_classify_follows_fetch_protocol),
		cmocka_unit_test(
			audited_mode_turns_block_into_audit_block_and_allow_into_audit_allow),
		cmocka_unit_test(audited_can_be_set_per_workload),
		cmocka_unit_test(rule_info_carries_inherited_severity_tags_message_and_stable_ids),
		cmocka_unit_test(unknown_protocol_is_reported_not_dropped),
		cmocka_unit_test(interest_lists_paths_dirs_globs_and_any_per_op),
		cmocka_unit_test(interest_reports_every_event_of_an_allow_listed_class),
		cmocka_unit_test(scope_interest_covers_only_that_scope_and_network_sources),
		cmocka_unit_test(strings_for_actions_and_operations),
		cmocka_unit_test(empty_set_decides_everything_as_logs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
