/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.c - network-protocol and net_raw Block with cgroup-v2 BPF (enforce_cgroup.bpf.c).
 *
 * The kernel program denies socket() by (executable inode, protocol bits). User space turns
 * the policy into those maps by asking the decision hooks, per executable that rules name
 * (fromSource paths reported by policy_set_interest() for Network/Capabilities), and once for
 * "any other program", which of the protocol names would be denied. A net_raw capability
 * Block denies raw and packet sockets. Denials come back on a ring buffer and become records
 * with Enforcer "cgroup-bpf".
 */
#include "enforce/priv.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "bpf/enforce.bpf.h"
#include "enforce_cgroup.skel.h"

#define CAP_NET_RAW_NR 13
#define MAX_SOURCES    256

struct enf_net {
	struct enforce_cgroup_bpf *skel;
	struct bpf_link *link;
	struct ring_buffer *rb;
	int cg_fd;
	char *sources[MAX_SOURCES];
	struct enf_exe_key keys[MAX_SOURCES]; /* of sources[i] when installed, else zero */
	size_t n_sources;
};

/* The cgroup-v2 mount: "unified" on hybrid layouts, /sys/fs/cgroup on pure v2. */
int enf_cgroup2_path(char *buf, size_t size);
int enf_cgroup2_path(char *buf, size_t size)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			enf_copy(buf, size, m->mnt_dir);
			r = 0;
			break;
		}
	}
	endmntent(f);
	return r;
}

static uint32_t kernel_dev(dev_t d)
{
	return (uint32_t)((major(d) << 20) | minor(d));
}

_Static_assert(ENF_PROTO_TCP == POLICY_PROTO_TCP && ENF_PROTO_RAW == POLICY_PROTO_RAW &&
		       ENF_PROTO_PACKET == POLICY_PROTO_PACKET,
	       "enforce.bpf.h protocol numbers follow enum policy_proto");

/* The protocol bits of socket(family, type, protocol): the same as classify() in the BPF. */
uint32_t enf_classify(int family, int type, int protocol)
{
	uint32_t m = 0;

	if (family != AF_INET && family != AF_INET6 && family != AF_PACKET)
		return 0;
	if (family == AF_PACKET)
		return 1u << ENF_PROTO_RAW;
	switch (type) {
	case SOCK_STREAM:
		m |= 1u << ENF_PROTO_STREAM;
		if (protocol == 0 || protocol == 6)
			m |= 1u << ENF_PROTO_TCP;
		break;
	case SOCK_DGRAM:
		m |= 1u << ENF_PROTO_DGRAM;
		if (protocol == 0 || protocol == 17)
			m |= 1u << ENF_PROTO_UDP;
		break;
	case SOCK_RAW:
		m |= 1u << ENF_PROTO_RAW;
		break;
	case SOCK_RDM:
		m |= 1u << ENF_PROTO_RDM;
		break;
	case SOCK_SEQPACKET:
		m |= 1u << ENF_PROTO_SEQPACKET;
		break;
	case SOCK_DCCP:
		m |= 1u << ENF_PROTO_DCCP;
		break;
	case SOCK_PACKET:
		m |= 1u << ENF_PROTO_PACKET;
		break;
	}
	if (protocol == 6)
		m |= 1u << ENF_PROTO_TCP;
	else if (protocol == 17)
		m |= 1u << ENF_PROTO_UDP;
	else if (protocol == 1)
		m |= 1u << ENF_PROTO_ICMP;
	else if (protocol == 58)
		m |= 1u << ENF_PROTO_ICMPV6;
	else if (protocol == 132)
		m |= 1u << ENF_PROTO_SCTP;
	return m;
}

/* Every distinct protocol-bit combination a socket() call can produce. */
static size_t socket_classes(uint32_t *out, size_t max)
{
	static const int fams[] = { AF_INET, AF_INET6, AF_PACKET };
	static const int types[] = { SOCK_STREAM,    SOCK_DGRAM, SOCK_RAW,    SOCK_RDM,
				     SOCK_SEQPACKET, SOCK_DCCP,	 SOCK_PACKET, 0 };
	static const int protos[] = { 0, 1, 6, 17, 58, 132, 255 };
	size_t n = 0, a, b, c, i;

	for (a = 0; a < WARD_ARRAY_SIZE(fams); a++)
		for (b = 0; b < WARD_ARRAY_SIZE(types); b++)
			for (c = 0; c < WARD_ARRAY_SIZE(protos); c++) {
				uint32_t m = enf_classify(fams[a], types[b], protos[c]);

				if (!m)
					continue;
				for (i = 0; i < n && out[i] != m; i++)
					;
				if (i == n && n < max)
					out[n++] = m;
			}
	return n;
}

