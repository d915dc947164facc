/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fan.c - process and file Block with fanotify permission events.
 *
 * Marks (what reaches user space at all): the inodes that Block rules name (FAN_MARK_INODE),
 * the directories they name (with FAN_EVENT_ON_CHILD; recursive rules mark every directory
 * below, up to a cap, then fall back to a filesystem mark), the same under each container's
 * root, and, only when a class is in allow-list mode or has pattern rules, whole filesystems
 * (opts.any_marks). With opts.audit_files, Audit file rules are marked the same way and their
 * alerts written here, so the monitor needs no syscall hook for them (docs/benchmarks/
 * monitor.md, "File rules served by fanotify marks"). Under filesystem marks, allow decisions
 * that do not depend on the acting process are cached in the kernel with ignore marks
 * (FAN_MARK_IGNORED_MASK, surviving modification), so each such file reaches user space once.
 *
 * Per event: the acting task is the event's tid (FAN_REPORT_TID); its /proc/TID/syscall tells
 * the syscall and open flags (the task sleeps in that syscall until we answer; the event fd
 * itself is our own O_RDONLY open and says nothing about the caller's flags). For
 * FAN_OPEN_EXEC_PERM the task's /proc/TID/exe is still the old image: the exec's parent
 * program, which is what fromSource compares for exec. Every event is answered exactly once:
 * on any internal error with the configured fail mode.
 */
#include "enforce/priv.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_RECURSIVE_DIRS 20000

/* ---- marking ------------------------------------------------------------------------------ */

struct mark_ctx {
	struct enforce *e;
	int fd, create_fd;
	const char *root; /* "" or "/proc/PID/root" */
	int err;
};

static void add_alias(struct enforce *e, const char *marked, const char *name)
{
	struct stat st;

	if (e->n_aliases >= ENF_MAX_ALIASES || stat(marked, &st) < 0)
		return;
	e->aliases[e->n_aliases].dev = st.st_dev;
	e->aliases[e->n_aliases].ino = st.st_ino;
	e->aliases[e->n_aliases].path = strdup(name);
	if (e->aliases[e->n_aliases].path)
		e->n_aliases++;
}

static size_t ino_slot(uint64_t dev, uint64_t ino, size_t cap)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xff51afd7ed558ccdull)) & (cap - 1);
}

void enf_fan_free_inos(struct enforce *e)
{
	size_t i;

	for (i = 0; i < e->cap_inos; i++)
		free(e->inos[i].path);
	free(e->inos);
	e->inos = NULL;
	e->n_inos = e->cap_inos = 0;
}

/* Remember that the inode at @path (an exact-path rule's file, symlink-free) is @path. */
static void add_ino(struct enforce *e, const char *path)
{
	struct stat st;
	size_t i, j;

	if (stat(path, &st) < 0)
		return;
	if ((e->n_inos + 1) * 2 > e->cap_inos) {
		size_t cap = e->cap_inos ? e->cap_inos * 2 : 256;
		struct enf_ino *t = calloc(cap, sizeof(*t));

		if (!t)
			return;
		for (i = 0; i < e->cap_inos; i++) {
			if (!e->inos[i].path)
				continue;
			for (j = ino_slot(e->inos[i].dev, e->inos[i].ino, cap); t[j].path;
			     j = (j + 1) & (cap - 1))
				;
			t[j] = e->inos[i];
		}
		free(e->inos);
		e->inos = t;
		e->cap_inos = cap;
	}
	for (j = ino_slot(st.st_dev, st.st_ino, e->cap_inos); e->inos[j].path;
	     j = (j + 1) & (e->cap_inos - 1))
		if (e->inos[j].dev == st.st_dev && e->inos[j].ino == st.st_ino) {
			/* two rule names for one inode (hard links): decide by the real path */
			if (strcmp(e->inos[j].path, path) != 0)
				e->inos[j].ambiguous = 1;
			return;
		}
	e->inos[j].path = strdup(path);
	if (!e->inos[j].path)
		return;
	e->inos[j].dev = st.st_dev;
	e->inos[j].ino = st.st_ino;
	e->n_inos++;
}

static const char *ino_path(const struct enforce *e, const struct stat *st)
{
	size_t j;

	if (!e->cap_inos)
		return NULL;
	for (j = ino_slot(st->st_dev, st->st_ino, e->cap_inos); e->inos[j].path;
	     j = (j + 1) & (e->cap_inos - 1))
		if (e->inos[j].dev == st->st_dev && e->inos[j].ino == st->st_ino)
			return e->inos[j].ambiguous ? NULL : e->inos[j].path;
	return NULL;
}

static int mark(struct enforce *e, int fd, unsigned int flags, uint64_t mask, const char *path)
{
	struct statfs sf;
	struct stat st;

	/* The enforcer thread itself reads /proc to decide: a permission mark there could make
	 * it wait on its own answer. Rules on /proc and /sys are left to the monitor (audit). */
	if (statfs(path, &sf) == 0 && (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC))
		return -EPERM;

	if (fanotify_mark(fd, FAN_MARK_ADD | flags, mask, AT_FDCWD, path) < 0)
		return -errno;
	e->stats.marks++;
	/* directories watched for opens are also watched for creations (undo_create()) */
	if ((mask & FAN_OPEN_PERM) && e->create_fd >= 0 &&
	    ((flags & FAN_MARK_FILESYSTEM) || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))))
		fanotify_mark(e->create_fd, FAN_MARK_ADD | (flags & FAN_MARK_FILESYSTEM),
			      FAN_CREATE, AT_FDCWD, path);
	return 0;
}

static void mark_any(struct mark_ctx *m, uint64_t mask)
{
	size_t i;

	for (i = 0; m->e->opts.any_marks[i]; i++) {
		const char *p = m->e->opts.any_marks[i];
		size_t n = strlen(p);
		char full[ENF_PATH_MAX];

		snprintf(full, sizeof(full), "%s%s", m->root, p);
		if (n >= 2 && strcmp(p + n - 2, "/.") == 0)
			mark(m->e, m->fd, 0, mask | FAN_EVENT_ON_CHILD, full);
		else
			mark(m->e, m->fd, FAN_MARK_FILESYSTEM, mask, full);
	}
}

static struct mark_ctx *walk_ctx;
static uint64_t walk_mask;
static size_t walk_count;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (++walk_count > MAX_RECURSIVE_DIRS)
		return 1;
	mark(walk_ctx->e, walk_ctx->fd, 0, walk_mask | FAN_EVENT_ON_CHILD, path);
	return 0;
}

