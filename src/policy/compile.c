/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile.c - normalised documents in, one immutable struct policy_set out (§2.2 flattening).
 *
 * Every rule becomes one struct prule per fromSource entry, in policy order (documents in list
 * order; inside a document process, file, network, capabilities, syscalls; inside a section
 * matchPaths, matchDirectories, matchPatterns), so the rule index is KubeArmor's scan order.
 * Policies carrying `apparmor` are skipped (§1.10), host policies whose nodeSelector does not
 * match this host are left out, patterns Go's regexp would reject are dropped (§2.2), and under
 * `audited` Allow/Block become Audit (Allow)/Audit (Block). All strings are copied into an arena
 * owned by the set, so the documents can be freed right after.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "policy/set.h"
#include "policy/syscall_names.h"

/* ---- arena ----------------------------------------------------------------------------------- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static void *arena_alloc(struct policy_set *s, size_t n)
{
	struct arena_chunk *c = s->arena;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t sz = n > 16384 ? n : 16384;

		c = malloc(sizeof(*c) + sz);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = sz;
		c->next = s->arena;
		s->arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

static char *arena_strdup(struct policy_set *s, const char *str)
{
	size_t n = strlen(str) + 1;
	char *d = arena_alloc(s, n);

	if (d)
		memcpy(d, str, n);
	return d;
}

uint64_t phash(const char *str, size_t n)
{
	uint64_t h = PHASH_INIT;

	for (size_t i = 0; i < n; i++)
		h = phash_step(h, (unsigned char)str[i]);
	return h;
}

/* ---- small public helpers -------------------------------------------------------------------- */

void policy_compile_opts_init(struct policy_compile_opts *o)
{
	static char hostname[256];

	memset(o, 0, sizeof(*o));
	if (!hostname[0] && gethostname(hostname, sizeof(hostname) - 1) < 0)
		strcpy(hostname, "localhost");
	o->host.hostname = hostname;
	for (int i = 0; i < POLICY_CLASS_COUNT; i++) {
		o->host_posture[i] = POLICY_POSTURE_AUDIT;
		o->container_posture[i] = POLICY_POSTURE_AUDIT;
	}
}

const char *policy_action_to_string(enum policy_action a)
{
	switch (a) {
	case POLICY_ACTION_ALLOW:
		return "Allow";
	case POLICY_ACTION_AUDIT:
		return "Audit";
	case POLICY_ACTION_BLOCK:
		return "Block";
	case POLICY_ACTION_AUDIT_ALLOW:
		return "Audit (Allow)";
	case POLICY_ACTION_AUDIT_BLOCK:
		return "Audit (Block)";
	case POLICY_ACTION_NONE:
		break;
	}
	return "";
}

const char *policy_op_to_string(enum policy_op op)
{
	static const char *const names[POLICY_OP_COUNT] = { "Process", "File", "Network",
							    "Capabilities", "Syscall" };

	return (unsigned)op < POLICY_OP_COUNT ? names[op] : "";
}

/*
 * KubeArmor's fetchProtocol() reads the protocol name first (TCP, UDP, IPv6-ICMP, ICMP, SCTP; a
 * stream/dgram socket with protocol 0 counts as TCP/UDP) and then the socket type. Rules may
 * name either, so the mask carries both: the protocol bit and the socket-type bit.
 */
uint32_t policy_proto_classify(int domain, int type, int protocol)
{
	uint32_t m = 0;
	int t = type & 0xf; /* strip SOCK_NONBLOCK / SOCK_CLOEXEC */

	(void)domain;
	if (protocol == 6 || (t == 1 && protocol == 0))
		m |= 1u << POLICY_PROTO_TCP;
	else if (protocol == 17 || (t == 2 && protocol == 0))
		m |= 1u << POLICY_PROTO_UDP;
	else if (protocol == 58)
		m |= 1u << POLICY_PROTO_ICMPV6;
	else if (protocol == 1)
		m |= 1u << POLICY_PROTO_ICMP;
	else if (protocol == 132)
		m |= 1u << POLICY_PROTO_SCTP;
	switch (t) {
	case 1:
		m |= 1u << POLICY_PROTO_STREAM;
		break;
	case 2:
		m |= 1u << POLICY_PROTO_DGRAM;
		break;
	case 3:
		m |= 1u << POLICY_PROTO_RAW;
		break;
	case 4:
		m |= 1u << POLICY_PROTO_RDM;
		break;
	case 5:
		m |= 1u << POLICY_PROTO_SEQPACKET;
		break;
	case 6:
		m |= 1u << POLICY_PROTO_DCCP;
		break;
	case 10:
		m |= 1u << POLICY_PROTO_PACKET;
		break;
	default:
		break;
	}
	return m;
}

