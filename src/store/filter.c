/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filter.c - `ward logs` / HTTP API filters and their compilation to SQL (see store.h).
 *
 * This is the one place SQL conditions are written. Every user value becomes a bound
 * parameter; the only text pasted into SQL is column names from the column map and fixed
 * fragments. The dialect switch covers what differs between SQLite and PostgreSQL:
 * placeholders (? vs $N), substring (instr vs strpos), null-safe inequality (IS NOT vs IS
 * DISTINCT FROM), numeric casts of dictionary strings and full-text search (FTS5 vs tsvector).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "common/strbuf.h"
#include "store/internal.h"

enum op {
	OP_EQ,
	OP_NE,
	OP_SUB,
	OP_NSUB,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE
};
static const char *const op_sql[] = { "=", "<>", "", "", "<", "<=", ">", ">=" };

enum cond_kind {
	C_FIELD,     /* a record field OP value */
	C_TYPECLASS, /* --type alert|log */
	C_TAG,	     /* one element of Tags */
	C_TEXT,	     /* FTS over Message/Resource/Source */
	C_TS,	     /* since/until and time comparisons, in ns */
	C_TS_SECS,   /* Timestamp OP unix seconds */
};

struct cond {
	enum cond_kind kind;
	size_t field; /* index in record_fields[] */
	enum op op;
	char *value; /* owned, as given (for text conditions) */
	int64_t num;
	int64_t h; /* dictionary hash of value */
};

struct store_filter {
	struct cond *c;
	size_t n, cap;
};

int store_filter_new(struct store_filter **ret)
{
	struct store_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*ret = f;
	return 0;
}

void store_filter_free(struct store_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->c[i].value);
	free(f->c);
	free(f);
}

static int add_cond(struct store_filter *f, enum cond_kind kind, size_t field, enum op op,
		    const char *value, int64_t num)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		struct cond *nc = realloc(f->c, ncap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		f->c = nc;
		f->cap = ncap;
	}
	char *v = strdup(value ? value : "");
	if (!v)
		return -ENOMEM;
	f->c[f->n++] = (struct cond){ .kind = kind,
				      .field = field,
				      .op = op,
				      .value = v,
				      .num = num,
				      .h = store_str_hash(v, strlen(v)) };
	return 0;
}

static size_t field_index(const struct record_field *rf)
{
	return (size_t)(rf - record_fields);
}

static const struct record_field *field_by_flag(const char *word)
{
	for (size_t i = 0; i < record_n_fields; i++)
		if (record_fields[i].flag && !strcmp(record_fields[i].flag, word))
			return &record_fields[i];
	return NULL;
}

/* words that are not a field's own flag */
static const char *const special_words[] = { "where", "since",	  "until",	  "text",     "tag",
					     "type",  "severity", "container-id", "container" };

int store_filter_is_word(const char *word)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(special_words); i++)
		if (!strcmp(word, special_words[i]))
			return 1;
	return field_by_flag(word) != NULL;
}

/*
 * parse_time_spec() with the range checked first: common/parse.c multiplies seconds by 1e9
 * without an overflow check, so durations and years that do not fit int64 ns are refused here.
 */
static int time_spec(const char *v, int64_t now, int64_t *ret)
{
	int64_t secs;
	if (!parse_duration(v, &secs)) {
		if (secs < 0 || secs > 9000000000LL || now - secs < -9000000000LL)
			return -ERANGE;
	} else {
		int y = 0;
		for (int i = 0; i < 4; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -EINVAL;
			y = y * 10 + (v[i] - '0');
		}
		if (y < 1678 || y > 2261)
			return -ERANGE;
	}
	return parse_time_spec(v, now, ret);
}

