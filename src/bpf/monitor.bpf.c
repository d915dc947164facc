// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.bpf.c - ward's system monitor, kernel side: process lifecycle, selected syscalls,
 * socket operations and capability checks into one ring buffer (records: events.h).
 *
 * Hook choice is driven by cost (figures in docs/benchmarks/monitor.md). The sched tp_btf
 * hooks and the cgroup socket hooks cost nothing on unrelated syscalls, so exec/fork/exit and
 * INET socket()/connect() always come from there. Attaching any syscall tracepoint puts every
 * syscall of every task on the tracing slow path, so the one raw syscall hook (tp_btf/sys_exit,
 * one program for all syscalls, switched per syscall number by the "want" map) is attached by
 * user space only while visibility or a rule needs a syscall. Filtering
 * happens here, before any copy: ignored pids (the agent), the per-syscall switch, and the
 * path-interest map (hashes of the paths and directories rules name).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct ward_bpf_cfg cfg = { .wakeup_bytes = 256 * 1024 };

#define AT_FDCWD_VAL -100
#define AF_UNIX_VAL  1
#define AF_INET_VAL  2
#define AF_INET6_VAL 10

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* user space resizes before load */
} events SEC(".maps");

/* Records that did not fit in the ring buffer, per CPU (no atomics on the hot path). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_bpf_rt);
} wcfg SEC(".maps");

/* Thread-group ids whose events are never reported (the agent itself). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} ignore SEC(".maps");

/* Per x86-64 syscall number: enum ward_kwant bits. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} want SEC(".maps");

/* FNV-1a 64 of a path (no trailing slash) -> enum ward_kinterest bits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_INTEREST_MAX);
	__type(key, __u64);
	__type(value, __u32);
} interest SEC(".maps");

/* Records are too big for the 512-byte stack: build them here. */
union ward_scratch {
	struct ward_kev_exec exec;
	struct {
		struct ward_kev_syscall sys;
		/*
		 * Bytes of sys.path read. Kept in map memory, not a register, on purpose: the
		 * record's size derives from it, and a size argument is tracked precisely by the
		 * verifier, which then cannot prune the syscall switch's paths (E2BIG).
		 */
		__u32 sys_path_n;
	};
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union ward_scratch);
} scratch SEC(".maps");

/* Thread groups followed when ward_bpf_rt.track_only is set; children inherit at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} track SEC(".maps");

static __always_inline int ward_ignored(__u32 tgid)
{
	__u32 zero = 0;
	struct ward_bpf_rt *rt;

	if (bpf_map_lookup_elem(&ignore, &tgid))
		return 1;
	rt = bpf_map_lookup_elem(&wcfg, &zero);
	return rt && rt->track_only && !bpf_map_lookup_elem(&track, &tgid);
}

static __always_inline void ward_count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

/*
 * Wake the consumer only once enough data is pending: a wake-up per record costs more than the
 * record (measured). The consumer also polls on a short timeout, so a quiet trickle still flows.
 */
static __always_inline void ward_emit(void *rec, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, rec, size, flags))
		ward_count_lost();
}

/* The pid number of @p as seen in the pid namespace at @level, or 0 if not visible there. */
static __always_inline __u32 ward_pid_at(struct pid *p, unsigned int level,
					 struct pid_namespace *ns)
{
	struct upid up = {};

	if (!p || BPF_CORE_READ(p, level) < level)
		return 0;
	bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]);
	return up.ns == ns ? (__u32)up.nr : 0;
}

static __always_inline void ward_fill_hdr(struct ward_kev_hdr *h, __u32 type, __u32 size,
					  struct task_struct *t)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	struct task_struct *parent = BPF_CORE_READ(t, real_parent);
	struct pid *tp = BPF_CORE_READ(leader, thread_pid);
	unsigned int level = BPF_CORE_READ(tp, level);
	struct upid up = {};

	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->host_pid = id >> 32;
	h->host_tid = (__u32)id;
	h->host_ppid = BPF_CORE_READ(parent, tgid);
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	bpf_core_read(&up, sizeof(up), &tp->numbers[level & 31]);
	h->pid = up.nr;
	h->ppid = ward_pid_at(BPF_CORE_READ(parent, group_leader, thread_pid), level, up.ns);
	h->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	h->mnt_ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	h->pad = 0;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * The same header from a trusted BTF task pointer (tracing programs): plain loads that the
 * verifier turns into inline, fault-safe loads, instead of one bpf_probe_read_kernel() call per
 * field as BPF_CORE_READ() does. This header is on every syscall event, so it is the hot path.
 */
