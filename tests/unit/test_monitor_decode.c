/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_monitor_decode.c - the ring-buffer decoder fed synthetic kernel records: exact field
 * mapping per record type, path reconstruction from dentry walks, and rejection of every kind
 * of malformed record (short, size mismatch, lying lengths, unterminated walks).
 */
#include "support/ward_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/decode.h"
#include "monitor/monitor.h"

static struct monitor_decoder dec;

static void fill_hdr(struct ward_kev_hdr *h, uint32_t type, uint32_t size)
{
	h->type = type;
	h->size = size;
	h->ts_ns = 1000;
	h->host_pid = 4242;
	h->host_tid = 4243;
	h->host_ppid = 1;
	h->pid = 42;
	h->ppid = 0;
	h->uid = 1000;
	h->gid = 100;
	h->pid_ns = 4026531836u;
	h->mnt_ns = 4026531841u;
	h->cgroup_id = 77;
	memcpy(h->comm, "bash", 5);
}

/* Write components leaf first, NUL-terminated, as the kernel walk does. */
static uint32_t put_walk(char *dst, const char *const *leaf_first, int n)
{
	uint32_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		size_t l = strlen(leaf_first[i]) + 1;

		memcpy(dst + off, leaf_first[i], l);
		off += l;
	}
	return off;
}

static struct ward_kev_exec *new_exec(void)
{
	static const char *const exe[] = { "ls", "bin", "usr" };
	static const char *const cwd[] = { "alice", "home" };
	static const char args[] = "ls\0-l\0/tmp";
	struct ward_kev_exec *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	fill_hdr(&k->hdr, WARD_KEV_EXEC, sizeof(*k));
	k->exe_len = put_walk(k->exe, exe, 3);
	k->cwd_len = put_walk(k->cwd, cwd, 2);
	strcpy(k->filename, "/bin/ls");
	k->filename_len = 8;
	memcpy(k->args, args, sizeof(args));
	k->args_len = sizeof(args);
	k->args_total = sizeof(args);
	strcpy(k->tty, "pts0");
	return k;
}

static void exec_record_decodes_every_field(void **state)
{
	struct ward_kev_exec *k = new_exec();
	struct ward_event e;

	(void)state;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), 0);
	assert_int_equal(e.kind, WARD_EV_EXEC);
	assert_int_equal(e.syscall_nr, 59);
	assert_string_equal(e.exe, "/usr/bin/ls");
	assert_string_equal(e.path, "/bin/ls");
	assert_string_equal(e.cwd, "/home/alice");
	assert_string_equal(e.tty, "pts0");
	assert_int_equal(e.argc, 3);
	assert_string_equal(e.argv[0], "ls");
	assert_string_equal(e.argv[1], "-l");
	assert_string_equal(e.argv[2], "/tmp");
	assert_int_equal(e.argv_truncated, 0);
	assert_int_equal(e.host_pid, 4242);
	assert_int_equal(e.host_tid, 4243);
	assert_int_equal(e.host_ppid, 1);
	assert_int_equal(e.pid, 42);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 100);
	assert_int_equal(e.pid_ns, 4026531836u);
	assert_int_equal(e.cgroup_id, 77);
	assert_string_equal(e.comm, "bash");
	assert_int_equal(e.ts_ns, 1000 + dec.boot_to_real_ns);
	free(k);
}

static void exec_with_more_than_twenty_args_is_truncated(void **state)
{
	struct ward_kev_exec *k = new_exec();
	struct ward_event e;
	uint32_t i, off = 0;

	(void)state;
	for (i = 0; i < 25; i++) {
		k->args[off++] = (char)('a' + i);
		k->args[off++] = '\0';
	}
	k->args_len = off;
	k->args_total = off;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), 0);
	assert_int_equal(e.argc, WARD_EV_MAX_ARGS);
	assert_int_equal(e.argv_truncated, 1);
	assert_string_equal(e.argv[19], "t");
	free(k);
}

static void exec_cut_by_the_kernel_copy_limit_is_marked_truncated(void **state)
{
	struct ward_kev_exec *k = new_exec();
	struct ward_event e;

	(void)state;
	memset(k->args, 'x', WARD_ARGS_MAX); /* one argument, no NUL: the copy cut it */
	k->args_len = WARD_ARGS_MAX;
	k->args_total = 5000;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), 0);
	assert_int_equal(e.argc, 1);
	assert_int_equal(strlen(e.argv[0]), WARD_ARGS_MAX);
	assert_int_equal(e.argv_truncated, 1);
	free(k);
}

