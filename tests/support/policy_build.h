/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_build.h - build struct policy_doc values in C for matcher tests and benchmarks, without
 * the YAML loader. Every string is copied; tpb_list_free() frees everything. Functions abort() on
 * out-of-memory (test code only).
 */
#ifndef WARD_TESTS_POLICY_BUILD_H
#define WARD_TESTS_POLICY_BUILD_H

#include "policy/ast.h"

struct policy_doc *tpb_doc(enum policy_kind kind, const char *name, const char *namespace_name);
/* spec-level action / severity / message / tags ("a,b") */
void tpb_spec(struct policy_doc *d, enum policy_action action, int severity, const char *message,
	      const char *tags);
/* a process or file rule; @kind PATH/EXECNAME/DIR/PATTERN */
struct policy_path_rule *tpb_path(struct policy_doc *d, enum policy_op op,
				  enum policy_match_kind kind, const char *value);
struct policy_proto_rule *tpb_proto(struct policy_doc *d, const char *protocol);
struct policy_cap_rule *tpb_cap(struct policy_doc *d, const char *capability);
/* syscall rule; @names comma-separated; @path NULL for matchSyscalls */
struct policy_syscall_rule *tpb_syscall(struct policy_doc *d, const char *names, const char *path);
/* fromSource entries: a path, or a dir (syscalls) */
void tpb_from(struct policy_sources *from, const char *path);
void tpb_from_dir(struct policy_sources *from, const char *dir, int recursive);
/* selectors: matchLabels / nodeSelector.matchLabels, matchExpressions (values comma-separated) */
void tpb_label(struct policy_doc *d, const char *key, const char *value);
void tpb_expr(struct policy_doc *d, enum policy_expr_key key, int not_in, const char *values);

struct policy_doc_list *tpb_list(void);
void tpb_push(struct policy_doc_list *l, struct policy_doc *d);
void tpb_list_free(struct policy_doc_list *l);

#endif
