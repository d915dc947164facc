/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: policy decision for container workloads (KSP/CSP), table-driven from KubeArmor's
 * own conformance material (spec Appendix A.1 ginkgo suites, A.2 scenarios). Each test builds the
 * policy the KubeArmor test applies (as C values, the loader is tested elsewhere), then feeds the
 * synthetic events the commands produce and checks PolicyName / Action / record kind / deny.
 */
#include "support/policy_fx.h"

#include <stdlib.h>

static const char *const UB1[] = { "container=ubuntu-1", "group=group-1", NULL };
static const char *const UB3[] = { "container=ubuntu-3", "group=group-1", NULL };
static const char *const UB4[] = { "container=ubuntu-4", "group=group-2", NULL };

#define PROC  POLICY_OP_PROCESS
#define FILE_ POLICY_OP_FILE

/* --- process --------------------------------------------------------------------------------- */

static void process_block_by_path_denies_and_alerts_for_every_pod_of_the_group(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-group-1-block-proc-path", "multiubuntu");
	tpb_label(d, "group", "group-1");
	tpb_spec(d, A_BLOCK, 5, "block the sleep command", NULL);
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/bin/sleep");
	tpb_push(f.l, d);
	for (int i = 0; i < 2; i++) {
		const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", i ? UB3 : UB1);
		struct policy_event e =
			fx_ev(PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", DENIED);
		expect_alert(sc, &e, "ksp-group-1-block-proc-path", A_BLOCK, 1);
		e.result = POLICY_RESULT_PENDING;
		expect_alert(sc, &e, "ksp-group-1-block-proc-path", A_BLOCK, 1);
		struct policy_verdict v;
		policy_scope_decide(sc, &e, &v);
		assert_string_equal(v.rule->severity, "5");
		assert_string_equal(v.rule->message, "block the sleep command");
		e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", PASSED);
		expect_log(sc, &e, 0);
	}
	/* ubuntu-4 is in group-2: the policy does not apply */
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", PASSED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_audit_by_path_alerts_on_passed_exec_only(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-group-2-audit-proc-path", "multiubuntu");
	tpb_label(d, "group", "group-2");
	tpb_spec(d, A_AUDIT, 4, NULL, NULL);
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/bin/sleep");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", PASSED);
	expect_alert(sc, &e, "ksp-group-2-audit-proc-path", A_AUDIT, 0);
	e.result = POLICY_RESULT_PENDING;
	expect_alert(sc, &e, "ksp-group-2-audit-proc-path", A_AUDIT, 0);
	e.result = -ENOENT; /* not a permission result: no rule matching (§2.8 step 1) */
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_block_dir_covers_direct_children_only(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-proc-dir", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 6, NULL, NULL);
	tpb_path(d, PROC, POLICY_MATCH_DIR, "/sbin/");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(PROC, "/sbin/route", "/bin/bash", "/sbin/route", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-proc-dir", A_BLOCK, 1);
	e = fx_ev(PROC, "/sbin/x/route", "/bin/bash", "/sbin/x/route", PASSED);
	expect_log(sc, &e, 0);
	e = fx_ev(PROC, "/sbinx/route", "/bin/bash", "/sbinx/route", PASSED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_block_dir_recursive_covers_every_depth(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-proc-dir-recursive", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 2, NULL, NULL);
	tpb_path(d, PROC, POLICY_MATCH_DIR, "/usr/")->recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e =
		fx_ev(PROC, "/usr/bin/whoami", "/bin/bash", "/usr/bin/whoami", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-proc-dir-recursive", A_BLOCK, 1);
	e = fx_ev(PROC, "/usr/local/lib/x/y", "/bin/bash", "/usr/local/lib/x/y", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-proc-dir-recursive", A_BLOCK, 1);
	e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", PASSED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_block_from_source_applies_only_to_that_parent(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-group-1-block-proc-path-from-source", "multiubuntu");
	tpb_label(d, "group", "group-1");
	tpb_spec(d, A_BLOCK, 5, NULL, NULL);
	tpb_from(&tpb_path(d, PROC, POLICY_MATCH_PATH, "/bin/ls")->from, "/bin/dash");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	/* /bin/dash -c ls */
	struct policy_event e =
		fx_ev(PROC, "/bin/ls", "/bin/dash", "/bin/ls", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "ksp-group-1-block-proc-path-from-source", A_BLOCK, 1);
	/* /bin/dash -c pwd: only dash itself is exec'd, a ContainerLog Resource /bin/dash */
	e = fx_ev(PROC, "/bin/dash", "/bin/bash", "/bin/dash", PASSED);
	expect_log(sc, &e, 0);
	/* ls from bash is not covered */
	e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_block_execname_matches_any_directory(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-proc-execname", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_path(d, PROC, POLICY_MATCH_EXECNAME, "apt");
	tpb_push(f.l, d); /* no action: the daemon default is Block (§1.11) */
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-proc-execname", A_BLOCK, 1);
	e = fx_ev(PROC, "/opt/apt", "/bin/bash", "/opt/apt", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-proc-execname", A_BLOCK, 1);
	e = fx_ev(PROC, "/usr/bin/xapt", "/bin/bash", "/usr/bin/xapt", PASSED);
	expect_log(sc, &e, 0);
	e = fx_ev(PROC, "/usr/bin/apt-get", "/bin/bash", "/usr/bin/apt-get", PASSED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void process_allow_dir_makes_files_outside_the_allow_list_default_posture(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-3-allow-proc-dir", "multiubuntu");
	tpb_label(d, "container", "ubuntu-3");
	tpb_spec(d, A_ALLOW, 5, "allow credentials only", NULL);
	tpb_path(d, PROC, POLICY_MATCH_DIR, "/bin/")->recursive = 1;
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/root/.bashrc");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/credentials/")->recursive = 1;
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/lib/x86_64-linux-gnu/");
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/bin/");
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_DIR, "/")->from, "/runc");
	d->file.v[d->file.n - 1].recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB3);
	/* cat /etc/hostname: Permission denied, DefaultPosture Block, Severity "" */
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", DENIED);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.result = POLICY_RESULT_PENDING;
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	/* cat /credentials/password: allowed, no record */
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/credentials/password", POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	/* exec of /bin/cat is in the allowed dir; /usr/bin/id is not */
	e = fx_ev(PROC, "/bin/cat", "/bin/bash", "/bin/cat", PASSED);
	expect_drop(sc, &e);
	e = fx_ev(PROC, "/usr/bin/id", "/bin/bash", "/usr/bin/id", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	/* runc may touch anything */
	e = fx_ev(FILE_, "/runc", "/runc", "/etc/hostname", PASSED);
	expect_drop(sc, &e);
	/* non-recursive /lib/x86_64-linux-gnu/ does not cover a subdirectory */
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/lib/x86_64-linux-gnu/sub/libc.so", DENIED);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void process_allow_owner_only_lets_the_owner_run_it_and_posture_decides_others(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-3-allow-proc-path-owner", "multiubuntu");
	tpb_label(d, "container", "ubuntu-3");
	tpb_spec(d, A_ALLOW, 7, NULL, NULL);
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/home/user1/hello")->owner_only = 1;
	tpb_path(d, PROC, POLICY_MATCH_DIR, "/bin/")->recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB3);
	struct policy_event e = fx_ev(PROC, "/home/user1/hello", "/bin/bash", "/home/user1/hello",
				      POLICY_RESULT_PENDING);
	e.uid = 0;
	e.owner_uid = 1000;
	e.has_owner = 1;
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.uid = 1000; /* su - user1 -c /home/user1/hello */
	expect_drop(sc, &e);
	e.has_owner = 0; /* owner unknown: never the owner */
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void process_block_owner_only_blocks_everyone_but_the_owner(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-3-block-proc-path-owner", "multiubuntu");
	tpb_label(d, "container", "ubuntu-3");
	tpb_spec(d, A_BLOCK, 7, NULL, NULL);
	tpb_path(d, PROC, POLICY_MATCH_PATH, "/home/user1/hello")->owner_only = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB3);
	struct policy_event e =
		fx_ev(PROC, "/home/user1/hello", "/bin/bash", "/home/user1/hello", DENIED);
	e.uid = 0;
	e.owner_uid = 1000;
	e.has_owner = 1;
	expect_alert(sc, &e, "ksp-ubuntu-3-block-proc-path-owner", A_BLOCK, 1);
	e.uid = 1000;
	e.result = PASSED; /* Log{Resource=/home/user1/hello, Result=Passed} */
	expect_log(sc, &e, 0);
	e.result = POLICY_RESULT_PENDING;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

/* --- file ------------------------------------------------------------------------------------- */

static void file_block_pattern_matches_shell_glob_within_one_component(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-file-pattern", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 5, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/etc/*shadow");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-file-pattern", A_BLOCK, 1);
	e.path = "/etc/gshadow";
	expect_alert(sc, &e, "ksp-ubuntu-1-block-file-pattern", A_BLOCK, 1);
	e.path = "/etc/x/shadow"; /* '*' does not cross '/' */
	e.result = POLICY_RESULT_PENDING;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_block_dir_recursive_covers_the_service_account_token(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-file-dir-recursive", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 8, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/run/secrets/")->recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash",
				      "/run/secrets/kubernetes.io/serviceaccount/token", DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-1-block-file-dir-recursive", A_BLOCK, 1);
	e.path = "/run/secrets"; /* the directory itself (rule.dir == Resource + "/") */
	expect_alert(sc, &e, "ksp-ubuntu-1-block-file-dir-recursive", A_BLOCK, 1);
	e.path = "/run/secretsx/a";
	e.result = PASSED;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_block_readonly_denies_writes_and_lets_reads_through(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-4-block-file-path-readonly", "multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_BLOCK, 10, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/credentials/password")->read_only = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(FILE_, "/bin/bash", "/bin/bash", "/credentials/password",
				      POLICY_RESULT_PENDING);
	e.is_write = 1; /* echo test >> /credentials/password */
	expect_alert(sc, &e, "ksp-ubuntu-4-block-file-path-readonly", A_BLOCK, 1);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/credentials/password", PASSED);
	expect_log(sc, &e, 0); /* Log{Result=Passed} */
	e.result = POLICY_RESULT_PENDING;
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_audit_readonly_dir_alerts_on_writes_only(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-4-audit-file-path-readonly", "multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_AUDIT, 10, NULL, NULL);
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_DIR, "/dev/shm/");
	r->read_only = 1;
	r->recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(FILE_, "/usr/bin/touch", "/bin/bash", "/dev/shm/new", PASSED);
	e.is_write = 1;
	expect_alert(sc, &e, "ksp-ubuntu-4-audit-file-path-readonly", A_AUDIT, 0);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/dev/shm/new", PASSED);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_allow_readonly_sends_writes_to_default_posture(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-4-allow-file-path-readonly", "multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_ALLOW, 10, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/credentials/password")->read_only = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(FILE_, "/bin/bash", "/bin/bash", "/credentials/password",
				      POLICY_RESULT_PENDING);
	e.is_write = 1;
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.is_write = 0;
	expect_drop(sc, &e);
	fx_done(&f);
}

static struct policy_event owner_ev(const char *exe, const char *path, uint32_t uid, int write,
				    int32_t result)
{
	struct policy_event e = fx_ev(FILE_, exe, "/bin/bash", path, result);
	e.uid = uid;
	e.owner_uid = 1000;
	e.has_owner = 1;
	e.is_write = (uint8_t)write;
	return e;
}

static void file_allow_owner_readonly_admits_only_the_owner_reading(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(
		POLICY_KIND_KSP, "ksp-ubuntu-4-allow-file-path-owner-readonly", "multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_ALLOW, 10, NULL, NULL);
	struct policy_path_rule *r =
		tpb_path(d, FILE_, POLICY_MATCH_PATH, "/home/user1/secret_data1.txt");
	r->read_only = r->owner_only = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	const char *p = "/home/user1/secret_data1.txt";
	struct policy_event e = owner_ev("/bin/cat", p, 0, 0, POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1); /* root reading */
	e = owner_ev("/bin/cat", p, 1000, 0, POLICY_RESULT_PENDING);
	expect_drop(sc, &e); /* su - user1 -c 'cat ...' */
	e = owner_ev("/bin/bash", p, 1000, 1, POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1); /* owner writing */
	e = owner_ev("/bin/cat", "/home/user1/otherfile.txt", 1000, 0, DENIED);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void file_block_owner_readonly_permits_only_the_owner_reading(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(
		POLICY_KIND_KSP, "ksp-ubuntu-5-file-path-owner-readonly-block", "multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_BLOCK, 10, NULL, NULL);
	struct policy_path_rule *r =
		tpb_path(d, FILE_, POLICY_MATCH_PATH, "/home/user1/secret_data1.txt");
	r->read_only = r->owner_only = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	const char *p = "/home/user1/secret_data1.txt";
	/* scenario multiubuntu_test_23 cmd1..cmd4 */
	struct policy_event e = owner_ev("/bin/cat", p, 1000, 0, PASSED);
	expect_log(sc, &e, 0);
	e = owner_ev("/readwrite", p, 1000, 1, POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "ksp-ubuntu-5-file-path-owner-readonly-block", A_BLOCK, 1);
	e = owner_ev("/bin/cat", p, 0, 0, DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-5-file-path-owner-readonly-block", A_BLOCK, 1);
	e = owner_ev("/readwrite", p, 0, 1, DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-5-file-path-owner-readonly-block", A_BLOCK, 1);
	fx_done(&f);
}

static void file_block_dir_recursive_owner_readonly_follows_scenario_25(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-2-file-dir-recursive-owner-readonly-block",
			"multiubuntu");
	tpb_spec(d, A_BLOCK, 10, NULL, NULL);
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_DIR, "/home/user1/");
	r->read_only = r->owner_only = r->recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	const char *p = "/home/user1/dir1/key1.txt";
	struct policy_event e = owner_ev("/bin/cat", p, 0, 0, DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-2-file-dir-recursive-owner-readonly-block", A_BLOCK, 1);
	e = owner_ev("/bin/cat", p, 1000, 0, PASSED);
	expect_log(sc, &e, 0);
	e = owner_ev("/bin/bash", p, 1000, 1, DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-2-file-dir-recursive-owner-readonly-block", A_BLOCK, 1);
	e = owner_ev("/bin/bash", p, 0, 1, DENIED);
	expect_alert(sc, &e, "ksp-ubuntu-2-file-dir-recursive-owner-readonly-block", A_BLOCK, 1);
	fx_done(&f);
}

static void file_block_readonly_from_source_blocks_only_that_program_writing(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-4-block-file-path-readonly-from-source-path",
			"multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_BLOCK, 10, NULL, NULL);
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_PATH, "/credentials/password");
	r->read_only = 1;
	tpb_from(&r->from, "/readwrite");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e =
		fx_ev(FILE_, "/readwrite", "/bin/bash", "/credentials/password", PASSED);
	expect_log(sc, &e, 0); /* ./readwrite -r */
	e.is_write = 1;
	e.result = POLICY_RESULT_PENDING; /* ./readwrite -w */
	expect_alert(sc, &e, "ksp-ubuntu-4-block-file-path-readonly-from-source-path", A_BLOCK, 1);
	e = fx_ev(FILE_, "/readwrite", "/bin/bash", "/secret.txt", PASSED);
	expect_log(sc, &e, 0);
	e = fx_ev(FILE_, "/bin/bash", "/bin/bash", "/credentials/password", POLICY_RESULT_PENDING);
	e.is_write = 1; /* another program writing */
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_allow_readonly_from_source_sends_everything_else_to_posture(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-4-allow-file-path-readonly-from-source-path",
			"multiubuntu");
	tpb_label(d, "container", "ubuntu-4");
	tpb_spec(d, A_ALLOW, 10, NULL, NULL);
	struct policy_path_rule *r = tpb_path(d, FILE_, POLICY_MATCH_PATH, "/credentials/password");
	r->read_only = 1;
	tpb_from(&r->from, "/readwrite");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(FILE_, "/readwrite", "/bin/bash", "/credentials/password",
				      POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	e.is_write = 1;
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e = fx_ev(FILE_, "/readwrite", "/bin/bash", "/secret.txt", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void file_from_source_matches_the_process_or_its_parent(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(
		POLICY_KIND_KSP, "ksp-group-2-file-path-block-from-source-path", "multiubuntu");
	tpb_spec(d, A_BLOCK, 5, NULL, NULL);
	tpb_from(&tpb_path(d, FILE_, POLICY_MATCH_PATH, "/secret.txt")->from, "/bin/cat");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB4);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/secret.txt", DENIED);
	expect_alert(sc, &e, "ksp-group-2-file-path-block-from-source-path", A_BLOCK, 1);
	e = fx_ev(FILE_, "/usr/bin/head", "/bin/bash", "/secret.txt",
		  PASSED); /* head /secret.txt */
	expect_log(sc, &e, 0);
	e = fx_ev(FILE_, "/usr/bin/x", "/bin/cat", "/secret.txt", DENIED); /* child of cat */
	expect_alert(sc, &e, "ksp-group-2-file-path-block-from-source-path", A_BLOCK, 1);
	fx_done(&f);
}

static void smoke_lenient_allow_lets_cat_read_the_token_and_blocks_head(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-wordpress-lenient-allow-sa", "wordpress-mysql");
	tpb_label(d, "app", "wordpress");
	tpb_spec(d, A_ALLOW, 7, NULL, NULL);
	struct policy_path_rule *r =
		tpb_path(d, FILE_, POLICY_MATCH_DIR, "/run/secrets/kubernetes.io/serviceaccount/");
	r->recursive = 1;
	r->meta.action = A_BLOCK;
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/")->recursive = 1;
	r = tpb_path(d, FILE_, POLICY_MATCH_DIR, "/run/secrets/kubernetes.io/serviceaccount/");
	r->recursive = 1;
	tpb_from(&r->from, "/bin/cat");
	tpb_path(d, PROC, POLICY_MATCH_DIR, "/")->recursive = 1;
	tpb_push(f.l, d);
	static const char *const wp[] = { "app=wordpress", NULL };
	const struct policy_scope *sc = fx_container(&f, "wordpress-mysql", "wordpress", wp);
	const char *tok = "/run/secrets/kubernetes.io/serviceaccount/token";
	struct policy_event e =
		fx_ev(FILE_, "/usr/bin/head", "/bin/bash", tok, POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "ksp-wordpress-lenient-allow-sa", A_BLOCK, 1);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", tok, POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	e = fx_ev(FILE_, "/usr/bin/head", "/bin/bash", "/etc/passwd", POLICY_RESULT_PENDING);
	expect_drop(sc, &e);
	fx_done(&f);
}

static void smoke_block_config_attributes_relative_resolved_path(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-wordpress-block-config", "wordpress-mysql");
	tpb_label(d, "app", "wordpress");
	tpb_spec(d, A_BLOCK, 10, "blocked access to wordpress configuration file", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/var/www/html/wp-config.php");
	tpb_push(f.l, d);
	static const char *const wp[] = { "app=wordpress", NULL };
	const struct policy_scope *sc = fx_container(&f, "wordpress-mysql", "wordpress", wp);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/var/www/html/wp-config.php", DENIED);
	expect_alert(sc, &e, "ksp-wordpress-block-config", A_BLOCK, 1);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	assert_string_equal(v.rule->message, "blocked access to wordpress configuration file");
	assert_string_equal(v.rule->severity, "10");
	e.path = "wp-config.php"; /* an unresolved relative path cannot match (§2.3) */
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void smoke_two_policies_on_one_pod_both_apply(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "ksp-block-passwd", "wordpress-mysql");
	tpb_label(d, "app", "mysql");
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/passwd");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "ksp-block-shadow", "wordpress-mysql");
	tpb_label(d, "app", "mysql");
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_push(f.l, d);
	static const char *const my[] = { "app=mysql", NULL };
	const struct policy_scope *sc = fx_container(&f, "wordpress-mysql", "mysql", my);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", DENIED);
	expect_alert(sc, &e, "ksp-block-passwd", A_BLOCK, 1);
	e.path = "/etc/shadow";
	expect_alert(sc, &e, "ksp-block-shadow", A_BLOCK, 1);
	fx_done(&f);
}

static void first_rule_in_policy_order_wins_between_audit_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-dir", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/etc/")->recursive = 1;
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-path", NULL);
	tpb_spec(d, A_AUDIT, 2, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/passwd");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", PASSED);
	expect_alert(sc, &e, "audit-dir", A_AUDIT, 0);
	fx_done(&f);
}

/* --- posture (§2.7), container variants --------------------------------------------------------- */

static struct fx posture_fx(enum policy_posture p, int audited)
{
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = p;
	f.o.audited = audited;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "allow-tmp", NULL);
	tpb_spec(d, A_ALLOW, 3, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/tmp/")->recursive = 1;
	tpb_push(f.l, d);
	return f;
}

static void posture_block_denies_and_alerts_outside_the_allow_list(void **state)
{
	(void)state;
	struct fx f = posture_fx(POLICY_POSTURE_BLOCK, 0);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.path = "/tmp/a";
	expect_drop(sc, &e);
	/* a process exec is the same class: outside the allow list too */
	e = fx_ev(PROC, "/bin/ls", "/bin/bash", "/bin/ls", DENIED);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void posture_audit_allows_and_alerts_outside_the_allow_list(void **state)
{
	(void)state;
	struct fx f = posture_fx(POLICY_POSTURE_AUDIT, 0);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_AUDIT, 0);
	e.result = PASSED;
	expect_alert(sc, &e, "DefaultPosture", A_AUDIT, 0);
	e.path = "/tmp/x";
	expect_drop(sc, &e);
	fx_done(&f);
}

static void posture_audited_mode_reports_audit_block_and_denies_nothing(void **state)
{
	(void)state;
	struct fx f = posture_fx(POLICY_POSTURE_BLOCK, 1);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", POLICY_ACTION_AUDIT_BLOCK, 0);
	fx_done(&f);
}

static void posture_applies_only_when_the_class_has_an_allow_rule(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	f.o.container_posture[POLICY_CLASS_NETWORK] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "block-only", NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATH, "/etc/shadow");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "allow-net", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_proto(d, "tcp");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0); /* the file class has no Allow rule: no posture */
	e = fx_ev(POLICY_OP_NETWORK, "/usr/bin/curl", "/bin/bash", NULL, POLICY_RESULT_PENDING);
	e.protos = policy_proto_classify(2, 2, 0); /* UDP: outside the network allow list */
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	fx_done(&f);
}

static void posture_network_block_denies_dns_when_only_tcp_from_curl_is_allowed(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_NETWORK] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-allow-net-tcp-from-source", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_ALLOW, 8, NULL, NULL);
	tpb_from(&tpb_proto(d, "tcp")->from, "/usr/bin/curl");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e =
		fx_ev(POLICY_OP_NETWORK, "/usr/bin/curl", "/bin/bash", NULL, POLICY_RESULT_PENDING);
	e.source = "/usr/bin/curl duckduckgo.com";
	e.protos = policy_proto_classify(2, 2, 0);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.protos = policy_proto_classify(2, 1, 0);
	expect_drop(sc, &e);
	fx_done(&f);
}

static void posture_capabilities_class_is_separate(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_CAPABILITIES] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "allow-chown", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	tpb_cap(d, "chown");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(POLICY_OP_CAPABILITIES, "/bin/x", "/bin/bash", NULL, POLICY_RESULT_PENDING);
	e.capability = 13; /* CAP_NET_RAW */
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	e.capability = 0; /* CAP_CHOWN */
	expect_drop(sc, &e);
	e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

/* --- network, capabilities, syscalls ------------------------------------------------------------ */

static void network_audit_icmp_alerts_on_ping(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-audit-net-icmp", "multiubuntu");
	tpb_spec(d, A_AUDIT, 8, NULL, NULL);
	tpb_proto(d, "icmp");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(POLICY_OP_NETWORK, "/bin/ping", "/bin/bash", NULL, PASSED);
	e.protos = policy_proto_classify(2, 3, 1); /* AF_INET SOCK_RAW IPPROTO_ICMP */
	expect_alert(sc, &e, "ksp-ubuntu-1-audit-net-icmp", A_AUDIT, 0);
	e.protos = policy_proto_classify(2, 1, 0);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void network_block_raw_and_all(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-net-raw", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 8, NULL, NULL);
	tpb_proto(d, "raw");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-3-block-net-all", "multiubuntu");
	tpb_label(d, "container", "ubuntu-3");
	tpb_spec(d, A_BLOCK, 8, NULL, NULL);
	tpb_proto(d, "all");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(POLICY_OP_NETWORK, "/usr/bin/arping", "/bin/bash", NULL,
				      POLICY_RESULT_PENDING);
	e.protos = policy_proto_classify(17, 3, 0); /* AF_PACKET SOCK_RAW */
	expect_alert(sc, &e, "ksp-ubuntu-1-block-net-raw", A_BLOCK, 1);
	e.protos = policy_proto_classify(2, 1, 0);
	expect_log(sc, &e, 0);
	sc = fx_container(&f, "multiubuntu", "c", UB3);
	e.protos = policy_proto_classify(2, 1, 0);
	expect_alert(sc, &e, "ksp-ubuntu-3-block-net-all", A_BLOCK, 1);
	e.protos = policy_proto_classify(10, 3, 58);
	expect_alert(sc, &e, "ksp-ubuntu-3-block-net-all", A_BLOCK, 1);
	fx_done(&f);
}

static void network_from_source_matches_source_prefix_or_process(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-udp-nc", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_from(&tpb_proto(d, "udp")->from, "/usr/bin/nc");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(POLICY_OP_NETWORK, "/usr/bin/nc.x", "/bin/bash", NULL, PASSED);
	e.source = "/usr/bin/nc -u 127.0.0.1 9999";
	e.protos = policy_proto_classify(2, 2, 0);
	expect_alert(sc, &e, "audit-udp-nc", A_AUDIT, 0);
	e.source = "/usr/bin/ncat -u";
	expect_log(sc, &e, 0);
	e.process = "/usr/bin/nc";
	expect_alert(sc, &e, "audit-udp-nc", A_AUDIT, 0);
	fx_done(&f);
}

static void capabilities_block_net_raw_with_and_without_source(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d =
		tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-1-block-net-raw-cap", "multiubuntu");
	tpb_label(d, "container", "ubuntu-1");
	tpb_spec(d, A_BLOCK, 1, NULL, NULL);
	tpb_cap(d, "net_raw");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "ksp-ubuntu-3-block-net-raw-cap-from-source", "multiubuntu");
	tpb_label(d, "container", "ubuntu-3");
	tpb_spec(d, A_BLOCK, 1, NULL, NULL);
	tpb_from(&tpb_cap(d, "cap_net_raw")->from, "/usr/sbin/arping");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "multiubuntu", "c", UB1);
	struct policy_event e = fx_ev(POLICY_OP_CAPABILITIES, "/usr/sbin/arping", "/bin/bash", NULL,
				      POLICY_RESULT_PENDING);
	e.source = "/usr/sbin/arping -c 1 127.0.0.1";
	e.capability = 13;
	expect_alert(sc, &e, "ksp-ubuntu-1-block-net-raw-cap", A_BLOCK, 1);
	e.capability = 12; /* CAP_NET_ADMIN */
	expect_log(sc, &e, 0);
	sc = fx_container(&f, "multiubuntu", "c", UB3);
	e.capability = 13;
	expect_alert(sc, &e, "ksp-ubuntu-3-block-net-raw-cap-from-source", A_BLOCK, 1);
	e.process = "/bin/ping";
	e.source = "/bin/ping 1.1.1.1";
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static struct policy_event sys_ev(const char *src, const char *path)
{
	struct policy_event e =
		fx_ev(POLICY_OP_SYSCALL, "/usr/bin/unlink", "/bin/bash", path, PASSED);
	e.source = src;
	e.syscall_nr = 87; /* unlink */
	return e;
}

static void syscalls_match_syscalls_alert_audit_with_inherited_meta(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP,
				       "audit-unlink-local-trumps-global-information", "syscalls");
	tpb_spec(d, A_BLOCK, 8, "Global message", NULL);
	d->syscalls.meta.severity = 7;
	d->syscalls.meta.message = strdup("Local message");
	tpb_syscall(d, "unlink", NULL);
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "syscalls", "c", UB1);
	struct policy_event e = sys_ev("/usr/bin/unlink /dummy", "/dummy");
	expect_alert(sc, &e, "audit-unlink-local-trumps-global-information", A_AUDIT, 0);
	struct policy_verdict v;
	policy_scope_decide(sc, &e, &v);
	assert_string_equal(v.rule->severity, "7");
	assert_string_equal(v.rule->message, "Local message");
	e.syscall_nr = 263; /* unlinkat: no rule */
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void syscalls_from_source_path_dir_and_recursive_dir(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-unlink-fromsource-path", "syscalls");
	tpb_from(&tpb_syscall(d, "unlink", NULL)->from, "/unlink");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-unlink-fromsource", "syscalls");
	tpb_from_dir(&tpb_syscall(d, "unlink", NULL)->from, "/bin", 0);
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-unlink-fromsource-dir-recursive", "syscalls");
	tpb_from_dir(&tpb_syscall(d, "unlink", NULL)->from, "/foo/", 1);
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "syscalls", "c", UB1);
	struct policy_event e = sys_ev("/unlink /dummy", "/dummy");
	expect_alert(sc, &e, "audit-unlink-fromsource-path", A_AUDIT, 0);
	e = sys_ev("/bin/unlink /dummy", "/dummy");
	expect_alert(sc, &e, "audit-unlink-fromsource", A_AUDIT, 0);
	e = sys_ev("/foo/bar/unlink /dummy", "/dummy");
	expect_alert(sc, &e, "audit-unlink-fromsource-dir-recursive", A_AUDIT, 0);
	e = sys_ev("/bin/sub/unlink /dummy", "/dummy"); /* non-recursive dir: no deeper */
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void syscalls_match_paths_file_and_recursive_dir_last_match_wins(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-unlink", "syscalls");
	tpb_syscall(d, "unlink", "/home/")->recursive = 1;
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-unlink-file-path", "syscalls");
	tpb_syscall(d, "unlink,rmdir", "/dummy");
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-unlink-dir-recursive-fromsource-path", "syscalls");
	tpb_from(&tpb_syscall(d, "unlink", "/home/")->from, "/bin/unlink");
	d->syscalls.v[0].recursive = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "syscalls", "c", UB1);
	struct policy_event e = sys_ev("/usr/bin/unlink /home/dummy", "/home/dummy");
	expect_alert(sc, &e, "audit-unlink", A_AUDIT, 0);
	e = sys_ev("/bin/unlink /home/dummy", "/home/dummy");
	expect_alert(sc, &e, "audit-unlink-dir-recursive-fromsource-path", A_AUDIT, 0);
	e = sys_ev("/usr/bin/unlink /dummy", "/dummy");
	expect_alert(sc, &e, "audit-unlink-file-path", A_AUDIT, 0);
	e.syscall_nr = 84; /* rmdir */
	expect_alert(sc, &e, "audit-unlink-file-path", A_AUDIT, 0);
	e = sys_ev("/usr/bin/unlink /tmp/x", "/tmp/x");
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void dns_allow_list_uses_the_network_posture_and_leaves_sockets_alone(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	f.o.container_posture[POLICY_CLASS_NETWORK] = POLICY_POSTURE_BLOCK;
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "allow-dns-example", NULL);
	tpb_spec(d, A_ALLOW, 0, NULL, NULL);
	d->network.dns = calloc(1, sizeof(*d->network.dns));
	d->network.dns[0].domain = strdup(".Example.COM.");
	d->network.n_dns = 1;
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(POLICY_OP_NETWORK, "/usr/bin/curl", "/bin/bash", NULL, POLICY_RESULT_PENDING);
	e.domain = "api.example.com";
	expect_drop(sc, &e);
	e.domain = "example.org";
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	/* sockets are not in the DNS allow list: no protocol Allow rule, no posture */
	e.domain = NULL;
	e.protos = policy_proto_classify(2, 1, 0);
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void posture_allow_lets_everything_outside_the_allow_list_through_silently(void **state)
{
	(void)state;
	struct fx f = posture_fx(POLICY_POSTURE_ALLOW, 0);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", POLICY_RESULT_PENDING);
	expect_log(sc, &e, 0);
	e.path = "/tmp/x";
	expect_drop(sc, &e);
	fx_done(&f);
}

static void file_pattern_also_matches_the_process_name(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-python-files", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_PATTERN, "/usr/bin/python3*");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e = fx_ev(FILE_, "/usr/bin/python3.11", "/bin/bash", "/etc/hosts", 0);
	expect_alert(sc, &e, "audit-python-files", A_AUDIT, 0);
	e.process = "/usr/bin/perl";
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void file_dir_rule_for_the_root_recursive_covers_everything(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct policy_doc *d = tpb_doc(POLICY_KIND_KSP, "audit-all", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/")->recursive = 1;
	tpb_push(f.l, d);
	d = tpb_doc(POLICY_KIND_KSP, "audit-top", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/");
	tpb_push(f.l, d);
	const struct policy_scope *sc = fx_container(&f, "default", "c", UB1);
	struct policy_event e = fx_ev(FILE_, "/bin/cat", "/bin/bash", "/a/b/c/d", 0);
	expect_alert(sc, &e, "audit-all", A_AUDIT, 0);
	e.path = "relative/path"; /* §2.3: "/" recursive matches any resource */
	expect_alert(sc, &e, "audit-all", A_AUDIT, 0);
	fx_done(&f);
	/* non-recursive "/": only direct children */
	fx_init(&f);
	d = tpb_doc(POLICY_KIND_KSP, "audit-top", NULL);
	tpb_spec(d, A_AUDIT, 1, NULL, NULL);
	tpb_path(d, FILE_, POLICY_MATCH_DIR, "/");
	tpb_push(f.l, d);
	sc = fx_container(&f, "default", "c", UB1);
	e.path = "/top";
	expect_alert(sc, &e, "audit-top", A_AUDIT, 0);
	e.path = "/a/b";
	expect_log(sc, &e, 0);
	fx_done(&f);
}

static void posture_namespace_annotation_overrides_the_global_container_posture(void **state)
{
	(void)state;
	/* blockposture suite: kubearmor-file-posture=block on the namespace, global audit */
	struct fx f = posture_fx(POLICY_POSTURE_AUDIT, 0);
	static const enum policy_posture ns_block[POLICY_CLASS_COUNT] = { POLICY_POSTURE_BLOCK,
									  POLICY_POSTURE_AUDIT,
									  POLICY_POSTURE_AUDIT };
	struct policy_container c = { "nginx-posture", "nginx", UB1 };
	struct policy_scope *sc = NULL;
	fx_compile(&f);
	assert_int_equal(policy_set_container_scope(f.s, &c, &sc), 0);
	policy_scope_set_posture(sc, ns_block);
	struct policy_event e =
		fx_ev(FILE_, "/bin/cat", "/bin/sh", "/docker-entrypoint.sh", POLICY_RESULT_PENDING);
	expect_alert(sc, &e, "DefaultPosture", A_BLOCK, 1);
	policy_scope_free(sc);
	/* an unannotated namespace keeps the global audit posture */
	const struct policy_scope *sc2 = fx_container(&f, "default", "c", UB1);
	expect_alert(sc2, &e, "DefaultPosture", A_AUDIT, 0);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			process_block_by_path_denies_and_alerts_for_every_pod_of_the_group),
		cmocka_unit_test(process_audit_by_path_alerts_on_passed_exec_only),
		cmocka_unit_test(process_block_dir_covers_direct_children_only),
		cmocka_unit_test(process_block_dir_recursive_covers_every_depth),
		cmocka_unit_test(process_block_from_source_applies_only_to_that_parent),
		cmocka_unit_test(process_block_execname_matches_any_directory),
		cmocka_unit_test(
			process_allow_dir_makes_files_outside_the_allow_list_default_posture),
		cmocka_unit_test(
			process_allow_owner_only_lets_the_owner_run_it_and_posture_decides_others),
		cmocka_unit_test(process_block_owner_only_blocks_everyone_but_the_owner),
		cmocka_unit_test(file_block_pattern_matches_shell_glob_within_one_component),
		cmocka_unit_test(file_block_dir_recursive_covers_the_service_account_token),
		cmocka_unit_test(file_block_readonly_denies_writes_and_lets_reads_through),
		cmocka_unit_test(file_audit_readonly_dir_alerts_on_writes_only),
		cmocka_unit_test(file_allow_readonly_sends_writes_to_default_posture),
		cmocka_unit_test(file_allow_owner_readonly_admits_only_the_owner_reading),
		cmocka_unit_test(file_block_owner_readonly_permits_only_the_owner_reading),
		cmocka_unit_test(file_block_dir_recursive_owner_readonly_follows_scenario_25),
		cmocka_unit_test(file_block_readonly_from_source_blocks_only_that_program_writing),
		cmocka_unit_test(file_allow_readonly_from_source_sends_everything_else_to_posture),
		cmocka_unit_test(file_from_source_matches_the_process_or_its_parent),
		cmocka_unit_test(smoke_lenient_allow_lets_cat_read_the_token_and_blocks_head),
		cmocka_unit_test(smoke_block_config_attributes_relative_resolved_path),
		cmocka_unit_test(smoke_two_policies_on_one_pod_both_apply),
		cmocka_unit_test(first_rule_in_policy_order_wins_between_audit_rules),
		cmocka_unit_test(posture_block_denies_and_alerts_outside_the_allow_list),
		cmocka_unit_test(posture_audit_allows_and_alerts_outside_the_allow_list),
		cmocka_unit_test(posture_audited_mode_reports_audit_block_and_denies_nothing),
		cmocka_unit_test(posture_applies_only_when_the_class_has_an_allow_rule),
		cmocka_unit_test(
			posture_network_block_denies_dns_when_only_tcp_from_curl_is_allowed),
		cmocka_unit_test(posture_capabilities_class_is_separate),
		cmocka_unit_test(network_audit_icmp_alerts_on_ping),
		cmocka_unit_test(network_block_raw_and_all),
		cmocka_unit_test(network_from_source_matches_source_prefix_or_process),
		cmocka_unit_test(capabilities_block_net_raw_with_and_without_source),
		cmocka_unit_test(syscalls_match_syscalls_alert_audit_with_inherited_meta),
		cmocka_unit_test(syscalls_from_source_path_dir_and_recursive_dir),
		cmocka_unit_test(syscalls_match_paths_file_and_recursive_dir_last_match_wins),
		cmocka_unit_test(dns_allow_list_uses_the_network_posture_and_leaves_sockets_alone),
		cmocka_unit_test(
			posture_allow_lets_everything_outside_the_allow_list_through_silently),
		cmocka_unit_test(file_pattern_also_matches_the_process_name),
		cmocka_unit_test(
			posture_namespace_annotation_overrides_the_global_container_posture),
		cmocka_unit_test(file_dir_rule_for_the_root_recursive_covers_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
