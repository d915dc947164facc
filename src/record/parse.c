/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.c - record_from_json(): one KubeArmor record in either JSON form (gRPC PascalCase or
 * the daemon's lower-camel file form) into a struct record_owned (see record.h).
 *
 * Used by `ward import` and the HTTP ingest. jansson parses; keys ward knows fill the record,
 * ATags/atags are dropped when they are the split of Tags (the writer derives them), and every other key is kept
 * verbatim (compact JSON) in extra_json so nothing is lost on the way into the store.
 * All strings end up in one allocation owned by the result.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/diag.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "record/record.h"

#define MAX_FIELDS 64

struct pctx {
	struct ward_record rec;
	struct strbuf extra;
	/* ATags as given: the elements joined by ',' (fast path) or the JSON value (jansson) */
	int atags_seen, atags_comma;
	struct strbuf atags;
	json_t *atags_v;	  /* borrowed from the parsed root */
	char num[MAX_FIELDS][24]; /* numbers given for string fields, as text */
	const char *name;
	unsigned line;
	struct diag *diag;
};

/*
 * Key → field: an import parses ~35 keys per record, so a linear scan of the field table per
 * key would dominate; a small hash table over both key forms is built once.
 */
#define KEYTAB 256
static const struct record_field *keytab[KEYTAB];
static const char *keytab_name[KEYTAB];
static pthread_once_t keytab_once = PTHREAD_ONCE_INIT;

static unsigned key_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void keytab_put(const char *name, const struct record_field *f)
{
	unsigned i = key_hash(name) % KEYTAB;
	while (keytab[i])
		i = (i + 1) % KEYTAB;
	keytab[i] = f;
	keytab_name[i] = name;
}

static void keytab_build(void)
{
	for (size_t i = 0; i < record_n_fields; i++) {
		keytab_put(record_fields[i].name, &record_fields[i]);
		if (record_fields[i].file_name &&
		    strcmp(record_fields[i].file_name, record_fields[i].name))
			keytab_put(record_fields[i].file_name, &record_fields[i]);
	}
}

static const struct record_field *find_exact(const char *key)
{
	pthread_once(&keytab_once, keytab_build);
	for (unsigned i = key_hash(key) % KEYTAB; keytab[i]; i = (i + 1) % KEYTAB)
		if (!strcmp(keytab_name[i], key))
			return keytab[i];
	return NULL;
}

static int fail(struct pctx *x, const char *key, const char *what)
{
	return diag_err(x->diag, x->name, x->line, 0, "'%s': %s", key, what);
}

static void set_str(struct ward_record *r, const struct record_field *f, const char *v)
{
	*(const char **)(void *)((char *)r + f->offset) = v;
}

static int get_int(json_t *v, int64_t *ret)
{
	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != (double)(int64_t)d)
			return -EINVAL;
		*ret = (int64_t)d;
		return 0;
	}
	if (json_is_string(v))
		return parse_i64(json_string_value(v), ret);
	if (json_is_null(v)) {
		*ret = 0;
		return 0;
	}
	return -EINVAL;
}

static int set_string_field(struct pctx *x, const struct record_field *f, const char *key,
			    json_t *v)
{
	size_t idx = (size_t)(f - record_fields);
	if (json_is_string(v)) {
		set_str(&x->rec, f, json_string_value(v));
		if (strlen(json_string_value(v)) != json_string_length(v))
			return fail(x, key, "string contains a NUL character");
		return 0;
	}
	if (json_is_null(v))
		return 0;
	if (json_is_integer(v) && idx < MAX_FIELDS) {
		/* e.g. "Severity": 5 from producers that write it as a number */
		snprintf(x->num[idx], sizeof(x->num[idx]), "%lld",
			 (long long)json_integer_value(v));
		set_str(&x->rec, f, x->num[idx]);
		return 0;
	}
	return fail(x, key, "expected a string");
}

