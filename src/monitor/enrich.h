/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enrich.h - the user side of the monitor (private to src/monitor/, src/agent/ and their tests):
 * the process table, the container table and the record builder.
 *
 * Data path position: decoded struct ward_event ──▶ process table (who did it: exe, parent,
 * args, cwd, tty, pids in its own namespace) ──▶ container table (which container, its name,
 * image, labels) ──▶ record builder (Operation/Resource/Data/Result exactly as KubeArmor's
 * monitor prints them, spec/kubearmor.md §3.5) ──▶ policy verdict ──▶ struct ward_record.
 *
 * Ownership: the tables own their entries; a struct mon_proc or mon_container pointer stays
 * valid until the next call that can remove entries (mon_proc_exit(), mon_ctr_forget()).
 * The builder's output borrows from the event, the entries and a caller-owned struct
 * mon_scratch, and is valid until the next build with the same scratch.
 */
#ifndef WARD_MONITOR_ENRICH_H
#define WARD_MONITOR_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"
#include "common/strbuf.h"
#include "monitor/event.h"
#include "policy/policy.h"
#include "record/record.h"

struct diag;

/* ---- containers ---------------------------------------------------------------------------- */

struct mon_container {
	char id[65];	      /* 64 hex digits */
	char *name;	      /* ContainerName and PodName ("" until the runtime answered) */
	char *image;	      /* ContainerImage */
	char *labels;	      /* Labels: "k=v,k2=v2" */
	char **label_list;    /* NULL-terminated "k=v" strings (policy selectors) */
	char *namespace_name; /* label kubearmor.io/namespace, else "container_namespace" */
	uint32_t pid_ns, mnt_ns;
	int fetched; /* 1 when the runtime API answered, -errno when it failed */
	void *scope; /* the agent's compiled policy scope for this container (agent owns it) */
	/*
	 * 1 once the enforcer has this container with its full identity (marks placed, rules
	 * of its own scope): the enforcer then writes its Block alerts (agent-owned flag).
	 */
	int enforced;
};

struct mon_ctr_table;

/*
 * mon_ctr_table_new() - @proc_root ("/proc" or a test folder), @sockets: NULL-terminated list of
 * Docker-compatible API unix sockets tried in order (NULL = /var/run/docker.sock,
 * /run/podman/podman.sock). Return: 0 or -ENOMEM.
 */
int mon_ctr_table_new(const char *proc_root, const char *const *sockets,
		      struct mon_ctr_table **ret);
/* mon_ctr_table_free() - @scope_free is called for every container's non-NULL scope. */
void mon_ctr_table_free(struct mon_ctr_table *t, void (*scope_free)(void *scope));

/*
 * mon_ctr_lookup() - the container a task in namespaces (@pid_ns, @mnt_ns) belongs to. Known
 * namespace pairs answer from the cache; a new pair reads /proc/@host_pid/cgroup once and, if a
 * container id is found there, asks the runtime API once (blocking, with a short timeout).
 * @cgroup_id (the event's cgroup-v2 id, 0 if unknown) names the container when the task has
 * already left /proc: the cgroup directory with that inode is looked up (cached).
 * Return: the container, or NULL for a host task or a task not in any known container.
 */
struct mon_container *mon_ctr_lookup(struct mon_ctr_table *t, uint32_t pid_ns, uint32_t mnt_ns,
				     uint32_t host_pid, uint64_t cgroup_id);
/*
 * mon_ctr_forget_pid_ns() - drop what is cached for namespace pairs with @pid_ns: its init
 * exited, so the namespace is gone and the kernel may give its inode number to the next
 * container's (seen here: a second container's tasks were named after the first one).
 * Container entries stay (tasks may still point at them).
 */
void mon_ctr_forget_pid_ns(struct mon_ctr_table *t, uint32_t pid_ns);
/* mon_ctr_count() - containers known. */
size_t mon_ctr_count(const struct mon_ctr_table *t);
/* mon_ctr_each() - call @fn for every container (e.g. to rebuild scopes after a reload). */
void mon_ctr_each(struct mon_ctr_table *t, void (*fn)(void *ctx, struct mon_container *c),
		  void *ctx);

/*
 * mon_cgroup_container_id() - the 64-hex container id in one /proc/PID/cgroup text (docker-,
 * cri-containerd-, crio-, libpod- scope names, or a bare /docker/<id> path), into @ret (65
 * bytes). Return: 0, or -ENOENT when the text names no container.
 */
int mon_cgroup_container_id(const char *cgroup_text, char *ret);

/*
 * mon_ctr_parse_inspect() - fill @c's name/image/labels/namespace from the JSON answer of
 * GET /containers/<id>/json. Return: 0, -EINVAL (not the expected JSON), -ENOMEM.
 */
