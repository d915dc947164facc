/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalise.c - KubeArmor's own post-processing of a policy (kubearmor.md §1.11, from
 * core/kubeUpdate.go), applied in place to a validated struct policy_doc so that later stages
 * see what the KubeArmor daemon sees:
 *   - spec.action defaults to Block (lower-case spellings mapped by convert.c);
 *   - each rule's empty severity/tags/message/action is taken from its section, else the spec;
 *   - matchProtocols / matchDNSQueries / matchCapabilities are split on commas, but only when
 *     the FIRST element contains a comma (the daemon's quirk, kept on purpose);
 *   - protocols lower-cased; capabilities lower-cased without "cap_" (net_raw);
 *   - DNS domains without leading/trailing dots; syscall fromSource dirs end in '/'.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ast.h"

static int strv_copy(const struct policy_strv *src, struct policy_strv *dst)
{
	*dst = (struct policy_strv){ 0 };
	if (!src->n)
		return 0;
	dst->v = calloc(src->n, sizeof(char *));
	if (!dst->v)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i] = strdup(src->v[i]);
		if (!dst->v[i])
			return -ENOMEM; /* the partial copy is freed with its owner */
		dst->n++;
	}
	return 0;
}

/* rule ← section ← spec, field by field, as CreateSecurityPolicy does. */
static int inherit(struct policy_meta *rule, const struct policy_meta *sec,
		   const struct policy_meta *spec, int with_action)
{
	if (rule->severity == 0)
		rule->severity = sec->severity ? sec->severity : spec->severity;
	if (rule->tags.n == 0) {
		const struct policy_strv *from = sec->tags.n ? &sec->tags : &spec->tags;
		free(rule->tags.v);
		if (strv_copy(from, &rule->tags))
			return -ENOMEM;
		rule->has_tags = rule->tags.n > 0;
	}
	if (!rule->message || !*rule->message) {
		const char *from = sec->message && *sec->message ? sec->message : spec->message;
		if (from) {
			char *m = strdup(from);
			if (!m)
				return -ENOMEM;
			free(rule->message);
			rule->message = m;
		}
	}
	if (with_action && rule->action == POLICY_ACTION_NONE)
		rule->action = sec->action != POLICY_ACTION_NONE ? sec->action : spec->action;
	return 0;
}

static int sources_copy(const struct policy_sources *src, struct policy_sources *dst)
{
	*dst = (struct policy_sources){ 0 };
	if (!src->n)
		return 0;
	dst->v = calloc(src->n, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		struct policy_source *d = &dst->v[dst->n++];
		d->recursive = src->v[i].recursive;
		if (src->v[i].path && !(d->path = strdup(src->v[i].path)))
			return -ENOMEM;
		if (src->v[i].dir && !(d->dir = strdup(src->v[i].dir)))
			return -ENOMEM;
	}
	return 0;
}

static int meta_copy(const struct policy_meta *src, struct policy_meta *dst)
{
	*dst = (struct policy_meta){ .severity = src->severity,
				     .has_tags = src->has_tags,
				     .action = src->action };
	if (src->message && !(dst->message = strdup(src->message)))
		return -ENOMEM;
	return strv_copy(&src->tags, &dst->tags);
}

/*
 * Split "a, b,c" into parts without spaces (common.go ObjCommaExpandFirstDupOthers). KubeArmor
 * keeps empty parts ("tcp,,udp" passes the CRD and yields a rule with protocol ""); a rule that
 * names nothing can only confuse a matcher, so empty parts are dropped here.
 */
static int split_commas(const char *s, char ***ret, size_t *ret_n)
{
	size_t cap = 1;
	for (const char *c = s; *c; c++)
		cap += *c == ',';
	char **v = calloc(cap, sizeof(char *));
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	const char *start = s;
	for (const char *c = s;; c++) {
		if (*c == ',' || *c == '\0') {
			char *part = malloc((size_t)(c - start) + 1);
			if (!part)
				goto oom;
			size_t o = 0;
			for (const char *x = start; x < c; x++)
				if (*x != ' ')
					part[o++] = *x;
			part[o] = '\0';
			if (o)
				v[n++] = part;
			else
				free(part);
			if (!*c)
				break;
			start = c + 1;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/*
 * Generic comma expansion over an array of rules whose first member is the char * value.
 * @copy duplicates everything but the value; @drop frees a rule's members.
 */
struct expand_ops {
	size_t size;
	char **(*value)(void *rule);
	int (*copy)(const void *src, void *dst);
	void (*drop)(void *rule);
};

static int expand(void **rules, size_t *n, const struct expand_ops *ops)
{
	char *base = *rules;
	if (!*n || !*ops->value(base) || !strchr(*ops->value(base), ','))
		return 0;
	size_t total = 0;
	for (size_t i = 0; i < *n; i++) {
		const char *v = *ops->value(base + i * ops->size);
		size_t parts = 1;
		for (const char *c = v; c && *c; c++)
			parts += *c == ',';
		total += parts;
	}
	char *out = calloc(total ? total : 1, ops->size);
	if (!out)
		return -ENOMEM;
	size_t on = 0;
	int r = 0;
	for (size_t i = 0; i < *n && !r; i++) {
		void *src = base + i * ops->size;
		char **parts = NULL;
		size_t np = 0;
		r = split_commas(*ops->value(src) ? *ops->value(src) : "", &parts, &np);
		if (r)
			break;
		for (size_t p = 0; p < np; p++) {
			void *dst = out + on * ops->size;
			if (!r) {
				on++;
				r = ops->copy(src, dst);
				*ops->value(dst) = parts[p];
			} else {
				free(parts[p]);
			}
		}
		free(parts);
	}
	for (size_t i = 0; i < *n; i++)
		ops->drop(base + i * ops->size);
	free(base);
	*rules = out;
	*n = on;
	return r;
}

static char **proto_value(void *r)
{
	return &((struct policy_proto_rule *)r)->protocol;
}

static int proto_copy(const void *s, void *d)
{
	const struct policy_proto_rule *src = s;
	struct policy_proto_rule *dst = d;
	*dst = (struct policy_proto_rule){ .pts_false = src->pts_false, .pos = src->pos };
	int r = sources_copy(&src->from, &dst->from);
	return r ? r : meta_copy(&src->meta, &dst->meta);
}

static void sources_drop(struct policy_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].dir);
	}
	free(s->v);
}