static int set_int_field(struct pctx *x, const struct record_field *f, const char *key, json_t *v)
{
	int64_t n;
	if (get_int(v, &n))
		return fail(x, key, "expected an integer");
	char *base = (char *)&x->rec + f->offset;
	if (f->kind == RECORD_FIELD_INT32) {
		if (n < INT32_MIN || n > INT32_MAX)
			return fail(x, key, "out of range for a 32-bit integer");
		*(int32_t *)(void *)base = (int32_t)n;
	} else {
		if (n < 0 || n > UINT32_MAX)
			return fail(x, key, "out of range for an unsigned 32-bit integer");
		*(uint32_t *)(void *)base = (uint32_t)n;
	}
	return 0;
}

static int keep_extra(struct pctx *x, const char *key, json_t *v)
{
	char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!dump)
		return -ENOMEM;
	if (x->extra.len)
		strbuf_putc(&x->extra, ',');
	strbuf_put_json_string(&x->extra, key, strlen(key));
	strbuf_putc(&x->extra, ':');
	strbuf_puts(&x->extra, dump);
	free(dump);
	return strbuf_error(&x->extra);
}

/* Owner{Ref,Name,Namespace} / ExecEvent{ExecID,ExecutableName}: sub-keys matched in any case */
static int set_object(struct pctx *x, const char *key, json_t *v, const char *const *sub,
		      const char *const *fields, size_t n)
{
	const char *k;
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return fail(x, key, "expected an object");
	json_object_foreach(v, k, e)
	{
		size_t i;
		for (i = 0; i < n; i++)
			if (!strcasecmp(k, sub[i]))
				break;
		if (i == n)
			return fail(x, key,
				    "unknown member (only Ref/Name/Namespace or "
				    "ExecID/ExecutableName)");
		int r = set_string_field(x, record_field_find(fields[i]), key, e);
		if (r)
			return r;
	}
	return 0;
}

static int year_fits(const char *s)
{
	int y = 0;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		y = y * 10 + (s[i] - '0');
	}
	return y >= 1678 && y <= 2261;
}

static int handle_key(struct pctx *x, const char *key, json_t *v, int64_t *ts_secs, int64_t *ts_ns)
{
	static const char *const owner_sub[] = { "Ref", "Name", "Namespace" };
	static const char *const owner_f[] = { "OwnerRef", "OwnerName", "OwnerNamespace" };
	static const char *const exec_sub[] = { "ExecID", "ExecutableName" };
	static const char *const exec_f[] = { "ExecID", "ExecutableName" };

	if (!strcmp(key, "ATags") || !strcmp(key, "atags")) {
		/* usually derived from Tags; kept when it is not (null is no value, as for strings) */
		if (!json_is_null(v)) {
			x->atags_seen = 1;
			x->atags_v = v;
		}
		return 0;
	}
	if (!strcmp(key, "Owner") || !strcmp(key, "owner")) {
		x->rec.present |= RECORD_HAS_OWNER;
		return set_object(x, key, v, owner_sub, owner_f, 3);
	}
	if (!strcmp(key, "ExecEvent") || !strcmp(key, "execEvent")) {
		x->rec.present |= RECORD_HAS_EXEC_EVENT;
		return set_object(x, key, v, exec_sub, exec_f, 2);
	}
	const struct record_field *f = find_exact(key);
	if (!f)
		return keep_extra(x, key, v);
	switch (f->kind) {
	case RECORD_FIELD_TIME:
		if (!strcmp(f->name, "Timestamp")) {
			/* ts_ns must hold it: about ±292 years around 1970 */
			if (get_int(v, ts_secs) || *ts_secs > 9000000000LL ||
			    *ts_secs < -9000000000LL)
				return fail(x, key, "expected unix seconds");
			x->rec.present |= RECORD_HAS_TIMESTAMP;
		} else {
			/* years outside int64 nanoseconds would overflow parse_rfc3339() */
			if (!json_is_string(v) || !year_fits(json_string_value(v)) ||
			    parse_rfc3339(json_string_value(v), ts_ns))
				return fail(x, key, "expected an RFC 3339 time");
			x->rec.present |= RECORD_HAS_UPDATED_TIME;
		}
		return 0;
	case RECORD_FIELD_INT32:
	case RECORD_FIELD_UINT32:
		return set_int_field(x, f, key, v);
	case RECORD_FIELD_STRING:
		/* OwnerRef etc. only exist nested; a flat key of that name is foreign */
		if (!f->file_name && strcmp(f->name, key))
			return keep_extra(x, key, v);
		return set_string_field(x, f, key, v);
	}
	return keep_extra(x, key, v);
}

