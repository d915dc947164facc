/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforcer.c - src/enforce/ as `ward agent` runs it. The policy matcher calls
 * agent_enforcer_on_set() with each newly compiled set before it frees the previous one: the
 * first set starts the enforcer (enforce_open()), later ones switch it (enforce_update()), so
 * the monitor and the enforcer always decide from the same compiled rules. Block records are
 * made on the enforcer's thread and go through the agent's inbox to the same sinks as the
 * monitor's. When an enforcer runs, the monitor's copy of a blocked event is a log (the
 * enforcer's record is the alert); when none can run, the monitor alerts them itself (audit
 * only) and the reason is kept for the start-up line.
 *
 * Containers: the monitor's container table belongs to the agent thread, so the enforcer gets
 * its own copy of what it needs: a small table, behind a mutex, keyed by the (pid namespace,
 * mount namespace) pair of the container's tasks, holding the container's identity and a
 * policy scope compiled for it from the enforcer's current set. The agent thread fills it
 * (the container hook, first called at the runtime's exec of the container's init) and calls
 * enforce_add_container() so the container's own rules get marks under its root; on a reload
 * every scope is rebuilt from the new set before the old one goes. The enforcer's resolver
 * (its thread) only reads the task's two namespace inodes and looks the pair up: it never
 * blocks on the runtime. A task whose pair is not in the table (a container still unknown,
 * or a host task that unshared its namespaces, which an unprivileged user can do) is decided
 * with the host scope: host rules are then over-enforced in it rather than escaped by
 * entering a new namespace, and the monitor keeps alerting that container's own verdicts.
 */
#include "agent/agent.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "enforce/enforce.h"

/* One container namespace pair as the enforcer knows it. */
struct enf_ctr {
	uint32_t pid_ns, mnt_ns;
	uint32_t pid;	/* a task in it (its /proc/PID/root is the container's root) */
	int identified; /* the runtime answered: name, image, labels are known */
	int marked;	/* enforce_add_container() succeeded */
	int64_t next_try_ns;
	char id[65];
	char *name, *image, *labels, *namespace_name;
	char **label_list;
	struct policy_scope *scope; /* from ae->set; NULL until a set is loaded */
};

struct agent_enforcer {
	struct agent *a;
	struct agent_inbox *in;
	struct enforce_opts opts;
	struct enforce *e;
	int err;
	const struct policy_set *set; /* the enforcer's current set (agent thread only) */
	int file_visible;    /* visibility logs every file event: the monitor's hook runs anyway */
	int audit_files;     /* file rules are served by fanotify marks (agent_enforcer_files()) */
	int file_audit_hook; /* config file_audit: syscall (never serve them by marks) */
	uint32_t host_pid_ns;
	pthread_mutex_t lock; /* guards ctrs/n_ctrs and the entries' contents */
	struct enf_ctr **ctrs;
	size_t n_ctrs, cap_ctrs;
	/*
	 * What the last resolve() returned: the entries may change once the lock is dropped.
	 * resolve() runs under the enforcer's own lock (its thread, or enforce_update() and
	 * enforce_add_container() re-marking), so one copy is enough.
	 */
	struct {
		char id[65], name[256], image[256], labels[1024], ns[256];
	} res;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The inode of /proc/@pid/ns/@which. Return 0 or -errno. */
static int ns_ino(uint32_t pid, const char *which, uint32_t *ret)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%u/ns/%s", pid, which);
	if (stat(path, &st) < 0)
		return -errno;
	*ret = (uint32_t)st.st_ino;
	return 0;
}

static void ctr_free(struct enf_ctr *c)
{
	if (!c)
		return;
	policy_scope_free(c->scope);
	free(c->name);
	free(c->image);
	free(c->labels);
	free(c->namespace_name);
	for (size_t i = 0; c->label_list && c->label_list[i]; i++)
		free(c->label_list[i]);
	free(c->label_list);
	free(c);
}

/* A new entry with @c's identity (no scope yet). NULL on ENOMEM. */
static struct enf_ctr *ctr_new(const struct mon_container *c, uint32_t pid_ns, uint32_t mnt_ns,
			       uint32_t pid)
{
	struct enf_ctr *n = calloc(1, sizeof(*n));
	size_t k = 0;
	if (!n)
		return NULL;
	n->pid_ns = pid_ns;
	n->mnt_ns = mnt_ns;
	n->pid = pid;
	n->identified = c->fetched == 1;
	memcpy(n->id, c->id, sizeof(n->id));
	n->name = strdup(c->name ? c->name : "");
	n->image = strdup(c->image ? c->image : "");
	n->labels = strdup(c->labels ? c->labels : "");
	n->namespace_name = strdup(c->namespace_name ? c->namespace_name : "container_namespace");
	while (c->label_list && c->label_list[k])
		k++;
	n->label_list = calloc(k + 1, sizeof(char *));
	if (!n->name || !n->image || !n->labels || !n->namespace_name || !n->label_list)
		goto oom;
	for (size_t i = 0; i < k; i++)
		if (!(n->label_list[i] = strdup(c->label_list[i])))
			goto oom;
	return n;
oom:
	ctr_free(n);
	return NULL;
}

