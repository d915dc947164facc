/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.c - the per-event pipeline and the event loop of `ward agent` (see agent.h).
 *
 * Hot path (agent_handle_event): table lookups, one verdict, the record built into reused
 * buffers, one JSON serialisation shared by every sink. No allocation once warmed up except
 * for new processes/containers. The loop flushes sinks when the source runs dry and at least
 * every AGENT_POLL_MS, which bounds syscall→record latency.
 */
#include "agent/agent.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "config/config.h"
#include "store/store.h"

/*
 * Longest wait for events held below the ring buffer's wake-up threshold: the period of the
 * syscall→record latency at low event rates (uniform 0..AGENT_POLL_MS). 25 ms keeps the p99
 * well under 100 ms on a loaded machine for 40 idle wake-ups a second.
 */
#define AGENT_POLL_MS 25

struct agent {
	struct agent_opts o;
	struct mon_build_opts bo;
	struct mon_proc_table *procs;
	struct mon_ctr_table *ctrs;
	uint32_t host_pid_ns;
	struct agent_matcher m;
	int have_matcher;
	int n_rules;
	uint64_t scope_gen; /* bumped on reload: container scopes older than this are rebuilt */
	struct agent_sink sinks[AGENT_MAX_SINKS];
	size_t n_sinks;
	struct mon_scratch scratch;
	struct strbuf json;
	struct agent_stats st;
	uint64_t kernel_lost_reported, queue_lost_reported;
	/* uid → user name for host records (KubeArmor caches LookupId too) */
	struct {
		uint32_t uid;
		int used;
		char name[64];
	} users[32];
	unsigned users_next;
	int64_t last_drop_report_ns;
	int (*ctr_hook)(void *ctx, const struct mon_container *c, uint32_t pid_ns, uint32_t mnt_ns,
			uint32_t host_pid);
	void *ctr_hook_ctx;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int agent_new(const struct agent_opts *o, struct agent **ret)
{
	struct agent *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *o;
	if (!a->o.drop_report_ms)
		a->o.drop_report_ms = 5000;
	a->bo.cluster = o->cfg->cluster;
	a->bo.hostname = o->cfg->hostname;
	a->bo.extra_json = o->cfg->extra_json;
	a->bo.enforcer_alerts = o->enforcer_alerts;
	mon_scratch_init(&a->scratch);
	strbuf_init(&a->json);
	const char *proc = o->proc_root ? o->proc_root : "/proc";
	int r = mon_proc_table_new(proc, &a->procs);
	if (!r)
		r = mon_ctr_table_new(proc, (const char *const *)o->cfg->runtime_sockets, &a->ctrs);
	if (r) {
		agent_free(a);
		return r;
	}
	r = mon_proc_seed(a->procs);
	if (r < 0) {
		agent_free(a);
		return r;
	}
	char path[PATH_MAX];
	struct stat stbuf;
	snprintf(path, sizeof(path), "%s/self/ns/pid", proc);
	if (stat(path, &stbuf) == 0)
		a->host_pid_ns = (uint32_t)stbuf.st_ino;
	*ret = a;
	return 0;
}

static void scope_free_cb(void *ctx_unused_scope)
{
	(void)ctx_unused_scope;
}

void agent_free(struct agent *a)
{
	if (!a)
		return;
	agent_flush(a);
	for (size_t i = 0; i < a->n_sinks; i++)
		if (a->sinks[i].destroy)
			a->sinks[i].destroy(a->sinks[i].ctx);
	mon_ctr_table_free(a->ctrs,
			   a->have_matcher && a->m.scope_free ? a->m.scope_free : scope_free_cb);
	if (a->have_matcher && a->m.destroy)
		a->m.destroy(a->m.ctx);
	mon_proc_table_free(a->procs);
	mon_scratch_done(&a->scratch);
	strbuf_done(&a->json);
	free(a);
}

int agent_add_sink(struct agent *a, const struct agent_sink *s)
{
	if (a->n_sinks == AGENT_MAX_SINKS)
		return -ENOSPC;
	a->sinks[a->n_sinks++] = *s;
	return 0;
}

/* ---- the JSON file sink ---------------------------------------------------------------------- */

struct json_file {
	FILE *f;
	int is_stdout;
	int failed;
};

static int json_file_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)r;
	struct json_file *j = ctx;
	if (fwrite(json, 1, len, j->f) != len || fputc('\n', j->f) == EOF) {
		j->failed = 1;
		return -EIO;
	}
	return 0;
}

