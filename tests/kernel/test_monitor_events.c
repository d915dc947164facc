/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_monitor_events.c - the monitor's BPF programs on the real kernel: each hook loads and
 * attaches, each captured operation decodes to the exact event, hooks attach and detach on
 * demand, the in-kernel filters drop what they should, and an overload is counted exactly.
 *
 * Each test opens its own monitor in track-only mode and runs the operations in a forked child
 * that waits on a pipe until the parent has added it to the track set, so no other process on
 * the machine (other engineers' tests run at the same time) can disturb the counts.
 */
#include "support/ward_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "monitor/monitor.h"

#define MAX_EVENTS 8192
#define PORT_TCP   18201

struct ev_copy {
	struct ward_event e;
	char exe[1024], cwd[1024], tty[64], path[512], path_abs[1024], path2[512], path2_abs[1024];
	char unix_path[128];
	char argv[WARD_EV_MAX_ARGS][128];
};

struct coll {
	struct ev_copy *ev;
	size_t n;
	uint64_t lost;
	uint32_t pid, pid2; /* keep only these host pids' events (pid 0 = all) */
	size_t dropped_other;
};

static char *tmpdir;

static void cpy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int collect(void *ctx, const struct ward_event *e)
{
	struct coll *c = ctx;
	struct ev_copy *d;
	uint32_t i;

	if (e->kind == WARD_EV_DROPS) {
		c->lost += e->lost;
		return 0;
	}
	if (c->pid && e->host_pid != c->pid && (!c->pid2 || e->host_pid != c->pid2)) {
		c->dropped_other++;
		return 0;
	}
	if (c->n >= MAX_EVENTS)
		return 0;
	d = &c->ev[c->n++];
	d->e = *e;
	cpy(d->exe, sizeof(d->exe), e->exe);
	cpy(d->cwd, sizeof(d->cwd), e->cwd);
	cpy(d->tty, sizeof(d->tty), e->tty);
	cpy(d->path, sizeof(d->path), e->path);
	cpy(d->path_abs, sizeof(d->path_abs), e->path_abs);
	cpy(d->path2, sizeof(d->path2), e->path2);
	cpy(d->path2_abs, sizeof(d->path2_abs), e->path2_abs);
	cpy(d->unix_path, sizeof(d->unix_path), e->unix_path);
	for (i = 0; i < e->argc && i < WARD_EV_MAX_ARGS; i++)
		cpy(d->argv[i], sizeof(d->argv[i]), e->argv[i]);
	return 0;
}

static void coll_init(struct coll *c)
{
	memset(c, 0, sizeof(*c));
	c->ev = calloc(MAX_EVENTS, sizeof(*c->ev));
	assert_non_null(c->ev);
}

/*
 * Drain until two quiet polls in a row, or 2 s when the whole machine is watched (other jobs
 * never let it go quiet); everything the child did is in the ring before this starts, and the
 * ring is consumed in order, so the first full pass already delivers it.
 */
static void drain(struct monitor *m, struct coll *c)
{
	struct timespec t0, t;
	int quiet = 0, r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (quiet < 2) {
		r = monitor_poll(m, 30, collect, c);
		assert_true(r >= 0);
		quiet = r == 0 ? quiet + 1 : 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 2)
			break;
	}
}

static int net_cgroup_only;

static int open_monitor(struct monitor **m, uint32_t vis, int failed_exec, int track_only)
{
	struct monitor_config cfg;
	int r;

	monitor_config_init(&cfg);
	cfg.visibility = vis;
	cfg.failed_exec = failed_exec;
	cfg.track_only = track_only;
	cfg.net_cgroup_only = net_cgroup_only;
	r = monitor_open(&cfg, m);
	WARD_REQUIRE(r == 0, "monitor_open (root, BTF, tp_btf, ring buffer, cgroup v2)");
	return r;
}

typedef void (*child_fn)(void *arg);

