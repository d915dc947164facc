/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_enforce_fanotify.c - process and file Block through fanotify permission events on the
 * real kernel, with a small rule table (enforce_rules.h) in place of the compiled policy set.
 * Every rule names only files in the test's own temp dir (copies of /bin/true etc.), and the
 * enforcer is closed at the end of each test, so nothing stays blocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "enforce/enforce.h"
#include "kernel/enforce_rules.h"
#include "record/record.h"
#include "support/rec_collect.h"
#include "support/ward_test.h"

/* ---- collected records -------------------------------------------------------------------- */

static void assert_has(const char *json, const char *frag)
{
	if (!strstr(json, frag))
		fail_msg("record %s lacks %s", json, frag);
}

/* ---- running programs --------------------------------------------------------------------- */

/* Runs argv (stdout+stderr into @out); as @uid when >= 0. Returns the exit status or -1. */
static int run(char *const argv[], int uid, char *out, size_t size)
{
	int pfd[2], st;
	pid_t pid;
	ssize_t n, len = 0;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (uid >= 0 && (setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(99);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (out && (n = read(pfd[0], out + len, size - 1 - (size_t)len)) > 0)
		len += n;
	if (out)
		out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY), outfd;
	ssize_t n;

	assert_true(in >= 0);
	outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(outfd >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(outfd, buf, (size_t)n), n);
	close(in);
	close(outfd);
	chmod(to, mode);
}

struct fx {
	char *dir;
	char p[8][512];
	struct trule rules[8];
	struct tpolicy pol;
	struct enforce_opts opts;
	struct enforce *e;
	const char *any[2];
	char anybuf[600];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = ward_test_tmpdir();
	assert_non_null(f->dir);
	chmod(f->dir, 0755);
	f->pol.rules = f->rules;
	enforce_opts_init(&f->opts);
	f->opts.no_network = 1;
	f->opts.fold_ms = 50;
	/* any-marks (allow-lists, patterns) stay on the test's own directory */
	snprintf(f->anybuf, sizeof(f->anybuf), "%s/.", f->dir);
	f->any[0] = f->anybuf;
	f->opts.any_marks = f->any;
	recs_clear();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	enforce_close(f->e);
	ward_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	recs_clear();
	return 0;
}

static const char *path(struct fx *f, int i, const char *name)
{
	snprintf(f->p[i], sizeof(f->p[i]), "%s/%s", f->dir, name);
	return f->p[i];
}

static void start(struct fx *f)
{
	struct enforce_hooks h = thooks(&f->pol);
	int r = enforce_start(&h, &f->opts, on_record, NULL, &f->e);

	WARD_REQUIRE(r == 0,
		     "fanotify permission events (root, CONFIG_FANOTIFY_ACCESS_PERMISSIONS)");
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Seed example 2 on test-owned copies: a host Block rule on an apt-like binary. */
static void fanotify_denies_exec_of_blocked_path_like_seed_example_2(void **state)
{
	struct fx *f = *state;
	char out[4096], cmd[1200], exp[1200];
	const char *apt = path(f, 0, "apt"), *ls = path(f, 1, "ls");
	struct enforce_stats st;

	copy_file("/usr/bin/true", apt, 0755);
	copy_file("/usr/bin/ls", ls, 0755);
	f->rules[0] = (struct trule){
		.op = POLICY_OP_PROCESS,
		.kind = POLICY_INTEREST_PATH,
		.value = apt,
		.action = POLICY_ACTION_BLOCK,
		.info = { .policy_name = "block-pkg-mgmt-tools",
			  .severity = "10",
			  .tags = "NIST,NIST_800-53_CM-7(4),SI-4,process,NIST_800-53_SI-4",
			  .message = "apt was attempted to be executed",
			  .action = POLICY_ACTION_BLOCK }
	};
	f->pol.n = 1;
	start(f);

	snprintf(cmd, sizeof(cmd), "%s; echo rc=$?", apt);
	assert_int_equal(run((char *[]){ "/usr/bin/bash", "-c", cmd, NULL }, -1, out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_non_null(strstr(out, "rc=126"));
	assert_int_equal(run((char *[]){ (char *)ls, f->dir, NULL }, -1, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "apt"));

	assert_int_equal(recs_wait(1, 3000), 1);
	usleep(200000);
	assert_int_equal(recs_wait(1, 0), 1); /* one attempt, one alert */
	assert_has(recs[0], "\"Type\":\"MatchedHostPolicy\"");
	assert_has(recs[0], "\"PolicyName\":\"block-pkg-mgmt-tools\"");
	assert_has(recs[0], "\"Severity\":\"10\"");
	assert_has(recs[0], "\"Tags\":\"NIST,NIST_800-53_CM-7(4),SI-4,process,NIST_800-53_SI-4\"");
	assert_has(recs[0], "\"Message\":\"apt was attempted to be executed\"");
	assert_has(recs[0], "\"Operation\":\"Process\"");
	snprintf(exp, sizeof(exp), "\"ProcessName\":\"%s\"", apt);
	assert_has(recs[0], exp);
	snprintf(exp, sizeof(exp), "\"Resource\":\"%s\"", apt);
	assert_has(recs[0], exp);
	assert_has(recs[0], "\"ParentProcessName\":\"/usr/bin/bash\"");
	assert_has(recs[0], "\"Source\":\"/usr/bin/bash\"");
	assert_has(recs[0], "\"Data\":\"syscall=SYS_EXECVE\"");
	assert_has(recs[0], "\"Enforcer\":\"fanotify\"");
	assert_has(recs[0], "\"Action\":\"Block\"");
	assert_has(recs[0], "\"Result\":\"Operation not permitted\"");
	assert_has(recs[0], "\"UID\":0");
	enforce_get_stats(f->e, &st);
	assert_true(st.denied == 1);

	/* enforcer stopped: the same program runs again */
	enforce_close(f->e);
	f->e = NULL;
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)apt, NULL }, -1, out, sizeof(out)),
		0);
}

