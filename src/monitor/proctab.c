/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proctab.c - the process table: host pid → exe, args, cwd, tty, uid, pids in the task's own
 * namespace. Seeded from /proc at start, then kept by fork/exec/exit events so the per-event
 * path never reads /proc (except to fill a process the table missed, and to re-read cwd for a
 * relative path). Chained hash keyed by host pid; entries own their strings.
 *
 * Paths are reported as the task's mount namespace sees them: for a task in a container,
 * /proc/PID/{exe,cwd} read from the host include the container's root (readlink of
 * /proc/PID/root), which is stripped.
 */
#include "monitor/enrich.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct proc_node {
	struct mon_proc p;
	struct proc_node *next;
};

/*
 * What the last tasks that exited inside an exec session had: the enforcer's Block records
 * reach the agent after their fold window (up to a second), when the blocked task is gone.
 */
#define GONE_SESSIONS 256u
struct gone_session {
	uint32_t host_pid; /* 0 = free */
	uint64_t exec_id;
	char exec_name[16];
};

struct mon_proc_table {
	char *proc_root;
	struct proc_node **buckets;
	size_t n_buckets; /* power of two */
	size_t count;
	struct gone_session gone[GONE_SESSIONS];
	size_t gone_next, gone_used;
};

#define INITIAL_BUCKETS 4096u

int mon_proc_table_new(const char *proc_root, struct mon_proc_table **ret)
{
	struct mon_proc_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->proc_root = strdup(proc_root ? proc_root : "/proc");
	t->n_buckets = INITIAL_BUCKETS;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->proc_root || !t->buckets) {
		mon_proc_table_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

static void proc_strings_free(struct mon_proc *p)
{
	free(p->exe);
	free(p->args);
	free(p->source);
	free(p->cwd);
	p->exe = p->args = p->source = p->cwd = NULL;
}

void mon_proc_table_free(struct mon_proc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->buckets && i < t->n_buckets; i++) {
		struct proc_node *n = t->buckets[i];
		while (n) {
			struct proc_node *next = n->next;
			proc_strings_free(&n->p);
			free(n);
			n = next;
		}
	}
	free(t->buckets);
	free(t->proc_root);
	free(t);
}

size_t mon_proc_count(const struct mon_proc_table *t)
{
	return t->count;
}

void mon_proc_each(struct mon_proc_table *t, void (*fn)(void *ctx, struct mon_proc *p), void *ctx)
{
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct proc_node *n = t->buckets[i]; n; n = n->next)
			fn(ctx, &n->p);
}

static size_t bucket_of(const struct mon_proc_table *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->n_buckets - 1);
}

struct mon_proc *mon_proc_find(struct mon_proc_table *t, uint32_t host_pid)
{
	for (struct proc_node *n = t->buckets[bucket_of(t, host_pid)]; n; n = n->next)
		if (n->p.host_pid == host_pid)
			return &n->p;
	return NULL;
}

static void grow(struct mon_proc_table *t)
{
	size_t nb = t->n_buckets * 2;
	struct proc_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep the longer chains: correct, only slower */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct proc_node *n = t->buckets[i];
		while (n) {
			struct proc_node *next = n->next;
			size_t k = (n->p.host_pid * 2654435761u) & (nb - 1);
			n->next = b[k];
			b[k] = n;
			n = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = nb;
}

/* A new zeroed entry for @host_pid (replacing any old one's strings). */
/* A new task with @host_pid: what an exited one of that pid had is no longer its. */
static void gone_forget(struct mon_proc_table *t, uint32_t host_pid)
{
	for (size_t i = 0; i < t->gone_used; i++)
		if (t->gone[i].host_pid == host_pid)
			t->gone[i].host_pid = 0;
}

static struct mon_proc *insert(struct mon_proc_table *t, uint32_t host_pid)
{
	if (t->gone_used)
		gone_forget(t, host_pid);
	struct mon_proc *old = mon_proc_find(t, host_pid);
	if (old) {
		proc_strings_free(old);
		memset(old, 0, sizeof(*old));
		old->host_pid = host_pid;
		return old;
	}
	if (t->count >= t->n_buckets)
		grow(t);
	struct proc_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->p.host_pid = host_pid;
	size_t k = bucket_of(t, host_pid);
	n->next = t->buckets[k];
	t->buckets[k] = n;
	t->count++;
	return &n->p;
}

static void remove_pid(struct mon_proc_table *t, uint32_t host_pid)
{
	struct proc_node **pp = &t->buckets[bucket_of(t, host_pid)];
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->p.host_pid == host_pid) {
			struct proc_node *n = *pp;
			*pp = n->next;
			proc_strings_free(&n->p);
			free(n);
			t->count--;
			return;
		}
	}
}

