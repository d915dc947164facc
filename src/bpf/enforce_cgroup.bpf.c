// SPDX-License-Identifier: GPL-2.0
/*
 * enforce_cgroup.bpf.c - network and capability (net_raw) Block for kernels without BPF-LSM:
 * cgroup/sock_create attached to a cgroup-v2 directory (the root in production) denies
 * socket() calls whose protocol bits are in the deny mask of the calling executable (looked up
 * by exe inode, else the default entry). User space fills the maps from policy decisions; the
 * kernel never interprets rules. Each denial is reported on the ring buffer for the record.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "enforce.bpf.h"

#define AF_INET	  2
#define AF_INET6  10
#define AF_PACKET 17

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_EXES);
	__type(key, struct enf_exe_key);
	__type(value, struct enf_rule);
} enf_exes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_rule);
} enf_default SEC(".maps");

/* Containers with rules: cgroup-v2 id → the rule for programs not in enf_exes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct enf_rule);
} enf_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_config);
} enf_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} enf_events SEC(".maps");

/* The rule names a socket(family, type, protocol) satisfies (cf. policy_proto_classify()). */
static __always_inline __u32 classify(int family, int type, int protocol)
{
	__u32 m = 0;

	if (family != AF_INET && family != AF_INET6 && family != AF_PACKET)
		return 0; /* unix, netlink, ...: never a protocol rule */
	if (family == AF_PACKET) {
		m |= 1u << ENF_PROTO_RAW;
		return m;
	}
	switch (type) {
	case 1: /* SOCK_STREAM */
		m |= 1u << ENF_PROTO_STREAM;
		if (protocol == 0 || protocol == 6)
			m |= 1u << ENF_PROTO_TCP;
		break;
	case 2: /* SOCK_DGRAM */
		m |= 1u << ENF_PROTO_DGRAM;
		if (protocol == 0 || protocol == 17)
			m |= 1u << ENF_PROTO_UDP;
		break;
	case 3: /* SOCK_RAW */
		m |= 1u << ENF_PROTO_RAW;
		break;
	case 4:
		m |= 1u << ENF_PROTO_RDM;
		break;
	case 5:
		m |= 1u << ENF_PROTO_SEQPACKET;
		break;
	case 6:
		m |= 1u << ENF_PROTO_DCCP;
		break;
	case 10:
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

SEC("cgroup/sock_create")
int enforce_sock_create(struct bpf_sock *sk)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct enf_exe_key key = {};
	struct enf_rule *rule;
	struct enf_config *cfg;
	struct enf_net_event *ev;
	struct file *exe;
	__u32 zero = 0, protos, denied;
	struct enf_rule *cg_rule;
	__u64 cgid;
	__u64 id = bpf_get_current_pid_tgid();

	protos = classify(sk->family, sk->type, sk->protocol);
	if (!protos)
		return 1;
	cfg = bpf_map_lookup_elem(&enf_config, &zero);
	if (cfg && cfg->self_tgid == (__u32)(id >> 32))
		return 1;

	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		key.ino = BPF_CORE_READ(exe, f_inode, i_ino);
		key.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	}
	/* a container's own rules first (its cgroup), else the host's */
	cgid = bpf_get_current_cgroup_id();
	cg_rule = bpf_map_lookup_elem(&enf_cgroups, &cgid);
	if (cg_rule) {
		key.cgid = cgid;
		rule = bpf_map_lookup_elem(&enf_exes, &key);
		if (!rule)
			rule = cg_rule;
	} else {
		cgid = 0;
		rule = bpf_map_lookup_elem(&enf_exes, &key);
		if (!rule)
			rule = bpf_map_lookup_elem(&enf_default, &zero);
	}
	if (!rule || !(rule->flags & ENF_RULE_SET))
		return 1;
	denied = 0;
	for (int i = 0; i < ENF_MAX_CLASSES; i++) {
		if (i >= rule->n)
			break;
		if (rule->denied[i] == protos) {
			denied = protos;
			break;
		}
	}
	if (!denied)
		return 1;

	ev = bpf_ringbuf_reserve(&enf_events, sizeof(*ev), 0);
	if (ev) {
		ev->ts_boot_ns = bpf_ktime_get_boot_ns();
		ev->tgid = id >> 32;
		ev->tid = (__u32)id;
		ev->uid = (__u32)bpf_get_current_uid_gid();
		ev->pad0 = 0;
		ev->family = sk->family;
		ev->type = sk->type;
		ev->protocol = sk->protocol;
		ev->protos = protos;
		ev->denied = denied;
		ev->exe_dev = key.dev;
		ev->exe_ino = key.ino;
		ev->cgid = cgid;
		bpf_get_current_comm(ev->comm, sizeof(ev->comm));
		bpf_ringbuf_submit(ev, 0);
	}
	return 0; /* socket() fails with EPERM */
}
