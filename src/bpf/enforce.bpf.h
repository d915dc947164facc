/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.bpf.h - the ABI between the cgroup BPF enforcer (enforce_cgroup.bpf.c) and user
 * space (src/enforce/net.c): map keys/values and the ring-buffer event of a denied socket.
 *
 * Protocol bits are (1u << enum policy_proto) from src/policy/policy.h; the numbers are
 * repeated here because BPF code cannot include user-space headers.
 */
#ifndef WARD_BPF_ENFORCE_BPF_H
#define WARD_BPF_ENFORCE_BPF_H

#define ENF_PROTO_TCP	    1
#define ENF_PROTO_UDP	    2
#define ENF_PROTO_ICMP	    3
#define ENF_PROTO_ICMPV6    4
#define ENF_PROTO_SCTP	    5
#define ENF_PROTO_RAW	    6
#define ENF_PROTO_STREAM    7
#define ENF_PROTO_DGRAM	    8
#define ENF_PROTO_RDM	    9
#define ENF_PROTO_SEQPACKET 10
#define ENF_PROTO_DCCP	    11
#define ENF_PROTO_PACKET    12

#define ENF_MAX_EXES 4096

/*
 * An executable: the kernel's s_dev encoding (major << 20 | minor) and inode number, within a
 * container's cgroup-v2 id (0 = host rules).
 */
struct enf_exe_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
	__u64 cgid;
};

#define ENF_MAX_CGROUPS 256

#define ENF_MAX_CLASSES 32

/*
 * Sockets denied for one executable (or, at index 0 of enf_default, for any other): a socket
 * is denied when its protocol bits (classify()) equal one of denied[0..n-1]. Whole masks, not
 * single bits, so an allow-list of "tcp" still lets a TCP|STREAM socket through.
 */
struct enf_rule {
	__u32 flags; /* ENF_RULE_* */
	__u32 n;
	__u32 denied[ENF_MAX_CLASSES];
};
#define ENF_RULE_SET 1u /* the default entry is in use */

struct enf_config {
	__u32 self_tgid; /* never deny the enforcer itself */
	__u32 pad;
};

/* A denied socket(), for the record. */
struct enf_net_event {
	__u64 ts_boot_ns;
	__u32 tgid, tid, uid, pad0;
	__s32 family, type, protocol;
	__u32 protos; /* bits this socket satisfied */
	__u32 denied; /* bits that were denied */
	__u32 exe_dev;
	__u64 exe_ino;
	__u64 cgid; /* the container's cgroup id when a container rule denied, else 0 */
	char comm[16];
};

#endif
