/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope.c - which rules apply to a workload (§2.1) and the per-workload index the decision path
 * reads (§2.8 needs first-match-in-policy-order, so every index keeps rule indices ascending).
 *
 * Built once per container (and once for the host at compile time): each selected rule is turned
 * into (table, key, rule) items, sorted, and laid out as open-addressing hash tables whose slots
 * point at runs of rule indices. Lookups then hash the event's strings and never allocate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/set.h"

struct item {
	uint32_t table; /* PT_* for hash tables, PT_COUNT + n for lists */
	uint32_t bucket;
	const char *key, *key2;
	uint32_t len, len2;
	uint32_t rule;
};

enum {
	PL_GLOB_PROC = PT_COUNT,
	PL_GLOB_FILE,
	PL_NET,
	PL_CAP,
	PL_SYS,
	PL_DNS,
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->key && y->key) {
		if (x->len != y->len)
			return x->len < y->len ? -1 : 1;
		c = memcmp(x->key, y->key, x->len);
		if (c)
			return c;
	}
	if (x->key2 && y->key2) {
		if (x->len2 != y->len2)
			return x->len2 < y->len2 ? -1 : 1;
		c = memcmp(x->key2, y->key2, x->len2);
		if (c)
			return c;
	}
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static enum policy_class op_class(unsigned op)
{
	if (op == POLICY_OP_NETWORK)
		return POLICY_CLASS_NETWORK;
	if (op == POLICY_OP_CAPABILITIES)
		return POLICY_CLASS_CAPABILITIES;
	return POLICY_CLASS_FILE;
}

static int tab_insert(struct pscope_tab *t, const struct item *x, uint32_t off, uint32_t n)
{
	uint64_t h = x->key2 ? phash_mix(phash(x->key, x->len), phash(x->key2, x->len2))
			     : phash(x->key, x->len);
	uint32_t i = (uint32_t)h & t->mask;

	while (t->slots[i].key)
		i = (i + 1) & t->mask;
	t->slots[i].h = h;
	t->slots[i].key = x->key;
	t->slots[i].len = x->len;
	t->slots[i].key2 = x->key2;
	t->slots[i].len2 = x->len2;
	t->slots[i].off = off;
	t->slots[i].n = n;
	return 0;
}

static int build_tables(struct policy_scope *sc, struct item *it, size_t n)
{
	uint32_t distinct[PT_COUNT] = { 0 };
	size_t i = 0;

	/* items per table bound the distinct keys; load factor stays <= 1/2 */
	for (size_t k = 0; k < n; k++)
		if (it[k].table < PT_COUNT)
			distinct[it[k].table]++;
	for (int t = 0; t < PT_COUNT; t++) {
		uint32_t sz = 8;

		if (!distinct[t])
			continue;
		while (sz < 2 * distinct[t])
			sz <<= 1;
		sc->tab[t].slots = calloc(sz, sizeof(struct pscope_ent));
		if (!sc->tab[t].slots)
			return -ENOMEM;
		sc->tab[t].mask = sz - 1;
	}
	sc->ids = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!sc->ids)
		return -ENOMEM;
	while (i < n) {
		size_t j = i;
		uint32_t off = (uint32_t)sc->n_ids;

		/* a run: same table, bucket and key */
		while (j < n && it[j].table == it[i].table && it[j].bucket == it[i].bucket &&
		       it[j].len == it[i].len && it[j].len2 == it[i].len2 &&
		       (!it[i].key || !memcmp(it[j].key, it[i].key, it[i].len)) &&
		       (!it[i].key2 || !memcmp(it[j].key2, it[i].key2, it[i].len2))) {
			if (sc->n_ids == off || sc->ids[sc->n_ids - 1] != it[j].rule)
				sc->ids[sc->n_ids++] = it[j].rule;
			j++;
		}
		if (it[i].table < PT_COUNT) {
			tab_insert(&sc->tab[it[i].table], &it[i], off, (uint32_t)sc->n_ids - off);
		} else {
			struct pscope_list *l = NULL;

			switch (it[i].table) {
			case PL_GLOB_PROC:
				l = &sc->glob[0];
				break;
			case PL_GLOB_FILE:
				l = &sc->glob[1];
				break;
			case PL_NET:
				l = &sc->net[it[i].bucket];
				break;
			case PL_CAP:
				l = &sc->cap[it[i].bucket];
				break;
			case PL_DNS:
				l = &sc->dns;
				break;
			default:
				l = &sc->sys;
				break;
			}
			l->off = off;
			l->n = (uint32_t)sc->n_ids - off;
		}
		i = j;
	}
	return 0;
}

