/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.c - turn one untrusted ring-buffer record into a struct ward_event.
 *
 * The kernel side writes fixed layouts (src/bpf/events.h) but user space must not trust them:
 * a record may be short, its lengths may lie, strings may lack a NUL. Every field is copied
 * with bounds; a malformed record is rejected whole (-EINVAL) and counted by the caller.
 */
#include "monitor/decode.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define AT_FDCWD_VAL (-100)

void monitor_decoder_init(struct monitor_decoder *d)
{
	struct timespec rt, bt;

	memset(d, 0, sizeof(*d));
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	d->boot_to_real_ns =
		((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
}

/* Copy a fixed-size, maybe unterminated field into @dst (size @dst_size > @n). */
static const char *copy_str(char *dst, size_t dst_size, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	if (len >= dst_size)
		len = dst_size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

/*
 * Reverse a dentry walk (components leaf first, each NUL-terminated, @len bytes) into "/a/b".
 * Return: 0, or -EINVAL when the blob is not a sequence of non-empty terminated components.
 */
static int walk_to_path(char *dst, size_t dst_size, const char *blob, uint32_t len, uint32_t max)
{
	size_t starts[WARD_DPATH_DEPTH + 1], n = 0, pos = 0, out = 0;

	if (len > max)
		return -EINVAL;
	while (pos < len) {
		size_t l = strnlen(blob + pos, len - pos);

		if (l == 0 || pos + l >= len || n >= WARD_DPATH_DEPTH)
			return -EINVAL;
		starts[n++] = pos;
		pos += l + 1;
	}
	if (n == 0) {
		if (dst_size < 2)
			return -EINVAL;
		memcpy(dst, "/", 2);
		return 0;
	}
	while (n-- > 0) {
		size_t l = strlen(blob + starts[n]);

		if (out + 1 + l + 1 > dst_size)
			return -EINVAL;
		dst[out++] = '/';
		memcpy(dst + out, blob + starts[n], l);
		out += l;
	}
	dst[out] = '\0';
	return 0;
}

/* "@base/@rel" with leading "./" of @rel dropped; "@base" alone for "." or "". */
static void join_path(char *dst, size_t dst_size, const char *base, const char *rel)
{
	size_t bl, rl;

	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (!strcmp(rel, ".") || !rel[0])
		rel = "";
	bl = strlen(base);
	if (bl > 0 && base[bl - 1] == '/')
		bl--;
	rl = strlen(rel);
	if (bl + 1 + rl + 1 > dst_size) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, base, bl);
	if (rl) {
		dst[bl] = '/';
		memcpy(dst + bl + 1, rel, rl);
		dst[bl + 1 + rl] = '\0';
	} else {
		dst[bl] = '\0';
		if (bl == 0)
			memcpy(dst, "/", 2);
	}
}

static void decode_hdr(const struct monitor_decoder *d, const struct ward_kev_hdr *h,
		       struct ward_event *e)
{
	memset(e, 0, sizeof(*e));
	e->syscall_nr = -1;
	e->ts_ns = (int64_t)h->ts_ns + d->boot_to_real_ns;
	e->host_pid = h->host_pid;
	e->host_tid = h->host_tid;
	e->host_ppid = h->host_ppid;
	e->pid = h->pid;
	e->ppid = h->ppid;
	e->uid = h->uid;
	e->gid = h->gid;
	e->pid_ns = h->pid_ns;
	e->mnt_ns = h->mnt_ns;
	e->cgroup_id = h->cgroup_id;
	memcpy(e->comm, h->comm, sizeof(e->comm));
	e->comm[sizeof(e->comm) - 1] = '\0';
	e->dirfd = AT_FDCWD_VAL;
	e->fd = -1;
	e->chown_uid = -1;
	e->chown_gid = -1;
}

static int decode_exec(struct monitor_decoder *d, const struct ward_kev_exec *k,
		       struct ward_event *e)
{
	uint32_t pos = 0;

	if (k->args_len > WARD_ARGS_MAX || k->filename_len > WARD_PATH_MAX)
		return -EINVAL;
	if (walk_to_path(d->exe, sizeof(d->exe), k->exe, k->exe_len, WARD_DPATH_MAX) < 0 ||
	    walk_to_path(d->cwd, sizeof(d->cwd), k->cwd, k->cwd_len, WARD_DPATH_MAX) < 0)
		return -EINVAL;
	e->kind = WARD_EV_EXEC;
	e->syscall_nr = 59;
	e->exe = d->exe;
	e->cwd = d->cwd;
	e->path_truncated = k->exe_depth_hit != 0;
	e->path = copy_str(d->filename, sizeof(d->filename), k->filename, sizeof(k->filename));
	e->tty = copy_str(d->tty, sizeof(d->tty), k->tty, sizeof(k->tty));

	/* argv: NUL-separated; the last one may be cut by the kernel's copy limit. */
	memcpy(d->args, k->args, k->args_len);
	d->args[k->args_len] = '\0';
	while (pos < k->args_len) {
		size_t l = strlen(d->args + pos);

		if (e->argc == WARD_EV_MAX_ARGS) {
			e->argv_truncated = 1;
			break;
		}
		e->argv[e->argc++] = d->args + pos;
		pos += l + 1;
	}
	if (k->args_total > k->args_len)
		e->argv_truncated = 1;
	return 0;
}

uint32_t monitor_event_kind_of_syscall(uint32_t nr)
{
	switch (nr) {
	case 59:
	case 322:
		return WARD_EV_EXEC;
	case 2:
	case 257:
	case 437:
	case 87:
	case 263:
	case 84:
	case 82:
	case 264:
	case 316:
	case 90:
	case 268:
	case 452:
	case 92:
	case 94:
	case 260:
		return WARD_EV_FILE;
	case 41:
	case 42:
	case 43:
	case 288:
	case 49:
	case 50:
		return WARD_EV_NET;
	case 101:
	case 105:
	case 106:
	case 165:
	case 166:
		return WARD_EV_SYSCALL;
	default:
		return 0;
	}
}

static int decode_syscall(struct monitor_decoder *d, const struct ward_kev_syscall *k, size_t size,
			  struct ward_event *e)
{
	uint32_t kind = monitor_event_kind_of_syscall(k->nr);
	const __s64 *a = k->args;
	int has_base = size >= WARD_KEV_SYS_SIZE_BASE, has_p2 = size == WARD_KEV_SYS_SIZE_FULL;
	/* a path-only record carries just the bytes of the path that were read */
	size_t path_n = has_base ? sizeof(k->path) : size - WARD_KEV_SYS_SIZE_NOPATH;

	if (!kind)
		return -EPROTO;
	if (k->base_len > WARD_DPATH_MAX || k->path2_len > WARD_PATH_MAX ||
	    (!has_base && k->base_len) || (!has_p2 && k->path2_len))
		return -EINVAL;
	e->kind = kind;
	e->syscall_nr = (int32_t)k->nr;
	e->retval = k->retval;
	e->path_truncated = !!(k->flags & WARD_KSYS_PATH_TRUNC);
	e->path = copy_str(d->path, sizeof(d->path), k->path, path_n);
	if (has_p2)
		e->path2 = copy_str(d->path2, sizeof(d->path2), k->path2, sizeof(k->path2));
	if (k->flags & WARD_KSYS_HAS_OWNER) {
		e->owner_uid = k->owner_uid;
		e->has_owner = 1;
	}

	switch (k->nr) {
	case 2: /* open(path, flags, mode) */
		e->flags = (uint32_t)a[1];
		e->mode = (uint32_t)a[2];
		break;
	case 257: /* openat(dfd, path, flags, mode) */
	case 437: /* openat2: the kernel put how->flags/mode in args[2]/[3] */
		e->dirfd = (int32_t)a[0];
		e->flags = (uint32_t)a[2];
		e->mode = (uint32_t)a[3];
		break;
	case 263: /* unlinkat(dfd, path, flags) */
		e->dirfd = (int32_t)a[0];
		e->flags = (uint32_t)a[2];
		break;
	case 90: /* chmod(path, mode) */
		e->mode = (uint32_t)a[1];
		break;
	case 268: /* fchmodat(dfd, path, mode) */
	case 452: /* fchmodat2(dfd, path, mode, flags) */
		e->dirfd = (int32_t)a[0];
		e->mode = (uint32_t)a[2];
		e->flags = k->nr == 452 ? (uint32_t)a[3] : 0;
		break;
	case 92: /* chown(path, uid, gid) */
	case 94:
		e->chown_uid = (int32_t)a[1];
		e->chown_gid = (int32_t)a[2];
		break;
	case 260: /* fchownat(dfd, path, uid, gid, flags) */
		e->dirfd = (int32_t)a[0];
		e->chown_uid = (int32_t)a[2];
		e->chown_gid = (int32_t)a[3];
		e->flags = (uint32_t)a[4];
		break;
	case 264: /* renameat(odfd, old, ndfd, new) */
	case 316: /* renameat2(..., flags) */
		e->dirfd = (int32_t)a[0];
		e->flags = k->nr == 316 ? (uint32_t)a[4] : 0;
		break;
	case 322: /* execveat(dfd, path, argv, envp, flags) */
		e->dirfd = (int32_t)a[0];
		e->flags = (uint32_t)a[4];
		break;
	case 165: /* mount(source, target, fstype, flags, data) */
		e->flags = (uint32_t)a[3];
		if (has_base)
			e->fstype = copy_str(d->fstype, sizeof(d->fstype), k->base,
					     k->base_len < sizeof(k->base) ? k->base_len
									   : sizeof(k->base));
		break;
	case 166: /* umount2(target, flags) */
		e->flags = (uint32_t)a[1];
		break;
	case 105: /* setuid */
	case 106: /* setgid */
		e->arg_id = (uint32_t)a[0];
		break;
	case 101: /* ptrace(request, pid, ...) */
		e->ptrace_request = a[0];
		e->target_pid = (uint32_t)a[1];
		break;
	case 41: /* socket(domain, type, protocol) */
		e->sock_domain = (int32_t)a[0];
		e->sock_type = (int32_t)a[1];
		e->sock_protocol = (int32_t)a[2];
		e->path = NULL;
		break;
	case 42: /* connect / bind / listen / accept(fd, ...) */
	case 49:
	case 50:
	case 43:
	case 288:
		e->fd = (int32_t)a[0];
		e->sa_family = k->family;
		e->port = k->port;
		memcpy(e->addr, k->addr, sizeof(e->addr));
		e->unix_path = k->family == 1 && e->path[0] ? e->path : NULL;
		e->path = NULL;
		break;
	default:
		break;
	}

	/* Absolute forms of the paths (mount's base slot is the fstype, not a directory). */
	if (e->path && k->nr != 165 && kind != WARD_EV_NET) {
		if (e->path[0] == '/') {
			e->path_abs = e->path;
		} else if (has_base && k->base_len) {
			if (walk_to_path(d->base, sizeof(d->base), k->base, k->base_len,
					 WARD_DPATH_MAX) < 0)
				return -EINVAL;
			join_path(d->path_abs, sizeof(d->path_abs), d->base, e->path);
			e->path_abs = d->path_abs[0] ? d->path_abs : NULL;
		}
	}
	if (e->path2 && e->path2[0] == '/')
		e->path2_abs = e->path2;
	else if (e->path2 && k->nr != 165 && d->base[0] && has_base && k->base_len &&
		 (k->nr == 82 || (int32_t)a[2] == AT_FDCWD_VAL)) {
		/* rename: the target is relative to cwd (or newdirfd == AT_FDCWD): same base. */
		join_path(d->path2_abs, sizeof(d->path2_abs), d->base, e->path2);
		e->path2_abs = d->path2_abs[0] ? d->path2_abs : NULL;
	}
	if (kind == WARD_EV_EXEC) { /* a failed exec */
		e->exe = e->path_abs ? e->path_abs : e->path;
		e->argc = 0;
	}
	return 0;
}

static int decode_sock(const struct ward_kev_sock *k, struct ward_event *e)
{
	e->kind = WARD_EV_NET;
	e->hook = k->hook;
	e->sock_domain = (int32_t)k->family;
	e->sock_type = (int32_t)k->type;
	e->sock_protocol = (int32_t)k->protocol;
	switch (k->hook) {
	case WARD_KSOCK_CREATE:
		e->syscall_nr = 41;
		break;
	case WARD_KSOCK_CONNECT4:
	case WARD_KSOCK_CONNECT6:
		e->syscall_nr = 42;
		e->sa_family = (uint16_t)k->family;
		e->port = k->port;
		memcpy(e->addr, k->addr, sizeof(e->addr));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int monitor_decode(struct monitor_decoder *d, const void *data, size_t size, struct ward_event *ret)
{
	struct ward_kev_hdr h;
	struct ward_event e;
	int r;

	if (!data || size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.size != size || size > sizeof(d->raw))
		return -EINVAL;
	if ((uintptr_t)data % 8) {
		memcpy(d->raw, data, size);
		data = d->raw;
	}
	d->base[0] = '\0';
	decode_hdr(d, &h, &e);
	switch (h.type) {
	case WARD_KEV_EXEC:
		if (size != sizeof(struct ward_kev_exec))
			return -EINVAL;
		r = decode_exec(d, data, &e);
		break;
	case WARD_KEV_FORK: {
		const struct ward_kev_fork *k = data;

		if (size != sizeof(*k))
			return -EINVAL;
		e.kind = WARD_EV_FORK;
		e.child_pid = k->child_pid;
		e.child_tid = k->child_tid;
		r = 0;
		break;
	}
	case WARD_KEV_EXIT: {
		const struct ward_kev_exit *k = data;

		if (size != sizeof(*k))
			return -EINVAL;
		e.kind = WARD_EV_EXIT;
		e.exit_code = k->exit_code;
		r = 0;
		break;
	}
	case WARD_KEV_SYSCALL:
		if ((size < WARD_KEV_SYS_SIZE_NOPATH || size > WARD_KEV_SYS_SIZE_PATH) &&
		    size != WARD_KEV_SYS_SIZE_BASE && size != WARD_KEV_SYS_SIZE_FULL)
			return -EINVAL;
		r = decode_syscall(d, data, size, &e);
		break;
	case WARD_KEV_SOCK:
		if (size != sizeof(struct ward_kev_sock))
			return -EINVAL;
		r = decode_sock(data, &e);
		break;
	case WARD_KEV_CAP: {
		const struct ward_kev_cap *k = data;

		if (size != sizeof(*k))
			return -EINVAL;
		e.kind = WARD_EV_CAP;
		e.capability = k->cap;
		e.cap_ret = k->ret;
		e.retval = k->ret;
		r = 0;
		break;
	}
	default:
		return -EPROTO;
	}
	if (r < 0)
		return r;
	*ret = e;
	return 0;
}
