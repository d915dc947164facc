/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build.c - one decoded event + its process + its container → the KubeArmor record fields
 * (spec/kubearmor.md §3.3, §3.5) and the matcher's struct policy_event; then the verdict's
 * alert fields. On the agent's per-event path: everything is appended into reused strbufs,
 * nothing is allocated once the scratch buffers have grown.
 */
#include "monitor/enrich.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#define AT_FDCWD_VALUE (-100)

void mon_scratch_init(struct mon_scratch *s)
{
	memset(s, 0, sizeof(*s));
	strbuf_init(&s->resource);
	strbuf_init(&s->data);
	strbuf_init(&s->path);
	strbuf_init(&s->source);
	strbuf_init(&s->cwd);
	strbuf_init(&s->tmp);
}

void mon_scratch_done(struct mon_scratch *s)
{
	strbuf_done(&s->resource);
	strbuf_done(&s->data);
	strbuf_done(&s->path);
	strbuf_done(&s->source);
	strbuf_done(&s->cwd);
	strbuf_done(&s->tmp);
}

static void put_syscall(struct strbuf *sb, int nr)
{
	char buf[24];
	strbuf_puts(sb, "syscall=");
	strbuf_puts(sb, mon_syscall_name(nr, buf, sizeof(buf)));
}

/* The absolute path the syscall named: as passed if absolute, else joined with dirfd or cwd. */
static const char *resolve_path(struct mon_proc_table *pt, const struct ward_event *ev,
				struct mon_proc *p, const char *path, struct strbuf *out)
{
	if (!path || !*path)
		return "";
	if (path[0] == '/')
		return path;
	/*
	 * The decoder joined it with the directory the kernel walked: the most exact answer.
	 * Cleaned of "." and ".." as KubeArmor's filepath.Join cleans it.
	 */
	const char *abs = path == ev->path    ? ev->path_abs
			  : path == ev->path2 ? ev->path2_abs
					      : NULL;
	if (abs && abs[0] == '/') {
		if (!strstr(abs, "/.") && !strstr(abs, "//"))
			return abs;
		mon_path_join("/", abs, out);
		return out->buf;
	}
	const char *base = NULL;
	char dir[4096];
	if (ev->dirfd != AT_FDCWD_VALUE && ev->dirfd >= 0 && pt &&
	    mon_proc_fd_path(pt, ev->host_pid, ev->dirfd, dir, sizeof(dir)) == 0) {
		base = dir;
	} else if (ev->cwd && ev->cwd[0] == '/') {
		base = ev->cwd;
	} else if (p) {
		/* the cached cwd may predate a chdir(): re-read it while the task is alive */
		if (pt)
			(void)mon_proc_refresh_cwd(pt, p);
		base = p->cwd;
	}
	mon_path_join(base ? base : "/", path, out);
	return out->buf;
}

static void put_sockaddr(struct strbuf *sb, const struct ward_event *ev)
{
	char ip[64];
	strbuf_puts(sb, "sa_family=");
	mon_sock_domain(ev->sa_family, sb);
	switch (ev->sa_family) {
	case 1: /* AF_UNIX */
		strbuf_puts(sb, " sun_path=");
		strbuf_puts(sb, ev->unix_path ? ev->unix_path : "");
		break;
	case 2: /* AF_INET */
		strbuf_puts(sb, " sin_port=");
		strbuf_put_u64(sb, ev->port);
		strbuf_puts(sb, " sin_addr=");
		for (int i = 0; i < 4; i++) {
			if (i)
				strbuf_putc(sb, '.');
			strbuf_put_u64(sb, ev->addr[i]);
		}
		break;
	case 10: /* AF_INET6 */
		if (!inet_ntop(AF_INET6, ev->addr, ip, sizeof(ip)))
			ip[0] = '\0';
		strbuf_printf(sb, " sin_port=%u sin_addr=%s", ev->port, ip);
		break;
	default:
		break;
	}
}

