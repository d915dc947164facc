/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_policy_test.c - `ward policy test PATH... [--since DUR]`: a dry run of policies against
 * the stored records. Each stored record is turned back into the event the matcher sees
 * (operation, process, parent, source, path, uid, tty, result, write flag, protocol, capability,
 * syscall) and decided by the compiled policy set in the record's own host or container scope;
 * the records that would have raised an alert are printed with the policy and the action.
 *
 * Host policies select nodes by kubearmor.io/hostname, so a set is compiled per HostName seen
 * (stored records may come from many hosts). Container scopes are cached by ContainerID.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/policy.h"
#include "record/record.h"
#include "store/store.h"

#define MAX_HOSTS      64
#define MAX_CONTAINERS 1024
#define MAX_LABELS     64

struct host_set {
	char *hostname;
	struct policy_set *set;
};

struct cont_scope {
	char *id;
	const struct policy_set *set;
	struct policy_scope *scope;
};

struct tester {
	struct policy_doc_list *docs;
	struct host_set hosts[MAX_HOSTS];
	size_t n_hosts;
	struct cont_scope conts[MAX_CONTAINERS];
	size_t n_conts;
};

static const struct policy_set *set_for_host(struct tester *t, const char *host, struct diag *d)
{
	host = host ? host : "";
	for (size_t i = 0; i < t->n_hosts; i++)
		if (!strcmp(t->hosts[i].hostname, host))
			return t->hosts[i].set;
	if (t->n_hosts == MAX_HOSTS)
		return NULL;
	struct policy_compile_opts o;
	policy_compile_opts_init(&o);
	o.host.hostname = host;
	struct policy_set *s;
	if (policy_set_compile(t->docs, &o, &s, d))
		return NULL;
	t->hosts[t->n_hosts].hostname = strdup(host);
	t->hosts[t->n_hosts].set = s;
	if (!t->hosts[t->n_hosts].hostname) {
		policy_set_free(s);
		return NULL;
	}
	return t->hosts[t->n_hosts++].set;
}

static const struct policy_scope *scope_for(struct tester *t, const struct policy_set *set,
					    const struct ward_record *r)
{
	if (!r->container_id || !*r->container_id)
		return policy_set_host_scope(set);
	for (size_t i = 0; i < t->n_conts; i++)
		if (t->conts[i].set == set && !strcmp(t->conts[i].id, r->container_id))
			return t->conts[i].scope;
	if (t->n_conts == MAX_CONTAINERS) {
		for (size_t i = 0; i < t->n_conts; i++) {
			free(t->conts[i].id);
			policy_scope_free(t->conts[i].scope);
		}
		t->n_conts = 0;
	}
	/* Labels "k=v,k2=v2" → NULL-terminated list */
	char *lab = strdup(r->labels ? r->labels : "");
	const char *labels[MAX_LABELS + 1];
	size_t nl = 0;
	if (!lab)
		return NULL;
	for (char *save = NULL, *tok = strtok_r(lab, ",", &save); tok && nl < MAX_LABELS;
	     tok = strtok_r(NULL, ",", &save))
		labels[nl++] = tok;
	labels[nl] = NULL;
	struct policy_container c = {
		.namespace_name = r->namespace_name ? r->namespace_name : "container_namespace",
		.container_name = r->container_name ? r->container_name : "",
		.labels = labels,
	};
	struct policy_scope *sc;
	int err = policy_set_container_scope(set, &c, &sc);
	free(lab);
	if (err)
		return NULL;
	t->conts[t->n_conts].id = strdup(r->container_id);
	if (!t->conts[t->n_conts].id) {
		policy_scope_free(sc);
		return NULL;
	}
	t->conts[t->n_conts].set = set;
	t->conts[t->n_conts].scope = sc;
	return t->conts[t->n_conts++].scope;
}

static void tester_done(struct tester *t)
{
	for (size_t i = 0; i < t->n_conts; i++) {
		free(t->conts[i].id);
		policy_scope_free(t->conts[i].scope);
	}
	for (size_t i = 0; i < t->n_hosts; i++) {
		free(t->hosts[i].hostname);
		policy_set_free(t->hosts[i].set);
	}
	policy_doc_list_free(t->docs);
}

struct name_num {
	const char *name;
	int num;
};

