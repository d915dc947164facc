/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c - the per-event decision (§2.8) against a policy_scope, plus the enforcers' answer.
 *
 * Process/File: every rule that applies to the event is found through the scope's indexes (exact
 * path, each '/'-prefix of the path for directories, the basename for execname, the fromSource
 * tables for the process and its parent, the short glob list). A rule either "covers" the event
 * (Allow within its readOnly/ownerOnly subset) or "violates" it (Audit/Block outside the subset,
 * §2.5); the lowest violating rule index is KubeArmor's first rule that sets `skip`. Network and
 * capabilities take the first matching rule in policy order; syscalls the last. Nothing here
 * allocates, takes a lock or writes outside *ret.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "policy/set.h"

#define NO_RULE UINT32_MAX

enum rkind {
	RK_PASSED = 0,
	RK_DENIED,
	RK_OTHER,
};

static const struct pscope_ent *tab_find(const struct pscope_tab *t, uint64_t h, const char *key,
					 size_t len)
{
	uint32_t i;

	if (!t->slots)
		return NULL;
	for (i = (uint32_t)h & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
		const struct pscope_ent *e = &t->slots[i];

		if (e->h == h && e->len == len && !memcmp(e->key, key, len))
			return e;
	}
	return NULL;
}

/* The same lookup for the key "<key>/" without building it. */
static const struct pscope_ent *tab_find_slash(const struct pscope_tab *t, uint64_t h,
					       const char *key, size_t len)
{
	uint32_t i;

	if (!t->slots)
		return NULL;
	for (i = (uint32_t)h & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
		const struct pscope_ent *e = &t->slots[i];

		if (e->h == h && e->len == len + 1 && e->key[len] == '/' &&
		    !memcmp(e->key, key, len))
			return e;
	}
	return NULL;
}

/* Lookup in a (source, path) table: @h is phash_mix(phash(a), phash(b)). */
static const struct pscope_ent *tab_find2(const struct pscope_tab *t, uint64_t h, const char *a,
					  size_t alen, const char *b, size_t blen)
{
	uint32_t i;

	if (!t->slots)
		return NULL;
	for (i = (uint32_t)h & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
		const struct pscope_ent *e = &t->slots[i];

		if (e->h == h && e->len == alen && e->len2 == blen && !memcmp(e->key, a, alen) &&
		    !memcmp(e->key2, b, blen))
			return e;
	}
	return NULL;
}

struct pf_acc {
	uint32_t stop_passed; /* lowest Audit / Audit (Block) rule the event violates */
	uint32_t stop_denied; /* lowest Block rule the event violates */
	uint8_t covered;      /* an Allow rule covers the event */
	uint8_t best_within;  /* the kernel's rule: event inside its readOnly/ownerOnly subset */
	uint64_t best;	      /* the kernel's rule: score, 0 = none (see kernel_score) */
	uint32_t best_id;
};

/*
 * The enforcer answers like BPF-LSM's lookup order (§2.4): rules with fromSource before rules
 * without; then the exact path, the exec name, the deepest matching directory, a pattern; on a
 * tie the later rule (it overwrote the map entry). Audit rules are never in the kernel.
 */
static uint64_t kernel_score(const struct prule *r, uint32_t id)
{
	static const uint64_t rank[] = {
		[PRULE_PATH] = 3, [PRULE_DIR] = 1, [PRULE_GLOB] = 0, [PRULE_EXECNAME] = 2
	};
	uint64_t len = r->rtype == PRULE_DIR ? (r->res_len & 0xffff) : 0;

	return (1ull << 62) | ((uint64_t)(r->src_kind != PRULE_SRC_NONE) << 61) |
	       (rank[r->rtype] << 56) | (len << 32) | id;
}

static int is_allow_rule(const struct prule *r)
{
	return r->is_allow;
}

/* The record's Action for a rule: under `audited` Allow/Block read "Audit (Allow)"/"Audit (Block)". */
static enum policy_action ract(const struct policy_scope *sc, const struct prule *r)
{
	if (sc->audited && r->action == POLICY_ACTION_BLOCK)
		return POLICY_ACTION_AUDIT_BLOCK;
	if (sc->audited && r->action == POLICY_ACTION_ALLOW)
		return POLICY_ACTION_AUDIT_ALLOW;
	return r->action;
}

