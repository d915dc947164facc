/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.h - blocking what Block rules (and block postures) name, on kernels without BPF-LSM.
 *
 * Data path position (design.md §1, §4): the enforcers ask the same compiled decision
 * structure as the monitor and turn `deny` into a kernel answer:
 *
 *   fanotify permission event (FAN_OPEN_EXEC_PERM / FAN_OPEN_PERM on marked inodes, dirs,
 *     filesystems) ──▶ struct policy_event ──decide──▶ FAN_ALLOW / FAN_DENY (EPERM) ──▶ record
 *   cgroup-v2 BPF cgroup/sock_create ──▶ per-exe protocol deny masks filled from decisions
 *     ──▶ -EPERM in the kernel ──ring buffer──▶ record
 *
 * Every permission event is answered on every path (fail-open by default, counted). When the
 * process holding the enforcer dies, the kernel releases the fanotify group (pending events are
 * allowed) and the cgroup BPF links, so enforcement stops and nothing hangs.
 *
 * Threading: enforce_start() runs one thread that reads fanotify and the ring buffer; the
 * record callback is called from that thread. enforce_update() may be called from any thread.
 */
#ifndef WARD_ENFORCE_ENFORCE_H
#define WARD_ENFORCE_ENFORCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"

struct ward_record;
struct enforce;

/* Which enforcer a class uses (`ward probe`, the record's Enforcer field). */
enum enforce_backend {
	ENFORCE_BACKEND_NONE = 0, /* nothing can enforce this class here: audit only */
	ENFORCE_BACKEND_FANOTIFY,
	ENFORCE_BACKEND_CGROUP_BPF,
	ENFORCE_BACKEND_BPFLSM,
};

/* "fanotify", "cgroup-bpf", "BPFLSM" or "none". */
const char *enforce_backend_name(enum enforce_backend b);

/*
 * Who performed an operation, as the workload resolver knows it. The enforcer fills pid/tid
 * fields itself; the resolver adds the scope (host or container) and container identity.
 */
struct enforce_workload {
	const struct policy_scope *scope; /* rules for this workload; NULL = not enforced */
	const char *container_id;	  /* NULL/"" for host processes */
	const char *container_name;
	const char *container_image;
	const char *namespace_name;
	const char *pod_name;
	const char *labels; /* "k=v,k2=v2" */
	/*
	 * The container's root as a path in the enforcer's mount namespace (e.g. the overlay
	 * "merged" dir), stripped from event paths so rules match container-side paths. NULL/"" =
	 * host process.
	 */
	const char *root;
	pid_t ns_pid, ns_ppid; /* PID/PPID inside the workload's pid namespace (0 = unknown) */
};

/*
 * Decision hooks. enforce_open() builds them from a policy_set; tests and other callers may
 * supply their own. Every hook is called from the enforcer thread only.
 */
struct enforce_hooks {
	void *ctx;
	/*
	 * resolve() - the workload of host task @tgid. Strings must stay valid until the next
	 * resolve() call. Return 0, or -errno (the event is then decided with the host scope).
	 */
	int (*resolve)(void *ctx, pid_t tgid, struct enforce_workload *ret);
	/* decide() - the verdict for @ev in @scope (policy_scope_decide() in production). */
	void (*decide)(void *ctx, const struct policy_scope *scope, const struct policy_event *ev,
		       struct policy_verdict *ret);
	/* interest() - what to mark (policy_set_interest() in production). */
	void (*interest)(void *ctx, policy_interest_fn cb, void *cb_ctx);
	/*
	 * scope_interest() - optional: what to mark for one scope only. When set, host paths
	 * are marked for the host scope's rules and each container's root for its own rules
	 * (a container rule on /usr/lib/ then marks nothing on the host). Else interest() is
	 * used for every root.
	 */
	void (*scope_interest)(void *ctx, const struct policy_scope *scope, policy_interest_fn cb,
			       void *cb_ctx);
	/*
	 * source_matters() - optional: may the acting program (fromSource) change a verdict of
	 * @op in @scope? (policy_scope_has_source() in production). NULL: always.
	 */
	int (*source_matters)(void *ctx, const struct policy_scope *scope, enum policy_op op);
	/* host() - the host scope, used for host processes and when resolve() fails. */
	const struct policy_scope *(*host)(void *ctx);
};

