/* SPDX-License-Identifier: Apache-2.0 */
/*
 * convert.c - a validated YAML tree → struct policy_doc (ast.h), and the AST's destructors.
 *
 * Only called after validate.c accepted the document, so every field has the CRD's type and
 * this file checks nothing but allocation failures. Rules keep the position of their YAML node
 * so later stages can point at them. A process.matchPaths[] entry with neither path nor
 * execname (the CRD has no `required` there) can never match and is left out.
 */
#include "policy/load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- destructors -------------------------------------------------------------------------- */

static void strv_free(struct policy_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	*v = (struct policy_strv){ 0 };
}

static void meta_free(struct policy_meta *m)
{
	strv_free(&m->tags);
	free(m->message);
	m->message = NULL;
}

static void sources_free(struct policy_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].dir);
	}
	free(s->v);
	*s = (struct policy_sources){ 0 };
}

static void path_section_free(struct policy_path_section *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct policy_path_rule *r = &s->v[i];
		free(r->value);
		strv_free(&r->allowed_args);
		sources_free(&r->from);
		meta_free(&r->meta);
	}
	free(s->v);
	meta_free(&s->meta);
}

void policy_doc_free(struct policy_doc *d)
{
	if (!d)
		return;
	free(d->source_file);
	free(d->name);
	free(d->namespace_name);
	for (size_t i = 0; i < d->selector.n_labels; i++) {
		free(d->selector.labels[i].key);
		free(d->selector.labels[i].value);
	}
	free(d->selector.labels);
	for (size_t i = 0; i < d->selector.n_exprs; i++)
		strv_free(&d->selector.exprs[i].values);
	free(d->selector.exprs);
	path_section_free(&d->process);
	path_section_free(&d->file);
	for (size_t i = 0; i < d->network.n_protocols; i++) {
		free(d->network.protocols[i].protocol);
		sources_free(&d->network.protocols[i].from);
		meta_free(&d->network.protocols[i].meta);
	}
	free(d->network.protocols);
	for (size_t i = 0; i < d->network.n_dns; i++) {
		free(d->network.dns[i].domain);
		sources_free(&d->network.dns[i].from);
		meta_free(&d->network.dns[i].meta);
	}
	free(d->network.dns);
	meta_free(&d->network.meta);
	for (size_t i = 0; i < d->capabilities.n; i++) {
		free(d->capabilities.v[i].capability);
		sources_free(&d->capabilities.v[i].from);
		meta_free(&d->capabilities.v[i].meta);
	}
	free(d->capabilities.v);
	meta_free(&d->capabilities.meta);
	for (size_t i = 0; i < d->syscalls.n; i++) {
		strv_free(&d->syscalls.v[i].syscalls);
		free(d->syscalls.v[i].path);
		sources_free(&d->syscalls.v[i].from);
		meta_free(&d->syscalls.v[i].meta);
	}
	free(d->syscalls.v);
	meta_free(&d->syscalls.meta);
	meta_free(&d->meta);
	free(d);
}

int policy_doc_list_push(struct policy_doc_list *l, struct policy_doc *d)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct policy_doc **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			policy_doc_free(d);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = d;
	return 0;
}

void policy_doc_list_free(struct policy_doc_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		policy_doc_free(l->v[i]);
	free(l->v);
	free(l);
}

size_t policy_doc_list_count(const struct policy_doc_list *l)
{
	return l ? l->n : 0;
}

/* ---- tree readers (types already validated) ----------------------------------------------- */

/* Allocation failures are sticky: readers return NULL/0 and set c->oom; checked once at the end. */
struct conv {
	int oom;
};

static char *dup_str(struct conv *c, const struct ynode *n)
{
	if (!n || n->type != YNODE_SCALAR)
		return NULL;
	char *s = strdup(n->str);
	if (!s)
		c->oom = 1;
	return s;
}

