/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ast.h - the typed form of one KubeArmor policy document (private to src/policy/).
 *
 * parse.c/validate.c produce it from YAML (every value checked against the CRD schema, every
 * node's position kept for messages); normalise.c applies KubeArmor's defaults and inheritance
 * in place (§1.11); compile.c turns a list of them into a struct policy_set.
 *
 * Ownership: a struct policy_doc owns everything it points to; all strings are heap copies.
 * Freed with policy_doc_free(). Optional scalars use has_* flags or 0 for "unset" where the
 * schema makes 0 impossible (severity is 1..10, so 0 = unset, as in KubeArmor).
 */
#ifndef WARD_POLICY_AST_H
#define WARD_POLICY_AST_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

enum policy_kind {
	POLICY_KIND_KSP = 0, /* KubeArmorPolicy */
	POLICY_KIND_HSP,     /* KubeArmorHostPolicy */
	POLICY_KIND_CSP,     /* KubeArmorClusterPolicy */
};

struct policy_pos {
	unsigned line, col; /* 1-based, from libyaml marks */
};

struct policy_strv {
	char **v; /* owned */
	size_t n;
};

/* severity/tags/message/action, on spec, on each section and on each rule (§1.11). */
struct policy_meta {
	int severity;		 /* 0 = unset */
	struct policy_strv tags; /* n == 0 = unset */
	int has_tags;
	char *message;		   /* NULL = unset */
	enum policy_action action; /* POLICY_ACTION_NONE = unset */
};

struct policy_source {
	char *path; /* fromSource[].path (NULL if dir form) */
	char *dir;  /* syscalls fromSource[].dir (trailing '/' added by normalise) */
	int recursive;
};

struct policy_sources {
	struct policy_source *v;
	size_t n;
};

/* One matchPaths / matchDirectories / matchPatterns entry of process or file. */
enum policy_match_kind {
	POLICY_MATCH_PATH = 0,
	POLICY_MATCH_EXECNAME, /* process.matchPaths[].execname */
	POLICY_MATCH_DIR,
	POLICY_MATCH_PATTERN,
};

struct policy_path_rule {
	enum policy_match_kind kind;
	char *value; /* path, execname, dir (ends in '/'), or pattern */
	int recursive, read_only, owner_only;
	int pts_false; /* pts: false given */
	struct policy_strv allowed_args;
	struct policy_sources from;
	struct policy_meta meta;
	struct policy_pos pos;
};

struct policy_path_section {
	struct policy_path_rule *v;
	size_t n;
	struct policy_meta meta; /* section-level defaults */
	int present;
};

struct policy_proto_rule {
	char *protocol; /* lower-cased after normalise; one protocol per rule after comma expansion */
	int pts_false;
	struct policy_sources from;
	struct policy_meta meta;
	struct policy_pos pos;
};

struct policy_dns_rule {
	char *domain;
	struct policy_sources from;
	struct policy_meta meta;
	struct policy_pos pos;
};

struct policy_network_section {
	struct policy_proto_rule *protocols;
	size_t n_protocols;
	struct policy_dns_rule *dns;
	size_t n_dns;
	struct policy_meta meta;
	int present;
};

struct policy_cap_rule {
	char *capability; /* lower-case without "cap_" after normalise, e.g. "net_raw" */
	struct policy_sources from;
	struct policy_meta meta;
	struct policy_pos pos;
};

struct policy_cap_section {
	struct policy_cap_rule *v;
	size_t n;
	struct policy_meta meta;
	int present;
};

/* syscalls.matchSyscalls[] (path == NULL) and syscalls.matchPaths[] (path set). */
struct policy_syscall_rule {
	struct policy_strv syscalls; /* names as written, e.g. "unlink" */
	char *path;		     /* matchPaths: a file or a dir ending in '/' */
	int recursive;
	struct policy_sources from;
	struct policy_meta meta;
	struct policy_pos pos;
};

struct policy_syscall_section {
	struct policy_syscall_rule *v;
	size_t n;
	struct policy_meta meta;
	int present;
};

struct policy_label {
	char *key, *value;
};

enum policy_expr_key {
	POLICY_EXPR_LABEL = 0,
	POLICY_EXPR_NAMESPACE,
};

struct policy_expr {
	enum policy_expr_key key;
	int not_in; /* operator NotIn (else In) */
	struct policy_strv values;
};

struct policy_selector {
	struct policy_label *labels; /* matchLabels (KSP) or nodeSelector.matchLabels (HSP) */
	size_t n_labels;
	struct policy_expr *exprs; /* matchExpressions (KSP, CSP) */
	size_t n_exprs;
};

struct policy_doc {
	enum policy_kind kind;
	char *source_file; /* where it came from (named so it does not clash with the file section) */
	struct policy_pos pos; /* position of the document start */
	char *name;	       /* metadata.name */
	char *namespace_name;  /* metadata.namespace (KSP), may be NULL */
	struct policy_selector selector;
	struct policy_path_section process, file;
	struct policy_network_section network;
	struct policy_cap_section capabilities;
	struct policy_syscall_section syscalls;
	struct policy_meta meta; /* spec-level severity/tags/message/action */
	int has_apparmor;	 /* spec.apparmor non-empty: skipped by the matcher (§1.10) */
	int has_presets;
	int has_device; /* spec.device (HSP USB rules): validated, not matched by ward */
};

struct policy_doc_list {
	struct policy_doc **v; /* owned */
	size_t n, cap;
};

void policy_doc_free(struct policy_doc *d);
/* policy_doc_list_push() - takes ownership of @d (freed on failure). Return: 0 or -ENOMEM. */
int policy_doc_list_push(struct policy_doc_list *l, struct policy_doc *d);

/* normalise.c: KubeArmor's defaults, inheritance and expansions (§1.11), in place. -ENOMEM only. */
int policy_doc_normalise(struct policy_doc *d);

#endif