static int proto_from_name(const char *n)
{
	static const char *const names[POLICY_PROTO_COUNT] = {
		"all",	  "tcp",   "udp", "icmp",      "icmpv6", "sctp",  "raw",
		"stream", "dgram", "rdm", "seqpacket", "dccp",	 "packet"
	};

	for (int i = 0; i < POLICY_PROTO_COUNT; i++)
		if (!strcasecmp(n, names[i]))
			return i;
	return -1;
}

static int cap_from_name(const char *n)
{
	static const char *const names[] = { "chown",
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
					     "syslog",
					     "wake_alarm",
					     "block_suspend",
					     "audit_read",
					     "perfmon",
					     "bpf",
					     "checkpoint_restore" };

	if (!strncasecmp(n, "cap_", 4))
		n += 4;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(n, names[i]))
			return (int)i;
	return -1;
}

static int syscall_from_name(const char *n)
{
	if (!strncasecmp(n, "sys_", 4))
		n += 4;
	for (size_t i = 0; i < sizeof(policy_syscall_names) / sizeof(policy_syscall_names[0]); i++)
		if (!strcasecmp(n, policy_syscall_names[i].name))
			return policy_syscall_names[i].nr;
	return -1;
}

/* ---- host selector (§1.3) -------------------------------------------------------------------- */

static int host_has_label(const struct policy_host *h, const char *k, const char *v)
{
	size_t kl = strlen(k);

	if (!h->labels)
		return 0;
	for (const char *const *l = h->labels; *l; l++)
		if (!strncmp(*l, k, kl) && (*l)[kl] == '=' && (!v || !strcmp(*l + kl + 1, v)))
			return 1;
	return 0;
}

/* The host's value for a hostname key: kubearmor.io/hostname is always the host name. */
static const char *host_value(const struct policy_host *h, const char *k)
{
	size_t kl = strlen(k);

	if (!strcmp(k, "kubearmor.io/hostname"))
		return h->hostname ? h->hostname : "";
	if (h->labels)
		for (const char *const *l = h->labels; *l; l++)
			if (!strncmp(*l, k, kl) && (*l)[kl] == '=')
				return *l + kl + 1;
	return NULL;
}

static int list_has(const char *list, const char *v)
{
	size_t vl = strlen(v);
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (n == vl && !strncmp(p, v, n))
			return 1;
		if (!e)
			return 0;
		p = e + 1;
	}
}