static void mark_dir_recursive(struct mark_ctx *m, const char *dir, uint64_t mask)
{
	walk_ctx = m;
	walk_mask = mask;
	walk_count = 0;
	/* FTW_MOUNT: a recursive rule stays on its filesystem like the marks it places. */
	if (nftw(dir, walk_one, 32, FTW_PHYS | FTW_MOUNT) == 1) {
		/* too many dirs: the filesystem, with allow answers cached in the kernel */
		mark(m->e, m->fd, FAN_MARK_FILESYSTEM, mask, dir);
		if (mask & FAN_OPEN_EXEC_PERM)
			m->e->fan_any_exec = 1;
		else
			m->e->fan_any_open = 1;
	}
}

static int wants_mark(const struct enforce *e, enum policy_op op, enum policy_action a)
{
	int audit = a == POLICY_ACTION_AUDIT || a == POLICY_ACTION_AUDIT_BLOCK;

	if (a == POLICY_ACTION_BLOCK)
		return 1;
	if (audit && (e->opts.report_audit || (e->opts.audit_files && op == POLICY_OP_FILE)))
		return 1;
	return 0;
}

static void on_interest(void *ctx, enum policy_op op, enum policy_interest_kind kind,
			const char *value, enum policy_action action)
{
	struct mark_ctx *m = ctx;
	struct enforce *e = m->e;
	char full[ENF_PATH_MAX], resolved[PATH_MAX];
	uint64_t mask;
	size_t n;

	if (op == POLICY_OP_PROCESS)
		mask = FAN_OPEN_EXEC_PERM;
	else if (op == POLICY_OP_FILE)
		mask = FAN_OPEN_PERM;
	else
		return;
	if (kind == POLICY_INTEREST_ANY || kind == POLICY_INTEREST_GLOB) {
		int *done = op == POLICY_OP_PROCESS ? &e->fan_any_exec : &e->fan_any_open;

		if (!*done || m->root[0])
			mark_any(m, mask);
		*done = 1;
		return;
	}
	if (!value || value[0] != '/' || !wants_mark(e, op, action))
		return;
	n = (size_t)snprintf(full, sizeof(full), "%s%s", m->root, value);
	if (n >= sizeof(full))
		return;
	switch (kind) {
	case POLICY_INTEREST_PATH:
		if (mark(e, m->fd, 0, mask, full) == 0) {
			if (!m->root[0] && realpath(full, resolved)) {
				if (strcmp(resolved, full) != 0)
					add_alias(e, full, value);
				else
					add_ino(e, full);
			}
		} else {
			/* Not there yet: watch its directory so a later file is still covered. */
			char *slash = strrchr(full, '/');

			if (slash && slash != full) {
				*slash = '\0';
				mark(e, m->fd, 0, mask | FAN_EVENT_ON_CHILD, full);
			}
		}
		break;
	case POLICY_INTEREST_DIR:
		mark(e, m->fd, 0, mask | FAN_EVENT_ON_CHILD, full);
		break;
	case POLICY_INTEREST_DIR_RECURSIVE:
		mark_dir_recursive(m, full, mask);
		break;
	default:
		break;
	}
}

static void mark_protected(struct enforce *e, int fd, const char *root)
{
	struct mark_ctx m = { .e = e, .fd = fd, .create_fd = e->create_fd, .root = root };
	size_t i;

	for (i = 0; e->opts.protect_dirs && e->opts.protect_dirs[i]; i++)
		mark_dir_recursive(&m, e->opts.protect_dirs[i], FAN_OPEN_PERM);
}

static ssize_t read_link(const char *link, char *buf, size_t size);

int enf_fan_mark_container(struct enforce *e, int fd, int create_fd, pid_t pid)
{
	char root[64];
	struct mark_ctx m = { .e = e, .fd = fd, .create_fd = create_fd, .root = root };

	size_t i;

	struct stat rs, hs;
	char a[64], b[64], la[64], lb[64];

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (stat(root, &rs) < 0)
		return -errno;
	/* Never mark the host through a "container" that shares our root or mount namespace
	 * (a task not yet, or no longer, inside its container): container rules would land on
	 * host paths. */
	snprintf(a, sizeof(a), "/proc/%d/ns/mnt", (int)pid);
	snprintf(b, sizeof(b), "/proc/self/ns/mnt");
	if (stat("/", &hs) < 0 || (rs.st_dev == hs.st_dev && rs.st_ino == hs.st_ino) ||
	    read_link(a, la, sizeof(la)) < 0 || read_link(b, lb, sizeof(lb)) < 0 ||
	    strcmp(la, lb) == 0)
		return -EINVAL;
	if (e->hooks.scope_interest) {
		struct enforce_workload w;

		/* ask the resolver again: after enforce_update() the scope given to
		 * enforce_add_container() may belong to a freed set */
		if (e->hooks.resolve && e->hooks.resolve(e->hooks.ctx, pid, &w) == 0) {
			if (w.scope)
				e->hooks.scope_interest(e->hooks.ctx, w.scope, on_interest, &m);
			return 0;
		}
		/* enforce_open() with a resolver: its scopes follow the sets, the ones kept
		 * below may be freed; a task it no longer knows is no container of ours */
		if (e->resolver)
			return -ENOENT;
		for (i = 0; i < e->n_containers; i++)
			if (e->containers[i].pid == pid)
				e->hooks.scope_interest(e->hooks.ctx, e->containers[i].scope,
							on_interest, &m);
	} else if (e->hooks.interest) {
		e->hooks.interest(e->hooks.ctx, on_interest, &m);
	}
	return 0;
}

int enf_fan_setup(struct enforce *e, int *ret_fd, int *ret_create_fd)
{
	struct mark_ctx m = { .e = e, .root = "" };
	int fd, cfd, saved_create = e->create_fd;
	size_t i, j;

	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
			   O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* best effort: without it a denied O_CREAT may leave an empty file behind */
	cfd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID |
				    FAN_REPORT_DFID_NAME,
			    O_RDONLY | O_CLOEXEC);
	e->create_fd = cfd; /* mark() mirrors directory marks into it */
	for (i = 0; i < e->n_aliases; i++)
		free(e->aliases[i].path);
	e->n_aliases = 0;
	enf_fan_free_inos(e);
	e->fan_any_exec = e->fan_any_open = 0;
	m.fd = fd;
	m.create_fd = cfd;
	if (e->hooks.scope_interest && e->hooks.host)
		e->hooks.scope_interest(e->hooks.ctx, e->hooks.host(e->hooks.ctx), on_interest, &m);
	else if (e->hooks.interest)
		e->hooks.interest(e->hooks.ctx, on_interest, &m);
	mark_protected(e, fd, "");
	/* containers that are gone drop out here */
	for (i = 0, j = 0; i < e->n_containers; i++) {
		if (enf_fan_mark_container(e, fd, cfd, e->containers[i].pid) == 0)
			e->containers[j++] = e->containers[i];
	}
	e->n_containers = j;
	e->create_fd = saved_create; /* the caller swaps both */
	*ret_fd = fd;
	*ret_create_fd = cfd;
	return 0;
}

