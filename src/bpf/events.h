/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h - THE kernel <-> user-space ABI of ward's monitor (house style B4): the ring-buffer
 * record layouts, the shared limits, the read-only config and the map value layouts.
 *
 * Data path position: src/bpf/monitor.bpf.c writes these records into one ring buffer;
 * src/monitor/decode.c checks and turns each one into a struct ward_event. Every record starts
 * with struct ward_kev_hdr whose `size` equals the ring-buffer sample size; user space treats
 * records as untrusted-length input. Only fixed-size types; the _Static_asserts pin the layout
 * so gcc (user space) and clang -target bpf agree.
 */
#ifndef WARD_BPF_EVENTS_H
#define WARD_BPF_EVENTS_H

#ifndef __VMLINUX_H__ /* the BPF side already has every kernel type */
#include <linux/types.h>
#include <stddef.h>
#endif

#define WARD_COMM_LEN	  16
#define WARD_PATH_MAX	  256  /* a user path string (syscall argument), NUL included */
#define WARD_DPATH_MAX	  512  /* a dentry walk: components leaf first, each NUL-terminated */
#define WARD_DPATH_NAME	  255  /* longest component copied by the walk */
#define WARD_DPATH_HALF	  256  /* the walk stops before a component could start past this */
#define WARD_DPATH_DEPTH  24   /* components (mount crossings included) walked at most */
#define WARD_ARGS_MAX	  1024 /* argv bytes copied from the new image's mm (NUL-separated) */
#define WARD_TTY_LEN	  32
#define WARD_NR_MAX	  512	/* syscall numbers covered by the per-syscall switch map */
#define WARD_INTEREST_MAX 16384 /* entries of the path-interest map */

/* Record types (struct ward_kev_hdr.type). */
enum ward_kev_type {
	WARD_KEV_EXEC = 1,    /* sched_process_exec: a successful exec */
	WARD_KEV_FORK = 2,    /* sched_process_fork of a new process (not a thread) */
	WARD_KEV_EXIT = 3,    /* sched_process_exit of a thread-group leader */
	WARD_KEV_SYSCALL = 4, /* one traced syscall: entry arguments + return value */
	WARD_KEV_SOCK = 5,    /* cgroup socket hooks: socket() of AF_INET/6, connect4/6 */
	WARD_KEV_CAP = 6,     /* capability:cap_capable */
};

/* Operation classes: visibility switches and interest flags are bit masks of these. */
enum ward_kop {
	WARD_KOP_PROCESS = 1u << 0,
	WARD_KOP_FILE = 1u << 1,
	WARD_KOP_NETWORK = 1u << 2,
	WARD_KOP_CAPS = 1u << 3,
	WARD_KOP_SYSCALL = 1u << 4, /* setuid/setgid/ptrace/mount/umount2 */
};

/* Values of the path-interest map (a hash of the path string -> bit mask). */
enum ward_kinterest {
	WARD_KINT_EXACT = 1u << 0,   /* the path itself is named by a rule */
	WARD_KINT_DIR = 1u << 1,     /* a directory: its direct children */
	WARD_KINT_DIR_REC = 1u << 2, /* a directory: everything below it */
};

/* The per-syscall switch map (index = x86-64 syscall number). */
enum ward_kwant {
	WARD_WANT_CAPTURE = 1u << 0, /* capture this syscall */
	WARD_WANT_ALL = 1u << 1, /* every path matters (visibility on, glob or allow-list rule) */
};

/* struct ward_kev_syscall.flags */
enum ward_ksys_flags {
	WARD_KSYS_PATH_TRUNC = 1u << 0,
	WARD_KSYS_HAS_OWNER = 1u << 1,
	WARD_KSYS_HAS_ADDR = 1u << 2, /* addr/port/family filled (connect, bind, accept) */
};

/*
 * Read-only config (skel->rodata->cfg, set between open and load). Everything that changes at
 * run time lives in maps instead (visibility, ignored pids, interest, per-syscall switches).
 */
struct ward_bpf_cfg {
	__u32 wakeup_bytes; /* submit with BPF_RB_NO_WAKEUP until this much data is pending */
	__u32 debug;
};

/* Run-time switches (array map "wcfg", one entry). */
struct ward_bpf_rt {
	__u32 visibility;  /* enum ward_kop mask: operations reported for every path */
	__u32 interest;	   /* enum ward_kop mask: operations some rule names (see interest map) */
	__u32 cgroup_sock; /* cgroup/sock_create is attached: the syscall hook skips INET socket() */
	__u32 cgroup_connect; /* cgroup/connect4/6 are attached: the syscall hook skips INET connect() */
	__u32 track_only; /* report only thread groups in the "track" map (tests, benchmarks) */
	__u32 pad2;
};

struct ward_kev_hdr {
	__u32 type;  /* enum ward_kev_type */
	__u32 size;  /* whole record, header included == ring-buffer sample size */
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
	__u32 host_pid, host_tid, host_ppid; /* init pid namespace */
	__u32 pid, ppid;		     /* in the task's own pid namespace */
	__u32 uid, gid;
	__u32 pid_ns, mnt_ns;
	__u32 pad;
	__u64 cgroup_id;
	char comm[WARD_COMM_LEN];
};