static int is_write_open(uint32_t flags)
{
	return (flags & 03) != 0 || (flags & (0100 | 01000)) != 0; /* O_WRONLY/O_RDWR/CREAT/TRUNC */
}

/* File-class syscalls: Resource is the absolute path, Data per §3.5. */
static void build_file(struct mon_proc_table *pt, const struct ward_event *ev, struct mon_proc *p,
		       struct mon_scratch *s, struct ward_record *r, struct policy_event *pe)
{
	struct strbuf *d = &s->data;
	const char *abs = resolve_path(pt, ev, p, ev->path, &s->path);
	r->operation = "File";
	r->resource = abs;
	pe->op = POLICY_OP_FILE;
	pe->path = abs;
	put_syscall(d, ev->syscall_nr);
	switch (ev->syscall_nr) {
	case 2:	 /* open */
	case 85: /* creat */
		strbuf_puts(d, " flags=");
		mon_open_flags(ev->flags, d);
		pe->is_write = is_write_open(ev->flags);
		break;
	case 257: /* openat */
	case 437: /* openat2 */
		strbuf_puts(d, " fd=");
		strbuf_put_i64(d, ev->dirfd);
		strbuf_puts(d, " flags=");
		mon_open_flags(ev->flags, d);
		pe->is_write = is_write_open(ev->flags);
		break;
	case 263: /* unlinkat: "flags=" stays even when empty, as KubeArmor prints it */
		strbuf_puts(d, " flags=");
		if (ev->flags & 0x200)
			strbuf_puts(d, "AT_REMOVEDIR");
		pe->is_write = 1;
		break;
	case 92: /* chown */
	case 94: /* lchown */
		strbuf_printf(d, " userid=%d group=%d", ev->chown_uid, ev->chown_gid);
		pe->is_write = 1;
		break;
	case 260: /* fchownat */
		strbuf_printf(d, " userid=%d group=%d mode=%d", ev->chown_uid, ev->chown_gid,
			      (int32_t)ev->flags);
		pe->is_write = 1;
		break;
	case 90:  /* chmod */
	case 268: /* fchmodat */
	case 452: /* fchmodat2 */
	case 83:  /* mkdir */
	case 258: /* mkdirat */
		strbuf_printf(d, " mode=%o", ev->mode);
		pe->is_write = 1;
		break;
	case 82:  /* rename */
	case 264: /* renameat */
	case 316: /* renameat2 */
	case 86:  /* link */
	case 265: /* linkat */
	case 88:  /* symlink */
	case 266: /* symlinkat */
		if (ev->path2) {
			/* ward addition: the other name, resolved like the first */
			strbuf_reset(&s->tmp);
			strbuf_puts(d, " newname=");
			strbuf_puts(d, resolve_path(pt, ev, p, ev->path2, &s->tmp));
		}
		pe->is_write = 1;
		break;
	default: /* unlink, rmdir */
		pe->is_write = 1;
		break;
	}
	if (ev->has_owner) {
		pe->owner_uid = ev->owner_uid;
		pe->has_owner = 1;
	}
}

static void build_net(const struct ward_event *ev, struct mon_scratch *s, struct ward_record *r,
		      struct policy_event *pe)
{
	struct strbuf *res = &s->resource, *d = &s->data;
	r->operation = "Network";
	pe->op = POLICY_OP_NETWORK;
	/* events from the cgroup socket hooks stand for the syscall that triggered them */
	int nr = ev->syscall_nr;
	if (nr < 0)
		nr = ev->hook == 1 ? 41 : ev->hook == 2 || ev->hook == 3 ? 42 : nr;
	put_syscall(d, nr);
	switch (nr) {
	case 41: /* socket */
		strbuf_puts(res, "domain=");
		mon_sock_domain(ev->sock_domain, res);
		strbuf_puts(res, " type=");
		mon_sock_type(ev->sock_type, res);
		strbuf_puts(res, " protocol=");
		mon_ip_protocol(ev->sock_protocol, res);
		break;
	case 42:  /* connect */
	case 49:  /* bind */
	case 43:  /* accept: the peer's address */
	case 288: /* accept4 */
		put_sockaddr(res, ev);
		strbuf_puts(d, " fd=");
		strbuf_put_i64(d, ev->fd);
		break;
	default: /* listen */
		strbuf_puts(d, " fd=");
		strbuf_put_i64(d, ev->fd);
		break;
	}
	r->resource = res->len ? res->buf : "";
}