static void root_cwd_is_a_single_slash(void **state)
{
	struct ward_kev_exec *k = new_exec();
	struct ward_event e;

	(void)state;
	k->cwd_len = 0;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), 0);
	assert_string_equal(e.cwd, "/");
	free(k);
}

static void malformed_records_are_rejected(void **state)
{
	struct ward_kev_exec *k = new_exec();
	struct ward_event e;

	(void)state;
	memset(&e, 0x5a, sizeof(e));
	assert_int_equal(monitor_decode(&dec, k, 10, &e), -EINVAL); /* shorter than a header */
	assert_int_equal(monitor_decode(&dec, NULL, 0, &e), -EINVAL);
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k) - 8, &e),
			 -EINVAL); /* size != hdr.size */
	k->hdr.size = sizeof(*k) - 8;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k) - 8, &e), -EINVAL); /* wrong for type */
	k->hdr.size = sizeof(*k);
	k->args_len = WARD_ARGS_MAX + 1;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), -EINVAL);
	k->args_len = 3;
	k->exe_len = WARD_DPATH_MAX + 1;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), -EINVAL);
	k->exe_len = 4; /* "ls\0b" - the last component is not terminated */
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), -EINVAL);
	k->exe[0] = '\0'; /* an empty component */
	k->exe_len = 1;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), -EINVAL);
	k->hdr.type = 99;
	assert_int_equal(monitor_decode(&dec, k, sizeof(*k), &e), -EPROTO);
	assert_int_equal(e.host_pid, 0x5a5a5a5a); /* untouched on failure */
	free(k);
}

static struct ward_kev_syscall *new_sys(uint32_t nr, size_t size)
{
	struct ward_kev_syscall *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	fill_hdr(&k->hdr, WARD_KEV_SYSCALL, (uint32_t)size);
	k->nr = nr;
	return k;
}

static void openat_of_a_relative_path_is_joined_with_the_walked_directory(void **state)
{
	static const char *const base[] = { "proj", "alice", "home" };
	struct ward_kev_syscall *k = new_sys(257, WARD_KEV_SYS_SIZE_BASE);
	struct ward_event e;

	(void)state;
	k->args[0] = -100;
	k->args[2] = O_WRONLY | O_CREAT;
	k->args[3] = 0644;
	k->retval = 3;
	k->flags = WARD_KSYS_HAS_OWNER;
	k->owner_uid = 1000;
	strcpy(k->path, "./src/main.c");
	k->base_len = put_walk(k->base, base, 3);
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_BASE, &e), 0);
	assert_int_equal(e.kind, WARD_EV_FILE);
	assert_int_equal(e.syscall_nr, 257);
	assert_int_equal(e.dirfd, -100);
	assert_int_equal(e.flags, O_WRONLY | O_CREAT);
	assert_int_equal(e.mode, 0644);
	assert_int_equal(e.retval, 3);
	assert_string_equal(e.path, "./src/main.c");
	assert_string_equal(e.path_abs, "/home/alice/proj/src/main.c");
	assert_int_equal(e.has_owner, 1);
	assert_int_equal(e.owner_uid, 1000);
	free(k);
}

/*
 * The kernel sends a path-only record cut after the path's NUL: the decoder must read no byte
 * past the record (an exact-size copy lets ASan check) and take every size from "no path" to
 * the full path field, but none between that and the sizes with a base.
 */
static void path_only_records_end_at_the_path(void **state)
{
	struct ward_kev_syscall *k = new_sys(257, 0);
	const char *p = "/tmp/ward-bench-file";
	struct ward_event e;
	size_t sizes[] = { WARD_KEV_SYS_SIZE_NOPATH + strlen(p) + 1, WARD_KEV_SYS_SIZE_NOPATH + 4,
			   WARD_KEV_SYS_SIZE_NOPATH };
	const char *want[] = { p, "/tmp", "" };

	(void)state;
	k->args[0] = -100;
	k->retval = 3;
	strcpy(k->path, p);
	for (size_t i = 0; i < 3; i++) {
		void *exact = malloc(sizes[i]);

		assert_non_null(exact);
		k->hdr.size = (uint32_t)sizes[i];
		memcpy(exact, k, sizes[i]);
		assert_int_equal(monitor_decode(&dec, exact, sizes[i], &e), 0);
		assert_int_equal(e.syscall_nr, 257);
		assert_string_equal(e.path, want[i]);
		free(exact);
	}
	k->hdr.size = WARD_KEV_SYS_SIZE_PATH + 8;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH + 8, &e), -EINVAL);
	k->hdr.size = WARD_KEV_SYS_SIZE_NOPATH - 8;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_NOPATH - 8, &e), -EINVAL);
	free(k);
}