static int host_regex_match(const char *pattern, const char *value)
{
	/* `*` becomes `.*`; Go's MatchString is unanchored, so is regexec(). */
	size_t n = strlen(pattern);
	char *re = malloc(2 * n + 1), *q = re;
	regex_t rx;
	int ok;

	if (!re)
		return 0;
	for (const char *p = pattern; *p; p++) {
		if (*p == '*')
			*q++ = '.';
		*q++ = *p;
	}
	*q = 0;
	ok = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0;
	free(re);
	if (!ok)
		return 0;
	ok = regexec(&rx, value, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

static int host_selector_matches(const struct policy_host *h, const struct policy_selector *sel)
{
	for (size_t i = 0; i < sel->n_labels; i++) {
		const char *k = sel->labels[i].key,
			   *v = sel->labels[i].value ? sel->labels[i].value : "";

		if (!strcmp(k, "kubearmor.io/hostname") || !strcmp(k, "kubernetes.io/hostname")) {
			const char *hv = host_value(h, k);

			if (!hv)
				return 0;
			if (!strcmp(v, "*"))
				continue;
			if (strchr(v, ',') ? !list_has(v, hv) : strcmp(v, hv) != 0)
				return 0;
		} else if (!strcmp(k, "kubearmor.io/hostnamereg") ||
			   !strcmp(k, "kubernetes.io/hostnamereg")) {
			const char *hv = host_value(h, !strcmp(k, "kubearmor.io/hostnamereg")
							       ? "kubearmor.io/hostname"
							       : "kubernetes.io/hostname");

			if (!hv || !host_regex_match(v, hv))
				return 0;
		} else if (!host_has_label(h, k, v)) {
			return 0;
		}
	}
	return 1;
}

/* ---- flattening ------------------------------------------------------------------------------ */

struct meta_chain {
	const struct policy_meta *rule, *section, *spec;
};

static enum policy_action chain_action(const struct meta_chain *m)
{
	if (m->rule && m->rule->action)
		return m->rule->action;
	if (m->section && m->section->action)
		return m->section->action;
	if (m->spec && m->spec->action)
		return m->spec->action;
	return POLICY_ACTION_BLOCK; /* §1.11: empty → Block */
}

static int fill_info(struct policy_set *s, const struct policy_doc *d, const struct meta_chain *m,
		     struct policy_rule_info *info)
{
	const struct policy_meta *chain[3] = { m->rule, m->section, m->spec };
	int severity = 0;
	const struct policy_strv *tags = NULL;
	const char *message = NULL;
	char sev[16];

	for (int i = 0; i < 3; i++) {
		if (!chain[i])
			continue;
		if (!severity && chain[i]->severity)
			severity = chain[i]->severity;
		if (!tags && chain[i]->tags.n)
			tags = &chain[i]->tags;
		if (!message && chain[i]->message && chain[i]->message[0])
			message = chain[i]->message;
	}
	info->policy_name = arena_strdup(s, d->name ? d->name : "");
	if (severity)
		snprintf(sev, sizeof(sev), "%d", severity);
	else
		sev[0] = 0;
	info->severity = arena_strdup(s, sev);
	info->message = arena_strdup(s, message ? message : "");
	if (tags) {
		size_t n = 0;
		char *t;

		for (size_t i = 0; i < tags->n; i++)
			n += strlen(tags->v[i]) + 1;
		t = arena_alloc(s, n + 1);
		if (!t)
			return -ENOMEM;
		t[0] = 0;
		for (size_t i = 0; i < tags->n; i++) {
			if (i)
				strcat(t, ",");
			strcat(t, tags->v[i]);
		}
		info->tags = t;
	} else {
		info->tags = arena_strdup(s, "");
	}
	info->action = chain_action(m);
	if (!info->policy_name || !info->severity || !info->message || !info->tags)
		return -ENOMEM;
	return 0;
}

static struct prule *rule_push(struct policy_set *s)
{
	if (s->n_rules == s->cap_rules) {
		size_t nc = s->cap_rules ? 2 * s->cap_rules : 64;
		struct prule *n = realloc(s->rules, nc * sizeof(*n));

		if (!n)
			return NULL;
		s->rules = n;
		s->cap_rules = nc;
	}
	memset(&s->rules[s->n_rules], 0, sizeof(s->rules[0]));
	return &s->rules[s->n_rules++];
}

/*
 * Add @tmpl once per fromSource entry (§2.2). @tmpl's strings are the document's; they are
 * copied here.
 */
static int add_rule(struct policy_set *s, const struct policy_doc *d, const struct prule *tmpl,
		    const struct policy_sources *from, const struct meta_chain *m)
{
	size_t n = from && from->n ? from->n : 1;
	struct policy_rule_info info;
	const char *res = NULL;
	int err;

	err = fill_info(s, d, m, &info);
	if (err)
		return err;
	if (tmpl->res) {
		res = arena_strdup(s, tmpl->res);
		if (!res)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct prule *r = rule_push(s);

		if (!r)
			return -ENOMEM;
		*r = *tmpl;
		r->res = res;
		r->res_len = res ? (uint32_t)strlen(res) : 0;
		r->info = info;
		r->info.rule_id = (uint32_t)(s->n_rules - 1);
		r->action = info.action; /* `audited` is applied per scope at decision time */
		r->is_allow = info.action == POLICY_ACTION_ALLOW;
		if (r->rtype == PRULE_SYSCALL) {
			/* "Syscall rules are always in audit mode" */
			r->action = POLICY_ACTION_AUDIT;
			r->is_allow = 0;
		}
		if (r->rtype == PRULE_GLOB && res) {
			r->glob_prefix = pglob_literal_prefix(res);
			for (uint32_t k = r->glob_prefix; k > 0; k--)
				if (res[k - 1] == '/') {
					r->glob_dir = k;
					break;
				}
		}
		if (from && from->n) {
			const struct policy_source *src = &from->v[i];

			if (src->path) {
				r->src_kind = PRULE_SRC_PATH;
				r->src = arena_strdup(s, src->path);
			} else if (src->dir) {
				size_t dl = strlen(src->dir);
				char *dd = arena_alloc(s, dl + 2);

				if (!dd)
					return -ENOMEM;
				memcpy(dd, src->dir, dl + 1);
				if (!dl || dd[dl - 1] != '/')
					strcat(dd, "/");
				r->src_kind = PRULE_SRC_DIR;
				r->src_recursive = src->recursive ? 1 : 0;
				r->src = dd;
			} else {
				s->n_rules--; /* an empty fromSource entry: nothing to match */
				continue;
			}
			if (!r->src)
				return -ENOMEM;
			r->src_len = (uint32_t)strlen(r->src);
		}
	}
	return 0;
}

static int flatten_paths(struct policy_set *s, const struct policy_doc *d,
			 const struct policy_path_section *sec, enum policy_op op)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct policy_path_rule *pr = &sec->v[i];
		struct meta_chain m = { &pr->meta, &sec->meta, &d->meta };
		struct prule t;
		int err;

		memset(&t, 0, sizeof(t));
		t.op = (uint8_t)op;
		if (!pr->value)
			continue;
		switch (pr->kind) {
		case POLICY_MATCH_PATH:
			t.rtype = PRULE_PATH;
			break;
		case POLICY_MATCH_EXECNAME:
			t.rtype = PRULE_EXECNAME;
			break;
		case POLICY_MATCH_DIR:
			t.rtype = PRULE_DIR;
			break;
		case POLICY_MATCH_PATTERN:
			t.rtype = PRULE_GLOB;
			if (!pglob_go_regexp_ok(pr->value))
				continue; /* §2.2: silently dropped */
			break;
		}
		/* host spec: "Allow actions without fromSource are ignored" (§2.4) */
		if (d->kind == POLICY_KIND_HSP && chain_action(&m) == POLICY_ACTION_ALLOW &&
		    pr->from.n == 0)
			continue;
		t.recursive = pr->recursive ? 1 : 0;
		t.owner_only = pr->owner_only ? 1 : 0;
		t.pts_false = pr->pts_false ? 1 : 0;
		t.read_only = op == POLICY_OP_FILE && pr->read_only ? 1 : 0;
		t.res = pr->value;
		if (pr->kind == POLICY_MATCH_DIR && pr->value[0] &&
		    pr->value[strlen(pr->value) - 1] != '/') {
			/* non-k8s mode accepts "/usr/bin" unvalidated; index it as the directory */
			char *dir = arena_alloc(s, strlen(pr->value) + 2);

			if (!dir)
				return -ENOMEM;
			strcpy(dir, pr->value);
			strcat(dir, "/");
			t.res = dir;
		}
		/* matchPatterns carry no fromSource (§1.4) */
		err = add_rule(s, d, &t, pr->kind == POLICY_MATCH_PATTERN ? NULL : &pr->from, &m);
		if (err)
			return err;
	}
	return 0;
}