/* ---- deciding ----------------------------------------------------------------------------- */

static ssize_t read_link(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static int read_small(const char *path, char *buf, size_t size, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	if (ret_len)
		*ret_len = (size_t)n;
	return 0;
}

struct sysc {
	long nr;
	unsigned long args[6];
};

static int read_syscall(pid_t tid, struct sysc *ret)
{
	char path[64], buf[512];
	char *p, *end;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	if (read_small(path, buf, sizeof(buf), NULL) < 0)
		return -EIO;
	ret->nr = strtol(buf, &end, 10);
	if (end == buf)
		return -EIO; /* "running" */
	p = end;
	for (i = 0; i < 6; i++) {
		ret->args[i] = strtoul(p, &end, 16);
		if (end == p)
			return -EIO;
		p = end;
	}
	return 0;
}

static void put_flag(char *buf, size_t size, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? "|" : "", name);
}

/* Open flags spelled as the monitor spells them (KubeArmor's order). */
void enf_spell_flags(unsigned long f, char *buf, size_t size)
{
	/* KubeArmor's order (the monitor's names.c uses the same table) */
	static const struct {
		unsigned long mask;
		const char *name;
	} bits[] = {
		{ 0100, "O_CREAT" },	    { 0200, "O_EXCL" },	       { 0400, "O_NOCTTY" },
		{ 01000, "O_TRUNC" },	    { 02000, "O_APPEND" },     { 04000, "O_NONBLOCK" },
		{ 04010000, "O_SYNC" },	    { 020000, "O_ASYNC" },     { 0100000, "O_LARGEFILE" },
		{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 02000000, "O_CLOEXEC" },
		{ 040000, "O_DIRECT" },	    { 01000000, "O_NOATIME" }, { 010000000, "O_PATH" },
		{ 020200000, "O_TMPFILE" },
	};
	size_t i;

	buf[0] = '\0';
	put_flag(buf, size, (f & 01) ? "O_WRONLY" : (f & 02) ? "O_RDWR" : "O_RDONLY");
	for (i = 0; i < WARD_ARRAY_SIZE(bits); i++)
		if ((f & bits[i].mask) == bits[i].mask)
			put_flag(buf, size, bits[i].name);
}

/* PT_INTERP of the ELF behind @fd, or "" */
static void elf_interp(int fd, char *buf, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	buf[0] = '\0';
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph))
		return;
	for (i = 0; i < eh.e_phnum && i < 64; i++) {
		ssize_t n;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= size)
			return;
		n = pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset);
		if (n != (ssize_t)ph.p_filesz)
			buf[0] = '\0';
		else
			buf[n] = '\0';
		return;
	}
}

/* Does an exec we allowed for @tid wait for its interpreter? (then the real path matters) */
static int interp_pending(const struct enforce *e, pid_t tid)
{
	size_t i;

	for (i = 0; i < WARD_ARRAY_SIZE(e->interp); i++)
		if (e->interp[i].tid == tid)
			return 1;
	return 0;
}

/* Is this exec-perm event the ELF interpreter of an exec we just allowed for @tid? */
static int take_interp(struct enforce *e, pid_t tid, const char *path)
{
	size_t i;

	for (i = 0; i < WARD_ARRAY_SIZE(e->interp); i++) {
		if (e->interp[i].tid == tid) {
			int match = strcmp(e->interp[i].interp, path) == 0;

			e->interp[i].tid = 0;
			return match;
		}
	}
	return 0;
}

static void note_interp(struct enforce *e, pid_t tid, int fd)
{
	size_t slot = (size_t)tid % WARD_ARRAY_SIZE(e->interp);

	elf_interp(fd, e->interp[slot].interp, sizeof(e->interp[slot].interp));
	e->interp[slot].tid = e->interp[slot].interp[0] ? tid : 0;
}

static int under_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static const char *alias_for(struct enforce *e, const struct stat *st)
{
	size_t i;

	for (i = 0; i < e->n_aliases; i++)
		if (e->aliases[i].dev == st->st_dev && e->aliases[i].ino == st->st_ino)
			return e->aliases[i].path;
	return NULL;
}

/* Would the answer be the same for any process? Then the kernel may cache "allow". */
static int process_independent(struct enforce *e, const struct policy_scope *sc,
			       const struct policy_event *ev)
{
	struct policy_event alt = *ev;
	struct policy_verdict v;
	int i;

	for (i = 0; i < 4; i++) {
		alt.process =
			ev->op == POLICY_OP_PROCESS ? ev->process : (i & 1 ? "/" : "/.ward-a");
		alt.parent = alt.source = i & 1 ? "/.ward-b" : "/.ward-a";
		alt.uid = i & 2 ? 65534 : 0;
		alt.owner_uid = i & 1 ? 0 : 65534;
		alt.is_write = (uint8_t)(i & 1);
		alt.has_tty = (uint8_t)(i >> 1);
		e->hooks.decide(e->hooks.ctx, sc, &alt, &v);
		if (v.deny || v.kind == POLICY_VERDICT_ALERT)
			return 0;
	}
	return 1;
}

struct perm {
	pid_t tid, tgid, ppid;
	uint32_t uid;
	int is_exec;
	char path[ENF_PATH_MAX];
	char exe[ENF_PATH_MAX];
	char parent[ENF_PATH_MAX];
	char source[ENF_SRC_MAX];
	char data[256];
	struct stat st;
	struct enforce_workload w;
	struct policy_verdict v;
	int self_rule;
	pid_t ns_pid, ns_ppid;
	uint32_t euid;		/* from /proc/TID's owner: known before the answer */
	int creating;		/* O_CREAT open: the file may have been made by this call */
	char raw[ENF_PATH_MAX]; /* the path as the kernel gave it to us (before root strip) */
	int dirfd;		/* /proc/TID (O_PATH), held until the record is built, or -1 */
	int early;		/* cwd, tty_nr and the ids were read before the answer */
	long tty_nr;
	char comm[16];
	char cwd[ENF_PATH_MAX];
	int late_path; /* path is the marked rule's name: the real one is read after the answer */
	int late_uid;  /* uid/euid not read before the answer (the decision did not need them) */
	int late_exe;  /* exe/parent/source not read before the answer (a folded repeat) */
};

