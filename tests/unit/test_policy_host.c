/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: host policies (HSP). nodeSelector forms (§1.3: kubearmor.io/hostname exact, "*",
 * comma list, hostnamereg, other node labels, ANDed), the host scope's alert type and posture
 * (§2.7, §2.9), and the host scenarios of spec Appendix A.1 (nonk8s host_policy suite) and A.2
 * (host_scenarios kubearmor-dev_test_01..09).
 */
#include "support/policy_fx.h"

#define PROC  POLICY_OP_PROCESS
#define FILE_ POLICY_OP_FILE

static struct policy_doc *hsp(const char *name, const char *key, const char *value)
{
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, name, NULL);
	tpb_label(d, key, value);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/passwd");
	return d;
}

/* Does an HSP with nodeSelector {key: value} apply to host "kubearmor-dev" (labels given)? */
static int host_selected(const char *key, const char *value, const char *const *labels)
{
	struct fx f;
	fx_init(&f);
	f.o.host.labels = labels;
	tpb_push(f.l, hsp("sel", key, value));
	const struct policy_scope *sc = fx_host(&f);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", DENIED);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	int hit = v.kind == POLICY_VERDICT_ALERT;
	fx_done(&f);
	return hit;
}

static void host_selector_hostname_exact_star_and_comma_list(void **state)
{
	(void)state;
	assert_true(host_selected("kubearmor.io/hostname", "kubearmor-dev", NULL));
	assert_false(host_selected("kubearmor.io/hostname", "kubearmor-dev2", NULL));
	assert_false(host_selected("kubearmor.io/hostname", "kubearmor", NULL));
	assert_true(host_selected("kubearmor.io/hostname", "*", NULL));
	assert_true(host_selected("kubearmor.io/hostname", "node-1,kubearmor-dev", NULL));
	assert_true(host_selected("kubearmor.io/hostname", "node-1, kubearmor-dev", NULL));
	assert_false(host_selected("kubearmor.io/hostname", "node-1,node-2", NULL));
}

static void host_selector_hostnamereg_turns_star_into_regex(void **state)
{
	(void)state;
	assert_true(host_selected("kubearmor.io/hostnamereg", "kubearmor-*", NULL));
	assert_true(host_selected("kubearmor.io/hostnamereg", "*-dev", NULL));
	assert_false(host_selected("kubearmor.io/hostnamereg", "node-*", NULL));
}

static void host_selector_other_labels_must_be_node_labels_and_are_anded(void **state)
{
	(void)state;
	static const char *const labels[] = { "kubernetes.io/os=linux", "role=db", NULL };
	assert_true(host_selected("kubernetes.io/os", "linux", labels));
	assert_false(host_selected("kubernetes.io/os", "windows", labels));
	assert_false(host_selected("kubernetes.io/os", "linux", NULL));

	struct fx f;
	fx_init(&f);
	f.o.host.labels = labels;
	struct policy_doc *d = hsp("both", "kubearmor.io/hostname", "kubearmor-dev");
	tpb_label(d, "role", "web"); /* second label does not match: policy not applied */
	tpb_push(f.l, d);
	d = hsp("both-ok", "kubearmor.io/hostname", "kubearmor-dev");
	tpb_label(d, "role", "db");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", DENIED);
	expect_alert(sc, &e, "both-ok", A_BLOCK, 1);
	fx_done(&f);
}

static void host_scope_ignores_container_policies_and_containers_ignore_host_policies(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	tpb_push(f.l, hsp("host-passwd", "kubearmor.io/hostname", "*"));
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "ksp-shadow", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", DENIED);
	expect_alert(sc, &e, "host-passwd", A_BLOCK, 1);
	e.path = "/etc/shadow";
	expect_log(sc, &e, 0);
	static const char *const none[] = { NULL };
	sc = fx_container(&f, "default", "c", none);
	expect_alert(sc, &e, "ksp-shadow", A_BLOCK, 1);
	e.path = "/etc/passwd";
	expect_log(sc, &e, 0);
	fx_done(&f);
}