/*
 * Fast path for the common record: one flat object whose strings are plain ASCII without
 * escapes, integers, null, and (for ATags) arrays of such strings. It fills @x exactly as the
 * jansson path would and returns 1; for anything else (escapes, non-ASCII, nested objects,
 * fractions, duplicate keys, invalid JSON) it returns 0 and the caller parses with jansson,
 * which also writes every diagnostic. fuzz_import checks both paths agree.
 * @arena (>= len + 1 bytes) receives the NUL-terminated strings.
 */
struct tok {
	const char *p;
	size_t n;
};

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* a plain string token at *pp (on '"'); 0 if it needs jansson */
static int plain_string(const char **pp, const char *end, struct tok *t)
{
	const char *p = *pp + 1, *start = p;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\' || c < 0x20 || c >= 0x7f)
			return 0;
		p++;
	}
	if (p >= end)
		return 0;
	t->p = start;
	t->n = (size_t)(p - start);
	*pp = p + 1;
	return 1;
}

/* an integer token without fraction/exponent/leading zeros that fits int64; 0 otherwise */
static int plain_int(const char **pp, const char *end, int64_t *ret, struct tok *t)
{
	const char *p = *pp;
	int neg = 0;
	uint64_t v = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	const char *d = p;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == d || (p - d > 1 && *d == '0'))
		return 0;
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		return 0;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return 0;
	if (neg && v == 0)
		return 0; /* "-0": leave the exact rendering to jansson */
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	t->p = *pp;
	t->n = (size_t)(p - *pp);
	*pp = p;
	return 1;
}

/*
 * ATags is the writer's split of Tags on ','. It is stored only when the record's ATags is
 * not exactly that (or Tags has no ATags beside it), so the round trip gives back what came in.
 */
static int atags_differ(const struct pctx *x)
{
	if (!x->atags_seen)
		return 0;
	const char *tags = x->rec.tags ? x->rec.tags : "";
	return !*tags || x->atags_comma || strbuf_error(&x->atags) ||
	       strcmp(x->atags.buf ? x->atags.buf : "", tags) != 0;
}

/* the jansson path's ATags value joined like the fast path's (non-strings make it differ) */
static int atags_join_json(struct pctx *x)
{
	json_t *v = x->atags_v;
	if (!json_is_array(v)) {
		x->atags_comma = 1;
		return 0;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e) || memchr(json_string_value(e), 0, json_string_length(e))) {
			x->atags_comma = 1;
			return 0;
		}
		if (i)
			strbuf_putc(&x->atags, ',');
		strbuf_append(&x->atags, json_string_value(e), json_string_length(e));
		if (memchr(json_string_value(e), ',', json_string_length(e)))
			x->atags_comma = 1;
	}
	return strbuf_error(&x->atags);
}

