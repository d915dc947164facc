/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the process table (monitor/proctab.c) seeded from the real /proc and from a
 * fake proc folder (container root stripping, NSpid), and kept by fork/exec/exit events.
 */
#include "support/ward_test.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/enrich.h"

static void seeding_from_proc_knows_this_test_process(void **state)
{
	(void)state;
	struct mon_proc_table *t;
	assert_int_equal(mon_proc_table_new("/proc", &t), 0);
	int n = mon_proc_seed(t);
	assert_true(n > 1);
	assert_int_equal((size_t)n, mon_proc_count(t));
	struct mon_proc *p = mon_proc_find(t, (uint32_t)getpid());
	assert_non_null(p);
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(l > 0);
	exe[l] = '\0';
	assert_string_equal(p->exe, exe);
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(p->cwd, cwd);
	assert_int_equal(p->host_ppid, (uint32_t)getppid());
	assert_int_equal(p->uid, getuid());
	assert_string_equal(p->source, exe); /* no arguments */
	mon_proc_table_free(t);
}

static void fork_exec_exit_events_keep_the_table(void **state)
{
	(void)state;
	struct mon_proc_table *t;
	assert_int_equal(mon_proc_table_new("/proc", &t), 0);
	uint32_t me = (uint32_t)getpid();
	assert_non_null(mon_proc_get(t, me)); /* read lazily */
	/* a child that does not exist in /proc: everything comes from the events */
	struct ward_event fork_ev = { .kind = WARD_EV_FORK,
				      .host_pid = me,
				      .host_tid = me,
				      .pid = me,
				      .child_pid = 3999999,
				      .child_tid = 3999999 };
	assert_int_equal(mon_proc_fork(t, &fork_ev), 0);
	struct mon_proc *c = mon_proc_find(t, 3999999);
	assert_non_null(c);
	assert_string_equal(c->exe, mon_proc_find(t, me)->exe);
	assert_int_equal(c->host_ppid, me);
	assert_int_equal(c->pid, 3999999);
	struct ward_event exec_ev = { .kind = WARD_EV_EXEC,
				      .syscall_nr = 59,
				      .host_pid = 3999999,
				      .host_tid = 3999999,
				      .host_ppid = me,
				      .pid = 3999999,
				      .ppid = me,
				      .exe = "/usr/bin/ls",
				      .argv = { "ls", "-l", "/tmp" },
				      .argc = 3 };
	assert_int_equal(mon_proc_exec(t, &exec_ev), 0);
	c = mon_proc_find(t, 3999999);
	assert_string_equal(c->exe, "/usr/bin/ls");
	assert_string_equal(c->args, "-l /tmp");
	assert_string_equal(c->source, "/usr/bin/ls -l /tmp");
	/* a failed exec changes nothing */
	exec_ev.retval = -13;
	exec_ev.exe = "/usr/bin/apt";
	assert_int_equal(mon_proc_exec(t, &exec_ev), 0);
	assert_string_equal(mon_proc_find(t, 3999999)->exe, "/usr/bin/ls");
	/* a thread's exit keeps the process; the leader's removes it */
	struct ward_event exit_ev = { .kind = WARD_EV_EXIT,
				      .host_pid = 3999999,
				      .host_tid = 4000000 };
	mon_proc_exit(t, &exit_ev);
	assert_non_null(mon_proc_find(t, 3999999));
	exit_ev.host_tid = 3999999;
	mon_proc_exit(t, &exit_ev);
	assert_null(mon_proc_find(t, 3999999));
	assert_null(mon_proc_get(t, 3999999)); /* gone from /proc too */
	/* an entry whose exit was lost: the sweep removes it, live processes stay */
	fork_ev.child_pid = 3999998;
	assert_int_equal(mon_proc_fork(t, &fork_ev), 0);
	size_t before = mon_proc_count(t);
	assert_int_equal(mon_proc_sweep(t), 1);
	assert_int_equal(mon_proc_count(t), before - 1);
	assert_null(mon_proc_find(t, 3999998));
	assert_non_null(mon_proc_find(t, me));
	mon_proc_table_free(t);
}