/* host_scenarios/kubearmor-dev_test_01..09 (spec Appendix A.2) */
static void host_scenarios_kubearmor_dev_01_to_09(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d;
	struct policy_path_rule *r;
	const struct policy_scope *sc;
	struct policy_event e;

	/* 01: Block /usr/bin/diff */
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-proc-path-block", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/usr/bin/diff");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(PROC, "/usr/bin/diff", "/bin/bash", "/usr/bin/diff", DENIED);
	expect_alert(sc, &e, "hsp-kubearmor-dev-proc-path-block", A_BLOCK, 1);
	fx_done(&f);

	/* 02: Audit /etc/passwd: cat and head alert, Passed */
	fx_init(&f);
	d = hsp("hsp-kubearmor-dev-file-path-audit", "kubearmor.io/hostname", "kubearmor-dev");
	tpb_spec(d, A_AUDIT, 5, NULL, NULL);
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", PASSED);
	expect_alert(sc, &e, "hsp-kubearmor-dev-file-path-audit", A_AUDIT, 0);
	e.process = "/usr/bin/head";
	expect_alert(sc, &e, "hsp-kubearmor-dev-file-path-audit", A_AUDIT, 0);
	fx_done(&f);

	/* 04: Block /bin/date fromSource /bin/bash: `bash -c date` fails, `bash -c ls` passes */
	fx_init(&f);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-proc-path-block-fromSource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_from(&tpb_path(d, PROC, POLICY_MATCH_PATH, "/bin/date")->from, "/bin/bash");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(PROC, "/bin/date", "/bin/bash", "/bin/date", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "hsp-kubearmor-dev-proc-path-block-fromSource", A_BLOCK, 1);
	e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	fx_done(&f);

	/* 05: Allow /bin/date fromSource /bin/bash: ls from bash → default posture */
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-proc-path-allow-fromSource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_from(&tpb_path(d, PROC, POLICY_MATCH_PATH, "/bin/date")->from, "/bin/bash");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(PROC, "/bin/date", "/bin/bash", "/bin/date", POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);

	/* 06: Block /etc/hostname fromSource head; head /etc/hosts passes */
	fx_init(&f);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-file-path-block-fromSource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/hostname")->from, "/usr/bin/head");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(FILE_, "/usr/bin/head", "/bin/bash", "/etc/hostname", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "hsp-kubearmor-dev-file-path-block-fromSource", A_BLOCK, 1);
	e.path = "/etc/hosts";
	expect_log(sc, &e, 0);
	fx_done(&f);

	/* 08: Allow dir /etc/default/ fromSource head; head /etc/hostname → default posture */
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_AUDIT;
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-file-dir-allow-fromSource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	r = tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/default/");
	tpb_from(&r->from, "/usr/bin/head");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(FILE_, "/usr/bin/head", "/bin/bash", "/etc/default/useradd", PASSED);
	expect_drop(sc, &e);
	e.path = "/etc/hostname"; /* audit posture on this host */
	expect_alert(sc, &e, "DefaultPosture", A_AUDIT, 0);
	fx_done(&f);

	/* 09: Block dir /etc/default/ fromSource head */
	fx_init(&f);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-kubearmor-dev-file-dir-block-fromSource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/default/")->from, "/usr/bin/head");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	e = fx_ev(FILE_, "/usr/bin/head", "/bin/bash", "/etc/default/useradd", DENIED);
	expect_alert(sc, &e, "hsp-kubearmor-dev-file-dir-block-fromSource", A_BLOCK, 1);
	e.path = "/etc/hostname";
	e.result = PASSED;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void host_allow_rule_without_from_source_is_ignored(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "hsp-allow-no-source", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/hostname");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	assert_int_equal(policy_set_rule_count(f.s), 0);
	/* without the rule the host is not in allow-list mode: nothing is denied */
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

/* policy_scope_has_source(): per op, only fromSource rules make the acting program matter
 * (the enforcer then reads it before answering an exec; else a folded repeat may skip it). */
static void host_scope_has_source_only_with_from_source_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "no-source", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/usr/bin/apt");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	assert_int_equal(policy_scope_has_source(sc, PROC), 0);
	assert_int_equal(policy_scope_has_source(sc, FILE_), 0);
	fx_done(&f);

	fx_init(&f);
	d = tpb_doc(POLICY_KIND_HSP, "file-source", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/usr/bin/apt");
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow")->from, "/bin/cat");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	assert_int_equal(policy_scope_has_source(sc, PROC), 0);
	assert_int_equal(policy_scope_has_source(sc, FILE_), 1);
	fx_done(&f);

	fx_init(&f);
	d = tpb_doc(POLICY_KIND_HSP, "proc-dir-source", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_from(&tpb_path(d, PROC, POLICY_MATCH_DIR, "/sbin/")->from, "/bin/bash");
	tpb_push(f.l, d);
	sc = fx_host(&f);
	assert_int_equal(policy_scope_has_source(sc, PROC), 1);
	assert_int_equal(policy_scope_has_source(sc, FILE_), 0);
	fx_done(&f);
}

/* tests/nonk8s_env/host_policy (spec Appendix A.1) */
static void host_policy_suite_pattern_dir_syscall_and_network(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "hsp-block-file-pattern", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/tmp/*");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-block-file-dir", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/")->recursive = 1;
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-audit-syscall", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_syscall(d, "unlink", NULL);
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-audit-network-protocol", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_spec(d, A_AUDIT, 0, NULL, NULL);
	tpb_from(&tpb_proto(d, "udp")->from, "/usr/bin/nc.openbsd");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_HSP, "hsp-audit-hosts-fromsource", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_spec(d, A_AUDIT, 0, NULL, NULL);
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_PATH, "/var/hosts")->from, "/usr/bin/cat");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);

	struct policy_event e =
		fx_ev(FILE_, "/bin/bash", "/bin/bash", "/tmp/something.txt", DENIED);
	e.is_write = 1;
	expect_alert(sc, &e, "hsp-block-file-pattern", A_BLOCK, 1);
	e.path = "/tmp/a/b"; /* '*' stops at '/' */
	e.result = POLICY_RESULT_PENDING;
	expect_log(sc, &e, 0);
	e = fx_ev(FILE_, "/usr/bin/cat", "/bin/bash", "/etc/ssl/certs/x", DENIED);
	expect_alert(sc, &e, "hsp-block-file-dir", A_BLOCK, 1);
	e = fx_ev(FILE_, "/usr/bin/cat", "/bin/bash", "/var/hosts", PASSED);
	expect_alert(sc, &e, "hsp-audit-hosts-fromsource", A_AUDIT, 0);

	e = fx_ev(POLICY_OP_SYSCALL, "/usr/bin/unlink", "/bin/bash", "/tmp/dummy", PASSED);
	e.source = "/usr/bin/unlink /tmp/dummy";
	e.syscall_nr = 87;
	expect_alert(sc, &e, "hsp-audit-syscall", A_AUDIT, 0);
	e.syscall_nr = 90; /* chmod: no rule; host syscall events without a rule are dropped */
	expect_drop(sc, &e);

	e = fx_ev(POLICY_OP_NETWORK, "/usr/bin/nc.openbsd", "/bin/bash", NULL, PASSED);
	e.source = "/usr/bin/nc.openbsd -u 127.0.0.1 9999";
	e.protos = policy_proto_classify(2, 2, 0);
	expect_alert(sc, &e, "hsp-audit-network-protocol", A_AUDIT, 0);
	fx_done(&f);
}

static void host_posture_uses_the_host_settings_not_the_container_ones(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_AUDIT;
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "hsp-allow", NULL);
	tpb_label(d, "kubearmor.io/hostname", "*");
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/")->from, "/bin/cat");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "ksp-allow", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/")->from, "/bin/cat");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	struct policy_event e =
		fx_ev(FILE_, "/bin/head", "/bin/bash", "/etc/passwd", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	assert_true(v.host); /* MatchedHostPolicy */
	static const char *const none[] = { NULL };
	sc = fx_container(&f, "default", "c", none);
	expect_alert(sc, &e, "DefaultPosture", A_AUDIT, 0);
	policy_scope_decide(sc, &e, &v);
	assert_false(v.host); /* MatchedPolicy */
	fx_done(&f);
}