int mon_ctr_parse_inspect(struct mon_container *c, const char *json, size_t len);

/* ---- processes ----------------------------------------------------------------------------- */

struct mon_proc {
	uint32_t host_pid, host_ppid; /* init pid namespace */
	uint32_t pid, ppid;	      /* in the task's own pid namespace (0 = parent outside it) */
	uint32_t uid;
	uint32_t pid_ns, mnt_ns;
	char *exe;    /* absolute, as the task's mount namespace sees it; "" if unknown */
	char *args;   /* argv[1..] joined by ' ' (at most 20, then "..."); "" if none */
	char *source; /* "<exe> <args>" (or exe alone) */
	char *cwd;    /* with a trailing '/' */
	char tty[16]; /* "pts1", "" if none */
	struct mon_container *ct; /* NULL for host tasks (or not resolved yet) */
	uint8_t ct_resolved;
	/*
	 * Exec session (KubeArmor's ExecEvent): a task that exec()s inside a pid namespace it
	 * entered from outside (docker/podman/kubectl exec, nsenter: setns, then fork + exec)
	 * starts a session; fork and exec inherit it. 0 = none. @exec_name is the comm of the
	 * program that started it (ExecutableName).
	 */
	uint64_t exec_id;
	uint32_t exec_pid_ns; /* the pid namespace the session was started in */
	char exec_name[16];
};

struct mon_proc_table;

/* mon_proc_table_new() - empty table reading /proc files under @proc_root. Return: 0/-ENOMEM. */
int mon_proc_table_new(const char *proc_root, struct mon_proc_table **ret);
void mon_proc_table_free(struct mon_proc_table *t);
/* mon_proc_seed() - add every process under proc_root. Return: processes added, or -errno. */
int mon_proc_seed(struct mon_proc_table *t);
/* mon_proc_count() - processes in the table. */
size_t mon_proc_count(const struct mon_proc_table *t);
/* mon_proc_each() - call @fn for every process in the table (no adding or removing in @fn). */
void mon_proc_each(struct mon_proc_table *t, void (*fn)(void *ctx, struct mon_proc *p), void *ctx);
/*
 * mon_proc_get() - the entry for @host_pid; reads it from /proc when it is not in the table
 * (a process that started before the agent and was missed, or a lost fork event).
 * Return: the entry, or NULL when the process is unknown and gone.
 */
struct mon_proc *mon_proc_get(struct mon_proc_table *t, uint32_t host_pid);
/*
 * mon_proc_from_event() - an entry made from what @ev itself says (pids, namespaces, uid; exe,
 * cwd, tty for an exec), for a task that left /proc before its events were read.
 * Return: the entry or NULL (out of memory).
 */
struct mon_proc *mon_proc_from_event(struct mon_proc_table *t, const struct ward_event *ev);
/* mon_proc_find() - the entry for @host_pid, without touching /proc. */
struct mon_proc *mon_proc_find(struct mon_proc_table *t, uint32_t host_pid);
/*
 * mon_proc_fork() - WARD_EV_FORK (@ev->host_pid = the parent, @ev->child_pid = the new process):
 * the child starts as a copy of the parent. mon_proc_exec() - a successful WARD_EV_EXEC replaces
 * exe/args (cwd/tty kept). mon_proc_exit() - WARD_EV_EXIT of a thread-group leader removes it.
 * Return: 0 or -ENOMEM.
 */
int mon_proc_fork(struct mon_proc_table *t, const struct ward_event *ev);
int mon_proc_exec(struct mon_proc_table *t, const struct ward_event *ev);
void mon_proc_exit(struct mon_proc_table *t, const struct ward_event *ev);
/*
 * mon_proc_session() - the exec session task @host_pid is in: from its entry, or for a task
 * that exited lately (the last 256 that were in a session) from what it had, so records made
 * after the task ended (the enforcer's folded blocks) still name it. Return: 1 with the id and
 * ExecutableName, or 0 (no session, or unknown).
 */
int mon_proc_session(struct mon_proc_table *t, uint32_t host_pid, uint64_t *exec_id,
		     char exec_name[16]);
/*
 * mon_proc_sweep() - remove entries whose process is gone from /proc (its exit event was lost
 * or never came). Invalidates mon_proc pointers. Return: entries removed.
 */
size_t mon_proc_sweep(struct mon_proc_table *t);
/*
 * mon_proc_refresh_cwd() - re-read /proc/PID/cwd (a relative path is about to be resolved and
 * the task may have changed directory). Return: 0 or -errno (entry unchanged).
 */