static __always_inline void ward_fill_hdr_btf(struct ward_kev_hdr *h, __u32 type, __u32 size,
					      struct task_struct *t)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();
	struct task_struct *parent = t->real_parent;
	struct pid *tp = t->group_leader->thread_pid;
	unsigned int level = tp->level;

	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->host_pid = id >> 32;
	h->host_tid = (__u32)id;
	h->host_ppid = parent->tgid;
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->mnt_ns = t->nsproxy->mnt_ns->ns.inum;
	h->pad = 0;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	if (level == 0) { /* the initial pid namespace: no per-level lookups needed */
		h->pid = h->host_pid;
		h->ppid = h->host_ppid;
		h->pid_ns = tp->numbers[0].ns->ns.inum;
		return;
	}
	{
		struct upid up = {};

		/* variable-index access into a BTF array is refused: read it */
		bpf_core_read(&up, sizeof(up), &tp->numbers[level & 31]);
		h->pid = up.nr;
		h->ppid =
			ward_pid_at(BPF_CORE_READ(parent, group_leader, thread_pid), level, up.ns);
		h->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	}
}

/*
 * d_path() is not callable from tracepoints, so walk the dentries ourselves: components leaf
 * first, each NUL-terminated, crossing mount points; user space reverses them. The walk runs
 * in bpf_loop(): an open-coded loop with a mount-crossing branch made the verifier explore
 * every (iteration, offset) pair and hit its 1M-instruction limit.
 */
enum ward_walk_slot {
	WARD_SLOT_EXE = 0, /* scratch exec.exe */
	WARD_SLOT_CWD,	   /* scratch exec.cwd */
	WARD_SLOT_BASE,	   /* scratch sys.base */
};

struct ward_walk_ctx {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	__u32 off;
	__u32 slot;
	__u32 done;
};

static long ward_walk_step(__u32 i, struct ward_walk_ctx *c)
{
	__u32 zero = 0;
	union ward_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct dentry *parent, *root;
	const unsigned char *name;
	char *buf;
	long n;

	if (!s)
		return 1;
	buf = c->slot == WARD_SLOT_EXE	 ? s->exec.exe
	      : c->slot == WARD_SLOT_CWD ? s->exec.cwd
					 : s->sys.base;
	/* local copies: BPF_CORE_READ() must only see kernel types, not our context struct */
	struct dentry *d = c->d;
	struct vfsmount *vm = c->vm;
	struct mount *mnt = c->mnt;
	__u32 off = c->off;

	parent = BPF_CORE_READ(d, d_parent);
	root = BPF_CORE_READ(vm, mnt_root);
	if (d == root || d == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt || !up) {
			c->done = 1; /* the global root */
			return 1;
		}
		c->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = up;
		c->vm = &up->mnt;
		return 0;
	}
	if (off >= WARD_DPATH_HALF)
		return 1;
	name = BPF_CORE_READ(d, d_name.name);
	/* Masking proves to the verifier that off + NAME fits in WARD_DPATH_MAX. */
	n = bpf_probe_read_kernel_str(buf + (off & (WARD_DPATH_HALF - 1)), WARD_DPATH_NAME, name);
	if (n <= 0)
		return 1;
	c->off = off + n;
	c->d = parent;
	return 0;
}

/* Walk @path into scratch slot @slot; returns the bytes written, *depth_hit if cut short. */
static __always_inline __u32 ward_walk(const struct path *path, __u32 slot, __u32 *depth_hit)
{
	struct ward_walk_ctx c = {};
	struct vfsmount *vm = BPF_CORE_READ(path, mnt);

	c.d = BPF_CORE_READ(path, dentry);
	c.vm = vm;
	c.mnt = container_of(vm, struct mount, mnt);
	c.slot = slot;
	bpf_loop(WARD_DPATH_DEPTH, ward_walk_step, &c, 0);
	if (!c.done)
		*depth_hit = 1;
	return c.off < WARD_DPATH_MAX ? c.off : 0;
}