/* Fork a child that runs @fn once it is tracked; wait for it; return its pid. */
static pid_t run_tracked(struct monitor *m, child_fn fn, void *arg)
{
	int gate[2], st;
	char b = 0;
	pid_t pid;

	assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &b, 1) != 1)
			_exit(99);
		fn(arg);
		_exit(0);
	}
	close(gate[0]);
	assert_int_equal(monitor_track_pid(m, pid, 1), 0);
	assert_int_equal(write(gate[1], &b, 1), 1);
	close(gate[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return pid;
}

static const struct ev_copy *find(const struct coll *c, uint32_t kind, int nr, const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct ev_copy *d = &c->ev[i];

		if (d->e.kind == kind && (nr < 0 || d->e.syscall_nr == nr) &&
		    (!path || !strcmp(d->path, path)))
			return d;
	}
	return NULL;
}

static size_t count(const struct coll *c, uint32_t kind, int nr)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->ev[i].e.kind == kind && (nr < 0 || c->ev[i].e.syscall_nr == nr);
	return n;
}

static void path_in_tmp(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void monitor_loads_and_attaches_every_program(void **state)
{
	struct monitor *m = NULL;
	int r;

	(void)state;
	net_cgroup_only = 1; /* so cgroup/connect4/6 attach too */
	r = open_monitor(&m, MONITOR_VIS_ALL, 1, 1);
	net_cgroup_only = 0;
	if (r)
		return;
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL |
						      MONITOR_HOOK_CGROUP | MONITOR_HOOK_CAP);
	monitor_close(m);
}

static void child_exec_echo(void *arg)
{
	int master, slave, devnull;

	(void)arg;
	if (chdir(tmpdir) < 0 || setsid() < 0)
		_exit(98);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		_exit(97);
	slave = open(ptsname(master), O_RDWR);
	if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		_exit(96);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	execl("/bin/echo", "/bin/echo", "a", "b c", (char *)NULL);
	_exit(95);
}

static void exec_produces_the_exact_event(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	char exe[PATH_MAX], cwd[PATH_MAX];
	pid_t pid;

	(void)state;
	if (open_monitor(&m, 0, 0, 1))
		return;
	coll_init(&c);
	pid = run_tracked(m, child_exec_echo, NULL);
	drain(m, &c);
	assert_non_null(realpath("/bin/echo", exe));
	assert_non_null(realpath(tmpdir, cwd));

	d = find(&c, WARD_EV_EXEC, -1, NULL);
	assert_non_null(d);
	assert_string_equal(d->exe, exe);
	assert_string_equal(d->path, "/bin/echo");
	assert_int_equal(d->e.argc, 3);
	assert_string_equal(d->argv[0], "/bin/echo");
	assert_string_equal(d->argv[1], "a");
	assert_string_equal(d->argv[2], "b c");
	assert_int_equal(d->e.argv_truncated, 0);
	assert_int_equal(d->e.host_pid, pid);
	assert_int_equal(d->e.host_tid, pid);
	assert_int_equal(d->e.host_ppid, getpid());
	assert_int_equal(d->e.pid, pid); /* host pid namespace */
	assert_int_equal(d->e.ppid, getpid());
	assert_int_equal(d->e.uid, getuid());
	assert_int_equal(d->e.gid, getgid());
	assert_string_equal(d->cwd, cwd);
	assert_true(strncmp(d->tty, "pts", 3) == 0 && d->tty[3] >= '0' && d->tty[3] <= '9');
	assert_string_equal(d->e.comm, "echo");
	assert_int_equal(d->e.retval, 0);
	/* the exit of the same process follows */
	assert_non_null(find(&c, WARD_EV_EXIT, -1, NULL));
	free(c.ev);
	monitor_close(m);
}

static void child_exec_missing(void *arg)
{
	char p[PATH_MAX];

	(void)arg;
	path_in_tmp(p, sizeof(p), "no-such-binary");
	execl(p, p, (char *)NULL);
	_exit(errno == ENOENT ? 0 : 1);
}