/* The socket classes that would be denied for a socket made by @exe ("" = any other). */
static void deny_rule_for(struct enforce *e, const struct policy_scope *sc, const char *exe,
			  struct enf_rule *rule)
{
	uint32_t classes[ENF_MAX_CLASSES];
	struct policy_event ev;
	struct policy_verdict v;
	char source[ENF_PATH_MAX + 2];
	size_t n, i;
	int raw_denied;

	memset(rule, 0, sizeof(*rule));
	memset(&ev, 0, sizeof(ev));
	snprintf(source, sizeof(source), "%s ", exe);
	ev.result = POLICY_RESULT_PENDING;
	ev.process = exe;
	ev.parent = exe;
	ev.source = source;
	ev.op = POLICY_OP_CAPABILITIES;
	ev.capability = CAP_NET_RAW_NR;
	e->hooks.decide(e->hooks.ctx, sc, &ev, &v);
	raw_denied = v.deny;
	ev.op = POLICY_OP_NETWORK;
	n = socket_classes(classes, WARD_ARRAY_SIZE(classes));
	for (i = 0; i < n; i++) {
		ev.protos = classes[i];
		e->hooks.decide(e->hooks.ctx, sc, &ev, &v);
		if (v.deny || (raw_denied &&
			       (classes[i] & ((1u << ENF_PROTO_RAW) | (1u << ENF_PROTO_PACKET)))))
			rule->denied[rule->n++] = classes[i];
	}
	rule->flags = rule->n ? ENF_RULE_SET : 0;
}

static void net_interest(void *ctx, enum policy_op op, enum policy_interest_kind kind,
			 const char *value, enum policy_action action)
{
	struct enf_net *n = ctx;
	size_t i;

	(void)action;
	if ((op != POLICY_OP_NETWORK && op != POLICY_OP_CAPABILITIES) ||
	    kind != POLICY_INTEREST_PATH || !value || value[0] != '/')
		return;
	for (i = 0; i < n->n_sources; i++)
		if (strcmp(n->sources[i], value) == 0)
			return;
	if (n->n_sources < MAX_SOURCES && (n->sources[n->n_sources] = strdup(value))) {
		memset(&n->keys[n->n_sources], 0, sizeof(n->keys[0]));
		n->n_sources++;
	}
}

/* The cgroup-v2 id of @pid's cgroup (its directory's inode number), or 0. */
static uint64_t pid_cgroup_id(pid_t pid)
{
	char path[64], buf[4096], mnt[256], dir[4400];
	struct stat st;
	FILE *f;
	uint64_t id = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "0::", 3) != 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (enf_cgroup2_path(mnt, sizeof(mnt)) == 0) {
			snprintf(dir, sizeof(dir), "%s%s", mnt, buf + 3);
			if (stat(dir, &st) == 0)
				id = st.st_ino;
		}
		break;
	}
	fclose(f);
	return id;
}

/*
 * The kernel entries of one scope: per fromSource program (found under @root) and the rule for
 * every other program, keyed by @cgid (0: the host, into enf_default).
 */
static int fill_scope(struct enforce *e, const struct policy_scope *sc, uint64_t cgid,
		      const char *root)
{
	struct enf_net *n = e->net;
	struct enf_exe_key key;
	struct enf_rule rule, def;
	size_t first = n->n_sources, i;
	uint32_t zero = 0;
	int r, exes_fd = bpf_map__fd(n->skel->maps.enf_exes);

	if (e->hooks.scope_interest)
		e->hooks.scope_interest(e->hooks.ctx, sc, net_interest, n);
	else if (e->hooks.interest)
		e->hooks.interest(e->hooks.ctx, net_interest, n);
	deny_rule_for(e, sc, "", &def);
	for (i = first; i < n->n_sources; i++) {
		char where[ENF_PATH_MAX + 64];
		struct stat st;

		snprintf(where, sizeof(where), "%s%s", root, n->sources[i]);
		if (stat(where, &st) < 0)
			continue; /* not installed here */
		memset(&key, 0, sizeof(key));
		key.dev = kernel_dev(st.st_dev);
		key.ino = st.st_ino;
		key.cgid = cgid;
		n->keys[i] = key;
		deny_rule_for(e, sc, n->sources[i], &rule);
		rule.flags = ENF_RULE_SET;
		r = bpf_map_update_elem(exes_fd, &key, &rule, BPF_ANY);
		if (r < 0)
			return r;
	}
	if (!cgid)
		return bpf_map_update_elem(bpf_map__fd(n->skel->maps.enf_default), &zero, &def,
					   BPF_ANY);
	def.flags = ENF_RULE_SET; /* the container is known: look its programs up */
	return bpf_map_update_elem(bpf_map__fd(n->skel->maps.enf_cgroups), &cgid, &def, BPF_ANY);
}