/* The scope of @c in @set (NULL when there is no set or no memory: host scope then). */
static struct policy_scope *ctr_scope(const struct policy_set *set, const struct enf_ctr *c)
{
	struct policy_scope *sc = NULL;
	if (!set)
		return NULL;
	struct policy_container pc = {
		.namespace_name = c->namespace_name,
		.container_name = c->name,
		.labels = (const char *const *)c->label_list,
	};
	if (policy_set_container_scope(set, &pc, &sc) != 0)
		return NULL;
	return sc;
}

/* The enforcer's resolver: namespace inodes of @tgid → the container entry (no blocking). */
static int resolve(void *ctx, pid_t tgid, struct enforce_workload *ret)
{
	struct agent_enforcer *ae = ctx;
	uint32_t pid_ns, mnt_ns;
	int r = -ENOENT, none;
	/*
	 * No container known: no pair can match, so no task's namespaces are read. This runs
	 * before the answer to every permission event, and the stat of /proc/TID/ns/pid is the
	 * first lookup of the task's /proc entry (a new task's costs the most).
	 */
	pthread_mutex_lock(&ae->lock);
	none = ae->n_ctrs == 0;
	pthread_mutex_unlock(&ae->lock);
	if (none)
		return -ENOENT;
	if (ns_ino((uint32_t)tgid, "pid", &pid_ns) < 0 || pid_ns == ae->host_pid_ns ||
	    ns_ino((uint32_t)tgid, "mnt", &mnt_ns) < 0)
		return -ENOENT;
	pthread_mutex_lock(&ae->lock);
	for (size_t i = 0; i < ae->n_ctrs; i++) {
		struct enf_ctr *c = ae->ctrs[i];
		if (c->pid_ns != pid_ns || c->mnt_ns != mnt_ns || !c->scope)
			continue;
		memset(ret, 0, sizeof(*ret));
		snprintf(ae->res.id, sizeof(ae->res.id), "%s", c->id);
		snprintf(ae->res.name, sizeof(ae->res.name), "%s", c->name);
		snprintf(ae->res.image, sizeof(ae->res.image), "%s", c->image);
		snprintf(ae->res.labels, sizeof(ae->res.labels), "%s", c->labels);
		snprintf(ae->res.ns, sizeof(ae->res.ns), "%s", c->namespace_name);
		ret->scope = c->scope;
		ret->container_id = ae->res.id;
		ret->container_name = ae->res.name;
		ret->pod_name = ae->res.name; /* no pods outside Kubernetes: as the monitor */
		ret->container_image = ae->res.image;
		ret->labels = ae->res.labels;
		ret->namespace_name = ae->res.ns;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&ae->lock);
	return r;
}

/* Drop entries whose task is gone (their namespaces may be reused). Lock held. */
static void prune_locked(struct agent_enforcer *ae, struct policy_scope ***old, size_t *n_old)
{
	size_t j = 0;
	for (size_t i = 0; i < ae->n_ctrs; i++) {
		struct enf_ctr *c = ae->ctrs[i];
		uint32_t pn;
		if (ns_ino(c->pid, "pid", &pn) == 0 && pn == c->pid_ns) {
			ae->ctrs[j++] = c;
			continue;
		}
		/* its scope may be in use on the enforcer thread: freed by the caller later */
		struct policy_scope **o = realloc(*old, (*n_old + 1) * sizeof(*o));
		if (!o) {
			ae->ctrs[j++] = c; /* keep it rather than free a scope in use */
			continue;
		}
		*old = o;
		o[(*n_old)++] = c->scope;
		c->scope = NULL;
		ctr_free(c);
	}
	ae->n_ctrs = j;
}

static void free_scopes(struct policy_scope **old, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_scope_free(old[i]);
	free(old);
}

/*
 * The container hook (agent thread): learn the pair, compile its scope, have its paths
 * marked. Return 1 when the enforcer enforces the container with its full identity.
 */
