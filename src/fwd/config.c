/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the `outputs:` list of the agent config (design.md §7) -> struct fwd_config, and
 * the per-output record filter.
 *
 * Parsed with libyaml's document API so every error carries the node's FILE:LINE:COL. Common
 * keys (name, type, address/url, format, filter, delivery tuning) are read here; every other
 * scalar key is kept and checked against the sink's option table, so a typo is an error with
 * its position rather than a silently ignored setting.
 */
#include "fwd/fwd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/diag.h"
#include "record/record.h"

struct cp {
	yaml_document_t *doc;
	const char *file;
	struct diag *diag;
};

static int err_at(struct cp *p, const yaml_node_t *n, const char *fmt, ...) WARD_PRINTF(3, 4);
static int err_at(struct cp *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_err(p->diag, p->file, n ? (unsigned)n->start_mark.line + 1 : 0,
			n ? (unsigned)n->start_mark.column + 1 : 0, "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	uint64_t m = 1;
	if (!strcasecmp(end, "") || !strcasecmp(end, "b"))
		m = 1;
	else if (!strcasecmp(end, "k") || !strcasecmp(end, "kib") || !strcasecmp(end, "kb"))
		m = 1024;
	else if (!strcasecmp(end, "m") || !strcasecmp(end, "mib") || !strcasecmp(end, "mb"))
		m = 1024 * 1024;
	else if (!strcasecmp(end, "g") || !strcasecmp(end, "gib") || !strcasecmp(end, "gb"))
		m = 1024ull * 1024 * 1024;
	else
		return -EINVAL;
	if (v > UINT64_MAX / m)
		return -EINVAL;
	*ret = v * m;
	return 0;
}

static int parse_uint(struct cp *p, const yaml_node_t *n, const char *key, unsigned long long max,
		      unsigned long long *ret)
{
	const char *s = scalar(n);
	char *end;
	if (!s || !*s || *s == '-')
		return err_at(p, n, "'%s' must be a non-negative integer%s", key, "");
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return err_at(p, n, "'%s' must be a non-negative integer%s", key, "");
	*ret = v;
	return 0;
}

static int string_list(struct cp *p, const yaml_node_t *n, const char *key, char ***ret,
		       size_t *ret_n)
{
	/* a key given twice: the last one wins, as for the scalar keys */
	for (size_t i = 0; i < *ret_n; i++)
		free((*ret)[i]);
	free(*ret);
	*ret = NULL;
	*ret_n = 0;
	if (scalar(n)) {
		*ret = calloc(1, sizeof(char *));
		if (!*ret || !((*ret)[0] = strdup(scalar(n))))
			return -ENOMEM;
		*ret_n = 1;
		return 0;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return err_at(p, n, "'%s' must be a list of strings%s", key, "");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	char **v = calloc(cnt ? cnt : 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	*ret = v;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yaml_document_get_node(p->doc, n->data.sequence.items.start[i]);
		if (!scalar(it))
			return err_at(p, it, "'%s' must be a list of strings%s", key, "");
		if (!(v[i] = strdup(scalar(it))))
			return -ENOMEM;
		*ret_n = i + 1;
	}
	return 0;
}

/* "Field OP Value" with OP one of = != ~ !~ < <= > >= (the `ward logs --where` words). */
static int where_split(const char *w, const struct record_field **ret_f, char *op,
		       const char **ret_v)
{
	static const char *ops[] = { "!=", "!~", "<=", ">=", "=", "~", "<", ">" };
	const char *best = NULL;
	size_t best_len = 0;
	for (const char *s = w; *s && !best; s++)
		for (size_t i = 0; i < WARD_ARRAY_SIZE(ops); i++)
			if (!strncmp(s, ops[i], strlen(ops[i]))) {
				best = s;
				best_len = strlen(ops[i]);
				break;
			}
	if (!best)
		return -EINVAL;
	char name[64];
	size_t nl = (size_t)(best - w);
	while (nl && w[nl - 1] == ' ')
		nl--;
	if (!nl || nl >= sizeof(name))
		return -EINVAL;
	memcpy(name, w, nl);
	name[nl] = 0;
	const struct record_field *f = record_field_find(name);
	if (!f)
		return -ENOENT;
	memcpy(op, best, best_len);
	op[best_len] = 0;
	const char *v = best + best_len;
	while (*v == ' ')
		v++;
	*ret_f = f;
	*ret_v = v;
	return 0;
}

static int parse_filter(struct cp *p, const yaml_node_t *n, struct fwd_filter *f)
{
	if (n->type != YAML_MAPPING_NODE)
		return err_at(p, n, "'filter' must be a mapping%s%s", "", "");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *key = scalar(k);
		int rc = 0;
		if (!key)
			return err_at(p, k, "filter keys must be strings%s%s", "", "");
		if (!strcmp(key, "type")) {
			const char *t = scalar(v);
			if (t && !strcmp(t, "all"))
				f->type = 0;
			else if (t && !strcmp(t, "alert"))
				f->type = 1;
			else if (t && !strcmp(t, "log"))
				f->type = 2;
			else
				return err_at(p, v, "'%s' is not one of alert, log, all%s",
					      t ? t : "?", "");
		} else if (!strcmp(key, "min_severity")) {
			unsigned long long s;
			if ((rc = parse_uint(p, v, key, 10, &s)))
				return rc;
			f->min_severity = (int)s;
		} else if (!strcmp(key, "operation")) {
			if ((rc = string_list(p, v, key, &f->operations, &f->n_operations)))
				return rc;
		} else if (!strcmp(key, "where")) {
			if ((rc = string_list(p, v, key, &f->where, &f->n_where)))
				return rc;
			for (size_t i = 0; i < f->n_where; i++) {
				const struct record_field *fld;
				const char *val;
				char op[3];
				rc = where_split(f->where[i], &fld, op, &val);
				if (rc == -ENOENT) {
					char name[64];
					snprintf(name, sizeof(name), "%.*s",
						 (int)strcspn(f->where[i], "=!~<> "), f->where[i]);
					const char *hint = record_field_suggest(name);
					char h[96] = "";
					if (hint)
						snprintf(h, sizeof(h), " (did you mean '%s'?)",
							 hint);
					return err_at(p, v, "unknown field '%s'%s", name, h);
				}
				if (rc)
					return err_at(p, v, "'%s' is not 'Field OP Value'%s",
						      f->where[i], "");
			}
		} else {
			return err_at(
				p, k,
				"unknown filter key '%s' (one of type, min_severity, operation, where)%s",
				key, "");
		}
	}
	return 0;
}

static int add_kv(struct fwd_kv **arr, size_t *n, const char *k, const char *v,
		  const yaml_node_t *node)
{
	struct fwd_kv *a = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n] = (struct fwd_kv){ .key = strdup(k),
				 .value = strdup(v),
				 .line = (unsigned)node->start_mark.line + 1,
				 .col = (unsigned)node->start_mark.column + 1 };
	(*n)++;
	return a[*n - 1].key && a[*n - 1].value ? 0 : -ENOMEM;
}

