/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor.h - ward's system monitor: kernel events (exec/fork/exit, file and other syscalls,
 * sockets, capabilities) from the eBPF programs in src/bpf/, decoded into struct ward_event.
 *
 * Data path position: kernel hooks ─▶ ring buffer ─▶ monitor_poll() decodes each record
 * (untrusted input, checked) ─▶ your callback with a struct ward_event (monitor/event.h) ─▶
 * enrichment and the policy matcher (user side of this module, the agent loop).
 *
 * Cost model (docs/benchmarks/monitor.md): exec/fork/exit (sched tp_btf), INET socket() and,
 * with net_cgroup_only, connect() (cgroup-v2 hooks) cost nothing on other syscalls. The
 * syscall hook (raw sys_exit: files, bind/listen/accept/connect, setuid...) slows every
 * syscall on the machine, so it is attached only while monitor_set_visibility() or the
 * interest set (monitor_interest_*) asks for a syscall, and detached again when not.
 *
 * Threading: one struct monitor is used from one thread (the agent loop). Nothing prints.
 */
#ifndef WARD_MONITOR_MONITOR_H
#define WARD_MONITOR_MONITOR_H

#include <stdint.h>

#include "common/compiler.h"
#include "monitor/event.h"
#include "policy/policy.h"

struct monitor;
struct strbuf;

/* Visibility switches (same values as the kernel's enum ward_kop). */
#define MONITOR_VIS_PROCESS	 (1u << 0) /* exec (always captured for the process table) */
#define MONITOR_VIS_FILE	 (1u << 1) /* every open/unlink/rename/chmod/chown... */
#define MONITOR_VIS_NETWORK	 (1u << 2) /* socket (cgroup hook) + connect/bind/listen/accept */
#define MONITOR_VIS_CAPABILITIES (1u << 3) /* every cap_capable */
#define MONITOR_VIS_SYSCALL	 (1u << 4) /* every setuid/setgid/ptrace/mount/umount2 */
#define MONITOR_VIS_ALL		 0x1fu

struct monitor_config {
	uint32_t visibility;	/* MONITOR_VIS_* (can change later: monitor_set_visibility) */
	uint32_t ringbuf_bytes; /* ring buffer size, power of two >= 64 KiB; 0 = 16 MiB */
	/* the kernel wakes the consumer once this much is pending; 0 = 256 KiB */
	uint32_t wakeup_bytes;
	/*
	 * also report failed execve/execveat. COSTLY: it keeps the raw syscall hook attached,
	 * which puts every syscall of every task on the tracing slow path (~1.3x on open+close,
	 * docs/benchmarks/monitor.md), so set it only when configured, not by default.
	 */
	int failed_exec;
	int no_cgroup; /* do not attach the cgroup socket hooks (network from syscalls only) */
	/*
	 * network visibility from the cgroup hooks alone: socket() and connect() (no fd, result
	 * unknown = 0), no bind/listen/accept, and no syscall hook attached for the network
	 */
	int net_cgroup_only;
	/*
	 * file rules that name paths or directories are reported by the fanotify enforcer
	 * (enforce opts.audit_files marks them, Audit included): the monitor then ignores their
	 * FILE interest, so such rules alone never attach the syscall hook (policy mode stays at
	 * ~1.00x instead of ~1.2x on every syscall of the machine; docs/benchmarks/monitor.md).
	 * Pattern (GLOB) and allow-list (ANY) file interest still attaches it.
	 */
	int file_rules_by_fanotify;
	const char *cgroup_path; /* cgroup-v2 mount; NULL = found from /proc/self/mounts */
	int track_only; /* report only pids added with monitor_track_pid() and their children */
};

/* monitor_config_init() - defaults: no visibility, 16 MiB ring, 256 KiB wake-up threshold. */
void monitor_config_init(struct monitor_config *c);

/*
 * monitor_open() - load the BPF programs, attach the always-on hooks (sched exec/fork/exit,
 * cgroup sockets when network is visible) and whatever @c's visibility needs. The calling
 * process is added to the ignore list (its own events never come back).
 * Without a cgroup-v2 mount, socket events come from the syscall hook instead.
 * Return: 0, -EPERM (not root / no BPF), -ENOENT (no BTF), other -errno from libbpf.
 * Free with monitor_close().
 */
int monitor_open(const struct monitor_config *c, struct monitor **ret);

/* monitor_close() - detach everything and free. Takes NULL. */
void monitor_close(struct monitor *m);

/*
 * monitor_callback_fn - called once per decoded event; @ev and every string in it are borrowed
 * until the callback returns. A negative return stops monitor_poll(), which returns it.
 */
typedef int (*monitor_callback_fn)(void *ctx, const struct ward_event *ev);

/*
 * monitor_poll() - wait up to @timeout_ms (0 = don't wait, -1 = forever) for the kernel's
 * wake-up, then drain the ring buffer whether or not it woke us (records are submitted without
 * a wake-up below the threshold, so a short timeout such as 50 ms bounds the latency).
 * Emits a WARD_EV_DROPS event first when the kernel's lost counter grew.
 * Return: number of events delivered, or -errno / the callback's negative return.
 */