static int all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* a condition on field @rf with @op and @value, checked for the field's kind */
static int add_field_cond(struct store_filter *f, const struct record_field *rf, enum op op,
			  const char *value, int64_t now, char *err, size_t errsize)
{
	int64_t num = 0;
	int r;

	switch (rf->kind) {
	case RECORD_FIELD_TIME:
		if (op == OP_SUB || op == OP_NSUB) {
			store_seterr(err, errsize, "operator %s is not supported for %s",
				     op == OP_SUB ? "~" : "!~", rf->name);
			return -EINVAL;
		}
		if (!strcmp(rf->name, "Timestamp") && all_digits(value)) {
			if (parse_i64(value, &num)) {
				store_seterr(err, errsize, "'%s' is not a number", value);
				return -EINVAL;
			}
			return add_cond(f, C_TS_SECS, field_index(rf), op, value, num);
		}
		r = time_spec(value, now, &num);
		if (r) {
			store_seterr(err, errsize,
				     "'%s' is not a time (use RFC 3339 or a duration like 15m)",
				     value);
			return -EINVAL;
		}
		return add_cond(f, C_TS, field_index(rf), op, value, num);
	case RECORD_FIELD_INT32:
	case RECORD_FIELD_UINT32:
		if (op != OP_SUB && op != OP_NSUB) {
			if (parse_i64(value, &num)) {
				store_seterr(err, errsize, "%s: '%s' is not a number", rf->name,
					     value);
				return -EINVAL;
			}
		}
		return add_cond(f, C_FIELD, field_index(rf), op, value, num);
	case RECORD_FIELD_STRING:
		if (!strcmp(rf->name, "Severity") && op >= OP_LT) {
			if (parse_i64(value, &num)) {
				store_seterr(err, errsize, "Severity: '%s' is not a number", value);
				return -EINVAL;
			}
		}
		return add_cond(f, C_FIELD, field_index(rf), op, value, num);
	}
	return -EINVAL;
}

int store_filter_where(struct store_filter *f, const char *expr, int64_t now, char *err,
		       size_t errsize)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = { { "!~", OP_NSUB }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		    { "=", OP_EQ },    { "~", OP_SUB }, { "<", OP_LT },	 { ">", OP_GT } };
	char name[64];
	size_t n = 0;
	const char *p = expr;

	while (isspace((unsigned char)*p))
		p++;
	while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < sizeof(name))
		name[n++] = *p++;
	name[n] = 0;
	if (!n) {
		store_seterr(err, errsize, "expected 'Field OP Value', got '%s'", expr);
		return -EINVAL;
	}
	while (isspace((unsigned char)*p))
		p++;
	enum op op = OP_EQ;
	size_t i;
	for (i = 0; i < WARD_ARRAY_SIZE(ops); i++) {
		size_t l = strlen(ops[i].s);
		if (!strncmp(p, ops[i].s, l)) {
			op = ops[i].op;
			p += l;
			break;
		}
	}
	const struct record_field *rf = record_field_find(name);
	if (!rf) {
		const char *sug = record_field_suggest(name);
		if (sug)
			store_seterr(err, errsize, "unknown field '%s' (did you mean '%s'?)", name,
				     sug);
		else
			store_seterr(err, errsize, "unknown field '%s'", name);
		return -EINVAL;
	}
	if (i == WARD_ARRAY_SIZE(ops)) {
		store_seterr(err, errsize,
			     "expected an operator (= != ~ !~ < <= > >=) after '%s' in '%s'", name,
			     expr);
		return -EINVAL;
	}
	/* one space after the operator is layout ("Field = Value"); the rest is the value */
	if (*p == ' ')
		p++;
	return add_field_cond(f, rf, op, p, now, err, errsize);
}

/*
 * The FTS value must be literal: store_filter_add() keeps the user's words; the SQLite MATCH
 * string is built here as "w1" "w2" (each word quoted, quotes doubled).
 */