static int get_bool(const struct ynode *m, const char *key)
{
	const struct ynode *n = ymap_get(m, key);
	return n && n->type == YNODE_SCALAR && n->kind == YSCALAR_BOOL && n->bval;
}

static int get_false(const struct ynode *m, const char *key)
{
	const struct ynode *n = ymap_get(m, key);
	return n && n->type == YNODE_SCALAR && n->kind == YSCALAR_BOOL && !n->bval;
}

static void *alloc_array(struct conv *c, size_t n, size_t size)
{
	if (!n)
		return NULL;
	void *p = calloc(n, size);
	if (!p)
		c->oom = 1;
	return p;
}

static void read_strv(struct conv *c, const struct ynode *seq, struct policy_strv *ret)
{
	if (!seq || seq->type != YNODE_SEQ)
		return;
	ret->v = alloc_array(c, seq->n, sizeof(char *));
	if (!ret->v)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		ret->v[i] = dup_str(c, seq->items[i]);
		if (!ret->v[i])
			return;
		ret->n++;
	}
}

static enum policy_action parse_action(const char *s)
{
	if (!s)
		return POLICY_ACTION_NONE;
	/* lower-case forms: accepted by the daemon (§1.11), rejected by the CRD before here */
	if (strcasecmp(s, "allow") == 0)
		return POLICY_ACTION_ALLOW;
	if (strcasecmp(s, "audit") == 0)
		return POLICY_ACTION_AUDIT;
	if (strcasecmp(s, "block") == 0)
		return POLICY_ACTION_BLOCK;
	return POLICY_ACTION_NONE;
}

static void read_meta(struct conv *c, const struct ynode *m, struct policy_meta *ret)
{
	const struct ynode *n = ymap_get(m, "severity");
	if (n && n->type == YNODE_SCALAR && (n->kind == YSCALAR_INT || n->kind == YSCALAR_FLOAT))
		ret->severity = n->kind == YSCALAR_INT ? (int)n->ival : (int)strtod(n->str, NULL);
	n = ymap_get(m, "tags");
	if (n) {
		ret->has_tags = 1;
		read_strv(c, n, &ret->tags);
	}
	n = ymap_get(m, "message");
	if (n)
		ret->message = dup_str(c, n);
	n = ymap_get(m, "action");
	if (n)
		ret->action = parse_action(n->str);
}

static void read_sources(struct conv *c, const struct ynode *m, struct policy_sources *ret)
{
	const struct ynode *seq = ymap_get(m, "fromSource");
	if (!seq || seq->type != YNODE_SEQ)
		return;
	ret->v = alloc_array(c, seq->n, sizeof(*ret->v));
	if (!ret->v)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		struct policy_source *s = &ret->v[ret->n++];
		const struct ynode *p = ymap_get(it, "path"), *d = ymap_get(it, "dir");
		if (p)
			s->path = dup_str(c, p);
		if (d)
			s->dir = dup_str(c, d);
		s->recursive = get_bool(it, "recursive");
	}
}

static const struct ynode *seq_of(const struct ynode *m, const char *key)
{
	const struct ynode *n = ymap_get(m, key);
	return n && n->type == YNODE_SEQ ? n : NULL;
}

static size_t seq_len(const struct ynode *m, const char *key)
{
	const struct ynode *n = seq_of(m, key);
	return n ? n->n : 0;
}

