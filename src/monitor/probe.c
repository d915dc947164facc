/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c - `ward probe`: which monitor programs load and attach on this kernel, and the
 * prerequisites of the enforcers (fanotify permission events, cgroup v2, BPF-LSM).
 *
 * Each program is loaded alone (autoload off for the others), so one refused hook does not
 * hide the others; an attach is undone immediately, so probing leaves nothing behind.
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "common/strbuf.h"
#include "monitor/skel/skel_monitor.h"
#include "monitor/skel/skel_probe_lsm.h"

static const char *const prog_hooks[SKEL_MON_PROG_COUNT] = {
	[SKEL_MON_SCHED_EXEC] = "tp_btf/sched_process_exec",
	[SKEL_MON_SCHED_FORK] = "tp_btf/sched_process_fork",
	[SKEL_MON_SCHED_EXIT] = "tp_btf/sched_process_exit",
	[SKEL_MON_SYS_EXIT] = "tp_btf/sys_exit",
	[SKEL_MON_SOCK_CREATE] = "cgroup/sock_create",
	[SKEL_MON_CONNECT4] = "cgroup/connect4",
	[SKEL_MON_CONNECT6] = "cgroup/connect6",
	[SKEL_MON_CAP_CAPABLE] = "tp_btf/cap_capable",
};

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void find_cgroup2(char *buf, size_t len)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *me;

	buf[0] = '\0';
	if (!f)
		return;
	while ((me = getmntent(f)))
		if (!strcmp(me->mnt_type, "cgroup2") && strlen(me->mnt_dir) < len) {
			snprintf(buf, len, "%s", me->mnt_dir);
			break;
		}
	endmntent(f);
}

static void probe_prog(struct monitor_probe *p, enum skel_monitor_prog i, int cgfd)
{
	struct monitor_probe_prog *pp = &p->progs[p->n_progs++];
	struct skel_monitor_opts o = { .ringbuf_bytes = 64 << 10,
				       .wakeup_bytes = 4096,
				       .load_mask = 1u << i };
	struct skel_monitor *s = NULL;
	struct bpf_program *prog;
	struct bpf_link *l;
	int r;

	pp->name = skel_monitor_prog_name(i);
	pp->hook = prog_hooks[i];
	r = skel_monitor_load(&o, &s);
	if (r < 0) {
		pp->err = r;
		return;
	}
	pp->loads = 1;
	p->ringbuf = 1;
	prog = skel_monitor_prog(s, i);
	if (i == SKEL_MON_SOCK_CREATE || i == SKEL_MON_CONNECT4 || i == SKEL_MON_CONNECT6) {
		if (cgfd < 0) {
			pp->err = -ENOENT;
			goto out;
		}
		l = bpf_program__attach_cgroup(prog, cgfd);
	} else {
		l = bpf_program__attach(prog);
	}
	if (!l) {
		pp->err = -errno ? -errno : -EINVAL;
		goto out;
	}
	pp->attaches = 1;
	bpf_link__destroy(l);
out:
	skel_monitor_destroy(s);
}

/* A permission mark on a private temporary file: the cheapest proof the class works. */
static int probe_fanotify(void)
{
	char path[] = "/tmp/ward-probe-XXXXXX";
	int fd, tfd, r = 0;

	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	tfd = mkstemp(path);
	if (tfd < 0) {
		r = -errno;
		goto out;
	}
	if (fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM, AT_FDCWD, path) < 0)
		r = -errno;
	close(tfd);
	(void)unlink(path);
out:
	close(fd);
	return r;
}

int monitor_probe_run(struct monitor_probe *p)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct utsname u;
	char buf[256];
	FILE *f;
	int cgfd = -1, i;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0)
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	p->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	find_cgroup2(p->cgroup2, sizeof(p->cgroup2));
	if (p->cgroup2[0])
		cgfd = open(p->cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	p->monitor_ok = 1;
	for (i = 0; i < SKEL_MON_PROG_COUNT; i++) {
		probe_prog(p, i, cgfd);
		if (!p->progs[p->n_progs - 1].attaches &&
		    (i == SKEL_MON_SCHED_EXEC || i == SKEL_MON_SCHED_FORK ||
		     i == SKEL_MON_SCHED_EXIT))
			p->monitor_ok = 0;
	}
	if (cgfd >= 0)
		close(cgfd);

	p->fanotify_err = probe_fanotify();
	p->fanotify_perm = p->fanotify_err == 0;

	f = fopen("/sys/kernel/security/lsm", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			char *save = NULL, *tok;

			buf[strcspn(buf, "\n")] = '\0';
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				p->lsm_listed |= !strcmp(tok, "bpf");
		}
		fclose(f);
	}
	p->lsm_err = skel_probe_lsm_try(&p->lsm_loads, &p->lsm_attaches);
	libbpf_set_print(old);
	return 0;
}

static void put_bool(struct strbuf *sb, const char *key, int v, int comma)
{
	strbuf_printf(sb, "%s\"%s\":%s", comma ? "," : "", key, v ? "true" : "false");
}

static void put_str(struct strbuf *sb, const char *key, const char *v)
{
	strbuf_printf(sb, ",\"%s\":", key);
	strbuf_put_json_string(sb, v, strlen(v));
}

static void put_err(struct strbuf *sb, int err)
{
	if (err < 0) {
		strbuf_puts(sb, ",\"error\":");
		strbuf_put_json_string(sb, strerror(-err), strlen(strerror(-err)));
	}
}

int monitor_probe_to_json(const struct monitor_probe *p, struct strbuf *out)
{
	unsigned i;

	strbuf_puts(out, "{\"kernel\":");
	strbuf_put_json_string(out, p->kernel, strlen(p->kernel));
	put_bool(out, "btf", p->btf, 1);
	strbuf_puts(out, ",\"cgroup_v2\":");
	if (p->cgroup2[0])
		strbuf_put_json_string(out, p->cgroup2, strlen(p->cgroup2));
	else
		strbuf_puts(out, "null");
	put_bool(out, "ringbuf", p->ringbuf, 1);
	put_bool(out, "monitor", p->monitor_ok, 1);
	strbuf_puts(out, ",\"programs\":[");
	for (i = 0; i < p->n_progs; i++) {
		const struct monitor_probe_prog *pp = &p->progs[i];

		strbuf_printf(out, "%s{\"name\":", i ? "," : "");
		strbuf_put_json_string(out, pp->name, strlen(pp->name));
		put_str(out, "hook", pp->hook);
		put_bool(out, "loads", pp->loads, 1);
		put_bool(out, "attaches", pp->attaches, 1);
		put_err(out, pp->err);
		strbuf_putc(out, '}');
	}
	strbuf_puts(out, "],\"enforcers\":{\"fanotify\":{");
	put_bool(out, "permission_events", p->fanotify_perm, 0);
	put_err(out, p->fanotify_err);
	strbuf_puts(out, "},\"cgroup-bpf\":{");
	{
		int ok = 0;

		for (i = 0; i < p->n_progs; i++)
			if (!strcmp(p->progs[i].name, "ward_sock_create"))
				ok = p->progs[i].attaches;
		put_bool(out, "sock_create", ok, 0);
	}
	strbuf_puts(out, "},\"BPFLSM\":{");
	put_bool(out, "listed", p->lsm_listed, 0);
	put_bool(out, "loads", p->lsm_loads, 1);
	put_bool(out, "attaches", p->lsm_attaches, 1);
	put_err(out, p->lsm_err);
	strbuf_puts(out, "}}}");
	return strbuf_error(out) ? -ENOMEM : 0;
}