/* an exec event for fake pid @host_pid (not in /proc) in pid namespace @ns */
static struct ward_event exec_event(uint32_t host_pid, uint32_t host_ppid, uint32_t pid,
				    uint32_t ns, const char *comm, int64_t ts_ns)
{
	struct ward_event ev = { .kind = WARD_EV_EXEC,
				 .syscall_nr = 59,
				 .ts_ns = ts_ns,
				 .host_pid = host_pid,
				 .host_tid = host_pid,
				 .host_ppid = host_ppid,
				 .pid = pid,
				 .pid_ns = ns,
				 .mnt_ns = ns + 1,
				 .exe = "/bin/busybox",
				 .argv = { comm },
				 .argc = 1 };
	snprintf(ev.comm, sizeof(ev.comm), "%s", comm);
	return ev;
}

static void fork_of(struct mon_proc_table *t, uint32_t parent, uint32_t child, uint32_t ns)
{
	struct ward_event ev = { .kind = WARD_EV_FORK,
				 .host_pid = parent,
				 .host_tid = parent,
				 .child_pid = child,
				 .child_tid = child,
				 .pid_ns = ns,
				 .mnt_ns = ns + 1 };
	assert_int_equal(mon_proc_fork(t, &ev), 0);
}

static void exec_into_a_container_starts_a_session_its_children_inherit(void **state)
{
	(void)state;
	const uint32_t host_ns = 4026531836u, ctr_ns = 4026532999u;
	const uint32_t conmon = 3999100;
	struct mon_proc_table *t;
	assert_int_equal(mon_proc_table_new("/proc", &t), 0);
	/* the runtime's monitor on the host */
	struct ward_event ev = exec_event(conmon, 1, conmon, host_ns, "conmon", 1000);
	assert_non_null(mon_proc_from_event(t, &ev));
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon)->exec_id, 0); /* a host task */

	/* the container's entrypoint (pid 1 in its namespace) and what it runs: no session */
	fork_of(t, conmon, conmon + 1, host_ns);
	ev = exec_event(conmon + 1, conmon, 1, ctr_ns, "sleep", 2000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon + 1)->exec_id, 0);
	fork_of(t, conmon + 1, conmon + 2, ctr_ns);
	ev = exec_event(conmon + 2, conmon + 1, 2, ctr_ns, "ls", 3000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon + 2)->exec_id, 0);

	/* `podman exec`: forked on the host, setns, exec inside: a session */
	fork_of(t, conmon, conmon + 3, host_ns);
	ev = exec_event(conmon + 3, conmon, 3, ctr_ns, "sh", 4000000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	struct mon_proc *sh = mon_proc_find(t, conmon + 3);
	uint64_t id = 4000000 | (conmon + 3);
	assert_int_equal(sh->exec_id, id);
	assert_string_equal(sh->exec_name, "sh");
	/* what the shell runs inherits it, through fork and exec */
	fork_of(t, conmon + 3, conmon + 4, ctr_ns);
	ev = exec_event(conmon + 4, conmon + 3, 4, ctr_ns, "cat", 5000000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon + 4)->exec_id, id);
	assert_string_equal(mon_proc_find(t, conmon + 4)->exec_name, "sh");
	/* `exec ls` in the shell (parent still the host's conmon) keeps the session */
	ev = exec_event(conmon + 3, conmon, 3, ctr_ns, "ls", 6000000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon + 3)->exec_id, id);

	/*
	 * A second exec whose helper already showed up inside the namespace (an event before
	 * its exec moved the entry there): the parent on the host still makes it a new session.
	 */
	fork_of(t, conmon, conmon + 5, host_ns);
	struct mon_proc *p = mon_proc_find(t, conmon + 5);
	p->pid_ns = ctr_ns;
	p->mnt_ns = ctr_ns + 1;
	ev = exec_event(conmon + 5, conmon, 5, ctr_ns, "top", 7000000);
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, conmon + 5)->exec_id, 7000000 | (conmon + 5));
	assert_string_equal(mon_proc_find(t, conmon + 5)->exec_name, "top");
	mon_proc_table_free(t);
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void container_paths_and_pids_are_as_the_container_sees_them(void **state)
{
	(void)state;
	char *tmp = ward_test_tmpdir();
	char dir[PATH_MAX / 2], path[PATH_MAX], target[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.1000s/5000", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/ns", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(dir, "ns/pid", "", 0);
	write_file(dir, "ns/mnt", "", 0);
	static const char stat_text[] = "5000 (sh (x)) S 4990 5000 5000 34817 0 0\n";
	write_file(dir, "stat", stat_text, sizeof(stat_text) - 1);
	static const char status[] = "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nNSpid:\t5000\t7\n";
	write_file(dir, "status", status, sizeof(status) - 1);
	static const char cmdline[] = "sh\0-c\0sleep 1\0";
	write_file(dir, "cmdline", cmdline, sizeof(cmdline) - 1);
	const char *root = "/var/lib/containers/x/merged";
	snprintf(path, sizeof(path), "%s/root", dir);
	assert_int_equal(symlink(root, path), 0);
	snprintf(path, sizeof(path), "%s/exe", dir);
	snprintf(target, sizeof(target), "%.200s/bin/busybox", root);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/cwd", dir);
	snprintf(target, sizeof(target), "%s/tmp", root);
	assert_int_equal(symlink(target, path), 0);

	struct mon_proc_table *t;
	assert_int_equal(mon_proc_table_new(tmp, &t), 0);
	assert_int_equal(mon_proc_seed(t), 1);
	struct mon_proc *p = mon_proc_find(t, 5000);
	assert_non_null(p);
	assert_string_equal(p->exe, "/bin/busybox");
	assert_string_equal(p->cwd, "/tmp");
	assert_string_equal(p->args, "-c sleep 1");
	assert_string_equal(p->source, "/bin/busybox -c sleep 1");
	assert_int_equal(p->pid, 7);
	assert_int_equal(p->host_ppid, 4990);
	assert_int_equal(p->uid, 1000);
	assert_string_equal(p->tty, "pts1"); /* 34817 = 136:1 */
	assert_true(p->pid_ns != 0);
	mon_proc_table_free(t);
	ward_test_rm_rf(tmp);
	free(tmp);
}

/*
 * One fake /proc/PID: comm, parent, pid in its namespace, start time in clock ticks; @ns_of is
 * the pid whose ns/pid file it shares (a hard link: the same inode is the same namespace).
 */
static void fake_proc(const char *proc, uint32_t pid, const char *comm, uint32_t ppid,
		      uint32_t nspid, unsigned long long start_ticks, uint32_t ns_of)
{
	char dir[PATH_MAX / 2], path[PATH_MAX], target[PATH_MAX], text[512];
	snprintf(dir, sizeof(dir), "%.1000s/%u", proc, pid);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/ns", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(dir, "ns/mnt", "", 0);
	if (ns_of == pid) {
		write_file(dir, "ns/pid", "", 0);
	} else {
		snprintf(target, sizeof(target), "%.1000s/%u/ns/pid", proc, ns_of);
		snprintf(path, sizeof(path), "%s/ns/pid", dir);
		assert_int_equal(link(target, path), 0);
	}
	int n = snprintf(text, sizeof(text),
			 "%u (%s) S %u %u %u 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0\n", pid,
			 comm, ppid, pid, pid, start_ticks);
	write_file(dir, "stat", text, (size_t)n);
	n = nspid == pid
		    ? snprintf(text, sizeof(text), "Name:\t%s\nUid:\t0\t0\t0\t0\nNSpid:\t%u\n",
			       comm, pid)
		    : snprintf(text, sizeof(text), "Name:\t%s\nUid:\t0\t0\t0\t0\nNSpid:\t%u\t%u\n",
			       comm, pid, nspid);
	write_file(dir, "status", text, (size_t)n);
	n = snprintf(text, sizeof(text), "%s", comm);
	write_file(dir, "cmdline", text, (size_t)n + 1);
	snprintf(path, sizeof(path), "%s/exe", dir);
	snprintf(target, sizeof(target), "/bin/%s", comm);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/cwd", dir);
	assert_int_equal(symlink("/", path), 0);
}

static int64_t boot_to_real_ns(void)
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
}

