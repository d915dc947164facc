/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden-file tests of every body format (src/format/): fixed records -> exact bytes in
 * tests/data/golden/<record>.<format>. WARD_UPDATE_GOLDEN=1 rewrites the files (review the diff).
 * The escaping cases are also asserted inline so a wrong golden cannot hide them.
 */
#include "support/ward_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "format/format.h"
#include "record/record.h"

static const struct ward_record seed1 = {
	.ts_ns = 1717156232123456000LL,
	.cluster_name = "wsl-ubuntu",
	.host_name = "ubuntu-2gb-hel1-2",
	.host_ppid = 130025,
	.host_pid = 130034,
	.pid = 130034,
	.parent_process_name = "/usr/bin/bash",
	.process_name = "/usr/bin/ps",
	.policy_name = "ksp-discovery-process-discovery",
	.severity = "5",
	.tags = "MITRE,Discovery",
	.message = "Someone accessed running process",
	.type = "MatchedHostPolicy",
	.source = "/usr/bin/bash",
	.operation = "Process",
	.resource = "/usr/bin/ps",
	.data = "syscall=SYS_EXECVE",
	.enforcer = "eBPF Monitor",
	.action = "Audit",
	.result = "Passed",
	.cwd = "/root/",
	.tty = "pts1",
};

/* Every character each format must escape, in header and value positions. */
static const struct ward_record hostile = {
	.ts_ns = 1724233502123000000LL,
	.cluster_name = "c1",
	.host_name = "node 1\n",
	.namespace_name = "wp",
	.pod_name = "wp-1",
	.container_id = "0123456789abcdef",
	.container_name = "wordpress",
	.container_image = "docker.io/library/wordpress:latest",
	.host_ppid = 251,
	.host_pid = 266,
	.ppid = 1,
	.pid = 7,
	.uid = 33,
	.parent_process_name = "/bin/bash",
	.process_name = "/bin/cat",
	.policy_name = "block|pipe\\back",
	.severity = "8",
	.message = "a|b=c\\d\nnew]\"q\ttab",
	.type = "MatchedPolicy",
	.source = "/bin/cat /tmp/x=y",
	.operation = "File",
	.resource = "/tmp/we|ird=na\\me]\"\r\n",
	.data = "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY",
	.enforcer = "fanotify",
	.action = "Block",
	.result = "Operation not permitted",
};

static const struct ward_record netlog = {
	.ts_ns = 1724233502000000000LL,
	.cluster_name = "default",
	.host_name = "node-1",
	.host_ppid = 1,
	.host_pid = 900,
	.process_name = "/usr/bin/curl",
	.type = "HostLog",
	.source = "/usr/bin/curl example.org",
	.operation = "Network",
	.resource = "remoteip=93.184.216.34 port=443 protocol=TCP",
	.data = "kprobe=tcp_connect domain=AF_INET",
	.result = "Passed",
};

static int write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(s, 1, n, f);
	return fclose(f) || w != n ? -1 : 0;
}

static void check_golden(const char *name, const char *got, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/data/golden/%s", ward_test_top(), name);
	if (getenv("WARD_UPDATE_GOLDEN")) {
		assert_int_equal(write_file(path, got, len), 0);
		return;
	}
	size_t glen = 0;
	char *want = ward_test_read_file(path, &glen);
	if (!want)
		fail_msg("missing golden file %s", path);
	if (glen != len || memcmp(want, got, len))
		fail_msg("%s differs:\n got: %s\nwant: %s", name, got, want);
	free(want);
}

static void golden(const struct ward_record *r, const char *stem)
{
	static const struct {
		enum format_kind k;
		const char *ext;
	} kinds[] = { { FORMAT_JSON, "json" },
		      { FORMAT_CEF, "cef" },
		      { FORMAT_LEEF, "leef" },
		      { FORMAT_OCSF, "ocsf.json" },
		      { FORMAT_RFC5424, "txt" } };
	struct strbuf sb;
	char name[128];
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		strbuf_reset(&sb);
		assert_int_equal(format_record(kinds[i].k, r, &sb), 0);
		strbuf_putc(&sb, '\n');
		snprintf(name, sizeof(name), "%s.%s", stem, kinds[i].ext);
		check_golden(name, sb.buf, sb.len);
	}
	/* the syslog line with a CEF body, as the syslog output sends it */
	struct strbuf body;
	strbuf_init(&body);
	assert_int_equal(format_cef(r, &body), 0);
	strbuf_reset(&sb);
	struct format_syslog_opts o = { .app_name = "ward", .facility = -1 };
	assert_int_equal(format_rfc5424(r, &o, body.buf, body.len, &sb), 0);
	strbuf_putc(&sb, '\n');
	snprintf(name, sizeof(name), "%s.rfc5424-cef", stem);
	check_golden(name, sb.buf, sb.len);
	strbuf_done(&body);
	strbuf_done(&sb);
}

static void seed_example_matches_golden_files_in_every_format(void **state)
{
	(void)state;
	golden(&seed1, "seed1");
}

