/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf.c - the monitor's kernel half in user space: load monitor.bpf.c, attach and detach its
 * hook groups as visibility and policy interest change, fill the filter maps, and drain the
 * ring buffer through the decoder (monitor.h has the contract).
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/events.h"
#include "common/msg.h"
#include "monitor/decode.h"
#include "monitor/skel/skel_monitor.h"

#define DEFAULT_RINGBUF	 (16u << 20)
#define DEFAULT_WAKEUP	 (256u << 10)
#define INTEREST_PENDING 4096 /* items kept between begin and commit before falling back */

/* x86-64 syscall numbers per class (the kernel's switch in ward_sys_exit matches). */
static const uint32_t file_nrs[] = { 2,	  257, 437, 87,	 263, 84, 82, 264,
				     316, 90,  268, 452, 92,  94, 260 };
static const uint32_t net_nrs[] = { 41, 42, 43, 288, 49, 50 };
static const uint32_t sys_nrs[] = { 101, 105, 106, 165, 166 };
static const uint32_t exec_nrs[] = { 59, 322 };
/* what KubeArmor's syscalls rules can name: rmdir unlink chown lchown fchownat unlinkat ptrace
 * setuid setgid mount umount2 */
static const uint32_t rule_nrs[] = { 84, 87, 92, 94, 260, 263, 101, 105, 106, 165, 166 };

struct interest_item {
	uint64_t hash;
	uint32_t bits;
};

struct monitor {
	struct skel_monitor *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[SKEL_MON_PROG_COUNT];
	int cgroup_fd;
	int lost_fd, want_fd, wcfg_fd, ignore_fd, interest_fd, track_fd;
	int ncpus;
	uint64_t lost_seen;
	struct monitor_config cfg;
	uint32_t visibility;

	/* interest: the committed set and the one being built between begin and commit */
	uint32_t int_ops_all;	/* WARD_KOP_* where every path matters */
	uint32_t int_ops_paths; /* WARD_KOP_* with at least one path/dir item */
	struct interest_item *items, *pend;
	size_t n_items, n_pend;
	uint32_t pend_ops_all, pend_ops_paths;
	int pend_overflow;

	struct monitor_decoder dec;
	struct monitor_counters counters;
	monitor_callback_fn cb;
	void *cb_ctx;
	int cb_error;
};

void monitor_config_init(struct monitor_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ringbuf_bytes = DEFAULT_RINGBUF;
	c->wakeup_bytes = DEFAULT_WAKEUP;
}

uint64_t monitor_path_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n = strlen(path), i;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)path[i]) * 0x100000001b3ULL;
	return h;
}

/* libbpf's own messages (verifier logs...) become debug messages: library code does not print. */
static int libbpf_to_msg(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	msg_debug("libbpf: %s", buf);
	return 0;
}

/* The cgroup-v2 mount point (hybrid hosts have it at /sys/fs/cgroup/unified). */
static int find_cgroup2(char *buf, size_t len)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *me;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while ((me = getmntent(f))) {
		if (!strcmp(me->mnt_type, "cgroup2") && strlen(me->mnt_dir) < len) {
			snprintf(buf, len, "%s", me->mnt_dir);
			r = 0;
			break;
		}
	}
	endmntent(f);
	return r;
}

static int attach_prog(struct monitor *m, enum skel_monitor_prog p)
{
	struct bpf_program *prog = skel_monitor_prog(m->skel, p);
	struct bpf_link *l;

	if (m->links[p])
		return 0;
	if (p == SKEL_MON_SOCK_CREATE || p == SKEL_MON_CONNECT4 || p == SKEL_MON_CONNECT6)
		l = bpf_program__attach_cgroup(prog, m->cgroup_fd);
	else
		l = bpf_program__attach(prog);
	if (!l)
		return -errno ? -errno : -EINVAL;
	m->links[p] = l;
	return 0;
}

static void detach_prog(struct monitor *m, enum skel_monitor_prog p)
{
	if (m->links[p]) {
		bpf_link__destroy(m->links[p]);
		m->links[p] = NULL;
	}
}