static void json_file_flush(void *ctx)
{
	struct json_file *j = ctx;
	if (fflush(j->f) != 0)
		j->failed = 1;
}

static void json_file_destroy(void *ctx)
{
	struct json_file *j = ctx;
	if (!j)
		return;
	fflush(j->f);
	if (!j->is_stdout)
		fclose(j->f);
	free(j);
}

int agent_sink_json_file(const char *path, struct agent_sink *ret)
{
	struct json_file *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		j->f = stdout;
		j->is_stdout = 1;
	} else {
		j->f = fopen(path, "ae");
		if (!j->f) {
			int err = errno;
			free(j);
			return -err;
		}
	}
	/* a large buffer: one write(2) per batch, flushed by the loop when the source runs dry */
	setvbuf(j->f, NULL, _IOFBF, 1 << 16);
	ret->ctx = j;
	ret->write = json_file_write;
	ret->flush = json_file_flush;
	ret->destroy = json_file_destroy;
	return 0;
}

/* ---- matcher and reload ------------------------------------------------------------------- */

static void drop_scope(void *ctx, struct mon_container *c)
{
	struct agent *a = ctx;
	if (c->scope && a->m.scope_free)
		a->m.scope_free(c->scope);
	c->scope = NULL;
}

int agent_reload(struct agent *a, struct diag *diag)
{
	if (!a->have_matcher)
		return 0;
	const struct ward_config *cfg = a->o.cfg;
	/*
	 * Container scopes point into the current set: free them while it still lives; each
	 * container rebuilds its scope on its next event (from the new set, or from the old one
	 * if this load fails and the old set stays).
	 */
	mon_ctr_each(a->ctrs, drop_scope, a);
	int r = a->m.load(a->m.ctx, (const char *const *)cfg->policies, cfg->n_policies, diag);
	a->st.reloads++;
	if (r < 0) {
		a->st.reload_errors++;
		return r;
	}
	a->n_rules = r;
	return 0;
}

int agent_set_matcher(struct agent *a, const struct agent_matcher *m, struct diag *diag)
{
	a->m = *m;
	a->have_matcher = 1;
	return agent_reload(a, diag);
}

/* ---- the pipeline ------------------------------------------------------------------------- */

static uint32_t vis_bit(enum policy_op op)
{
	switch (op) {
	case POLICY_OP_PROCESS:
		return CONFIG_VIS_PROCESS;
	case POLICY_OP_FILE:
		return CONFIG_VIS_FILE;
	case POLICY_OP_NETWORK:
		return CONFIG_VIS_NETWORK;
	case POLICY_OP_CAPABILITIES:
		return CONFIG_VIS_CAPABILITIES;
	default:
		return 0; /* syscall events are alerts only (KubeArmor drops unmatched ones) */
	}
}

/* The user name of @uid ("" when it has none), from a small round-robin cache. */
static const char *user_name(struct agent *a, uint32_t uid)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(a->users); i++)
		if (a->users[i].used && a->users[i].uid == uid)
			return a->users[i].name;
	unsigned k = a->users_next++ % WARD_ARRAY_SIZE(a->users);
	struct passwd pw, *res = NULL;
	char buf[1024];
	a->users[k].used = 1;
	a->users[k].uid = uid;
	a->users[k].name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(a->users[k].name, sizeof(a->users[k].name), "%s", res->pw_name);
	return a->users[k].name;
}

static void emit(struct agent *a, const struct ward_record *r)
{
	strbuf_reset(&a->json);
	if (record_to_json(r, &a->json) != 0) {
		a->st.build_errors++;
		return;
	}
	a->st.records++;
	if (record_is_alert(r))
		a->st.alerts++;
	else
		a->st.logs++;
	for (size_t i = 0; i < a->n_sinks; i++)
		if (a->sinks[i].write(a->sinks[i].ctx, r, a->json.buf, a->json.len) != 0)
			a->st.queue_lost++;
}