static void build_source(pid_t tid, const char *exe, char *buf, size_t size)
{
	char path[64], args[ENF_SRC_MAX];
	size_t len = 0, i;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)tid);
	enf_copy(buf, size, exe);
	if (read_small(path, args, sizeof(args), &len) < 0 || len == 0)
		return;
	/* argv[1..] after the exe, space-separated (KubeArmor's Source) */
	p = memchr(args, '\0', len);
	if (!p)
		return;
	for (i = (size_t)(p - args); i + 1 < len; i++)
		if (args[i] == '\0')
			args[i] = ' ';
	if (p + 1 < args + len) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, "%s", p);
	}
}

/*
 * tty_nr (field 7 of @stat_path, a /proc/TID/stat), 0 when none or unreadable; the task's comm
 * (field 2) into @comm (room for 16) when not NULL, "" when unreadable.
 */
static long task_stat(int dirfd, const char *stat_path, char *comm)
{
	char buf[1024], *p, *open_paren;
	long tty = 0;
	int i, fd = openat(dirfd, stat_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (comm)
		comm[0] = '\0';
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	open_paren = strchr(buf, '(');
	if (!p || !open_paren || open_paren > p)
		return 0;
	if (comm && p - open_paren - 1 < 16) {
		memcpy(comm, open_paren + 1, (size_t)(p - open_paren - 1));
		comm[p - open_paren - 1] = '\0';
	}
	for (i = 0; i < 5 && p; i++) /* state ppid pgrp session tty_nr */
		p = strchr(p + 1, ' ');
	if (p)
		tty = strtol(p + 1, NULL, 10);
	return tty;
}

/* the task has a controlling terminal */
static int task_has_tty(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	return task_stat(AT_FDCWD, path, NULL) != 0;
}

/* KubeArmor's TTY field ("pts1") as the monitor spells it; "" for no terminal or others */
static void tty_name(long tty_nr, char *buf, size_t size)
{
	unsigned major = ((unsigned long)tty_nr >> 8) & 0xfff;
	unsigned minor = ((unsigned long)tty_nr & 0xff) | (((unsigned long)tty_nr >> 12) & 0xfff00);

	buf[0] = '\0';
	if (major >= 136 && major <= 143)
		snprintf(buf, size, "pts%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64 && tty_nr)
		snprintf(buf, size, "tty%u", minor);
}

static int is_self(const struct enforce *e, pid_t tid)
{
	/* signal 0 to thread @tid of our thread group: it exists only if the thread is ours
	 * (no path walk, unlike a lookup of /proc/self/task/TID; e->self is our getpid(), so
	 * this is one system call) */
	return syscall(SYS_tgkill, e->self, tid, 0) == 0;
}

/* The acting program of an exec (the old image): Parent and Source of its record. */
static void read_exe(struct perm *pm)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pm->tid);
	if (read_link(link, pm->exe, sizeof(pm->exe)) < 0)
		pm->exe[0] = '\0';
	enf_copy(pm->parent, sizeof(pm->parent), pm->exe);
	enf_copy(pm->source, sizeof(pm->source), pm->exe);
	pm->late_exe = 0;
}

static void strip_root(char *path, const char *root);

/*
 * An exec that is not a repeat of a pending block: its record will be built, so what it
 * needs from the task and cannot get once the task is gone is read while the task surely
 * still has it (blocked in execve()): the acting program and the effective uid. Two system
 * calls by path: the first one pays the lookup of the new task's /proc entry, the second
 * finds it cached. The pin (/proc/TID, O_PATH) is opened after the answer (pin_task()), as
 * for a repeat: a task reaped in between leaves the record with what was read here.
 */
static int read_task_early(struct perm *pm)
{
	char link[64];
	struct stat tst;
	ssize_t n;

	if (pm->late_exe) {
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pm->tid);
		n = readlink(link, pm->exe, sizeof(pm->exe) - 1);
		pm->exe[n > 0 ? n : 0] = '\0';
		enf_copy(pm->parent, sizeof(pm->parent), pm->exe);
		enf_copy(pm->source, sizeof(pm->source), pm->exe);
		pm->late_exe = 0;
	}
	if (pm->late_uid) {
		snprintf(link, sizeof(link), "/proc/%d", (int)pm->tid);
		if (stat(link, &tst) < 0)
			return -errno;
		pm->uid = pm->euid = tst.st_uid; /* the task's effective uid */
		pm->late_uid = 0;
	}
	return 0;
}

/* The fold key of a block (see enf_emit()), with @uid for the record's. */
static uint64_t perm_fold_key(const struct perm *pm, uint32_t uid)
{
	char exe[ENF_PATH_MAX];
	const char *policy;

	if (pm->self_rule)
		policy = ENFORCE_SELF_RULE_NAME;
	else if (pm->v.default_posture || !pm->v.rule)
		policy = "DefaultPosture";
	else
		policy = pm->v.rule->policy_name ? pm->v.rule->policy_name : "";
	if (!pm->is_exec) {
		enf_copy(exe, sizeof(exe), pm->exe);
		strip_root(exe, pm->w.root);
	}
	return enf_fold_key(pm->v.host ? "MatchedHostPolicy" : "MatchedPolicy", policy,
			    pm->is_exec ? "Process" : "File", pm->is_exec ? pm->path : exe,
			    pm->path, "Block", pm->is_exec ? "syscall=SYS_EXECVE" : pm->data,
			    pm->w.container_id, uid);
}

static int decide_event(struct enforce *e, const struct fanotify_event_metadata *md,
			struct perm *pm)
{
	char link[64];
	struct policy_event ev;
	const struct policy_scope *sc;
	const char *alias, *name;
	struct sysc sy;
	int have_sys, r;
	size_t i;

	struct stat tst;