static int lookup(const struct name_num *tab, size_t n, const char *name, size_t len, int dflt)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && !strncmp(tab[i].name, name, len))
			return tab[i].num;
	return dflt;
}

/* value of `key=` in a space-separated "k=v k2=v2" string */
static const char *kv(const char *s, const char *key, size_t *ret_len)
{
	size_t kl = strlen(key);
	for (const char *p = s; p && *p;) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;
			*ret_len = strcspn(v, " ");
			return v;
		}
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return NULL;
}

static const struct name_num domains[] = { { "AF_UNIX", 1 },
					   { "AF_INET", 2 },
					   { "AF_INET6", 10 },
					   { "AF_NETLINK", 16 },
					   { "AF_PACKET", 17 } };
static const struct name_num socktypes[] = { { "SOCK_STREAM", 1 },    { "SOCK_DGRAM", 2 },
					     { "SOCK_RAW", 3 },	      { "SOCK_RDM", 4 },
					     { "SOCK_SEQPACKET", 5 }, { "SOCK_DCCP", 6 },
					     { "SOCK_PACKET", 10 } };
static const struct name_num protos[] = { { "0", 0 },	    { "HOPOPT", 0 }, { "ICMP", 1 },
					  { "TCP", 6 },	    { "UDP", 17 },   { "IPv6-ICMP", 58 },
					  { "ICMPv6", 58 }, { "SCTP", 132 }, { "1", 1 },
					  { "6", 6 },	    { "17", 17 },    { "58", 58 } };
static const struct name_num caps[] = {
	{ "CAP_CHOWN", 0 },
	{ "CAP_DAC_OVERRIDE", 1 },
	{ "CAP_DAC_READ_SEARCH", 2 },
	{ "CAP_FOWNER", 3 },
	{ "CAP_KILL", 5 },
	{ "CAP_SETGID", 6 },
	{ "CAP_SETUID", 7 },
	{ "CAP_NET_BIND_SERVICE", 10 },
	{ "CAP_NET_ADMIN", 12 },
	{ "CAP_NET_RAW", 13 },
	{ "CAP_SYS_MODULE", 16 },
	{ "CAP_SYS_CHROOT", 18 },
	{ "CAP_SYS_PTRACE", 19 },
	{ "CAP_SYS_ADMIN", 21 },
	{ "CAP_SYS_TIME", 25 },
	{ "CAP_MKNOD", 27 },
};
static const struct name_num syscalls[] = {
	{ "SYS_OPEN", 2 },	 { "SYS_EXECVE", 59 },	  { "SYS_RMDIR", 84 },
	{ "SYS_UNLINK", 87 },	 { "SYS_CHOWN", 92 },	  { "SYS_PTRACE", 101 },
	{ "SYS_SETUID", 105 },	 { "SYS_SETGID", 106 },	  { "SYS_MOUNT", 165 },
	{ "SYS_UMOUNT2", 166 },	 { "SYS_OPENAT", 257 },	  { "SYS_FCHOWNAT", 260 },
	{ "SYS_UNLINKAT", 263 }, { "SYS_EXECVEAT", 322 },
};
static const struct name_num results[] = { { "Passed", 0 },
					   { "Operation not permitted", -EPERM },
					   { "No such file or directory", -ENOENT },
					   { "Permission denied", -EACCES },
					   { "File exists", -EEXIST },
					   { "Is a directory", -EISDIR } };