static void failed_exec_is_reported_with_its_error(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	char p[PATH_MAX];

	(void)state;
	if (open_monitor(&m, 0, 1, 1))
		return;
	coll_init(&c);
	run_tracked(m, child_exec_missing, NULL);
	drain(m, &c);
	path_in_tmp(p, sizeof(p), "no-such-binary");
	d = find(&c, WARD_EV_EXEC, 59, p);
	assert_non_null(d);
	assert_int_equal(d->e.retval, -ENOENT);
	assert_string_equal(d->exe, p);
	free(c.ev);
	monitor_close(m);
}

static void child_open_files(void *arg)
{
	char p[PATH_MAX];
	int fd;

	(void)arg;
	path_in_tmp(p, sizeof(p), "written");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, "x", 1) != 1)
		_exit(1);
	close(fd);
	fd = open(p, O_RDONLY);
	close(fd);
	path_in_tmp(p, sizeof(p), "missing");
	if (open(p, O_RDONLY) >= 0)
		_exit(2);
	if (chdir(tmpdir) < 0)
		_exit(3);
	fd = open("written", O_RDONLY);
	close(fd);
	path_in_tmp(p, sizeof(p), "written");
	if (chmod(p, 0600) < 0 || chown(p, 0, 0) < 0)
		_exit(5);
	if (rename("written", "renamed") < 0) /* relative: resolved against the cwd */
		_exit(6);
	path_in_tmp(p, sizeof(p), "renamed");
	if (unlink(p) < 0)
		_exit(4);
	path_in_tmp(p, sizeof(p), "adir");
	if (mkdir(p, 0700) < 0 || rmdir(p) < 0)
		_exit(7);
}

static void file_operations_decode_exactly(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	char p[PATH_MAX], miss[PATH_MAX], rel_abs[PATH_MAX];
	size_t i;
	int n_written = 0;

	(void)state;
	if (open_monitor(&m, MONITOR_VIS_FILE, 0, 1))
		return;
	coll_init(&c);
	c.pid = run_tracked(m, child_open_files, NULL);
	drain(m, &c);
	path_in_tmp(p, sizeof(p), "written");
	path_in_tmp(miss, sizeof(miss), "missing");

	/* open for write, then for read: openat with the exact flags, owner read from the inode */
	for (i = 0; i < c.n; i++) {
		d = &c.ev[i];
		if (d->e.kind != WARD_EV_FILE || d->e.syscall_nr != 257 || strcmp(d->path, p))
			continue;
		assert_string_equal(d->path_abs, p);
		assert_int_equal(d->e.dirfd, -100);
		assert_true(d->e.retval >= 0);
		assert_int_equal(d->e.has_owner, 1);
		assert_int_equal(d->e.owner_uid, getuid());
		if (n_written == 0) {
			assert_int_equal(d->e.flags, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
			assert_int_equal(d->e.mode, 0640);
		} else {
			assert_int_equal(d->e.flags, O_RDONLY);
		}
		n_written++;
	}
	assert_int_equal(n_written, 2);

	d = find(&c, WARD_EV_FILE, 257, miss);
	assert_non_null(d);
	assert_int_equal(d->e.retval, -ENOENT);
	assert_int_equal(d->e.has_owner, 0);

	/* a relative path is made absolute against the cwd the kernel walked */
	d = find(&c, WARD_EV_FILE, 257, "written");
	assert_non_null(d);
	assert_non_null(realpath(tmpdir, rel_abs));
	strcat(rel_abs, "/written");
	assert_string_equal(d->path_abs, rel_abs);
	assert_true(d->e.retval >= 0);

	/* chmod/chown, or fchmodat/fchownat(AT_FDCWD, ...) with another libc */
	d = find(&c, WARD_EV_FILE, 90, p);
	if (!d)
		d = find(&c, WARD_EV_FILE, 268, p);
	assert_non_null(d);
	assert_int_equal(d->e.mode, 0600);
	assert_int_equal(d->e.retval, 0);
	d = find(&c, WARD_EV_FILE, 92, p);
	if (!d)
		d = find(&c, WARD_EV_FILE, 260, p);
	assert_non_null(d);
	assert_int_equal(d->e.chown_uid, 0);
	assert_int_equal(d->e.chown_gid, 0);

	d = find(&c, WARD_EV_FILE, 82, "written"); /* rename, or renameat/renameat2 */
	if (!d)
		d = find(&c, WARD_EV_FILE, 264, "written");
	if (!d)
		d = find(&c, WARD_EV_FILE, 316, "written");
	assert_non_null(d);
	assert_string_equal(d->path2, "renamed");
	assert_string_equal(d->path_abs, rel_abs);
	strcpy(rel_abs + strlen(rel_abs) - strlen("written"), "renamed");
	assert_string_equal(d->path2_abs, rel_abs);

	path_in_tmp(p, sizeof(p), "renamed");
	d = find(&c, WARD_EV_FILE, 87, p);
	if (!d)
		d = find(&c, WARD_EV_FILE, 263, p); /* unlink may be unlinkat */
	assert_non_null(d);
	assert_int_equal(d->e.retval, 0);
	assert_string_equal(d->path_abs, p);
	path_in_tmp(p, sizeof(p), "adir");
	d = find(&c, WARD_EV_FILE, 84, p);
	assert_non_null(d);
	assert_int_equal(d->e.retval, 0);
	free(c.ev);
	monitor_close(m);
}

static void child_tcp_udp(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT_TCP) };
	int one = 1, l, s, a, u;

	(void)arg;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0)
		_exit(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(2);
	a = accept(l, NULL, NULL);
	if (a < 0)
		_exit(3);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0)
		_exit(4);
	close(u);
	close(a);
	close(s);
	close(l);
}