	pm->tid = md->pid;
	pm->is_exec = !!(md->mask & FAN_OPEN_EXEC_PERM);
	pm->creating = 0;
	pm->late_path = pm->late_uid = pm->late_exe = 0;
	pm->tgid = pm->tid; /* refined in complete_info() */
	pm->ppid = 0;
	if (pm->is_exec) {
		/*
		 * An exec: only what the decision needs before the answer. The file is known by
		 * its inode when an exact-path rule marked it (its path is read after the answer,
		 * for the record); the acting program by one readlink (fromSource, and the
		 * record's Parent/Source, which a task that exits right after the deny would no
		 * longer have); the task's uid only when an ownerOnly rule makes it matter. The
		 * task is pinned (/proc/TID) after the answer, in pin_task().
		 */
		if (fstat(md->fd, &pm->st) < 0)
			return -errno;
		name = interp_pending(e, pm->tid) ? NULL : ino_path(e, &pm->st);
		if (name) {
			r = (int)strlen(name);
			memcpy(pm->path, name, (size_t)r + 1);
			pm->late_path = 1;
		} else {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
			r = (int)read_link(link, pm->path, sizeof(pm->path));
			if (r < 0)
				return r;
		}
		memcpy(pm->raw, pm->path, (size_t)r + 1);
		pm->exe[0] = '\0'; /* read in decide_exec_source() */
		pm->late_exe = 1;
		pm->uid = pm->euid = (uint32_t)-1;
		pm->late_uid = 1;
	} else {
		/* The task is pinned first: reads through this directory fd after the answer
		 * fail once the task is reaped instead of reading a new task that reused the id. */
		snprintf(link, sizeof(link), "/proc/%d", (int)pm->tid);
		pm->dirfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pm->dirfd < 0 || fstat(pm->dirfd, &tst) < 0)
			return -errno;
		pm->uid = pm->euid = tst.st_uid; /* the task's effective uid */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
		r = (int)read_link(link, pm->path, sizeof(pm->path));
		if (r < 0)
			return r;
		memcpy(pm->raw, pm->path, (size_t)r + 1);
		if (fstat(md->fd, &pm->st) < 0)
			return -errno;
		r = (int)readlinkat(pm->dirfd, "exe", pm->exe, sizeof(pm->exe) - 1);
		pm->exe[r > 0 ? r : 0] = '\0';
	}
	if (pm->is_exec && take_interp(e, pm->tid, pm->path))
		return 1; /* the dynamic loader of an exec already decided */

	sc = enf_scope_for(e, pm->tid, &pm->w);
	if (pm->late_path && pm->w.container_id && pm->w.container_id[0]) {
		/* the inode table holds host names: a container task is decided by its own */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
		r = (int)read_link(link, pm->path, sizeof(pm->path));
		if (r < 0)
			return r;
		memcpy(pm->raw, pm->path, (size_t)r + 1);
		pm->late_path = 0;
	}
	if (pm->w.root && pm->w.root[0] && under_dir(pm->path, pm->w.root)) {
		size_t n = strlen(pm->w.root);

		while (n > 1 && pm->w.root[n - 1] == '/')
			n--;
		memmove(pm->path, pm->path + n, strlen(pm->path + n) + 1);
	}
	have_sys = !pm->is_exec && read_syscall(pm->tid, &sy) == 0;

	memset(&ev, 0, sizeof(ev));
	ev.result = POLICY_RESULT_PENDING;
	ev.uid = pm->late_uid ? pm->st.st_uid : pm->uid;
	ev.owner_uid = pm->st.st_uid;
	ev.has_owner = 1;
	ev.path = pm->path;
	if (pm->is_exec) {
		ev.op = POLICY_OP_PROCESS;
		ev.process = pm->path;
		ev.parent = ev.source = pm->exe;
		/* the acting program decides only through fromSource rules */
		if (!sc || !e->hooks.source_matters ||
		    e->hooks.source_matters(e->hooks.ctx, sc, POLICY_OP_PROCESS))
			read_exe(pm);
	} else {
		unsigned long flags = 0;
		int dirfd = -100;
		pid_t tg;
		uint32_t ruid;

		/* The kernel raises FAN_OPEN_EXEC_PERM and then FAN_OPEN_PERM for the image (and
		 * its interpreter) an execve() opens: the exec event decided that open already. */
		if (have_sys && (sy.nr == 59 || sy.nr == 322))
			return 1;
		/* the parent's exe is part of the decision (fromSource) for files */
		if (enf_task_info(pm->tid, &tg, &pm->ppid, &ruid) == 0)
			pm->tgid = tg;
		ev.op = POLICY_OP_FILE;
		ev.process = pm->exe;
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pm->ppid);
		if (read_link(link, pm->parent, sizeof(pm->parent)) < 0)
			pm->parent[0] = '\0';
		ev.parent = pm->parent;
		build_source(pm->tid, pm->exe, pm->source, sizeof(pm->source));
		ev.source = pm->source;
		if (have_sys && (sy.nr == 257 || sy.nr == 437)) { /* openat, openat2 */
			dirfd = (int)sy.args[0];
			flags = sy.nr == 257 ? sy.args[2] : 0;
			if (sy.nr == 257) {
				char fl[200];

				enf_spell_flags(flags, fl, sizeof(fl));
				snprintf(pm->data, sizeof(pm->data),
					 "syscall=SYS_OPENAT fd=%d flags=%s", dirfd, fl);
			} else {
				snprintf(pm->data, sizeof(pm->data), "syscall=SYS_OPENAT2 fd=%d",
					 dirfd);
			}
		} else if (have_sys && (sy.nr == 2 || sy.nr == 85)) { /* open, creat */
			char fl[200];

			flags = sy.nr == 2 ? sy.args[1] : (O_CREAT | O_WRONLY | O_TRUNC);
			enf_spell_flags(flags, fl, sizeof(fl));
			snprintf(pm->data, sizeof(pm->data), "syscall=%s flags=%s",
				 sy.nr == 2 ? "SYS_OPEN" : "SYS_CREAT", fl);
		} else {
			snprintf(pm->data, sizeof(pm->data), "syscall=SYS_OPEN");
		}
		pm->creating = (flags & O_CREAT) != 0;
		/* openat2 flags live in user memory: count it as a write to stay safe. */
		ev.is_write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT)) ||
			      (have_sys && sy.nr == 437);
	}

	/* built-in self-protection: ward's own files are written by ward only */
	if (!pm->is_exec && ev.is_write) {
		for (i = 0; e->opts.protect_dirs && e->opts.protect_dirs[i]; i++) {
			if (!pm->w.root && under_dir(pm->path, e->opts.protect_dirs[i])) {
				if (is_self(e, pm->tid)) {
					e->stats.self_allowed++;
					return 1;
				}
				memset(&pm->v, 0, sizeof(pm->v));
				pm->v.kind = POLICY_VERDICT_ALERT;
				pm->v.action = POLICY_ACTION_BLOCK;
				pm->v.deny = 1;
				pm->v.host = 1;
				pm->self_rule = 1;
				return 0;
			}
		}
	}
	if (!sc || !e->hooks.decide) {
		memset(&pm->v, 0, sizeof(pm->v));
		return 0;
	}
	e->hooks.decide(e->hooks.ctx, sc, &ev, &pm->v);
	if (pm->late_uid) {
		/* decided as the file's owner; ownerOnly is all the uid changes, so a non-owner
		 * denied by the same rule means the uid can wait until after the answer */
		struct policy_verdict vo;
		struct policy_event evo = ev;
		struct stat tst2;

		evo.uid = ev.owner_uid == 65534 ? 0 : 65534;
		if (pm->v.deny)
			e->hooks.decide(e->hooks.ctx, sc, &evo, &vo);
		if (!pm->v.deny || vo.deny != pm->v.deny || vo.kind != pm->v.kind ||
		    vo.rule != pm->v.rule || vo.action != pm->v.action ||
		    vo.default_posture != pm->v.default_posture) {
			snprintf(link, sizeof(link), "/proc/%d", (int)pm->tid);
			if (stat(link, &tst2) < 0)
				return -errno;
			pm->uid = pm->euid = tst2.st_uid; /* the task's effective uid */
			pm->late_uid = 0;
			ev.uid = pm->uid;
			e->hooks.decide(e->hooks.ctx, sc, &ev, &pm->v);
		}
	}
	if (!pm->v.deny) {
		/* `pts: false` rules deny only with a controlling terminal: read the task's tty
		 * only when the answer would change with one */
		struct policy_verdict vt;

		ev.has_tty = 1;
		e->hooks.decide(e->hooks.ctx, sc, &ev, &vt);
		ev.has_tty = 0;
		if (vt.deny && task_has_tty(pm->tid)) {
			ev.has_tty = 1;
			pm->v = vt;
		}
	}
	if (!pm->v.deny && pm->v.kind != POLICY_VERDICT_ALERT && (alias = alias_for(e, &pm->st))) {
		/* the rule named a symlink to this file: decide under that name too */
		struct policy_verdict v2;
		struct policy_event ev2 = ev;

		ev2.path = alias;
		if (pm->is_exec)
			ev2.process = alias;
		e->hooks.decide(e->hooks.ctx, sc, &ev2, &v2);
		if (v2.deny || v2.kind == POLICY_VERDICT_ALERT) {
			pm->v = v2;
			enf_copy(pm->path, sizeof(pm->path), alias);
		}
	}
	if (!pm->v.deny && (e->fan_any_exec || e->fan_any_open) &&
	    process_independent(e, sc, &ev)) {
		uint64_t m = pm->is_exec ? FAN_OPEN_EXEC_PERM : FAN_OPEN_PERM;

		if (fanotify_mark(e->fan_fd,
				  FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
					  FAN_MARK_IGNORED_SURV_MODIFY,
				  m, md->fd, NULL) == 0)
			e->stats.cached++;
	}
	if (pm->is_exec && !pm->v.deny)
		note_interp(e, pm->tid, md->fd);
	/* A repeat of a pending block (a retry storm) is answered without the acting program:
	 * its record is the first attempt's. Otherwise it is read now, for the record's
	 * Parent/Source, while the task surely still has it. */
	if (pm->is_exec && !(pm->v.deny && enf_fold_pending(e, perm_fold_key(pm, 0))))
		return read_task_early(pm);
	return 0;
}