static void hostile_characters_match_golden_files_in_every_format(void **state)
{
	(void)state;
	golden(&hostile, "hostile");
}

static void network_log_matches_golden_files_in_every_format(void **state)
{
	(void)state;
	golden(&netlog, "netlog");
}

static void cef_escapes_pipe_backslash_in_header_and_equals_newline_in_extension(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(format_cef(&hostile, &sb), 0);
	assert_non_null(strstr(sb.buf, "|block\\|pipe\\\\back|a\\|b=c\\\\d\nnew]\"q\ttab|8|"));
	assert_non_null(strstr(sb.buf, " msg=a|b\\=c\\\\d\\nnew]\"q\ttab "));
	assert_non_null(strstr(sb.buf, " filePath=/tmp/we|ird\\=na\\\\me]\"\\r\\n "));
	strbuf_done(&sb);
}

static void sd_param_escapes_quote_backslash_and_bracket(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	struct format_syslog_opts o = { .facility = -1 };
	assert_int_equal(format_rfc5424(&hostile, &o, "x", 1, &sb), 0);
	assert_non_null(strstr(sb.buf, " resource=\"/tmp/we|ird=na\\\\me\\]\\\"\r\n\""));
	/* severity 8 -> err(3), facility authpriv(10): PRI 83; the newline in HOSTNAME becomes '_' */
	assert_int_equal(
		strncmp(sb.buf,
			"<83>1 2024-08-21T09:45:02.123000Z node_1_ ward 266 MatchedPolicy [ward@32473 ",
			77),
		0);
	strbuf_done(&sb);
}

static void leef_escapes_tab_delimiter_and_equals(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(format_leef(&hostile, &sb), 0);
	assert_non_null(strstr(sb.buf, "\tmsg=a|b\\=c\\\\d\\nnew]\"q\\ttab\t"));
	assert_int_equal(
		strncmp(sb.buf,
			"LEEF:1.0|ward|ward|0.1|block\\|pipe\\\\back|devTime=1724233502123\t", 63),
		0);
	strbuf_done(&sb);
}

static void ocsf_maps_block_to_denied_blocked_and_audit_to_detected(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(format_ocsf(&hostile, &sb), 0);
	assert_non_null(strstr(
		sb.buf,
		"{\"class_uid\":1001,\"category_uid\":1,\"activity_id\":14,\"type_uid\":100114,"));
	assert_non_null(strstr(sb.buf, "\"action_id\":2,\"disposition_id\":2,\"is_alert\":true"));
	strbuf_reset(&sb);
	assert_int_equal(format_ocsf(&seed1, &sb), 0);
	assert_non_null(strstr(
		sb.buf,
		"\"class_uid\":1007,\"category_uid\":1,\"activity_id\":1,\"type_uid\":100701,"));
	assert_non_null(strstr(sb.buf, "\"action_id\":1,\"disposition_id\":15,"));
	strbuf_reset(&sb);
	assert_int_equal(format_ocsf(&netlog, &sb), 0);
	assert_non_null(strstr(
		sb.buf,
		"\"class_uid\":4001,\"category_uid\":4,\"activity_id\":1,\"type_uid\":400101,"));
	assert_non_null(strstr(sb.buf, "\"dst_endpoint\":{\"ip\":\"93.184.216.34\",\"port\":443}"));
	strbuf_done(&sb);
}

static void unescapers_invert_escapers(void **state)
{
	(void)state;
	const char *s = "a|b=c\\d\nnew]\"q\ttab\r";
	size_t n = strlen(s);
	struct strbuf e, d;
	strbuf_init(&e);
	strbuf_init(&d);
	format_cef_escape_ext(&e, s, n);
	assert_int_equal(format_cef_unescape(&d, e.buf, e.len), 0);
	assert_string_equal(d.buf, s);
	strbuf_reset(&e);
	strbuf_reset(&d);
	format_sd_escape(&e, s, n);
	assert_int_equal(format_sd_unescape(&d, e.buf, e.len), 0);
	assert_string_equal(d.buf, s);
	strbuf_reset(&e);
	strbuf_reset(&d);
	format_leef_escape_value(&e, s, n);
	assert_int_equal(format_leef_unescape(&d, e.buf, e.len), 0);
	assert_string_equal(d.buf, s);
	assert_int_equal(format_cef_unescape(&d, "x\\", 2), -EINVAL);
	strbuf_done(&e);
	strbuf_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_example_matches_golden_files_in_every_format),
		cmocka_unit_test(hostile_characters_match_golden_files_in_every_format),
		cmocka_unit_test(network_log_matches_golden_files_in_every_format),
		cmocka_unit_test(
			cef_escapes_pipe_backslash_in_header_and_equals_newline_in_extension),
		cmocka_unit_test(sd_param_escapes_quote_backslash_and_bracket),
		cmocka_unit_test(leef_escapes_tab_delimiter_and_equals),
		cmocka_unit_test(ocsf_maps_block_to_denied_blocked_and_audit_to_detected),
		cmocka_unit_test(unescapers_invert_escapers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
