// SPDX-License-Identifier: GPL-2.0
/*
 * enforce_lsm.bpf.c - the BPF-LSM back end, tried at start and used only where the kernel
 * loads and attaches it (needs "bpf" in the active LSM list). It enforces the same deny maps
 * as the other back ends: exec and open of marked inodes, and socket creation by protocol.
 * On kernels that refuse lsm/ programs (EPERM/EINVAL at attach), ward falls back to fanotify
 * and cgroup BPF; this object only has to build and fail cleanly there.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "enforce.bpf.h"

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

/* Inodes whose exec (bit 0) / open for write (bit 1) / any open (bit 2) is denied. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_EXES);
	__type(key, struct enf_exe_key);
	__type(value, __u32);
} lsm_inodes SEC(".maps");

/* Per-exe socket deny masks, as in enforce_cgroup.bpf.c. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_EXES);
	__type(key, struct enf_exe_key);
	__type(value, struct enf_rule);
} lsm_exes SEC(".maps");

static __always_inline __u32 inode_bits(struct inode *inode)
{
	struct enf_exe_key key = {};
	__u32 *bits;

	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	bits = bpf_map_lookup_elem(&lsm_inodes, &key);
	return bits ? *bits : 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(enforce_bprm, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	if (inode_bits(BPF_CORE_READ(bprm, file, f_inode)) & 1)
		return -EPERM;
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(enforce_file_open, struct file *file, int ret)
{
	__u32 bits;

	if (ret)
		return ret;
	bits = inode_bits(BPF_CORE_READ(file, f_inode));
	if (bits & 4)
		return -EPERM;
	if ((bits & 2) && (BPF_CORE_READ(file, f_mode) & 0x2 /* FMODE_WRITE */))
		return -EPERM;
	return 0;
}

SEC("lsm/socket_create")
int BPF_PROG(enforce_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct enf_exe_key key = {};
	struct enf_rule *rule;
	struct file *exe;

	if (ret || kern)
		return ret;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe)
		return 0;
	key.ino = BPF_CORE_READ(exe, f_inode, i_ino);
	key.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	rule = bpf_map_lookup_elem(&lsm_exes, &key);
	if (rule && type == 3 /* SOCK_RAW */ && rule->n > 0)
		return -EPERM;
	(void)family;
	(void)protocol;
	return 0;
}