/* A rule whose source and resource matched: apply the §2.5 modifier flag. */
static void pf_consider(const struct policy_scope *sc, struct pf_acc *a, uint32_t id,
			const struct policy_event *ev)
{
	const struct prule *r = &sc->set->rules[id];
	int owner = ev->has_owner && ev->owner_uid == ev->uid;
	int within = (!r->read_only || !ev->is_write) && (!r->owner_only || owner);

	if (r->pts_false && !ev->has_tty)
		return; /* `pts: false` rules cover only processes with a TTY */

	if (r->action == POLICY_ACTION_BLOCK || r->action == POLICY_ACTION_ALLOW) {
		uint64_t sc_ = kernel_score(r, id);

		if (sc_ > a->best) {
			a->best = sc_;
			a->best_id = id;
			a->best_within = (uint8_t)within;
		}
	}
	if (is_allow_rule(r)) {
		if (within)
			a->covered = 1;
		return;
	}
	if ((r->read_only || r->owner_only) && within)
		return; /* the permitted subset: not a violation */
	if (ract(sc, r) == POLICY_ACTION_BLOCK) {
		if (id < a->stop_denied)
			a->stop_denied = id;
	} else if (id < a->stop_passed) {
		a->stop_passed = id;
	}
}

static int dir_match(const struct prule *r, const char *p, size_t plen, int is_file)
{
	const char *slash;
	size_t dl;

	if (r->recursive && r->res_len == 1)
		return 1; /* "/" recursive */
	if (is_file && r->res_len == plen + 1 && !memcmp(r->res, p, plen))
		return 1; /* the directory itself */
	if (!plen || p[0] != '/')
		return 0;
	slash = memrchr(p, '/', plen);
	dl = (size_t)(slash - p) + 1;
	if (dl < r->res_len || memcmp(p, r->res, r->res_len))
		return 0;
	return r->recursive || dl == r->res_len;
}

static int glob_one(const struct prule *r, const char *s, size_t slen)
{
	return slen >= r->glob_prefix && !memcmp(s, r->res, r->glob_prefix) &&
	       pglob_match(r->res, r->res_len, s, slen);
}

/* matchPatterns: the full Resource or the ProcessName (§2.3) */
static int glob_hit(const struct prule *r, const char *p, size_t plen, const char *exe,
		    size_t exelen)
{
	return glob_one(r, p, plen) || (exe && glob_one(r, exe, exelen));
}

static int res_match(const struct prule *r, const char *p, size_t plen, const char *exe,
		     size_t exelen, int is_file)
{
	switch (r->rtype) {
	case PRULE_PATH:
		return r->res_len == plen && !memcmp(r->res, p, plen);
	case PRULE_DIR:
		return dir_match(r, p, plen, is_file);
	case PRULE_EXECNAME:
		return exelen > r->res_len && exe[exelen - r->res_len - 1] == '/' &&
		       !memcmp(exe + exelen - r->res_len, r->res, r->res_len);
	case PRULE_GLOB:
		return glob_hit(r, p, plen, exe, exelen);
	default:
		return 0;
	}
}

static void consider_all(const struct policy_scope *sc, struct pf_acc *a,
			 const struct pscope_ent *e, const struct policy_event *ev)
{
	if (e)
		for (uint32_t k = 0; k < e->n; k++)
			pf_consider(sc, a, sc->ids[e->off + k], ev);
}