/* the matcher's view of a stored record; 0, or -EINVAL when the operation has no rules */
static int record_to_event(const struct ward_record *r, struct policy_event *ev, char *pathbuf,
			   size_t pathsize)
{
	static const char *const ops[] = { "Process", "File", "Network", "Capabilities",
					   "Syscall" };
	const char *op = r->operation ? r->operation : "";
	size_t i, l;
	memset(ev, 0, sizeof(*ev));
	for (i = 0; i < WARD_ARRAY_SIZE(ops); i++)
		if (!strcmp(op, ops[i]))
			break;
	if (i == WARD_ARRAY_SIZE(ops))
		return -EINVAL;
	ev->op = (enum policy_op)i;
	ev->process = r->process_name ? r->process_name : "";
	ev->parent = r->parent_process_name ? r->parent_process_name : "";
	ev->source = r->source ? r->source : "";
	ev->uid = (uint32_t)r->uid;
	ev->has_tty = r->tty && *r->tty;
	const char *res = r->result ? r->result : "Passed";
	ev->result = lookup(results, WARD_ARRAY_SIZE(results), res, strlen(res), -EIO);
	/*
	 * The stored result happened without this policy; ask what it would do now, as the
	 * enforcers do for a pending permission event. Failures for other reasons (ENOENT...)
	 * keep their result: KubeArmor matches no rule for those (§2.8 step 1).
	 */
	if (ev->result == 0 || ev->result == -EPERM || ev->result == -EACCES)
		ev->result = POLICY_RESULT_PENDING;
	const char *resource = r->resource ? r->resource : "";
	const char *data = r->data ? r->data : "";
	const char *v;
	switch (ev->op) {
	case POLICY_OP_PROCESS:
		/* Resource is "<exe> <args>"; the path a process rule matches is the exe */
		l = strcspn(resource, " ");
		if (l >= pathsize)
			l = pathsize - 1;
		memcpy(pathbuf, resource, l);
		pathbuf[l] = 0;
		ev->path = *pathbuf ? pathbuf : ev->process;
		break;
	case POLICY_OP_FILE:
		ev->path = resource;
		ev->is_write = strstr(data, "O_WRONLY") || strstr(data, "O_RDWR") ||
			       strstr(data, "O_CREAT") || strstr(data, "O_TRUNC") ||
			       strstr(data, "UNLINK") || strstr(data, "RMDIR") ||
			       strstr(data, "CHOWN");
		break;
	case POLICY_OP_NETWORK: {
		int dom = -1, type = -1, proto = 0;
		if ((v = kv(resource, "domain", &l)) || (v = kv(resource, "sa_family", &l)))
			dom = lookup(domains, WARD_ARRAY_SIZE(domains), v, l, -1);
		if ((v = kv(resource, "type", &l)))
			type = lookup(socktypes, WARD_ARRAY_SIZE(socktypes), v, strcspn(v, "| "),
				      -1);
		if ((v = kv(resource, "protocol", &l)))
			proto = lookup(protos, WARD_ARRAY_SIZE(protos), v, l, 0);
		if (dom >= 0 && type >= 0)
			ev->protos = policy_proto_classify(dom, type, proto);
		break;
	}
	case POLICY_OP_CAPABILITIES:
		ev->capability =
			lookup(caps, WARD_ARRAY_SIZE(caps), resource, strcspn(resource, " "), -1);
		break;
	case POLICY_OP_SYSCALL:
		if ((v = kv(data, "syscall", &l)))
			ev->syscall_nr = lookup(syscalls, WARD_ARRAY_SIZE(syscalls), v, l, -1);
		ev->path = *resource ? resource : NULL;
		break;
	default:
		break;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ward policy test PATH... [--since DUR] [--json] [--limit N] [--store PATH]\n\n"
		"Dry run: decide every stored record (newest first, optionally only those since\n"
		"DUR) with the policies in PATH as if they had been enforced, and list the ones\n"
		"that would have raised an alert, with the policy and the action. --json prints\n"
		"each as the record ward would have written. A summary per policy and action goes\n"
		"to stderr.\n");
}

struct tally {
	char key[300];
	int64_t n;
};

