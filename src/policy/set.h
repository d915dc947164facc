/* SPDX-License-Identifier: Apache-2.0 */
/*
 * set.h - the compiled decision structure (private to src/policy/: compile.c builds it, scope.c
 * selects per workload, match.c answers events, glob.c matches patterns).
 *
 * A policy_set holds every flattened rule (§2.2: one per fromSource entry) in policy order; the
 * rule index is its rule_id, so "first rule in policy order" is "lowest index". A policy_scope is
 * the subset of rules that apply to one workload, indexed for allocation-free lookups: open
 * addressing hash tables of exact paths, directory prefixes, exec names and fromSource paths, plus
 * short lists for globs, protocols, capabilities and syscalls. Every string is owned by the set's
 * arena; scopes only point into it.
 */
#ifndef WARD_POLICY_SET_H
#define WARD_POLICY_SET_H

#include <stddef.h>
#include <stdint.h>

#include "policy/ast.h"
#include "policy/policy.h"

enum prule_rtype {
	PRULE_PATH = 0,
	PRULE_DIR,
	PRULE_GLOB,
	PRULE_EXECNAME,
	PRULE_PROTO,   /* num = enum policy_proto; POLICY_PROTO_NONE = "all" */
	PRULE_CAP,     /* num = CAP_* number */
	PRULE_SYSCALL, /* num = x86-64 syscall number; res = matchPaths path or NULL */
	PRULE_DNS,     /* res = domain, lower-case, no leading/trailing dots */
};

enum prule_src {
	PRULE_SRC_NONE = 0,
	PRULE_SRC_PATH,
	PRULE_SRC_DIR, /* syscalls fromSource.dir (ends in '/') */
};

struct prule {
	uint8_t op;    /* enum policy_op */
	uint8_t rtype; /* enum prule_rtype */
	uint8_t owner_only, read_only, recursive;
	uint8_t src_kind, src_recursive;
	uint8_t is_allow;  /* action Allow or Audit (Allow): puts the class in allow-list mode */
	uint8_t pts_false; /* `pts: false`: the rule applies only to a process with a TTY (§2.5) */
	enum policy_action action; /* as written; `audited` is applied per scope (match.c ract()) */
	const char *res;	   /* path, dir, pattern, execname, or syscall path (may be NULL) */
	uint32_t res_len;
	const char *src; /* fromSource path/dir, NULL when none */
	uint32_t src_len;
	int32_t num;
	uint32_t glob_prefix; /* pattern: length of the literal prefix (fast reject) */
	uint32_t glob_dir;    /* pattern: literal prefix up to its last '/' (index key), 0 = none */
	struct policy_rule_info info;
};

struct pset_policy {
	enum policy_kind kind;
	const char *name;
	const char *namespace_name; /* KSP metadata.namespace, NULL = any */
	struct policy_label *labels;
	size_t n_labels;
	struct policy_expr *exprs; /* strv arrays point into the arena */
	size_t n_exprs;
	uint32_t first, last; /* rule index range [first, last) */
};

struct arena_chunk;

struct policy_set {
	struct prule *rules;
	size_t n_rules, cap_rules;
	struct pset_policy *pols;
	size_t n_pols, cap_pols;
	struct arena_chunk *arena;
	int audited;
	enum policy_posture host_posture[POLICY_CLASS_COUNT];
	enum policy_posture container_posture[POLICY_CLASS_COUNT];
	struct policy_scope *host_scope;
};

/* One hash table slot: a key and its run of rule indices in scope->ids. */
struct pscope_ent {
	uint64_t h;
	const char *key;  /* NULL = empty slot */
	const char *key2; /* second key part (fromSource path tables), else NULL */
	uint32_t len, len2;
	uint32_t off, n;
};

struct pscope_tab {
	struct pscope_ent *slots;
	uint32_t mask; /* slots - 1; 0 with slots == NULL when empty */
};

struct pscope_list {
	uint32_t off, n;
};

enum {
	PT_PATH_PROC = 0,
	PT_PATH_FILE,
	PT_DIR_PROC,
	PT_DIR_FILE,
	PT_SRC_PROC, /* fromSource rules other than exact paths, by source */
	PT_SRC_FILE,
	PT_SRCPATH_PROC, /* fromSource exact-path rules, by (source, path) */
	PT_SRCPATH_FILE,
	PT_GLOB_PROC, /* patterns, by the directory part of their literal prefix */
	PT_GLOB_FILE,
	PT_EXEC,
	PT_COUNT,
};

#define PSCOPE_CAP_MAX 64

struct policy_scope {
	const struct policy_set *set;
	int host;
	int audited; /* kubearmor-policy: audited for this workload (nothing denied) */
	enum policy_posture posture[POLICY_CLASS_COUNT];
	uint8_t allow_class[POLICY_CLASS_COUNT];
	uint8_t allow_dns; /* DNS has its own allow-list in the kernel (§2.6); network posture */
	uint32_t *ids;	   /* rule indices, grouped per key/list, ascending inside a group */
	size_t n_ids;
	struct pscope_tab tab[PT_COUNT];
	struct pscope_list
		glob[2]; /* patterns without a '/' literal prefix: [0] process, [1] file */
	struct pscope_list net[POLICY_PROTO_COUNT]; /* [POLICY_PROTO_NONE] = "all" rules */
	struct pscope_list cap[PSCOPE_CAP_MAX];
	struct pscope_list sys;
	struct pscope_list dns;
	size_t n_rules;
};

/* FNV-1a, incremental so a path's '/'-prefixes are hashed in one pass. */
#define PHASH_INIT 0xcbf29ce484222325ull
static inline uint64_t phash_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ull;
}
uint64_t phash(const char *s, size_t n);

/* The hash of a two-part key (source, path) from the parts' hashes. */
static inline uint64_t phash_mix(uint64_t a, uint64_t b)
{
	return (a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2))) * 0xff51afd7ed558ccdull;
}

/* scope.c: build a scope from a rule selection (rules[i] included when sel[i]). */
int pscope_build(const struct policy_set *s, const uint8_t *sel, int host,
		 struct policy_scope **ret);

/* glob.c */
int pglob_match(const char *pat, size_t plen, const char *s, size_t slen);
int pglob_go_regexp_ok(const char *pat);
uint32_t pglob_literal_prefix(const char *pat);

#endif