static int flatten_doc(struct policy_set *s, const struct policy_doc *d, struct diag *diag)
{
	const char *file = d->source_file ? d->source_file : "<policy>";
	int err;

	err = flatten_paths(s, d, &d->process, POLICY_OP_PROCESS);
	if (!err)
		err = flatten_paths(s, d, &d->file, POLICY_OP_FILE);
	if (err)
		return err;
	for (size_t i = 0; i < d->network.n_protocols; i++) {
		const struct policy_proto_rule *pr = &d->network.protocols[i];
		struct meta_chain m = { &pr->meta, &d->network.meta, &d->meta };
		struct prule t;
		int p = pr->protocol ? proto_from_name(pr->protocol) : -1;

		if (p < 0)
			return diag_err(diag, file, pr->pos.line, pr->pos.col,
					"%s: unknown protocol '%s'", d->name ? d->name : "",
					pr->protocol ? pr->protocol : "");
		memset(&t, 0, sizeof(t));
		t.op = POLICY_OP_NETWORK;
		t.rtype = PRULE_PROTO;
		t.num = p;
		t.pts_false = pr->pts_false ? 1 : 0;
		err = add_rule(s, d, &t, &pr->from, &m);
		if (err)
			return err;
	}
	for (size_t i = 0; i < d->network.n_dns; i++) {
		const struct policy_dns_rule *dr = &d->network.dns[i];
		struct meta_chain m = { &dr->meta, &d->network.meta, &d->meta };
		struct prule t;
		const char *dom = dr->domain ? dr->domain : "";
		size_t dl;
		char *low;

		while (*dom == '.')
			dom++;
		dl = strlen(dom);
		while (dl && dom[dl - 1] == '.')
			dl--;
		if (!dl)
			continue;
		low = arena_alloc(s, dl + 1);
		if (!low)
			return -ENOMEM;
		for (size_t k = 0; k < dl; k++)
			low[k] = (char)tolower((unsigned char)dom[k]);
		low[dl] = 0;
		memset(&t, 0, sizeof(t));
		t.op = POLICY_OP_NETWORK;
		t.rtype = PRULE_DNS;
		t.res = low;
		err = add_rule(s, d, &t, &dr->from, &m);
		if (err)
			return err;
	}
	for (size_t i = 0; i < d->capabilities.n; i++) {
		const struct policy_cap_rule *cr = &d->capabilities.v[i];
		struct meta_chain m = { &cr->meta, &d->capabilities.meta, &d->meta };
		struct prule t;
		int c = cr->capability ? cap_from_name(cr->capability) : -1;

		if (c < 0 || c >= PSCOPE_CAP_MAX)
			return diag_err(diag, file, cr->pos.line, cr->pos.col,
					"%s: unknown capability '%s'", d->name ? d->name : "",
					cr->capability ? cr->capability : "");
		memset(&t, 0, sizeof(t));
		t.op = POLICY_OP_CAPABILITIES;
		t.rtype = PRULE_CAP;
		t.num = c;
		err = add_rule(s, d, &t, &cr->from, &m);
		if (err)
			return err;
	}
	for (size_t i = 0; i < d->syscalls.n; i++) {
		const struct policy_syscall_rule *sr = &d->syscalls.v[i];
		struct meta_chain m = { &sr->meta, &d->syscalls.meta, &d->meta };

		for (size_t j = 0; j < sr->syscalls.n; j++) {
			struct prule t;
			int nr = syscall_from_name(sr->syscalls.v[j]);

			if (nr < 0)
				return diag_err(diag, file, sr->pos.line, sr->pos.col,
						"%s: unknown syscall '%s'", d->name ? d->name : "",
						sr->syscalls.v[j]);
			memset(&t, 0, sizeof(t));
			t.op = POLICY_OP_SYSCALL;
			t.rtype = PRULE_SYSCALL;
			t.num = nr;
			t.res = sr->path;
			t.recursive = sr->recursive ? 1 : 0;
			err = add_rule(s, d, &t, &sr->from, &m);
			if (err)
				return err;
		}
	}
	return 0;
}