static int parse_output(struct cp *p, const yaml_node_t *n, struct fwd_output_config *o)
{
	o->queue_size = 8192;
	o->spool_max = 64ull << 20;
	o->batch_max = 500;
	o->flush_ms = 200;
	o->retry_initial_ms = 200;
	o->retry_max_ms = 30000;
	o->timeout_ms = 10000;
	o->spool_sync_ms = 1000;
	o->line = (unsigned)n->start_mark.line + 1;
	o->col = (unsigned)n->start_mark.column + 1;
	if (!(o->file = strdup(p->file)))
		return -ENOMEM;
	if (n->type != YAML_MAPPING_NODE)
		return err_at(p, n, "each output must be a mapping%s%s", "", "");
	const yaml_node_t *type_node = n;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *key = scalar(k);
		unsigned long long u;
		int rc = 0;
		if (!key)
			return err_at(p, k, "output keys must be strings%s%s", "", "");
		if (!strcmp(key, "filter")) {
			rc = parse_filter(p, v, &o->filter);
		} else if (!strcmp(key, "properties") || !strcmp(key, "kafka") ||
			   !strcmp(key, "headers")) {
			if (v->type != YAML_MAPPING_NODE)
				return err_at(p, v, "'%s' must be a mapping%s", key, "");
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
			     q < v->data.mapping.pairs.top; q++) {
				yaml_node_t *kk = yaml_document_get_node(p->doc, q->key);
				yaml_node_t *vv = yaml_document_get_node(p->doc, q->value);
				if (!scalar(kk) || !scalar(vv))
					return err_at(p, vv, "'%s' values must be scalars%s", key,
						      "");
				if ((rc = add_kv(&o->props, &o->n_props, scalar(kk), scalar(vv),
						 kk)))
					return rc;
			}
		} else if (!scalar(v)) {
			return err_at(p, v, "'%s' must be a scalar%s", key, "");
		} else if (!strcmp(key, "name")) {
			free(o->name);
			o->name = xstrdup(scalar(v));
		} else if (!strcmp(key, "type")) {
			free(o->type);
			o->type = xstrdup(scalar(v));
			type_node = v;
		} else if (!strcmp(key, "address") || !strcmp(key, "url")) {
			free(o->address);
			o->address = xstrdup(scalar(v));
		} else if (!strcmp(key, "format")) {
			if (format_kind_parse(scalar(v), &o->format))
				return err_at(p, v,
					      "'%s' is not one of rfc5424, cef, leef, json, ocsf%s",
					      scalar(v), "");
			o->format_set = 1;
		} else if (!strcmp(key, "queue_size")) {
			if (!(rc = parse_uint(p, v, key, 1u << 24, &u)))
				o->queue_size = u ? u : 1;
		} else if (!strcmp(key, "spool_max")) {
			if (parse_size(scalar(v), &o->spool_max))
				return err_at(p, v, "'spool_max' must be a size such as 64MiB%s%s",
					      "", "");
		} else if (!strcmp(key, "batch_max")) {
			if (!(rc = parse_uint(p, v, key, 100000, &u)))
				o->batch_max = u ? u : 1;
		} else if (!strcmp(key, "flush_ms")) {
			if (!(rc = parse_uint(p, v, key, 600000, &u)))
				o->flush_ms = (unsigned)u;
		} else if (!strcmp(key, "retry_initial_ms")) {
			if (!(rc = parse_uint(p, v, key, 600000, &u)))
				o->retry_initial_ms = u ? (unsigned)u : 1;
		} else if (!strcmp(key, "retry_max_ms")) {
			if (!(rc = parse_uint(p, v, key, 3600000, &u)))
				o->retry_max_ms = u ? (unsigned)u : 1;
		} else if (!strcmp(key, "spool_sync_ms")) {
			if (!(rc = parse_uint(p, v, key, 3600000, &u)))
				o->spool_sync_ms = (unsigned)u;
		} else if (!strcmp(key, "timeout_ms")) {
			if (!(rc = parse_uint(p, v, key, 600000, &u)))
				o->timeout_ms = u ? (unsigned)u : 1;
		} else {
			rc = add_kv(&o->opts, &o->n_opts, key, scalar(v), k);
		}
		if (rc)
			return rc;
	}
	if (!o->name)
		return err_at(p, n, "output without 'name'%s%s", "", "");
	if (!o->type)
		return err_at(p, n, "output '%s' without 'type'%s", o->name, "");
	const struct fwd_ops *ops = fwd_ops_find(o->type);
	if (!ops)
		return err_at(
			p, type_node,
			"unknown output type '%s' (one of syslog, hec, elasticsearch, loki, clickhouse, kafka, webhook, file)%s",
			o->type, "");
	if (!o->format_set)
		o->format = ops->default_format;
	else if (!(ops->formats & (1u << o->format)))
		return err_at(p, n, "output type '%s' does not take format '%s'", o->type,
			      format_kind_name(o->format));
	for (size_t i = 0; i < o->n_opts; i++) {
		int known = 0;
		for (const struct fwd_option *op = ops->options; op && op->key; op++)
			known |= !strcmp(op->key, o->opts[i].key);
		if (!known)
			return diag_err(p->diag, p->file, o->opts[i].line, o->opts[i].col,
					"unknown key '%s' for output type '%s'", o->opts[i].key,
					o->type);
	}
	return 0;
}