/* fromSource: bash may not run the program, dash may. */
static void fanotify_from_source_blocks_only_that_parent(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *prog = path(f, 0, "prog");

	copy_file("/usr/bin/true", prog, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .source = "/usr/bin/bash",
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "no-prog-from-bash" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)prog, NULL }, -1, out, sizeof(out)),
		126);
	assert_int_equal(
		run((char *[]){ "/usr/bin/dash", "-c", (char *)prog, NULL }, -1, out, sizeof(out)),
		0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"Source\":\"/usr/bin/bash\"");
}

/*
 * An exec of a file an exact-path rule names is decided by its inode (the mark is on it), so a
 * hard link to the blocked program is blocked too; the record names the link that was run.
 */
static void fanotify_hard_link_of_blocked_program_is_blocked(void **state)
{
	struct fx *f = *state;
	char out[4096], exp[600];
	const char *prog = path(f, 0, "prog");
	const char *hl = path(f, 1, "prog-link");
	const char *other = path(f, 2, "other");

	copy_file("/usr/bin/true", prog, 0755);
	copy_file("/usr/bin/true", other, 0755);
	assert_int_equal(link(prog, hl), 0);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "no-prog" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)hl, NULL }, -1, out, sizeof(out)),
		126);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)other, NULL }, -1, out, sizeof(out)),
		0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"PolicyName\":\"no-prog\"");
	snprintf(exp, sizeof(exp), "\"Resource\":\"%s\"", hl);
	assert_has(recs[0], exp);
	assert_has(recs[0], "\"ParentProcessName\":\"/usr/bin/bash\"");
	assert_has(recs[0], "\"UID\":0");
}

