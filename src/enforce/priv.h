/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv.h - state shared by the files of src/enforce/ (private; the interface is enforce.h).
 *
 * enforce.c owns struct enforce, the thread and records; fan.c the fanotify group and its
 * marks; net.c the cgroup BPF program; probe.c the back-end probes.
 */
#ifndef WARD_ENFORCE_PRIV_H
#define WARD_ENFORCE_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "enforce/enforce.h"

#define ENF_FOLD_SLOTS	   32
#define ENF_PATH_MAX	   4096
#define ENF_SRC_MAX	   4096
#define ENF_MAX_CONTAINERS 256
#define ENF_MAX_ALIASES	   1024

/* A block (or audit) about to become a record; fixed storage so it can wait to be folded. */
struct enf_rec {
	int64_t ts_ns;
	int32_t host_pid, host_ppid, pid, ppid, uid;
	uint32_t key_uid; /* the uid the fold key uses (known before the record is built) */
	uint32_t count;
	char type[24];
	char policy[256];
	char severity[8];
	char tags[512];
	char message[512];
	char operation[16];
	char action[24];
	char result[48];
	char enforcer[16];
	char process[ENF_PATH_MAX];
	char parent[ENF_PATH_MAX];
	char source[ENF_SRC_MAX];
	char resource[ENF_PATH_MAX];
	char data[256];
	char cwd[ENF_PATH_MAX];
	char tty[16];
	char comm[16]; /* the task's comm: ExecEvent.ExecutableName of a host record */
	char container_id[80];
	char container_name[128];
	char container_image[256];
	char namespace_name[128];
	char pod_name[128];
	char labels[1024];
};

struct enf_fold_slot {
	int used;
	uint64_t key;
	uint64_t key_anyuid; /* the key with uid 0 in place of the record's (enf_fold_pending()) */
	int64_t first_mono_ns;
	struct enf_rec *rec;
};

/* An inode marked under a rule's name that differs from its resolved path (symlinks). */
struct enf_alias {
	uint64_t dev, ino;
	char *path;
};

/* An inode an exact-path rule named (marked through its own, symlink-free name). */
struct enf_ino {
	uint64_t dev, ino;
	char *path;    /* NULL: free slot */
	int ambiguous; /* rules name it by two paths: its path is read per event */
};

struct enf_container {
	pid_t pid;
	const struct policy_scope *scope;
};

struct enf_net; /* Open flags spelled as the monitor spells them: "O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK". */
void enf_spell_flags(unsigned long flags, char *buf, size_t size);

/* net.c */
/* The protocol bits (1 << enum policy_proto) of socket(); the same as the BPF program's. */
uint32_t enf_classify(int family, int type, int protocol);

struct enforce {
	struct enforce_hooks hooks;
	struct enforce_opts opts;
	enforce_record_fn record;
	void *record_ctx;
	pid_t self;
	char host_name[256];

	pthread_mutex_t lock; /* hooks, marks and fold state vs enforce_update()/close() */
	pthread_t thread;
	int thread_started;
	int stop_fd;  /* eventfd: wakes the thread (update, close) */
	int stopping; /* set by enforce_close() */

	int fan_fd;    /* -1 when fanotify is not in use */
	int create_fd; /* FAN_CREATE notifications (who created what), -1 when none */
	int fan_any_exec, fan_any_open; /* an any-mark is placed for this class */
	struct enf_alias aliases[ENF_MAX_ALIASES];
	size_t n_aliases;
	/* (dev, ino) -> the rule's path, host root only: an exec of a marked file is decided
	 * from an fstat() of the event fd, without a readlink of it (open hashing, cap 2^k) */
	struct enf_ino *inos;
	size_t n_inos, cap_inos;
	struct enf_container containers[ENF_MAX_CONTAINERS];
	size_t n_containers;

	struct enf_net *net;
	int net_fd; /* ring buffer epoll fd, -1 when none */

	/* policy-set hooks (enforce_open) */
	const struct policy_set *set;
	int (*resolver)(void *ctx, pid_t tgid, struct enforce_workload *ret);
	void *resolver_ctx;

	/* per-tid ELF interpreter expected next (exec of ld.so is part of the same execve) */
	struct {
		pid_t tid;
		char interp[256];
	} interp[64];

	struct enf_fold_slot fold[ENF_FOLD_SLOTS];
	struct enforce_stats stats;
	uint32_t lat[ENFORCE_LATENCY_SAMPLES];	   /* ring of denied-event decision times, ns */
	uint32_t lat_cpu[ENFORCE_LATENCY_SAMPLES]; /* the same as thread CPU time */
	size_t n_lat;				   /* total ever written */
};

/* fan.c */
int enf_fan_setup(struct enforce *e, int *ret_fd, int *ret_create_fd);
void enf_fan_handle(struct enforce *e);
int enf_fan_mark_container(struct enforce *e, int fd, int create_fd, pid_t pid);
void enf_fan_free_inos(struct enforce *e);

/* Open flags spelled as the monitor spells them: "O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK". */
void enf_spell_flags(unsigned long flags, char *buf, size_t size);

/* net.c */
/* The protocol bits (1 << enum policy_proto) of socket(); the same as the BPF program's. */
uint32_t enf_classify(int family, int type, int protocol);
int enf_net_start(struct enforce *e);
int enf_net_fill(struct enforce *e);
int enf_net_fd(struct enforce *e);
void enf_net_poll(struct enforce *e);
void enf_net_stop(struct enforce *e);

/* enforce.c */
int64_t enf_mono_ns(void);
int64_t enf_real_ns(void);
void enf_emit(struct enforce *e, struct enf_rec *r);
void enf_fold_flush(struct enforce *e, int all);
/* The fold key of a record from its parts (see enf_emit()). */
uint64_t enf_fold_key(const char *type, const char *policy, const char *operation,
		      const char *process, const char *resource, const char *action,
		      const char *data, const char *container_id, uint32_t uid);
/* Is a record with this key_anyuid (the key with uid 0) pending in its fold window? */
int enf_fold_pending(struct enforce *e, uint64_t key_anyuid);
/* enf_fold_try() by key_anyuid (a repeat whose uid could not be read). */
int enf_fold_try_anyuid(struct enforce *e, uint64_t key_anyuid);
/* Count one more attempt into a pending identical record; 1 if there was one. */
int enf_fold_try(struct enforce *e, uint64_t key);
/* Fill the process part of @r (pids, uid, cwd, container) for task @tid; 0 or -errno. */
int enf_task_info(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid);
/* The same plus the task's pid in its own pid namespace (@ret_nspid may be NULL). */
int enf_task_info_ns(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid,
		     pid_t *ret_nspid);
/* enf_task_info_ns() reading "status" relative to @dirfd (an open /proc/TID, which fails
 * rather than reading another task once TID is reaped and reused); @dirfd < 0: by @tid. */
int enf_task_info_at(int dirfd, pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, uint32_t *ret_uid,
		     pid_t *ret_nspid);
void enf_copy(char *dst, size_t size, const char *src);
const struct policy_scope *enf_scope_for(struct enforce *e, pid_t tgid, struct enforce_workload *w);
void enf_rec_fill_verdict(struct enf_rec *r, const struct policy_verdict *v, int denied,
			  const char *enforcer, const char *result);
void enf_rec_fill_workload(struct enf_rec *r, const struct enforce_workload *w);

#endif