/* fromSource rules for one acting program (@who: the process or its parent). */
static void pf_sources(const struct policy_scope *sc, struct pf_acc *a, const char *who,
		       const struct policy_event *ev, const char *p, size_t plen, uint64_t hp,
		       const char *exe, size_t exelen, int is_file)
{
	const struct pscope_tab *sp = &sc->tab[is_file ? PT_SRCPATH_FILE : PT_SRCPATH_PROC];
	const struct pscope_tab *so = &sc->tab[is_file ? PT_SRC_FILE : PT_SRC_PROC];
	const struct pscope_ent *e;
	size_t wl;
	uint64_t hw;

	if (!who)
		return;
	wl = strlen(who);
	hw = phash(who, wl);
	if (sp->slots)
		consider_all(sc, a, tab_find2(sp, phash_mix(hw, hp), who, wl, p, plen), ev);
	if (!so->slots)
		return;
	e = tab_find(so, hw, who, wl);
	if (!e)
		return;
	for (uint32_t k = 0; k < e->n; k++) {
		uint32_t id = sc->ids[e->off + k];

		if (res_match(&sc->set->rules[id], p, plen, exe, exelen, is_file))
			pf_consider(sc, a, id, ev);
	}
}

/* Patterns indexed by their literal directory: look up every '/'-prefix of @s. */
static void pf_globs_walk(const struct policy_scope *sc, struct pf_acc *a,
			  const struct pscope_tab *gt, const char *s, size_t slen,
			  const struct policy_event *ev)
{
	uint64_t h = PHASH_INIT;

	for (size_t i = 0; i < slen; i++) {
		h = phash_step(h, (unsigned char)s[i]);
		if (s[i] == '/') {
			const struct pscope_ent *e = tab_find(gt, h, s, i + 1);

			if (!e)
				continue;
			for (uint32_t k = 0; k < e->n; k++) {
				uint32_t id = sc->ids[e->off + k];

				if (glob_one(&sc->set->rules[id], s, slen))
					pf_consider(sc, a, id, ev);
			}
		}
	}
}

static void pf_gather(const struct policy_scope *sc, const struct policy_event *ev,
		      struct pf_acc *a)
{
	int is_file = ev->op == POLICY_OP_FILE;
	const char *exe = ev->process;
	const char *p = ev->path ? ev->path : exe;
	size_t plen, exelen = exe ? strlen(exe) : 0;
	const struct pscope_tab *dirs = &sc->tab[is_file ? PT_DIR_FILE : PT_DIR_PROC];
	const struct pscope_tab *globs = &sc->tab[is_file ? PT_GLOB_FILE : PT_GLOB_PROC];
	const struct pscope_list *gl = &sc->glob[is_file];
	uint64_t h = PHASH_INIT;
	size_t last_slash = 0;
	int walk_dirs;

	if (!p)
		return;
	plen = strlen(p);
	if (plen && p[0] == '/')
		last_slash = (size_t)((const char *)memrchr(p, '/', plen) - p);
	walk_dirs = dirs->slots && plen && p[0] == '/';
	/* one pass: every '/'-prefix is a directory-rule key, the whole string a path key */
	for (size_t i = 0; i < plen; i++) {
		h = phash_step(h, (unsigned char)p[i]);
		if (p[i] != '/')
			continue;
		if (walk_dirs && i <= last_slash) {
			const struct pscope_ent *e = tab_find(dirs, h, p, i + 1);

			if (e) {
				for (uint32_t k = 0; k < e->n; k++) {
					uint32_t id = sc->ids[e->off + k];

					if (sc->set->rules[id].recursive || i == last_slash)
						pf_consider(sc, a, id, ev);
				}
			}
		}
		if (globs->slots) {
			const struct pscope_ent *e = tab_find(globs, h, p, i + 1);

			if (e)
				for (uint32_t k = 0; k < e->n; k++) {
					uint32_t id = sc->ids[e->off + k];

					if (glob_one(&sc->set->rules[id], p, plen))
						pf_consider(sc, a, id, ev);
				}
		}
	}
	if (dirs->slots && !walk_dirs) {
		/* a relative resource: only a recursive "/" rule matches it (§2.3) */
		const struct pscope_ent *e = tab_find(dirs, phash("/", 1), "/", 1);

		for (uint32_t k = 0; e && k < e->n; k++)
			if (sc->set->rules[sc->ids[e->off + k]].recursive)
				pf_consider(sc, a, sc->ids[e->off + k], ev);
	}
	consider_all(sc, a, tab_find(&sc->tab[is_file ? PT_PATH_FILE : PT_PATH_PROC], h, p, plen),
		     ev);
	if (is_file && dirs->slots && plen && p[plen - 1] != '/') {
		/* the directory itself is accessed: rule.dir == Resource + "/" */
		consider_all(sc, a, tab_find_slash(dirs, phash_step(h, '/'), p, plen), ev);
	}
	if (!is_file && sc->tab[PT_EXEC].slots && exe) {
		const char *base = memrchr(exe, '/', exelen);

		if (base) {
			size_t bl = exelen - (size_t)(base + 1 - exe);

			consider_all(sc, a,
				     tab_find(&sc->tab[PT_EXEC], phash(base + 1, bl), base + 1, bl),
				     ev);
		}
	}
	/* patterns also match the ProcessName */
	if (globs->slots && exe && (exe != p && (exelen != plen || memcmp(exe, p, plen))))
		pf_globs_walk(sc, a, globs, exe, exelen, ev);
	for (uint32_t k = 0; k < gl->n; k++) {
		uint32_t id = sc->ids[gl->off + k];

		if (glob_hit(&sc->set->rules[id], p, plen, exe, exelen))
			pf_consider(sc, a, id, ev);
	}
	pf_sources(sc, a, exe, ev, p, plen, h, exe, exelen, is_file);
	if (ev->parent && (!exe || strcmp(ev->parent, exe)))
		pf_sources(sc, a, ev->parent, ev, p, plen, h, exe, exelen, is_file);
}