int mon_proc_refresh_cwd(struct mon_proc_table *t, struct mon_proc *p);
/*
 * mon_proc_fd_path() - what descriptor @fd of task @host_pid points to (for *at() dirfds), as
 * the task's mount namespace sees it, into @buf. Return: 0 or -errno.
 */
int mon_proc_fd_path(struct mon_proc_table *t, uint32_t host_pid, int fd, char *buf, size_t size);

/* mon_tty_name() - "pts1", "tty2", "ttyS0"... from /proc/PID/stat's tty_nr; "" if none. */
void mon_tty_name(uint32_t tty_nr, char *buf, size_t size);

/* ---- the record builder ------------------------------------------------------------------ */

/* Fixed per-agent record fields. */
struct mon_build_opts {
	const char *cluster;	/* ClusterName */
	const char *hostname;	/* HostName */
	const char *extra_json; /* extra_fields as raw JSON members, or NULL */
	/*
	 * 1 (default, as KubeArmor with an enforcer): Block and DefaultPosture verdicts become
	 * logs here because the enforcer writes the alert; 0: the monitor alerts them itself.
	 */
	int enforcer_alerts;
};

/* Caller-owned buffers the record's strings live in (reuse one per thread: no allocation). */
struct mon_scratch {
	struct strbuf resource, data, path, source, cwd, tmp;
	char result[64];
	char exec_id[24]; /* ExecEvent.ExecID in decimal */
};
void mon_scratch_init(struct mon_scratch *s);
void mon_scratch_done(struct mon_scratch *s);

/*
 * mon_build_event() - the event part of a record for @ev done by @p (may be NULL: the fields
 * then come from the event alone) whose parent is @parent (may be NULL): times, pids,
 * process names, Source, Operation, Resource, Data, Result, Cwd, TTY, container fields, and
 * the matcher's view of the same event in @ret_pe. Relative paths are resolved against the
 * dirfd or cwd via @pt (may be NULL in tests: then against @p->cwd).
 * Return: 0; -ENOENT for kinds that make no record (fork, exit, drops); -ENOMEM.
 */
int mon_build_event(const struct mon_build_opts *o, struct mon_proc_table *pt,
		    const struct ward_event *ev, struct mon_proc *p, const struct mon_proc *parent,
		    struct mon_scratch *s, struct ward_record *ret, struct policy_event *ret_pe);

/*
 * mon_apply_verdict() - Type, PolicyName, Severity, Tags, Message, Action, Enforcer from the
 * matcher's verdict (NULL = no policy engine: a log). @container: the event came from a
 * container. Return: 1 if the record is to be emitted, 0 if it is dropped (an Allow that
 * passed, or a down-graded host log while host visibility for it is off, see @visible).
 */
int mon_apply_verdict(const struct mon_build_opts *o, const struct policy_verdict *v, int visible,
		      struct ward_record *rec);

/*
 * mon_build_drop() - a SystemEvent record (Operation "Drop") saying @lost events were lost at
 * @where ("kernel ring buffer", "agent queue"), @total since start.
 */
void mon_build_drop(const struct mon_build_opts *o, int64_t ts_ns, const char *where, uint64_t lost,
		    uint64_t total, struct mon_scratch *s, struct ward_record *ret);

/* ---- names KubeArmor prints (§3.5) --------------------------------------------------------- */

/* "SYS_OPENAT"...; unknown numbers as "SYS_<n>" into @buf. */
const char *mon_syscall_name(int nr, char *buf, size_t size);
/* "O_WRONLY|O_CREAT|..." in KubeArmor's order. */
void mon_open_flags(uint32_t flags, struct strbuf *out);
/* "AF_INET", or the number. */
void mon_sock_domain(int domain, struct strbuf *out);
/* "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC" */
void mon_sock_type(int type, struct strbuf *out);
/* IANA protocol keyword ("HOPOPT" for 0, "TCP", "UDP", "IPv6-ICMP"...), or the number. */
void mon_ip_protocol(int proto, struct strbuf *out);
/* "CAP_NET_RAW", or the number. */
void mon_cap_name(int cap, struct strbuf *out);
/* "PTRACE_ATTACH", or "UNKNOWN(0x..)". */
void mon_ptrace_request(int64_t req, struct strbuf *out);
/* "Passed" for @retval >= 0, else the strerror text of -@retval ("Unknown error" if none). */
const char *mon_result(int64_t retval, char *buf, size_t size);
/*
 * mon_path_join() - @base (a directory, with or without '/') joined with relative @rel and
 * cleaned ("." and ".." removed, as Go's filepath.Join) into @out.
 */
void mon_path_join(const char *base, const char *rel, struct strbuf *out);

#endif