static int on_container(void *ctx, const struct mon_container *mc, uint32_t pid_ns, uint32_t mnt_ns,
			uint32_t host_pid)
{
	struct agent_enforcer *ae = ctx;
	struct policy_scope **old = NULL, *sc = NULL;
	size_t n_old = 0;
	struct enf_ctr *c = NULL;
	int add = 0, ret = 0;
	int64_t now = mono_ns();

	if (!ae->e || !pid_ns || !mnt_ns || pid_ns == ae->host_pid_ns)
		return 0;
	pthread_mutex_lock(&ae->lock);
	for (size_t i = 0; i < ae->n_ctrs && !c; i++)
		if (ae->ctrs[i]->pid_ns == pid_ns && ae->ctrs[i]->mnt_ns == mnt_ns)
			c = ae->ctrs[i];
	if (c && (strcmp(c->id, mc->id) != 0 || (!c->identified && mc->fetched == 1))) {
		/* the runtime answered since (or the pair now names another container) */
		struct enf_ctr *n = ctr_new(mc, pid_ns, mnt_ns, host_pid);
		if (n) {
			n->scope = ctr_scope(ae->set, n);
			for (size_t i = 0; i < ae->n_ctrs; i++)
				if (ae->ctrs[i] == c)
					ae->ctrs[i] = n;
			old = malloc(sizeof(*old));
			if (old) {
				old[n_old++] = c->scope;
				c->scope = NULL;
				ctr_free(c);
			} else {
				n->scope = c->scope; /* keep the old scope rather than leak */
				c->scope = NULL;
				ctr_free(c);
			}
			c = n;
			add = 1;
		}
	} else if (!c) {
		prune_locked(ae, &old, &n_old);
		if (ae->n_ctrs == ae->cap_ctrs) {
			size_t nc = ae->cap_ctrs ? ae->cap_ctrs * 2 : 16;
			struct enf_ctr **a = realloc(ae->ctrs, nc * sizeof(*a));
			if (a) {
				ae->ctrs = a;
				ae->cap_ctrs = nc;
			}
		}
		if (ae->n_ctrs < ae->cap_ctrs && (c = ctr_new(mc, pid_ns, mnt_ns, host_pid))) {
			c->scope = ctr_scope(ae->set, c);
			ae->ctrs[ae->n_ctrs++] = c;
			add = 1;
		}
	} else if (!c->marked && now >= c->next_try_ns) {
		/* the last marking failed (the task had not entered its root yet, say) */
		c->pid = host_pid;
		add = 1;
	}
	if (c) {
		sc = c->scope;
		if (add)
			c->next_try_ns = now + 100000000LL;
	}
	pthread_mutex_unlock(&ae->lock);

	if (add) {
		/* outside our lock: the enforcer takes its own lock, then resolve() takes ours */
		int r = enforce_add_container(ae->e, (pid_t)host_pid, sc);
		c->marked = r == 0; /* entries change on this thread only: no lock to read them */
	}
	if (n_old) {
		/* a scope given out before the swap may be in use until the enforcer's lock is
		 * free again: enforce_get_stats() takes it */
		struct enforce_stats st;
		enforce_get_stats(ae->e, &st);
	}
	free_scopes(old, n_old);
	ret = c && c->marked && c->identified && c->scope;
	return ret;
}

static void on_record(void *ctx, const struct ward_record *r)
{
	struct agent_enforcer *ae = ctx;
	(void)agent_inbox_put(ae->in, r);
}

int agent_enforcer_new(struct agent *a, struct agent_inbox *in, const struct ward_config *cfg,
		       const char *const *protect_dirs, struct agent_enforcer **ret)
{
	struct agent_enforcer *ae = calloc(1, sizeof(*ae));
	if (!ae)
		return -ENOMEM;
	ae->a = a;
	ae->in = in;
	enforce_opts_init(&ae->opts);
	ae->opts.host_name = cfg->hostname;
	ae->opts.cluster_name = cfg->cluster;
	ae->opts.protect_dirs = protect_dirs;
	ae->opts.fail_closed = cfg->enforce_fail_closed;
	ae->opts.rt_priority = cfg->enforce_rt_priority;
	ae->file_visible = (cfg->visibility & CONFIG_VIS_FILE) != 0;
	ae->file_audit_hook = cfg->file_audit == CONFIG_FILE_AUDIT_SYSCALL;
	pthread_mutex_init(&ae->lock, NULL);
	(void)ns_ino((uint32_t)getpid(), "pid", &ae->host_pid_ns);
	agent_set_container_hook(a, on_container, ae);
	*ret = ae;
	return 0;
}