/* ownerOnly: a file owned by uid 1000 may be read by its owner only. */
static void fanotify_owner_only_lets_only_the_owner_open(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *secret = path(f, 0, "secret");

	copy_file("/etc/hostname", secret, 0644);
	assert_int_equal(chown(secret, 1000, 1000), 0);
	f->rules[0] = (struct trule){ .op = POLICY_OP_FILE,
				      .kind = POLICY_INTEREST_PATH,
				      .value = secret,
				      .owner_only = 1,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "owner-only" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(
		run((char *[]){ "/usr/bin/cat", (char *)secret, NULL }, -1, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_int_equal(
		run((char *[]){ "/usr/bin/cat", (char *)secret, NULL }, 1000, out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"Operation\":\"File\"");
	assert_has(recs[0], "\"ProcessName\":\"/usr/bin/cat\"");
	assert_has(recs[0], "flags=O_RDONLY");
}

/* ownerOnly on an exec: the enforcer reads the program's owner only when the answer depends
 * on it, and then it must (root is denied a program owned by uid 1000, its owner runs it). */
static void fanotify_owner_only_exec_runs_for_the_owner_only(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *prog = path(f, 0, "ownprog");

	copy_file("/usr/bin/true", prog, 0755);
	assert_int_equal(chown(prog, 1000, 1000), 0);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .owner_only = 1,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "owner-only-exec" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)prog, NULL }, -1, out, sizeof(out)),
		126);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_int_equal(run((char *[]){ "/usr/bin/bash", "-c", (char *)prog, NULL }, 1000, out,
			     sizeof(out)),
			 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"Operation\":\"Process\"");
	assert_has(recs[0], "\"PolicyName\":\"owner-only-exec\"");
}

