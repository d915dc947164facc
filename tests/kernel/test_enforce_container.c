/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_enforce_container.c - seed example 3 in a podman container: a KubeArmorPolicy-style
 * rule (container scope only) blocks writes below /usr/lib/ (recursive, readOnly). Inside the
 * container `touch /usr/lib/test_file` fails and `ls /usr/lib` works; the host can still write
 * below its own /usr/lib. The image is built locally from busybox-static plus GNU touch (so
 * Data spells the seed's flags); the container is labelled app=fim-demo. The container's
 * identity here comes from a small resolver over `podman inspect` (the agent uses the
 * monitor's container table). Container and image are removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "enforce/enforce.h"
#include "kernel/enforce_rules.h"
#include "record/record.h"
#include "support/rec_collect.h"
#include "support/ward_test.h"

/* Runs a shell command; its output (stdout+stderr) into @out. Returns the exit status. */
static int sh(const char *cmd, char *out, size_t size)
{
	char full[4096], scratch[4096];
	FILE *p;
	size_t len = 0, n;
	int st;

	if (!out) {
		out = scratch;
		size = sizeof(scratch);
	}
	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	while ((n = fread(len + 1 < size ? out + len : scratch, 1,
			  len + 1 < size ? size - 1 - len : sizeof(scratch), p)) > 0)
		if (len + 1 < size)
			len += n;
	out[len] = '\0';
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The hooks' ctx: the rule table first (tdecide() and friends read it), then the container. */
struct ctr {
	struct tpolicy pol;
	char name[64], image[128], id[80], labels[256];
	pid_t pid;
	struct enforce *e;
};

static struct ctr C;

static int resolve(void *ctx, pid_t tid, struct enforce_workload *ret)
{
	struct ctr *c = ctx;
	char path[64], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if (!strstr(buf, c->id))
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	ret->scope = (const struct policy_scope *)&c->pol.container_token;
	ret->container_id = c->id;
	ret->container_name = c->name;
	ret->container_image = c->image;
	ret->namespace_name = "container_namespace";
	ret->pod_name = c->name;
	ret->labels = c->labels;
	return 0;
}

static void container_write_below_usr_lib_is_blocked_like_seed_example_3(void **state)
{
	char out[4096], cmd[2048], tmpl[] = "/tmp/ward-enforce-img-XXXXXX", hostfile[128];
	static struct trule rules[2];
	char helper[1024];
	const char *build = getenv("WARD_BUILD");
	struct ctr *cp = &C;
	struct enforce_hooks h;
	struct enforce_opts opts;
	const char *any[] = { "/nonexistent-ward-any/.", NULL };
	int r, fd;

	(void)state;
#define c (*cp)
	c.pol.rules = rules;
	c.pol.n = 2;
	snprintf(helper, sizeof(helper), "%s/%s/tests/helpers/enforce_socket", ward_test_top(),
		 build && *build ? build : "build");
	WARD_REQUIRE(sh("podman --version", NULL, 0) == 0, "podman");
	assert_non_null(mkdtemp(tmpl));
	snprintf(c.name, sizeof(c.name), "enforce-fim-%d", (int)getpid());
	snprintf(c.image, sizeof(c.image), "localhost/ward-enforce-fim:%d", (int)getpid());
	/* image: busybox-static applets, GNU touch with its libc, some files under /usr/lib */
	snprintf(
		cmd, sizeof(cmd),
		"set -e; cd %s; mkdir -p bin usr/bin usr/lib/sub lib/x86_64-linux-gnu lib64 tmp; "
		"cp /bin/busybox bin/; for a in sh ls cat sleep; do ln -s busybox bin/$a; done; "
		"cp /usr/bin/touch usr/bin/; cp %s usr/bin/sock; cp /lib/x86_64-linux-gnu/libc.so.6 "
		"lib/x86_64-linux-gnu/; cp /lib64/ld-linux-x86-64.so.2 lib64/; "
		"for l in $(ldd usr/bin/sock | grep -o '/[^ ]*'); do mkdir -p .$(dirname $l); "
		"cp -n $l .$l; done; "
		"echo lib > usr/lib/old; echo sub > usr/lib/sub/old; "
		"tar -c . | podman import -q - %s >/dev/null",
		tmpl, helper, c.image);
	r = sh(cmd, out, sizeof(out));
	ward_test_rm_rf(tmpl);
	WARD_REQUIRE(r == 0, "podman import of a local image");
	snprintf(cmd, sizeof(cmd),
		 "podman run -d --runtime runc --cap-add NET_RAW --name %s --label app=fim-demo %s "
		 "/bin/sleep 120",
		 c.name, c.image);
	r = sh(cmd, out, sizeof(out));
	if (r != 0)
		print_message("podman run: %s\n", out);
	WARD_REQUIRE(r == 0, "podman run --runtime runc");
	snprintf(cmd, sizeof(cmd), "podman inspect -f '{{.Id}} {{.State.Pid}}' %s", c.name);
	assert_int_equal(sh(cmd, out, sizeof(out)), 0);
	assert_int_equal(sscanf(out, "%79s %d", c.id, &c.pid), 2);
	snprintf(c.labels, sizeof(c.labels), "app=fim-demo");

	rules[0] = (struct trule){
		.op = POLICY_OP_FILE,
		.kind = POLICY_INTEREST_DIR_RECURSIVE,
		.value = "/usr/lib/",
		.read_only = 1,
		.action = POLICY_ACTION_BLOCK,
		.container = 1,
		.info = { .policy_name = "file-integrity-monitoring",
			  .severity = "1",
			  .tags = "NIST,NIST_800-53_AU-2,NIST_800-53_SI-4,MITRE,MITRE_T1036_masquerading",
			  .message = "Detected and prevented compromise to File integrity",
			  .action = POLICY_ACTION_BLOCK }
	};
	/* and raw sockets for one program of the container (cgroup BPF at the cgroup-v2 root:
	 * only this container's cgroup has entries, every other socket on the machine passes) */
	rules[1] = (struct trule){ .op = POLICY_OP_NETWORK,
				   .source = "/usr/bin/sock",
				   .protos = 1u << POLICY_PROTO_RAW,
				   .action = POLICY_ACTION_BLOCK,
				   .container = 1,
				   .info = { .policy_name = "no-raw-in-container" } };
	h = thooks(&c.pol);
	h.ctx = cp;
	h.resolve = resolve;
	enforce_opts_init(&opts);
	opts.fold_ms = 50;
	opts.any_marks = any;
	r = enforce_start(&h, &opts, on_record, NULL, &c.e);
	WARD_REQUIRE(r == 0, "fanotify permission events");
	assert_int_equal(enforce_add_container(c.e, c.pid,
					       (const struct policy_scope *)&c.pol.container_token),
			 0);

	snprintf(cmd, sizeof(cmd), "podman exec %s /usr/bin/touch /usr/lib/test_file", c.name);
	r = sh(cmd, out, sizeof(out));
	if (r == 0) {
		struct enforce_stats st;

		enforce_get_stats(c.e, &st);
		fail_msg("touch succeeded: events %llu denied %llu errors %llu records %zu",
			 (unsigned long long)st.perm_events, (unsigned long long)st.denied,
			 (unsigned long long)st.errors, recs_wait(1, 500));
	}
	assert_non_null(strstr(out, "Operation not permitted"));
	snprintf(cmd, sizeof(cmd), "podman exec %s /bin/ls /usr/lib", c.name);
	assert_int_equal(sh(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "old"));
	assert_null(strstr(out, "test_file"));
	snprintf(cmd, sizeof(cmd), "podman exec %s /bin/cat /usr/lib/sub/old", c.name);
	assert_int_equal(sh(cmd, out, sizeof(out)), 0);

	/* the host still writes below its own /usr/lib (a test-owned file, removed at once) */
	snprintf(hostfile, sizeof(hostfile), "/usr/lib/ward-enforce-test-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "/usr/bin/touch %s", hostfile);
	r = sh(cmd, out, sizeof(out));
	fd = access(hostfile, F_OK);
	unlink(hostfile);
	assert_int_equal(r, 0);
	assert_int_equal(fd, 0);

	assert_int_equal(recs_wait(1, 3000), 1);
	print_message("%s\n", recs[0]);
	assert_non_null(strstr(recs[0], "\"Type\":\"MatchedPolicy\""));
	assert_non_null(strstr(recs[0], "\"PolicyName\":\"file-integrity-monitoring\""));
	assert_non_null(strstr(recs[0], "\"Resource\":\"/usr/lib/test_file\""));
	assert_non_null(strstr(recs[0], "\"ProcessName\":\"/usr/bin/touch\""));
	assert_non_null(strstr(recs[0], "\"Source\":\"/usr/bin/touch /usr/lib/test_file\""));
	assert_non_null(strstr(
		recs[0],
		"\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK\""));
	assert_non_null(strstr(recs[0], "\"Action\":\"Block\""));
	assert_non_null(strstr(recs[0], "\"Result\":\"Operation not permitted\""));
	assert_non_null(strstr(recs[0], "\"Enforcer\":\"fanotify\""));
	assert_non_null(strstr(recs[0], "\"Labels\":\"app=fim-demo\""));
	assert_non_null(strstr(recs[0], "\"PPID\":0,")); /* podman exec: parent outside */
	assert_non_null(strstr(recs[0], "\"NamespaceName\":\"container_namespace\""));
	snprintf(cmd, sizeof(cmd), "\"ContainerID\":\"%s\"", c.id);
	assert_non_null(strstr(recs[0], cmd));
	snprintf(cmd, sizeof(cmd), "\"ContainerName\":\"%s\"", c.name);
	assert_non_null(strstr(recs[0], cmd));
	snprintf(cmd, sizeof(cmd), "\"ContainerImage\":\"%s\"", c.image);
	assert_non_null(strstr(recs[0], cmd));

	/* network: the container's program may not open a raw socket; tcp is fine; the same
	 * program on the host is not covered by the container's rule */
	snprintf(cmd, sizeof(cmd), "podman exec %s /usr/bin/sock raw", c.name);
	assert_int_equal(sh(cmd, out, sizeof(out)), 1);
	assert_string_equal(out, "Operation not permitted");
	snprintf(cmd, sizeof(cmd), "podman exec %s /usr/bin/sock tcp", c.name);
	assert_int_equal(sh(cmd, out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd), "%s raw", helper);
	assert_int_equal(sh(cmd, out, sizeof(out)), 0);
	if (recs_wait(2, 3000) != 2) {
		for (size_t i = 0; i < n_recs; i++)
			print_message("record %zu: %s\n", i, recs[i]);
		fail_msg("expected 2 records, got %zu", n_recs);
	}
	assert_non_null(strstr(recs[1], "\"PolicyName\":\"no-raw-in-container\""));
	assert_non_null(strstr(recs[1], "\"Enforcer\":\"cgroup-bpf\""));
	assert_non_null(strstr(recs[1], "\"Type\":\"MatchedPolicy\""));
	assert_non_null(strstr(recs[1], "\"ProcessName\":\"/usr/bin/sock\""));
	snprintf(cmd, sizeof(cmd), "\"ContainerName\":\"%s\"", c.name);
	assert_non_null(strstr(recs[1], cmd));

#undef c
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	enforce_close(C.e);
	C.e = NULL;
	if (C.name[0]) {
		snprintf(cmd, sizeof(cmd),
			 "podman rm -f -t 0 %s >/dev/null; podman rmi -f %s >/dev/null", C.name,
			 C.image);
		sh(cmd, NULL, 0);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			container_write_below_usr_lib_is_blocked_like_seed_example_3, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