int pscope_build(const struct policy_set *s, const uint8_t *sel, int host,
		 struct policy_scope **ret)
{
	struct policy_scope *sc;
	struct item *it = NULL;
	size_t n = 0;
	int err;

	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->set = s;
	sc->host = host;
	sc->audited = s->audited;
	memcpy(sc->posture, host ? s->host_posture : s->container_posture, sizeof(sc->posture));
	it = malloc((s->n_rules ? s->n_rules : 1) * sizeof(*it));
	if (!it) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < s->n_rules; i++) {
		const struct prule *r = &s->rules[i];
		struct item x = { 0, 0, NULL, NULL, 0, 0, i };
		int pf = r->op == POLICY_OP_PROCESS ? 0 : 1;

		if (!sel[i])
			continue;
		sc->n_rules++;
		if (r->is_allow && r->rtype == PRULE_DNS)
			sc->allow_dns = 1;
		else if (r->is_allow)
			sc->allow_class[op_class(r->op)] = 1;
		switch (r->rtype) {
		case PRULE_PATH:
		case PRULE_DIR:
		case PRULE_EXECNAME:
		case PRULE_GLOB:
			if (r->src_kind == PRULE_SRC_PATH && r->rtype == PRULE_PATH) {
				x.table = pf ? PT_SRCPATH_FILE : PT_SRCPATH_PROC;
				x.key = r->src;
				x.len = r->src_len;
				x.key2 = r->res;
				x.len2 = r->res_len;
			} else if (r->src_kind == PRULE_SRC_PATH) {
				x.table = pf ? PT_SRC_FILE : PT_SRC_PROC;
				x.key = r->src;
				x.len = r->src_len;
			} else if (r->rtype == PRULE_GLOB && r->glob_dir) {
				x.table = pf ? PT_GLOB_FILE : PT_GLOB_PROC;
				x.key = r->res;
				x.len = r->glob_dir;
			} else if (r->rtype == PRULE_GLOB) {
				x.table = pf ? PL_GLOB_FILE : PL_GLOB_PROC;
			} else if (r->rtype == PRULE_EXECNAME) {
				x.table = PT_EXEC;
				x.key = r->res;
				x.len = r->res_len;
			} else {
				x.table = r->rtype == PRULE_PATH
						  ? (pf ? PT_PATH_FILE : PT_PATH_PROC)
						  : (pf ? PT_DIR_FILE : PT_DIR_PROC);
				x.key = r->res;
				x.len = r->res_len;
			}
			break;
		case PRULE_PROTO:
			x.table = PL_NET;
			x.bucket = (uint32_t)r->num;
			break;
		case PRULE_CAP:
			x.table = PL_CAP;
			x.bucket = (uint32_t)r->num;
			break;
		case PRULE_DNS:
			x.table = PL_DNS;
			break;
		default:
			x.table = PL_SYS;
			break;
		}
		it[n++] = x;
	}
	qsort(it, n, sizeof(*it), item_cmp);
	err = build_tables(sc, it, n);
out:
	free(it);
	if (err) {
		policy_scope_free(sc);
		return err;
	}
	*ret = sc;
	return 0;
}

void policy_scope_free(struct policy_scope *sc)
{
	if (!sc)
		return;
	for (int t = 0; t < PT_COUNT; t++)
		free(sc->tab[t].slots);
	free(sc->ids);
	free(sc);
}

void policy_scope_set_posture(struct policy_scope *sc,
			      const enum policy_posture posture[POLICY_CLASS_COUNT])
{
	memcpy(sc->posture, posture, sizeof(sc->posture));
}

void policy_scope_set_audited(struct policy_scope *sc, int audited)
{
	sc->audited = audited ? 1 : 0;
}

int policy_scope_is_host(const struct policy_scope *sc)
{
	return sc->host;
}

int policy_scope_has_source(const struct policy_scope *sc, enum policy_op op)
{
	int pf = op == POLICY_OP_PROCESS ? 0 : 1;

	return sc->tab[pf ? PT_SRC_FILE : PT_SRC_PROC].slots != NULL ||
	       sc->tab[pf ? PT_SRCPATH_FILE : PT_SRCPATH_PROC].slots != NULL;
}