static void read_path_section(struct conv *c, const struct ynode *sec, int is_process,
			      struct policy_path_section *ret)
{
	if (!sec || sec->type != YNODE_MAP)
		return;
	ret->present = 1;
	read_meta(c, sec, &ret->meta);
	size_t total = seq_len(sec, "matchPaths") + seq_len(sec, "matchDirectories") +
		       seq_len(sec, "matchPatterns");
	ret->v = alloc_array(c, total, sizeof(*ret->v));
	if (!ret->v)
		return;
	static const char *const lists[] = { "matchPaths", "matchDirectories", "matchPatterns" };
	for (size_t l = 0; l < 3; l++) {
		const struct ynode *seq = seq_of(sec, lists[l]);
		for (size_t i = 0; seq && i < seq->n; i++) {
			const struct ynode *it = seq->items[i];
			struct policy_path_rule r = { .pos = it->pos };
			const struct ynode *v;
			if (l == 0) {
				v = ymap_get(it, "path");
				r.kind = POLICY_MATCH_PATH;
				if (!v && is_process) {
					v = ymap_get(it, "execname");
					r.kind = POLICY_MATCH_EXECNAME;
				}
				if (!v)
					continue;
			} else if (l == 1) {
				v = ymap_get(it, "dir");
				r.kind = POLICY_MATCH_DIR;
			} else {
				v = ymap_get(it, "pattern");
				r.kind = POLICY_MATCH_PATTERN;
			}
			r.value = dup_str(c, v);
			r.recursive = get_bool(it, "recursive");
			r.read_only = get_bool(it, "readOnly");
			r.owner_only = get_bool(it, "ownerOnly");
			r.pts_false = get_false(it, "pts");
			read_strv(c, ymap_get(it, "allowedArgs"), &r.allowed_args);
			read_sources(c, it, &r.from);
			read_meta(c, it, &r.meta);
			ret->v[ret->n++] = r;
		}
	}
}

static void read_network(struct conv *c, const struct ynode *sec,
			 struct policy_network_section *ret)
{
	if (!sec || sec->type != YNODE_MAP)
		return;
	ret->present = 1;
	read_meta(c, sec, &ret->meta);
	const struct ynode *seq = seq_of(sec, "matchProtocols");
	if (seq) {
		ret->protocols = alloc_array(c, seq->n, sizeof(*ret->protocols));
		for (size_t i = 0; ret->protocols && i < seq->n; i++) {
			const struct ynode *it = seq->items[i];
			struct policy_proto_rule *r = &ret->protocols[ret->n_protocols++];
			r->pos = it->pos;
			r->protocol = dup_str(c, ymap_get(it, "protocol"));
			r->pts_false = get_false(it, "pts");
			read_sources(c, it, &r->from);
			read_meta(c, it, &r->meta);
		}
	}
	seq = seq_of(sec, "matchDNSQueries");
	if (seq) {
		ret->dns = alloc_array(c, seq->n, sizeof(*ret->dns));
		for (size_t i = 0; ret->dns && i < seq->n; i++) {
			const struct ynode *it = seq->items[i];
			struct policy_dns_rule *r = &ret->dns[ret->n_dns++];
			r->pos = it->pos;
			r->domain = dup_str(c, ymap_get(it, "domain"));
			read_sources(c, it, &r->from);
			read_meta(c, it, &r->meta);
		}
	}
}

static void read_caps(struct conv *c, const struct ynode *sec, struct policy_cap_section *ret)
{
	if (!sec || sec->type != YNODE_MAP)
		return;
	ret->present = 1;
	read_meta(c, sec, &ret->meta);
	const struct ynode *seq = seq_of(sec, "matchCapabilities");
	if (!seq)
		return;
	ret->v = alloc_array(c, seq->n, sizeof(*ret->v));
	for (size_t i = 0; ret->v && i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		struct policy_cap_rule *r = &ret->v[ret->n++];
		r->pos = it->pos;
		r->capability = dup_str(c, ymap_get(it, "capability"));
		read_sources(c, it, &r->from);
		read_meta(c, it, &r->meta);
	}
}

