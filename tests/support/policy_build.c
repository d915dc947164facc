/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_build.c - C builders for struct policy_doc (see policy_build.h). Kept apart from the
 * parser's policy_doc_free()/policy_doc_list_push() on purpose: tests of the matcher must not
 * depend on the loader.
 */
#include <stdlib.h>
#include <string.h>

#include "support/policy_build.h"

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		abort();
	return d;
}

#define GROW(arr, n)                                                    \
	do {                                                            \
		void *np_ = realloc((arr), ((n) + 1) * sizeof(*(arr))); \
		if (!np_)                                               \
			abort();                                        \
		(arr) = np_;                                            \
		memset(&(arr)[(n)], 0, sizeof(*(arr)));                 \
	} while (0)

static void strv_split(struct policy_strv *v, const char *csv)
{
	const char *p = csv;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *s = xcalloc(n + 1, 1);

		memcpy(s, p, n);
		GROW(v->v, v->n);
		v->v[v->n++] = s;
		p = e ? e + 1 : NULL;
	}
}

static void strv_free(struct policy_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
}

static void meta_free(struct policy_meta *m)
{
	strv_free(&m->tags);
	free(m->message);
}

static void sources_free(struct policy_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].dir);
	}
	free(s->v);
}

struct policy_doc *tpb_doc(enum policy_kind kind, const char *name, const char *namespace_name)
{
	struct policy_doc *d = xcalloc(1, sizeof(*d));

	d->kind = kind;
	d->name = xstrdup(name);
	d->namespace_name = xstrdup(namespace_name);
	d->source_file = xstrdup("test.yaml");
	return d;
}

void tpb_spec(struct policy_doc *d, enum policy_action action, int severity, const char *message,
	      const char *tags)
{
	d->meta.action = action;
	d->meta.severity = severity;
	free(d->meta.message);
	d->meta.message = xstrdup(message);
	if (tags) {
		strv_split(&d->meta.tags, tags);
		d->meta.has_tags = 1;
	}
}

struct policy_path_rule *tpb_path(struct policy_doc *d, enum policy_op op,
				  enum policy_match_kind kind, const char *value)
{
	struct policy_path_section *s = op == POLICY_OP_PROCESS ? &d->process : &d->file;
	struct policy_path_rule *r;

	GROW(s->v, s->n);
	r = &s->v[s->n++];
	r->kind = kind;
	r->value = xstrdup(value);
	s->present = 1;
	return r;
}

struct policy_proto_rule *tpb_proto(struct policy_doc *d, const char *protocol)
{
	struct policy_proto_rule *r;

	GROW(d->network.protocols, d->network.n_protocols);
	r = &d->network.protocols[d->network.n_protocols++];
	r->protocol = xstrdup(protocol);
	d->network.present = 1;
	return r;
}

struct policy_cap_rule *tpb_cap(struct policy_doc *d, const char *capability)
{
	struct policy_cap_rule *r;

	GROW(d->capabilities.v, d->capabilities.n);
	r = &d->capabilities.v[d->capabilities.n++];
	r->capability = xstrdup(capability);
	d->capabilities.present = 1;
	return r;
}

struct policy_syscall_rule *tpb_syscall(struct policy_doc *d, const char *names, const char *path)
{
	struct policy_syscall_rule *r;

	GROW(d->syscalls.v, d->syscalls.n);
	r = &d->syscalls.v[d->syscalls.n++];
	strv_split(&r->syscalls, names);
	r->path = xstrdup(path);
	d->syscalls.present = 1;
	return r;
}

void tpb_from(struct policy_sources *from, const char *path)
{
	GROW(from->v, from->n);
	from->v[from->n++].path = xstrdup(path);
}

void tpb_from_dir(struct policy_sources *from, const char *dir, int recursive)
{
	GROW(from->v, from->n);
	from->v[from->n].dir = xstrdup(dir);
	from->v[from->n++].recursive = recursive;
}

void tpb_label(struct policy_doc *d, const char *key, const char *value)
{
	GROW(d->selector.labels, d->selector.n_labels);
	d->selector.labels[d->selector.n_labels].key = xstrdup(key);
	d->selector.labels[d->selector.n_labels++].value = xstrdup(value);
}

void tpb_expr(struct policy_doc *d, enum policy_expr_key key, int not_in, const char *values)
{
	struct policy_expr *e;

	GROW(d->selector.exprs, d->selector.n_exprs);
	e = &d->selector.exprs[d->selector.n_exprs++];
	e->key = key;
	e->not_in = not_in;
	strv_split(&e->values, values);
}

static void path_section_free(struct policy_path_section *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].value);
		strv_free(&s->v[i].allowed_args);
		sources_free(&s->v[i].from);
		meta_free(&s->v[i].meta);
	}
	free(s->v);
	meta_free(&s->meta);
}

static void doc_free(struct policy_doc *d)
{
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
	for (size_t i = 0; i < d->selector.n_labels; i++) {
		free(d->selector.labels[i].key);
		free(d->selector.labels[i].value);
	}
	free(d->selector.labels);
	for (size_t i = 0; i < d->selector.n_exprs; i++)
		strv_free(&d->selector.exprs[i].values);
	free(d->selector.exprs);
	meta_free(&d->meta);
	free(d->name);
	free(d->namespace_name);
	free(d->source_file);
	free(d);
}

struct policy_doc_list *tpb_list(void)
{
	return xcalloc(1, sizeof(struct policy_doc_list));
}

void tpb_push(struct policy_doc_list *l, struct policy_doc *d)
{
	GROW(l->v, l->n);
	l->v[l->n++] = d;
	l->cap = l->n;
}

void tpb_list_free(struct policy_doc_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		doc_free(l->v[i]);
	free(l->v);
	free(l);
}