static void tcp_connect_accept_and_udp_socket_are_reported(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	size_t i, n_tcp = 0, n_udp = 0;
	uint8_t lo[4] = { 127, 0, 0, 1 };

	(void)state;
	if (open_monitor(&m, MONITOR_VIS_NETWORK, 0, 1))
		return;
	coll_init(&c);
	c.pid = run_tracked(m, child_tcp_udp, NULL);
	drain(m, &c);

	for (i = 0; i < c.n; i++) {
		d = &c.ev[i];
		if (d->e.kind != WARD_EV_NET || d->e.syscall_nr != 41)
			continue;
		assert_int_equal(d->e.hook, 1); /* cgroup/sock_create */
		assert_int_equal(d->e.sock_domain, AF_INET);
		n_tcp += d->e.sock_type == SOCK_STREAM && d->e.sock_protocol == IPPROTO_TCP;
		n_udp += d->e.sock_type == SOCK_DGRAM && d->e.sock_protocol == IPPROTO_UDP;
	}
	assert_int_equal(n_tcp, 2);
	assert_int_equal(n_udp, 1);

	d = find(&c, WARD_EV_NET, 49, NULL); /* bind */
	assert_non_null(d);
	assert_int_equal(d->e.sa_family, AF_INET);
	assert_int_equal(d->e.port, PORT_TCP);
	assert_memory_equal(d->e.addr, lo, 4);
	assert_int_equal(d->e.retval, 0);

	d = find(&c, WARD_EV_NET, 50, NULL); /* listen */
	assert_non_null(d);
	assert_int_equal(d->e.retval, 0);

	d = find(&c, WARD_EV_NET, 42, NULL); /* connect, from the syscall hook: fd and result */
	assert_non_null(d);
	assert_int_equal(d->e.hook, 0);
	assert_true(d->e.fd >= 3);
	assert_int_equal(d->e.retval, 0);
	assert_int_equal(d->e.sa_family, AF_INET);
	assert_int_equal(d->e.port, PORT_TCP);
	assert_memory_equal(d->e.addr, lo, 4);
	assert_int_equal(count(&c, WARD_EV_NET, 42), 1);

	d = find(&c, WARD_EV_NET, 43, NULL);
	if (!d)
		d = find(&c, WARD_EV_NET, 288, NULL); /* glibc may use accept4 */
	assert_non_null(d);
	assert_true(d->e.retval >= 0);
	assert_int_equal(d->e.sa_family, AF_INET);
	assert_int_equal(d->e.port, PORT_TCP); /* local port of the accepted socket */
	assert_memory_equal(d->e.addr, lo, 4); /* the peer */
	free(c.ev);
	monitor_close(m);
}