static int set_rt(struct monitor *m)
{
	struct ward_bpf_rt rt = {
		.visibility = m->visibility,
		.interest = m->int_ops_all | m->int_ops_paths,
		.cgroup_sock = m->links[SKEL_MON_SOCK_CREATE] != NULL,
		.cgroup_connect = m->links[SKEL_MON_CONNECT4] != NULL,
		.track_only = m->cfg.track_only ? 1 : 0,
	};
	uint32_t zero = 0;

	return bpf_map_update_elem(m->wcfg_fd, &zero, &rt, BPF_ANY) < 0 ? -errno : 0;
}

static void want_set(uint32_t *want, const uint32_t *nrs, size_t n, uint32_t bits)
{
	size_t i;

	for (i = 0; i < n; i++)
		want[nrs[i]] |= bits;
}

/*
 * Recompute the per-syscall switches and the attached hook groups from visibility, interest
 * and config. Attach first, detach after, so a failure leaves the old state working.
 */
static int apply(struct monitor *m)
{
	uint32_t want[WARD_NR_MAX] = { 0 }, vis = m->visibility, i;
	uint32_t all = m->int_ops_all, paths = m->int_ops_paths;
	int need_sys = 0, need_net, need_cap, cg, net_cheap, r;

	if (vis & MONITOR_VIS_FILE || all & WARD_KOP_FILE)
		want_set(want, file_nrs, WARD_ARRAY_SIZE(file_nrs),
			 WARD_WANT_CAPTURE | WARD_WANT_ALL);
	else if (paths & WARD_KOP_FILE)
		want_set(want, file_nrs, WARD_ARRAY_SIZE(file_nrs), WARD_WANT_CAPTURE);
	/*
	 * Network visibility: socket() from cgroup/sock_create (free), connect/bind/listen/accept
	 * from the syscall hook (fd and result; accept has no cheaper process-context hook). With
	 * net_cgroup_only, socket() and connect() come from the cgroup hooks alone and no syscall
	 * hook is needed for the network (no bind/listen/accept, connect without fd/result).
	 */
	cg = !m->cfg.no_cgroup && m->cgroup_fd >= 0;
	net_cheap = vis & MONITOR_VIS_NETWORK && m->cfg.net_cgroup_only && cg;
	if (vis & MONITOR_VIS_NETWORK && !net_cheap)
		want_set(want, net_nrs, WARD_ARRAY_SIZE(net_nrs),
			 WARD_WANT_CAPTURE | WARD_WANT_ALL);
	if (vis & MONITOR_VIS_SYSCALL)
		want_set(want, sys_nrs, WARD_ARRAY_SIZE(sys_nrs),
			 WARD_WANT_CAPTURE | WARD_WANT_ALL);
	if (all & WARD_KOP_SYSCALL)
		want_set(want, rule_nrs, WARD_ARRAY_SIZE(rule_nrs),
			 WARD_WANT_CAPTURE | WARD_WANT_ALL);
	else if (paths & WARD_KOP_SYSCALL) /* syscall rules with paths */
		want_set(want, rule_nrs, WARD_ARRAY_SIZE(rule_nrs), WARD_WANT_CAPTURE);
	if (m->cfg.failed_exec)
		want_set(want, exec_nrs, WARD_ARRAY_SIZE(exec_nrs),
			 WARD_WANT_CAPTURE | WARD_WANT_ALL);
	for (i = 0; i < WARD_NR_MAX; i++)
		need_sys |= want[i] != 0;
	need_net = cg && (vis & MONITOR_VIS_NETWORK || (all | paths) & WARD_KOP_NETWORK);
	need_cap = vis & MONITOR_VIS_CAPABILITIES || (all | paths) & WARD_KOP_CAPS;

	for (i = 0; i < WARD_NR_MAX; i++)
		if (bpf_map_update_elem(m->want_fd, &i, &want[i], BPF_ANY) < 0)
			return -errno;

	if (need_net && (r = attach_prog(m, SKEL_MON_SOCK_CREATE)) < 0)
		return r;
	if (net_cheap && ((r = attach_prog(m, SKEL_MON_CONNECT4)) < 0 ||
			  (r = attach_prog(m, SKEL_MON_CONNECT6)) < 0))
		return r;
	/* cgroup_sock/connect must be right before the syscall hook skips INET socket()/connect(). */
	if ((r = set_rt(m)) < 0)
		return r;
	if (need_sys) {
		if ((r = attach_prog(m, SKEL_MON_SYS_EXIT)) < 0)
			return r;
	}
	if (need_cap && (r = attach_prog(m, SKEL_MON_CAP_CAPABLE)) < 0)
		return r;

	if (!need_sys) {
		detach_prog(m, SKEL_MON_SYS_EXIT);
	}
	if (!need_cap)
		detach_prog(m, SKEL_MON_CAP_CAPABLE);
	if (!net_cheap) {
		detach_prog(m, SKEL_MON_CONNECT4);
		detach_prog(m, SKEL_MON_CONNECT6);
	}
	if (!need_net)
		detach_prog(m, SKEL_MON_SOCK_CREATE);
	return set_rt(m);
	return 0;
}