/* Was @name created in the last moments by task @tid? (drains the FAN_CREATE group) */
static int created_by(struct enforce *e, pid_t tid, const char *name)
{
	union {
		struct fanotify_event_metadata md;
		char bytes[4096];
	} u;
	int found = 0;
	ssize_t n;

	if (e->create_fd < 0)
		return 0;
	while ((n = read(e->create_fd, u.bytes, sizeof(u.bytes))) > 0) {
		const struct fanotify_event_metadata *md = &u.md;

		while (FAN_EVENT_OK(md, n)) {
			const struct fanotify_event_info_fid *fid =
				(const struct fanotify_event_info_fid *)(md + 1);
			const struct file_handle *fh;
			const char *fname;

			if (md->event_len > sizeof(*md) + sizeof(*fid) &&
			    fid->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME && md->pid == tid) {
				fh = (const struct file_handle *)fid->handle;
				fname = (const char *)fh->f_handle + fh->handle_bytes;
				if ((const char *)md + md->event_len > fname &&
				    strncmp(fname, name,
					    (size_t)((const char *)md + md->event_len - fname)) ==
					    0)
					found = 1;
			}
			md = FAN_EVENT_NEXT(md, n);
		}
	}
	return found;
}

/*
 * A denied O_CREAT open: fanotify asks only after the kernel created the file, so a fresh
 * empty file would stay behind (and `touch` would then succeed through utimensat). Remove it
 * before answering, when it is certainly the one this call made: a FAN_CREATE event from this
 * task names it, it is empty with one link, and it is the very inode of the event (checked by
 * dev/ino through the task's root).
 */
static void undo_create(struct enforce *e, const struct perm *pm)
{
	char where[ENF_PATH_MAX + 64];
	const char *base = strrchr(pm->raw, '/');
	struct stat now;
	struct timespec ts;

	if (!pm->creating || !S_ISREG(pm->st.st_mode) || pm->st.st_size != 0 ||
	    pm->st.st_nlink != 1 || !base)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec - pm->st.st_ctim.tv_sec > 2)
		return;
	/* the FAN_CREATE event says this very task made it: it did not exist before */
	if (!created_by(e, pm->tid, base + 1))
		return;
	if (pm->w.root && pm->w.root[0] && under_dir(pm->raw, pm->w.root))
		snprintf(where, sizeof(where), "%s", pm->raw);
	else
		snprintf(where, sizeof(where), "/proc/%d/root%s", (int)pm->tid, pm->raw);
	if (lstat(where, &now) < 0 || now.st_dev != pm->st.st_dev || now.st_ino != pm->st.st_ino)
		return;
	unlink(where);
}

static void respond(struct enforce *e, int fd, int allow)
{
	struct fanotify_response resp = { .fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY };

	if (write(e->fan_fd, &resp, sizeof(resp)) != (ssize_t)sizeof(resp))
		e->stats.errors++;
}

/* After the answer: what the record needs but the decision did not. */
/* The task's pid in its own pid namespace (last NSpid entry), 0 if unknown. */
static pid_t ns_pid(pid_t pid)
{
	char path[64], buf[2048], *p, *end;
	long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf), NULL) < 0)
		return 0;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return 0;
	p += 7;
	for (;;) {
		long x = strtol(p, &end, 10);

		if (end == p)
			break;
		v = x;
		p = end;
	}
	return (pid_t)v;
}