/* ---- container selectors (§2.1) -------------------------------------------------------------- */

static int has_label(const struct policy_container *c, const char *kv)
{
	if (!c->labels)
		return 0;
	for (const char *const *l = c->labels; *l; l++)
		if (!strcmp(*l, kv))
			return 1;
	return 0;
}

static int has_label_kv(const struct policy_container *c, const char *k, const char *v)
{
	size_t kl = strlen(k);

	if (!c->labels)
		return 0;
	for (const char *const *l = c->labels; *l; l++)
		if (!strncmp(*l, k, kl) && (*l)[kl] == '=' && !strcmp(*l + kl + 1, v))
			return 1;
	return 0;
}

/*
 * kubearmor.io/container.name: "[a,b]" (k8s form; "[]" and "" = all, empty items ignored) or a
 * plain container name (non-k8s).
 */
static int container_name_matches(const char *v, const char *name)
{
	size_t vl = strlen(v), nl = name ? strlen(name) : 0;
	const char *p, *end;
	int any = 0;

	if (vl == 0)
		return 1; /* "" selects every container, like "[]" */
	if (vl < 2 || v[0] != '[' || v[vl - 1] != ']')
		return name && !strcmp(v, name);
	p = v + 1;
	end = v + vl - 1;
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end, *a = p;

		while (a < e && *a == ' ')
			a++;
		while (e > a && e[-1] == ' ')
			e--;
		if (e > a) {
			any = 1;
			if (name && (size_t)(e - a) == nl && !memcmp(a, name, nl))
				return 1;
		}
		p = (c ? c : end) + 1;
	}
	return !any;
}

/*
 * matchExpressions of one key: In values present ⇒ the workload must carry one of them (a NotIn
 * after an In is ignored, as KubeArmor's identity walk does); only NotIn ⇒ it must carry none.
 */
static int exprs_match(const struct pset_policy *p, enum policy_expr_key key,
		       const struct policy_container *c)
{
	int seen_in = 0, in_ok = 0, seen_notin = 0, notin_hit = 0;

	for (size_t i = 0; i < p->n_exprs; i++) {
		const struct policy_expr *e = &p->exprs[i];

		if (e->key != key)
			continue;
		for (size_t j = 0; j < e->values.n; j++) {
			const char *v = e->values.v[j];
			int hit = key == POLICY_EXPR_NAMESPACE
					  ? (c->namespace_name && !strcmp(v, c->namespace_name))
					  : has_label(c, v);

			if (e->not_in) {
				seen_notin = 1;
				notin_hit |= hit;
			} else {
				seen_in = 1;
				in_ok |= hit;
			}
		}
	}
	if (seen_in)
		return in_ok;
	if (seen_notin)
		return !notin_hit;
	return 1;
}

static int policy_applies(const struct pset_policy *p, const struct policy_container *c)
{
	if (p->kind == POLICY_KIND_HSP)
		return 0;
	if (p->kind == POLICY_KIND_CSP)
		return exprs_match(p, POLICY_EXPR_NAMESPACE, c) &&
		       exprs_match(p, POLICY_EXPR_LABEL, c);
	if (p->namespace_name &&
	    (!c->namespace_name || strcmp(p->namespace_name, c->namespace_name)))
		return 0;
	for (size_t i = 0; i < p->n_labels; i++) {
		const struct policy_label *l = &p->labels[i];

		if (!strcmp(l->key, "kubearmor.io/container.name")) {
			if (!container_name_matches(l->value, c->container_name))
				return 0;
		} else if (!has_label_kv(c, l->key, l->value)) {
			return 0;
		}
	}
	return exprs_match(p, POLICY_EXPR_LABEL, c);
}

int policy_set_container_scope(const struct policy_set *s, const struct policy_container *c,
			       struct policy_scope **ret)
{
	uint8_t *sel = calloc(s->n_rules ? s->n_rules : 1, 1);
	int err;

	if (!sel)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_pols; i++)
		if (policy_applies(&s->pols[i], c))
			memset(sel + s->pols[i].first, 1, s->pols[i].last - s->pols[i].first);
	err = pscope_build(s, sel, 0, ret);
	free(sel);
	return err;
}