static int copy_selector(struct policy_set *s, const struct policy_doc *d, struct pset_policy *p)
{
	const struct policy_selector *sel = &d->selector;

	p->n_labels = sel->n_labels;
	if (sel->n_labels) {
		p->labels = arena_alloc(s, sel->n_labels * sizeof(*p->labels));
		if (!p->labels)
			return -ENOMEM;
		for (size_t i = 0; i < sel->n_labels; i++) {
			p->labels[i].key =
				arena_strdup(s, sel->labels[i].key ? sel->labels[i].key : "");
			p->labels[i].value =
				arena_strdup(s, sel->labels[i].value ? sel->labels[i].value : "");
			if (!p->labels[i].key || !p->labels[i].value)
				return -ENOMEM;
		}
	}
	p->n_exprs = sel->n_exprs;
	if (sel->n_exprs) {
		p->exprs = arena_alloc(s, sel->n_exprs * sizeof(*p->exprs));
		if (!p->exprs)
			return -ENOMEM;
		for (size_t i = 0; i < sel->n_exprs; i++) {
			const struct policy_expr *e = &sel->exprs[i];
			struct policy_expr *o = &p->exprs[i];

			o->key = e->key;
			o->not_in = e->not_in;
			o->values.n = e->values.n;
			o->values.v = arena_alloc(s, (e->values.n + 1) * sizeof(char *));
			if (!o->values.v)
				return -ENOMEM;
			for (size_t j = 0; j < e->values.n; j++) {
				o->values.v[j] =
					arena_strdup(s, e->values.v[j] ? e->values.v[j] : "");
				if (!o->values.v[j])
					return -ENOMEM;
			}
		}
	}
	if (d->namespace_name) {
		p->namespace_name = arena_strdup(s, d->namespace_name);
		if (!p->namespace_name)
			return -ENOMEM;
	}
	p->name = arena_strdup(s, d->name ? d->name : "");
	return p->name ? 0 : -ENOMEM;
}