static enum rkind result_kind(int32_t result)
{
	if (result == 0)
		return RK_PASSED;
	if (result == -EPERM || result == -EACCES)
		return RK_DENIED;
	return RK_OTHER;
}

static void alert_rule(const struct policy_scope *sc, uint32_t id, struct policy_verdict *ret)
{
	const struct prule *r = &sc->set->rules[id];

	ret->kind = POLICY_VERDICT_ALERT;
	ret->action = ract(sc, r);
	ret->rule = &r->info;
}

static void alert_posture(enum policy_action a, struct policy_verdict *ret)
{
	ret->kind = POLICY_VERDICT_ALERT;
	ret->action = a;
	ret->default_posture = 1;
	ret->rule = NULL;
}

/* §2.7 / §2.8 step 3: what an event no rule decided becomes. */
static void posture_fallback(const struct policy_scope *sc, enum policy_class cls, int allow_list,
			     enum rkind rk, int covered, struct policy_verdict *ret)
{
	enum policy_posture post = sc->posture[cls];

	if (!allow_list)
		return; /* a log */
	if (rk == RK_PASSED) {
		if (covered)
			ret->kind = POLICY_VERDICT_DROP;
		else if (post == POLICY_POSTURE_AUDIT)
			alert_posture(POLICY_ACTION_AUDIT, ret);
		else if (post == POLICY_POSTURE_BLOCK && sc->audited)
			alert_posture(POLICY_ACTION_AUDIT_BLOCK, ret);
		return;
	}
	if (rk == RK_DENIED && post != POLICY_POSTURE_ALLOW &&
	    (!covered || post == POLICY_POSTURE_BLOCK))
		alert_posture(POLICY_ACTION_BLOCK, ret);
}

static int posture_denies(const struct policy_scope *sc, enum policy_class cls, int allow_list,
			  int covered)
{
	return allow_list && sc->posture[cls] == POLICY_POSTURE_BLOCK && !covered;
}

static void decide_pf(const struct policy_scope *sc, const struct policy_event *ev,
		      struct policy_verdict *ret)
{
	struct pf_acc a = { NO_RULE, NO_RULE, 0, 0, 0, 0 };
	enum rkind rk;