static uint64_t read_lost(struct monitor *m)
{
	uint64_t *vals, sum = 0;
	uint32_t zero = 0;
	int i;

	vals = calloc(m->ncpus, sizeof(*vals));
	if (!vals)
		return m->lost_seen;
	if (bpf_map_lookup_elem(m->lost_fd, &zero, vals) == 0)
		for (i = 0; i < m->ncpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	struct ward_event ev;
	int r;

	r = monitor_decode(&m->dec, data, size, &ev);
	if (r < 0) {
		m->counters.decode_errors++;
		return 0;
	}
	m->counters.events++;
	if (ev.kind <= WARD_EV_DROPS)
		m->counters.by_kind[ev.kind]++;
	r = m->cb ? m->cb(m->cb_ctx, &ev) : 0;
	if (r < 0) {
		m->cb_error = r;
		return r;
	}
	return 0;
}

int monitor_open(const struct monitor_config *c, struct monitor **ret)
{
	struct skel_monitor_opts so = { 0 };
	struct monitor *m;
	char cgpath[512];
	uint32_t self = (uint32_t)getpid();
	int r;

	libbpf_set_print(libbpf_to_msg);
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cgroup_fd = -1;
	m->cfg = *c;
	m->visibility = c->visibility;
	so.ringbuf_bytes = c->ringbuf_bytes ? c->ringbuf_bytes : DEFAULT_RINGBUF;
	so.wakeup_bytes = c->wakeup_bytes ? c->wakeup_bytes : DEFAULT_WAKEUP;
	so.load_mask = (1u << SKEL_MON_PROG_COUNT) - 1;
	monitor_decoder_init(&m->dec);

	r = libbpf_num_possible_cpus();
	if (r < 0)
		goto fail;
	m->ncpus = r;

	if (!c->no_cgroup) {
		if (c->cgroup_path)
			r = strlen(c->cgroup_path) < sizeof(cgpath) ? 0 : -ENAMETOOLONG;
		else
			r = find_cgroup2(cgpath, sizeof(cgpath));
		if (r == 0) {
			m->cgroup_fd = open(c->cgroup_path ? c->cgroup_path : cgpath,
					    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (m->cgroup_fd < 0) {
				r = -errno;
				goto fail;
			}
		} else {
			/* no cgroup v2: sockets come from the syscall hooks instead */
			so.load_mask &= ~((1u << SKEL_MON_SOCK_CREATE) | (1u << SKEL_MON_CONNECT4) |
					  (1u << SKEL_MON_CONNECT6));
			m->cfg.no_cgroup = 1;
		}
	}
	r = skel_monitor_load(&so, &m->skel);
	if (r < 0)
		goto fail;
	m->lost_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_LOST));
	m->want_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_WANT));
	m->wcfg_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_WCFG));
	m->ignore_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_IGNORE));
	m->interest_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_INTEREST));
	m->track_fd = bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_TRACK));

	m->rb = ring_buffer__new(bpf_map__fd(skel_monitor_map(m->skel, SKEL_MON_MAP_EVENTS)),
				 on_sample, m, NULL);
	if (!m->rb) {
		r = -errno ? -errno : -ENOMEM;
		goto fail;
	}
	r = monitor_ignore_pid(m, self, 1);
	if (r < 0)
		goto fail;
	r = set_rt(m);
	if (r < 0)
		goto fail;
	if ((r = attach_prog(m, SKEL_MON_SCHED_EXEC)) < 0 ||
	    (r = attach_prog(m, SKEL_MON_SCHED_FORK)) < 0 ||
	    (r = attach_prog(m, SKEL_MON_SCHED_EXIT)) < 0)
		goto fail;
	r = apply(m);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	monitor_close(m);
	return r;
}