void agent_emit(struct agent *a, const struct ward_record *r)
{
	/* the enforcer's host records (Block, and Audit of fanotify-served file rules) get the
	 * UserName the monitor's host records carry (§2.9), from the same cache */
	if (!r->user_name && !r->container_id && r->operation && r->host_pid > 0) {
		struct ward_record c = *r;
		const char *u = user_name(a, (uint32_t)r->uid);
		c.user_name = *u ? u : NULL;
		emit(a, &c);
		return;
	}
	/*
	 * The enforcer's container records say ExecID "0" (or carry no ExecEvent when the task
	 * was gone before its comm was read): the exec session a task is in is known to the
	 * monitor's process table only (and kept a while after the task exits, since a Block
	 * record comes after its fold window).
	 */
	uint64_t exec_id;
	char exec_name[16], id[24];
	if (r->container_id && r->host_pid > 0 &&
	    (!(r->present & RECORD_HAS_EXEC_EVENT) || (r->exec_id && !strcmp(r->exec_id, "0"))) &&
	    mon_proc_session(a->procs, (uint32_t)r->host_pid, &exec_id, exec_name)) {
		struct ward_record c = *r;
		snprintf(id, sizeof(id), "%" PRIu64, exec_id);
		c.present |= RECORD_HAS_EXEC_EVENT;
		c.exec_id = id;
		c.executable_name = exec_name;
		emit(a, &c);
		return;
	}
	emit(a, r);
}

void agent_set_enforcer_alerts(struct agent *a, int on)
{
	a->bo.enforcer_alerts = on;
}

void agent_set_container_hook(struct agent *a,
			      int (*fn)(void *ctx, const struct mon_container *c, uint32_t pid_ns,
					uint32_t mnt_ns, uint32_t host_pid),
			      void *ctx)
{
	a->ctr_hook = fn;
	a->ctr_hook_ctx = ctx;
}

int agent_handle_event(void *agent, const struct ward_event *ev)
{
	struct agent *a = agent;
	a->st.events++;
	switch (ev->kind) {
	case WARD_EV_FORK:
		(void)mon_proc_fork(a->procs, ev);
		a->st.filtered++;
		return 0;
	case WARD_EV_EXIT:
		/* a pid namespace lives as long as its init: its number may be reused after */
		if (ev->pid == 1 && ev->host_tid == ev->host_pid && ev->pid_ns &&
		    ev->pid_ns != a->host_pid_ns)
			mon_ctr_forget_pid_ns(a->ctrs, ev->pid_ns);
		mon_proc_exit(a->procs, ev);
		a->st.filtered++;
		return 0;
	case WARD_EV_DROPS:
		a->st.kernel_lost += ev->lost;
		a->st.filtered++;
		return 0;
	case WARD_EV_EXEC:
		if (ev->retval >= 0)
			(void)mon_proc_exec(a->procs, ev);
		break;
	default:
		break;
	}

	struct mon_proc *p = mon_proc_get(a->procs, ev->host_pid);
	if (!p) /* gone before we read its events: keep what the event says */
		p = mon_proc_from_event(a->procs, ev);
	/*
	 * A child starts in its parent's namespaces (fork copies the entry) and a container's
	 * init moves into new ones while the runtime sets it up: re-resolve whenever the
	 * event's namespace pair differs from the one the entry was resolved for (the container
	 * table caches by pair, so this is a hash lookup after the first time).
	 */
	if (p && ((ev->pid_ns && (ev->pid_ns != p->pid_ns || ev->mnt_ns != p->mnt_ns)) ||
		  !p->ct_resolved || (!p->ct && p->pid_ns && p->pid_ns != a->host_pid_ns) ||
		  (p->ct && p->ct->fetched < 0))) {
		if (ev->pid_ns) {
			p->pid_ns = ev->pid_ns;
			p->mnt_ns = ev->mnt_ns;
		}
		p->ct = p->pid_ns && p->pid_ns != a->host_pid_ns
				? mon_ctr_lookup(a->ctrs, p->pid_ns, p->mnt_ns, ev->host_pid,
						 ev->cgroup_id)
				: NULL;
		p->ct_resolved = 1;
	}
	/* tell the enforcer about the container (cheap once it has it: the flag stops the calls) */
	if (p && p->ct && !p->ct->enforced && a->ctr_hook)
		p->ct->enforced =
			a->ctr_hook(a->ctr_hook_ctx, p->ct, p->pid_ns, p->mnt_ns, ev->host_pid);
	const struct mon_proc *parent = mon_proc_get(a->procs, ev->host_ppid ? ev->host_ppid
							       : p	     ? p->host_ppid
									     : 0);

	struct ward_record rec;
	struct policy_event pe;
	int r = mon_build_event(&a->bo, a->procs, ev, p, parent, &a->scratch, &rec, &pe);
	if (r) {
		if (r == -ENOMEM)
			a->st.build_errors++;
		else
			a->st.filtered++;
		return 0;
	}

	struct policy_verdict v;
	const struct policy_verdict *vp = NULL;
	if (a->have_matcher) {
		const void *scope = NULL;
		struct mon_container *ct = p ? p->ct : NULL;
		if (ct) {
			if (!ct->scope && a->m.container_scope(a->m.ctx, ct, &ct->scope) != 0)
				ct->scope = NULL;
			scope = ct->scope;
		} else {
			scope = a->m.host_scope(a->m.ctx);
		}
		if (scope) {
			a->m.decide(a->m.ctx, scope, ev, &pe, &v);
			vp = &v;
		}
	}
	/* KubeArmor names the user on host records only (§2.9) */
	if (!rec.container_id) {
		const char *u = user_name(a, ev->uid);
		rec.user_name = *u ? u : NULL;
	}
	int visible = (a->o.cfg->visibility & vis_bit(pe.op)) != 0;
	/*
	 * A container the enforcer does not have yet (or only by id, without the labels its
	 * rules select on) is not enforced there: the monitor keeps writing its alerts. So it
	 * does for an operation that succeeded anyway (the enforcer learnt the container from
	 * this very task, after its attempt was let through): no blocked attempt goes unreported.
	 */
	struct mon_build_opts bo = a->bo;
	if (p && p->ct && (!p->ct->enforced || ev->retval >= 0))
		bo.enforcer_alerts = 0;
	if (!mon_apply_verdict(&bo, vp, visible, &rec)) {
		a->st.filtered++;
		return 0;
	}
	emit(a, &rec);
	return 0;
}

