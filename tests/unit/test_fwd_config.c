/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the `outputs:` config (fwd/config.c) and the per-output filter. */
#include "support/ward_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/fwd.h"
#include "record/record.h"

static struct fwd_config *parse_ok(const char *y)
{
	struct diag d;
	struct fwd_config *c = NULL;
	diag_init(&d);
	int rc = fwd_config_parse_string(y, strlen(y), "ward.yaml", &c, &d);
	if (rc) {
		char buf[600];
		diag_format(&d.entries[0], buf, sizeof(buf));
		fail_msg("unexpected error: %s", buf);
	}
	diag_done(&d);
	return c;
}

static void expect_error(const char *y, const char *want)
{
	struct diag d;
	struct fwd_config *c = NULL;
	char buf[600];
	diag_init(&d);
	assert_int_equal(fwd_config_parse_string(y, strlen(y), "ward.yaml", &c, &d), -EINVAL);
	assert_true(d.n >= 1);
	diag_format(&d.entries[0], buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("got '%s'\nwant '%s'", buf, want);
	assert_null(c);
	diag_done(&d);
}

static void design_example_outputs_parse_with_defaults(void **state)
{
	(void)state;
	struct fwd_config *c = parse_ok(
		"cluster: default\n"
		"hostname: node-1\n"
		"outputs:\n"
		"  - name: siem\n"
		"    type: syslog\n"
		"    address: tcp://127.0.0.1:514\n"
		"    format: cef\n"
		"    filter: {type: alert, min_severity: 1, operation: [Process, File, Network]}\n"
		"  - name: es\n"
		"    type: elasticsearch\n"
		"    url: http://127.0.0.1:9200\n"
		"    index: kubearmor-%Y.%m.%d\n"
		"    spool_max: 16MiB\n"
		"    spool_sync_ms: 0\n"
		"    filter: {where: ['Resource ~ passwd', 'HostPID > 10']}\n");
	assert_int_equal(c->n_outputs, 2);
	assert_string_equal(c->outputs[0].name, "siem");
	assert_int_equal(c->outputs[0].format, FORMAT_CEF);
	assert_int_equal(c->outputs[0].filter.type, 1);
	assert_int_equal(c->outputs[0].filter.min_severity, 1);
	assert_int_equal(c->outputs[0].filter.n_operations, 3);
	assert_int_equal(c->outputs[0].queue_size, 8192);
	assert_int_equal(c->outputs[0].spool_sync_ms, 1000);
	assert_int_equal(c->outputs[1].format, FORMAT_JSON);
	assert_int_equal(c->outputs[1].spool_max, 16u << 20);
	assert_int_equal(c->outputs[1].spool_sync_ms, 0);
	assert_string_equal(fwd_opt_str(&c->outputs[1], "index", NULL), "kubearmor-%Y.%m.%d");
	assert_int_equal(c->outputs[1].filter.n_where, 2);
	fwd_config_free(c);
}

static void missing_outputs_key_is_an_empty_config(void **state)
{
	(void)state;
	struct fwd_config *c = parse_ok("cluster: x\n");
	assert_int_equal(c->n_outputs, 0);
	fwd_config_free(c);
}

static void errors_carry_file_line_and_column(void **state)
{
	(void)state;
	expect_error("outputs:\n  - name: a\n    type: sislog\n",
		     "ward.yaml:3:11: error: unknown output type 'sislog' (one of syslog, hec, "
		     "elasticsearch, loki, clickhouse, kafka, webhook, file)");
	expect_error(
		"outputs:\n  - name: a\n    type: syslog\n    address: udp://h:1\n    tokn: x\n",
		"ward.yaml:5:5: error: unknown key 'tokn' for output type 'syslog'");
	expect_error(
		"outputs:\n  - name: a\n    type: elasticsearch\n    format: cef\n",
		"ward.yaml:2:5: error: output type 'elasticsearch' does not take format 'cef'");
	expect_error("outputs:\n  - name: a\n    type: file\n    filter: {type: alerts}\n",
		     "ward.yaml:4:20: error: 'alerts' is not one of alert, log, all");
	expect_error("outputs:\n  - name: a\n    type: file\n    filter: {where: 'HostNme = x'}\n",
		     "ward.yaml:4:21: error: unknown field 'HostNme' (did you mean 'HostName'?)");
	expect_error("outputs:\n  - type: file\n", "ward.yaml:2:5: error: output without 'name'");
	expect_error("outputs:\n  - {name: a, type: file}\n  - {name: a, type: file}\n",
		     "ward.yaml:3:5: error: duplicate output name 'a'");
	expect_error("outputs: [\n", "ward.yaml:2:1: error: did not find expected node content");
	expect_error("outputs:\n  - name: a\n    type: file\n    spool_max: lots\n",
		     "ward.yaml:4:16: error: 'spool_max' must be a size such as 64MiB");
	expect_error("outputs:\n  - name: a\n    type: file\n    spool_sync_ms: 1s\n",
		     "ward.yaml:4:20: error: 'spool_sync_ms' must be a non-negative integer");
}

static void filter_checks_type_severity_operation_and_where(void **state)
{
	(void)state;
	struct fwd_config *c = parse_ok(
		"outputs:\n  - name: a\n    type: file\n    path: /dev/null\n"
		"    filter: {type: alert, min_severity: 5, operation: [File], where: 'Resource ~ shadow'}\n");
	struct fwd_filter *f = &c->outputs[0].filter;
	struct ward_record r = { .type = "MatchedPolicy",
				 .severity = "7",
				 .operation = "File",
				 .resource = "/etc/shadow" };
	assert_true(fwd_filter_match(f, &r));
	r.severity = "4";
	assert_false(fwd_filter_match(f, &r));
	r.severity = "10";
	r.operation = "Process";
	assert_false(fwd_filter_match(f, &r));
	r.operation = "File";
	r.resource = "/etc/passwd";
	assert_false(fwd_filter_match(f, &r));
	r.resource = "/etc/shadow";
	r.type = "ContainerLog";
	assert_false(fwd_filter_match(f, &r));
	fwd_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(design_example_outputs_parse_with_defaults),
		cmocka_unit_test(missing_outputs_key_is_an_empty_config),
		cmocka_unit_test(errors_carry_file_line_and_column),
		cmocka_unit_test(filter_checks_type_severity_operation_and_where),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
