/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c - which enforcer can work on this kernel, for `ward probe` and the agent's choice:
 * BPF-LSM when its programs load and attach (they are attached and detached at once), else
 * fanotify permission events for process/file and cgroup-v2 BPF for network/capabilities.
 * Probing leaves nothing behind: the fanotify group, BPF objects and links are closed.
 */
#include "enforce/priv.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "enforce_cgroup.skel.h"
#include "enforce_lsm.skel.h"

int enf_cgroup2_path(char *buf, size_t size); /* net.c */

static int probe_fanotify(uint64_t mask)
{
	int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_REPORT_TID, O_RDONLY);
	int r = 0;

	if (fd < 0)
		return -errno;
	/* a mark on an inode nobody opens through us: /proc/self/exe's target is fine */
	if (fanotify_mark(fd, FAN_MARK_ADD, mask, AT_FDCWD, "/proc/self/exe") < 0)
		r = -errno;
	close(fd);
	return r;
}

static int probe_cgroup(const char *cg)
{
	struct enforce_cgroup_bpf *skel;
	struct bpf_link *link;
	int fd, r = 0;

	fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	skel = enforce_cgroup_bpf__open_and_load();
	if (!skel) {
		r = errno ? -errno : -EINVAL;
		goto out;
	}
	/* the default entry is empty: attached for an instant, it denies nothing */
	link = bpf_program__attach_cgroup(skel->progs.enforce_sock_create, fd);
	if (!link)
		r = errno ? -errno : -EINVAL;
	bpf_link__destroy(link);
	enforce_cgroup_bpf__destroy(skel);
out:
	close(fd);
	return r;
}

static int probe_lsm(void)
{
	struct enforce_lsm_bpf *skel;
	int r;

	skel = enforce_lsm_bpf__open_and_load();
	if (!skel)
		return errno ? -errno : -EINVAL;
	/* maps are empty: the programs deny nothing while attached */
	r = enforce_lsm_bpf__attach(skel);
	enforce_lsm_bpf__destroy(skel);
	return r < 0 ? r : 0;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int enforce_probe(struct enforce_probe_result *ret)
{
	struct enforce_probe_result p;
	libbpf_print_fn_t old;
	int i;

	memset(&p, 0, sizeof(p));
	p.fanotify_exec = probe_fanotify(FAN_OPEN_EXEC_PERM);
	p.fanotify_open = probe_fanotify(FAN_OPEN_PERM);
	if (enf_cgroup2_path(p.cgroup_path, sizeof(p.cgroup_path)) < 0)
		p.cgroup_bpf = -ENOENT;
	old = libbpf_set_print(silent);
	if (p.cgroup_bpf == 0)
		p.cgroup_bpf = probe_cgroup(p.cgroup_path);
	p.bpf_lsm = probe_lsm();
	libbpf_set_print(old);
	for (i = 0; i < POLICY_OP_COUNT; i++)
		p.backend[i] = ENFORCE_BACKEND_NONE;
	if (p.bpf_lsm == 0) {
		p.backend[POLICY_OP_PROCESS] = p.backend[POLICY_OP_FILE] = ENFORCE_BACKEND_BPFLSM;
		p.backend[POLICY_OP_NETWORK] = p.backend[POLICY_OP_CAPABILITIES] =
			ENFORCE_BACKEND_BPFLSM;
	} else {
		if (p.fanotify_exec == 0)
			p.backend[POLICY_OP_PROCESS] = ENFORCE_BACKEND_FANOTIFY;
		if (p.fanotify_open == 0)
			p.backend[POLICY_OP_FILE] = ENFORCE_BACKEND_FANOTIFY;
		if (p.cgroup_bpf == 0)
			p.backend[POLICY_OP_NETWORK] = p.backend[POLICY_OP_CAPABILITIES] =
				ENFORCE_BACKEND_CGROUP_BPF;
	}
	*ret = p;
	return 0;
}