void agent_report_drops(struct agent *a, int64_t now_ns)
{
	struct ward_record rec;
	uint64_t k = a->st.kernel_lost - a->kernel_lost_reported;
	if (k) {
		mon_build_drop(&a->bo, now_ns, "kernel ring buffer", k, a->st.kernel_lost,
			       &a->scratch, &rec);
		a->kernel_lost_reported = a->st.kernel_lost;
		emit(a, &rec);
	}
	uint64_t q = a->st.queue_lost - a->queue_lost_reported;
	if (q) {
		mon_build_drop(&a->bo, now_ns, "agent queue", q, a->st.queue_lost, &a->scratch,
			       &rec);
		/* this record may itself be refused by the sink that dropped the others */
		a->queue_lost_reported = a->st.queue_lost;
		emit(a, &rec);
	}
}

void agent_flush(struct agent *a)
{
	for (size_t i = 0; i < a->n_sinks; i++)
		if (a->sinks[i].flush)
			a->sinks[i].flush(a->sinks[i].ctx);
}

void agent_get_stats(const struct agent *a, struct agent_stats *ret)
{
	*ret = a->st;
	ret->processes = mon_proc_count(a->procs);
	ret->rules = (uint64_t)a->n_rules;
	ret->containers = mon_ctr_count(a->ctrs);
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* A task of the seeded table: its container (if any) goes to the container hook. */
static void learn_running(void *ctx, struct mon_proc *p)
{
	struct agent *a = ctx;
	if (!p->pid_ns || p->pid_ns == a->host_pid_ns)
		return;
	if (!p->ct_resolved) {
		p->ct = mon_ctr_lookup(a->ctrs, p->pid_ns, p->mnt_ns, p->host_pid, 0);
		p->ct_resolved = 1;
	}
	if (p->ct && !p->ct->enforced)
		p->ct->enforced =
			a->ctr_hook(a->ctr_hook_ctx, p->ct, p->pid_ns, p->mnt_ns, p->host_pid);
}

int agent_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

/* Watch every policy directory (and the folder of every policy file) for changes. */
static int watch_policies(const struct ward_config *cfg)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < cfg->n_policies; i++) {
		struct stat st;
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", cfg->policies[i]);
		if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
			char *slash = strrchr(dir, '/');
			if (slash && slash != dir)
				*slash = '\0';
			else
				snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
		}
		/* a missing directory is not fatal: the agent runs with what loaded */
		(void)inotify_add_watch(fd, dir,
					IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
						IN_CREATE);
	}
	return fd;
}

static int epoll_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

enum {
	TAG_SIG = 1,
	TAG_INOTIFY,
	TAG_TIMER,
	TAG_SOURCE,
	TAG_STOP
};