static void free_output(struct fwd_output_config *o)
{
	free(o->name);
	free(o->type);
	free(o->address);
	free(o->file);
	for (size_t i = 0; i < o->filter.n_operations; i++)
		free(o->filter.operations[i]);
	free(o->filter.operations);
	for (size_t i = 0; i < o->filter.n_where; i++)
		free(o->filter.where[i]);
	free(o->filter.where);
	for (size_t i = 0; i < o->n_opts; i++) {
		free(o->opts[i].key);
		free(o->opts[i].value);
	}
	free(o->opts);
	for (size_t i = 0; i < o->n_props; i++) {
		free(o->props[i].key);
		free(o->props[i].value);
	}
	free(o->props);
}

void fwd_config_free(struct fwd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_outputs; i++)
		free_output(&c->outputs[i]);
	free(c->outputs);
	free(c);
}

static int parse_doc(struct cp *p, struct fwd_config *c)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	if (!root)
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return err_at(p, root, "the config must be a mapping%s%s", "", "");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		if (!scalar(k) || strcmp(scalar(k), "outputs"))
			continue;
		if (v->type == YAML_SCALAR_NODE && !*scalar(v))
			return 0;
		if (v->type != YAML_SEQUENCE_NODE)
			return err_at(p, v, "'outputs' must be a list%s%s", "", "");
		size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		/* `outputs:` given twice: the last one wins */
		for (size_t i = 0; i < c->n_outputs; i++)
			free_output(&c->outputs[i]);
		free(c->outputs);
		c->n_outputs = 0;
		c->outputs = calloc(cnt ? cnt : 1, sizeof(*c->outputs));
		if (!c->outputs)
			return -ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *it =
				yaml_document_get_node(p->doc, v->data.sequence.items.start[i]);
			c->n_outputs = i + 1;
			int rc = parse_output(p, it, &c->outputs[i]);
			if (rc)
				return rc;
			for (size_t j = 0; j < i; j++)
				if (!strcmp(c->outputs[j].name, c->outputs[i].name))
					return err_at(p, it, "duplicate output name '%s'%s",
						      c->outputs[i].name, "");
		}
	}
	return 0;
}