static void network_from_cgroup_hooks_alone_needs_no_syscall_hook(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	uint8_t lo[4] = { 127, 0, 0, 1 };
	int r;

	(void)state;
	net_cgroup_only = 1;
	r = open_monitor(&m, MONITOR_VIS_NETWORK, 0, 1);
	net_cgroup_only = 0;
	if (r)
		return;
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_CGROUP);
	coll_init(&c);
	c.pid = run_tracked(m, child_tcp_udp, NULL);
	drain(m, &c);
	assert_int_equal(count(&c, WARD_EV_NET, 41), 3);
	d = find(&c, WARD_EV_NET, 42, NULL);
	assert_non_null(d);
	assert_int_equal(d->e.hook, 2); /* cgroup/connect4 */
	assert_int_equal(d->e.sa_family, AF_INET);
	assert_int_equal(d->e.sock_type, SOCK_STREAM);
	assert_int_equal(d->e.port, PORT_TCP);
	assert_memory_equal(d->e.addr, lo, 4);
	assert_int_equal(count(&c, WARD_EV_NET, 42), 1);
	assert_int_equal(count(&c, WARD_EV_NET, 49) + count(&c, WARD_EV_NET, 50) +
				 count(&c, WARD_EV_NET, 43) + count(&c, WARD_EV_NET, 288),
			 0);
	free(c.ev);
	monitor_close(m);
}

static void child_setuid(void *arg)
{
	(void)arg;
	if (setuid(0) < 0) /* as root: needs CAP_SETUID */
		_exit(1);
}

static void setuid_and_capability_use_are_reported(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	const struct ev_copy *d;
	size_t i;
	int seen_cap = 0;

	(void)state;
	WARD_REQUIRE(getuid() == 0, "root");
	if (open_monitor(&m, MONITOR_VIS_SYSCALL | MONITOR_VIS_CAPABILITIES, 0, 1))
		return;
	coll_init(&c);
	c.pid = run_tracked(m, child_setuid, NULL);
	drain(m, &c);
	d = find(&c, WARD_EV_SYSCALL, 105, NULL);
	assert_non_null(d);
	assert_int_equal(d->e.arg_id, 0);
	assert_int_equal(d->e.retval, 0);
	for (i = 0; i < c.n; i++)
		seen_cap |= c.ev[i].e.kind == WARD_EV_CAP &&
			    c.ev[i].e.capability == 7 /* CAP_SETUID */ && c.ev[i].e.cap_ret == 0;
	assert_true(seen_cap);
	free(c.ev);
	monitor_close(m);
}

static void child_open_one(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY | O_CREAT, 0600);

	if (fd >= 0)
		close(fd);
}

static void syscall_hooks_attach_and_detach_on_demand(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	char p[PATH_MAX];

	(void)state;
	if (open_monitor(&m, 0, 0, 1))
		return;
	coll_init(&c);
	path_in_tmp(p, sizeof(p), "ondemand");
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED);
	run_tracked(m, child_open_one, p);
	drain(m, &c);
	assert_null(find(&c, WARD_EV_FILE, -1, p));

	assert_int_equal(monitor_set_visibility(m, MONITOR_VIS_FILE), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL);
	run_tracked(m, child_open_one, p);
	drain(m, &c);
	assert_non_null(find(&c, WARD_EV_FILE, 257, p));

	c.n = 0;
	assert_int_equal(monitor_set_visibility(m, MONITOR_VIS_NETWORK | MONITOR_VIS_CAPABILITIES),
			 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL |
						      MONITOR_HOOK_CGROUP | MONITOR_HOOK_CAP);
	assert_int_equal(monitor_set_visibility(m, 0), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED);
	run_tracked(m, child_open_one, p);
	drain(m, &c);
	assert_null(find(&c, WARD_EV_FILE, -1, p));
	assert_non_null(find(&c, WARD_EV_EXIT, -1, NULL)); /* the monitor still runs */
	free(c.ev);
	monitor_close(m);
}