int enf_net_fill(struct enforce *e)
{
	struct enf_net *n = e->net;
	const struct policy_scope *sc;
	struct enf_exe_key next;
	struct enf_config cfg = { .self_tgid = (__u32)e->self };
	uint64_t cg;
	uint32_t zero = 0;
	int exes_fd, cg_fd, r;
	size_t i;

	if (!n)
		return -ENOTCONN;
	if (!e->hooks.decide || !e->hooks.host)
		return 0;
	sc = e->hooks.host(e->hooks.ctx);
	if (!sc)
		return 0;
	for (i = 0; i < n->n_sources; i++)
		free(n->sources[i]);
	n->n_sources = 0;
	/* clear the old entries, then fill */
	exes_fd = bpf_map__fd(n->skel->maps.enf_exes);
	while (bpf_map_get_next_key(exes_fd, NULL, &next) == 0)
		bpf_map_delete_elem(exes_fd, &next);
	cg_fd = bpf_map__fd(n->skel->maps.enf_cgroups);
	while (bpf_map_get_next_key(cg_fd, NULL, &cg) == 0)
		bpf_map_delete_elem(cg_fd, &cg);
	r = fill_scope(e, sc, 0, "");
	if (r < 0)
		return r;
	for (i = 0; i < e->n_containers; i++) {
		struct enforce_workload w;
		const struct policy_scope *csc = e->containers[i].scope;
		char root[64];
		uint64_t id = pid_cgroup_id(e->containers[i].pid);

		if (!id)
			continue; /* gone */
		if (e->hooks.resolve &&
		    e->hooks.resolve(e->hooks.ctx, e->containers[i].pid, &w) == 0)
			csc = w.scope;
		if (!csc)
			continue;
		snprintf(root, sizeof(root), "/proc/%d/root", (int)e->containers[i].pid);
		r = fill_scope(e, csc, id, root);
		if (r < 0)
			return r;
	}
	return bpf_map_update_elem(bpf_map__fd(n->skel->maps.enf_config), &zero, &cfg, BPF_ANY);
}

static const char *family_name(int f)
{
	switch (f) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_PACKET:
		return "AF_PACKET";
	}
	return "AF_UNKNOWN";
}

static const char *type_name(int t)
{
	static const char *const names[] = { "0",	  "SOCK_STREAM", "SOCK_DGRAM",
					     "SOCK_RAW",  "SOCK_RDM",	 "SOCK_SEQPACKET",
					     "SOCK_DCCP", "7",		 "8",
					     "9",	  "SOCK_PACKET" };

	return t >= 0 && t < (int)WARD_ARRAY_SIZE(names) ? names[t] : "SOCK_UNKNOWN";
}