/*
 * A block record, called on the enforcer thread. It must not block and must not open files
 * (hand the record to a queue): while it runs no permission event is answered, so an open of a
 * marked file (the store under protect_dirs, say) by this thread or one it waits for would wait
 * forever.
 */
typedef void (*enforce_record_fn)(void *ctx, const struct ward_record *r);

struct enforce_opts {
	int fail_closed;  /* on internal errors deny instead of allow (default 0: fail-open) */
	uint32_t fold_ms; /* identical blocks within this window fold into one record (1000) */
	int report_audit; /* also write records for non-denied alert verdicts seen here */
	/*
	 * Audit file rules that name paths or directories are marked too (FAN_OPEN_PERM) and
	 * their alerts written here (Action Audit, Enforcer "eBPF Monitor", Data as the
	 * monitor's tracepoint form), so the monitor needs no syscall hook for them (see
	 * enforce_set_audit_files()). Process Audit rules stay with the monitor (sched exec).
	 */
	int audit_files;
	int no_network;	       /* do not load the cgroup BPF enforcer */
	int no_fanotify;       /* do not start fanotify */
	const char *cgroup;    /* cgroup-v2 dir to attach to (default: the root, found in mounts) */
	const char *host_name; /* HostName (default: uname) */
	const char *cluster_name; /* ClusterName */
	/*
	 * Where "every exec/open of this class" (allow-lists, POLICY_INTEREST_ANY / GLOB) is
	 * watched: NULL-terminated list of paths whose filesystems get a FAN_MARK_FILESYSTEM
	 * mark (default {"/", NULL}). A directory path ending in "/." is marked as a directory
	 * (its direct children only) instead: tests use that to stay scoped to their files.
	 */
	const char *const *any_marks;
	/*
	 * Directories ward writes (policy dir, store dir): writes by any other process are
	 * denied by the built-in rule ENFORCE_SELF_RULE_NAME. NULL-terminated, may be NULL.
	 */
	const char *const *protect_dirs;
	/*
	 * > 0: the enforcer thread runs SCHED_FIFO at this priority (1-99), so no ordinary task
	 * preempts a decision half way (the p99 of a blocked exec on a busy machine). It only
	 * runs when an event or a ring-buffer record waits, and the kernel's RT throttling
	 * (sched_rt_runtime_us) still bounds it. 0 (default): the thread keeps the agent's
	 * policy. Needs CAP_SYS_NICE; a refusal is counted in stats.rt_refused.
	 */
	int rt_priority;
	/*
	 * Also sample the enforcer thread's CPU time over each decision (enforce_get_latencies()
	 * with cpu): two more system calls per permission event, so off by default (benches).
	 */
	int cpu_latency;
};

/* enforce_opts_init() - defaults: fail-open, 1 s folding, root cgroup, "/" for any-marks. */
void enforce_opts_init(struct enforce_opts *o);

/* Name of the built-in self-protection rule (PolicyName of its records). */
#define ENFORCE_SELF_RULE_NAME "ward-self-protection"

/*
 * enforce_self_rule_yaml() - the built-in rule as a KubeArmorHostPolicy document, so
 * `ward policy show` can list it. Static storage. @protect_dirs as in enforce_opts.
 * Return: 0 and the YAML appended to @out, or -ENOMEM.
 */
struct strbuf;
int enforce_self_rule_yaml(const char *const *protect_dirs, struct strbuf *out);

/* Counters (monotonic). */
struct enforce_stats {
	uint64_t perm_events;	/* fanotify permission events answered */
	uint64_t denied;	/* answered FAN_DENY because of a verdict */
	uint64_t errors;	/* internal errors while deciding (answered per fail mode) */
	uint64_t fail_denied;	/* of those, denied because of fail-closed */
	uint64_t self_allowed;	/* events of ward itself, always allowed */
	uint64_t cached;	/* ignore marks placed (allow decisions cached in the kernel) */
	uint64_t net_denied;	/* sockets denied in the kernel (cgroup BPF events) */
	uint64_t records;	/* records written */
	uint64_t folded;	/* blocks folded into an earlier record */
	uint64_t marks;		/* marks placed */
	uint64_t decide_ns_max; /* longest event read → response write */
	uint64_t rt_refused;	/* opts.rt_priority was asked for and refused (1) */
};

/*
 * enforce_start() - start the enforcers with custom hooks. @record is called (from the enforcer
 * thread) for each block record. Return 0, or -errno when no enforcer could start.
 */