static void read_syscalls(struct conv *c, const struct ynode *sec,
			  struct policy_syscall_section *ret)
{
	if (!sec || sec->type != YNODE_MAP)
		return;
	ret->present = 1;
	read_meta(c, sec, &ret->meta);
	size_t total = seq_len(sec, "matchSyscalls") + seq_len(sec, "matchPaths");
	ret->v = alloc_array(c, total, sizeof(*ret->v));
	if (!ret->v)
		return;
	static const char *const lists[] = { "matchSyscalls", "matchPaths" };
	for (size_t l = 0; l < 2; l++) {
		const struct ynode *seq = seq_of(sec, lists[l]);
		for (size_t i = 0; seq && i < seq->n; i++) {
			const struct ynode *it = seq->items[i];
			struct policy_syscall_rule *r = &ret->v[ret->n++];
			r->pos = it->pos;
			read_strv(c, ymap_get(it, "syscall"), &r->syscalls);
			if (l == 1)
				r->path = dup_str(c, ymap_get(it, "path"));
			r->recursive = get_bool(it, "recursive");
			read_sources(c, it, &r->from);
			read_meta(c, it, &r->meta);
		}
	}
}

static void read_selector(struct conv *c, const struct ynode *sel, struct policy_selector *ret)
{
	if (!sel || sel->type != YNODE_MAP)
		return;
	const struct ynode *ml = ymap_get(sel, "matchLabels");
	if (ml && ml->type == YNODE_MAP) {
		ret->labels = alloc_array(c, ml->n, sizeof(*ret->labels));
		for (size_t i = 0; ret->labels && i < ml->n; i++) {
			struct policy_label *lb = &ret->labels[ret->n_labels++];
			lb->key = dup_str(c, ml->pairs[i].key);
			lb->value = dup_str(c, ml->pairs[i].value);
		}
	}
	const struct ynode *me = seq_of(sel, "matchExpressions");
	if (me) {
		ret->exprs = alloc_array(c, me->n, sizeof(*ret->exprs));
		for (size_t i = 0; ret->exprs && i < me->n; i++) {
			const struct ynode *it = me->items[i];
			struct policy_expr *e = &ret->exprs[ret->n_exprs++];
			const struct ynode *k = ymap_get(it, "key"), *op = ymap_get(it, "operator");
			e->key = k && strcmp(k->str, "namespace") == 0 ? POLICY_EXPR_NAMESPACE
								       : POLICY_EXPR_LABEL;
			e->not_in = op && strcmp(op->str, "NotIn") == 0;
			read_strv(c, ymap_get(it, "values"), &e->values);
		}
	}
}

int policy_doc_convert(const char *file, const struct ytree *t, enum policy_kind kind,
		       struct policy_doc **ret)
{
	struct conv c = { 0 };
	const struct ynode *root = t->root;
	struct policy_doc *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->kind = kind;
	d->pos = root->pos;
	d->source_file = strdup(file ? file : "<input>");
	if (!d->source_file)
		c.oom = 1;
	const struct ynode *md = ymap_get(root, "metadata");
	d->name = dup_str(&c, ymap_get(md, "name"));
	if (ymap_get(md, "namespace"))
		d->namespace_name = dup_str(&c, ymap_get(md, "namespace"));
	const struct ynode *spec = ymap_get(root, "spec");
	if (spec && spec->type == YNODE_MAP) {
		if (kind == POLICY_KIND_HSP)
			read_selector(&c, ymap_get(spec, "nodeSelector"), &d->selector);
		else
			read_selector(&c, ymap_get(spec, "selector"), &d->selector);
		read_path_section(&c, ymap_get(spec, "process"), 1, &d->process);
		read_path_section(&c, ymap_get(spec, "file"), 0, &d->file);
		read_network(&c, ymap_get(spec, "network"), &d->network);
		read_caps(&c, ymap_get(spec, "capabilities"), &d->capabilities);
		read_syscalls(&c, ymap_get(spec, "syscalls"), &d->syscalls);
		read_meta(&c, spec, &d->meta);
		const struct ynode *aa = ymap_get(spec, "apparmor");
		d->has_apparmor = aa && aa->type == YNODE_SCALAR && aa->len > 0;
		const struct ynode *pr = ymap_get(spec, "presets");
		d->has_presets = pr && pr->type == YNODE_SEQ && pr->n > 0;
		d->has_device = ymap_get(spec, "device") != NULL;
	}
	if (c.oom) {
		policy_doc_free(d);
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}
