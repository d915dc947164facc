/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c - check one parsed document against the CRD schema of its kind (schema_gen.c),
 * reporting every problem at the offending node, then hand valid documents to convert.c.
 *
 * "Valid" means what `kubectl apply --validate=strict` accepts: the structural schema (types,
 * required, enum, pattern, minimum/maximum, maxLength, maxItems), no unknown fields, and the
 * object metadata the API server insists on (metadata.name as an RFC 1123 subdomain). CRD
 * patterns are ECMA-262 regexes searched unanchored (Kubernetes semantics), so they are matched
 * here by hand-written functions that follow that semantics exactly (kubearmor.md §1.12): e.g.
 * the capability pattern is only end-anchored, so `cap_net_raw` passes and `NET_RAW` does not.
 */
#include "policy/load.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

/* ---- patterns (ECMA-262 semantics) -------------------------------------------------------- */

static const char *const protocol_words[] = {
	"tcp",	     "TCP",	  "udp",  "UDP",    "raw",    "RAW",	"icmp",	 "ICMP", "icmpv6",
	"ICMPV6",    "sctp",	  "SCTP", "stream", "STREAM", "dgram",	"DGRAM", "rdm",	 "RDM",
	"seqpacket", "SEQPACKET", "dccp", "DCCP",   "packet", "PACKET", "all",	 "ALL",	 NULL,
};

static const char *const capability_words[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	NULL,
};