int fwd_config_parse_string(const char *yaml, size_t len, const char *name, struct fwd_config **ret,
			    struct diag *diag)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;
	struct fwd_config *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(c);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = diag_err(diag, name, (unsigned)parser.problem_mark.line + 1,
			      (unsigned)parser.problem_mark.column + 1, "%s",
			      parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		free(c);
		return rc;
	}
	struct cp p = { .doc = &doc, .file = name, .diag = diag };
	rc = parse_doc(&p, c);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc) {
		fwd_config_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}

int fwd_config_load_file(const char *path, struct fwd_config **ret, struct diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (!n)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		goto out;
	}
	rc = fwd_config_parse_string(buf ? buf : "", len, path, ret, diag);
out:
	free(buf);
	fclose(f);
	return rc;
}

/* ---- filter --------------------------------------------------------------------------------- */

static int sev(const char *s)
{
	return s && *s ? atoi(s) : 0;
}

static int where_match(const char *w, const struct ward_record *r)
{
	const struct record_field *f;
	const char *v;
	char op[3];
	if (where_split(w, &f, op, &v))
		return 0;
	if (f->kind == RECORD_FIELD_STRING) {
		const char *s = record_get_string(r, f);
		s = s ? s : "";
		int c = strcmp(s, v);
		if (!strcmp(op, "="))
			return !c;
		if (!strcmp(op, "!="))
			return c != 0;
		if (!strcmp(op, "~"))
			return strstr(s, v) != NULL;
		if (!strcmp(op, "!~"))
			return !strstr(s, v);
		/* Severity compares as a number: it is "1".."10" */
		long long a = f->offset == offsetof(struct ward_record, severity) ? sev(s) : c,
			  b = f->offset == offsetof(struct ward_record, severity) ? atoll(v) : 0;
		return !strcmp(op, "<")	   ? a < b
		       : !strcmp(op, "<=") ? a <= b
		       : !strcmp(op, ">")  ? a > b
					   : a >= b;
	}
	long long a = record_get_int(r, f), b = atoll(v);
	if (f->kind == RECORD_FIELD_TIME)
		a /= 1000000000;
	if (!strcmp(op, "=") || !strcmp(op, "~"))
		return a == b;
	if (!strcmp(op, "!=") || !strcmp(op, "!~"))
		return a != b;
	return !strcmp(op, "<")	   ? a < b
	       : !strcmp(op, "<=") ? a <= b
	       : !strcmp(op, ">")  ? a > b
				   : a >= b;
}

int fwd_filter_match(const struct fwd_filter *f, const struct ward_record *r)
{
	if (f->type == 1 && !record_is_alert(r))
		return 0;
	if (f->type == 2 && record_is_alert(r))
		return 0;
	if (f->min_severity && sev(r->severity) < f->min_severity)
		return 0;
	if (f->n_operations) {
		int hit = 0;
		for (size_t i = 0; i < f->n_operations && !hit; i++)
			hit = r->operation && !strcmp(r->operation, f->operations[i]);
		if (!hit)
			return 0;
	}
	for (size_t i = 0; i < f->n_where; i++)
		if (!where_match(f->where[i], r))
			return 0;
	return 1;
}
