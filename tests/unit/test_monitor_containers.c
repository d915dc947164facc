/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: container identity from cgroup text, metadata from the runtime's inspect JSON,
 * and the whole lookup against a fake /proc and a fake Docker-compatible API on a unix socket.
 */
#include "support/ward_test.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/enrich.h"

#define ID "013ea36d4d47dd15521795cacb4a638b38e3ab5d62b6b917f4dc14c8d9591f55"

static void cgroup_paths_of_every_runtime_give_the_id(void **state)
{
	(void)state;
	static const char *const found[] = {
		"0::/machine.slice/libpod-" ID ".scope/container\n",
		"0::/system.slice/docker-" ID ".scope\n",
		"12:pids:/docker/" ID "\n0::/\n",
		"0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-" ID ".scope\n",
		"0::/kubepods/crio-" ID ".scope\n",
		"1:name=systemd:/machine.slice/libpod-" ID ".scope\n0::/\n",
	};
	static const char *const not_found[] = {
		"0::/\n",
		"4:memory:/process_api/6528e82ec161f6f09162cb1c74eec438\n",
		"0::/machine.slice/libpod-conmon-" ID ".scope\n",
		"0::/user.slice/user-0.slice/session-3.scope\n",
		"",
	};
	char id[65];
	for (size_t i = 0; i < WARD_ARRAY_SIZE(found); i++) {
		memset(id, 0, sizeof(id));
		assert_int_equal(mon_cgroup_container_id(found[i], id), 0);
		assert_string_equal(id, ID);
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(not_found); i++)
		assert_int_equal(mon_cgroup_container_id(not_found[i], id), -ENOENT);
}

static const char podman_inspect[] =
	"{\"Id\":\"" ID "\",\"Name\":\"/monitor-user-demo\",\"Image\":\"sha256:abc\","
	"\"Config\":{\"Image\":\"localhost/ward-busybox:latest\",\"Labels\":{\"app\":\"demo\","
	"\"kubearmor.io/namespace\":\"shop\",\"tier\":\"web\"}}}";

static void inspect_json_gives_name_image_labels_and_namespace(void **state)
{
	(void)state;
	struct mon_container c = { 0 };
	assert_int_equal(mon_ctr_parse_inspect(&c, podman_inspect, sizeof(podman_inspect) - 1), 0);
	assert_string_equal(c.name, "monitor-user-demo");
	assert_string_equal(c.image, "localhost/ward-busybox:latest");
	assert_string_equal(c.labels, "app=demo,kubearmor.io/namespace=shop,tier=web");
	assert_string_equal(c.namespace_name, "shop");
	assert_string_equal(c.label_list[0], "app=demo");
	assert_string_equal(c.label_list[2], "tier=web");
	assert_null(c.label_list[3]);
	/* no namespace label: container_namespace; no labels at all: empty */
	static const char plain[] =
		"{\"Name\":\"/x\",\"Config\":{\"Image\":\"busybox\",\"Labels\":null}}";
	assert_int_equal(mon_ctr_parse_inspect(&c, plain, sizeof(plain) - 1), 0);
	assert_string_equal(c.namespace_name, "container_namespace");
	assert_string_equal(c.labels, "");
	assert_null(c.label_list[0]);
	assert_int_equal(mon_ctr_parse_inspect(&c, "not json", 8), -EINVAL);
	assert_string_equal(c.name, "x"); /* unchanged by the failure */
	free(c.name);
	free(c.image);
	free(c.labels);
	free(c.namespace_name);
	free(c.label_list);
}

struct fake_api {
	int fd;
	int served;
	char request[512];
};

