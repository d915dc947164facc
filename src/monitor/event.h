/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h - one decoded kernel event, in user space (private to src/monitor/ and its tests).
 *
 * Data path position: the ring-buffer decoder (decode.c) turns each untrusted kernel record
 * (src/bpf/events.h) into a struct ward_event; enrichment (process table, containers) and the
 * record builder (build.c) turn it into a struct ward_record. Strings point into the ring-buffer
 * sample or into the decoder's scratch and are valid only until the callback returns.
 */
#ifndef WARD_MONITOR_EVENT_H
#define WARD_MONITOR_EVENT_H

#include <stdint.h>

enum ward_ev_kind {
	WARD_EV_EXEC =
		1,    /* execve/execveat: success (sched_process_exec) or failure (syscall exit) */
	WARD_EV_FORK, /* process-tree bookkeeping only, no record */
	WARD_EV_EXIT, /* process-tree bookkeeping only, no record */
	WARD_EV_FILE, /* open/openat/openat2/unlink/unlinkat/rmdir/rename(at2)/chmod/chown... */
	WARD_EV_NET,  /* socket/connect/accept/bind/listen */
	WARD_EV_CAP,  /* capability use (cap_capable) */
	WARD_EV_SYSCALL, /* setuid/setgid/ptrace/mount/umount2 */
	WARD_EV_DROPS,	 /* the kernel's lost-event counters changed */
};

#define WARD_EV_MAX_ARGS 20 /* KubeArmor: at most 20 argv entries, "..." after */

struct ward_event {
	uint32_t kind;	    /* enum ward_ev_kind */
	int32_t syscall_nr; /* x86-64 syscall number (execve 59, openat 257, ...), -1 if none */
	int64_t ts_ns;	    /* CLOCK_REALTIME nanoseconds (decoder converts from boot time) */
	int64_t retval;	    /* syscall return; < 0 is -errno */
	uint32_t host_pid, host_tid, host_ppid; /* init pid namespace (tgid, tid, parent tgid) */
	uint32_t pid, ppid;			/* in the task's own pid namespace */
	uint32_t uid, gid;
	uint32_t pid_ns, mnt_ns; /* namespace inode numbers (host vs container) */
	uint64_t cgroup_id;
	char comm[16];

	/* WARD_EV_EXEC: the new image (absolute, symlinks resolved) and argv[0..argc-1];
	 * a failed exec has exe = the path as passed (made absolute when possible), argc 0 */
	const char *exe;
	const char *argv[WARD_EV_MAX_ARGS];
	uint32_t argc;		/* entries in argv[] */
	uint8_t argv_truncated; /* more than WARD_EV_MAX_ARGS arguments */

	/* WARD_EV_FILE / path-taking syscalls: the path as passed and, when known, resolved */
	const char *path;   /* as passed to the syscall (may be relative) */
	const char *path2;  /* rename target, mount target */
	const char *fstype; /* mount */
	int32_t dirfd;	    /* -100 = AT_FDCWD */
	uint32_t flags;	    /* open flags, AT_* flags, mount flags */
	uint32_t mode;
	uint32_t owner_uid; /* inode owner when the kernel read it (ownerOnly) */
	uint8_t has_owner;

	/* WARD_EV_NET */
	int32_t fd;
	int32_t sock_domain, sock_type, sock_protocol; /* socket() arguments */
	uint16_t sa_family;
	uint16_t port;	       /* host byte order */
	uint8_t addr[16];      /* IPv4 in the first 4 bytes, or IPv6 */
	const char *unix_path; /* AF_UNIX sun_path */

	/* WARD_EV_CAP */
	int32_t capability;

	/* WARD_EV_SYSCALL: setuid/setgid argument, ptrace request/target */
	uint32_t arg_id;
	int64_t ptrace_request;
	uint32_t target_pid;

	/* WARD_EV_DROPS */
	uint64_t lost; /* events lost since the previous WARD_EV_DROPS */

	/* Added by the monitor branch (kernel side); all optional, NULL/0 when unknown. */
	const char *cwd;	/* EXEC: the task's cwd, absolute, no trailing '/' ("/" for root) */
	const char *tty;	/* EXEC: controlling tty name ("pts0"), "" if none */
	const char *path_abs;	/* path made absolute: as is if absolute, else joined in the
				  decoder with the cwd/dirfd directory the kernel walked; NULL
				  when the kernel could not tell (then use /proc/PID/cwd) */
	const char *path2_abs;	/* the same for path2 */
	uint8_t path_truncated; /* a path or the cwd/exe walk hit a kernel limit */
	int32_t chown_uid, chown_gid;  /* chown/lchown/fchownat arguments (-1 = unchanged) */
	uint32_t child_pid, child_tid; /* WARD_EV_FORK: the new process (host ids) */
	int32_t exit_code;	       /* WARD_EV_EXIT: wait status */
	uint32_t
		hook; /* WARD_EV_NET from cgroup hooks: 1 socket, 2 connect4, 3 connect6; 0 = syscall */
	int32_t cap_ret; /* WARD_EV_CAP: 0 granted, -EPERM refused (retval holds the same) */
};

#endif