int enforce_start(const struct enforce_hooks *hooks, const struct enforce_opts *opts,
		  enforce_record_fn record, void *record_ctx, struct enforce **ret);

/*
 * enforce_open() - enforce_start() with hooks over a compiled @set: host scope for host
 * processes; container processes through enforce_set_resolver() (until one is set, container
 * processes get the host scope). @set must outlive the enforcer or the next enforce_update().
 */
int enforce_open(const struct policy_set *set, const struct enforce_opts *opts,
		 enforce_record_fn record, void *record_ctx, struct enforce **ret);

/*
 * enforce_set_resolver() - how enforce_open()'s hooks find a task's container (the agent's
 * copy of the monitor's container table). Call before or after enforce_open(). @resolve runs
 * with the enforcer's lock held, on its thread or on the thread calling enforce_update() or
 * enforce_add_container(): it must not block (a lookup behind its own short lock, no runtime
 * queries, never a call back into the enforcer). A scope it returns must stay valid until the
 * enforcer's lock has been taken again after the scope was withdrawn (enforce_get_stats() does).
 */
void enforce_set_resolver(struct enforce *e,
			  int (*resolve)(void *ctx, pid_t tgid, struct enforce_workload *ret),
			  void *ctx);

/*
 * enforce_update() - switch to a new policy set (enforce_open()) or re-read the hooks'
 * interest (enforce_start(), @set NULL): marks and kernel maps are rebuilt, decisions use the
 * new set from the next event on. Return 0 or -errno (the old rules stay in force).
 */
int enforce_update(struct enforce *e, const struct policy_set *set);

/*
 * enforce_add_container() - mark a container's paths: @pid is any task in it (its
 * /proc/PID/root is the container's root). Call when the monitor learns a container; marks
 * go away with the container's filesystem. The same @pid again updates its entry. With a
 * resolver (enforce_set_resolver()) the marks follow the scope it gives for @pid, on every
 * enforce_update() too, and a container it no longer resolves drops out. Return 0 or -errno
 * (the container is then not kept: a task that has not entered its root yet, or is gone).
 */
int enforce_add_container(struct enforce *e, pid_t pid, const struct policy_scope *scope);

/*
 * enforce_set_audit_files() - switch opts.audit_files; the marks follow at the next
 * enforce_update(). Return 0, or -ENOTSUP when no fanotify group runs (the file class is not
 * served here: the monitor has to keep its syscall hook for file rules).
 */
int enforce_set_audit_files(struct enforce *e, int on);

/* enforce_get_stats() - a snapshot of the counters. */
void enforce_get_stats(struct enforce *e, struct enforce_stats *ret);

/*
 * enforce_get_latencies() - the decision times (fanotify event read → response written, ns)
 * of the last up to ENFORCE_LATENCY_SAMPLES denied events, oldest first, into @out (room for
 * @max): wall-clock time, or with @cpu the enforcer thread's CPU time over the same span
 * (what the work costs without the waits of a loaded machine; 0 unless opts.cpu_latency).
 * Return: the number written.
 */
#define ENFORCE_LATENCY_SAMPLES 4096
size_t enforce_get_latencies(struct enforce *e, int cpu, uint32_t *out, size_t max);

/* enforce_backend_for() - the backend this running enforcer uses for @op. */
enum enforce_backend enforce_backend_for(struct enforce *e, enum policy_op op);

/*
 * enforce_close() - stop the thread, answer pending events (allow), flush folded records,
 * detach BPF, close fanotify. NULL is fine.
 */
void enforce_close(struct enforce *e);

/* ---- probing ---------------------------------------------------------------------------- */

struct enforce_probe_result {
	int fanotify_exec;     /* FAN_OPEN_EXEC_PERM available: 0 or -errno */
	int fanotify_open;     /* FAN_OPEN_PERM available */
	int cgroup_bpf;	       /* cgroup/sock_create loads and attaches */
	int bpf_lsm;	       /* lsm/ programs load and attach */
	char cgroup_path[256]; /* the cgroup-v2 mount used */
	enum enforce_backend backend[POLICY_OP_COUNT]; /* per operation class */
};

/*
 * enforce_probe() - try each enforcer on this kernel (loads and detaches, touches nothing
 * else): BPF-LSM is preferred where it loads, else fanotify for process/file and cgroup BPF
 * for network/capabilities. For `ward probe`. Return 0 (result filled) or -errno.
 */
int enforce_probe(struct enforce_probe_result *ret);

#endif