static void build_syscall(struct mon_proc_table *pt, const struct ward_event *ev,
			  struct mon_proc *p, struct mon_scratch *s, struct ward_record *r,
			  struct policy_event *pe)
{
	struct strbuf *d = &s->data;
	r->operation = "Syscall";
	pe->op = POLICY_OP_SYSCALL;
	put_syscall(d, ev->syscall_nr);
	switch (ev->syscall_nr) {
	case 105: /* setuid */
	case 106: /* setgid: KubeArmor prints userid= for both */
		strbuf_printf(d, " userid=%d", (int32_t)ev->arg_id);
		break;
	case 101: { /* ptrace: a Process record on the target */
		const char *target = "";
		struct mon_proc *tp = pt ? mon_proc_get(pt, ev->target_pid) : NULL;
		if (tp)
			target = tp->exe;
		r->operation = "Process";
		pe->op = POLICY_OP_PROCESS;
		strbuf_puts(&s->resource, target);
		r->resource = s->resource.buf;
		pe->path = r->resource;
		strbuf_puts(d, " request=");
		mon_ptrace_request(ev->ptrace_request, d);
		strbuf_printf(d, " pid=%u process=%s", ev->target_pid, target);
		break;
	}
	case 165: /* mount: KubeArmor always prints mountflag=0 (§3.5 quirk) */
		strbuf_printf(d, " source=%s target=%s filesystem=%s mountflag=0 data=",
			      ev->path ? ev->path : "",
			      resolve_path(pt, ev, p, ev->path2, &s->path),
			      ev->fstype ? ev->fstype : "");
		pe->path = s->path.len ? s->path.buf : NULL;
		break;
	case 166: /* umount2: always flag=0 */
		strbuf_printf(d, " target=%s flag=0", resolve_path(pt, ev, p, ev->path, &s->path));
		pe->path = s->path.len ? s->path.buf : ev->path;
		break;
	default:
		break;
	}
}

static void build_cap(const struct ward_event *ev, struct mon_scratch *s, struct ward_record *r,
		      struct policy_event *pe)
{
	r->operation = "Capabilities";
	pe->op = POLICY_OP_CAPABILITIES;
	pe->capability = ev->capability;
	mon_cap_name(ev->capability, &s->resource);
	r->resource = s->resource.buf;
	if (ev->syscall_nr >= 0)
		put_syscall(&s->data, ev->syscall_nr);
}

/* Resource of an exec: the image path and up to 20 arguments, "..." after (§3.5). */
static void build_exec(struct mon_proc_table *pt, const struct ward_event *ev, struct mon_proc *p,
		       const struct mon_proc *parent, struct mon_scratch *s, struct ward_record *r,
		       struct policy_event *pe)
{
	const char *exe =
		ev->exe && *ev->exe ? ev->exe : resolve_path(pt, ev, p, ev->path, &s->path);
	struct strbuf *res = &s->resource;
	r->operation = "Process";
	pe->op = POLICY_OP_PROCESS;
	strbuf_puts(res, exe);
	for (uint32_t i = 1; i < ev->argc && i < WARD_EV_MAX_ARGS; i++) {
		strbuf_putc(res, ' ');
		strbuf_puts(res, ev->argv[i] ? ev->argv[i] : "");
	}
	if (ev->argv_truncated)
		strbuf_puts(res, " ...");
	r->resource = res->buf;
	r->process_name = exe;
	pe->process = exe;
	pe->path = exe;
	put_syscall(&s->data, ev->syscall_nr >= 0 ? ev->syscall_nr : 59);
	if (ev->syscall_nr == 322)
		strbuf_printf(&s->data, " fd=%d flag=%s", ev->dirfd,
			      (ev->flags & 0x1100) == 0x1100 ? "AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW"
			      : (ev->flags & 0x100)	     ? "AT_EMPTY_PATH"
			      : (ev->flags & 0x1000)	     ? "AT_SYMLINK_NOFOLLOW"
							     : "0");
	/* Source of an exec is the parent's image (the shell that ran it) */
	const char *src = parent && parent->exe && *parent->exe ? parent->exe : "";
	r->source = src;
	r->parent_process_name = src;
	pe->source = src;
	pe->parent = src;
}