/* ECMA-262 LineTerminator: LF, CR, U+2028, U+2029 ('.' does not match them). */
static size_t line_terminator_at(const char *s, size_t len, size_t i)
{
	if (s[i] == '\n' || s[i] == '\r')
		return 1;
	if (i + 2 < len + 0 && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
	    ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
		return 3;
	return 0;
}

/* Start byte of the last UTF-8 character of a non-empty string. */
static size_t last_char_start(const char *s, size_t len)
{
	size_t i = len - 1;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* No line terminator in s[from, to). */
static int no_line_terminator(const char *s, size_t len, size_t from, size_t to)
{
	for (size_t i = from; i < to && i < len; i++)
		if (line_terminator_at(s, len, i))
			return 0;
	return 1;
}

/* ^\/+.*[^\/]$ : '/' first, at least two characters, last not '/', '.' part has no LT. */
static int match_path(const char *s, size_t len)
{
	if (len < 2 || s[0] != '/')
		return 0;
	size_t last = last_char_start(s, len);
	if (last == 0 || s[last] == '/')
		return 0;
	return no_line_terminator(s, len, 1, last);
}

/* ^\/$|^\/.*\/$ */
static int match_dir(const char *s, size_t len)
{
	if (len == 1 && s[0] == '/')
		return 1;
	if (len < 2 || s[0] != '/' || s[len - 1] != '/')
		return 0;
	return no_line_terminator(s, len, 1, len - 1);
}

/* ^[^\/]+$ ([^/] matches line terminators too) */
static int match_exec(const char *s, size_t len)
{
	return len > 0 && !memchr(s, '/', len);
}

/* (alt|alt|...)$ : unanchored at the start, so any suffix equal to a word matches. */
static int match_suffix(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++) {
		size_t w = strlen(*words);
		if (w <= len && memcmp(s + len - w, *words, w) == 0)
			return 1;
	}
	return 0;
}

int schema_pattern_match(enum schema_pattern p, const char *s, size_t len)
{
	switch (p) {
	case SCHEMA_PAT_NONE:
		return 1;
	case SCHEMA_PAT_PATH:
		return match_path(s, len);
	case SCHEMA_PAT_DIR:
		return match_dir(s, len);
	case SCHEMA_PAT_EXEC:
		return match_exec(s, len);
	case SCHEMA_PAT_SYSPATH:
		return match_path(s, len) || match_dir(s, len);
	case SCHEMA_PAT_PROTO:
		return match_suffix(s, len, protocol_words);
	case SCHEMA_PAT_CAP:
		return match_suffix(s, len, capability_words);
	}
	return 0;
}

const char *schema_pattern_source(enum schema_pattern p)
{
	switch (p) {
	case SCHEMA_PAT_NONE:
		return "";
	case SCHEMA_PAT_PATH:
		return "^\\/+.*[^\\/]$";
	case SCHEMA_PAT_DIR:
		return "^\\/$|^\\/.*\\/$";
	case SCHEMA_PAT_EXEC:
		return "^[^\\/]+$";
	case SCHEMA_PAT_SYSPATH:
		return "(^\\/+.*[^\\/]$)|(^\\/$|^\\/.*\\/$)";
	case SCHEMA_PAT_PROTO:
		return "(tcp|TCP|udp|UDP|raw|RAW|icmp|ICMP|icmpv6|ICMPV6|sctp|SCTP|stream|STREAM|"
		       "dgram|DGRAM|rdm|RDM|seqpacket|SEQPACKET|dccp|DCCP|packet|PACKET|all|ALL)$";
	case SCHEMA_PAT_CAP:
		return "(chown|dac_override|...|mac_admin)$";
	}
	return "";
}

const struct schema_node *schema_prop_find(const struct schema_node *n, const char *name)
{
	size_t lo = 0, hi = n->n_props;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, n->props[mid].name);
		if (c == 0)
			return n->props[mid].node;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- hints -------------------------------------------------------------------------------- */

/* Levenshtein distance, case-insensitive, capped: near misses only need small values. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *closest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bd = 99, len = strlen(s);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(s, cands[i]);
		if (d < bd)
			bd = d, best = cands[i];
	}
	size_t limit = len >= 8 ? 3 : (len >= 4 ? 2 : 1);
	return bd <= limit ? best : NULL;
}

/* ---- the walk ----------------------------------------------------------------------------- */

struct vctx {
	const char *file;
	struct diag *diag;
	size_t errors;
	const struct schema_node *spec; /* the kind's spec schema, for misplaced-field hints */
	char path[1024]; /* JSON-ish path of the node being checked, e.g. spec.file.matchPaths[0] */
	size_t plen;
};

static void verr(struct vctx *v, struct policy_pos pos, const char *fmt, ...) WARD_PRINTF(3, 4);

static void verr(struct vctx *v, struct policy_pos pos, const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->errors++;
	if (v->plen)
		diag_err(v->diag, v->file, pos.line, pos.col, "%s: %s", v->path, msg);
	else
		diag_err(v->diag, v->file, pos.line, pos.col, "%s", msg);
}

static size_t path_push(struct vctx *v, const char *fmt, ...) WARD_PRINTF(2, 3);

static size_t path_push(struct vctx *v, const char *fmt, ...)
{
	size_t old = v->plen;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(v->path + old, sizeof(v->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		v->plen = old + (size_t)n < sizeof(v->path) ? old + (size_t)n : sizeof(v->path) - 1;
	return old;
}

static void path_pop(struct vctx *v, size_t old)
{
	v->plen = old;
	v->path[old] = '\0';
}

static const char *schema_type_name(enum schema_type t)
{
	switch (t) {
	case SCHEMA_OBJECT:
	case SCHEMA_ANY_OBJECT:
	case SCHEMA_MAP:
		return "object";
	case SCHEMA_ARRAY:
		return "array";
	case SCHEMA_STRING:
		return "string";
	case SCHEMA_INTEGER:
		return "integer";
	case SCHEMA_BOOLEAN:
		return "boolean";
	}
	return "value";
}

/* Quote a scalar for a message: at most 80 characters, control characters escaped. */
static const char *quote(const struct ynode *n, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n->len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)n->str[i];
		if (i >= 80) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void pattern_hint(enum schema_pattern p, const struct ynode *n, char *hint, size_t size)
{
	const char *s = n->str;
	size_t len = n->len;
	hint[0] = '\0';
	switch (p) {
	case SCHEMA_PAT_PATH:
		if (len && s[0] != '/')
			snprintf(hint, size, " (must be an absolute path starting with '/')");
		else if (len && s[len - 1] == '/')
			snprintf(hint, size,
				 " (must not end with '/'; a directory belongs in "
				 "matchDirectories[].dir)");
		else if (len < 2)
			snprintf(hint, size, " (must be at least 2 characters)");
		else
			snprintf(hint, size, " (must not contain line breaks)");
		break;
	case SCHEMA_PAT_DIR:
		if (len && s[0] != '/')
			snprintf(hint, size, " (must be an absolute directory starting with '/')");
		else if (len && s[len - 1] != '/' && len < 200)
			snprintf(hint, size,
				 " (a directory must end with '/': did you mean '%s/'?)", s);
		else
			snprintf(hint, size, " (must not contain line breaks)");
		break;
	case SCHEMA_PAT_EXEC:
		if (len)
			snprintf(hint, size,
				 " (execname is a file name without '/'; use path "
				 "for a full path)");
		break;
	case SCHEMA_PAT_SYSPATH:
		snprintf(hint, size,
			 " (must be an absolute file path, or a directory ending in '/')");
		break;
	case SCHEMA_PAT_PROTO:
	case SCHEMA_PAT_CAP: {
		const char *const *words =
			p == SCHEMA_PAT_PROTO ? protocol_words : capability_words;
		char low[64];
		const char *t = s;
		if (len < sizeof(low)) {
			for (size_t i = 0; i <= len; i++)
				low[i] = (char)tolower((unsigned char)s[i]);
			t = low;
			if (p == SCHEMA_PAT_CAP && strncmp(t, "cap_", 4) == 0)
				t += 4;
		}
		size_t nw = 0;
		while (words[nw])
			nw++;
		const char *c = closest(t, words, nw);
		if (c)
			snprintf(hint, size, " (did you mean '%s'?)", c);
		else if (p == SCHEMA_PAT_PROTO)
			snprintf(hint, size,
				 " (expected one of tcp, udp, icmp, icmpv6, sctp, raw, "
				 "stream, dgram, rdm, seqpacket, dccp, packet, all)");
		else
			snprintf(hint, size,
				 " (expected a lower-case capability name such as "
				 "net_raw)");
		break;
	}
	case SCHEMA_PAT_NONE:
		break;
	}
}

static void check_string(struct vctx *v, const struct schema_node *s, const struct ynode *n)
{
	char q[400], hint[300];
	if (strlen(n->str) != n->len) {
		verr(v, n->pos, "strings must not contain NUL characters");
		return;
	}
	if (s->max_length >= 0 && utf8_chars(n->str, n->len) > (size_t)s->max_length) {
		verr(v, n->pos, "too long: %zu characters (the limit is %d)",
		     utf8_chars(n->str, n->len), s->max_length);
		return;
	}
	if (s->n_enum) {
		for (size_t i = 0; i < s->n_enum; i++)
			if (strcmp(n->str, s->enum_values[i]) == 0)
				return;
		char list[200] = "";
		size_t o = 0;
		if (s->n_enum > 8) /* the syscall list: 335 names are no help in a message */
			snprintf(list, sizeof(list), "the %zu allowed values", s->n_enum);
		for (size_t i = 0; s->n_enum <= 8 && i < s->n_enum && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
					      s->enum_values[i]);
		const char *c = closest(n->str, s->enum_values, s->n_enum);
		if (c)
			verr(v, n->pos, "'%s' is not one of %s (did you mean '%s'?)",
			     quote(n, q, sizeof(q)), list, c);
		else
			verr(v, n->pos, "'%s' is not one of %s", quote(n, q, sizeof(q)), list);
		return;
	}
	if (s->pattern != SCHEMA_PAT_NONE && !schema_pattern_match(s->pattern, n->str, n->len)) {
		pattern_hint(s->pattern, n, hint, sizeof(hint));
		verr(v, n->pos, "'%s' does not match the pattern %s%s", quote(n, q, sizeof(q)),
		     schema_pattern_source(s->pattern), hint);
	}
}

/* A YAML float with an integral value is an integer once kubectl has turned it into JSON. */
static int integral_float(const struct ynode *n, int64_t *ret)
{
	char *end;
	double d = strtod(n->str, &end);
	if (*end || d != d || d > 9.0e15 || d < -9.0e15 || (double)(int64_t)d != d)
		return 0;
	*ret = (int64_t)d;
	return 1;
}

static void walk(struct vctx *v, const struct schema_node *s, const struct ynode *n);

static void unknown_field(struct vctx *v, const struct schema_node *s, const struct ynode *m,
			  const struct ypair *pr)
{
	char q[400];
	const char *names[64];
	size_t nn = 0;
	for (size_t i = 0; i < s->n_props && nn < 64; i++)
		names[nn++] = s->props[i].name;
	const char *c = closest(pr->key->str, names, nn);
	/* One unknown field where exactly one required field is missing: that is the near miss
	 * even when the spelling is far off (matchPatterns[].path for pattern). */
	if (!c) {
		const char *missing = NULL;
		size_t n_missing = 0, n_unknown = 0;
		for (size_t i = 0; i < s->n_required; i++)
			if (!ymap_get(m, s->required[i]))
				missing = s->required[i], n_missing++;
		for (size_t i = 0; i < m->n; i++)
			if (!schema_prop_find(s, m->pairs[i].key->str))
				n_unknown++;
		if (n_missing == 1 && n_unknown == 1)
			c = missing;
	}
	if (c) {
		verr(v, pr->key->pos, "unknown field '%s' (did you mean '%s'?)",
		     quote(pr->key, q, sizeof(q)), c);
		return;
	}
	/* a spec-level field one level too deep (`selector: {action: Block}`) */
	if (v->spec && s != v->spec && schema_prop_find(v->spec, pr->key->str)) {
		verr(v, pr->key->pos, "unknown field '%s' ('%s' belongs directly under spec)",
		     quote(pr->key, q, sizeof(q)), pr->key->str);
		return;
	}
	/* `selector: {app: x}` instead of `selector: {matchLabels: {app: x}}` */
	if (schema_prop_find(s, "matchLabels") && pr->value->type == YNODE_SCALAR) {
		verr(v, pr->key->pos, "unknown field '%s' (labels go under 'matchLabels')",
		     quote(pr->key, q, sizeof(q)));
		return;
	}
	verr(v, pr->key->pos, "unknown field '%s'", quote(pr->key, q, sizeof(q)));
}

static void walk_object(struct vctx *v, const struct schema_node *s, const struct ynode *n)
{
	char q[400];
	for (size_t i = 0; i < n->n; i++) {
		const struct ypair *pr = &n->pairs[i];
		const struct schema_node *c = schema_prop_find(s, pr->key->str);
		if (!c || strlen(pr->key->str) != pr->key->len) {
			unknown_field(v, s, n, pr);
			continue;
		}
		size_t old = path_push(v, "%s%s", v->plen ? "." : "", pr->key->str);
		walk(v, c, pr->value);
		path_pop(v, old);
	}
	for (size_t i = 0; i < s->n_required; i++)
		if (!ymap_get(n, s->required[i]))
			verr(v, n->pos, "missing required field '%s'", s->required[i]);
	(void)q;
}

static void walk(struct vctx *v, const struct schema_node *s, const struct ynode *n)
{
	if (n->type == YNODE_SCALAR && n->kind == YSCALAR_NULL) {
		verr(v, n->pos, "expected %s, got null", schema_type_name(s->type));
		return;
	}
	switch (s->type) {
	case SCHEMA_OBJECT:
	case SCHEMA_ANY_OBJECT:
	case SCHEMA_MAP:
		if (n->type != YNODE_MAP) {
			verr(v, n->pos, "expected object, got %s", ynode_type_name(n));
			return;
		}
		if (s->type == SCHEMA_OBJECT) {
			walk_object(v, s, n);
		} else if (s->type == SCHEMA_MAP) {
			for (size_t i = 0; i < n->n; i++) {
				size_t old = path_push(v, ".%s", n->pairs[i].key->str);
				walk(v, s->items, n->pairs[i].value);
				path_pop(v, old);
			}
		}
		return;
	case SCHEMA_ARRAY:
		if (n->type != YNODE_SEQ) {
			verr(v, n->pos, "expected array, got %s", ynode_type_name(n));
			return;
		}
		if (s->max_items >= 0 && n->n > (size_t)s->max_items)
			verr(v, n->pos, "too many items: %zu (the limit is %d)", n->n,
			     s->max_items);
		for (size_t i = 0; i < n->n; i++) {
			size_t old = path_push(v, "[%zu]", i);
			walk(v, s->items, n->items[i]);
			path_pop(v, old);
		}
		return;
	case SCHEMA_STRING:
		if (n->type != YNODE_SCALAR || n->kind != YSCALAR_STR) {
			verr(v, n->pos, "expected string, got %s%s", ynode_type_name(n),
			     n->type == YNODE_SCALAR ? " (quote it to make it a string)" : "");
			return;
		}
		check_string(v, s, n);
		return;
	case SCHEMA_INTEGER: {
		int64_t x = 0;
		if (n->type != YNODE_SCALAR ||
		    !(n->kind == YSCALAR_INT ||
		      (n->kind == YSCALAR_FLOAT && integral_float(n, &x)))) {
			verr(v, n->pos, "expected integer, got %s", ynode_type_name(n));
			return;
		}
		if (n->kind == YSCALAR_INT)
			x = n->ival;
		if (s->int32 && (x < INT32_MIN || x > INT32_MAX))
			verr(v, n->pos, "%lld is out of the int32 range", (long long)x);
		else if (s->has_min && s->has_max && (x < s->min || x > s->max))
			verr(v, n->pos, "%lld is out of range (must be %lld..%lld)", (long long)x,
			     (long long)s->min, (long long)s->max);
		else if (s->has_min && x < s->min)
			verr(v, n->pos, "%lld is too small (minimum %lld)", (long long)x,
			     (long long)s->min);
		else if (s->has_max && x > s->max)
			verr(v, n->pos, "%lld is too large (maximum %lld)", (long long)x,
			     (long long)s->max);
		return;
	}
	case SCHEMA_BOOLEAN:
		if (n->type != YNODE_SCALAR || n->kind != YSCALAR_BOOL) {
			verr(v, n->pos, "expected boolean (true or false), got %s",
			     ynode_type_name(n));
			return;
		}
		return;
	}
}

/* ---- object metadata (what the API server checks beyond the CRD) -------------------------- */

/* RFC 1123 subdomain (metadata.name) or label (namespace: @label, at most 63). */
static int rfc1123_ok(const char *s, size_t len, int label)
{
	if (len == 0 || len > (label ? 63u : 253u))
		return 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label && i != len)
				return 0;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return 0;
			start = i + 1;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

static void check_metadata(struct vctx *v, const struct ynode *root)
{
	char q[400];
	const struct ynode *md = ymap_get(root, "metadata");
	if (!md) {
		verr(v, root->pos, "missing required field 'metadata' (with a 'name')");
		return;
	}
	if (md->type != YNODE_MAP)
		return; /* reported by the schema walk */
	const struct ynode *name = ymap_get(md, "name");
	size_t old = path_push(v, "metadata");
	if (!name) {
		verr(v, md->pos, "missing required field 'name'");
	} else if (name->type != YNODE_SCALAR || name->kind != YSCALAR_STR) {
		verr(v, name->pos, "name: expected string, got %s", ynode_type_name(name));
	} else if (!rfc1123_ok(name->str, name->len, 0)) {
		verr(v, name->pos,
		     "name: '%s' is not a valid object name (lower-case letters, digits, '-' and "
		     "'.', starting and ending with a letter or digit, at most 253 characters)",
		     quote(name, q, sizeof(q)));
	}
	/* metadata is ObjectMeta to the API server: strict validation knows its fields */
	static const char *const object_meta[] = {
		"annotations",
		"creationTimestamp",
		"deletionGracePeriodSeconds",
		"deletionTimestamp",
		"finalizers",
		"generateName",
		"generation",
		"labels",
		"managedFields",
		"name",
		"namespace",
		"ownerReferences",
		"resourceVersion",
		"selfLink",
		"uid",
	};
	for (size_t i = 0; i < md->n; i++) {
		const struct ypair *pr = &md->pairs[i];
		int known = 0;
		for (size_t k = 0; k < WARD_ARRAY_SIZE(object_meta); k++)
			known |= strcmp(pr->key->str, object_meta[k]) == 0;
		if (!known) {
			const char *c =
				closest(pr->key->str, object_meta, WARD_ARRAY_SIZE(object_meta));
			if (c)
				verr(v, pr->key->pos, "unknown field '%s' (did you mean '%s'?)",
				     quote(pr->key, q, sizeof(q)), c);
			else
				verr(v, pr->key->pos, "unknown field '%s'",
				     quote(pr->key, q, sizeof(q)));
			continue;
		}
		if (strcmp(pr->key->str, "labels") && strcmp(pr->key->str, "annotations"))
			continue;
		const struct ynode *m = pr->value;
		if (m->type != YNODE_MAP) {
			verr(v, m->pos, "%s: expected object, got %s", pr->key->str,
			     ynode_type_name(m));
			continue;
		}
		for (size_t k = 0; k < m->n; k++) {
			const struct ynode *val = m->pairs[k].value;
			if (val->type != YNODE_SCALAR || val->kind != YSCALAR_STR)
				verr(v, val->pos, "%s.%s: expected string, got %s%s", pr->key->str,
				     m->pairs[k].key->str, ynode_type_name(val),
				     val->type == YNODE_SCALAR ? " (quote it to make it a string)"
							       : "");
		}
	}
	const struct ynode *ns = ymap_get(md, "namespace");
	if (ns && (ns->type != YNODE_SCALAR || ns->kind != YSCALAR_STR))
		verr(v, ns->pos, "namespace: expected string, got %s", ynode_type_name(ns));
	else if (ns && !rfc1123_ok(ns->str, ns->len, 1))
		verr(v, ns->pos,
		     "namespace: '%s' is not a valid namespace name (lower-case letters, digits "
		     "and '-', at most 63 characters)",
		     quote(ns, q, sizeof(q)));
	path_pop(v, old);
}

int policy_doc_from_tree(const char *file, const struct ytree *t, struct diag *diag,
			 struct policy_doc **ret)
{
	char q[400];
	const struct ynode *root = t->root;
	*ret = NULL;
	if (!root || (root->type == YNODE_SCALAR && root->kind == YSCALAR_NULL))
		return 0; /* an empty document ("---" alone) */
	if (root->type != YNODE_MAP)
		return diag_err(diag, file, root->pos.line, root->pos.col,
				"a policy document must be a mapping with apiVersion, kind, "
				"metadata and spec (got %s)",
				ynode_type_name(root));
	const struct ynode *kind = ymap_get(root, "kind");
	if (!kind) {
		diag_add(diag, DIAG_NOTE, file, root->pos.line, root->pos.col,
			 "skipping document without 'kind'");
		return 0;
	}
	if (kind->type != YNODE_SCALAR || kind->kind != YSCALAR_STR) {
		diag_add(diag, DIAG_NOTE, file, kind->pos.line, kind->pos.col,
			 "skipping document whose kind is not a string");
		return 0;
	}
	const struct schema_kind *sk = NULL;
	for (size_t i = 0; i < schema_n_kinds; i++)
		if (strcmp(kind->str, schema_kinds[i].kind) == 0)
			sk = &schema_kinds[i];
	if (!sk) {
		/* still a note (not ours to judge), but a misspelt KubeArmor kind would otherwise
		 * vanish silently: name the near miss */
		const char *names[8];
		size_t nn = 0;
		for (size_t i = 0; i < schema_n_kinds && nn < WARD_ARRAY_SIZE(names); i++)
			names[nn++] = schema_kinds[i].kind;
		const char *c = closest(kind->str, names, nn);
		if (c)
			diag_add(diag, DIAG_NOTE, file, kind->pos.line, kind->pos.col,
				 "skipping kind '%s' (did you mean '%s'?)",
				 quote(kind, q, sizeof(q)), c);
		else
			diag_add(diag, DIAG_NOTE, file, kind->pos.line, kind->pos.col,
				 "skipping kind '%s'", quote(kind, q, sizeof(q)));
		return 0;
	}
	struct vctx v = { .file = file, .diag = diag, .spec = schema_prop_find(sk->root, "spec") };
	/* kubectl keeps the last of duplicate keys without complaint; a policy that says `action`
	 * twice is still worth a warning, since only one of them takes effect. */
	for (size_t i = 0; i < t->n_dups && i < WARD_ARRAY_SIZE(t->dup_key); i++)
		diag_add(diag, DIAG_WARNING, file, t->dup_key[i]->pos.line, t->dup_key[i]->pos.col,
			 "duplicate key '%s': the one at line %u is ignored, this one is used "
			 "(as kubectl does)",
			 quote(t->dup_key[i], q, sizeof(q)), t->dup_first[i]->pos.line);
	if (t->n_dups > WARD_ARRAY_SIZE(t->dup_key))
		diag_add(diag, DIAG_WARNING, file, root->pos.line, root->pos.col,
			 "%zu more duplicate keys", t->n_dups - WARD_ARRAY_SIZE(t->dup_key));
	walk(&v, sk->root, root);
	const struct ynode *api = ymap_get(root, "apiVersion");
	if (!api)
		verr(&v, root->pos, "missing required field 'apiVersion' (%s)", sk->api_version);
	else if (api->type == YNODE_SCALAR && api->kind == YSCALAR_STR &&
		 strcmp(api->str, sk->api_version) != 0)
		verr(&v, api->pos, "apiVersion: '%s' is not '%s'", quote(api, q, sizeof(q)),
		     sk->api_version);
	check_metadata(&v, root);
	if (v.errors)
		return -EINVAL;
	enum policy_kind k = strcmp(sk->kind, "KubeArmorHostPolicy") == 0      ? POLICY_KIND_HSP
			     : strcmp(sk->kind, "KubeArmorClusterPolicy") == 0 ? POLICY_KIND_CSP
									       : POLICY_KIND_KSP;
	return policy_doc_convert(file, t, k, ret);
}