/*
 * An exec session that began before the agent: found when the table is seeded. Host: conmon
 * (3990). Container (pid namespace of 4000): its init (ns pid 1) and init's child are in no
 * session; the shell podman exec started (5000, parent conmon) starts one, and its child cat
 * (5001) and grandchild (4500, a pid that wrapped below its parent's) inherit it.
 */
static void sessions_begun_before_the_agent_are_found_when_seeding(void **state)
{
	(void)state;
	char *proc = ward_test_tmpdir();
	fake_proc(proc, 3990, "conmon", 1, 3990, 100, 3990);
	fake_proc(proc, 4000, "sleep", 3990, 1, 200, 4000);
	fake_proc(proc, 4100, "worker", 4000, 5, 250, 4000);
	fake_proc(proc, 5000, "sh", 3990, 7, 12345, 4000);
	fake_proc(proc, 5001, "cat", 5000, 8, 12400, 4000);
	fake_proc(proc, 4500, "tail", 5001, 9, 12500, 4000);

	struct mon_proc_table *t;
	assert_int_equal(mon_proc_table_new(proc, &t), 0);
	int64_t before = boot_to_real_ns();
	assert_int_equal(mon_proc_seed(t), 6);
	int64_t after = boot_to_real_ns();
	/* the live form: wall-clock ns of the start (tick 12345 after boot) ORed with the pid */
	uint64_t start = 12345ULL * (uint64_t)(1000000000L / sysconf(_SC_CLK_TCK));
	uint64_t id = mon_proc_find(t, 5000)->exec_id;
	assert_true(id >= start + (uint64_t)before && id <= ((start + (uint64_t)after) | 8191u));
	assert_int_equal(id & 5000u, 5000u);
	assert_int_equal(mon_proc_find(t, 3990)->exec_id, 0);
	assert_int_equal(mon_proc_find(t, 4000)->exec_id, 0);
	assert_int_equal(mon_proc_find(t, 4100)->exec_id, 0);
	static const uint32_t in_session[] = { 5000, 5001, 4500 };
	for (size_t i = 0; i < 3; i++) {
		struct mon_proc *p = mon_proc_find(t, in_session[i]);
		assert_non_null(p);
		assert_int_equal(p->exec_id, id);
		assert_string_equal(p->exec_name, "sh");
		assert_int_equal(p->exec_pid_ns, mon_proc_find(t, 4000)->pid_ns);
	}
	/* a task that exited keeps answering for its session (records made after it ended) */
	uint64_t got;
	char name[16];
	struct ward_event exit_ev = { .kind = WARD_EV_EXIT, .host_pid = 5001, .host_tid = 5001 };
	mon_proc_exit(t, &exit_ev);
	assert_null(mon_proc_find(t, 5001));
	assert_int_equal(mon_proc_session(t, 5001, &got, name), 1);
	assert_int_equal(got, id);
	assert_string_equal(name, "sh");
	assert_int_equal(mon_proc_session(t, 4100, &got, name), 0); /* alive, in no session */
	/* ... until a new task takes its pid */
	fork_of(t, 3990, 5001, mon_proc_find(t, 3990)->pid_ns);
	assert_int_equal(mon_proc_session(t, 5001, &got, name), 0);
	mon_proc_exit(t, &exit_ev);
	assert_int_equal(mon_proc_session(t, 5001, &got, name), 0);
	/* the shell's next exec keeps the session, as for a session seen live */
	struct ward_event ev = { .host_pid = 5000,
				 .host_ppid = 3990,
				 .pid = 7,
				 .ppid = 0,
				 .pid_ns = mon_proc_find(t, 5000)->pid_ns,
				 .ts_ns = 99999999,
				 .exe = "/bin/ls",
				 .comm = "ls" };
	assert_int_equal(mon_proc_exec(t, &ev), 0);
	assert_int_equal(mon_proc_find(t, 5000)->exec_id, id);
	mon_proc_table_free(t);
	ward_test_rm_rf(proc);
	free(proc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeding_from_proc_knows_this_test_process),
		cmocka_unit_test(fork_exec_exit_events_keep_the_table),
		cmocka_unit_test(exec_into_a_container_starts_a_session_its_children_inherit),
		cmocka_unit_test(container_paths_and_pids_are_as_the_container_sees_them),
		cmocka_unit_test(sessions_begun_before_the_agent_are_found_when_seeding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