int mon_build_event(const struct mon_build_opts *o, struct mon_proc_table *pt,
		    const struct ward_event *ev, struct mon_proc *p, const struct mon_proc *parent,
		    struct mon_scratch *s, struct ward_record *ret, struct policy_event *ret_pe)
{
	struct ward_record r;
	struct policy_event pe;
	memset(&r, 0, sizeof(r));
	memset(&pe, 0, sizeof(pe));
	strbuf_reset(&s->resource);
	strbuf_reset(&s->data);
	strbuf_reset(&s->path);
	strbuf_reset(&s->source);
	strbuf_reset(&s->cwd);

	r.ts_ns = ev->ts_ns;
	r.present = RECORD_HAS_TIMESTAMP | RECORD_HAS_UPDATED_TIME;
	r.cluster_name = o->cluster;
	r.host_name = o->hostname;
	r.extra_json = o->extra_json;
	r.host_pid = (int32_t)ev->host_pid;
	r.host_ppid = (int32_t)ev->host_ppid;
	r.pid = (int32_t)ev->pid;
	r.ppid = (int32_t)ev->ppid;
	r.uid = (int32_t)ev->uid;

	const struct mon_container *ct = p ? p->ct : NULL;
	/* KubeArmor: a host task's PPID is reported as 0 when it equals HostPPID */
	if (!ct && r.ppid == r.host_ppid)
		r.ppid = 0;

	if (p) {
		r.process_name = p->exe;
		r.source = p->source;
	}
	if (parent)
		r.parent_process_name = parent->exe;
	pe.process = r.process_name;
	pe.parent = r.parent_process_name;
	pe.source = r.source;
	pe.uid = ev->uid;

	switch (ev->kind) {
	case WARD_EV_EXEC:
		build_exec(pt, ev, p, parent, s, &r, &pe);
		break;
	case WARD_EV_FILE:
		build_file(pt, ev, p, s, &r, &pe);
		break;
	case WARD_EV_NET:
		build_net(ev, s, &r, &pe);
		break;
	case WARD_EV_CAP:
		build_cap(ev, s, &r, &pe);
		break;
	case WARD_EV_SYSCALL:
		build_syscall(pt, ev, p, s, &r, &pe);
		break;
	default:
		return -ENOENT;
	}
	r.data = s->data.buf ? s->data.buf : "";
	if (!r.resource)
		r.resource = "";
	r.result = mon_result(ev->retval, s->result, sizeof(s->result));
	pe.result = ev->retval >= 0 ? 0 : (int32_t)ev->retval;
	pe.syscall_nr = ev->syscall_nr;

	/* Cwd with a trailing '/' (KubeArmor appends one; "/" stays "/") */
	const char *cwd = ev->cwd && *ev->cwd ? ev->cwd : p ? p->cwd : NULL;
	if (cwd && *cwd) {
		size_t n = strlen(cwd);
		if (cwd[n - 1] == '/') {
			r.cwd = cwd;
		} else {
			strbuf_append(&s->cwd, cwd, n);
			strbuf_putc(&s->cwd, '/');
			r.cwd = s->cwd.buf;
		}
	}
	r.tty = ev->tty && *ev->tty ? ev->tty : p && p->tty[0] ? p->tty : NULL;
	pe.has_tty = r.tty != NULL;