/* Is @b in @a's pid namespace? (A parent outside a container has no PPID inside it.) */
static int same_pidns(pid_t a, pid_t b)
{
	char pa[64], pb[64], la[64], lb[64];

	snprintf(pa, sizeof(pa), "/proc/%d/ns/pid", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/pid", (int)b);
	return read_link(pa, la, sizeof(la)) > 0 && read_link(pb, lb, sizeof(lb)) > 0 &&
	       strcmp(la, lb) == 0;
}

/*
 * After the answer: the task's ids (one read of /proc/TID/status through the pinned
 * directory). A denied task may have exited and been reaped by then: the record keeps what
 * the decision read (the event's path, the acting program for Parent/Source, the effective
 * uid, tgid = tid) and is still emitted.
 */
static void complete_info(struct perm *pm)
{
	pid_t tg, pp, nsp;
	uint32_t ruid;

	if (pm->dirfd >= 0 && enf_task_info_at(pm->dirfd, pm->tid, &tg, &pp, &ruid, &nsp) == 0) {
		pm->tgid = tg;
		pm->ppid = pp;
		pm->uid = ruid;
		pm->ns_pid = nsp;
	}
}

/*
 * Right after the answer to an exec: pin the task (/proc/TID, O_PATH; a task already reaped
 * leaves the record with what the decision read: pid reuse in between would need the pid
 * space to wrap within microseconds), its effective uid if the decision did not need it, and
 * the file's real path if it was decided by its inode. The event fd is still open.
 */
static void pin_task(const struct fanotify_event_metadata *md, struct perm *pm)
{
	char link[64];
	struct stat tst;

	if (pm->dirfd < 0) {
		snprintf(link, sizeof(link), "/proc/%d", (int)pm->tid);
		pm->dirfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pm->dirfd >= 0 && pm->late_uid && fstat(pm->dirfd, &tst) == 0) {
			pm->uid = pm->euid = tst.st_uid;
			pm->late_uid = 0;
		}
	}
	if (pm->late_path) {
		char real[ENF_PATH_MAX];

		snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
		/* another name of the marked inode (a hard link) is what the task ran */
		if (read_link(link, real, sizeof(real)) > 0) {
			enf_copy(pm->path, sizeof(pm->path), real);
			enf_copy(pm->raw, sizeof(pm->raw), real);
		}
		pm->late_path = 0;
	}
}

/*
 * A repeat that did not fold after all (another uid, or its window closed): the acting
 * program through the pin. Empty if the task has exited since the answer.
 */
static void read_exe_late(struct perm *pm)
{
	ssize_t n;

	if (!pm->late_exe)
		return;
	n = pm->dirfd >= 0 ? readlinkat(pm->dirfd, "exe", pm->exe, sizeof(pm->exe) - 1) : -1;
	pm->exe[n > 0 ? n : 0] = '\0';
	enf_copy(pm->parent, sizeof(pm->parent), pm->exe);
	enf_copy(pm->source, sizeof(pm->source), pm->exe);
	pm->late_exe = 0;
}

/* After the answer: what may be read late (the parent outlives the attempt). */
static void complete_info_late(struct perm *pm)
{
	struct sysc sy;

	if (pm->is_exec)
		snprintf(pm->data, sizeof(pm->data), "syscall=%s",
			 read_syscall(pm->tid, &sy) == 0 && sy.nr == 322 ? "SYS_EXECVEAT"
									 : "SYS_EXECVE");
	pm->ns_ppid = pm->w.container_id && pm->w.container_id[0] && pm->ppid > 0 &&
				      same_pidns(pm->tgid, pm->ppid)
			      ? ns_pid(pm->ppid)
			      : 0;
}

/* @path without the container root prefix, in place (paths the kernel gave from our view). */
static void strip_root(char *path, const char *root)
{
	size_t n;

	if (!root || !root[0] || !under_dir(path, root))
		return;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	memmove(path, path + n, strlen(path + n) + 1);
}

/* The task's cwd with a trailing '/' (KubeArmor's Cwd), "" when it cannot be read. */
static void read_cwd(int dirfd, char *buf, size_t size)
{
	ssize_t n = readlinkat(dirfd, "cwd", buf, size - 2);

	if (n <= 0)
		buf[0] = '\0';
	if (n > 0) {
		buf[n] = '\0';
		if (buf[n - 1] != '/')
			strcat(buf, "/");
	}
}

static void record_block(struct enforce *e, struct perm *pm)
{
	struct enf_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	complete_info_late(pm);
	/* An Audit alert is the monitor's record in KubeArmor's model (Enforcer "eBPF Monitor",
	 * issue 3): fanotify only stands in for the syscall hook that would have seen the open. */
	enf_rec_fill_verdict(r, &pm->v, pm->v.deny,
			     !pm->v.deny && e->opts.audit_files && !pm->is_exec ? "eBPF Monitor"
										: "fanotify",
			     "Operation not permitted");
	if (pm->self_rule) {
		enf_copy(r->policy, sizeof(r->policy), ENFORCE_SELF_RULE_NAME);
		enf_copy(r->severity, sizeof(r->severity), "10");
		enf_copy(r->message, sizeof(r->message),
			 "write to ward's own files by another process");
	}
	r->host_pid = pm->tgid;
	r->host_ppid = pm->ppid;
	if (pm->w.container_id && pm->w.container_id[0]) {
		/* PID/PPID inside the container's pid namespace */
		r->pid = pm->ns_pid;
		r->ppid = pm->ns_ppid;
	} else {
		/* host processes: KubeArmor reports PID and PPID 0 (seed example 1) */
		r->pid = pm->tgid;
		r->ppid = 0;
	}
	r->uid = (int32_t)pm->uid;
	r->key_uid = pm->euid;
	enf_rec_fill_workload(r, &pm->w);
	strip_root(pm->exe, pm->w.root);
	strip_root(pm->parent, pm->w.root);
	enf_copy(r->operation, sizeof(r->operation), pm->is_exec ? "Process" : "File");
	enf_copy(r->process, sizeof(r->process), pm->is_exec ? pm->path : pm->exe);
	if (r->process[0] == '\0' || !pm->is_exec) {
		/* file events: the process is the acting program */
		enf_copy(r->process, sizeof(r->process), pm->exe);
	}
	enf_copy(r->parent, sizeof(r->parent), pm->parent);
	enf_copy(r->source, sizeof(r->source), pm->source);
	enf_copy(r->resource, sizeof(r->resource), pm->path);
	enf_copy(r->data, sizeof(r->data), pm->data);
	if (pm->early) {
		tty_name(pm->tty_nr, r->tty, sizeof(r->tty));
		enf_copy(r->cwd, sizeof(r->cwd), pm->cwd);
		enf_copy(r->comm, sizeof(r->comm), pm->comm);
	} else {
		tty_name(task_stat(pm->dirfd, "stat", r->comm), r->tty, sizeof(r->tty));
		read_cwd(pm->dirfd, r->cwd, sizeof(r->cwd));
	}
	enf_emit(e, r);
}