static void meta_drop(struct policy_meta *m)
{
	for (size_t i = 0; i < m->tags.n; i++)
		free(m->tags.v[i]);
	free(m->tags.v);
	free(m->message);
}

static void proto_drop(void *r)
{
	struct policy_proto_rule *p = r;
	free(p->protocol);
	sources_drop(&p->from);
	meta_drop(&p->meta);
}

static char **dns_value(void *r)
{
	return &((struct policy_dns_rule *)r)->domain;
}

static int dns_copy(const void *s, void *d)
{
	const struct policy_dns_rule *src = s;
	struct policy_dns_rule *dst = d;
	*dst = (struct policy_dns_rule){ .pos = src->pos };
	int r = sources_copy(&src->from, &dst->from);
	return r ? r : meta_copy(&src->meta, &dst->meta);
}

static void dns_drop(void *r)
{
	struct policy_dns_rule *p = r;
	free(p->domain);
	sources_drop(&p->from);
	meta_drop(&p->meta);
}

static char **cap_value(void *r)
{
	return &((struct policy_cap_rule *)r)->capability;
}

static int cap_copy(const void *s, void *d)
{
	const struct policy_cap_rule *src = s;
	struct policy_cap_rule *dst = d;
	*dst = (struct policy_cap_rule){ .pos = src->pos };
	int r = sources_copy(&src->from, &dst->from);
	return r ? r : meta_copy(&src->meta, &dst->meta);
}

static void cap_drop(void *r)
{
	struct policy_cap_rule *p = r;
	free(p->capability);
	sources_drop(&p->from);
	meta_drop(&p->meta);
}

static const struct expand_ops proto_ops = { sizeof(struct policy_proto_rule), proto_value,
					     proto_copy, proto_drop };
static const struct expand_ops dns_ops = { sizeof(struct policy_dns_rule), dns_value, dns_copy,
					   dns_drop };
static const struct expand_ops cap_ops = { sizeof(struct policy_cap_rule), cap_value, cap_copy,
					   cap_drop };

static int path_section(struct policy_path_section *s, const struct policy_meta *spec)
{
	for (size_t i = 0; i < s->n; i++)
		if (inherit(&s->v[i].meta, &s->meta, spec, 1))
			return -ENOMEM;
	return 0;
}

static void trim_dots(char *s)
{
	if (!s)
		return;
	size_t len = strlen(s), start = 0;
	while (start < len && s[start] == '.')
		start++;
	while (len > start && s[len - 1] == '.')
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
}

int policy_doc_normalise(struct policy_doc *d)
{
	int r;
	if (d->meta.action == POLICY_ACTION_NONE)
		d->meta.action = POLICY_ACTION_BLOCK;
	if ((r = path_section(&d->process, &d->meta)) || (r = path_section(&d->file, &d->meta)))
		return r;

	struct policy_network_section *net = &d->network;
	for (size_t i = 0; i < net->n_protocols; i++)
		if (inherit(&net->protocols[i].meta, &net->meta, &d->meta, 1))
			return -ENOMEM;
	for (size_t i = 0; i < net->n_dns; i++)
		if (inherit(&net->dns[i].meta, &net->meta, &d->meta, 1))
			return -ENOMEM;
	if ((r = expand((void **)&net->protocols, &net->n_protocols, &proto_ops)) ||
	    (r = expand((void **)&net->dns, &net->n_dns, &dns_ops)))
		return r;
	for (size_t i = 0; i < net->n_protocols; i++)
		lower(net->protocols[i].protocol);
	for (size_t i = 0; i < net->n_dns; i++)
		trim_dots(net->dns[i].domain);

	struct policy_cap_section *caps = &d->capabilities;
	for (size_t i = 0; i < caps->n; i++)
		if (inherit(&caps->v[i].meta, &caps->meta, &d->meta, 1))
			return -ENOMEM;
	if ((r = expand((void **)&caps->v, &caps->n, &cap_ops)))
		return r;
	for (size_t i = 0; i < caps->n; i++) {
		char *c = caps->v[i].capability;
		lower(c);
		if (c && strncmp(c, "cap_", 4) == 0)
			memmove(c, c + 4, strlen(c + 4) + 1);
	}

	struct policy_syscall_section *sys = &d->syscalls;
	for (size_t i = 0; i < sys->n; i++) {
		struct policy_syscall_rule *rule = &sys->v[i];
		if (inherit(&rule->meta, &sys->meta, &d->meta, 0))
			return -ENOMEM;
		/* "Syscall rules are always in audit mode" (policyMatcher.go) */
		rule->meta.action = POLICY_ACTION_AUDIT;
		for (size_t j = 0; j < rule->from.n; j++) {
			char *dir = rule->from.v[j].dir;
			size_t len = dir ? strlen(dir) : 0;
			if (dir && (len == 0 || dir[len - 1] != '/')) {
				char *nd = malloc(len + 2);
				if (!nd)
					return -ENOMEM;
				memcpy(nd, dir, len);
				nd[len] = '/';
				nd[len + 1] = '\0';
				free(dir);
				rule->from.v[j].dir = nd;
			}
		}
	}
	return 0;
}
