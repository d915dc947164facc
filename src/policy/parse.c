/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.c - YAML bytes → one generic tree per document (struct ytree), built from libyaml's
 * event stream. Events rather than libyaml's own document loader so that limits are enforced
 * while reading: nesting depth is checked at each collection start (100k '[' stop at the 65th),
 * and aliases are never copied but weighed, so the expanded node count of an alias bomb is known
 * the moment it passes POLICY_MAX_NODES. Scalars are resolved the way kubectl's YAML decoder
 * (go-yaml v2, YAML 1.1) resolves them, so `recursive: yes` is a boolean and `severity: "5"` a
 * string, as the API server would see them.
 */
#include "policy/load.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/diag.h"

/* ---- arena -------------------------------------------------------------------------------- */

struct ytree_chunk {
	struct ytree_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

#define CHUNK_MIN (64u * 1024)

static void *arena_alloc(struct ytree *t, size_t size)
{
	/* 8-byte alignment is enough for everything stored here (pointers, int64_t) */
	size = (size + 7) & ~(size_t)7;
	struct ytree_chunk *c = t->chunks;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = t->chunks;
		c->used = 0;
		c->cap = cap;
		t->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void ytree_done(struct ytree *t)
{
	if (!t)
		return;
	struct ytree_chunk *c = t->chunks;
	while (c) {
		struct ytree_chunk *next = c->next;
		free(c);
		c = next;
	}
	*t = (struct ytree){ 0 };
}

/* ---- anchors: name → node, open addressing, per document ---------------------------------- */

struct anchor {
	char *name; /* owned */
	struct ynode *node;
};

struct anchors {
	struct anchor *v;
	size_t n, cap; /* cap is 0 or a power of two */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void anchors_clear(struct anchors *a)
{
	for (size_t i = 0; i < a->cap; i++)
		free(a->v[i].name);
	free(a->v);
	*a = (struct anchors){ 0 };
}

static struct anchor *anchors_slot(struct anchor *v, size_t cap, const char *name)
{
	size_t i = hash_str(name) & (cap - 1);
	while (v[i].name && strcmp(v[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static struct ynode *anchors_get(const struct anchors *a, const char *name)
{
	if (!a->cap)
		return NULL;
	struct anchor *s = anchors_slot(a->v, a->cap, name);
	return s->name ? s->node : NULL;
}

/* A later anchor of the same name replaces the earlier one (YAML 1.2 §3.2.2.2). */
static int anchors_put(struct anchors *a, const char *name, struct ynode *node)
{
	if ((a->n + 1) * 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct anchor *v = calloc(cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < a->cap; i++)
			if (a->v[i].name)
				*anchors_slot(v, cap, a->v[i].name) = a->v[i];
		free(a->v);
		a->v = v;
		a->cap = cap;
	}
	struct anchor *s = anchors_slot(a->v, a->cap, name);
	if (s->name) {
		s->node = node;
		return 0;
	}
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->node = node;
	a->n++;
	return 0;
}

/* ---- parser state ------------------------------------------------------------------------- */

/* A collection being built: children collect in a malloc'd vector, copied to the arena at end. */
struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, cap;
	char *anchor; /* owned; registered when the collection ends */
};

struct yparse {
	yaml_parser_t parser;
	const char *buf;
	size_t len;
	char *file;
	struct diag *diag;
	size_t total_nodes; /* over the whole file, aliases expanded */
	size_t n_docs;
	int done;
	struct frame stack[POLICY_MAX_DEPTH + 1];
	size_t depth;
	struct anchors anchors;
};

static struct policy_pos pos_of(yaml_mark_t m)
{
	return (struct policy_pos){ .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1 };
}

/* Line and column (in characters) of byte @off, for reader errors that carry only an offset. */
static struct policy_pos pos_of_offset(const char *buf, size_t len, size_t off)
{
	struct policy_pos p = { 1, 1 };
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n') {
			p.line++;
			p.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

int yparse_new(const char *file, const char *buf, size_t len, struct diag *diag,
	       struct yparse **ret)
{
	if (len > POLICY_MAX_FILE_SIZE)
		return diag_err(diag, file, 1, 1, "file is too large (%zu bytes; the limit is %u)",
				len, POLICY_MAX_FILE_SIZE);
	struct yparse *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->file = strdup(file ? file : "<input>");
	if (!p->file || !yaml_parser_initialize(&p->parser)) {
		free(p->file);
		free(p);
		return -ENOMEM;
	}
	p->buf = buf;
	p->len = len;
	p->diag = diag;
	yaml_parser_set_input_string(&p->parser, (const unsigned char *)buf, len);
	*ret = p;
	return 0;
}

static void frames_clear(struct yparse *p)
{
	for (size_t i = 0; i < p->depth; i++) {
		free(p->stack[i].kids);
		free(p->stack[i].anchor);
	}
	p->depth = 0;
}

void yparse_free(struct yparse *p)
{
	if (!p)
		return;
	frames_clear(p);
	anchors_clear(&p->anchors);
	yaml_parser_delete(&p->parser);
	free(p->file);
	free(p);
}

static int parse_fail(struct yparse *p, struct policy_pos pos, const char *fmt, ...)
	WARD_PRINTF(3, 4);

static int parse_fail(struct yparse *p, struct policy_pos pos, const char *fmt, ...)
{
	p->done = 1;
	char msg[DIAG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_err(p->diag, p->file, pos.line, pos.col, "%s", msg);
}

static int libyaml_fail(struct yparse *p)
{
	yaml_parser_t *y = &p->parser;
	struct policy_pos pos;
	if (y->error == YAML_MEMORY_ERROR) {
		p->done = 1;
		return -ENOMEM;
	}
	if (y->error == YAML_READER_ERROR)
		pos = pos_of_offset(p->buf, p->len, y->problem_offset);
	else
		pos = pos_of(y->problem_mark);
	char msg[DIAG_MSG_MAX];
	const char *problem = y->problem ? y->problem : "invalid YAML";
	if (y->error == YAML_READER_ERROR && y->problem_value != -1)
		snprintf(msg, sizeof(msg), "invalid input: %s (byte 0x%02x)", problem,
			 (unsigned)y->problem_value & 0xff);
	else if (y->error == YAML_READER_ERROR)
		snprintf(msg, sizeof(msg), "invalid input: %s", problem);
	else if (y->context)
		snprintf(msg, sizeof(msg), "invalid YAML: %s %s", problem, y->context);
	else
		snprintf(msg, sizeof(msg), "invalid YAML: %s", problem);
	return parse_fail(p, pos, "%s", msg);
}

/* ---- scalar resolution (go-yaml v2 / YAML 1.1) ---------------------------------------------- */

static int str_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int resolve_int(const char *s, int64_t *ret)
{
	char clean[80];
	size_t n = 0;
	for (const char *c = s; *c; c++) {
		if (*c == '_')
			continue;
		if (n + 1 >= sizeof(clean))
			return 0;
		clean[n++] = *c;
	}
	clean[n] = '\0';
	const char *d = clean;
	int neg = 0;
	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	if (!*d || !(*d >= '0' && *d <= '9'))
		return 0;
	int base = 10;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, d += 2;
	else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
		base = 2, d += 2;
	else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
		base = 8, d += 2;
	else if (d[0] == '0' && d[1])
		base = 8, d += 1;
	if (!*d || *d == '+' || *d == '-' || *d == ' ')
		return 0;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(d, &end, base);
	if (*end || errno)
		return 0;
	if (neg ? v > (unsigned long long)INT64_MAX + 1 : v > INT64_MAX)
		return 0;
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

static int resolve_float(const char *s)
{
	static const char *const special[] = { ".inf",	".Inf",	 ".INF",  "+.inf", "+.Inf",
					       "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
					       ".NaN",	".NAN",	 NULL };
	if (str_in(s, special))
		return 1;
	/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
	const char *c = s;
	if (*c == '+' || *c == '-')
		c++;
	if (*c == '.') {
		c++;
		if (!(*c >= '0' && *c <= '9'))
			return 0;
		while (*c >= '0' && *c <= '9')
			c++;
	} else {
		if (!(*c >= '0' && *c <= '9'))
			return 0;
		while (*c >= '0' && *c <= '9')
			c++;
		if (*c == '.') {
			c++;
			while (*c >= '0' && *c <= '9')
				c++;
		}
	}
	if (*c == 'e' || *c == 'E') {
		c++;
		if (*c == '+' || *c == '-')
			c++;
		if (!(*c >= '0' && *c <= '9'))
			return 0;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	return *c == '\0';
}

static void resolve_plain(struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "y",    "Y",    "yes", "Yes", "YES", "true",
					     "True", "TRUE", "on",  "On",  "ON",  NULL };
	static const char *const falses[] = { "n",     "N",	"no",  "No",  "NO",  "false",
					      "False", "FALSE", "off", "Off", "OFF", NULL };
	if (strlen(n->str) != n->len) {
		n->kind = YSCALAR_STR;
		return;
	}
	/* most scalars are ordinary words or paths: only a few first characters can start a
	 * null/bool/number, so skip the table lookups for the rest */
	char c0 = n->str[0];
	if (c0 && !strchr("~nNyYtTfFoO+-.0123456789", c0)) {
		n->kind = YSCALAR_STR;
		return;
	}
	int word = !c0 || strchr("~nNyYtTfFoO", c0);
	if (word && str_in(n->str, nulls))
		n->kind = YSCALAR_NULL;
	else if (word && str_in(n->str, trues))
		n->kind = YSCALAR_BOOL, n->bval = 1;
	else if (word && str_in(n->str, falses))
		n->kind = YSCALAR_BOOL, n->bval = 0;
	else if (resolve_int(n->str, &n->ival))
		n->kind = YSCALAR_INT;
	else if (resolve_float(n->str))
		n->kind = YSCALAR_FLOAT;
	else
		n->kind = YSCALAR_STR;
}

static void resolve_scalar(struct ynode *n, const yaml_event_t *e)
{
	const char *tag = (const char *)e->data.scalar.tag;
	if (tag && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
		const char *t = tag + 18;
		resolve_plain(n);
		/* An explicit standard tag forces the type when the text allows it. */
		if (strcmp(t, "str") == 0)
			n->kind = YSCALAR_STR;
		else if (strcmp(t, "null") == 0 && n->kind != YSCALAR_NULL)
			n->kind = YSCALAR_STR;
		return;
	}
	if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag)
		resolve_plain(n);
	else
		n->kind = YSCALAR_STR;
}

/* ---- tree building ------------------------------------------------------------------------ */

static int count_nodes(struct yparse *p, size_t weight, struct policy_pos pos)
{
	p->total_nodes += weight;
	if (p->total_nodes > POLICY_MAX_NODES) {
		char lim[32];
		snprintf(lim, sizeof(lim), "%u", POLICY_MAX_NODES);
		return parse_fail(p, pos,
				  "too many YAML nodes (more than %s, aliases expanded): refusing "
				  "to load (alias bomb?)",
				  lim);
	}
	return 0;
}

/* Attach @n to the open collection (or make it the root). */
static int attach(struct yparse *p, struct ytree *t, struct ynode *n)
{
	if (p->depth == 0) {
		t->root = n;
		return 0;
	}
	struct frame *f = &p->stack[p->depth - 1];
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct ynode **k = realloc(f->kids, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		f->kids = k;
		f->cap = cap;
	}
	f->kids[f->n++] = n;
	return 0;
}

static int register_anchor(struct yparse *p, const yaml_char_t *anchor, struct ynode *n)
{
	if (!anchor)
		return 0;
	return anchors_put(&p->anchors, (const char *)anchor, n);
}

struct key_ref {
	const struct ynode *key;
	size_t idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
	int c = memcmp(x->key->str, y->key->str, n);
	if (c)
		return c;
	if (x->key->len != y->key->len)
		return x->key->len < y->key->len ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
 * Duplicate keys in pairs[0..*n), compacted in place keeping the original order. With
 * @keep_last (explicit keys: kubectl's decoder, go-yaml v2, keeps the last value) the earlier
 * ones are dropped and remembered so the validator can warn; otherwise (keys brought in by a
 * merge key) the first one wins silently. Sorting makes this O(n log n) even for huge maps.
 */
static int dedupe(struct ytree *t, struct ypair *pairs, size_t *n, int keep_last)
{
	if (*n < 2)
		return 0;
	struct key_ref *s = malloc(*n * sizeof(*s));
	unsigned char *drop = calloc(*n, 1);
	if (!s || !drop) {
		free(s);
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		s[i] = (struct key_ref){ .key = pairs[i].key, .idx = i };
	qsort(s, *n, sizeof(*s), key_ref_cmp);
	size_t n_drop = 0;
	for (size_t i = 1; i < *n; i++) {
		if (s[i].key->len != s[i - 1].key->len ||
		    memcmp(s[i].key->str, s[i - 1].key->str, s[i].key->len) != 0)
			continue;
		if (keep_last) {
			if (t->n_dups < WARD_ARRAY_SIZE(t->dup_key)) {
				t->dup_key[t->n_dups] = s[i].key;
				t->dup_first[t->n_dups] = s[i - 1].key;
			}
			t->n_dups++;
			drop[s[i - 1].idx] = 1;
		} else {
			drop[s[i].idx] = 1;
			s[i] = s[i - 1]; /* the group's first stays the one to compare against */
		}
		n_drop++;
	}
	if (n_drop) {
		size_t o = 0;
		for (size_t i = 0; i < *n; i++)
			if (!drop[i])
				pairs[o++] = pairs[i];
		*n = o;
	}
	free(s);
	free(drop);
	return 0;
}

static int is_merge_key(const struct ynode *k)
{
	return k->plain && k->len == 2 && memcmp(k->str, "<<", 2) == 0;
}

/* Pairs a merge value brings in: a mapping, or a sequence of mappings (earlier ones win). */
static int merge_count(struct yparse *p, const struct ynode *v, size_t *ret)
{
	if (v->type == YNODE_MAP) {
		*ret += v->n;
		return 0;
	}
	if (v->type == YNODE_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			if (v->items[i]->type != YNODE_MAP)
				return parse_fail(p, v->items[i]->pos, "%s",
						  "a merge key ('<<') takes a mapping or a list of "
						  "mappings");
			*ret += v->items[i]->n;
		}
		return 0;
	}
	return parse_fail(p, v->pos, "%s",
			  "a merge key ('<<') takes a mapping or a list of mappings");
}

static void merge_append(const struct ynode *v, struct ypair *pairs, size_t *n)
{
	if (v->type == YNODE_MAP) {
		memcpy(pairs + *n, v->pairs, v->n * sizeof(*pairs));
		*n += v->n;
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		merge_append(v->items[i], pairs, n);
}

/*
 * The pairs of a mapping from its key/value children: explicit keys (duplicates: last wins),
 * then keys from merge keys ('<<', YAML 1.1 as go-yaml reads it) that are not explicit.
 */
static int build_map(struct yparse *p, struct ytree *t, struct ynode *m, struct ynode **kids,
		     size_t n_kids)
{
	size_t n = n_kids / 2, n_merged = 0;
	for (size_t i = 0; i < n; i++) {
		struct ynode *k = kids[2 * i];
		if (k->type != YNODE_SCALAR)
			return parse_fail(p, k->pos, "%s",
					  "a mapping key must be a plain string, not a collection");
		if (is_merge_key(k)) {
			int r = merge_count(p, kids[2 * i + 1], &n_merged);
			if (r)
				return r;
		}
	}
	if (n + n_merged == 0)
		return 0;
	m->pairs = arena_alloc(t, (n + n_merged) * sizeof(*m->pairs));
	if (!m->pairs)
		return -ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!is_merge_key(kids[2 * i]))
			m->pairs[o++] =
				(struct ypair){ .key = kids[2 * i], .value = kids[2 * i + 1] };
	int r = dedupe(t, m->pairs, &o, 1);
	if (r)
		return r;
	if (n_merged) {
		for (size_t i = 0; i < n; i++)
			if (is_merge_key(kids[2 * i]))
				merge_append(kids[2 * i + 1], m->pairs, &o);
		r = dedupe(t, m->pairs, &o, 0);
		if (r)
			return r;
	}
	m->n = o;
	return 0;
}

static int close_collection(struct yparse *p, struct ytree *t, yaml_mark_t end)
{
	struct frame *f = &p->stack[p->depth - 1];
	struct ynode *n = f->node;
	int r = 0;
	size_t weight = 1;
	unsigned height = 0;
	for (size_t i = 0; i < f->n; i++) {
		weight += f->kids[i]->weight;
		if (f->kids[i]->height > height)
			height = f->kids[i]->height;
	}
	n->weight = weight;
	n->height = height + 1;
	if (n->type == YNODE_SEQ) {
		n->n = f->n;
		if (f->n) {
			n->items = arena_alloc(t, f->n * sizeof(*n->items));
			if (!n->items) {
				r = -ENOMEM;
				goto out;
			}
			memcpy(n->items, f->kids, f->n * sizeof(*n->items));
		}
	} else {
		/* kids alternate key, value; libyaml guarantees an even count */
		r = build_map(p, t, n, f->kids, f->n);
		if (r)
			goto out;
	}
	(void)end;
	p->depth--;
	free(f->kids);
	char *anchor = f->anchor;
	*f = (struct frame){ 0 };
	r = register_anchor(p, (const yaml_char_t *)anchor, n);
	free(anchor);
	if (r)
		return r;
	return attach(p, t, n);
out:
	return r;
}

static int open_collection(struct yparse *p, struct ytree *t, enum ynode_type type,
			   const yaml_event_t *e, const yaml_char_t *anchor)
{
	struct policy_pos pos = pos_of(e->start_mark);
	if (p->depth >= POLICY_MAX_DEPTH) {
		char lim[16];
		snprintf(lim, sizeof(lim), "%d", POLICY_MAX_DEPTH);
		return parse_fail(p, pos, "YAML nested too deeply (more than %s levels)", lim);
	}
	int r = count_nodes(p, 1, pos);
	if (r)
		return r;
	struct ynode *n = arena_alloc(t, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = (struct ynode){ .type = type, .pos = pos };
	struct frame *f = &p->stack[p->depth++];
	*f = (struct frame){ .node = n };
	if (anchor) {
		f->anchor = strdup((const char *)anchor);
		if (!f->anchor)
			return -ENOMEM;
	}
	return 0;
}

static int add_scalar(struct yparse *p, struct ytree *t, const yaml_event_t *e)
{
	struct policy_pos pos = pos_of(e->start_mark);
	int r = count_nodes(p, 1, pos);
	if (r)
		return r;
	if (e->data.scalar.length > POLICY_MAX_FILE_SIZE)
		return -EINVAL;
	struct ynode *n = arena_alloc(t, sizeof(*n));
	char *s = n ? arena_alloc(t, e->data.scalar.length + 1) : NULL;
	if (!s)
		return -ENOMEM;
	memcpy(s, e->data.scalar.value, e->data.scalar.length);
	s[e->data.scalar.length] = '\0';
	*n = (struct ynode){ .type = YNODE_SCALAR,
			     .pos = pos,
			     .str = s,
			     .len = e->data.scalar.length,
			     .weight = 1,
			     .height = 1,
			     .plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE };
	resolve_scalar(n, e);
	r = register_anchor(p, e->data.scalar.anchor, n);
	if (r)
		return r;
	return attach(p, t, n);
}

static int add_alias(struct yparse *p, struct ytree *t, const yaml_event_t *e)
{
	struct policy_pos pos = pos_of(e->start_mark);
	const char *name = (const char *)e->data.alias.anchor;
	struct ynode *target = anchors_get(&p->anchors, name);
	if (!target)
		return parse_fail(p, pos,
				  "unknown anchor '%.200s' (aliases must follow a complete "
				  "anchored node)",
				  name);
	if (p->depth + target->height > POLICY_MAX_DEPTH) {
		char lim[16];
		snprintf(lim, sizeof(lim), "%d", POLICY_MAX_DEPTH);
		return parse_fail(p, pos, "YAML nested too deeply (more than %s levels)", lim);
	}
	int r = count_nodes(p, target->weight, pos);
	if (r)
		return r;
	return attach(p, t, target);
}

int yparse_next(struct yparse *p, struct ytree *ret)
{
	struct ytree t = { 0 };
	int r = 0, in_doc = 0;
	if (p->done)
		return 0;
	for (;;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&p->parser, &e)) {
			r = libyaml_fail(p);
			goto fail;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			p->done = 1;
			yaml_event_delete(&e);
			return 0;
		case YAML_DOCUMENT_START_EVENT:
			if (++p->n_docs > POLICY_MAX_DOCS) {
				char lim[16];
				snprintf(lim, sizeof(lim), "%d", POLICY_MAX_DOCS);
				r = parse_fail(p, pos_of(e.start_mark),
					       "too many documents in one file (more than %s)",
					       lim);
				break;
			}
			in_doc = 1;
			t.pos = pos_of(e.start_mark);
			break;
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&e);
			anchors_clear(&p->anchors);
			*ret = t;
			return 1;
		case YAML_SCALAR_EVENT:
			r = add_scalar(p, &t, &e);
			break;
		case YAML_ALIAS_EVENT:
			r = add_alias(p, &t, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = open_collection(p, &t, YNODE_SEQ, &e, e.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			r = open_collection(p, &t, YNODE_MAP, &e, e.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = close_collection(p, &t, e.end_mark);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
		if (r)
			goto fail;
	}
fail:
	(void)in_doc;
	p->done = 1;
	frames_clear(p);
	anchors_clear(&p->anchors);
	ytree_done(&t);
	return r == -ENOMEM ? -ENOMEM : -EINVAL;
}

/* ---- helpers ------------------------------------------------------------------------------ */

const struct ynode *ymap_get(const struct ynode *m, const char *key)
{
	if (!m || m->type != YNODE_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < m->n; i++)
		if (m->pairs[i].key->len == kl && memcmp(m->pairs[i].key->str, key, kl) == 0)
			return m->pairs[i].value;
	return NULL;
}

const char *ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_SEQ:
		return "array";
	case YNODE_MAP:
		return "object";
	case YNODE_SCALAR:
		break;
	}
	switch (n->kind) {
	case YSCALAR_STR:
		return "string";
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "boolean";
	case YSCALAR_INT:
		return "integer";
	case YSCALAR_FLOAT:
		return "number";
	}
	return "value";
}