static int fast_parse(struct pctx *x, const char *text, size_t len, char *arena, int64_t *ts_secs,
		      int64_t *ts_ns)
{
	const char *p = text, *end = text + len;
	uint64_t seen[2] = { 0, 0 };
	struct tok unknown[32];
	size_t n_unknown = 0, ai = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return 0;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return 0; /* empty object: let the slow path say what is missing */
	for (;;) {
		struct tok k, v;
		int64_t num = 0;
		int is_str = 0, is_null = 0;

		if (p >= end || *p != '"' || !plain_string(&p, end, &k))
			return 0;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return 0;
		p = skip_ws(p + 1, end);
		if (p >= end)
			return 0;
		char key[64];
		if (k.n >= sizeof(key))
			return 0;
		memcpy(key, k.p, k.n);
		key[k.n] = 0;
		int atags = !strcmp(key, "ATags") || !strcmp(key, "atags");
		if (atags && *p != '[' && *p != 'n')
			return 0; /* not an array: the general path keeps it as written */
		if (*p == '"') {
			if (!plain_string(&p, end, &v))
				return 0;
			is_str = 1;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if (!plain_int(&p, end, &num, &v))
				return 0;
		} else if (end - p >= 4 && !memcmp(p, "null", 4)) {
			v.p = p;
			v.n = 4;
			p += 4;
			is_null = 1;
		} else if (*p == '[' && atags) {
			/* usually derived from Tags: joined here, compared with it once Tags is known */
			x->atags_seen = 1;
			p = skip_ws(p + 1, end);
			if (p < end && *p == ']') {
				p++;
			} else {
				for (int n = 0;; n++) {
					struct tok e;
					if (p >= end || *p != '"' || !plain_string(&p, end, &e))
						return 0;
					if (n)
						strbuf_putc(&x->atags, ',');
					strbuf_append(&x->atags, e.p, e.n);
					if (memchr(e.p, ',', e.n))
						x->atags_comma = 1;
					p = skip_ws(p, end);
					if (p < end && *p == ',') {
						p = skip_ws(p + 1, end);
						continue;
					}
					if (p < end && *p == ']') {
						p++;
						break;
					}
					return 0;
				}
			}
			v.p = NULL;
			v.n = 0;
		} else {
			return 0; /* objects, true/false, anything else */
		}

		const struct record_field *f = atags ? NULL : find_exact(key);
		if (atags) {
			if (seen[1] & (1ULL << 63))
				return 0; /* duplicate key: jansson reports it */
			seen[1] |= 1ULL << 63;
		} else if (!f) {
			if (!strcmp(key, "Owner") || !strcmp(key, "owner") ||
			    !strcmp(key, "ExecEvent") || !strcmp(key, "execEvent"))
				return 0;
			for (size_t i = 0; i < n_unknown; i++)
				if (unknown[i].n == k.n && !memcmp(unknown[i].p, k.p, k.n))
					return 0;
			if (n_unknown == WARD_ARRAY_SIZE(unknown))
				return 0;
			unknown[n_unknown++] = k;
			/* what keep_extra() would write: the value as compact JSON */
			if (x->extra.len)
				strbuf_putc(&x->extra, ',');
			strbuf_putc(&x->extra, '"');
			strbuf_append(&x->extra, k.p, k.n);
			strbuf_puts(&x->extra, "\":");
			if (is_str) {
				strbuf_putc(&x->extra, '"');
				strbuf_append(&x->extra, v.p, v.n);
				strbuf_putc(&x->extra, '"');
			} else if (is_null) {
				strbuf_puts(&x->extra, "null");
			} else {
				strbuf_put_i64(&x->extra, num);
			}
		} else {
			size_t idx = (size_t)(f - record_fields);
			unsigned bit = (unsigned)(idx * 2 + (strcmp(f->name, key) != 0));
			if (bit >= 127 || (seen[bit / 64] & (1ULL << (bit % 64))))
				return 0;
			seen[bit / 64] |= 1ULL << (bit % 64);
			switch (f->kind) {
			case RECORD_FIELD_TIME:
				if (!strcmp(f->name, "Timestamp")) {
					if (is_str)
						return 0;
					if (is_null)
						*ts_secs = 0;
					else if (num > 9000000000LL || num < -9000000000LL)
						return 0;
					else
						*ts_secs = num;
					x->rec.present |= RECORD_HAS_TIMESTAMP;
				} else {
					if (!is_str)
						return 0;
					memcpy(arena + ai, v.p, v.n);
					arena[ai + v.n] = 0;
					if (!year_fits(arena + ai) ||
					    parse_rfc3339(arena + ai, ts_ns))
						return 0;
					x->rec.present |= RECORD_HAS_UPDATED_TIME;
				}
				break;
			case RECORD_FIELD_INT32:
			case RECORD_FIELD_UINT32: {
				if (is_str)
					return 0;
				char *base = (char *)&x->rec + f->offset;
				if (f->kind == RECORD_FIELD_INT32) {
					if (num < INT32_MIN || num > INT32_MAX)
						return 0;
					*(int32_t *)(void *)base = (int32_t)num;
				} else {
					if (num < 0 || num > UINT32_MAX)
						return 0;
					*(uint32_t *)(void *)base = (uint32_t)num;
				}
				break;
			}
			case RECORD_FIELD_STRING:
				if (is_null) {
					/* as jansson's path: null leaves the field as it is */
				} else if (is_str) {
					memcpy(arena + ai, v.p, v.n);
					arena[ai + v.n] = 0;
					set_str(&x->rec, f, arena + ai);
					ai += v.n + 1;
				} else if (idx < MAX_FIELDS) {
					snprintf(x->num[idx], sizeof(x->num[idx]), "%lld",
						 (long long)num);
					set_str(&x->rec, f, x->num[idx]);
				} else {
					return 0;
				}
				break;
			}
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}') {
			p = skip_ws(p + 1, end);
			return p == end;
		}
		return 0;
	}
}