	pf_gather(sc, ev, &a);
	if (sc->audited) {
		ret->deny = 0;
	} else if (a.best) {
		const struct prule *r = &sc->set->rules[a.best_id];

		if (r->action == POLICY_ACTION_BLOCK)
			ret->deny = !((r->read_only || r->owner_only) && a.best_within);
		else
			ret->deny = !a.best_within &&
				    posture_denies(sc, POLICY_CLASS_FILE,
						   sc->allow_class[POLICY_CLASS_FILE], 0);
	} else {
		ret->deny = posture_denies(sc, POLICY_CLASS_FILE,
					   sc->allow_class[POLICY_CLASS_FILE], 0);
	}
	if (ev->result == POLICY_RESULT_PENDING)
		rk = ret->deny ? RK_DENIED : RK_PASSED;
	else
		rk = result_kind(ev->result);
	if (rk == RK_OTHER)
		return;
	if (rk == RK_PASSED && a.stop_passed != NO_RULE)
		return alert_rule(sc, a.stop_passed, ret);
	if (rk == RK_DENIED && a.stop_denied != NO_RULE)
		return alert_rule(sc, a.stop_denied, ret);
	if (rk == RK_PASSED && a.covered) {
		ret->kind = POLICY_VERDICT_DROP;
		return;
	}
	posture_fallback(sc, POLICY_CLASS_FILE, sc->allow_class[POLICY_CLASS_FILE], rk, a.covered,
			 ret);
}

/* Network/Capabilities fromSource: Source starts with "<path> " or ProcessName == path. */
static int src_ok_nc(const struct prule *r, const struct policy_event *ev)
{
	if (r->src_kind == PRULE_SRC_NONE)
		return 1;
	if (ev->process && !strcmp(ev->process, r->src))
		return 1;
	return ev->source && !strncmp(ev->source, r->src, r->src_len) &&
	       ev->source[r->src_len] == ' ';
}

struct nc_acc {
	uint32_t first;
	uint8_t covered, block;
};

static void nc_scan(const struct policy_scope *sc, const struct pscope_list *l,
		    const struct policy_event *ev, struct nc_acc *a)
{
	for (uint32_t k = 0; k < l->n; k++) {
		uint32_t id = sc->ids[l->off + k];
		const struct prule *r = &sc->set->rules[id];

		if (!src_ok_nc(r, ev) || (r->pts_false && !ev->has_tty))
			continue;
		if (id < a->first)
			a->first = id;
		if (is_allow_rule(r))
			a->covered = 1;
		if (r->action == POLICY_ACTION_BLOCK)
			a->block = 1;
	}
}

/*
 * DNS (§2.3): the name equals the rule domain or starts with "<domain>."; repeated after dropping
 * each leading label, so www.google.com and google.com.svc.cluster.local both match google.com.
 */
static int dns_match(const struct prule *r, const char *name)
{
	for (const char *s = name; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
		if (!strncmp(s, r->res, r->res_len) && (s[r->res_len] == 0 || s[r->res_len] == '.'))
			return 1;
	}
	return 0;
}

static void dns_scan(const struct policy_scope *sc, const struct policy_event *ev, struct nc_acc *a)
{
	for (uint32_t k = 0; k < sc->dns.n; k++) {
		uint32_t id = sc->ids[sc->dns.off + k];
		const struct prule *r = &sc->set->rules[id];

		if (!src_ok_nc(r, ev) || !dns_match(r, ev->domain))
			continue;
		if (id < a->first)
			a->first = id;
		if (is_allow_rule(r))
			a->covered = 1;
		if (r->action == POLICY_ACTION_BLOCK)
			a->block = 1;
	}
}

static void decide_nc(const struct policy_scope *sc, const struct policy_event *ev,
		      struct policy_verdict *ret)
{
	enum policy_class cls =
		ev->op == POLICY_OP_NETWORK ? POLICY_CLASS_NETWORK : POLICY_CLASS_CAPABILITIES;
	struct nc_acc a = { NO_RULE, 0, 0 };
	enum rkind rk;
	int allow_list;