/* ---- process lifecycle (always attached) ---------------------------------------------------- */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ward_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0, hit = 0;
	union ward_scratch *s;
	struct ward_kev_exec *e;
	struct task_struct *t = bpf_get_current_task_btf();
	unsigned long start, end, len;
	struct tty_struct *tty;
	struct fs_struct *fs;

	if (ward_ignored(bpf_get_current_pid_tgid() >> 32))
		return 0;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	e = &s->exec;
	ward_fill_hdr_btf(&e->hdr, WARD_KEV_EXEC, sizeof(*e), t);

	e->exe_len = ward_walk(&bprm->file->f_path, WARD_SLOT_EXE, &hit);
	e->exe_depth_hit = hit;
	hit = 0;
	fs = BPF_CORE_READ(t, fs);
	e->cwd_len = ward_walk(&fs->pwd, WARD_SLOT_CWD, &hit);
	e->exe_depth_hit |= hit << 1;
	len = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
					BPF_CORE_READ(bprm, filename));
	e->filename_len = (long)len > 0 ? len : 0;

	start = BPF_CORE_READ(t, mm, arg_start);
	end = BPF_CORE_READ(t, mm, arg_end);
	len = end > start ? end - start : 0;
	e->args_total = len;
	if (len > WARD_ARGS_MAX)
		len = WARD_ARGS_MAX;
	if (len && bpf_probe_read_user(e->args, len, (void *)start))
		len = 0;
	e->args_len = len;

	e->tty[0] = 0;
	tty = BPF_CORE_READ(t, signal, tty);
	if (tty)
		bpf_probe_read_kernel_str(e->tty, sizeof(e->tty), tty->name);
	ward_emit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ward_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ward_kev_fork e = {};

	if (child->pid != child->tgid) /* a new thread: no process-table change */
		return 0;
	if (ward_ignored(bpf_get_current_pid_tgid() >> 32))
		return 0;
	{
		__u32 zero = 0, ctgid = child->tgid;
		__u8 one = 1;
		struct ward_bpf_rt *rt = bpf_map_lookup_elem(&wcfg, &zero);

		if (rt && rt->track_only)
			bpf_map_update_elem(&track, &ctgid, &one, BPF_ANY);
	}
	ward_fill_hdr_btf(&e.hdr, WARD_KEV_FORK, sizeof(e), bpf_get_current_task_btf());
	e.child_pid = child->tgid;
	e.child_tid = child->pid;
	ward_emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ward_sched_exit, struct task_struct *p)
{
	struct ward_kev_exit e = {};
	__u64 id = bpf_get_current_pid_tgid();

	if ((__u32)id != id >> 32) /* only the thread-group leader ends the process entry */
		return 0;
	if (ward_ignored(id >> 32))
		return 0;
	ward_fill_hdr_btf(&e.hdr, WARD_KEV_EXIT, sizeof(e), bpf_get_current_task_btf());
	e.exit_code = p->exit_code;
	ward_emit(&e, sizeof(e));
	return 0;
}

/* ---- syscalls (attached on demand) ---------------------------------------------------------- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

/*
 * 1 when a rule may name @path. The interest map holds FNV-1a hashes of rule paths and
 * directories (user space hashes the same way, monitor_path_hash()); a collision only lets an
 * event through to the exact user-space matcher. Relative paths are not resolved here and
 * always pass.
 */
static __noinline int ward_path_interesting(const char *path)
{
	__u64 h = FNV_OFFSET;
	__u32 last = 0, *v;
	int i;

	if (path[0] != '/')
		return 1;
	for (i = 0; i < WARD_PATH_MAX; i++) {
		char c = path[i];

		if (!c)
			break;
		if (c == '/' && i > 0) {
			v = bpf_map_lookup_elem(&interest, &h);
			last = v ? *v : 0;
			if (last & WARD_KINT_DIR_REC)
				return 1;
		}
		h = (h ^ (__u8)c) * FNV_PRIME;
	}
	if (last & WARD_KINT_DIR)
		return 1;
	v = bpf_map_lookup_elem(&interest, &h);
	return v && (*v & (WARD_KINT_EXACT | WARD_KINT_DIR | WARD_KINT_DIR_REC));
}

/*
 * The file of descriptor @fd of @t, a trusted BTF task pointer (tracing programs): the chain to
 * the fd array is plain (inline, fault-safe) loads; only the variable-index slot needs a read.
 */