	/*
	 * ExecEvent as a current KubeArmor writes it: ExecID "0" and the task's comm outside an
	 * exec session; inside one (a container's exec, see proctab.c exec_session) the
	 * session's id and the comm of the program that started it.
	 */
	r.present |= RECORD_HAS_EXEC_EVENT;
	if (ct && p && p->exec_id) {
		snprintf(s->exec_id, sizeof(s->exec_id), "%llu", (unsigned long long)p->exec_id);
		r.exec_id = s->exec_id;
		r.executable_name = p->exec_name;
	} else {
		r.exec_id = "0";
		r.executable_name = ev->comm; /* NUL-terminated by the decoder */
	}
	if (ct) {
		r.container_id = ct->id;
		r.container_name = ct->name;
		r.container_image = ct->image;
		r.labels = ct->labels;
		r.namespace_name = ct->namespace_name;
		r.pod_name = ct->name;
	}
	if (strbuf_error(&s->resource) || strbuf_error(&s->data) || strbuf_error(&s->path) ||
	    strbuf_error(&s->cwd) || strbuf_error(&s->tmp))
		return -ENOMEM;
	*ret = r;
	*ret_pe = pe;
	return 0;
}

static const char *action_name(enum policy_action a)
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
	default:
		return NULL;
	}
}

int mon_apply_verdict(const struct mon_build_opts *o, const struct policy_verdict *v, int visible,
		      struct ward_record *rec)
{
	int container = rec->container_id && *rec->container_id;
	const char *log_type = container ? "ContainerLog" : "HostLog";
	if (!v || v->kind == POLICY_VERDICT_LOG) {
		rec->type = log_type;
		return visible;
	}
	if (v->kind == POLICY_VERDICT_DROP)
		return 0;
	int passed = rec->result && !strcmp(rec->result, "Passed");
	if (v->action == POLICY_ACTION_ALLOW && passed)
		return 0;
	/*
	 * With an enforcer running, its own record is the alert for Block and DefaultPosture
	 * decisions; the monitor's copy of the same event becomes a log (§3.6 de-duplication).
	 */
	if (o->enforcer_alerts &&
	    (v->default_posture ||
	     (v->action != POLICY_ACTION_AUDIT && v->action != POLICY_ACTION_AUDIT_BLOCK &&
	      v->action != POLICY_ACTION_AUDIT_ALLOW))) {
		rec->type = log_type;
		return visible;
	}
	rec->type = v->host ? "MatchedHostPolicy" : "MatchedPolicy";
	rec->action = action_name(v->action);
	rec->enforcer = "eBPF Monitor";
	if (v->default_posture || !v->rule) {
		rec->policy_name = "DefaultPosture";
	} else {
		rec->policy_name = v->rule->policy_name;
		rec->severity = v->rule->severity;
		rec->tags = v->rule->tags;
		rec->message = v->rule->message;
	}
	return 1;
}

void mon_build_drop(const struct mon_build_opts *o, int64_t ts_ns, const char *where, uint64_t lost,
		    uint64_t total, struct mon_scratch *s, struct ward_record *ret)
{
	struct ward_record r;
	memset(&r, 0, sizeof(r));
	strbuf_reset(&s->resource);
	strbuf_reset(&s->data);
	strbuf_reset(&s->tmp);
	r.ts_ns = ts_ns;
	r.present = RECORD_HAS_TIMESTAMP | RECORD_HAS_UPDATED_TIME;
	r.cluster_name = o->cluster;
	r.host_name = o->hostname;
	r.extra_json = o->extra_json;
	r.type = "SystemEvent";
	r.operation = "Drop";
	strbuf_puts(&s->resource, where);
	r.resource = s->resource.buf;
	strbuf_printf(&s->data, "lost=%llu total=%llu", (unsigned long long)lost,
		      (unsigned long long)total);
	r.data = s->data.buf;
	strbuf_printf(&s->tmp, "%llu events lost in the %s", (unsigned long long)lost, where);
	r.message = s->tmp.buf;
	r.result = "Passed";
	*ret = r;
}