static int on_net_event(void *ctx, void *data, size_t size)
{
	struct enforce *e = ctx;
	const struct enf_net_event *ne = data;
	struct enforce_workload w;
	const struct policy_scope *sc;
	struct policy_event ev;
	struct policy_verdict v;
	struct enf_rec *r;
	char link[64], source[ENF_PATH_MAX + 2];
	pid_t tgid, ppid;
	uint32_t uid;

	if (size < sizeof(*ne))
		return 0;
	e->stats.net_denied++;
	r = calloc(1, sizeof(*r));
	if (!r)
		return 0;
	/* the program by its inode first: the task may be gone by the time we read this */
	for (size_t i = 0; i < e->net->n_sources; i++) {
		if (e->net->keys[i].ino == ne->exe_ino && e->net->keys[i].dev == ne->exe_dev &&
		    e->net->keys[i].cgid == ne->cgid) {
			enf_copy(r->process, sizeof(r->process), e->net->sources[i]);
			break;
		}
	}
	snprintf(link, sizeof(link), "/proc/%u/exe", ne->tid);
	if (!r->process[0] && readlink(link, r->process, sizeof(r->process) - 1) < 0)
		enf_copy(r->process, sizeof(r->process), ne->comm);
	if (enf_task_info((pid_t)ne->tid, &tgid, &ppid, &uid) < 0) {
		tgid = (pid_t)ne->tgid;
		ppid = 0;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)ppid);
	if (ppid <= 0 || readlink(link, r->parent, sizeof(r->parent) - 1) < 0)
		r->parent[0] = '\0';
	sc = enf_scope_for(e, tgid, &w);
	/* ask again for the rule's fields: the kernel only knows the deny mask */
	memset(&ev, 0, sizeof(ev));
	memset(&v, 0, sizeof(v));
	snprintf(source, sizeof(source), "%s ", r->process);
	ev.result = POLICY_RESULT_PENDING;
	ev.process = r->process;
	ev.parent = r->parent;
	ev.source = source;
	if (sc) {
		ev.op = POLICY_OP_NETWORK;
		ev.protos = ne->protos;
		e->hooks.decide(e->hooks.ctx, sc, &ev, &v);
	}
	if (!v.deny && sc) {
		ev.op = POLICY_OP_CAPABILITIES;
		ev.capability = CAP_NET_RAW_NR;
		e->hooks.decide(e->hooks.ctx, sc, &ev, &v);
	}
	if (!sc)
		v.host = 1;
	enf_rec_fill_verdict(r, &v, 1, "cgroup-bpf", "Operation not permitted");
	enf_copy(r->operation, sizeof(r->operation),
		 ev.op == POLICY_OP_CAPABILITIES ? "Capabilities" : "Network");
	if (ev.op == POLICY_OP_CAPABILITIES)
		snprintf(r->resource, sizeof(r->resource), "CAP_NET_RAW");
	else
		snprintf(r->resource, sizeof(r->resource), "domain=%s type=%s protocol=%d",
			 family_name(ne->family), type_name(ne->type), ne->protocol);
	snprintf(r->data, sizeof(r->data), "syscall=SYS_SOCKET");
	r->host_pid = r->pid = tgid;
	r->host_ppid = ppid;
	r->uid = (int32_t)ne->uid;
	enf_copy(r->source, sizeof(r->source), r->process);
	enf_rec_fill_workload(r, &w);
	enf_emit(e, r);
	return 0;
}

int enf_net_start(struct enforce *e)
{
	struct enf_net *n;
	char cg[256];
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cg_fd = -1;
	e->net = n;
	if (e->opts.cgroup) {
		enf_copy(cg, sizeof(cg), e->opts.cgroup);
	} else {
		r = enf_cgroup2_path(cg, sizeof(cg));
		if (r < 0)
			return r;
	}
	n->cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n->cg_fd < 0)
		return -errno;
	n->skel = enforce_cgroup_bpf__open_and_load();
	if (!n->skel)
		return errno ? -errno : -EINVAL;
	/* a link: detached by the kernel when ward exits, coexists with other programs */
	n->link = bpf_program__attach_cgroup(n->skel->progs.enforce_sock_create, n->cg_fd);
	if (!n->link) {
		r = errno ? -errno : -EINVAL;
		return r;
	}
	n->rb = ring_buffer__new(bpf_map__fd(n->skel->maps.enf_events), on_net_event, e, NULL);
	if (!n->rb)
		return errno ? -errno : -ENOMEM;
	return 0;
}

int enf_net_fd(struct enforce *e)
{
	return e->net && e->net->rb ? ring_buffer__epoll_fd(e->net->rb) : -1;
}

void enf_net_poll(struct enforce *e)
{
	if (e->net && e->net->rb)
		ring_buffer__consume(e->net->rb);
}

void enf_net_stop(struct enforce *e)
{
	struct enf_net *n = e->net;
	size_t i;

	if (!n)
		return;
	if (n->rb) {
		ring_buffer__consume(n->rb);
		ring_buffer__free(n->rb);
	}
	bpf_link__destroy(n->link);
	enforce_cgroup_bpf__destroy(n->skel);
	if (n->cg_fd >= 0)
		close(n->cg_fd);
	for (i = 0; i < n->n_sources; i++)
		free(n->sources[i]);
	free(n);
	e->net = NULL;
	e->net_fd = -1;
}