/*
 * Exec: exe = dentry walk of bprm->file (absolute, symlinks resolved), cwd = walk of fs->pwd,
 * filename = bprm->filename as passed, args = NUL-separated argv from the new mm.
 */
struct ward_kev_exec {
	struct ward_kev_hdr hdr;
	__u32 exe_len, cwd_len, filename_len, args_len;
	__u32 args_total;    /* arg_end - arg_start (args_len < args_total: truncated) */
	__u32 exe_depth_hit; /* the exe/cwd walk stopped at WARD_DPATH_DEPTH (bit 0 exe, bit 1 cwd) */
	char tty[WARD_TTY_LEN];
	char exe[WARD_DPATH_MAX];
	char cwd[WARD_DPATH_MAX];
	char filename[WARD_PATH_MAX];
	char args[WARD_ARGS_MAX];
};

struct ward_kev_fork {
	struct ward_kev_hdr hdr;    /* of the parent */
	__u32 child_pid, child_tid; /* host pid (tgid) and tid of the child */
};

struct ward_kev_exit {
	struct ward_kev_hdr hdr;
	__s32 exit_code; /* task->exit_code (wait status) */
	__u32 pad;
};

/*
 * One syscall, from entry (arguments, user strings) and exit (return value). The record is
 * emitted with a variable size: the fixed part and `path`, then `base` when the path was
 * relative (the dentry walk of the directory it is relative to: cwd or dirfd), then `path2`
 * when the syscall has a second path (rename target, mount target). Sizes: _BASE, _FULL, or,
 * with neither, anything from WARD_KEV_SYS_SIZE_NOPATH (no path) to _PATH: the fixed part and
 * the bytes of `path` that were read, its NUL included (a full-size `path` may lack the NUL).
 */
struct ward_kev_syscall {
	struct ward_kev_hdr hdr;
	__s64 retval;
	__s64 args[6];	    /* raw register arguments */
	__u32 nr;	    /* x86-64 syscall number */
	__u32 flags;	    /* enum ward_ksys_flags */
	__u32 owner_uid;    /* inode owner of the opened file (open success) */
	__u16 family, port; /* port in host byte order */
	__u8 addr[16];
	__u32 base_len, path2_len;
	char path[WARD_PATH_MAX];  /* first path argument; AF_UNIX sun_path for connect/bind */
	char base[WARD_DPATH_MAX]; /* dentry walk of the directory (mount: the fstype string) */
	char path2[WARD_PATH_MAX]; /* rename/renameat target, mount target */
};

#define WARD_KEV_SYS_SIZE_NOPATH __builtin_offsetof(struct ward_kev_syscall, path)
#define WARD_KEV_SYS_SIZE_PATH	 __builtin_offsetof(struct ward_kev_syscall, base)
#define WARD_KEV_SYS_SIZE_BASE	 __builtin_offsetof(struct ward_kev_syscall, path2)
#define WARD_KEV_SYS_SIZE_FULL	 sizeof(struct ward_kev_syscall)

/* struct ward_kev_sock.hook */
enum ward_ksock_hook {
	WARD_KSOCK_CREATE = 1, /* cgroup/sock_create */
	WARD_KSOCK_CONNECT4 = 2,
	WARD_KSOCK_CONNECT6 = 3,
};

struct ward_kev_sock {
	struct ward_kev_hdr hdr;
	__u32 hook; /* enum ward_ksock_hook */
	__u32 family, type, protocol;
	__u16 port; /* host byte order */
	__u16 pad;
	__u8 addr[16];
	__u32 pad2;
};

struct ward_kev_cap {
	struct ward_kev_hdr hdr;
	__s32 cap;
	__s32 ret; /* 0 granted, -EPERM denied */
};

_Static_assert(sizeof(struct ward_kev_hdr) == 80, "ABI");
_Static_assert(__builtin_offsetof(struct ward_kev_hdr, cgroup_id) == 56, "ABI");
_Static_assert(sizeof(struct ward_kev_exec) == 80 + 24 + 32 + 512 + 512 + 256 + 1024, "ABI");
_Static_assert(sizeof(struct ward_kev_fork) == 88, "ABI");
_Static_assert(sizeof(struct ward_kev_exit) == 88, "ABI");
_Static_assert(__builtin_offsetof(struct ward_kev_syscall, path) ==
		       80 + 8 + 48 + 8 + 4 + 4 + 16 + 8,
	       "ABI");
_Static_assert(sizeof(struct ward_kev_syscall) == 176 + 256 + 512 + 256, "ABI");
_Static_assert(sizeof(struct ward_kev_sock) == 80 + 16 + 4 + 16 + 4, "ABI");
_Static_assert(sizeof(struct ward_kev_cap) == 88, "ABI");
_Static_assert(WARD_DPATH_HALF + WARD_DPATH_NAME <= WARD_DPATH_MAX, "walk bound");

#endif