/* readOnly on one file: reads pass, a write is denied and spelled with its flags. */
static void fanotify_read_only_file_denies_writes_only(void **state)
{
	struct fx *f = *state;
	char out[4096], cmd[1200];
	const char *ro = path(f, 0, "ro.txt");

	copy_file("/etc/hostname", ro, 0644);
	f->rules[0] = (struct trule){ .op = POLICY_OP_FILE,
				      .kind = POLICY_INTEREST_PATH,
				      .value = ro,
				      .read_only = 1,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "ro" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(run((char *[]){ "/usr/bin/cat", (char *)ro, NULL }, -1, out, sizeof(out)),
			 0);
	snprintf(cmd, sizeof(cmd), "echo x >> %s", ro);
	assert_int_equal(run((char *[]){ "/usr/bin/bash", "-c", cmd, NULL }, -1, out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0],
		   "\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_APPEND\"");
	assert_has(recs[0], "\"ProcessName\":\"/usr/bin/bash\"");
}

/* A recursive readOnly directory (seed example 3's rule, on a test directory). */
static void fanotify_recursive_read_only_dir_blocks_writes_below(void **state)
{
	struct fx *f = *state;
	char out[4096], dir[600], sub[700], file[800];

	snprintf(dir, sizeof(dir), "%s/lib/", f->dir);
	snprintf(sub, sizeof(sub), "%s/lib/sub", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/lib/sub/old", f->dir);
	copy_file("/etc/hostname", file, 0644);
	f->rules[0] = (struct trule){ .op = POLICY_OP_FILE,
				      .kind = POLICY_INTEREST_DIR_RECURSIVE,
				      .value = dir,
				      .read_only = 1,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "file-integrity-monitoring",
						.severity = "1" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(run((char *[]){ "/usr/bin/cat", file, NULL }, -1, out, sizeof(out)), 0);
	snprintf(file, sizeof(file), "%s/lib/sub/test_file", f->dir);
	assert_int_equal(run((char *[]){ "/usr/bin/touch", file, NULL }, -1, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(
		recs[0],
		"\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK\"");
	assert_has(recs[0], "\"ProcessName\":\"/usr/bin/touch\"");
	assert_int_equal(access(file, F_OK), -1); /* the denied creation left nothing behind */
	assert_has(recs[0], "\"Source\":\"/usr/bin/touch ");
}

/* matchPatterns: *.sh in the test dir may not run; another program there may. */
static void fanotify_pattern_rule_blocks_matching_execs(void **state)
{
	struct fx *f = *state;
	char out[4096], pat[600];
	const char *sh = path(f, 0, "x.sh"), *bin = path(f, 1, "y.bin");

	copy_file("/usr/bin/true", sh, 0755);
	copy_file("/usr/bin/true", bin, 0755);
	snprintf(pat, sizeof(pat), "%s/*.sh", f->dir);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_GLOB,
				      .value = pat,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "no-scripts" } };
	f->pol.n = 1;
	start(f);
	assert_int_equal(run((char *[]){ (char *)bin, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)sh, NULL }, -1, out, sizeof(out)),
		126);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"PolicyName\":\"no-scripts\"");
}

/* Allow-list with posture block: only the listed program runs; the rest get DefaultPosture. */
static void fanotify_allow_list_with_block_posture_runs_only_listed(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *ok = path(f, 0, "ok"), *other = path(f, 1, "other");
	struct enforce_stats st;

	copy_file("/usr/bin/true", ok, 0755);
	copy_file("/usr/bin/true", other, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = ok,
				      .action = POLICY_ACTION_ALLOW,
				      .info = { .policy_name = "allow-ok" } };
	f->pol.n = 1;
	f->pol.posture[POLICY_CLASS_FILE] = POLICY_POSTURE_BLOCK;
	start(f);
	assert_int_equal(run((char *[]){ (char *)ok, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(run((char *[]){ (char *)ok, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(
		run((char *[]){ "/usr/bin/bash", "-c", (char *)other, NULL }, -1, out, sizeof(out)),
		126);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"PolicyName\":\"DefaultPosture\"");
	assert_has(recs[0], "\"Action\":\"Block\"");
	enforce_get_stats(f->e, &st);
	assert_true(st.cached >= 1); /* the allowed program's answer is cached in the kernel */
}

/* Allow-list with posture audit: everything runs; the unlisted program is audited. */
static void fanotify_allow_list_with_audit_posture_audits_the_rest(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *ok = path(f, 0, "ok"), *other = path(f, 1, "other");

	copy_file("/usr/bin/true", ok, 0755);
	copy_file("/usr/bin/true", other, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = ok,
				      .action = POLICY_ACTION_ALLOW,
				      .info = { .policy_name = "allow-ok" } };
	f->pol.n = 1;
	f->pol.posture[POLICY_CLASS_FILE] = POLICY_POSTURE_AUDIT;
	f->opts.report_audit = 1;
	start(f);
	assert_int_equal(run((char *[]){ (char *)ok, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(run((char *[]){ (char *)other, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"PolicyName\":\"DefaultPosture\"");
	assert_has(recs[0], "\"Action\":\"Audit\"");
	assert_has(recs[0], "\"Result\":\"Passed\"");
}

/*
 * audit_files: file Audit rules are marked and alerted here as the monitor would (Enforcer
 * "eBPF Monitor", Action Audit, the open's flags), process Audit rules are not (the monitor
 * reports execs from the sched tracepoint), and an open of an unmarked file is no record.
 */
static void fanotify_audit_files_alerts_file_audit_rules_only(void **state)
{
	struct fx *f = *state;
	char out[4096];
	const char *watched = path(f, 0, "watched.txt"), *other = path(f, 1, "other.txt");
	const char *prog = path(f, 2, "prog");

	copy_file("/etc/hostname", watched, 0644);
	copy_file("/etc/hostname", other, 0644);
	copy_file("/usr/bin/cat", prog, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_FILE,
				      .kind = POLICY_INTEREST_PATH,
				      .value = watched,
				      .action = POLICY_ACTION_AUDIT,
				      .info = { .policy_name = "audit-file" } };
	f->rules[1] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .action = POLICY_ACTION_AUDIT,
				      .info = { .policy_name = "audit-exec" } };
	f->pol.n = 2;
	f->opts.audit_files = 1;
	start(f);
	assert_int_equal(run((char *[]){ (char *)prog, (char *)watched, (char *)other, NULL }, -1,
			     out, sizeof(out)),
			 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	usleep(200000); /* nothing else arrives late */
	assert_int_equal(recs_wait(2, 10), 1);
	assert_has(recs[0], "\"PolicyName\":\"audit-file\"");
	assert_has(recs[0], "\"Enforcer\":\"eBPF Monitor\"");
	assert_has(recs[0], "\"Action\":\"Audit\"");
	assert_has(recs[0], "\"Result\":\"Passed\"");
	assert_has(recs[0], "\"Operation\":\"File\"");
	assert_has(recs[0], "\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_RDONLY\"");
	assert_has(recs[0], watched);
	/* switched off: the Audit rule is no longer marked (the next update re-marks) */
	assert_int_equal(enforce_set_audit_files(f->e, 0), 0);
	assert_int_equal(enforce_update(f->e, NULL), 0);
	recs_clear();
	assert_int_equal(
		run((char *[]){ "/usr/bin/cat", (char *)watched, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 300), 0);
}

/* Repeated identical blocks within the window fold into one record with a Count. */
static void fanotify_repeated_blocks_fold_into_one_record_with_count(void **state)
{
	struct fx *f = *state;
	char out[4096], cmd[1200];
	const char *prog = path(f, 0, "prog");

	copy_file("/usr/bin/true", prog, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "fold" } };
	f->pol.n = 1;
	f->opts.fold_ms = 1000;
	start(f);
	snprintf(cmd, sizeof(cmd), "for i in 1 2 3 4 5; do %s; done; exit 0", prog);
	assert_int_equal(run((char *[]){ "/usr/bin/bash", "-c", cmd, NULL }, -1, out, sizeof(out)),
			 0);
	/* the same block by another uid inside the window: a repeat answered without reading
	 * the acting program, which then does not fold (the uid is part of the key) */
	assert_int_equal(run((char *[]){ "/usr/bin/bash", "-c", (char *)prog, NULL }, 1000, out,
			     sizeof(out)),
			 126);
	assert_int_equal(recs_wait(2, 3000), 2);
	assert_has(recs[0], "\"Count\":5");
	assert_has(recs[0], "\"ParentProcessName\":\"/usr/bin/bash\"");
	assert_has(recs[0], "\"UID\":0");
	assert_has(recs[1], "\"UID\":1000");
}

/* ward's own directories: written by ward only. */
static void fanotify_self_protection_denies_writes_by_others(void **state)
{
	struct fx *f = *state;
	char out[4096], cmd[1200], file[700];
	const char *store = path(f, 0, "store");
	const char *dirs[2] = { store, NULL };
	FILE *fp;

	assert_int_equal(mkdir(store, 0755), 0);
	f->opts.protect_dirs = dirs;
	f->pol.n = 0;
	start(f);
	snprintf(file, sizeof(file), "%s/db", store);
	fp = fopen(file, "w"); /* the enforcer's own process may write */
	assert_non_null(fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "echo x > %s", file);
	assert_int_equal(run((char *[]){ "/usr/bin/dash", "-c", cmd, NULL }, -1, out, sizeof(out)),
			 2);
	assert_int_equal(run((char *[]){ "/usr/bin/cat", file, NULL }, -1, out, sizeof(out)), 0);
	assert_int_equal(recs_wait(1, 3000), 1);
	assert_has(recs[0], "\"PolicyName\":\"" ENFORCE_SELF_RULE_NAME "\"");
}

/* kill -9 of the enforcer while a blocked program retries: nothing hangs, then it runs. */
static void fanotify_killed_enforcer_releases_blocked_program(void **state)
{
	struct fx *f = *state;
	char out[4096], cmd[1400];
	const char *prog = path(f, 0, "prog"), *ready = path(f, 1, "ready");
	int pfd[2], st;
	pid_t child, loop;
	char c;
	time_t t0;

	copy_file("/usr/bin/true", prog, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "kill-test" } };
	f->pol.n = 1;
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	if (child == 0) {
		struct enforce_hooks h = thooks(&f->pol);
		struct enforce *e;

		close(pfd[0]);
		if (enforce_start(&h, &f->opts, NULL, NULL, &e) < 0)
			_exit(1);
		c = 'r';
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	WARD_REQUIRE(read(pfd[0], &c, 1) == 1, "fanotify permission events");
	close(pfd[0]);
	/* the loop: retries until the program runs, then exits 0 */
	snprintf(cmd, sizeof(cmd), "touch %s; until %s 2>/dev/null; do :; done", ready, prog);
	loop = fork();
	if (loop == 0) {
		execl("/usr/bin/bash", "bash", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (t0 = time(NULL); access(ready, F_OK) < 0 && time(NULL) - t0 < 5;)
		usleep(10000);
	usleep(300000);
	assert_int_equal(waitpid(loop, &st, WNOHANG), 0); /* still blocked, still looping */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	for (t0 = time(NULL); waitpid(loop, &st, WNOHANG) == 0;) {
		if (time(NULL) - t0 > 5) {
			kill(loop, SIGKILL);
			waitpid(loop, NULL, 0);
			fail_msg("loop still blocked 5 s after the enforcer died");
		}
		usleep(10000);
	}
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(run((char *[]){ (char *)prog, NULL }, -1, out, sizeof(out)), 0);
}

static void probe_reports_fanotify_and_cgroup_bpf_backends(void **state)
{
	struct enforce_probe_result p;

	(void)state;
	assert_int_equal(enforce_probe(&p), 0);
	WARD_REQUIRE(p.fanotify_exec == 0 && p.fanotify_open == 0, "fanotify permission events");
	if (p.bpf_lsm == 0) {
		assert_int_equal(p.backend[POLICY_OP_PROCESS], ENFORCE_BACKEND_BPFLSM);
	} else {
		assert_int_equal(p.backend[POLICY_OP_PROCESS], ENFORCE_BACKEND_FANOTIFY);
		assert_int_equal(p.backend[POLICY_OP_FILE], ENFORCE_BACKEND_FANOTIFY);
		WARD_REQUIRE(p.cgroup_bpf == 0, "cgroup-v2 BPF sock_create");
		assert_int_equal(p.backend[POLICY_OP_NETWORK], ENFORCE_BACKEND_CGROUP_BPF);
	}
	assert_string_equal(enforce_backend_name(ENFORCE_BACKEND_FANOTIFY), "fanotify");
}

/*
 * The decision-time samples: wall time always; the enforcer thread's CPU time (two more system
 * calls per event) only with opts.cpu_latency, else 0.
 */
static void fanotify_cpu_latency_sampled_only_when_asked(void **state)
{
	struct fx *f = *state;
	const char *prog = path(f, 0, "blocked");
	uint32_t wall[4], cpu[4];
	char out[256];
	int on;

	copy_file("/usr/bin/true", prog, 0755);
	f->rules[0] = (struct trule){ .op = POLICY_OP_PROCESS,
				      .kind = POLICY_INTEREST_PATH,
				      .value = prog,
				      .action = POLICY_ACTION_BLOCK,
				      .info = { .policy_name = "latency" } };
	f->pol.n = 1;
	for (on = 0; on < 2; on++) {
		f->opts.cpu_latency = on;
		start(f);
		assert_int_not_equal(run((char *[]){ (char *)prog, NULL }, -1, out, sizeof(out)),
				     0);
		assert_int_equal(enforce_get_latencies(f->e, 0, wall, 4), 1);
		assert_int_equal(enforce_get_latencies(f->e, 1, cpu, 4), 1);
		assert_true(wall[0] > 0);
		if (on)
			assert_true(cpu[0] > 0);
		else
			assert_int_equal(cpu[0], 0);
		enforce_close(f->e);
		f->e = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			fanotify_denies_exec_of_blocked_path_like_seed_example_2, setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_from_source_blocks_only_that_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fanotify_hard_link_of_blocked_program_is_blocked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_owner_only_lets_only_the_owner_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fanotify_owner_only_exec_runs_for_the_owner_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_read_only_file_denies_writes_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			fanotify_recursive_read_only_dir_blocks_writes_below, setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_pattern_rule_blocks_matching_execs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			fanotify_allow_list_with_block_posture_runs_only_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			fanotify_allow_list_with_audit_posture_audits_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(
			fanotify_repeated_blocks_fold_into_one_record_with_count, setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_audit_files_alerts_file_audit_rules_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_self_protection_denies_writes_by_others,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_killed_enforcer_releases_blocked_program,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_cpu_latency_sampled_only_when_asked, setup,
						teardown),
		cmocka_unit_test(probe_reports_fanotify_and_cgroup_bpf_backends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