static char *fts_literal(const char *words)
{
	struct strbuf sb;
	strbuf_init(&sb);
	const char *p = words;
	int n = 0;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n++)
			strbuf_putc(&sb, ' ');
		strbuf_putc(&sb, '"');
		while (*p && !isspace((unsigned char)*p)) {
			if (*p == '"')
				strbuf_putc(&sb, '"');
			strbuf_putc(&sb, *p++);
		}
		strbuf_putc(&sb, '"');
	}
	if (!n)
		strbuf_puts(&sb, "\"\"");
	if (strbuf_error(&sb)) {
		strbuf_done(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

int store_filter_add(struct store_filter *f, const char *word, const char *value, int64_t now,
		     char *err, size_t errsize)
{
	int64_t num;
	if (!value)
		value = "";
	if (!strcmp(word, "where"))
		return store_filter_where(f, value, now, err, errsize);
	if (!strcmp(word, "since") || !strcmp(word, "until")) {
		if (time_spec(value, now, &num)) {
			store_seterr(
				err, errsize,
				"--%s: '%s' is not a time (use RFC 3339 or a duration like 15m)",
				word, value);
			return -EINVAL;
		}
		return add_cond(f, C_TS, 0, word[0] == 's' ? OP_GE : OP_LT, value, num);
	}
	if (!strcmp(word, "text")) {
		if (!*value) {
			store_seterr(err, errsize, "--text needs words");
			return -EINVAL;
		}
		char *lit = fts_literal(value);
		if (!lit)
			return -ENOMEM;
		int r = add_cond(f, C_TEXT, 0, OP_EQ, lit, 0);
		free(lit);
		return r;
	}
	if (!strcmp(word, "tag"))
		return add_cond(f, C_TAG, 0, OP_EQ, value, 0);
	if (!strcmp(word, "type")) {
		if (!strcasecmp(value, "all"))
			return 0;
		if (!strcasecmp(value, "alert"))
			return add_cond(f, C_TYPECLASS, 0, OP_EQ, value, 0);
		if (!strcasecmp(value, "log"))
			return add_cond(f, C_TYPECLASS, 0, OP_EQ, value, 1);
		return add_field_cond(f, record_field_find("Type"), OP_EQ, value, now, err,
				      errsize);
	}
	if (!strcmp(word, "severity"))
		return add_field_cond(f, record_field_find("Severity"), OP_GE, value, now, err,
				      errsize);
	const struct record_field *rf = field_by_flag(word);
	if (!rf) {
		store_seterr(err, errsize, "unknown filter '%s'", word);
		return -EINVAL;
	}
	return add_field_cond(f, rf, OP_EQ, value, now, err, errsize);
}

/* ---- compilation ---------------------------------------------------------------------------- */

struct sqlctx {
	const struct cond *lead; /* the equality the SQLite plan should drive (see index_rank) */
	enum store_dialect d;
	struct strbuf *out;
	struct store_param *params;
	size_t max, n;
	int first;
	int overflow;
};

static void ph_text(struct sqlctx *x, const char *s)
{
	if (x->n >= x->max) {
		x->overflow = 1;
		return;
	}
	x->params[x->n] = (struct store_param){ .is_text = 1, .s = s };
	x->n++;
	if (x->d == STORE_DIALECT_POSTGRES)
		strbuf_printf(x->out, "$%d", x->first + (int)x->n - 1);
	else
		strbuf_putc(x->out, '?');
}

static void ph_int(struct sqlctx *x, int64_t v)
{
	if (x->n >= x->max) {
		x->overflow = 1;
		return;
	}
	x->params[x->n] = (struct store_param){ .is_text = 0, .i = v };
	x->n++;
	if (x->d == STORE_DIALECT_POSTGRES)
		strbuf_printf(x->out, "$%d", x->first + (int)x->n - 1);
	else
		strbuf_putc(x->out, '?');
}

static const char *dict_table(enum store_col_kind k)
{
	return k == STORE_COL_TDICT ? "tdict" : "sdict";
}

/* `instr(HAY, ?) > 0` / `strpos(HAY, $n) > 0` */
static void sub_test(struct sqlctx *x, const char *hay, const char *needle)
{
	strbuf_puts(x->out, x->d == STORE_DIALECT_POSTGRES ? "strpos(" : "instr(");
	strbuf_puts(x->out, hay);
	strbuf_puts(x->out, ", ");
	ph_text(x, needle);
	strbuf_puts(x->out, ") > 0");
}

/*
 * The id of @v in @tbl as a scalar subquery. SQLite is told to use the hash index: statistics
 * gathered while a dictionary was tiny would otherwise make a full scan look cheaper.
 */
static void dict_lookup(struct sqlctx *x, const char *tbl, const struct cond *c)
{
	if (x->d == STORE_DIALECT_SQLITE)
		strbuf_printf(x->out, "(SELECT id FROM %s INDEXED BY %s_h WHERE h = ", tbl, tbl);
	else
		strbuf_printf(x->out, "(SELECT id FROM %s WHERE h = ", tbl);
	ph_int(x, c->h);
	strbuf_puts(x->out, " AND s = ");
	ph_text(x, c->value);
	strbuf_puts(x->out, ")");
}

static const char *int_cast(enum store_dialect d)
{
	return d == STORE_DIALECT_POSTGRES ? "(CASE WHEN s ~ '^-?[0-9]{1,18}$' THEN s::bigint END)"
					   : "CAST(s AS INTEGER)";
}

static void compile_dict(struct sqlctx *x, const struct store_col *col, const struct cond *c)
{
	const char *tbl = dict_table(col->kind);
	const char *n = col->name;
	int sev = !strcmp(col->field->name, "Severity");
	int empty = !*c->value;

	switch (c->op) {
	case OP_EQ:
		if (empty) {
			strbuf_printf(x->out, "r.%s IS NULL", n);
			return;
		}
		/*
		 * = with a scalar subquery (each string has one id: the writer never inserts a
		 * duplicate), so the planner can walk (column, ts) newest first with no sort
		 */
		strbuf_printf(x->out, "%sr.%s = ", x->lead && x->lead != c ? "+" : "", n);
		dict_lookup(x, tbl, c);
		return;
	case OP_NE:
		if (empty) {
			strbuf_printf(x->out, "r.%s IS NOT NULL", n);
			return;
		}
		strbuf_printf(x->out, "r.%s %s ", n,
			      x->d == STORE_DIALECT_POSTGRES ? "IS DISTINCT FROM" : "IS NOT");
		dict_lookup(x, tbl, c);
		return;
	case OP_SUB:
	case OP_NSUB:
		if (empty) {
			strbuf_puts(x->out, c->op == OP_SUB ? "1=1" : "1=0");
			return;
		}
		if (c->op == OP_SUB)
			strbuf_printf(x->out, "r.%s IN (SELECT id FROM %s WHERE ", n, tbl);
		else
			strbuf_printf(x->out,
				      "(r.%s IS NULL OR r.%s NOT IN (SELECT id FROM %s WHERE ", n,
				      n, tbl);
		sub_test(x, "s", c->value);
		strbuf_puts(x->out, c->op == OP_SUB ? ")" : "))");
		return;
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		strbuf_printf(x->out, "r.%s IN (SELECT id FROM %s WHERE ", n, tbl);
		if (sev) {
			strbuf_printf(x->out, "%s %s ", int_cast(x->d), op_sql[c->op]);
			ph_int(x, c->num);
		} else {
			strbuf_printf(x->out, "s %s%s ",
				      x->d == STORE_DIALECT_POSTGRES ? "COLLATE \"C\" " : "",
				      op_sql[c->op]);
			ph_text(x, c->value);
		}
		strbuf_puts(x->out, ")");
		return;
	}
}

static void compile_text_col(struct sqlctx *x, const struct store_col *col, const struct cond *c)
{
	const char *n = col->name;
	char hay[48];
	int empty = !*c->value;
	switch (c->op) {
	case OP_EQ:
	case OP_NE:
		if (empty) {
			strbuf_printf(x->out, "r.%s IS %sNULL", n, c->op == OP_NE ? "NOT " : "");
			return;
		}
		if (c->op == OP_EQ)
			strbuf_printf(x->out, "r.%s = ", n);
		else
			strbuf_printf(x->out, "r.%s %s ", n,
				      x->d == STORE_DIALECT_POSTGRES ? "IS DISTINCT FROM"
								     : "IS NOT");
		ph_text(x, c->value);
		return;
	case OP_SUB:
	case OP_NSUB:
		if (empty) {
			strbuf_puts(x->out, c->op == OP_SUB ? "1=1" : "1=0");
			return;
		}
		snprintf(hay, sizeof(hay), "r.%s", n);
		if (c->op == OP_NSUB)
			strbuf_printf(x->out, "(r.%s IS NULL OR NOT ", n);
		sub_test(x, hay, c->value);
		if (c->op == OP_NSUB)
			strbuf_puts(x->out, ")");
		return;
	default:
		strbuf_printf(x->out, "r.%s %s%s ", n,
			      x->d == STORE_DIALECT_POSTGRES ? "COLLATE \"C\" " : "",
			      op_sql[c->op]);
		ph_text(x, c->value);
		return;
	}
}

static void compile_int_col(struct sqlctx *x, const struct store_col *col, const struct cond *c)
{
	char hay[64];
	if (c->op == OP_SUB || c->op == OP_NSUB) {
		snprintf(hay, sizeof(hay),
			 x->d == STORE_DIALECT_POSTGRES ? "r.%s::text" : "CAST(r.%s AS TEXT)",
			 col->name);
		if (c->op == OP_NSUB)
			strbuf_puts(x->out, "NOT ");
		sub_test(x, hay, c->value);
		return;
	}
	strbuf_printf(x->out, "r.%s %s ", col->name, op_sql[c->op]);
	ph_int(x, c->num);
}

/* FTS words as a literal query: each word a quoted phrase, so no FTS syntax reaches it */
static void compile_text_search(struct sqlctx *x, const struct cond *c)
{
	static const char *const cols3[] = { "message", "resource", "source" };
	strbuf_puts(x->out, "(");
	for (size_t i = 0; i < 3; i++) {
		if (i)
			strbuf_puts(x->out, " OR ");
		if (x->d == STORE_DIALECT_POSTGRES) {
			strbuf_printf(
				x->out,
				"r.%s IN (SELECT id FROM tdict WHERE to_tsvector('simple', s) "
				"@@ plainto_tsquery('simple', ",
				cols3[i]);
			ph_text(x, c->value);
			strbuf_puts(x->out, "))");
		} else {
			strbuf_printf(x->out,
				      "r.%s IN (SELECT rowid FROM tdict_fts WHERE tdict_fts MATCH ",
				      cols3[i]);
			ph_text(x, c->value);
			strbuf_puts(x->out, ")");
		}
	}
	strbuf_puts(x->out, ")");
}

static void compile_cond(struct sqlctx *x, const struct cond *c, char *scratch_owner)
{
	const struct store_col *cols = store_cols();
	(void)scratch_owner;
	switch (c->kind) {
	case C_TS:
		strbuf_printf(x->out, "r.ts %s ", op_sql[c->op == OP_NE ? OP_NE : c->op]);
		ph_int(x, c->num);
		return;
	case C_TS_SECS:
		strbuf_printf(x->out, "(r.ts / 1000000000) %s ", op_sql[c->op]);
		ph_int(x, c->num);
		return;
	case C_TYPECLASS:
		strbuf_puts(x->out, "r.type IN (SELECT id FROM sdict WHERE s IN (");
		if (c->num == 0) {
			ph_text(x, "MatchedPolicy");
			strbuf_puts(x->out, ", ");
			ph_text(x, "MatchedHostPolicy");
			strbuf_puts(x->out, ", ");
			ph_text(x, "MatchedNetworkPolicy");
			strbuf_puts(x->out, ", ");
			ph_text(x, "SystemEvent");
		} else {
			ph_text(x, "ContainerLog");
			strbuf_puts(x->out, ", ");
			ph_text(x, "HostLog");
		}
		strbuf_puts(x->out, "))");
		return;
	case C_TAG:
		strbuf_puts(x->out, "r.tags IN (SELECT id FROM sdict WHERE ");
		sub_test(x, "(',' || s || ',')", c->value);
		strbuf_puts(x->out, ")");
		return;
	case C_TEXT:
		compile_text_search(x, c);
		return;
	case C_FIELD:
		break;
	}
	const struct store_col *col = &cols[c->field];
	switch (col->kind) {
	case STORE_COL_SDICT:
	case STORE_COL_TDICT:
		compile_dict(x, col, c);
		return;
	case STORE_COL_TEXT:
		compile_text_col(x, col, c);
		return;
	case STORE_COL_INT:
		compile_int_col(x, col, c);
		return;
	case STORE_COL_TS:
	case STORE_COL_NONE:
		strbuf_puts(x->out, "1=1");
		return;
	}
}

/*
 * The (field, ts) indexes from the most to the least selective in real logs. SQLite's planner
 * cannot see which dictionary id a scalar subquery yields (and sampled statistics on a growing
 * store mislead it), so with several indexed equalities it may walk Operation (a third of the
 * store) instead of HostName. The SQLite text therefore marks every other indexed equality with
 * unary + (no index) and lets the most selective one drive the newest-first walk.
 */
static int index_rank(const struct cond *c)
{
	/* Type and Operation have no index since schema version 2 (schema.c): never the lead */
	static const char *const order[] = { "ContainerID", "PodName", "ProcessName", "PolicyName",
					     "HostName" };
	if (c->kind != C_FIELD || c->op != OP_EQ || !*c->value)
		return -1;
	const char *name = record_fields[c->field].name;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(order); i++)
		if (!strcmp(order[i], name))
			return (int)i;
	return -1;
}

static int filter_sql(const struct store_filter *f, enum store_dialect dialect, int first_param,
		      struct strbuf *out, struct store_param *params, size_t max, size_t *ret_n,
		      int plain)
{
	struct sqlctx x = {
		.d = dialect, .out = out, .params = params, .max = max, .first = first_param
	};
	if (f && dialect == STORE_DIALECT_SQLITE && !plain) {
		int best = -1;
		for (size_t i = 0; i < f->n; i++) {
			int rk = index_rank(&f->c[i]);
			if (rk >= 0 && (best < 0 || rk < best)) {
				best = rk;
				x.lead = &f->c[i];
			}
		}
	}
	if (!f || !f->n) {
		strbuf_puts(out, "1=1");
	} else {
		for (size_t i = 0; i < f->n; i++) {
			if (i)
				strbuf_puts(out, " AND ");
			strbuf_putc(out, '(');
			compile_cond(&x, &f->c[i], NULL);
			strbuf_putc(out, ')');
		}
	}
	if (x.overflow)
		return -E2BIG;
	if (strbuf_error(out))
		return -ENOMEM;
	*ret_n = x.n;
	return 0;
}

int store_filter_sql(const struct store_filter *f, enum store_dialect dialect, int first_param,
		     struct strbuf *out, struct store_param *params, size_t max, size_t *ret_n)
{
	return filter_sql(f, dialect, first_param, out, params, max, ret_n, 0);
}

int store_filter_sql_plain(const struct store_filter *f, int first_param, struct strbuf *out,
			   struct store_param *params, size_t max, size_t *ret_n)
{
	return filter_sql(f, STORE_DIALECT_SQLITE, first_param, out, params, max, ret_n, 1);
}
