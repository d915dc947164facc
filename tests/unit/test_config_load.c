/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: ward.yaml (config/config.c): every key of design.md §7, defaults, errors. */
#include "support/ward_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "config/config.h"

static const char full[] = "cluster: prod\n"
			   "hostname: node-1\n"
			   "visibility: [process, file, network]\n"
			   "policies: /etc/ward/policies\n"
			   "store: {path: /var/lib/ward/ward.db, max_age: 30d, max_size: 10GiB}\n"
			   "extra_fields: {cluster_id: \"27273\", component_name: kubearmor}\n"
			   "ring_buffer: 64KiB\n"
			   "file_audit: syscall\n"
			   "enforcement: {on_error: deny, rt_priority: 10}\n"
			   "outputs:\n"
			   "  - name: siem\n"
			   "    type: syslog\n"
			   "    address: tcp://127.0.0.1:514\n"
			   "    format: cef\n";

static void every_design_key_is_read(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct ward_config *c;
	assert_int_equal(config_load_buffer("w.yaml", full, sizeof(full) - 1, &c, &d), 0);
	assert_string_equal(c->cluster, "prod");
	assert_string_equal(c->hostname, "node-1");
	assert_int_equal(c->visibility, CONFIG_VIS_PROCESS | CONFIG_VIS_FILE | CONFIG_VIS_NETWORK);
	assert_int_equal(c->n_policies, 1);
	assert_string_equal(c->policies[0], "/etc/ward/policies");
	assert_string_equal(c->store_path, "/var/lib/ward/ward.db");
	assert_int_equal(c->store_max_age, 30 * 86400);
	assert_int_equal(c->store_max_size, 10ull << 30);
	assert_string_equal(c->extra_json,
			    "\"cluster_id\":\"27273\",\"component_name\":\"kubearmor\"");
	assert_int_equal(c->n_outputs, 1);
	assert_int_equal(c->outputs_line, 11); /* the first entry */
	assert_int_equal(c->enforce_fail_closed, 1);
	assert_int_equal(c->enforce_rt_priority, 10);
	assert_int_equal(c->file_audit, CONFIG_FILE_AUDIT_SYSCALL);
	assert_int_equal(c->ring_buffer, 64 << 10);
	assert_string_equal(c->source_path, "w.yaml");
	config_free(c);
	diag_done(&d);
}

static void defaults_are_kubearmors(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct ward_config *c;
	assert_int_equal(config_load_buffer("empty.yaml", "", 0, &c, &d), 0);
	assert_string_equal(c->cluster, "default");
	assert_non_null(c->hostname);
	assert_null(strchr(c->hostname, '.'));
	assert_int_equal(c->visibility, CONFIG_VIS_ALL);
	assert_string_equal(c->policies[0], CONFIG_DEFAULT_POLICIES);
	assert_null(c->extra_json);
	assert_int_equal(c->file_audit, CONFIG_FILE_AUDIT_FANOTIFY);
	assert_int_equal(c->enforce_fail_closed, 0); /* fail-open */
	assert_int_equal(c->enforce_rt_priority, 0);
	config_free(c);
	/* a missing file at a path that need not exist: defaults */
	assert_int_equal(config_load_file("/nonexistent/ward.yaml", 0, &c, &d), 0);
	config_free(c);
	assert_int_equal(config_load_file("/nonexistent/ward.yaml", 1, &c, &d), -ENOENT);
	diag_done(&d);
}

static void visibility_words(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int ok;
		uint32_t bits;
	} cases[] = {
		{ "process,file,network,capabilities", 1, CONFIG_VIS_ALL },
		{ "none", 1, 0 },
		{ "file", 1, CONFIG_VIS_FILE },
		{ " network , process", 1, CONFIG_VIS_NETWORK | CONFIG_VIS_PROCESS },
		{ "files", 0, 0 },
		{ "", 0, 0 },
		{ "none,file", 0, 0 },
	};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		uint32_t v = 0xdead;
		int r = config_parse_visibility(cases[i].text, &v);
		assert_int_equal(r == 0, cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].bits);
	}
}

static void errors_say_where_and_suggest(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "clustr: x\n",
		  "w.yaml:1:1: error: unknown field 'clustr' (did you mean 'cluster'?)" },
		{ "cluster: x\nvisibility: [proces]\n",
		  "w.yaml:2:13: error: visibility 'proces': use any of process, file, network, capabilities, or none" },
		{ "store:\n  max_age: forever\n",
		  "w.yaml:2:12: error: store.max_age 'forever' is not a duration (e.g. 30d, 12h)" },
		{ "store: {pth: x}\n",
		  "w.yaml:1:9: error: unknown field 'store.pth' (store has path, max_age, max_size)" },
		{ "cluster: [a]\n", "w.yaml:1:10: error: 'cluster' must be a string" },
		{ "outputs: {a: 1}\n", "w.yaml:1:10: error: 'outputs' must be a list" },
		{ "a: [\n", "w.yaml:2:1: error: did not find expected node content" },
		{ "- a\n", "w.yaml:1:1: error: the configuration must be a mapping of keys" },
		{ "ring_buffer: 100KiB\n",
		  "w.yaml:1:14: error: ring_buffer '100KiB': a power of two from 64KiB to 1GiB" },
		{ "file_audit: hook\n",
		  "w.yaml:1:13: error: file_audit 'hook': fanotify or syscall" },
		{ "enforcement: {on_error: block}\n",
		  "w.yaml:1:25: error: enforcement.on_error 'block': allow or deny" },
		{ "enforcement:\n  rt_priority: 100\n",
		  "w.yaml:2:16: error: enforcement.rt_priority '100': 0 (off) to 99" },
		{ "enforcement: {fail: open}\n",
		  "w.yaml:1:15: error: unknown field 'enforcement.fail' (enforcement has on_error, rt_priority)" },
	};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		struct diag d;
		diag_init(&d);
		struct ward_config *c = NULL;
		assert_int_equal(
			config_load_buffer("w.yaml", cases[i].text, strlen(cases[i].text), &c, &d),
			-EINVAL);
		assert_null(c);
		assert_true(d.n >= 1);
		char buf[600];
		diag_format(&d.entries[0], buf, sizeof(buf));
		assert_string_equal(buf, cases[i].msg);
		diag_done(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_design_key_is_read),
		cmocka_unit_test(defaults_are_kubearmors),
		cmocka_unit_test(visibility_words),
		cmocka_unit_test(errors_say_where_and_suggest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
