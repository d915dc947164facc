/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h - the policy engine: KubeArmor policies in, one immutable decision structure out.
 *
 * Data path position: everything else (monitor, enforcers, store's `policy test`, server)
 * asks one question of a compiled struct policy_set: "given this event, which rule applies
 * and with what action?". YAML is read only here:
 *
 *   files ──parse (libyaml, marks)──▶ validate (CRD rules) ──▶ struct policy_doc (typed AST)
 *        ──normalise (inheritance, defaults, comma expansion)──▶ compile ──▶ struct policy_set
 *
 * A policy_set is immutable once built; reload builds a new one and swaps a pointer.
 * Decision functions never allocate and never take locks.
 */
#ifndef WARD_POLICY_POLICY_H
#define WARD_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"

struct diag;
struct strbuf;
struct policy_doc_list;
struct policy_set;
struct policy_scope;

/* ---- loading ------------------------------------------------------------------------------ */

/* Hard limits so hostile input costs bounded memory and time (tested at the limit). */
#define POLICY_MAX_FILE_SIZE (4u << 20) /* bytes per file */
#define POLICY_MAX_DEPTH     64		/* YAML nesting */
#define POLICY_MAX_NODES     (1u << 20) /* YAML nodes per file, aliases expanded */
#define POLICY_MAX_DOCS	     4096	/* documents per file */
#define POLICY_MAX_PATH_LEN  4096	/* a path/dir/pattern string */

/*
 * policy_load_paths() - load every KubeArmor document from files and directories.
 * @paths/@n: files or directories (directories: every *.yaml / *.yml below, sorted, recursive).
 * @ret: on success a list of valid, normalised documents (caller frees with policy_doc_list_free()).
 * @diag: every problem as FILE:LINE:COL errors; skipped non-KubeArmor kinds as notes.
 *
 * An invalid document never loads partially: it is left out of @ret and reported in @diag.
 * Return: number of invalid KubeArmor documents (0 = all valid), or -errno when a path cannot be
 * read at all (also reported in @diag).
 */
int policy_load_paths(const char *const *paths, size_t n, struct policy_doc_list **ret,
		      struct diag *diag);

/* policy_load_buffer() - the same for one in-memory file; @name is used in messages. */
int policy_load_buffer(const char *name, const char *buf, size_t len, struct policy_doc_list **ret,
		       struct diag *diag);

/* What one load saw, for `ward policy validate`'s summary line. */
struct policy_load_stats {
	size_t valid;	/* KubeArmor documents loaded */
	size_t invalid; /* KubeArmor documents rejected, plus files that could not be parsed */
	size_t skipped; /* other kinds (noted in diag) */
	size_t files;
};

/*
 * policy_load_file() - policy_load_paths() for one regular file, also counting what it saw.
 * @stats is added to (not reset). Return: as policy_load_paths().
 */
int policy_load_file(const char *path, struct policy_doc_list **ret,
		     struct policy_load_stats *stats, struct diag *diag);

/*
 * policy_list_files() - the files policy_load_paths() reads for @paths, in that order: a file as
 * given, a directory as every *.yaml / *.yml below it (sorted by name, recursive; names starting
 * with '.' and symlinked directories are not entered, so a Kubernetes ConfigMap mount is read
 * once). @ret is a NULL-terminated array; free with policy_file_list_free().
 * Return: the number of paths that could not be read (each reported in @diag; the others are
 * still listed and @ret is set), or -ENOMEM.
 */
int policy_list_files(const char *const *paths, size_t n, char ***ret, struct diag *diag);
void policy_file_list_free(char **files);

void policy_doc_list_free(struct policy_doc_list *l);
size_t policy_doc_list_count(const struct policy_doc_list *l);

/*
 * policy_doc_list_to_json() - the normalised policies (defaults and inheritance applied) as
 * JSON, for `ward policy show`. Return: 0 or -ENOMEM.
 */
int policy_doc_list_to_json(const struct policy_doc_list *l, struct strbuf *out);

/* ---- compiling ---------------------------------------------------------------------------- */

enum policy_posture {
	POLICY_POSTURE_AUDIT = 0, /* KubeArmor's code default */
	POLICY_POSTURE_BLOCK,
	POLICY_POSTURE_ALLOW,
};

/* Resource classes that have their own default posture (§2.7). Process and file share one. */
enum policy_class {
	POLICY_CLASS_FILE = 0, /* process + file */
	POLICY_CLASS_NETWORK,
	POLICY_CLASS_CAPABILITIES,
	POLICY_CLASS_COUNT,
};

struct policy_host {
	const char *hostname;	   /* kubearmor.io/hostname */
	const char *const *labels; /* extra node labels "k=v", NULL-terminated; may be NULL */
};

struct policy_compile_opts {
	struct policy_host host;
	enum policy_posture host_posture[POLICY_CLASS_COUNT];
	enum policy_posture container_posture[POLICY_CLASS_COUNT];
	int audited; /* kubearmor-policy: audited (nothing enforced; Block → "Audit (Block)") */
};

/* policy_compile_opts_init() - KubeArmor's defaults: every posture audit, this machine's hostname. */
void policy_compile_opts_init(struct policy_compile_opts *o);

/*
 * policy_set_compile() - build the immutable decision structure. Borrows nothing from @docs
 * after return (the set owns copies). Return: 0, -ENOMEM, or -EINVAL with @diag filled.
 */
int policy_set_compile(const struct policy_doc_list *docs, const struct policy_compile_opts *o,
		       struct policy_set **ret, struct diag *diag);
void policy_set_free(struct policy_set *s);
size_t policy_set_rule_count(const struct policy_set *s);

/* ---- workloads ---------------------------------------------------------------------------- */

/*
 * A container's identity, as the monitor learned it from the runtime. Labels are "k=v" strings.
 */
struct policy_container {
	const char *namespace_name; /* "container_namespace" when the runtime gives none */
	const char *container_name;
	const char *const *labels; /* NULL-terminated "k=v" list */
};

/*
 * policy_set_host_scope() - the rules that apply to this host (HSPs whose nodeSelector matches).
 * Borrowed, valid while @s lives. Never NULL.
 */
const struct policy_scope *policy_set_host_scope(const struct policy_set *s);

/*
 * policy_set_container_scope() - the rules (KSP + CSP) that apply to a container. Allocates
 * once per container; the monitor caches it with the container and frees it with
 * policy_scope_free() (or when the set is replaced). Return: 0 or -ENOMEM.
 */
int policy_set_container_scope(const struct policy_set *s, const struct policy_container *c,
			       struct policy_scope **ret);
void policy_scope_free(struct policy_scope *sc);

/*
 * policy_scope_set_posture() - override a container scope's default posture per class, e.g.
 * from the kubearmor-file/network/capabilities-posture namespace annotations (§2.7). Call it
 * right after policy_set_container_scope(), before the scope is shared with other threads.
 */
void policy_scope_set_posture(struct policy_scope *sc,
			      const enum policy_posture posture[POLICY_CLASS_COUNT]);
/*
 * policy_scope_set_audited() - `kubearmor-policy: audited` for one workload (KubeArmor forces it
 * for kube-system and Cilium pods, §2.6): nothing is denied, Block/Allow read "Audit (Block)"/
 * "Audit (Allow)". The set-wide default is policy_compile_opts.audited. Same calling rule as
 * policy_scope_set_posture().
 */
void policy_scope_set_audited(struct policy_scope *sc, int audited);
int policy_scope_is_host(const struct policy_scope *sc);

/* ---- deciding ----------------------------------------------------------------------------- */

enum policy_op {
	POLICY_OP_PROCESS = 0,
	POLICY_OP_FILE,
	POLICY_OP_NETWORK,
	POLICY_OP_CAPABILITIES,
	POLICY_OP_SYSCALL,
	POLICY_OP_COUNT,
};

/*
 * policy_set_has_container_rules() - does a container policy (KubeArmorPolicy or
 * KubeArmorClusterPolicy) of @s hold a rule of operation @op?
 */
int policy_set_has_container_rules(const struct policy_set *s, enum policy_op op);

enum policy_action {
	POLICY_ACTION_NONE = 0,
	POLICY_ACTION_ALLOW,
	POLICY_ACTION_AUDIT,
	POLICY_ACTION_BLOCK,
	POLICY_ACTION_AUDIT_ALLOW, /* "Audit (Allow)" */
	POLICY_ACTION_AUDIT_BLOCK, /* "Audit (Block)" */
};

/* "Allow", "Audit", "Block", "Audit (Allow)", "Audit (Block)"; "" for NONE. */
const char *policy_action_to_string(enum policy_action a);
const char *policy_op_to_string(enum policy_op op); /* "Process", "File", ... */

/* Network protocol / socket-type rule names, as numbers for the hot path. */
enum policy_proto {
	POLICY_PROTO_NONE = 0,
	POLICY_PROTO_TCP,
	POLICY_PROTO_UDP,
	POLICY_PROTO_ICMP,
	POLICY_PROTO_ICMPV6,
	POLICY_PROTO_SCTP,
	POLICY_PROTO_RAW, /* socket types from here on */
	POLICY_PROTO_STREAM,
	POLICY_PROTO_DGRAM,
	POLICY_PROTO_RDM,
	POLICY_PROTO_SEQPACKET,
	POLICY_PROTO_DCCP,
	POLICY_PROTO_PACKET,
	POLICY_PROTO_COUNT,
};

/*
 * policy_proto_classify() - the protocol rule names a socket(domain, type, protocol) call
 * satisfies, as a bit mask of (1u << enum policy_proto): e.g. AF_INET/SOCK_STREAM/0 →
 * TCP|STREAM, AF_INET/SOCK_RAW/IPPROTO_ICMP → ICMP|RAW. (KubeArmor's fetchProtocol, §2.3.)
 */
uint32_t policy_proto_classify(int domain, int type, int protocol);

/*
 * One event, as the matcher needs it. All strings are borrowed for the duration of the call.
 * The monitor fills this from a decoded kernel event; the enforcers fill it from a fanotify
 * permission event (result not known yet: use POLICY_RESULT_PENDING).
 */
#define POLICY_RESULT_PENDING INT32_MIN

struct policy_event {
	enum policy_op op;
	const char *process; /* ProcessName: absolute exe path (for exec: the new image) */
	const char *parent;  /* ParentProcessName */
	const char *source;  /* Source as in the record (exec: parent exe; else "<exe> <args>") */
	/*
	 * Process: the executable path (== process). File: the absolute path accessed.
	 * Syscall: the path argument, if any. Network/Capabilities: unused (NULL).
	 */
	const char *path;
	int32_t result;	    /* 0 = Passed, -errno = failed, POLICY_RESULT_PENDING = not yet known */
	uint32_t uid;	    /* acting uid */
	uint32_t owner_uid; /* inode owner of path (ownerOnly); valid when has_owner */
	uint8_t has_owner;
	uint8_t is_write; /* file opened for anything but O_RDONLY, or a modifying syscall */
	uint8_t has_tty;
	uint32_t protos;    /* network: mask from policy_proto_classify() */
	int32_t capability; /* capabilities: CAP_* number */
	int32_t syscall_nr; /* syscall: x86-64 number */
	/*
	 * Network: the DNS query name of a DNS event (lower-case, no trailing dot); NULL for socket
	 * events. A DNS event is matched against matchDNSQueries rules only (protos unused).
	 */
	const char *domain;
};

enum policy_verdict_kind {
	POLICY_VERDICT_LOG = 0, /* no rule: a visibility log (HostLog/ContainerLog) */
	POLICY_VERDICT_ALERT,	/* an alert: MatchedPolicy / MatchedHostPolicy */
	POLICY_VERDICT_DROP,	/* matched an Allow rule and passed: no record at all (§2.6) */
};

/* Alert fields of a matched rule, precomputed at compile time (all borrowed from the set). */
struct policy_rule_info {
	const char *policy_name; /* metadata.name */
	const char *severity;	 /* "1".."10" or "" */
	const char *tags;	 /* "a,b,c" or "" */
	const char *message;
	enum policy_action action; /* as written (after inheritance) */
	uint32_t rule_id;	   /* stable index within the set, for counters */
};

struct policy_verdict {
	enum policy_verdict_kind kind;
	enum policy_action action; /* the record's Action (may be Audit (Block) etc.) */
	uint8_t deny;		 /* enforcers: deny this operation (Block rule or block posture) */
	uint8_t default_posture; /* PolicyName is "DefaultPosture" */
	uint8_t host; /* Type MatchedHostPolicy/HostLog rather than MatchedPolicy/ContainerLog */
	const struct policy_rule_info *rule; /* NULL for DefaultPosture and logs */
};

/*
 * policy_scope_decide() - KubeArmor's userspace decision (§2.8) for one event, plus the
 * enforcement answer. No allocation, no locks; safe from any thread while the set lives.
 *
 * @ret->deny follows BPF-LSM's precedence (§2.4): for process/file the most specific rule wins
 * (fromSource rules before others; exact path, then execname, then the deepest directory, then a
 * pattern); a Block rule denies unless the event is inside its readOnly/ownerOnly subset; an
 * Allow-listed class with block posture denies what no Allow rule covers. Network and
 * capabilities: any matching Block rule, or block posture outside the allow list. Syscall rules
 * and `audited` never deny. With result POLICY_RESULT_PENDING the record fields are those of the
 * event as it will end: "Permission denied" when deny is set, "Passed" otherwise.
 * fromSource compares with the process or its parent (process/file), the first token of
 * Source or the process (network/capabilities/syscalls).
 */
void policy_scope_decide(const struct policy_scope *sc, const struct policy_event *ev,
			 struct policy_verdict *ret);

/* Does a process (@op POLICY_OP_PROCESS) or file rule of @sc name a fromSource? If not, the
 * acting program cannot change a verdict of that op (an enforcer may read it later). */
int policy_scope_has_source(const struct policy_scope *sc, enum policy_op op);

/* ---- what the kernel side needs -------------------------------------------------------------- */

/*
 * policy_set_interest() - the exact paths (PATH), directories (DIR, with recursive flag) and
 * whether any glob or protocol rule exists, per operation, over all scopes. The monitor uses it
 * to drop in the kernel what no rule can match; the enforcers use it to place fanotify marks.
 * @cb is called once per item; strings are borrowed for the call.
 */
enum policy_interest_kind {
	POLICY_INTEREST_PATH = 0,
	POLICY_INTEREST_DIR,
	POLICY_INTEREST_DIR_RECURSIVE,
	POLICY_INTEREST_GLOB, /* the pattern; any path may match */
	POLICY_INTEREST_ANY, /* an allow-list class or protocol rule: every event of this op matters */
};
typedef void (*policy_interest_fn)(void *ctx, enum policy_op op, enum policy_interest_kind kind,
				   const char *value, enum policy_action action);
void policy_set_interest(const struct policy_set *s, policy_interest_fn cb, void *ctx);

/*
 * policy_scope_interest() - the same for the rules of one scope only (the host, or one
 * container). Both also report the fromSource program of each network/capability rule as a
 * POLICY_INTEREST_PATH item of that op (the enforcer marks the program, not a target path).
 * Item order follows the scope's index, not policy order.
 */
void policy_scope_interest(const struct policy_scope *sc, policy_interest_fn cb, void *ctx);

#endif