/* "<exe> <args>" or exe alone. */
static char *make_source(const char *exe, const char *args)
{
	char *s = NULL;
	if (args && *args) {
		if (asprintf(&s, "%s %s", exe, args) < 0)
			return NULL;
		return s;
	}
	return strdup(exe);
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return n;
}

static int read_link(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	/* a deleted file or directory: keep the name, drop the marker */
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1;
	if ((size_t)n > dl && !strcmp(buf + n - dl, deleted))
		buf[n - dl] = '\0';
	return 0;
}

/* Strip the container root (host path of /proc/PID/root) from a path read from the host side. */
static void strip_root(const char *root, char *path)
{
	size_t rl = strlen(root);
	if (rl <= 1 || strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
		return;
	if (path[rl] == '\0')
		strcpy(path, "/");
	else
		memmove(path, path + rl, strlen(path + rl) + 1);
}

void mon_tty_name(uint32_t tty_nr, char *buf, size_t size)
{
	unsigned major = (tty_nr >> 8) & 0xfff;
	unsigned minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
	if (tty_nr == 0)
		buf[0] = '\0';
	else if (major >= 136 && major <= 143)
		snprintf(buf, size, "pts%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64)
		snprintf(buf, size, "tty%u", minor);
	else if (major == 4)
		snprintf(buf, size, "ttyS%u", minor - 64);
	else if (major == 5 && minor == 1)
		snprintf(buf, size, "console");
	else
		buf[0] = '\0';
}

static uint32_t ns_inode(const char *proc_root, uint32_t pid, const char *ns)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%u/ns/%s", proc_root, pid, ns);
	if (stat(path, &st) != 0)
		return 0;
	return (uint32_t)st.st_ino;
}

/* argv[1..] of /proc/PID/cmdline joined by spaces (≤ 20, then "..."). */
static char *cmdline_args(const char *buf, size_t n)
{
	char *out = malloc(n + 8);
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	unsigned argi = 0;
	while (i < n) {
		size_t len = strnlen(buf + i, n - i);
		if (argi > 0) {
			if (argi >= WARD_EV_MAX_ARGS) {
				if (o)
					out[o++] = ' ';
				memcpy(out + o, "...", 3);
				o += 3;
				break;
			}
			if (o)
				out[o++] = ' ';
			memcpy(out + o, buf + i, len);
			o += len;
		}
		argi++;
		i += len + 1;
	}
	out[o] = '\0';
	return out;
}

/* Read one process from /proc. Return: the entry, or NULL (gone, or out of memory). */
static struct mon_proc *load(struct mon_proc_table *t, uint32_t host_pid)
{
	char path[256], buf[8192], exe[PATH_MAX], cwd[PATH_MAX], root[PATH_MAX];
	const char *pr = t->proc_root;

	snprintf(path, sizeof(path), "%s/%u/stat", pr, host_pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return NULL;
	/* comm may contain spaces and parens: fields start after the last ')' */
	char *rp = strrchr(buf, ')');
	if (!rp)
		return NULL;
	char state;
	int ppid = 0, pgrp, session, tty_nr = 0;
	if (sscanf(rp + 1, " %c %d %d %d %d", &state, &ppid, &pgrp, &session, &tty_nr) != 5)
		return NULL;

	uint32_t uid = 0, nspid = host_pid;
	snprintf(path, sizeof(path), "%s/%u/status", pr, host_pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *l = strstr(buf, "\nUid:");
		if (l)
			uid = (uint32_t)strtoul(l + 5, NULL, 10);
		l = strstr(buf, "\nNSpid:");
		if (l) {
			/* the last number is the pid in the task's own namespace */
			char *e = strchr(l + 1, '\n');
			if (e)
				*e = '\0';
			char *last = strrchr(l + 7, '\t');
			if (!last)
				last = l + 7;
			nspid = (uint32_t)strtoul(last, NULL, 10);
		}
	}

	root[0] = '\0';
	snprintf(path, sizeof(path), "%s/%u/root", pr, host_pid);
	if (read_link(path, root, sizeof(root)) != 0)
		root[0] = '\0';
	exe[0] = '\0';
	snprintf(path, sizeof(path), "%s/%u/exe", pr, host_pid);
	if (read_link(path, exe, sizeof(exe)) == 0)
		strip_root(root, exe);
	else
		exe[0] = '\0';
	cwd[0] = '\0';
	snprintf(path, sizeof(path), "%s/%u/cwd", pr, host_pid);
	if (read_link(path, cwd, sizeof(cwd)) == 0)
		strip_root(root, cwd);
	else
		strcpy(cwd, "/");

	snprintf(path, sizeof(path), "%s/%u/cmdline", pr, host_pid);
	ssize_t cn = read_small(path, buf, sizeof(buf));

	struct mon_proc *p = insert(t, host_pid);
	if (!p)
		return NULL;
	p->host_ppid = (uint32_t)ppid;
	p->pid = nspid;
	p->uid = uid;
	p->pid_ns = ns_inode(pr, host_pid, "pid");
	p->mnt_ns = ns_inode(pr, host_pid, "mnt");
	mon_tty_name((uint32_t)tty_nr, p->tty, sizeof(p->tty));
	p->exe = strdup(exe);
	p->cwd = strdup(cwd);
	p->args = cmdline_args(buf, cn > 0 ? (size_t)cn : 0);
	p->source = p->exe && p->args ? make_source(p->exe, p->args) : NULL;
	/* ppid in the task's namespace: the parent's own-ns pid if it shares the namespace */
	struct mon_proc *parent = ppid > 0 ? mon_proc_find(t, (uint32_t)ppid) : NULL;
	if (nspid == host_pid)
		p->ppid = (uint32_t)ppid;
	else if (parent && parent->pid_ns == p->pid_ns)
		p->ppid = parent->pid;
	if (!p->exe || !p->cwd || !p->args || !p->source) {
		remove_pid(t, host_pid);
		return NULL;
	}
	return p;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The start time (wall-clock ns, from /proc/PID/stat field 22) and comm of a task. */
static int proc_start(const char *proc_root, uint32_t pid, uint64_t *start_ns, char comm[16])
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	int64_t boot_to_real_ns =
		((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
	char path[128], buf[1024];
	snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp)
		return -EINVAL;
	size_t n = (size_t)(rp - lp - 1);
	if (n > 15)
		n = 15;
	memcpy(comm, lp + 1, n);
	comm[n] = '\0';
	/* fields 3..21 (state .. itrealvalue) come before starttime */
	char *f = rp + 1;
	for (int i = 3; i <= 21; i++) {
		f = strchr(f + 1, ' ');
		if (!f)
			return -EINVAL;
	}
	long hz = sysconf(_SC_CLK_TCK);
	/* starttime counts clock ticks since boot; the events' clock is wall-clock ns */
	*start_ns = strtoull(f + 1, NULL, 10) * (uint64_t)(1000000000L / (hz > 0 ? hz : 100)) +
		    (uint64_t)boot_to_real_ns;
	return 0;
}

/*
 * Sessions that began before the agent: exec_session()'s rule applied to the table seeded from
 * /proc. A task in a pid namespace other than the host's that is not the namespace's init and
 * whose parent lives outside it (conmon, containerd-shim, the shell that ran nsenter) was
 * exec'd in from outside; the tasks it started inherit its session. The id has the live form
 * (wall-clock ns | host pid), from the task's start time since its exec time is not known.
 */
static void seed_session(struct mon_proc_table *t, struct mon_proc *p, unsigned depth)
{
	if (p->exec_id || !p->pid_ns || p->pid == p->host_pid || p->pid == 1)
		return;
	struct mon_proc *parent = mon_proc_find(t, p->host_ppid);
	if (parent && parent->pid_ns == p->pid_ns) {
		if (depth <
		    64) /* a pid that wrapped below its parent's: resolve the parent first */
			seed_session(t, parent, depth + 1);
		p->exec_id = parent->exec_id;
		p->exec_pid_ns = parent->exec_pid_ns;
		memcpy(p->exec_name, parent->exec_name, sizeof(p->exec_name));
		return;
	}
	uint64_t start_ns;
	if (proc_start(t->proc_root, p->host_pid, &start_ns, p->exec_name))
		return;
	p->exec_id = start_ns | p->host_pid;
	p->exec_pid_ns = p->pid_ns;
}

int mon_proc_seed(struct mon_proc_table *t)
{
	DIR *d = opendir(t->proc_root);
	if (!d)
		return -errno;
	/* parents first (ascending pids, mostly) so children can take the parent's ns pid */
	uint32_t *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			uint32_t *np = realloc(pids, nc * sizeof(*np));
			if (!np) {
				free(pids);
				closedir(d);
				return -ENOMEM;
			}
			pids = np;
			cap = nc;
		}
		pids[n++] = (uint32_t)strtoul(de->d_name, NULL, 10);
	}
	closedir(d);
	qsort(pids, n, sizeof(*pids), cmp_u32);
	int added = 0;
	for (size_t i = 0; i < n; i++) {
		if (load(t, pids[i]))
			added++;
	}
	for (size_t i = 0; i < n; i++) {
		struct mon_proc *p = mon_proc_find(t, pids[i]);
		if (p)
			seed_session(t, p, 0);
	}
	free(pids);
	return added;
}

struct mon_proc *mon_proc_get(struct mon_proc_table *t, uint32_t host_pid)
{
	struct mon_proc *p = mon_proc_find(t, host_pid);
	return p ? p : load(t, host_pid);
}

int mon_proc_fork(struct mon_proc_table *t, const struct ward_event *ev)
{
	uint32_t child = ev->child_pid, parent_pid = ev->host_pid;
	if (!child || child == parent_pid)
		return 0; /* a new thread, not a new process */
	struct mon_proc *parent = mon_proc_get(t, parent_pid);
	struct mon_proc *c = insert(t, child);
	if (!c)
		return -ENOMEM;
	c->host_ppid = parent_pid;
	c->uid = ev->uid;
	c->pid_ns = ev->pid_ns;
	c->mnt_ns = ev->mnt_ns;
	if (parent && parent != c) {
		c->exe = strdup(parent->exe);
		c->args = strdup(parent->args);
		c->source = strdup(parent->source);
		c->cwd = strdup(parent->cwd);
		memcpy(c->tty, parent->tty, sizeof(c->tty));
		c->pid_ns = parent->pid_ns;
		c->mnt_ns = parent->mnt_ns;
		c->ct = parent->ct;
		c->ct_resolved = parent->ct_resolved;
		c->exec_id = parent->exec_id;
		c->exec_pid_ns = parent->exec_pid_ns;
		memcpy(c->exec_name, parent->exec_name, sizeof(c->exec_name));
		/* pids in the task's namespace: exact for host tasks; a container child learns
		 * its own from its first event (every event carries pid/ppid) */
		if (parent->pid == parent->host_pid) {
			c->pid = child;
			c->ppid = parent_pid;
		} else {
			c->ppid = parent->pid;
		}
	} else {
		c->exe = strdup("");
		c->args = strdup("");
		c->source = strdup("");
		c->cwd = strdup("/");
	}
	if (!c->exe || !c->args || !c->source || !c->cwd) {
		remove_pid(t, child);
		return -ENOMEM;
	}
	return 0;
}

/*
 * An exec that starts an exec session (the ExecID of KubeArmor's ExecEvent, which it assigns
 * when a task setns()-es into a container): the task runs in a pid namespace other than the
 * host's, is not that namespace's init (pid 1: a container's own entrypoint), and came from
 * outside that namespace: the task itself was last seen elsewhere (fork from the runtime, then
 * setns) or its parent lives elsewhere (runc's setns helper exited and the task was
 * reparented to conmon/containerd-shim on the host). A task already in a session of this
 * namespace keeps it (`sh -c 'exec ls'`). Seen from the event stream only, so no syscall
 * tracepoint on setns is needed; sessions that began before the agent started are found by
 * seed_session() when the table is seeded.
 */
static void exec_session(struct mon_proc_table *t, struct mon_proc *p, const struct ward_event *ev)
{
	if (!ev->pid_ns || ev->pid == 1 || ev->pid == ev->host_pid)
		return;
	if (p->exec_id && p->exec_pid_ns == ev->pid_ns)
		return;
	const struct mon_proc *parent = mon_proc_find(t, ev->host_ppid);
	if (p->pid_ns == ev->pid_ns && parent && parent->pid_ns == ev->pid_ns) {
		/* born in the namespace: the session (if any) is the parent's */
		p->exec_id = parent->exec_id;
		p->exec_pid_ns = parent->exec_pid_ns;
		memcpy(p->exec_name, parent->exec_name, sizeof(p->exec_name));
		return;
	}
	/* KubeArmor's form: a nanosecond clock ORed with the pid, printed in decimal */
	p->exec_id = (uint64_t)ev->ts_ns | ev->host_pid;
	p->exec_pid_ns = ev->pid_ns;
	memcpy(p->exec_name, ev->comm, sizeof(p->exec_name));
	p->exec_name[sizeof(p->exec_name) - 1] = '\0';
}

int mon_proc_exec(struct mon_proc_table *t, const struct ward_event *ev)
{
	if (ev->retval < 0)
		return 0;
	struct mon_proc *p = mon_proc_find(t, ev->host_pid);
	if (!p) {
		/* never saw the fork: read the rest (cwd, tty) from /proc, else from the event */
		p = load(t, ev->host_pid);
		if (!p)
			p = mon_proc_from_event(t, ev);
		if (!p)
			return -ENOMEM;
	}
	size_t n = 0;
	for (uint32_t i = 1; i < ev->argc && i < WARD_EV_MAX_ARGS; i++)
		n += strlen(ev->argv[i] ? ev->argv[i] : "") + 1;
	char *args = malloc(n + 5);
	if (!args)
		return -ENOMEM;
	size_t o = 0;
	for (uint32_t i = 1; i < ev->argc && i < WARD_EV_MAX_ARGS; i++) {
		const char *a = ev->argv[i] ? ev->argv[i] : "";
		if (o)
			args[o++] = ' ';
		size_t l = strlen(a);
		memcpy(args + o, a, l);
		o += l;
	}
	if (ev->argv_truncated) {
		if (o)
			args[o++] = ' ';
		memcpy(args + o, "...", 3);
		o += 3;
	}
	args[o] = '\0';
	char *exe = strdup(ev->exe ? ev->exe : "");
	char *source = exe ? make_source(exe, args) : NULL;
	if (!exe || !source) {
		free(args);
		free(exe);
		free(source);
		return -ENOMEM;
	}
	exec_session(t, p, ev);
	free(p->exe);
	free(p->args);
	free(p->source);
	p->exe = exe;
	p->args = args;
	p->source = source;
	p->host_ppid = ev->host_ppid;
	p->pid = ev->pid;
	p->ppid = ev->ppid;
	p->uid = ev->uid;
	if (ev->pid_ns)
		p->pid_ns = ev->pid_ns;
	if (ev->mnt_ns)
		p->mnt_ns = ev->mnt_ns;
	if (ev->cwd && *ev->cwd) {
		char *c = strdup(ev->cwd);
		if (c) {
			free(p->cwd);
			p->cwd = c;
		}
	}
	if (ev->tty)
		snprintf(p->tty, sizeof(p->tty), "%s", ev->tty);
	return 0;
}

struct mon_proc *mon_proc_from_event(struct mon_proc_table *t, const struct ward_event *ev)
{
	struct mon_proc *p = insert(t, ev->host_pid);
	if (!p)
		return NULL;
	p->host_ppid = ev->host_ppid;
	p->pid = ev->pid;
	p->ppid = ev->ppid;
	p->uid = ev->uid;
	p->pid_ns = ev->pid_ns;
	p->mnt_ns = ev->mnt_ns;
	p->exe = strdup(ev->kind == WARD_EV_EXEC && ev->exe ? ev->exe : "");
	p->args = strdup("");
	p->source = p->exe ? strdup(p->exe) : NULL;
	p->cwd = strdup(ev->cwd && *ev->cwd ? ev->cwd : "/");
	if (ev->tty)
		snprintf(p->tty, sizeof(p->tty), "%s", ev->tty);
	if (!p->exe || !p->args || !p->source || !p->cwd) {
		remove_pid(t, ev->host_pid);
		return NULL;
	}
	return p;
}

void mon_proc_exit(struct mon_proc_table *t, const struct ward_event *ev)
{
	if (ev->host_tid && ev->host_tid != ev->host_pid)
		return; /* a thread ended; the process lives on */
	const struct mon_proc *p = mon_proc_find(t, ev->host_pid);
	if (p && p->exec_id) {
		struct gone_session *g = &t->gone[t->gone_next];
		g->host_pid = p->host_pid;
		g->exec_id = p->exec_id;
		memcpy(g->exec_name, p->exec_name, sizeof(g->exec_name));
		t->gone_next = (t->gone_next + 1) % GONE_SESSIONS;
		if (t->gone_used < GONE_SESSIONS)
			t->gone_used++;
	}
	remove_pid(t, ev->host_pid);
}

int mon_proc_session(struct mon_proc_table *t, uint32_t host_pid, uint64_t *exec_id,
		     char exec_name[16])
{
	const struct mon_proc *p = mon_proc_find(t, host_pid);
	if (p) {
		if (!p->exec_id)
			return 0;
		*exec_id = p->exec_id;
		memcpy(exec_name, p->exec_name, 16);
		return 1;
	}
	for (size_t i = 0; i < t->gone_used; i++) {
		const struct gone_session *g = &t->gone[i];
		if (g->host_pid == host_pid) {
			*exec_id = g->exec_id;
			memcpy(exec_name, g->exec_name, 16);
			return 1;
		}
	}
	return 0;
}

size_t mon_proc_sweep(struct mon_proc_table *t)
{
	size_t removed = 0;
	char path[128];
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct proc_node **pp = &t->buckets[i];
		while (*pp) {
			struct proc_node *n = *pp;
			snprintf(path, sizeof(path), "%s/%u", t->proc_root, n->p.host_pid);
			if (access(path, F_OK) != 0 && errno == ENOENT) {
				*pp = n->next;
				proc_strings_free(&n->p);
				free(n);
				t->count--;
				removed++;
			} else {
				pp = &n->next;
			}
		}
	}
	return removed;
}