static __always_inline struct file *ward_fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = t->files->fdt;
	struct file **fds, *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Read a user path into @buf; returns bytes with the NUL, 0 on failure. */
static __always_inline __u32 ward_read_path(char *buf, const void *uptr, __u32 *flags)
{
	long n;

	buf[0] = 0;
	if (!uptr)
		return 0;
	n = bpf_probe_read_user_str(buf, WARD_PATH_MAX, uptr);
	if (n <= 0) {
		buf[0] = 0;
		return 0;
	}
	if (n == WARD_PATH_MAX)
		*flags |= WARD_KSYS_PATH_TRUNC;
	return n;
}

/* Decode a user sockaddr (connect/bind) into the record; returns the bytes put in e->path. */
static __always_inline __u32 ward_read_sockaddr(struct ward_kev_syscall *e, const void *uaddr)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa.sin6_family), uaddr))
		return 0;
	e->family = sa.sin6_family;
	if (e->family == AF_INET_VAL) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		if (bpf_probe_read_user(in, sizeof(*in), uaddr))
			return 0;
		e->port = bpf_ntohs(in->sin_port);
		__builtin_memcpy(e->addr, &in->sin_addr, 4);
		e->flags |= WARD_KSYS_HAS_ADDR;
	} else if (e->family == AF_INET6_VAL) {
		if (bpf_probe_read_user(&sa, sizeof(sa), uaddr))
			return 0;
		e->port = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(e->addr, &sa.sin6_addr, 16);
		e->flags |= WARD_KSYS_HAS_ADDR;
	} else if (e->family == AF_UNIX_VAL) {
		long n = bpf_probe_read_user_str(e->path, 108, (const char *)uaddr + 2);

		e->flags |= WARD_KSYS_HAS_ADDR;
		if (n <= 0) {
			e->path[0] = 0;
			return 0;
		}
		return n;
	}
	return 0;
}

/* The directory a relative path is resolved against: the cwd or the dirfd's file. */
static __always_inline void ward_fill_base(struct ward_kev_syscall *e, struct task_struct *t,
					   long dfd)
{
	__u32 hit = 0;

	if ((int)dfd == AT_FDCWD_VAL) {
		struct fs_struct *fs = BPF_CORE_READ(t, fs);

		e->base_len = ward_walk(&fs->pwd, WARD_SLOT_BASE, &hit);
	} else {
		struct file *f = ward_fd_file(t, (int)dfd);

		if (f)
			e->base_len = ward_walk(&f->f_path, WARD_SLOT_BASE, &hit);
	}
	if (hit)
		e->flags |= WARD_KSYS_PATH_TRUNC;
}

/*
 * One program at syscall exit does everything: x86-64 preserves the argument registers across
 * a syscall (only rax, rcx, r11 change), so the exit hook sees the arguments and the result
 * together and reads the user strings, which are still in place. No entry hook, no per-thread
 * map of pending arguments: half the program runs and no map update/delete per syscall.
 * (A successful execve is the exception: its strings are gone with the old mm, and
 * sched_process_exec reports it.)
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 zero = 0, nr, *w;
	__u64 pidtgid = bpf_get_current_pid_tgid();
	long id = regs->orig_ax;
	struct task_struct *t;
	struct ward_bpf_rt *rt;
	struct ward_kev_syscall *e;
	union ward_scratch *s;
	const char *p = NULL, *p2 = NULL;
	long dfd = AT_FDCWD_VAL;
	struct file *f;
	__u64 a[6];

	if (id < 0 || id >= WARD_NR_MAX)
		return 0;
	nr = (__u32)id;
	w = bpf_map_lookup_elem(&want, &nr);
	if (!w || !(*w & WARD_WANT_CAPTURE))
		return 0;
	if ((nr == 59 || nr == 322) && ret == 0)
		return 0; /* a successful exec is reported by sched_process_exec */
	if (ward_ignored(pidtgid >> 32))
		return 0;
	rt = bpf_map_lookup_elem(&wcfg, &zero);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!rt || !s)
		return 0;
	e = &s->sys;
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	a[4] = regs->r8;
	a[5] = regs->r9;

	e->retval = ret;
	e->nr = nr;
	e->flags = 0;
	e->owner_uid = 0;
	e->family = 0;
	e->port = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	e->base_len = 0;
	e->path2_len = 0;
	e->path[0] = 0;
	s->sys_path_n = 0;
	e->base[0] = 0;
	e->path2[0] = 0;