/* Every container's scope from @set; the old scopes (of the set about to go) are freed. */
static void rebuild_scopes(struct agent_enforcer *ae, const struct policy_set *set)
{
	for (size_t i = 0; i < ae->n_ctrs; i++) {
		struct enf_ctr *c = ae->ctrs[i];
		struct policy_scope *sc = ctr_scope(set, c), *old;
		pthread_mutex_lock(&ae->lock);
		old = c->scope;
		c->scope = sc; /* NULL (no memory): the host scope decides it */
		pthread_mutex_unlock(&ae->lock);
		if (old && ae->e) {
			/* a decision may still use the old scope until the enforcer's lock is free */
			struct enforce_stats st;
			enforce_get_stats(ae->e, &st);
		}
		policy_scope_free(old);
	}
}

static void note_pattern(void *ctx, enum policy_op op, enum policy_interest_kind kind,
			 const char *value, enum policy_action action)
{
	(void)value;
	(void)action;
	if (op == POLICY_OP_FILE && (kind == POLICY_INTEREST_GLOB || kind == POLICY_INTEREST_ANY))
		*(int *)ctx = 1;
}

/*
 * Can fanotify marks serve every file rule of @set? Rules naming paths and directories can
 * (inode and directory marks); patterns and allow-lists concern every open, which only the
 * monitor's syscall hook sees cheaply enough. With file visibility on the hook runs anyway
 * and its records carry what fanotify cannot (failed opens). Container policies' file rules
 * stay with the hook too: a container's marks are placed only once the agent has seen its
 * first exec, and the container's first opens (a `cat` right at start) would race that.
 */
static int files_by_fanotify(const struct agent_enforcer *ae, const struct policy_set *set)
{
	int pattern = 0;

	if (ae->file_visible || ae->file_audit_hook || !set ||
	    policy_set_has_container_rules(set, POLICY_OP_FILE))
		return 0;
	policy_set_interest(set, note_pattern, &pattern);
	return !pattern;
}

void agent_enforcer_on_set(void *ctx, const struct policy_set *set)
{
	struct agent_enforcer *ae = ctx;
	int want = files_by_fanotify(ae, set);
	int r;
	/* containers move to the new set first: enforce_update() re-marks them through resolve() */
	rebuild_scopes(ae, set);
	ae->set = set;
	if (!ae->e) {
		ae->opts.audit_files = want;
		r = enforce_open(set, &ae->opts, on_record, ae, &ae->e);
		if (r)
			ae->e = NULL;
		if (!r) {
			enforce_set_resolver(ae->e, resolve, ae);
			/* started again after a failed reload: the containers it had */
			for (size_t i = 0; i < ae->n_ctrs; i++)
				ae->ctrs[i]->marked =
					enforce_add_container(ae->e, (pid_t)ae->ctrs[i]->pid,
							      ae->ctrs[i]->scope) == 0;
		}
	} else {
		(void)enforce_set_audit_files(ae->e, want); /* checked below */
		r = enforce_update(ae->e, set);
		/*
		 * The old rules would stay in force, but the old set is freed right after this
		 * returns: the enforcer cannot keep it, so it stops (fail-open) and is started
		 * again with the next set.
		 */
		if (r) {
			enforce_close(ae->e);
			ae->e = NULL;
		}
	}
	ae->err = r;
	ae->audit_files = want && ae->e &&
			  enforce_backend_for(ae->e, POLICY_OP_FILE) == ENFORCE_BACKEND_FANOTIFY;
	agent_set_enforcer_alerts(ae->a, ae->e != NULL);
}

int agent_enforcer_files(const struct agent_enforcer *ae)
{
	return ae && ae->audit_files;
}

int agent_enforcer_running(const struct agent_enforcer *ae)
{
	return ae && ae->e;
}

int agent_enforcer_get_stats(struct agent_enforcer *ae, struct enforce_stats *ret)
{
	if (!ae || !ae->e)
		return -ENOENT;
	enforce_get_stats(ae->e, ret);
	return 0;
}

int agent_enforcer_last_error(const struct agent_enforcer *ae)
{
	return ae ? ae->err : 0;
}

void agent_enforcer_free(struct agent_enforcer *ae)
{
	if (!ae)
		return;
	agent_set_container_hook(ae->a, NULL, NULL);
	enforce_close(ae->e);
	for (size_t i = 0; i < ae->n_ctrs; i++)
		ctr_free(ae->ctrs[i]);
	free(ae->ctrs);
	pthread_mutex_destroy(&ae->lock);
	free(ae);
}