	if (ev->op == POLICY_OP_NETWORK && ev->domain) {
		dns_scan(sc, ev, &a);
	} else if (ev->op == POLICY_OP_NETWORK) {
		uint32_t m = ev->protos & ((1u << POLICY_PROTO_COUNT) - 1) & ~1u;

		if (m)
			nc_scan(sc, &sc->net[POLICY_PROTO_NONE], ev, &a);
		while (m) {
			int p = __builtin_ctz(m);

			m &= m - 1;
			nc_scan(sc, &sc->net[p], ev, &a);
		}
	} else if (ev->capability >= 0 && ev->capability < PSCOPE_CAP_MAX) {
		nc_scan(sc, &sc->cap[ev->capability], ev, &a);
	}
	allow_list =
		ev->op == POLICY_OP_NETWORK && ev->domain ? sc->allow_dns : sc->allow_class[cls];
	ret->deny = !sc->audited && (a.block || posture_denies(sc, cls, allow_list, a.covered));
	if (ev->result == POLICY_RESULT_PENDING)
		rk = ret->deny ? RK_DENIED : RK_PASSED;
	else
		rk = result_kind(ev->result);
	if (rk == RK_OTHER)
		return;
	if (a.first != NO_RULE) {
		const struct prule *r = &sc->set->rules[a.first];

		if (is_allow_rule(r) && rk == RK_PASSED) {
			ret->kind = POLICY_VERDICT_DROP;
			return;
		}
		enum policy_action act = ract(sc, r);

		if ((act == POLICY_ACTION_AUDIT && rk == RK_PASSED) ||
		    (act == POLICY_ACTION_BLOCK && rk == RK_DENIED) ||
		    (act == POLICY_ACTION_AUDIT_BLOCK && rk == RK_PASSED))
			return alert_rule(sc, a.first, ret);
	}
	posture_fallback(sc, cls, allow_list, rk, a.covered, ret);
}

/* Syscall fromSource: the first token of Source is the path, or lies under the dir. */
static int src_ok_sys(const struct prule *r, const struct policy_event *ev)
{
	const char *s = ev->source, *sp;
	size_t tl;

	if (r->src_kind == PRULE_SRC_NONE)
		return 1;
	if (!s)
		return 0;
	sp = strchr(s, ' ');
	tl = sp ? (size_t)(sp - s) : strlen(s);
	if (r->src_kind == PRULE_SRC_PATH)
		return tl == r->src_len && !memcmp(s, r->src, tl);
	if (tl < r->src_len || memcmp(s, r->src, r->src_len))
		return 0;
	return r->src_recursive || !memchr(s + r->src_len, '/', tl - r->src_len);
}

static int path_ok_sys(const struct prule *r, const char *path)
{
	size_t pl;

	if (!r->res)
		return 1;
	if (!path)
		return 0;
	pl = strlen(path);
	if (r->res_len && r->res[r->res_len - 1] == '/') {
		if (r->recursive)
			return pl >= r->res_len && !memcmp(path, r->res, r->res_len);
		return pl == r->res_len - 1 && !memcmp(path, r->res, pl);
	}
	return pl == r->res_len && !memcmp(path, r->res, pl);
}

static void decide_sys(const struct policy_scope *sc, const struct policy_event *ev,
		       struct policy_verdict *ret)
{
	enum rkind rk = ev->result == POLICY_RESULT_PENDING ? RK_PASSED : result_kind(ev->result);

	if (rk != RK_OTHER) {
		/* every match overwrites the previous one: the last rule in order wins */
		for (uint32_t k = sc->sys.n; k-- > 0;) {
			uint32_t id = sc->ids[sc->sys.off + k];
			const struct prule *r = &sc->set->rules[id];

			if (r->num == ev->syscall_nr && src_ok_sys(r, ev) &&
			    path_ok_sys(r, ev->path)) {
				alert_rule(sc, id, ret);
				return;
			}
		}
	}
	if (sc->host)
		ret->kind = POLICY_VERDICT_DROP; /* host syscall events without a rule */
}

void policy_scope_decide(const struct policy_scope *sc, const struct policy_event *ev,
			 struct policy_verdict *ret)
{
	ret->kind = POLICY_VERDICT_LOG;
	ret->action = POLICY_ACTION_NONE;
	ret->deny = 0;
	ret->default_posture = 0;
	ret->host = sc->host ? 1 : 0;
	ret->rule = NULL;
	switch (ev->op) {
	case POLICY_OP_PROCESS:
	case POLICY_OP_FILE:
		decide_pf(sc, ev, ret);
		break;
	case POLICY_OP_NETWORK:
	case POLICY_OP_CAPABILITIES:
		decide_nc(sc, ev, ret);
		break;
	case POLICY_OP_SYSCALL:
		decide_sys(sc, ev, ret);
		break;
	default:
		break;
	}
}