int monitor_poll(struct monitor *m, int timeout_ms, monitor_callback_fn cb, void *ctx);

/* monitor_fd() - an epoll fd that becomes readable on a kernel wake-up (for your own loop). */
int monitor_fd(const struct monitor *m);

/*
 * monitor_set_visibility() - change the visibility switches; attaches/detaches the syscall,
 * cgroup socket and capability hooks as needed. Return: 0 or -errno (attach failed; the
 * previous hooks stay).
 */
int monitor_set_visibility(struct monitor *m, uint32_t visibility);

/*
 * Interest: what policy rules name, so the kernel drops what no rule can match. Use as
 *     monitor_interest_begin(m);
 *     policy_set_interest(set, monitor_interest_add, m);   (policy_interest_fn-compatible)
 *     r = monitor_interest_commit(m);
 * commit replaces the previous interest set atomically enough for a monitor (map refill) and
 * attaches/detaches hooks. Paths/dirs are matched in the kernel by hash; relative paths
 * always pass. An item that cannot be stored (map full, path too long) makes the operation
 * "every path" (never loses an event a rule needs).
 */
void monitor_interest_begin(struct monitor *m);
/* monitor_set_file_rules_by_fanotify() - monitor_config.file_rules_by_fanotify, from the next
 * monitor_interest_commit() on. */
void monitor_set_file_rules_by_fanotify(struct monitor *m, int on);
void monitor_interest_add(void *m, enum policy_op op, enum policy_interest_kind kind,
			  const char *value, enum policy_action action);
int monitor_interest_commit(struct monitor *m);

/* monitor_ignore_pid() / monitor_track_pid() - @on 1 adds, 0 removes. Return 0 or -errno. */
int monitor_ignore_pid(struct monitor *m, uint32_t tgid, int on);
int monitor_track_pid(struct monitor *m, uint32_t tgid, int on);

/* Hook groups attached right now (monitor_attached()). */
#define MONITOR_HOOK_SCHED   (1u << 0) /* sched_process_exec/fork/exit */
#define MONITOR_HOOK_SYSCALL (1u << 1) /* sys_exit (raw syscall tracepoint) */
#define MONITOR_HOOK_CGROUP  (1u << 2) /* cgroup sock_create (+ connect4/6: net_cgroup_only) */
#define MONITOR_HOOK_CAP     (1u << 3) /* cap_capable */
uint32_t monitor_attached(const struct monitor *m);

struct monitor_counters {
	uint64_t events;	/* delivered to the callback */
	uint64_t lost;		/* records the kernel could not write (ring buffer full), total */
	uint64_t decode_errors; /* malformed records (counted, skipped) */
	uint64_t by_kind[WARD_EV_DROPS + 1];
};
void monitor_get_counters(const struct monitor *m, struct monitor_counters *ret);

/* ---- `ward probe`: what this kernel supports ------------------------------------------------ */

#define MONITOR_PROBE_MAX_PROGS 16

struct monitor_probe_prog {
	const char *name; /* BPF function name, e.g. "ward_sched_exec" */
	const char *hook; /* its attach point, e.g. "tp_btf/sched_process_exec" */
	int loads;	  /* the verifier accepted it */
	int attaches;	  /* it attached (and was detached again) */
	int err;	  /* first negative errno, 0 if it loads and attaches */
};

struct monitor_probe {
	char kernel[128];  /* uname -r */
	int btf;	   /* /sys/kernel/btf/vmlinux readable */
	char cgroup2[256]; /* cgroup-v2 mount point, "" if none */
	struct monitor_probe_prog progs[MONITOR_PROBE_MAX_PROGS];
	unsigned n_progs;
	int ringbuf;	   /* BPF ring buffers work (the monitor's map loaded) */
	int fanotify_perm; /* FAN_OPEN_PERM + FAN_OPEN_EXEC_PERM marks can be placed */
	int fanotify_err;
	int lsm_listed;			      /* "bpf" in /sys/kernel/security/lsm */
	int lsm_loads, lsm_attaches, lsm_err; /* the BPF-LSM probe program */
	int monitor_ok; /* every always-on monitor program loads and attaches */
};

/*
 * monitor_probe_run() - load and attach (then detach) each monitor program on its own, and
 * check BTF, cgroup v2, fanotify permission events and BPF-LSM. Needs root for meaningful
 * answers; without it every program reports -EPERM. Return: 0 (the answers are in @ret even
 * when nothing works) or -ENOMEM.
 */
int monitor_probe_run(struct monitor_probe *ret);

/* monitor_probe_to_json() - @p as one JSON object (no newline). Return 0 or -ENOMEM. */
int monitor_probe_to_json(const struct monitor_probe *p, struct strbuf *out);

/*
 * monitor_path_hash() - the hash the kernel uses for path interest (FNV-1a 64 over the bytes,
 * trailing '/' removed). Exposed for tests.
 */
uint64_t monitor_path_hash(const char *path);

#endif