int policy_set_compile(const struct policy_doc_list *docs, const struct policy_compile_opts *o,
		       struct policy_set **ret, struct diag *diag)
{
	struct policy_set *s;
	uint8_t *sel = NULL;
	int err = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->audited = o->audited;
	memcpy(s->host_posture, o->host_posture, sizeof(s->host_posture));
	memcpy(s->container_posture, o->container_posture, sizeof(s->container_posture));
	for (size_t i = 0; docs && i < docs->n; i++) {
		const struct policy_doc *d = docs->v[i];
		struct pset_policy *p;

		if (!d || d->has_apparmor)
			continue;
		if (d->kind == POLICY_KIND_HSP && !host_selector_matches(&o->host, &d->selector))
			continue;
		if (s->n_pols == s->cap_pols) {
			size_t nc = s->cap_pols ? 2 * s->cap_pols : 16;
			struct pset_policy *np = realloc(s->pols, nc * sizeof(*np));

			if (!np) {
				err = -ENOMEM;
				goto out;
			}
			s->pols = np;
			s->cap_pols = nc;
		}
		p = &s->pols[s->n_pols++];
		memset(p, 0, sizeof(*p));
		p->kind = d->kind;
		p->first = (uint32_t)s->n_rules;
		err = copy_selector(s, d, p);
		if (!err)
			err = flatten_doc(s, d, diag);
		if (err)
			goto out;
		p->last = (uint32_t)s->n_rules;
	}
	/* The host scope: every HSP kept above (their nodeSelector matched this host). */
	sel = calloc(s->n_rules ? s->n_rules : 1, 1);
	if (!sel) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n_pols; i++)
		if (s->pols[i].kind == POLICY_KIND_HSP)
			memset(sel + s->pols[i].first, 1, s->pols[i].last - s->pols[i].first);
	err = pscope_build(s, sel, 1, &s->host_scope);
out:
	free(sel);
	if (err) {
		policy_set_free(s);
		return err;
	}
	*ret = s;
	return 0;
}

void policy_set_free(struct policy_set *s)
{
	struct arena_chunk *c, *n;

	if (!s)
		return;
	policy_scope_free(s->host_scope);
	for (c = s->arena; c; c = n) {
		n = c->next;
		free(c);
	}
	free(s->rules);
	free(s->pols);
	free(s);
}

size_t policy_set_rule_count(const struct policy_set *s)
{
	return s ? s->n_rules : 0;
}

