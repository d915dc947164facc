/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.h - private to src/policy/: the generic YAML tree that parse.c builds from libyaml events,
 * and the compiled-in CRD schema tables (schema_gen.c) that validate.c walks it against.
 *
 * Ownership: every node of one document lives in one arena (struct ytree) and is freed with it.
 * Aliases are not copied: an alias points at its anchored node, so a tree can be a DAG. Its
 * expanded size (what a naive consumer would see) is bounded at parse time by POLICY_MAX_NODES,
 * and every walker of the tree is linear in that expanded size, so an alias bomb fails fast.
 */
#ifndef WARD_POLICY_LOAD_H
#define WARD_POLICY_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "policy/ast.h"

struct diag;

/* ---- the generic tree ----------------------------------------------------------------------- */

enum ynode_type {
	YNODE_SCALAR = 0,
	YNODE_SEQ,
	YNODE_MAP,
};

/* What a scalar resolves to under YAML 1.1 as go-yaml v2 (kubectl's sigs.k8s.io/yaml) does it. */
enum yscalar_kind {
	YSCALAR_STR = 0,
	YSCALAR_NULL,
	YSCALAR_BOOL,
	YSCALAR_INT,
	YSCALAR_FLOAT,
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_type type;
	struct policy_pos pos; /* 1-based start mark */
	/* scalar */
	enum yscalar_kind kind;
	char *str; /* NUL-terminated; may contain NULs before len (then never a valid value) */
	size_t len;
	int64_t ival;
	int bval;
	int plain; /* a plain (unquoted) scalar: only a plain "<<" is a merge key */
	/* seq: items[n]; map: pairs[n] */
	struct ynode **items;
	struct ypair *pairs;
	size_t n;
	size_t weight;	 /* nodes in this subtree with aliases expanded (itself included) */
	unsigned height; /* nesting levels below and including this node, aliases expanded */
};

struct ytree_chunk;

/* One YAML document: its arena and root (NULL for an empty document). */
struct ytree {
	struct ytree_chunk *chunks;
	struct ynode *root;
	struct policy_pos pos; /* document start */
	/* Duplicate keys seen (the last one is kept, as kubectl's decoder does); the validator
	 * warns about them for KubeArmor kinds only, since other kinds are skipped. */
	const struct ynode *dup_key[8], *dup_first[8];
	size_t n_dups;
};

/* Parser state over one file buffer; see parse.c. */
struct yparse;

/*
 * yparse_new() - start parsing @buf (@len bytes, need not be NUL-terminated); messages name
 * @file. Checks size and UTF-8 up front. Return: 0 or -errno (-EINVAL with @diag filled,
 * -ENOMEM).
 */
int yparse_new(const char *file, const char *buf, size_t len, struct diag *diag,
	       struct yparse **ret);
/*
 * yparse_next() - the next document into @t (caller frees with ytree_done()).
 * Return: 1 a document, 0 end of stream, -EINVAL syntax error or limit (reported in @diag;
 * parsing cannot continue), -ENOMEM.
 */
int yparse_next(struct yparse *p, struct ytree *t);
void yparse_free(struct yparse *p);
void ytree_done(struct ytree *t);

/* ymap_get() - the value for @key in map @m, or NULL. */
const struct ynode *ymap_get(const struct ynode *m, const char *key);
/* ynode_type_name() - "string", "integer", "null", "array", "object", ... for messages. */
const char *ynode_type_name(const struct ynode *n);

/* ---- the schema tables ---------------------------------------------------------------------- */

enum schema_type {
	SCHEMA_OBJECT = 0, /* fixed properties; unknown fields rejected */
	SCHEMA_ANY_OBJECT, /* `type: object` without properties (metadata): anything goes */
	SCHEMA_MAP,	   /* additionalProperties: string → items */
	SCHEMA_ARRAY,
	SCHEMA_STRING,
	SCHEMA_INTEGER,
	SCHEMA_BOOLEAN,
};

/* The CRD `pattern:` values, matched with ECMA-262 semantics by validate.c. */
enum schema_pattern {
	SCHEMA_PAT_NONE = 0,
	SCHEMA_PAT_PATH,    /* ^\/+.*[^\/]$ */
	SCHEMA_PAT_DIR,	    /* ^\/$|^\/.*\/$ */
	SCHEMA_PAT_EXEC,    /* ^[^\/]+$ */
	SCHEMA_PAT_SYSPATH, /* (^\/+.*[^\/]$)|(^\/$|^\/.*\/$) */
	SCHEMA_PAT_PROTO,   /* (tcp|TCP|...|all|ALL)$ */
	SCHEMA_PAT_CAP,	    /* (chown|...|mac_admin)$ */
};

struct schema_node;

struct schema_prop {
	const char *name;
	const struct schema_node *node;
};

struct schema_node {
	enum schema_type type;
	const struct schema_prop *props; /* sorted by name */
	size_t n_props;
	const struct schema_node *items; /* array items, or map values */
	const char *const *required;
	size_t n_required;
	const char *const *enum_values;
	size_t n_enum;
	enum schema_pattern pattern;
	int has_min, has_max, int32;
	int64_t min, max;
	int max_length, max_items; /* -1 = none */
};

struct schema_kind {
	const char *kind;
	const char *api_version;
	const struct schema_node *root;
};

extern const struct schema_kind schema_kinds[];
extern const size_t schema_n_kinds;

/* schema_pattern_match() - ECMA-262 (unanchored search) result of the CRD regex on @s. */
int schema_pattern_match(enum schema_pattern p, const char *s, size_t len);
/* schema_pattern_source() - the regex text as written in the CRD. */
const char *schema_pattern_source(enum schema_pattern p);
/* schema_prop_find() - property @name of object node @n, or NULL. */
const struct schema_node *schema_prop_find(const struct schema_node *n, const char *name);

/* ---- validate + convert --------------------------------------------------------------------- */

/*
 * policy_doc_from_tree() - one parsed document. Non-KubeArmor kinds get a note and return 0
 * with *@ret = NULL. A KubeArmor document is checked against its CRD (every problem reported)
 * and, only when valid, converted into a new struct policy_doc (not yet normalised).
 * Return: 0 (*@ret set or NULL for skipped/empty), -EINVAL invalid (reported), -ENOMEM.
 */
int policy_doc_from_tree(const char *file, const struct ytree *t, struct diag *diag,
			 struct policy_doc **ret);

/*
 * policy_doc_convert() - the typed AST of a document that passed validation (so every type is
 * known to be right). Return: 0 or -ENOMEM.
 */
int policy_doc_convert(const char *file, const struct ytree *t, enum policy_kind kind,
		       struct policy_doc **ret);

#endif