static void own_pid_is_dropped_in_the_kernel(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	char p[PATH_MAX];
	size_t i, mine = 0;
	pid_t child;
	int fd;

	(void)state;
	if (open_monitor(&m, MONITOR_VIS_FILE, 0, 0)) /* not track-only: everything but us */
		return;
	coll_init(&c);
	path_in_tmp(p, sizeof(p), "self");
	fd = open(p, O_RDONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	child = run_tracked(m, child_open_one, p);
	c.pid = child; /* the machine is busy: keep only the child's and our own events */
	c.pid2 = getpid();
	drain(m, &c);
	for (i = 0; i < c.n; i++) {
		assert_int_not_equal(c.ev[i].e.host_pid, getpid());
		mine += c.ev[i].e.host_pid == (uint32_t)child && c.ev[i].e.kind == WARD_EV_FILE &&
			!strcmp(c.ev[i].path, p);
	}
	assert_int_equal(mine, 1);
	free(c.ev);
	monitor_close(m);
}

static void child_open_two(void *arg)
{
	char p[PATH_MAX];

	(void)arg;
	path_in_tmp(p, sizeof(p), "watched");
	child_open_one(p);
	path_in_tmp(p, sizeof(p), "unwatched");
	child_open_one(p);
	path_in_tmp(p, sizeof(p), "wdir/inner");
	child_open_one(p);
}

static void visibility_off_drops_paths_no_rule_names(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	char watched[PATH_MAX], unwatched[PATH_MAX], dir[PATH_MAX], inner[PATH_MAX];

	(void)state;
	if (open_monitor(&m, 0, 0, 1))
		return;
	coll_init(&c);
	path_in_tmp(watched, sizeof(watched), "watched");
	path_in_tmp(unwatched, sizeof(unwatched), "unwatched");
	path_in_tmp(dir, sizeof(dir), "wdir/");
	path_in_tmp(inner, sizeof(inner), "wdir/inner");
	assert_int_equal(mkdir(dir, 0700), 0);

	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_PATH, watched, POLICY_ACTION_AUDIT);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_DIR, dir, POLICY_ACTION_AUDIT);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_true(monitor_attached(m) & MONITOR_HOOK_SYSCALL);

	c.pid = run_tracked(m, child_open_two, NULL);
	drain(m, &c);
	assert_non_null(find(&c, WARD_EV_FILE, 257, watched));
	assert_non_null(find(&c, WARD_EV_FILE, 257, inner));
	assert_null(find(&c, WARD_EV_FILE, 257, unwatched));
	assert_int_equal(count(&c, WARD_EV_FILE, -1), 2);

	/* no rule, no visibility: the syscall hooks go away entirely */
	monitor_interest_begin(m);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED);
	free(c.ev);
	monitor_close(m);
}

static void file_rules_left_to_fanotify_attach_no_syscall_hook(void **state)
{
	struct monitor_config cfg;
	struct monitor *m = NULL;
	int r;

	(void)state;
	monitor_config_init(&cfg);
	cfg.file_rules_by_fanotify = 1;
	r = monitor_open(&cfg, &m);
	WARD_REQUIRE(r == 0, "monitor_open");
	if (r)
		return;
	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_PATH, "/etc/shadow",
			     POLICY_ACTION_AUDIT);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_DIR_RECURSIVE, "/root/.ssh/",
			     POLICY_ACTION_AUDIT);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_DIR, "/etc/ssh/",
			     POLICY_ACTION_BLOCK);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED);
	/* a pattern concerns every open: fanotify marks cannot serve it, the hook can */
	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_GLOB, "/home/*/.ssh/*",
			     POLICY_ACTION_AUDIT);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL);
	/* switched off at run time (the agent's reload): path rules attach the hook again */
	monitor_set_file_rules_by_fanotify(m, 0);
	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_FILE, POLICY_INTEREST_PATH, "/etc/shadow",
			     POLICY_ACTION_AUDIT);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL);
	/* a syscalls rule still needs the hook */
	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_SYSCALL, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_AUDIT);
	assert_int_equal(monitor_interest_commit(m), 0);
	assert_int_equal(monitor_attached(m), MONITOR_HOOK_SCHED | MONITOR_HOOK_SYSCALL);
	monitor_close(m);
}