int policy_set_has_container_rules(const struct policy_set *s, enum policy_op op)
{
	for (size_t i = 0; s && i < s->n_pols; i++) {
		const struct pset_policy *p = &s->pols[i];

		if (p->kind == POLICY_KIND_HSP)
			continue;
		for (uint32_t k = p->first; k < p->last && k < s->n_rules; k++)
			if (s->rules[k].op == op)
				return 1;
	}
	return 0;
}

const struct policy_scope *policy_set_host_scope(const struct policy_set *s)
{
	return s->host_scope;
}

/* ---- what the kernel side needs -------------------------------------------------------------- */

/*
 * The interest of a rule selection: rule indices @ids[0..n) (NULL = every rule of the set).
 * Allow-listed classes first (every event of their ops matters), then per rule its path,
 * directory or pattern, the fromSource program of network/capability rules as a PATH item of
 * that op, and ANY once per op for rules that can match any path (execname, protocols,
 * capabilities, syscalls, DNS).
 */
static void interest_rules(const struct policy_set *s, const uint32_t *ids, size_t n,
			   policy_interest_fn cb, void *ctx)
{
	uint8_t any_sent[POLICY_OP_COUNT] = { 0 };
	uint8_t allow_class[POLICY_CLASS_COUNT] = { 0 };

	for (size_t k = 0; k < n; k++) {
		const struct prule *r = &s->rules[ids ? ids[k] : k];

		if (r->is_allow)
			allow_class[r->op == POLICY_OP_NETWORK	      ? POLICY_CLASS_NETWORK
				    : r->op == POLICY_OP_CAPABILITIES ? POLICY_CLASS_CAPABILITIES
								      : POLICY_CLASS_FILE] = 1;
	}
	if (allow_class[POLICY_CLASS_FILE]) {
		any_sent[POLICY_OP_PROCESS] = any_sent[POLICY_OP_FILE] = 1;
		cb(ctx, POLICY_OP_PROCESS, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_ALLOW);
		cb(ctx, POLICY_OP_FILE, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_ALLOW);
	}
	if (allow_class[POLICY_CLASS_NETWORK]) {
		any_sent[POLICY_OP_NETWORK] = 1;
		cb(ctx, POLICY_OP_NETWORK, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_ALLOW);
	}
	if (allow_class[POLICY_CLASS_CAPABILITIES]) {
		any_sent[POLICY_OP_CAPABILITIES] = 1;
		cb(ctx, POLICY_OP_CAPABILITIES, POLICY_INTEREST_ANY, NULL, POLICY_ACTION_ALLOW);
	}
	for (size_t k = 0; k < n; k++) {
		const struct prule *r = &s->rules[ids ? ids[k] : k];
		enum policy_op op = (enum policy_op)r->op;

		if ((op == POLICY_OP_NETWORK || op == POLICY_OP_CAPABILITIES) &&
		    r->src_kind == PRULE_SRC_PATH)
			cb(ctx, op, POLICY_INTEREST_PATH, r->src, r->info.action);
		switch (r->rtype) {
		case PRULE_PATH:
			cb(ctx, op, POLICY_INTEREST_PATH, r->res, r->info.action);
			break;
		case PRULE_DIR:
			cb(ctx, op,
			   r->recursive ? POLICY_INTEREST_DIR_RECURSIVE : POLICY_INTEREST_DIR,
			   r->res, r->info.action);
			break;
		case PRULE_GLOB:
			cb(ctx, op, POLICY_INTEREST_GLOB, r->res, r->info.action);
			break;
		default:
			if (!any_sent[op]) {
				any_sent[op] = 1;
				cb(ctx, op, POLICY_INTEREST_ANY, NULL, r->info.action);
			}
			break;
		}
	}
}

void policy_set_interest(const struct policy_set *s, policy_interest_fn cb, void *ctx)
{
	interest_rules(s, NULL, s->n_rules, cb, ctx);
}

void policy_scope_interest(const struct policy_scope *sc, policy_interest_fn cb, void *ctx)
{
	/* every rule of the scope sits in exactly one of its tables/lists: ids lists each once */
	interest_rules(sc->set, sc->ids, sc->n_ids, cb, ctx);
}