void monitor_close(struct monitor *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < SKEL_MON_PROG_COUNT; i++)
		detach_prog(m, i);
	ring_buffer__free(m->rb);
	skel_monitor_destroy(m->skel);
	if (m->cgroup_fd >= 0)
		close(m->cgroup_fd);
	free(m->items);
	free(m->pend);
	free(m);
}

int monitor_fd(const struct monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

int monitor_poll(struct monitor *m, int timeout_ms, monitor_callback_fn cb, void *ctx)
{
	struct epoll_event ev;
	uint64_t before = m->counters.events, lost;
	int r;

	if (timeout_ms != 0) {
		r = epoll_wait(ring_buffer__epoll_fd(m->rb), &ev, 1, timeout_ms);
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	m->cb = cb;
	m->cb_ctx = ctx;
	m->cb_error = 0;

	lost = read_lost(m);
	if (lost > m->lost_seen) {
		struct ward_event d;

		memset(&d, 0, sizeof(d));
		d.kind = WARD_EV_DROPS;
		d.syscall_nr = -1;
		d.lost = lost - m->lost_seen;
		m->lost_seen = lost;
		m->counters.lost = lost;
		m->counters.events++;
		m->counters.by_kind[WARD_EV_DROPS]++;
		r = cb ? cb(ctx, &d) : 0;
		if (r < 0)
			return r;
	}
	r = ring_buffer__consume(m->rb);
	m->cb = NULL;
	if (m->cb_error < 0)
		return m->cb_error;
	if (r < 0)
		return r;
	return (int)(m->counters.events - before);
}

int monitor_set_visibility(struct monitor *m, uint32_t visibility)
{
	uint32_t old = m->visibility;
	int r;

	m->visibility = visibility & MONITOR_VIS_ALL;
	r = apply(m);
	if (r < 0) {
		m->visibility = old;
		(void)apply(m);
	}
	return r;
}

int monitor_ignore_pid(struct monitor *m, uint32_t tgid, int on)
{
	uint8_t one = 1;
	int r;

	if (on)
		r = bpf_map_update_elem(m->ignore_fd, &tgid, &one, BPF_ANY);
	else
		r = bpf_map_delete_elem(m->ignore_fd, &tgid);
	return r < 0 && !(errno == ENOENT && !on) ? -errno : 0;
}

int monitor_track_pid(struct monitor *m, uint32_t tgid, int on)
{
	uint8_t one = 1;
	int r;

	if (on)
		r = bpf_map_update_elem(m->track_fd, &tgid, &one, BPF_ANY);
	else
		r = bpf_map_delete_elem(m->track_fd, &tgid);
	return r < 0 && !(errno == ENOENT && !on) ? -errno : 0;
}

uint32_t monitor_attached(const struct monitor *m)
{
	uint32_t a = 0;

	if (m->links[SKEL_MON_SCHED_EXEC])
		a |= MONITOR_HOOK_SCHED;
	if (m->links[SKEL_MON_SYS_EXIT])
		a |= MONITOR_HOOK_SYSCALL;
	if (m->links[SKEL_MON_SOCK_CREATE])
		a |= MONITOR_HOOK_CGROUP;
	if (m->links[SKEL_MON_CAP_CAPABLE])
		a |= MONITOR_HOOK_CAP;
	return a;
}

void monitor_get_counters(const struct monitor *m, struct monitor_counters *ret)
{
	*ret = m->counters;
}

/* ---- interest ------------------------------------------------------------------------------ */

static uint32_t op_bit(enum policy_op op)
{
	switch (op) {
	case POLICY_OP_PROCESS:
		return WARD_KOP_PROCESS;
	case POLICY_OP_FILE:
		return WARD_KOP_FILE;
	case POLICY_OP_NETWORK:
		return WARD_KOP_NETWORK;
	case POLICY_OP_CAPABILITIES:
		return WARD_KOP_CAPS;
	case POLICY_OP_SYSCALL:
		return WARD_KOP_SYSCALL;
	default:
		return 0;
	}
}

void monitor_set_file_rules_by_fanotify(struct monitor *m, int on)
{
	m->cfg.file_rules_by_fanotify = !!on;
}

void monitor_interest_begin(struct monitor *m)
{
	m->n_pend = 0;
	m->pend_ops_all = 0;
	m->pend_ops_paths = 0;
	m->pend_overflow = 0;
}

void monitor_interest_add(void *ctx, enum policy_op op, enum policy_interest_kind kind,
			  const char *value, enum policy_action action)
{
	struct monitor *m = ctx;
	uint32_t bit = op_bit(op), bits;

	(void)action;
	if (!bit)
		return;
	/* file rules on paths and directories handed to the fanotify enforcer (config): no
	 * syscall hook for them; patterns still need every open */
	if (op == POLICY_OP_FILE && m->cfg.file_rules_by_fanotify &&
	    (kind == POLICY_INTEREST_PATH || kind == POLICY_INTEREST_DIR ||
	     kind == POLICY_INTEREST_DIR_RECURSIVE))
		return;
	/* process rules are matched on exec events, which always flow: nothing to filter */
	if (op == POLICY_OP_PROCESS && kind != POLICY_INTEREST_ANY)
		return;
	if (kind == POLICY_INTEREST_GLOB || kind == POLICY_INTEREST_ANY || !value || !value[0] ||
	    strlen(value) >= WARD_PATH_MAX ||
	    (value[0] == '/' && value[strspn(value, "/")] == '\0')) {
		m->pend_ops_all |= bit;
		return;
	}
	bits = kind == POLICY_INTEREST_PATH  ? WARD_KINT_EXACT
	       : kind == POLICY_INTEREST_DIR ? WARD_KINT_DIR
					     : WARD_KINT_DIR_REC;
	if (!m->pend) {
		m->pend = calloc(INTEREST_PENDING, sizeof(*m->pend));
		if (!m->pend) {
			m->pend_overflow = 1;
			m->pend_ops_all |= bit;
			return;
		}
	}
	if (m->n_pend >= INTEREST_PENDING || m->n_pend >= WARD_INTEREST_MAX) {
		m->pend_ops_all |= bit;
		return;
	}
	m->pend[m->n_pend].hash = monitor_path_hash(value);
	m->pend[m->n_pend].bits = bits;
	m->n_pend++;
	m->pend_ops_paths |= bit;
}

int monitor_interest_commit(struct monitor *m)
{
	uint64_t key, next;
	size_t i;
	int r;

	/* Widen first (new entries added before old ones go), so nothing a rule needs is lost. */
	for (i = 0; i < m->n_pend; i++) {
		uint32_t bits = m->pend[i].bits, *cur = &bits, old;

		if (bpf_map_lookup_elem(m->interest_fd, &m->pend[i].hash, &old) == 0)
			bits |= old;
		if (bpf_map_update_elem(m->interest_fd, &m->pend[i].hash, cur, BPF_ANY) < 0)
			return -errno;
	}
	m->int_ops_all = m->pend_ops_all;
	m->int_ops_paths = m->pend_ops_paths;
	r = apply(m);
	if (r < 0)
		return r;
	/* Then drop hashes no longer named, and exact-set the bits of the remaining ones. */
	r = bpf_map_get_next_key(m->interest_fd, NULL, &key);
	while (r == 0) {
		int keep = 0;
		uint32_t bits = 0;

		r = bpf_map_get_next_key(m->interest_fd, &key, &next);
		for (i = 0; i < m->n_pend; i++)
			if (m->pend[i].hash == key) {
				keep = 1;
				bits |= m->pend[i].bits;
			}
		if (!keep)
			(void)bpf_map_delete_elem(m->interest_fd, &key);
		else
			(void)bpf_map_update_elem(m->interest_fd, &key, &bits, BPF_EXIST);
		key = next;
	}
	return 0;
}