static void child_open_and_unlink(void *arg)
{
	child_open_one(arg);
	(void)unlink((const char *)arg);
}

static void a_syscall_rule_captures_its_syscalls_and_not_opens(void **state)
{
	struct monitor *m = NULL;
	struct coll c;
	char p[PATH_MAX];

	(void)state;
	if (open_monitor(&m, 0, 0, 1))
		return;
	coll_init(&c);
	path_in_tmp(p, sizeof(p), "sysrule");
	monitor_interest_begin(m);
	monitor_interest_add(m, POLICY_OP_SYSCALL, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_AUDIT);
	assert_int_equal(monitor_interest_commit(m), 0);
	c.pid = run_tracked(m, child_open_and_unlink, p);
	drain(m, &c);
	assert_non_null(find(&c, WARD_EV_FILE, 87, p));	   /* unlink */
	assert_int_equal(count(&c, WARD_EV_FILE, 257), 0); /* opens are not syscall-rule matter */
	free(c.ev);
	monitor_close(m);
}

#define BURST 20000

static void child_burst(void *arg)
{
	const char *p = arg;
	int i, fd;

	for (i = 0; i < BURST; i++) {
		fd = open(p, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
}

static void overload_counts_every_lost_event(void **state)
{
	struct monitor_config cfg;
	struct monitor *m = NULL;
	struct coll c;
	char p[PATH_MAX];
	size_t got;
	int r, fd;

	(void)state;
	monitor_config_init(&cfg);
	cfg.visibility = MONITOR_VIS_FILE;
	cfg.track_only = 1;
	cfg.ringbuf_bytes = 256 << 10; /* ~500 file records: far below the burst */
	r = monitor_open(&cfg, &m);
	WARD_REQUIRE(r == 0, "monitor_open");
	if (r)
		return;
	coll_init(&c);
	path_in_tmp(p, sizeof(p), "burst");
	fd = open(p, O_RDONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	/* the consumer does not run while the child generates: the slowest possible consumer */
	c.pid = run_tracked(m, child_burst, p);
	drain(m, &c);
	/*
	 * The child generates BURST opens and one exit record (its fork record comes from this
	 * ignored process); each of them is either received or counted lost, whatever fits.
	 */
	got = count(&c, WARD_EV_FILE, 257);
	assert_true(c.lost > 0);
	assert_true(got > 0);
	assert_int_equal(got + count(&c, WARD_EV_EXIT, -1) + c.lost, BURST + 1);
	assert_int_equal(c.n, got + count(&c, WARD_EV_EXIT, -1)); /* nothing else arrived */
	free(c.ev);
	monitor_close(m);
}

static int setup(void **state)
{
	(void)state;
	tmpdir = ward_test_tmpdir();
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ward_test_rm_rf(tmpdir);
	free(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(monitor_loads_and_attaches_every_program),
		cmocka_unit_test(exec_produces_the_exact_event),
		cmocka_unit_test(failed_exec_is_reported_with_its_error),
		cmocka_unit_test(file_operations_decode_exactly),
		cmocka_unit_test(tcp_connect_accept_and_udp_socket_are_reported),
		cmocka_unit_test(network_from_cgroup_hooks_alone_needs_no_syscall_hook),
		cmocka_unit_test(setuid_and_capability_use_are_reported),
		cmocka_unit_test(syscall_hooks_attach_and_detach_on_demand),
		cmocka_unit_test(own_pid_is_dropped_in_the_kernel),
		cmocka_unit_test(visibility_off_drops_paths_no_rule_names),
		cmocka_unit_test(file_rules_left_to_fanotify_attach_no_syscall_hook),
		cmocka_unit_test(a_syscall_rule_captures_its_syscalls_and_not_opens),
		cmocka_unit_test(overload_counts_every_lost_event),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