#pragma unroll
	for (int i = 0; i < 6; i++)
		e->args[i] = a[i];

	switch (nr) {
	case 2:	  /* open(path, flags, mode) */
	case 59:  /* execve(path, argv, envp) */
	case 87:  /* unlink(path) */
	case 84:  /* rmdir(path) */
	case 90:  /* chmod(path, mode) */
	case 92:  /* chown(path, uid, gid) */
	case 94:  /* lchown */
	case 166: /* umount2(target, flags) */
		p = (const char *)a[0];
		break;
	case 82: /* rename(old, new) */
		p = (const char *)a[0];
		p2 = (const char *)a[1];
		break;
	case 257: /* openat(dfd, path, flags, mode) */
	case 437: /* openat2(dfd, path, how, size) */
	case 263: /* unlinkat(dfd, path, flags) */
	case 268: /* fchmodat(dfd, path, mode) */
	case 452: /* fchmodat2 */
	case 260: /* fchownat(dfd, path, uid, gid, flags) */
	case 322: /* execveat(dfd, path, argv, envp, flags) */
		dfd = (long)a[0];
		p = (const char *)a[1];
		break;
	case 264: /* renameat(odfd, old, ndfd, new) */
	case 316: /* renameat2(..., flags) */
		dfd = (long)a[0];
		p = (const char *)a[1];
		p2 = (const char *)a[3];
		break;
	case 165: /* mount(source, target, fstype, flags, data): fstype goes in `base` */
		p = (const char *)a[0];
		p2 = (const char *)a[1];
		break;
	case 41: /* socket(domain, type, protocol): INET ones come from cgroup/sock_create */
		if ((a[0] == AF_INET_VAL || a[0] == AF_INET6_VAL) && rt->cgroup_sock)
			return 0;
		break;
	case 42: /* connect(fd, addr, len) */
	case 49: /* bind(fd, addr, len) */
		s->sys_path_n = ward_read_sockaddr(e, (const void *)a[1]);
		if (nr == 42 && (e->family == AF_INET_VAL || e->family == AF_INET6_VAL) &&
		    rt->cgroup_connect)
			return 0;
		break;
	default:
		break;
	}

	t = bpf_get_current_task_btf();
	if (p) {
		s->sys_path_n = ward_read_path(e->path, p, &e->flags);
		if (!(*w & WARD_WANT_ALL) && !ward_path_interesting(e->path)) {
			if (!p2 || nr == 165)
				return 0;
			ward_read_path(e->path2, p2, &e->flags);
			if (!ward_path_interesting(e->path2))
				return 0;
		}
		if (nr == 165) {
			long n =
				bpf_probe_read_user_str(e->base, WARD_PATH_MAX, (const void *)a[2]);

			e->base_len = n > 0 ? n : 0;
		} else if (e->path[0] && e->path[0] != '/') {
			ward_fill_base(e, t, dfd);
		}
		if (p2)
			e->path2_len = ward_read_path(e->path2, p2, &e->flags);
		if (nr == 437) { /* openat2: flags and mode from struct open_how */
			struct open_how how = {};

			if (!bpf_probe_read_user(&how, sizeof(how), (const void *)a[2])) {
				e->args[2] = how.flags;
				e->args[3] = how.mode;
			}
		}
	} else if (!(*w & WARD_WANT_ALL)) {
		return 0; /* no path and not every event wanted: nothing a rule can name */
	}

	if (ret >= 0 && (nr == 2 || nr == 257 || nr == 437)) {
		f = ward_fd_file(t, ret);
		if (f) {
			e->owner_uid = BPF_CORE_READ(f, f_inode, i_uid.val);
			e->flags |= WARD_KSYS_HAS_OWNER;
		}
	} else if (ret >= 0 && (nr == 43 || nr == 288)) { /* accept/accept4: the new socket */
		struct socket *sock;
		struct sock *sk;

		f = ward_fd_file(t, ret);
		sock = f ? BPF_CORE_READ(f, private_data) : NULL;
		sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
		if (sk) {
			e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
			e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
			if (e->family == AF_INET_VAL) {
				__u32 ip = BPF_CORE_READ(sk, __sk_common.skc_daddr);

				__builtin_memcpy(e->addr, &ip, 4);
				e->flags |= WARD_KSYS_HAS_ADDR;
			} else if (e->family == AF_INET6_VAL) {
				BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_daddr);
				e->flags |= WARD_KSYS_HAS_ADDR;
			}
		}
	}
	if (e->path2_len) {
		ward_fill_hdr_btf(&e->hdr, WARD_KEV_SYSCALL, WARD_KEV_SYS_SIZE_FULL, t);
		ward_emit(e, WARD_KEV_SYS_SIZE_FULL);
	} else if (e->base_len) {
		ward_fill_hdr_btf(&e->hdr, WARD_KEV_SYSCALL, WARD_KEV_SYS_SIZE_BASE, t);
		ward_emit(e, WARD_KEV_SYS_SIZE_BASE);
	} else {
		/*
		 * Only the bytes of the path that were read (NUL included) go out: an open's
		 * record is ~200 bytes instead of 432, less to copy here and to read in user
		 * space. The decoder takes any size from the path's start to its full length.
		 */
		__u32 size = WARD_KEV_SYS_SIZE_NOPATH + (s->sys_path_n & (WARD_PATH_MAX * 2 - 1));

		if (size > WARD_KEV_SYS_SIZE_PATH)
			size = WARD_KEV_SYS_SIZE_PATH;
		ward_fill_hdr_btf(&e->hdr, WARD_KEV_SYSCALL, size, t);
		ward_emit(e, size);
	}
	return 0;
}