void record_owned_free(struct record_owned *o)
{
	if (!o)
		return;
	free(o->storage);
	free(o);
}

/* copy every string of x->rec into one allocation owned by @o */
static int own_strings(struct pctx *x, struct record_owned *o)
{
	size_t total = 0;
	for (size_t i = 0; i < record_n_fields; i++) {
		const char *s = record_get_string(&x->rec, &record_fields[i]);
		if (s && *s)
			total += strlen(s) + 1;
	}
	total += x->extra.len + 1;
	o->storage = malloc(total);
	if (!o->storage)
		return -ENOMEM;
	o->rec = x->rec;
	char *p = o->storage;
	for (size_t i = 0; i < record_n_fields; i++) {
		const struct record_field *f = &record_fields[i];
		const char *s = record_get_string(&x->rec, f);
		if (!s)
			continue;
		if (!*s) {
			set_str(&o->rec, f, NULL);
			continue;
		}
		size_t l = strlen(s) + 1;
		memcpy(p, s, l);
		set_str(&o->rec, f, p);
		p += l;
	}
	o->rec.extra_json = NULL;
	if (x->extra.len) {
		memcpy(p, x->extra.buf, x->extra.len + 1);
		o->rec.extra_json = p;
	}
	return 0;
}

/* record_parse_slow: 1 = always the jansson path (fuzz_import compares both paths) */
int record_parse_slow;

int record_from_json(const char *text, size_t len, const char *name, unsigned line,
		     struct record_owned **ret, struct diag *diag)
{
	char *arena = NULL;
	struct pctx *x = calloc(1, sizeof(*x));
	struct record_owned *o = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int64_t ts_secs = 0, ts_ns = 0;
	const char *key;
	json_t *v;
	int r;