static void absolute_paths_need_no_base_and_failures_keep_errno(void **state)
{
	struct ward_kev_syscall *k = new_sys(2, WARD_KEV_SYS_SIZE_PATH);
	struct ward_event e;

	(void)state;
	k->args[1] = O_RDONLY;
	k->retval = -ENOENT;
	strcpy(k->path, "/etc/nothing");
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), 0);
	assert_int_equal(e.syscall_nr, 2);
	assert_int_equal(e.retval, -ENOENT);
	assert_string_equal(e.path_abs, "/etc/nothing");
	assert_int_equal(e.has_owner, 0);
	free(k);
}

static void rename_and_chown_and_mount_map_their_arguments(void **state)
{
	static const char *const base[] = { "tmp" };
	struct ward_kev_syscall *k = new_sys(82, WARD_KEV_SYS_SIZE_FULL);
	struct ward_event e;

	(void)state;
	strcpy(k->path, "a");
	strcpy(k->path2, "b");
	k->path2_len = 2;
	k->base_len = put_walk(k->base, base, 1);
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_FULL, &e), 0);
	assert_string_equal(e.path_abs, "/tmp/a");
	assert_string_equal(e.path2_abs, "/tmp/b");
	free(k);

	k = new_sys(260, WARD_KEV_SYS_SIZE_PATH);
	k->args[0] = -100;
	k->args[2] = 1000;
	k->args[3] = -1;
	k->args[4] = 0x100;
	strcpy(k->path, "/srv/x");
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), 0);
	assert_int_equal(e.chown_uid, 1000);
	assert_int_equal(e.chown_gid, -1);
	assert_int_equal(e.flags, 0x100);
	free(k);

	k = new_sys(165, WARD_KEV_SYS_SIZE_FULL);
	strcpy(k->path, "none");
	strcpy(k->base, "tmpfs");
	k->base_len = 6;
	strcpy(k->path2, "/mnt/x");
	k->path2_len = 7;
	k->args[3] = 1;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_FULL, &e), 0);
	assert_int_equal(e.kind, WARD_EV_SYSCALL);
	assert_string_equal(e.path, "none");
	assert_string_equal(e.path2, "/mnt/x");
	assert_string_equal(e.fstype, "tmpfs");
	assert_int_equal(e.flags, 1);
	assert_null(e.path_abs); /* a mount source is not a file path */
	free(k);
}

static void setuid_ptrace_and_unix_connect_map_their_arguments(void **state)
{
	struct ward_kev_syscall *k = new_sys(105, WARD_KEV_SYS_SIZE_PATH);
	struct ward_event e;

	(void)state;
	k->args[0] = 0;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), 0);
	assert_int_equal(e.kind, WARD_EV_SYSCALL);
	assert_int_equal(e.arg_id, 0);
	k->nr = 101;
	k->args[0] = 16; /* PTRACE_ATTACH */
	k->args[1] = 777;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), 0);
	assert_int_equal(e.ptrace_request, 16);
	assert_int_equal(e.target_pid, 777);
	k->nr = 42;
	k->args[0] = 5;
	k->family = 1;
	k->flags = WARD_KSYS_HAS_ADDR;
	strcpy(k->path, "/run/x.sock");
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), 0);
	assert_int_equal(e.kind, WARD_EV_NET);
	assert_int_equal(e.fd, 5);
	assert_int_equal(e.sa_family, 1);
	assert_string_equal(e.unix_path, "/run/x.sock");
	assert_null(e.path);
	k->nr = 9999;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), -EPROTO);
	free(k);
}