static void *serve(void *arg)
{
	struct fake_api *api = arg;
	int c = accept(api->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	ssize_t n = read(c, api->request, sizeof(api->request) - 1);
	api->request[n > 0 ? n : 0] = '\0';
	char resp[1024];
	int len = snprintf(resp, sizeof(resp),
			   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			   sizeof(podman_inspect) - 1, podman_inspect);
	if (write(c, resp, (size_t)len) == len)
		api->served = 1;
	close(c);
	return NULL;
}

static void lookup_reads_cgroup_once_and_asks_the_runtime_once(void **state)
{
	(void)state;
	char *tmp = ward_test_tmpdir();
	char path[PATH_MAX], sock[108];
	snprintf(path, sizeof(path), "%.1000s/777", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%.1000s/777/cgroup", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0::/machine.slice/libpod-" ID ".scope/container\n", f);
	fclose(f);
	snprintf(sock, sizeof(sock), "%.90s/api.sock", tmp);

	struct fake_api api = { 0 };
	api.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(api.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(api.fd, 4), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, serve, &api), 0);

	const char *const sockets[] = { "/nonexistent/docker.sock", sock, NULL };
	struct mon_ctr_table *t;
	assert_int_equal(mon_ctr_table_new(tmp, sockets, &t), 0);
	struct mon_container *c = mon_ctr_lookup(t, 4026532001u, 4026532002u, 777, 0);
	pthread_join(th, NULL);
	close(api.fd);
	assert_non_null(c);
	assert_int_equal(api.served, 1);
	assert_non_null(strstr(api.request, "GET /containers/" ID "/json"));
	assert_string_equal(c->id, ID);
	assert_string_equal(c->name, "monitor-user-demo");
	assert_string_equal(c->namespace_name, "shop");
	assert_int_equal(c->fetched, 1);
	/* cached: same pointer, no second request (the server is gone) */
	assert_ptr_equal(mon_ctr_lookup(t, 4026532001u, 4026532002u, 12345, 0), c);
	assert_int_equal(mon_ctr_count(t), 1);
	/* a pair whose task is in no container */
	snprintf(path, sizeof(path), "%.1000s/778", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%.1000s/778/cgroup", tmp);
	f = fopen(path, "w");
	fputs("0::/user.slice\n", f);
	fclose(f);
	assert_null(mon_ctr_lookup(t, 4026532003u, 4026532004u, 778, 0));
	assert_null(mon_ctr_lookup(t, 4026532003u, 4026532004u, 778, 0));
	assert_int_equal(mon_ctr_count(t), 1);
	mon_ctr_table_free(t, NULL);
	ward_test_rm_rf(tmp);
	free(tmp);
}

static void a_task_moved_into_the_container_cgroup_later_is_found(void **state)
{
	(void)state;
	char *tmp = ward_test_tmpdir();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%.1000s/900", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%.1000s/900/cgroup", tmp);
	FILE *f = fopen(path, "w");
	fputs("0::/user.slice\n", f); /* runc init before it joins the container's cgroup */
	fclose(f);
	const char *const sockets[] = { "/nonexistent/docker.sock", NULL };
	struct mon_ctr_table *t;
	assert_int_equal(mon_ctr_table_new(tmp, sockets, &t), 0);
	assert_null(mon_ctr_lookup(t, 4026532101u, 4026532102u, 900, 0));
	f = fopen(path, "w");
	fputs("0::/libpod_parent/libpod-" ID "\n", f);
	fclose(f);
	assert_null(mon_ctr_lookup(t, 4026532101u, 4026532102u, 900, 0)); /* not due yet */
	usleep(150 * 1000);
	struct mon_container *c = mon_ctr_lookup(t, 4026532101u, 4026532102u, 900, 0);
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	assert_true(c->fetched < 0); /* no runtime answered: known by id only */
	assert_string_equal(c->namespace_name, "container_namespace");
	/* another namespace pair of the same container shares the entry */
	assert_ptr_equal(mon_ctr_lookup(t, 4026532101u, 4026532199u, 900, 0), c);
	assert_int_equal(mon_ctr_count(t), 1);
	mon_ctr_table_free(t, NULL);
	ward_test_rm_rf(tmp);
	free(tmp);
}

#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* a reused namespace number: once its init exited, the next container's tasks are its own */
static void
a_pid_namespace_number_reused_after_its_init_exited_names_the_new_container(void **state)
{
	(void)state;
	char *tmp = ward_test_tmpdir();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%.1000s/910", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%.1000s/910/cgroup", tmp);
	FILE *f = fopen(path, "w");
	fputs("0::/libpod_parent/libpod-" ID "\n", f);
	fclose(f);
	const char *const sockets[] = { "/nonexistent/docker.sock", NULL };
	struct mon_ctr_table *t;
	assert_int_equal(mon_ctr_table_new(tmp, sockets, &t), 0);
	struct mon_container *first = mon_ctr_lookup(t, 4026532201u, 4026532202u, 910, 0);
	assert_non_null(first);
	assert_string_equal(first->id, ID);
	/* the first container is gone; a second one gets the same namespace numbers */
	f = fopen(path, "w");
	fputs("0::/libpod_parent/libpod-" ID2 "\n", f);
	fclose(f);
	assert_ptr_equal(mon_ctr_lookup(t, 4026532201u, 4026532202u, 910, 0), first); /* cached */
	mon_ctr_forget_pid_ns(t, 4026532201u);
	struct mon_container *second = mon_ctr_lookup(t, 4026532201u, 4026532202u, 910, 0);
	assert_non_null(second);
	assert_string_equal(second->id, ID2);
	assert_string_equal(first->id, ID); /* tasks that still point at the first keep it */
	assert_int_equal(mon_ctr_count(t), 2);
	mon_ctr_table_free(t, NULL);
	ward_test_rm_rf(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_paths_of_every_runtime_give_the_id),
		cmocka_unit_test(inspect_json_gives_name_image_labels_and_namespace),
		cmocka_unit_test(
			a_pid_namespace_number_reused_after_its_init_exited_names_the_new_container),
		cmocka_unit_test(lookup_reads_cgroup_once_and_asks_the_runtime_once),
		cmocka_unit_test(a_task_moved_into_the_container_cgroup_later_is_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