int agent_run(struct agent *a, const struct agent_source *src, int stop_fd,
	      void (*on_ready)(void *ctx),
	      void (*on_reload)(void *ctx, int result, const struct diag *diag), void *cb_ctx)
{
	int r = 0, ep = -1, sfd = -1, ifd = -1, tfd = -1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || sfd < 0 || tfd < 0) {
		r = -errno;
		goto out;
	}
	ifd = watch_policies(a->o.cfg);
	struct itimerspec its = { .it_interval = { 0, 500000000 }, .it_value = { 0, 500000000 } };
	timerfd_settime(tfd, 0, &its, NULL);
	int src_fd = src && src->fd ? src->fd(src->ctx) : -1;
	if ((r = epoll_add(ep, sfd, TAG_SIG)) || (r = epoll_add(ep, tfd, TAG_TIMER)) ||
	    (ifd >= 0 && (r = epoll_add(ep, ifd, TAG_INOTIFY))) ||
	    (src_fd >= 0 && (r = epoll_add(ep, src_fd, TAG_SOURCE))) ||
	    (stop_fd >= 0 && (r = epoll_add(ep, stop_fd, TAG_STOP))))
		goto out;
	/*
	 * Containers that run already: the enforcer gets them before the first event (else
	 * only once one of their tasks does something the monitor sees).
	 */
	if (a->ctr_hook)
		mon_proc_each(a->procs, learn_running, a);
	if (on_ready)
		on_ready(cb_ctx);

	int64_t reload_at = 0; /* debounce: editors write a file in several steps */
	int64_t last_lost_check = 0, last_sweep = mono_ns();
	for (;;) {
		struct epoll_event evs[8];
		/* the source may hold records below its wake-up threshold */
		int n = epoll_wait(ep, evs, 8, AGENT_POLL_MS);
		if (n < 0 && errno != EINTR) {
			r = -errno;
			goto out;
		}
		int stop = 0, hup = 0;
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_SIG: {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						hup = 1;
					else
						stop = 1;
				}
				break;
			}
			case TAG_INOTIFY: {
				char buf[4096];
				while (read(ifd, buf, sizeof(buf)) > 0)
					;
				reload_at = mono_ns() + 200000000LL;
				break;
			}
			case TAG_TIMER: {
				uint64_t ticks;
				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					break;
				break;
			}
			case TAG_STOP:
				stop = 1;
				break;
			default:
				break;
			}
		}
		if (src && src->poll) {
			int got = src->poll(src->ctx, 0, agent_handle_event, a);
			if (got < 0 && got != -EINTR && got != -EAGAIN) {
				r = got;
				goto out;
			}
		}
		/* the source ran dry (or AGENT_POLL_MS passed): make what we have visible */
		agent_flush(a);
		int64_t now = mono_ns();
		if (hup || (reload_at && now >= reload_at)) {
			struct diag d;
			diag_init(&d);
			int rr = agent_reload(a, &d);
			if (on_reload)
				on_reload(cb_ctx, rr, &d);
			diag_done(&d);
			reload_at = 0;
		}
		if (now - last_lost_check >= (int64_t)a->o.drop_report_ms * 1000000LL) {
			last_lost_check = now;
			agent_report_drops(a, real_ns());
			agent_flush(a);
		}
		/* exits lost with a full ring would leave entries behind: bound the table */
		if (now - last_sweep >= 30000000000LL) {
			last_sweep = now;
			(void)mon_proc_sweep(a->procs);
		}
		if (stop)
			break;
	}
	/* SIGTERM: drain what the source still holds, report, flush */
	if (src && src->poll)
		(void)src->poll(src->ctx, 0, agent_handle_event, a);
	agent_report_drops(a, real_ns());
	agent_flush(a);
	r = 0;
out:
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	if (ifd >= 0)
		close(ifd);
	if (tfd >= 0)
		close(tfd);
	return r;
}

/* ---- the store sink -------------------------------------------------------------------------- */

static int store_sink_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)json;
	(void)len;
	/* the writer copies the record into its open batch; its thread commits every 50 ms */
	return store_writer_append(ctx, r, 1, NULL) == 0 ? 0 : -EIO;
}

static void store_sink_destroy(void *ctx)
{
	(void)store_writer_close(ctx);
}

int agent_sink_store(const char *path, const struct ward_config *cfg, struct agent_sink *ret,
		     char *err, size_t errsize)
{
	/*
	 * Small batches: the writer copies each appended record until its commit, so the batch
	 * size bounds the agent's memory under load (64 MiB budget) more than its speed does.
	 */
	struct store_writer_opts o = {
		.batch_records = 1024,
		.batch_ms = 50,
		.autoflush = 1,
		.max_age_s = cfg->store_max_age,
		.max_bytes = (int64_t)cfg->store_max_size,
	};
	struct store_writer *w = NULL;
	int r = store_writer_open(path, &o, &w, err, errsize);
	if (r)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->ctx = w;
	ret->write = store_sink_write;
	ret->destroy = store_sink_destroy;
	return 0;
}