static void syscall_lengths_that_do_not_fit_the_record_size_are_rejected(void **state)
{
	struct ward_kev_syscall *k = new_sys(257, WARD_KEV_SYS_SIZE_PATH);
	struct ward_event e;

	(void)state;
	k->base_len = 5; /* claims a base the record does not carry */
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), -EINVAL);
	k->base_len = 0;
	k->path2_len = 3;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH, &e), -EINVAL);
	k->hdr.size = WARD_KEV_SYS_SIZE_PATH + 4;
	assert_int_equal(monitor_decode(&dec, k, WARD_KEV_SYS_SIZE_PATH + 4, &e), -EINVAL);
	free(k);
}

static void socket_hooks_and_capabilities_decode(void **state)
{
	struct ward_kev_sock s = { 0 };
	struct ward_kev_cap c = { 0 };
	struct ward_event e;
	uint8_t lo[4] = { 127, 0, 0, 1 };

	(void)state;
	fill_hdr(&s.hdr, WARD_KEV_SOCK, sizeof(s));
	s.hook = WARD_KSOCK_CONNECT4;
	s.family = 2;
	s.type = 1;
	s.protocol = 6;
	s.port = 443;
	memcpy(s.addr, lo, 4);
	assert_int_equal(monitor_decode(&dec, &s, sizeof(s), &e), 0);
	assert_int_equal(e.kind, WARD_EV_NET);
	assert_int_equal(e.syscall_nr, 42);
	assert_int_equal(e.hook, 2);
	assert_int_equal(e.sa_family, 2);
	assert_int_equal(e.port, 443);
	assert_memory_equal(e.addr, lo, 4);
	s.hook = 77;
	assert_int_equal(monitor_decode(&dec, &s, sizeof(s), &e), -EINVAL);

	fill_hdr(&c.hdr, WARD_KEV_CAP, sizeof(c));
	c.cap = 13;
	c.ret = -EPERM;
	assert_int_equal(monitor_decode(&dec, &c, sizeof(c), &e), 0);
	assert_int_equal(e.kind, WARD_EV_CAP);
	assert_int_equal(e.capability, 13);
	assert_int_equal(e.cap_ret, -EPERM);
	assert_int_equal(e.retval, -EPERM);
}

static void misaligned_input_is_copied_before_use(void **state)
{
	struct ward_kev_cap c = { 0 };
	unsigned char *buf = malloc(sizeof(c) + 1);
	struct ward_event e;

	(void)state;
	assert_non_null(buf);
	fill_hdr(&c.hdr, WARD_KEV_CAP, sizeof(c));
	c.cap = 21;
	memcpy(buf + 1, &c, sizeof(c));
	assert_int_equal(monitor_decode(&dec, buf + 1, sizeof(c), &e), 0);
	assert_int_equal(e.capability, 21);
	free(buf);
}

static void path_hash_is_fnv1a_without_trailing_slashes(void **state)
{
	(void)state;
	assert_true(monitor_path_hash("a") == 0xaf63dc4c8601ec8cULL); /* FNV-1a 64 test vector */
	assert_true(monitor_path_hash("/etc/") == monitor_path_hash("/etc"));
	assert_true(monitor_path_hash("/etc") != monitor_path_hash("/etc/passwd"));
}

static int setup(void **state)
{
	(void)state;
	monitor_decoder_init(&dec);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_record_decodes_every_field),
		cmocka_unit_test(exec_with_more_than_twenty_args_is_truncated),
		cmocka_unit_test(exec_cut_by_the_kernel_copy_limit_is_marked_truncated),
		cmocka_unit_test(root_cwd_is_a_single_slash),
		cmocka_unit_test(malformed_records_are_rejected),
		cmocka_unit_test(openat_of_a_relative_path_is_joined_with_the_walked_directory),
		cmocka_unit_test(absolute_paths_need_no_base_and_failures_keep_errno),
		cmocka_unit_test(path_only_records_end_at_the_path),
		cmocka_unit_test(rename_and_chown_and_mount_map_their_arguments),
		cmocka_unit_test(setuid_ptrace_and_unix_connect_map_their_arguments),
		cmocka_unit_test(syscall_lengths_that_do_not_fit_the_record_size_are_rejected),
		cmocka_unit_test(socket_hooks_and_capabilities_decode),
		cmocka_unit_test(misaligned_input_is_copied_before_use),
		cmocka_unit_test(path_hash_is_fnv1a_without_trailing_slashes),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