int mon_proc_refresh_cwd(struct mon_proc_table *t, struct mon_proc *p)
{
	char path[128], cwd[PATH_MAX], root[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%u/cwd", t->proc_root, p->host_pid);
	int r = read_link(path, cwd, sizeof(cwd));
	if (r)
		return r;
	/* only a task in a container has a root other than the host's */
	snprintf(path, sizeof(path), "%s/%u/root", t->proc_root, p->host_pid);
	if (p->ct && read_link(path, root, sizeof(root)) == 0)
		strip_root(root, cwd);
	if (!strcmp(cwd, p->cwd))
		return 0;
	char *c = strdup(cwd);
	if (!c)
		return -ENOMEM;
	free(p->cwd);
	p->cwd = c;
	return 0;
}

int mon_proc_fd_path(struct mon_proc_table *t, uint32_t host_pid, int fd, char *buf, size_t size)
{
	char path[128], root[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%u/fd/%d", t->proc_root, host_pid, fd);
	int r = read_link(path, buf, size);
	if (r)
		return r;
	if (buf[0] != '/')
		return -ENOTDIR; /* socket:[..], pipe:[..] */
	snprintf(path, sizeof(path), "%s/%u/root", t->proc_root, host_pid);
	if (read_link(path, root, sizeof(root)) == 0)
		strip_root(root, buf);
	return 0;
}