	if (!x)
		return -ENOMEM;
	strbuf_init(&x->extra);
	strbuf_init(&x->atags);
	x->name = name ? name : "<input>";
	x->line = line;
	x->diag = diag;
	if (!record_parse_slow && len < (64u << 20)) {
		arena = malloc(len + 1);
		if (!arena) {
			r = -ENOMEM;
			goto out;
		}
		if (fast_parse(x, text, len, arena, &ts_secs, &ts_ns))
			goto parsed;
		/* start over on the general path */
		memset(&x->rec, 0, sizeof(x->rec));
		strbuf_reset(&x->extra);
		strbuf_reset(&x->atags);
		x->atags_seen = x->atags_comma = 0;
		ts_secs = ts_ns = 0;
	}
general:
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		r = diag_err(diag, x->name, line + (jerr.line > 0 ? (unsigned)jerr.line - 1 : 0),
			     jerr.line == 1 || jerr.line <= 0 ? 0 : (unsigned)jerr.column, "%s",
			     jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		r = diag_err(diag, x->name, line, 0, "not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		r = handle_key(x, key, v, &ts_secs, &ts_ns);
		if (r)
			goto out;
	}
parsed:
	/* "Timestamp": 0 is KubeArmor's empty value (the writer omits it), so it is no time */
	if ((x->rec.present & RECORD_HAS_TIMESTAMP) && !ts_secs &&
	    !(x->rec.present & RECORD_HAS_UPDATED_TIME))
		x->rec.present &= ~RECORD_HAS_TIMESTAMP;
	if (!(x->rec.present & (RECORD_HAS_TIMESTAMP | RECORD_HAS_UPDATED_TIME))) {
		r = diag_err(diag, x->name, line, 0,
			     "not a KubeArmor record (no Timestamp or UpdatedTime)");
		goto out;
	}
	if (x->rec.present & RECORD_HAS_UPDATED_TIME) {
		x->rec.ts_ns = ts_ns; /* the precise one */
		/* a Timestamp that is not UpdatedTime's second is kept as given */
		if ((x->rec.present & RECORD_HAS_TIMESTAMP) && ts_secs != ts_ns / 1000000000LL) {
			x->rec.present &= ~RECORD_HAS_TIMESTAMP;
			if (x->extra.len)
				strbuf_putc(&x->extra, ',');
			strbuf_puts(&x->extra, "\"Timestamp\":");
			strbuf_put_i64(&x->extra, ts_secs);
		}
	} else {
		x->rec.ts_ns = ts_secs * 1000000000LL;
	}
	if (!root && atags_differ(x)) {
		/* rare: let the general path keep the array as it was written */
		memset(&x->rec, 0, sizeof(x->rec));
		strbuf_reset(&x->extra);
		strbuf_reset(&x->atags);
		x->atags_seen = x->atags_comma = 0;
		ts_secs = ts_ns = 0;
		goto general;
	}
	if (root && x->atags_seen) {
		r = atags_join_json(x);
		if (r)
			goto out;
		if (atags_differ(x)) {
			r = keep_extra(x, "ATags", x->atags_v);
			if (r)
				goto out;
			x->rec.present |= RECORD_NO_ATAGS;
		}
	}
	if (!x->atags_seen && x->rec.tags && *x->rec.tags)
		x->rec.present |= RECORD_NO_ATAGS; /* Tags without ATags stays so */
	if (strbuf_error(&x->extra)) {
		r = -ENOMEM;
		goto out;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		r = -ENOMEM;
		goto out;
	}
	r = own_strings(x, o);
	if (r)
		goto out;
	*ret = o;
	o = NULL;
	r = 0;
out:
	record_owned_free(o);
	json_decref(root);
	strbuf_done(&x->extra);
	strbuf_done(&x->atags);
	free(x);
	free(arena);
	return r;
}

int record_extra_without(const char *extra, const char *key, struct strbuf *out)
{
	struct strbuf wrapped;
	json_error_t jerr;
	strbuf_init(&wrapped);
	strbuf_reset(out);
	strbuf_putc(&wrapped, '{');
	strbuf_puts(&wrapped, extra ? extra : "");
	strbuf_putc(&wrapped, '}');
	int r = strbuf_error(&wrapped);
	json_t *o = r ? NULL : json_loadb(wrapped.buf, wrapped.len, JSON_ALLOW_NUL, &jerr);
	if (!r && !json_is_object(o))
		r = -EINVAL;
	if (!r) {
		json_object_del(o, key);
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v)
		{
			char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (!dump) {
				r = -ENOMEM;
				break;
			}
			if (out->len)
				strbuf_putc(out, ',');
			strbuf_put_json_string(out, k, strlen(k));
			strbuf_putc(out, ':');
			strbuf_puts(out, dump);
			free(dump);
		}
		if (!r)
			r = strbuf_error(out);
	}
	json_decref(o);
	strbuf_done(&wrapped);
	return r;
}
