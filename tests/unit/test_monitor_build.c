/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the record builder (monitor/build.c, names.c). Synthetic events, golden
 * Operation/Resource/Data/Result strings per spec/kubearmor.md §3.5, and the whole seed
 * example 1 record as JSON. No kernel needed.
 */
#include "support/ward_test.h"

#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "monitor/enrich.h"
#include "record/record.h"

static const struct mon_build_opts opts = {
	.cluster = "default",
	.hostname = "node-1",
	.enforcer_alerts = 1,
};

static struct mon_proc shell(void)
{
	struct mon_proc p = {
		.host_pid = 4000,
		.host_ppid = 3990,
		.pid = 4000,
		.ppid = 3990,
		.exe = (char *)"/usr/bin/python3",
		.args = (char *)"t.py --x",
		.source = (char *)"/usr/bin/python3 t.py --x",
		.cwd = (char *)"/root",
		.tty = "pts1",
	};
	return p;
}

struct golden {
	const char *what;
	struct ward_event ev;
	const char *operation, *resource, *data, *result;
};

#define BASE .host_pid = 4000, .host_tid = 4000, .host_ppid = 3990, .pid = 4000, .ppid = 3990

static const struct golden goldens[] = {
	{ "open for write (touch)",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 257,
	    BASE,
	    .path = "/usr/lib/test_file",
	    .dirfd = -100,
	    .flags = 0 | 01 | 0100 | 0400 | 04000 },
	  "File",
	  "/usr/lib/test_file",
	  "syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK",
	  "Passed" },
	{ "open for read",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 257,
	    BASE,
	    .path = "/etc/passwd",
	    .dirfd = -100,
	    .flags = 02000000 },
	  "File",
	  "/etc/passwd",
	  "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY|O_CLOEXEC",
	  "Passed" },
	{ "failed open",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 257,
	    BASE,
	    .path = "/nope",
	    .dirfd = -100,
	    .retval = -2 },
	  "File",
	  "/nope",
	  "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY",
	  "No such file or directory" },
	{ "relative path joined with cwd",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 257,
	    BASE,
	    .path = "./a/../b.txt",
	    .dirfd = -100,
	    .flags = 02 | 01000 },
	  "File",
	  "/root/b.txt",
	  "syscall=SYS_OPENAT fd=-100 flags=O_RDWR|O_TRUNC",
	  "Passed" },
	{ "relative path the decoder made absolute",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 257,
	    BASE,
	    .path = "sub/../y",
	    .path_abs = "/tmp/w/sub/../y",
	    .dirfd = -100,
	    .flags = 01 | 0100 },
	  "File",
	  "/tmp/w/y",
	  "syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT",
	  "Passed" },
	{ "open(2)",
	  { .kind = WARD_EV_FILE, .syscall_nr = 2, BASE, .path = "/tmp/x", .flags = 0 },
	  "File",
	  "/tmp/x",
	  "syscall=SYS_OPEN flags=O_RDONLY",
	  "Passed" },
	{ "unlink",
	  { .kind = WARD_EV_FILE, .syscall_nr = 87, BASE, .path = "/tmp/x" },
	  "File",
	  "/tmp/x",
	  "syscall=SYS_UNLINK",
	  "Passed" },
	{ "unlinkat keeps an empty flags=",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 263,
	    BASE,
	    .path = "/sbin/raw",
	    .dirfd = -100,
	    .retval = -13 },
	  "File",
	  "/sbin/raw",
	  "syscall=SYS_UNLINKAT flags=",
	  "Permission denied" },
	{ "unlinkat of a directory",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 263,
	    BASE,
	    .path = "/tmp/d",
	    .dirfd = -100,
	    .flags = 0x200 },
	  "File",
	  "/tmp/d",
	  "syscall=SYS_UNLINKAT flags=AT_REMOVEDIR",
	  "Passed" },
	{ "rmdir",
	  { .kind = WARD_EV_FILE, .syscall_nr = 84, BASE, .path = "/tmp/d" },
	  "File",
	  "/tmp/d",
	  "syscall=SYS_RMDIR",
	  "Passed" },
	{ "chown",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 92,
	    BASE,
	    .path = "/tmp/f",
	    .chown_uid = 1000,
	    .chown_gid = 100 },
	  "File",
	  "/tmp/f",
	  "syscall=SYS_CHOWN userid=1000 group=100",
	  "Passed" },
	{ "fchownat",
	  { .kind = WARD_EV_FILE,
	    .syscall_nr = 260,
	    BASE,
	    .path = "/tmp/f",
	    .dirfd = -100,
	    .chown_uid = 0,
	    .chown_gid = 0,
	    .flags = 0x100 },
	  "File",
	  "/tmp/f",
	  "syscall=SYS_FCHOWNAT userid=0 group=0 mode=256",
	  "Passed" },
	{ "execve",
	  { .kind = WARD_EV_EXEC,
	    .syscall_nr = 59,
	    BASE,
	    .exe = "/usr/bin/ps",
	    .argv = { "ps" },
	    .argc = 1 },
	  "Process",
	  "/usr/bin/ps",
	  "syscall=SYS_EXECVE",
	  "Passed" },
	{ "execve with arguments",
	  { .kind = WARD_EV_EXEC,
	    .syscall_nr = 59,
	    BASE,
	    .exe = "/bin/sh",
	    .argv = { "sh", "-ec", "vault status" },
	    .argc = 3 },
	  "Process",
	  "/bin/sh -ec vault status",
	  "syscall=SYS_EXECVE",
	  "Passed" },
	{ "execve with too many arguments",
	  { .kind = WARD_EV_EXEC,
	    .syscall_nr = 59,
	    BASE,
	    .exe = "/bin/echo",
	    .argv = { "echo", "1",  "2",  "3",	"4",  "5",  "6",  "7",	"8",  "9",
		      "10",   "11", "12", "13", "14", "15", "16", "17", "18", "19" },
	    .argc = 20,
	    .argv_truncated = 1 },
	  "Process",
	  "/bin/echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 ...",
	  "syscall=SYS_EXECVE",
	  "Passed" },
	{ "execveat",
	  { .kind = WARD_EV_EXEC,
	    .syscall_nr = 322,
	    BASE,
	    .exe = "/usr/bin/id",
	    .dirfd = 3,
	    .flags = 0x1000,
	    .argv = { "id" },
	    .argc = 1 },
	  "Process",
	  "/usr/bin/id",
	  "syscall=SYS_EXECVEAT fd=3 flag=AT_SYMLINK_NOFOLLOW",
	  "Passed" },
	{ "failed execve",
	  { .kind = WARD_EV_EXEC,
	    .syscall_nr = 59,
	    BASE,
	    .exe = "/usr/bin/apt",
	    .argv = { "apt" },
	    .argc = 1,
	    .retval = -1 },
	  "Process",
	  "/usr/bin/apt",
	  "syscall=SYS_EXECVE",
	  "Operation not permitted" },
	{ "socket",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 41,
	    BASE,
	    .sock_domain = 2,
	    .sock_type = 1 | 02000000,
	    .sock_protocol = 6,
	    .retval = 3 },
	  "Network",
	  "domain=AF_INET type=SOCK_STREAM|SOCK_CLOEXEC protocol=TCP",
	  "syscall=SYS_SOCKET",
	  "Passed" },
	{ "unix socket with protocol 0",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 41,
	    BASE,
	    .sock_domain = 1,
	    .sock_type = 1 | 04000 | 02000000,
	    .sock_protocol = 0,
	    .retval = 3 },
	  "Network",
	  "domain=AF_UNIX type=SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC protocol=HOPOPT",
	  "syscall=SYS_SOCKET",
	  "Passed" },
	{ "udp socket",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 41,
	    BASE,
	    .sock_domain = 10,
	    .sock_type = 2,
	    .sock_protocol = 17,
	    .retval = 3 },
	  "Network",
	  "domain=AF_INET6 type=SOCK_DGRAM protocol=UDP",
	  "syscall=SYS_SOCKET",
	  "Passed" },
	{ "connect",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 42,
	    BASE,
	    .fd = 3,
	    .sa_family = 2,
	    .port = 80,
	    .addr = { 127, 0, 0, 1 } },
	  "Network",
	  "sa_family=AF_INET sin_port=80 sin_addr=127.0.0.1",
	  "syscall=SYS_CONNECT fd=3",
	  "Passed" },
	{ "connect refused",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 42,
	    BASE,
	    .fd = 10,
	    .sa_family = 2,
	    .port = 53,
	    .addr = { 10, 0, 0, 10 },
	    .retval = -111 },
	  "Network",
	  "sa_family=AF_INET sin_port=53 sin_addr=10.0.0.10",
	  "syscall=SYS_CONNECT fd=10",
	  "Connection refused" },
	{ "connect over IPv6",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 42,
	    BASE,
	    .fd = 4,
	    .sa_family = 10,
	    .port = 443,
	    .addr = { [15] = 1 } },
	  "Network",
	  "sa_family=AF_INET6 sin_port=443 sin_addr=::1",
	  "syscall=SYS_CONNECT fd=4",
	  "Passed" },
	{ "connect to a unix socket",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 42,
	    BASE,
	    .fd = 5,
	    .sa_family = 1,
	    .unix_path = "/run/x.sock" },
	  "Network",
	  "sa_family=AF_UNIX sun_path=/run/x.sock",
	  "syscall=SYS_CONNECT fd=5",
	  "Passed" },
	{ "bind",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 49,
	    BASE,
	    .fd = 3,
	    .sa_family = 2,
	    .port = 18250,
	    .addr = { 0, 0, 0, 0 } },
	  "Network",
	  "sa_family=AF_INET sin_port=18250 sin_addr=0.0.0.0",
	  "syscall=SYS_BIND fd=3",
	  "Passed" },
	{ "listen",
	  { .kind = WARD_EV_NET, .syscall_nr = 50, BASE, .fd = 3 },
	  "Network",
	  "",
	  "syscall=SYS_LISTEN fd=3",
	  "Passed" },
	{ "accept4 names the peer",
	  { .kind = WARD_EV_NET,
	    .syscall_nr = 288,
	    BASE,
	    .fd = 3,
	    .sa_family = 2,
	    .port = 40000,
	    .addr = { 127, 0, 0, 1 },
	    .retval = 4 },
	  "Network",
	  "sa_family=AF_INET sin_port=40000 sin_addr=127.0.0.1",
	  "syscall=SYS_ACCEPT4 fd=3",
	  "Passed" },
	{ "setuid",
	  { .kind = WARD_EV_SYSCALL, .syscall_nr = 105, BASE, .arg_id = 0 },
	  "Syscall",
	  "",
	  "syscall=SYS_SETUID userid=0",
	  "Passed" },
	{ "setgid denied",
	  { .kind = WARD_EV_SYSCALL, .syscall_nr = 106, BASE, .arg_id = 0, .retval = -1 },
	  "Syscall",
	  "",
	  "syscall=SYS_SETGID userid=0",
	  "Operation not permitted" },
	{ "umount2 prints flag=0",
	  { .kind = WARD_EV_SYSCALL, .syscall_nr = 166, BASE, .path = "/mnt", .flags = 2 },
	  "Syscall",
	  "",
	  "syscall=SYS_UMOUNT2 target=/mnt flag=0",
	  "Passed" },
	{ "mount prints mountflag=0",
	  { .kind = WARD_EV_SYSCALL,
	    .syscall_nr = 165,
	    BASE,
	    .path = "none",
	    .path2 = "/mnt",
	    .fstype = "tmpfs",
	    .flags = 1 },
	  "Syscall",
	  "",
	  "syscall=SYS_MOUNT source=none target=/mnt filesystem=tmpfs mountflag=0 data=",
	  "Passed" },
	{ "capability use",
	  { .kind = WARD_EV_CAP, .syscall_nr = 41, BASE, .capability = 13 },
	  "Capabilities",
	  "CAP_NET_RAW",
	  "syscall=SYS_SOCKET",
	  "Passed" },
	{ "unknown errno",
	  { .kind = WARD_EV_FILE, .syscall_nr = 87, BASE, .path = "/x", .retval = -4000 },
	  "File",
	  "/x",
	  "syscall=SYS_UNLINK",
	  "Unknown error" },
};