/*
 * A repeat of a block whose record is still open for folding only raises its Count: the
 * record's process fields are the first attempt's, so nothing more is read for this one.
 */
static int fold_hit(struct enforce *e, struct perm *pm)
{
	/* a repeat whose task was gone before its uid was read: counted into the pending
	 * record of the same block (the one enf_fold_pending() found before the answer) */
	if (pm->late_uid)
		return enf_fold_try_anyuid(e, perm_fold_key(pm, 0));
	return enf_fold_try(e, perm_fold_key(pm, pm->euid));
}

/* Is @exe the program this process runs? (cheap filter before is_self()) */
static int is_own_exe(const char *exe)
{
	static char own[ENF_PATH_MAX];
	static int have = -1;

	if (have < 0)
		have = read_link("/proc/self/exe", own, sizeof(own)) > 0;
	return have <= 0 || strcmp(exe, own) == 0;
}

static void handle_one(struct enforce *e, const struct fanotify_event_metadata *md)
{
	static _Thread_local struct perm pm;
	struct timespec c0 = { 0 }, c1 = { 0 };
	int64_t t0, dt;
	int folded, r, allow, want_record;

	/* the thread CPU clock is a system call (not vDSO), and on a kernel with page-table
	 * isolation and no PCID each one flushes the TLB the decision then refills: read only
	 * when asked (opts.cpu_latency), and outside the wall window */
	if (e->opts.cpu_latency)
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	t0 = enf_mono_ns();

	memset(&pm.w, 0, sizeof(pm.w));
	pm.self_rule = 0;
	pm.ns_pid = pm.ns_ppid = 0;
	pm.data[0] = '\0';
	pm.dirfd = -1;
	r = decide_event(e, md, &pm);
	if (r < 0) {
		e->stats.errors++;
		allow = !e->opts.fail_closed;
		if (!allow)
			e->stats.fail_denied++;
	} else {
		allow = r == 1 || !pm.v.deny;
	}
	/* a thread of ours is never blocked (it runs our program: only then is it looked up) */
	if (r == 0 && pm.v.deny &&
	    (pm.tgid == e->self || ((pm.late_exe || is_own_exe(pm.exe)) && is_self(e, pm.tid)))) {
		e->stats.self_allowed++;
		allow = 1;
		r = 1;
	}
	if (!allow && r == 0)
		undo_create(e, &pm);
	/*
	 * An Audit alert's task runs on after the answer and may be gone (`cat` exits in
	 * microseconds) before the record is built: what the record needs from the task is read
	 * now, while it waits in its open. (A denied task is slower to go: its record keeps
	 * the reads after the answer, as the decision latency is measured for it.)
	 */
	pm.early = 0;
	if (r == 0 && !pm.v.deny && pm.v.kind == POLICY_VERDICT_ALERT &&
	    (e->opts.report_audit || (e->opts.audit_files && !pm.is_exec))) {
		pin_task(md, &pm); /* an exec is pinned only now (decide_event does not) */
		read_cwd(pm.dirfd, pm.cwd, sizeof(pm.cwd));
		pm.tty_nr = task_stat(pm.dirfd, "stat", pm.comm);
		complete_info(&pm);
		pm.early = 1;
	}
	/* measured up to the answer's write(): the write itself wakes the task, which may run
	 * on this CPU before write() returns, and that is the task's time, not ours */
	dt = enf_mono_ns() - t0;
	if (e->opts.cpu_latency)
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	respond(e, md->fd, allow);
	e->stats.perm_events++;
	if ((uint64_t)dt > e->stats.decide_ns_max)
		e->stats.decide_ns_max = (uint64_t)dt;
	/* Everything below runs after the answer: folding, the ids and the rest of the record
	 * (through the pinned /proc/TID; see complete_info() for a task already gone). */
	want_record = r == 0 && (pm.v.deny ||
				 (pm.v.kind == POLICY_VERDICT_ALERT &&
				  (e->opts.report_audit || (e->opts.audit_files && !pm.is_exec))));
	if (want_record && !pm.early)
		pin_task(md, &pm);
	folded = want_record && pm.v.deny && fold_hit(e, &pm);
	if (want_record && !folded) {
		if (!pm.early)
			complete_info(&pm);
		read_exe_late(&pm);
	}
	if (r == 0 && pm.v.deny) {
		int64_t cpu = e->opts.cpu_latency ? (int64_t)(c1.tv_sec - c0.tv_sec) * 1000000000 +
							    (c1.tv_nsec - c0.tv_nsec)
						  : 0;

		e->lat_cpu[e->n_lat % ENFORCE_LATENCY_SAMPLES] =
			cpu > UINT32_MAX ? UINT32_MAX : (uint32_t)cpu;
		e->lat[e->n_lat++ % ENFORCE_LATENCY_SAMPLES] =
			dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
		e->stats.denied++;
	}
	if (want_record && !folded)
		record_block(e, &pm);
	if (pm.dirfd >= 0)
		close(pm.dirfd);
	pm.dirfd = -1;
}

void enf_fan_handle(struct enforce *e)
{
	union {
		struct fanotify_event_metadata md;
		char bytes[8192];
	} u;
	const char *buf = u.bytes;
	const struct fanotify_event_metadata *md;
	ssize_t n;

	for (;;) {
		n = read(e->fan_fd, u.bytes, sizeof(u.bytes));
		if (n <= 0)
			return;
		md = (const struct fanotify_event_metadata *)buf;
		while (FAN_EVENT_OK(md, n)) {
			if (md->vers != FANOTIFY_METADATA_VERSION) {
				/* cannot parse: the fd may still be valid; allow */
				if (md->fd >= 0) {
					respond(e, md->fd, 1);
					close(md->fd);
				}
			} else if (md->fd >= 0) {
				if (md->mask &
				    (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM))
					handle_one(e, md);
				close(md->fd);
			}
			md = FAN_EVENT_NEXT(md, n);
		}
	}
}