int cmd_policy_test(int argc, char **argv)
{
	static const struct option opts[] = { { "since", required_argument, NULL, 's' },
					      { "store", required_argument, NULL, 'S' },
					      { "json", no_argument, NULL, 'j' },
					      { "limit", required_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *since = NULL, *store_opt = NULL;
	int json = 0, c, rc = 1;
	int64_t limit = 0;
	struct tester t = { 0 };
	struct store *s = NULL;
	struct store_filter *f = NULL;
	struct store_query *q = NULL;
	struct diag d;
	char err[STORE_ERR_MAX];
	struct strbuf sb, extra;
	static struct tally tallies[256];
	size_t n_tallies = 0;

	diag_init(&d);
	strbuf_init(&sb);
	strbuf_init(&extra);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			since = optarg;
			break;
		case 'S':
			store_opt = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'l':
			if (sscanf(optarg, "%lld", (long long *)&limit) != 1 || limit < 0) {
				fprintf(stderr, "ward policy test: --limit: '%s' is not a count\n",
					optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ward policy test: no policy PATH given\n");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	int bad = policy_load_paths((const char *const *)argv + optind, (size_t)(argc - optind),
				    &t.docs, &d);
	for (size_t i = 0; i < d.n; i++) {
		char buf[DIAG_MSG_MAX + 512];
		diag_format(&d.entries[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (bad) {
		fprintf(stderr, "ward policy test: fix the policy errors above first\n");
		goto out;
	}
	if (store_filter_new(&f))
		goto out;
	if (since && store_filter_add(f, "since", since, time(NULL), err, sizeof(err))) {
		fprintf(stderr, "ward policy test: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (store_open(cli_store_path(store_opt), STORE_OPEN_READONLY, &s, err, sizeof(err))) {
		fprintf(stderr, "ward policy test: %s\n", err);
		goto out;
	}
	if (store_query_begin(s, f, STORE_NEWEST_FIRST, NULL, 0, 0, &q)) {
		fprintf(stderr, "ward policy test: query failed\n");
		goto out;
	}
	const struct store_row *row;
	int64_t seen = 0, matched = 0;
	int r;
	while ((r = store_next(q, &row)) == 1) {
		struct policy_event ev;
		struct policy_verdict v;
		char path[4096];
		seen++;
		if (record_to_event(&row->rec, &ev, path, sizeof(path)))
			continue;
		const struct policy_set *set = set_for_host(&t, row->rec.host_name, &d);
		if (!set) {
			fprintf(stderr, "ward policy test: cannot compile the policies\n");
			goto out;
		}
		const struct policy_scope *sc = scope_for(&t, set, &row->rec);
		if (!sc) {
			fprintf(stderr, "ward policy test: out of memory\n");
			goto out;
		}
		policy_scope_decide(sc, &ev, &v);
		if (v.kind != POLICY_VERDICT_ALERT)
			continue;
		matched++;
		struct ward_record w = row->rec;
		const char *pname = v.rule ? v.rule->policy_name : "DefaultPosture";
		w.policy_name = pname;
		w.severity = v.rule ? v.rule->severity : NULL;
		w.tags = v.rule ? v.rule->tags : NULL;
		/* an alert of this policy: ATags is its Tags split, whatever the stored record had */
		if (w.present & RECORD_NO_ATAGS) {
			w.present &= ~RECORD_NO_ATAGS;
			if (w.extra_json && strstr(w.extra_json, "\"ATags\"") &&
			    !record_extra_without(w.extra_json, "ATags", &extra))
				w.extra_json = extra.buf;
		}
		w.message = v.rule ? v.rule->message : NULL;
		w.action = policy_action_to_string(v.action);
		w.type = v.host ? "MatchedHostPolicy" : "MatchedPolicy";
		char key[300];
		snprintf(key, sizeof(key), "%s\t%s", pname, w.action);
		size_t k;
		for (k = 0; k < n_tallies; k++)
			if (!strcmp(tallies[k].key, key))
				break;
		if (k == n_tallies && n_tallies < WARD_ARRAY_SIZE(tallies)) {
			snprintf(tallies[k].key, sizeof(tallies[k].key), "%s", key);
			tallies[k].n = 0;
			n_tallies++;
		}
		if (k < n_tallies)
			tallies[k].n++;
		if (limit && matched > limit)
			continue;
		if (json) {
			strbuf_reset(&sb);
			if (record_to_json(&w, &sb))
				goto out;
			puts(sb.buf);
		} else {
			char tm[40];
			record_format_time(w.ts_ns, tm, sizeof(tm));
			printf("%s  %-8s %-6s %s  %s  -> %s (%s)\n", tm,
			       w.host_name ? w.host_name : "-", w.operation ? w.operation : "",
			       w.process_name ? w.process_name : "", w.resource ? w.resource : "",
			       w.action, pname);
		}
	}
	if (r < 0) {
		fprintf(stderr, "ward policy test: reading the store failed\n");
		goto out;
	}
	fprintf(stderr, "ward policy test: %lld of %lld records would have raised an alert\n",
		(long long)matched, (long long)seen);
	for (size_t k = 0; k < n_tallies; k++)
		fprintf(stderr, "  %lld\t%s\n", (long long)tallies[k].n, tallies[k].key);
	rc = 0;
out:
	store_query_end(q);
	store_close(s);
	store_filter_free(f);
	tester_done(&t);
	diag_done(&d);
	strbuf_done(&sb);
	strbuf_done(&extra);
	return rc;
}