static void every_event_kind_gets_kubearmors_resource_and_data(void **state)
{
	(void)state;
	struct mon_scratch s;
	mon_scratch_init(&s);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct mon_proc p = shell();
		struct ward_record r;
		struct policy_event pe;
		print_message("case: %s\n", g->what);
		assert_int_equal(mon_build_event(&opts, NULL, &g->ev, &p, NULL, &s, &r, &pe), 0);
		assert_string_equal(r.operation, g->operation);
		assert_string_equal(r.resource, g->resource);
		assert_string_equal(r.data, g->data);
		assert_string_equal(r.result, g->result);
		assert_string_equal(r.cwd, "/root/");
		assert_string_equal(r.tty, "pts1");
	}
	mon_scratch_done(&s);
}

static void file_events_tell_the_matcher_read_or_write(void **state)
{
	(void)state;
	struct mon_scratch s;
	mon_scratch_init(&s);
	struct mon_proc p = shell();
	struct ward_record r;
	struct policy_event pe;
	assert_int_equal(mon_build_event(&opts, NULL, &goldens[0].ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(pe.op, POLICY_OP_FILE);
	assert_int_equal(pe.is_write, 1);
	assert_string_equal(pe.path, "/usr/lib/test_file");
	assert_string_equal(pe.source, "/usr/bin/python3 t.py --x");
	assert_int_equal(mon_build_event(&opts, NULL, &goldens[1].ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(pe.is_write, 0);
	assert_int_equal(pe.result, 0);
	assert_int_equal(mon_build_event(&opts, NULL, &goldens[2].ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(pe.result, -2);
	mon_scratch_done(&s);
}

/* Seed example 1: `ps` from bash under a pty, host policy Audit → the whole record. */
static void seed_example_1_record_is_built_from_an_exec_event(void **state)
{
	(void)state;
	struct mon_proc bash = {
		.host_pid = 130025,
		.host_ppid = 130000,
		.pid = 130025,
		.exe = (char *)"/usr/bin/bash",
		.args = (char *)"",
		.source = (char *)"/usr/bin/bash",
		.cwd = (char *)"/root",
		.tty = "pts1",
	};
	struct mon_proc ps = bash;
	ps.host_pid = 130034;
	ps.host_ppid = 130025;
	ps.exe = (char *)"/usr/bin/ps";
	ps.source = (char *)"/usr/bin/ps";
	struct ward_event ev = {
		.kind = WARD_EV_EXEC,
		.syscall_nr = 59,
		.ts_ns = 1717156232000001000LL,
		.host_pid = 130034,
		.host_tid = 130034,
		.host_ppid = 130025,
		.pid = 130034,
		.ppid = 130025,
		.exe = "/usr/bin/ps",
		.argv = { "ps" },
		.argc = 1,
		.comm = "ps",
	};
	struct mon_build_opts o = opts;
	o.cluster = "wsl-ubuntu";
	o.hostname = "ubuntu-2gb-hel1-2";
	o.extra_json = "\"cluster_id\":\"27273\"";
	struct mon_scratch s;
	mon_scratch_init(&s);
	struct ward_record r;
	struct policy_event pe;
	assert_int_equal(mon_build_event(&o, NULL, &ev, &ps, &bash, &s, &r, &pe), 0);
	assert_string_equal(pe.process, "/usr/bin/ps");
	assert_string_equal(pe.path, "/usr/bin/ps");
	assert_string_equal(pe.source, "/usr/bin/bash");
	assert_int_equal(pe.has_tty, 1);
	struct policy_rule_info rule = {
		.policy_name = "ksp-discovery-process-discovery",
		.severity = "5",
		.tags = "MITRE,Discovery",
		.message = "Someone accessed running process",
		.action = POLICY_ACTION_AUDIT,
	};
	struct policy_verdict v = {
		.kind = POLICY_VERDICT_ALERT,
		.action = POLICY_ACTION_AUDIT,
		.host = 1,
		.rule = &rule,
	};
	assert_int_equal(mon_apply_verdict(&o, &v, 1, &r), 1);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(&r, &sb), 0);
	assert_string_equal(
		sb.buf,
		"{\"Timestamp\":1717156232,\"UpdatedTime\":\"2024-05-31T11:50:32.000001Z\","
		"\"ClusterName\":\"wsl-ubuntu\",\"HostName\":\"ubuntu-2gb-hel1-2\","
		"\"HostPPID\":130025,\"HostPID\":130034,\"PPID\":0,\"PID\":130034,\"UID\":0,"
		"\"ParentProcessName\":\"/usr/bin/bash\",\"ProcessName\":\"/usr/bin/ps\","
		"\"PolicyName\":\"ksp-discovery-process-discovery\",\"Severity\":\"5\","
		"\"Tags\":\"MITRE,Discovery\",\"ATags\":[\"MITRE\",\"Discovery\"],"
		"\"Message\":\"Someone accessed running process\",\"Type\":\"MatchedHostPolicy\","
		"\"Source\":\"/usr/bin/bash\",\"Operation\":\"Process\",\"Resource\":\"/usr/bin/ps\","
		"\"Data\":\"syscall=SYS_EXECVE\",\"Enforcer\":\"eBPF Monitor\",\"Action\":\"Audit\","
		"\"Result\":\"Passed\",\"Cwd\":\"/root/\",\"TTY\":\"pts1\",\"ExecEvent\":{\"ExecID\":\"0\",\"ExecutableName\":\"ps\"},\"cluster_id\":\"27273\"}");
	strbuf_done(&sb);
	mon_scratch_done(&s);
}

static void container_events_carry_container_fields_and_own_namespace_pids(void **state)
{
	(void)state;
	struct mon_container ct = {
		.id = "013ea36d4d47dd15521795cacb4a638b38e3ab5d62b6b917f4dc14c8d9591f55",
		.name = (char *)"ubuntu",
		.image = (char *)"ubuntu:20.04",
		.labels = (char *)"app=demo",
		.namespace_name = (char *)"container_namespace",
	};
	struct mon_proc p = shell();
	p.ct = &ct;
	p.exe = (char *)"/usr/bin/touch";
	p.source = (char *)"/usr/bin/touch /usr/lib/test_file";
	p.cwd = (char *)"/";
	p.tty[0] = '\0';
	struct ward_event ev = goldens[0].ev;
	ev.pid = 12;
	ev.ppid = 1;
	struct mon_scratch s;
	mon_scratch_init(&s);
	struct ward_record r;
	struct policy_event pe;
	assert_int_equal(mon_build_event(&opts, NULL, &ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(mon_apply_verdict(&opts, NULL, 1, &r), 1);
	assert_string_equal(r.type, "ContainerLog");
	assert_string_equal(r.container_id, ct.id);
	assert_string_equal(r.container_name, "ubuntu");
	assert_string_equal(r.pod_name, "ubuntu");
	assert_string_equal(r.namespace_name, "container_namespace");
	assert_string_equal(r.container_image, "ubuntu:20.04");
	assert_string_equal(r.labels, "app=demo");
	assert_int_equal(r.pid, 12);
	assert_int_equal(r.ppid, 1);
	assert_string_equal(r.cwd, "/");
	assert_null(r.tty);
	/* outside an exec session: ExecID "0" and the task's own comm */
	assert_string_equal(r.exec_id, "0");
	assert_string_equal(r.executable_name, ev.comm);
	/* inside one (`podman exec ... bash`): the session's id and the program that began it */
	p.exec_id = 824416229130095ULL;
	snprintf(p.exec_name, sizeof(p.exec_name), "bash");
	assert_int_equal(mon_build_event(&opts, NULL, &ev, &p, NULL, &s, &r, &pe), 0);
	assert_string_equal(r.exec_id, "824416229130095");
	assert_string_equal(r.executable_name, "bash");
	/* a host task is never in one (KubeArmor tracks setns into containers only) */
	p.ct = NULL;
	assert_int_equal(mon_build_event(&opts, NULL, &ev, &p, NULL, &s, &r, &pe), 0);
	assert_string_equal(r.exec_id, "0");
	mon_scratch_done(&s);
}

static void verdicts_set_type_and_downgrade_enforced_blocks(void **state)
{
	(void)state;
	struct mon_scratch s;
	mon_scratch_init(&s);
	struct mon_proc p = shell();
	struct ward_record r;
	struct policy_event pe;
	struct policy_rule_info rule = { .policy_name = "p",
					 .severity = "3",
					 .tags = "",
					 .message = "m",
					 .action = POLICY_ACTION_BLOCK };
	struct policy_verdict block = { .kind = POLICY_VERDICT_ALERT,
					.action = POLICY_ACTION_BLOCK,
					.deny = 1,
					.host = 1,
					.rule = &rule };
	assert_int_equal(mon_build_event(&opts, NULL, &goldens[6].ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(mon_apply_verdict(&opts, &block, 1, &r), 1);
	assert_string_equal(r.type, "HostLog");
	assert_null(r.action);
	struct mon_build_opts own = opts;
	own.enforcer_alerts = 0;
	assert_int_equal(mon_apply_verdict(&own, &block, 1, &r), 1);
	assert_string_equal(r.type, "MatchedHostPolicy");
	assert_string_equal(r.action, "Block");
	assert_string_equal(r.policy_name, "p");
	/* an Allow that passed makes no record; a log while visibility is off neither */
	struct policy_verdict allow = { .kind = POLICY_VERDICT_ALERT,
					.action = POLICY_ACTION_ALLOW };
	assert_int_equal(mon_build_event(&opts, NULL, &goldens[1].ev, &p, NULL, &s, &r, &pe), 0);
	assert_int_equal(mon_apply_verdict(&opts, &allow, 1, &r), 0);
	assert_int_equal(mon_apply_verdict(&opts, NULL, 0, &r), 0);
	struct policy_verdict posture = { .kind = POLICY_VERDICT_ALERT,
					  .action = POLICY_ACTION_AUDIT,
					  .default_posture = 1 };
	assert_int_equal(mon_apply_verdict(&own, &posture, 1, &r), 1);
	assert_string_equal(r.policy_name, "DefaultPosture");
	assert_null(r.severity);
	mon_scratch_done(&s);
}

static void drop_records_are_system_events(void **state)
{
	(void)state;
	struct mon_scratch s;
	mon_scratch_init(&s);
	struct ward_record r;
	mon_build_drop(&opts, 1717156232000000000LL, "kernel ring buffer", 17, 40, &s, &r);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(&r, &sb), 0);
	assert_string_equal(
		sb.buf, "{\"Timestamp\":1717156232,\"UpdatedTime\":\"2024-05-31T11:50:32.000000Z\","
			"\"ClusterName\":\"default\",\"HostName\":\"node-1\",\"PPID\":0,\"UID\":0,"
			"\"Message\":\"17 events lost in the kernel ring buffer\","
			"\"Type\":\"SystemEvent\",\"Operation\":\"Drop\","
			"\"Resource\":\"kernel ring buffer\",\"Data\":\"lost=17 total=40\","
			"\"Result\":\"Passed\"}");
	assert_true(record_is_alert(&r));
	strbuf_done(&sb);
	mon_scratch_done(&s);
}

static void path_join_cleans_dot_and_dotdot(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{ "/root", "a.txt", "/root/a.txt" },
		{ "/root/", "./a", "/root/a" },
		{ "/a/b", "../c", "/a/c" },
		{ "/", "../../x", "/x" },
		{ "/a", "b//c/./d/..", "/a/b/c" },
		{ "/a/b", "..", "/a" },
		{ "/a", "..", "/" },
	};
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		mon_path_join(cases[i][0], cases[i][1], &sb);
		assert_string_equal(sb.buf, cases[i][2]);
	}
	strbuf_done(&sb);
}

static void tty_numbers_become_kubearmor_names(void **state)
{
	(void)state;
	char b[16];
	mon_tty_name((136u << 8) | 1, b, sizeof(b));
	assert_string_equal(b, "pts1");
	mon_tty_name((4u << 8) | 2, b, sizeof(b));
	assert_string_equal(b, "tty2");
	mon_tty_name((4u << 8) | 64, b, sizeof(b));
	assert_string_equal(b, "ttyS0");
	mon_tty_name(0, b, sizeof(b));
	assert_string_equal(b, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_event_kind_gets_kubearmors_resource_and_data),
		cmocka_unit_test(file_events_tell_the_matcher_read_or_write),
		cmocka_unit_test(seed_example_1_record_is_built_from_an_exec_event),
		cmocka_unit_test(container_events_carry_container_fields_and_own_namespace_pids),
		cmocka_unit_test(verdicts_set_type_and_downgrade_enforced_blocks),
		cmocka_unit_test(drop_records_are_system_events),
		cmocka_unit_test(path_join_cleans_dot_and_dotdot),
		cmocka_unit_test(tty_numbers_become_kubearmor_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
