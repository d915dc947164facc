/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.c - the enforcer object: options, the one thread that answers fanotify permission
 * events and reads the cgroup BPF ring buffer, record building and folding of repeated blocks.
 *
 * Folding: a block is held for fold_ms (1 s) after the first attempt; identical attempts
 * (same type, policy, operation, process, resource, action, uid, container, not the PID) in
 * that window raise its Count instead of writing new records. The record is written when the
 * window ends, so an alert is at most fold_ms late.
 */
#include "enforce/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "record/record.h"

const char *enforce_backend_name(enum enforce_backend b)
{
	switch (b) {
	case ENFORCE_BACKEND_FANOTIFY:
		return "fanotify";
	case ENFORCE_BACKEND_CGROUP_BPF:
		return "cgroup-bpf";
	case ENFORCE_BACKEND_BPFLSM:
		return "BPFLSM";
	case ENFORCE_BACKEND_NONE:
		break;
	}
	return "none";
}

static const char *const default_any_marks[] = { "/", NULL };

void enforce_opts_init(struct enforce_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fold_ms = 1000;
	o->any_marks = default_any_marks;
}

int64_t enf_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t enf_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void enf_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (!src) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void enf_rec_fill_verdict(struct enf_rec *r, const struct policy_verdict *v, int denied,
			  const char *enforcer, const char *result)
{
	r->ts_ns = enf_real_ns();
	enf_copy(r->type, sizeof(r->type), v->host ? "MatchedHostPolicy" : "MatchedPolicy");
	if (v->default_posture || !v->rule) {
		enf_copy(r->policy, sizeof(r->policy), "DefaultPosture");
	} else {
		enf_copy(r->policy, sizeof(r->policy), v->rule->policy_name);
		enf_copy(r->severity, sizeof(r->severity), v->rule->severity);
		enf_copy(r->tags, sizeof(r->tags), v->rule->tags);
		enf_copy(r->message, sizeof(r->message), v->rule->message);
	}
	/* A denial is a Block whatever the verdict's spelling; otherwise keep the verdict's. */
	enf_copy(r->action, sizeof(r->action),
		 denied ? "Block" : policy_action_to_string(v->action));
	enf_copy(r->enforcer, sizeof(r->enforcer), enforcer);
	enf_copy(r->result, sizeof(r->result), denied ? result : "Passed");
	r->count = 1;
}

void enf_rec_fill_workload(struct enf_rec *r, const struct enforce_workload *w)
{
	enf_copy(r->container_id, sizeof(r->container_id), w->container_id);
	enf_copy(r->container_name, sizeof(r->container_name), w->container_name);
	enf_copy(r->container_image, sizeof(r->container_image), w->container_image);
	enf_copy(r->namespace_name, sizeof(r->namespace_name), w->namespace_name);
	enf_copy(r->pod_name, sizeof(r->pod_name), w->pod_name);
	enf_copy(r->labels, sizeof(r->labels), w->labels);
	if (w->ns_pid)
		r->pid = w->ns_pid;
	if (w->ns_ppid)
		r->ppid = w->ns_ppid;
}

int enf_task_info(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid)
{
	return enf_task_info_ns(tid, ret_tgid, ret_ppid, ret_uid, NULL);
}

int enf_task_info_ns(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid,
		     pid_t *ret_nspid)
{
	return enf_task_info_at(-1, tid, ret_tgid, ret_ppid, ret_uid, ret_nspid);
}