static void host_posture_for_network_and_capabilities_classes(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.host_posture[POLICY_CLASS_NETWORK] = POLICY_POSTURE_BLOCK;
	f.o.host_posture[POLICY_CLASS_CAPABILITIES] = POLICY_POSTURE_AUDIT;
	struct policy_doc *d = tpb_doc(POLICY_KIND_HSP, "hsp-allow-net-caps", NULL);
	tpb_label(d, "kubearmor.io/hostname", "kubearmor-dev");
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_from(&tpb_proto(d, "tcp")->from, "/usr/bin/curl");
	tpb_from(&tpb_cap(d, "net_bind_service")->from, "/usr/sbin/nginx");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_host(&f);
	struct policy_event e =
		fx_ev(POLICY_OP_NETWORK, "/usr/bin/curl", "/bin/bash", NULL, POLICY_RESULT_PENDING);
	e.protos = policy_proto_classify(2, 1, 0);
	expect_drop(sc, &e);
	e.protos = policy_proto_classify(2, 2, 0); /* DNS over UDP: block posture */
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.process = "/usr/bin/wget";
	e.source = "/usr/bin/wget http://x";
	e.protos = policy_proto_classify(2, 1, 0); /* tcp, but not from curl */
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e = fx_ev(POLICY_OP_CAPABILITIES, "/usr/sbin/nginx", "/sbin/init", NULL, 0);
	e.capability = 10; /* CAP_NET_BIND_SERVICE */
	expect_drop(sc, &e);
	e.process = "/usr/bin/python3";
	e.source = "/usr/bin/python3 -m http.server 80";
	expect_alert(sc, &e, "DefaultPosture", A_AUDIT, 0);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_selector_hostname_exact_star_and_comma_list),
		cmocka_unit_test(host_scope_has_source_only_with_from_source_rules),
		cmocka_unit_test(host_selector_hostnamereg_turns_star_into_regex),
		cmocka_unit_test(host_selector_other_labels_must_be_node_labels_and_are_anded),
		cmocka_unit_test(
			host_scope_ignores_container_policies_and_containers_ignore_host_policies),
		cmocka_unit_test(host_scenarios_kubearmor_dev_01_to_09),
		cmocka_unit_test(host_allow_rule_without_from_source_is_ignored),
		cmocka_unit_test(host_policy_suite_pattern_dir_syscall_and_network),
		cmocka_unit_test(host_posture_uses_the_host_settings_not_the_container_ones),
		cmocka_unit_test(host_posture_for_network_and_capabilities_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