/* ---- sockets: cgroup-v2 hooks on the root cgroup (observe only, always allow) --------------- */

SEC("cgroup/sock_create")
int ward_sock_create(struct bpf_sock *sk)
{
	struct ward_kev_sock e = {};

	if (ward_ignored(bpf_get_current_pid_tgid() >> 32))
		return 1;
	ward_fill_hdr(&e.hdr, WARD_KEV_SOCK, sizeof(e),
		      (struct task_struct *)bpf_get_current_task());
	e.hook = WARD_KSOCK_CREATE;
	e.family = sk->family;
	e.type = sk->type;
	e.protocol = sk->protocol;
	ward_emit(&e, sizeof(e));
	return 1;
}

static __always_inline int ward_connect(struct bpf_sock_addr *ctx, __u32 hook)
{
	struct ward_kev_sock e = {};

	if (ward_ignored(bpf_get_current_pid_tgid() >> 32))
		return 1;
	ward_fill_hdr(&e.hdr, WARD_KEV_SOCK, sizeof(e),
		      (struct task_struct *)bpf_get_current_task());
	e.hook = hook;
	e.family = ctx->user_family;
	e.type = ctx->type;
	e.protocol = ctx->protocol;
	e.port = bpf_ntohs((__u16)ctx->user_port);
	if (hook == WARD_KSOCK_CONNECT4) {
		__u32 ip = ctx->user_ip4;

		__builtin_memcpy(e.addr, &ip, 4);
	} else {
		__u32 ip6[4];

		ip6[0] = ctx->user_ip6[0];
		ip6[1] = ctx->user_ip6[1];
		ip6[2] = ctx->user_ip6[2];
		ip6[3] = ctx->user_ip6[3];
		__builtin_memcpy(e.addr, ip6, 16);
	}
	ward_emit(&e, sizeof(e));
	return 1;
}

SEC("cgroup/connect4")
int ward_connect4(struct bpf_sock_addr *ctx)
{
	return ward_connect(ctx, WARD_KSOCK_CONNECT4);
}

SEC("cgroup/connect6")
int ward_connect6(struct bpf_sock_addr *ctx)
{
	return ward_connect(ctx, WARD_KSOCK_CONNECT6);
}

/* ---- capabilities (attached on demand) ------------------------------------------------------ */

SEC("tp_btf/cap_capable")
int BPF_PROG(ward_cap_capable, const struct cred *cred, struct user_namespace *tns,
	     const struct user_namespace *cns, int cap, int ret)
{
	struct ward_kev_cap e = {};

	if (ward_ignored(bpf_get_current_pid_tgid() >> 32))
		return 0;
	ward_fill_hdr_btf(&e.hdr, WARD_KEV_CAP, sizeof(e), bpf_get_current_task_btf());
	e.cap = cap;
	e.ret = ret;
	ward_emit(&e, sizeof(e));
	return 0;
}