int enf_task_info_at(int dirfd, pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid,
		     pid_t *ret_nspid)
{
	char path[64], buf[2048];
	pid_t tgid = -1, ppid = -1;
	long uid = -1;
	ssize_t n;
	char *p;
	int fd;

	if (dirfd >= 0) {
		fd = openat(dirfd, "status", O_RDONLY | O_CLOEXEC);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	if (p)
		tgid = (pid_t)strtol(p + 6, NULL, 10);
	p = strstr(buf, "\nPPid:");
	if (p)
		ppid = (pid_t)strtol(p + 6, NULL, 10);
	p = strstr(buf, "\nUid:");
	if (p)
		uid = strtol(p + 5, NULL, 10);
	if (tgid <= 0 || ppid < 0 || uid < 0)
		return -EIO;
	if (ret_nspid) {
		/* NSpid lists the ids from the outermost namespace in; the last is the task's own */
		long v = 0, x;
		char *end;

		p = strstr(buf, "\nNSpid:");
		if (p) {
			for (p += 7;; p = end) {
				x = strtol(p, &end, 10);
				if (end == p)
					break;
				v = x;
			}
		}
		*ret_nspid = (pid_t)v;
	}
	*ret_tgid = tgid;
	*ret_ppid = ppid;
	*ret_uid = (uint32_t)uid;
	return 0;
}

const struct policy_scope *enf_scope_for(struct enforce *e, pid_t tgid, struct enforce_workload *w)
{
	memset(w, 0, sizeof(*w));
	if (e->hooks.resolve && e->hooks.resolve(e->hooks.ctx, tgid, w) == 0)
		return w->scope;
	memset(w, 0, sizeof(*w));
	w->scope = e->hooks.host ? e->hooks.host(e->hooks.ctx) : NULL;
	return w->scope;
}

/* ---- records and folding ------------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

uint64_t enf_fold_key(const char *type, const char *policy, const char *operation,
		      const char *process, const char *resource, const char *action,
		      const char *data, const char *container_id, uint32_t uid)
{
	uint64_t h = 1469598103934665603ull;
	char u[16];

	snprintf(u, sizeof(u), "%u", uid);
	h = fnv(h, type);
	h = fnv(h, policy);
	h = fnv(h, operation);
	h = fnv(h, process);
	h = fnv(h, resource);
	h = fnv(h, action);
	h = fnv(h, data);
	h = fnv(h, container_id ? container_id : "");
	return fnv(h, u);
}

static uint64_t fold_key(const struct enf_rec *r)
{
	return enf_fold_key(r->type, r->policy, r->operation, r->process, r->resource, r->action,
			    r->data, r->container_id, r->key_uid);
}

/* The pending record in its fold window whose key (or, @anyuid, key_anyuid) is @key. */
static struct enf_fold_slot *fold_find(struct enforce *e, uint64_t key, int anyuid)
{
	int64_t now = enf_mono_ns(), win = (int64_t)e->opts.fold_ms * 1000000;
	size_t i;

	if (e->opts.fold_ms == 0)
		return NULL;
	for (i = 0; i < ENF_FOLD_SLOTS; i++) {
		struct enf_fold_slot *s = &e->fold[i];

		if (s->used && (anyuid ? s->key_anyuid : s->key) == key &&
		    now - s->first_mono_ns < win)
			return s;
	}
	return NULL;
}

static int fold_into(struct enforce *e, struct enf_fold_slot *s)
{
	if (!s)
		return 0;
	s->rec->count++;
	e->stats.folded++;
	return 1;
}

int enf_fold_try(struct enforce *e, uint64_t key)
{
	return fold_into(e, fold_find(e, key, 0));
}

int enf_fold_pending(struct enforce *e, uint64_t key_anyuid)
{
	return fold_find(e, key_anyuid, 1) != NULL;
}

int enf_fold_try_anyuid(struct enforce *e, uint64_t key_anyuid)
{
	return fold_into(e, fold_find(e, key_anyuid, 1));
}

static const char *nz(const char *s)
{
	return s[0] ? s : NULL;
}

static void write_record(struct enforce *e, const struct enf_rec *r)
{
	struct ward_record w;

	memset(&w, 0, sizeof(w));
	w.ts_ns = r->ts_ns;
	w.present = RECORD_HAS_TIMESTAMP | RECORD_HAS_UPDATED_TIME;
	w.cluster_name = e->opts.cluster_name;
	w.host_name = e->host_name;
	w.namespace_name = nz(r->namespace_name);
	w.pod_name = nz(r->pod_name);
	w.labels = nz(r->labels);
	w.container_id = nz(r->container_id);
	w.container_name = nz(r->container_name);
	w.container_image = nz(r->container_image);
	w.host_ppid = r->host_ppid;
	w.host_pid = r->host_pid;
	w.ppid = r->ppid;
	w.pid = r->pid;
	w.uid = r->uid;
	w.parent_process_name = nz(r->parent);
	w.process_name = nz(r->process);
	w.policy_name = nz(r->policy);
	w.severity = nz(r->severity);
	w.tags = nz(r->tags);
	w.message = nz(r->message);
	w.type = r->type;
	w.source = nz(r->source);
	w.operation = r->operation;
	w.resource = nz(r->resource);
	w.data = nz(r->data);
	w.enforcer = r->enforcer;
	w.action = r->action;
	w.result = r->result;
	w.cwd = nz(r->cwd);
	w.tty = nz(r->tty);
	/*
	 * ExecEvent as the monitor writes it outside an exec session: ExecID "0" and the comm.
	 * A host task is never in a session (sessions begin by entering a container); a
	 * container task's session is known to the monitor's process table only, so the agent
	 * fills it in (agent_emit()).
	 */
	if (r->comm[0]) {
		w.present |= RECORD_HAS_EXEC_EVENT;
		w.exec_id = "0";
		w.executable_name = r->comm;
	}
	w.count = r->count;
	e->stats.records++;
	if (e->record)
		e->record(e->record_ctx, &w);
}

void enf_fold_flush(struct enforce *e, int all)
{
	int64_t now = enf_mono_ns(), win = (int64_t)e->opts.fold_ms * 1000000;
	size_t i;

	for (i = 0; i < ENF_FOLD_SLOTS; i++) {
		struct enf_fold_slot *s = &e->fold[i];

		if (!s->used || (!all && now - s->first_mono_ns < win))
			continue;
		write_record(e, s->rec);
		free(s->rec);
		s->rec = NULL;
		s->used = 0;
	}
}

/* Takes ownership of @r (heap). */
void enf_emit(struct enforce *e, struct enf_rec *r)
{
	int64_t now = enf_mono_ns(), win = (int64_t)e->opts.fold_ms * 1000000;
	struct enf_fold_slot *free_slot = NULL, *oldest = NULL;
	uint64_t key;
	size_t i;

	/* Only blocks fold: an Audit alert (Result Passed) is one record per event, as the
	 * monitor writes it for the same rule from its syscall hook. */
	if (e->opts.fold_ms == 0 || strcmp(r->result, "Passed") == 0) {
		write_record(e, r);
		free(r);
		return;
	}
	key = fold_key(r);
	for (i = 0; i < ENF_FOLD_SLOTS; i++) {
		struct enf_fold_slot *s = &e->fold[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->key == key && now - s->first_mono_ns < win) {
			s->rec->count++;
			e->stats.folded++;
			free(r);
			return;
		}
		if (!oldest || s->first_mono_ns < oldest->first_mono_ns)
			oldest = s;
	}
	if (!free_slot) {
		write_record(e, oldest->rec);
		free(oldest->rec);
		oldest->used = 0;
		free_slot = oldest;
	}
	free_slot->used = 1;
	free_slot->key = key;
	free_slot->key_anyuid = enf_fold_key(r->type, r->policy, r->operation, r->process,
					     r->resource, r->action, r->data, r->container_id, 0);
	free_slot->first_mono_ns = now;
	free_slot->rec = r;
}

static int fold_timeout_ms(struct enforce *e)
{
	int64_t now = enf_mono_ns(), win = (int64_t)e->opts.fold_ms * 1000000, best = -1;
	size_t i;

	for (i = 0; i < ENF_FOLD_SLOTS; i++) {
		int64_t left;

		if (!e->fold[i].used)
			continue;
		left = e->fold[i].first_mono_ns + win - now;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best < 0 ? -1 : (int)(best / 1000000) + 1;
}

/* ---- the thread --------------------------------------------------------------------------- */

static void *enforce_thread(void *arg)
{
	struct enforce *e = arg;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev;
	int cur_fan = -1, cur_net = -1;

	if (ep < 0)
		return NULL;
	ev.events = EPOLLIN;
	ev.data.fd = e->stop_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, e->stop_fd, &ev);
	for (;;) {
		struct epoll_event out[4];
		int n, i, timeout, stop = 0;

		pthread_mutex_lock(&e->lock);
		/* enforce_update() may have swapped the fanotify group: follow it. */
		if (cur_fan != e->fan_fd) {
			if (cur_fan >= 0)
				epoll_ctl(ep, EPOLL_CTL_DEL, cur_fan, NULL);
			cur_fan = e->fan_fd;
			if (cur_fan >= 0) {
				ev.events = EPOLLIN;
				ev.data.fd = cur_fan;
				epoll_ctl(ep, EPOLL_CTL_ADD, cur_fan, &ev);
			}
		}
		if (cur_net != e->net_fd) {
			cur_net = e->net_fd;
			if (cur_net >= 0) {
				ev.events = EPOLLIN;
				ev.data.fd = cur_net;
				epoll_ctl(ep, EPOLL_CTL_ADD, cur_net, &ev);
			}
		}
		timeout = fold_timeout_ms(e);
		pthread_mutex_unlock(&e->lock);

		n = epoll_wait(ep, out, 4, timeout);
		if (n < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&e->lock);
		for (i = 0; i < n; i++) {
			if (out[i].data.fd == e->stop_fd) {
				uint64_t v;
				ssize_t rd = read(e->stop_fd, &v, sizeof(v));

				(void)rd;
				stop = e->stopping;
			} else if (out[i].data.fd == e->fan_fd)
				enf_fan_handle(e);
			else if (out[i].data.fd == e->net_fd)
				enf_net_poll(e);
		}
		enf_fold_flush(e, 0);
		pthread_mutex_unlock(&e->lock);
		if (stop)
			break;
	}
	close(ep);
	return NULL;
}

int enforce_start(const struct enforce_hooks *hooks, const struct enforce_opts *opts,
		  enforce_record_fn record, void *record_ctx, struct enforce **ret)
{
	struct enforce *e;
	struct utsname u;
	int r, fan_err = 0, net_err = 0;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->hooks = *hooks;
	if (opts)
		e->opts = *opts;
	else
		enforce_opts_init(&e->opts);
	if (!e->opts.any_marks)
		e->opts.any_marks = default_any_marks;
	e->record = record;
	e->record_ctx = record_ctx;
	e->self = getpid();
	e->fan_fd = -1;
	e->create_fd = -1;
	e->net_fd = -1;
	if (e->opts.host_name)
		enf_copy(e->host_name, sizeof(e->host_name), e->opts.host_name);
	else if (uname(&u) == 0)
		enf_copy(e->host_name, sizeof(e->host_name), u.nodename);
	pthread_mutex_init(&e->lock, NULL);
	e->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->stop_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (!e->opts.no_fanotify) {
		fan_err = enf_fan_setup(e, &e->fan_fd, &e->create_fd);
		if (fan_err < 0)
			e->fan_fd = e->create_fd = -1;
	}
	if (!e->opts.no_network) {
		net_err = enf_net_start(e);
		if (net_err == 0)
			net_err = enf_net_fill(e);
		if (net_err == 0)
			e->net_fd = enf_net_fd(e);
		else
			enf_net_stop(e);
	}
	if (e->fan_fd < 0 && e->net_fd < 0) {
		r = fan_err < 0 ? fan_err : (net_err < 0 ? net_err : -ENOTSUP);
		goto fail;
	}
	r = -pthread_create(&e->thread, NULL, enforce_thread, e);
	if (r < 0)
		goto fail;
	e->thread_started = 1;
	if (e->opts.rt_priority > 0) {
		struct sched_param sp = { .sched_priority = e->opts.rt_priority };

		if (pthread_setschedparam(e->thread, SCHED_FIFO, &sp) != 0) {
			pthread_mutex_lock(&e->lock);
			e->stats.rt_refused = 1;
			pthread_mutex_unlock(&e->lock);
		}
	}
	*ret = e;
	return 0;
fail:
	enforce_close(e);
	return r;
}

int enforce_update(struct enforce *e, const struct policy_set *set)
{
	int fd = -1, cfd = -1, r;

	pthread_mutex_lock(&e->lock);
	if (set)
		e->set = set;
	if (e->fan_fd >= 0) {
		/* A new group with the new marks replaces the old; closing the old group lets
		 * its pending events through (they are re-raised for no one: allowed). */
		r = enf_fan_setup(e, &fd, &cfd);
		if (r < 0)
			goto out;
		close(e->fan_fd);
		if (e->create_fd >= 0)
			close(e->create_fd);
		e->fan_fd = fd;
		e->create_fd = cfd;
	}
	if (e->net) {
		r = enf_net_fill(e);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	pthread_mutex_unlock(&e->lock);
	/* wake the thread so it follows the new fd */
	if (r == 0) {
		uint64_t one = 1;
		ssize_t w = write(e->stop_fd, &one, sizeof(one));

		(void)w;
	}
	return r;
}

int enforce_set_audit_files(struct enforce *e, int on)
{
	int r = 0;

	pthread_mutex_lock(&e->lock);
	e->opts.audit_files = !!on;
	if (e->fan_fd < 0)
		r = -ENOTSUP;
	pthread_mutex_unlock(&e->lock);
	return r;
}

int enforce_add_container(struct enforce *e, pid_t pid, const struct policy_scope *scope)
{
	int r = 0;
	size_t i;

	pthread_mutex_lock(&e->lock);
	/* the same task again (its container's identity changed): update it in place */
	for (i = 0; i < e->n_containers && e->containers[i].pid != pid; i++)
		;
	if (i == e->n_containers && e->n_containers >= ENF_MAX_CONTAINERS) {
		r = -ENOSPC;
		goto out;
	}
	e->containers[i].pid = pid;
	e->containers[i].scope = scope;
	if (i == e->n_containers)
		e->n_containers++;
	if (e->fan_fd >= 0)
		r = enf_fan_mark_container(e, e->fan_fd, e->create_fd, pid);
	if (r < 0) {
		/* not marked (the task left, or has not entered its root yet): not kept */
		e->containers[i] = e->containers[--e->n_containers];
		goto out;
	}
	if (e->net) {
		int rn = enf_net_fill(e);

		if (r == 0)
			r = rn;
	}
out:
	pthread_mutex_unlock(&e->lock);
	return r;
}

void enforce_get_stats(struct enforce *e, struct enforce_stats *ret)
{
	pthread_mutex_lock(&e->lock);
	*ret = e->stats;
	pthread_mutex_unlock(&e->lock);
}

size_t enforce_get_latencies(struct enforce *e, int cpu, uint32_t *out, size_t max)
{
	size_t n, i, start;

	pthread_mutex_lock(&e->lock);
	n = e->n_lat < ENFORCE_LATENCY_SAMPLES ? e->n_lat : ENFORCE_LATENCY_SAMPLES;
	if (n > max)
		n = max;
	start = e->n_lat - n;
	for (i = 0; i < n; i++)
		out[i] = (cpu ? e->lat_cpu : e->lat)[(start + i) % ENFORCE_LATENCY_SAMPLES];
	pthread_mutex_unlock(&e->lock);
	return n;
}

enum enforce_backend enforce_backend_for(struct enforce *e, enum policy_op op)
{
	switch (op) {
	case POLICY_OP_PROCESS:
	case POLICY_OP_FILE:
		return e->fan_fd >= 0 ? ENFORCE_BACKEND_FANOTIFY : ENFORCE_BACKEND_NONE;
	case POLICY_OP_NETWORK:
	case POLICY_OP_CAPABILITIES:
		return e->net ? ENFORCE_BACKEND_CGROUP_BPF : ENFORCE_BACKEND_NONE;
	default:
		return ENFORCE_BACKEND_NONE;
	}
}

void enforce_close(struct enforce *e)
{
	size_t i;

	if (!e)
		return;
	if (e->thread_started) {
		uint64_t one = 1;
		ssize_t w;

		pthread_mutex_lock(&e->lock);
		e->stopping = 1;
		pthread_mutex_unlock(&e->lock);
		w = write(e->stop_fd, &one, sizeof(one));

		(void)w;
		pthread_join(e->thread, NULL);
	}
	/* Closing the group answers every pending permission event with "allow". */
	if (e->fan_fd >= 0)
		close(e->fan_fd);
	if (e->create_fd >= 0)
		close(e->create_fd);
	e->fan_fd = e->create_fd = -1;
	enf_net_stop(e);
	enf_fold_flush(e, 1);

	for (i = 0; i < e->n_aliases; i++)
		free(e->aliases[i].path);
	enf_fan_free_inos(e);
	if (e->stop_fd >= 0)
		close(e->stop_fd);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int enforce_self_rule_yaml(const char *const *protect_dirs, struct strbuf *out)
{
	size_t i;

	strbuf_puts(out, "apiVersion: security.kubearmor.com/v1\n"
			 "kind: KubeArmorHostPolicy\n"
			 "metadata:\n"
			 "  name: " ENFORCE_SELF_RULE_NAME "\n"
			 "spec:\n"
			 "  nodeSelector:\n"
			 "    matchLabels:\n"
			 "      kubearmor.io/hostname: \"*\"\n"
			 "  severity: 10\n"
			 "  message: write to ward's own files by another process\n"
			 "  action: Block\n"
			 "  file:\n"
			 "    matchDirectories:\n");
	for (i = 0; protect_dirs && protect_dirs[i]; i++) {
		size_t n = strlen(protect_dirs[i]);

		strbuf_printf(out, "    - dir: %s%s\n      recursive: true\n      readOnly: true\n",
			      protect_dirs[i], n && protect_dirs[i][n - 1] == '/' ? "" : "/");
	}
	return strbuf_error(out) ? -ENOMEM : 0;
}
