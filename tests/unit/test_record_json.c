/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the KubeArmor gRPC JSON writer (record/record.c). */
#include "support/ward_test.h"

#include <errno.h>

#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "record/record.h"

/* Seed example 1 (spec/seed-examples.md), in proto field order, as ward writes it. */
static void seed_example_1_serialises_in_proto_order(void **state)
{
	(void)state;
	struct ward_record r = {
		.ts_ns = 1717156232123456000LL,
		.cluster_name = "wsl-ubuntu",
		.host_name = "ubuntu-2gb-hel1-2",
		.host_ppid = 130025,
		.host_pid = 130034,
		.ppid = 0,
		.pid = 130034,
		.uid = 0,
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
		.extra_json = "\"cluster_id\":\"27273\"",
	};
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(&r, &sb), 0);
	assert_string_equal(
		sb.buf,
		"{\"Timestamp\":1717156232,\"UpdatedTime\":\"2024-05-31T11:50:32.123456Z\","
		"\"ClusterName\":\"wsl-ubuntu\",\"HostName\":\"ubuntu-2gb-hel1-2\","
		"\"HostPPID\":130025,\"HostPID\":130034,\"PPID\":0,\"PID\":130034,\"UID\":0,"
		"\"ParentProcessName\":\"/usr/bin/bash\",\"ProcessName\":\"/usr/bin/ps\","
		"\"PolicyName\":\"ksp-discovery-process-discovery\",\"Severity\":\"5\","
		"\"Tags\":\"MITRE,Discovery\",\"ATags\":[\"MITRE\",\"Discovery\"],"
		"\"Message\":\"Someone accessed running process\",\"Type\":\"MatchedHostPolicy\","
		"\"Source\":\"/usr/bin/bash\",\"Operation\":\"Process\",\"Resource\":\"/usr/bin/ps\","
		"\"Data\":\"syscall=SYS_EXECVE\",\"Enforcer\":\"eBPF Monitor\",\"Action\":\"Audit\","
		"\"Result\":\"Passed\",\"Cwd\":\"/root/\",\"TTY\":\"pts1\",\"cluster_id\":\"27273\"}");
	strbuf_done(&sb);
}

static void empty_fields_are_omitted_but_ppid_and_uid_kept(void **state)
{
	(void)state;
	struct ward_record r = { .ts_ns = 0, .present = RECORD_HAS_TIMESTAMP, .type = "HostLog" };
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(&r, &sb), 0);
	assert_string_equal(sb.buf, "{\"PPID\":0,\"UID\":0,\"Type\":\"HostLog\"}");
	strbuf_done(&sb);
}

static void field_lookup_accepts_both_forms_and_suggests(void **state)
{
	(void)state;
	assert_non_null(record_field_find("HostName"));
	assert_ptr_equal(record_field_find("hostName"), record_field_find("HOSTNAME"));
	assert_null(record_field_find("Hostnam"));
	assert_string_equal(record_field_suggest("Hostnam"), "HostName");
	assert_string_equal(record_field_suggest("Opration"), "Operation");
}

static void updated_time_is_exact_across_second_boundaries(void **state)
{
	(void)state;
	char buf[40];
	/* the per-thread cache of the formatted second must never leak into the next second */
	record_format_time(1717156232999999999LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-31T11:50:32.999999Z");
	record_format_time(1717156233000000000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-31T11:50:33.000000Z");
	record_format_time(1717156233000001000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-31T11:50:33.000001Z");
	record_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	record_format_time(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	record_format_time(1717156233000001000LL, buf, 11);
	assert_string_equal(buf, "2024-05-31");
}

static void extra_without_drops_one_key_and_keeps_the_rest(void **state)
{
	(void)state;
	struct strbuf out;
	strbuf_init(&out);
	assert_int_equal(
		record_extra_without("\"oid\":0,\"ATags\":[\"x\"],\"e\":{\"k\":\"a\\\"b\"}",
				     "ATags", &out),
		0);
	assert_string_equal(out.buf, "\"oid\":0,\"e\":{\"k\":\"a\\\"b\"}");
	assert_int_equal(record_extra_without("\"ATags\":null", "ATags", &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(record_extra_without("not json", "ATags", &out), -EINVAL);
	strbuf_done(&out);
}

/* RFC 8259 escaping one byte at a time, as simply as it can be written: the reference. */
static void ref_json_string(struct strbuf *sb, const char *s, size_t n)
{
	char u[8];
	strbuf_putc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			strbuf_putc(sb, '\\');
			strbuf_putc(sb, (char)c);
		} else if (c == '\n') {
			strbuf_puts(sb, "\\n");
		} else if (c == '\r') {
			strbuf_puts(sb, "\\r");
		} else if (c == '\t') {
			strbuf_puts(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			strbuf_puts(sb, u);
		} else {
			strbuf_putc(sb, (char)c);
		}
	}
	strbuf_putc(sb, '"');
}

/*
 * The writer escapes strings 8 bytes at a time (strbuf_json_string_at): every byte value, at
 * every position of words and tails of every length, must come out as the byte-at-a-time
 * reference writes it, through the record writer and through strbuf_put_json_string.
 */
static void strings_escape_like_the_reference_at_every_position(void **state)
{
	(void)state;
	struct strbuf got, want;
	strbuf_init(&got);
	strbuf_init(&want);
	char v[40];
	for (int c = 1; c < 256; c++) {
		for (size_t len = 1; len < sizeof(v); len++) {
			for (size_t pos = 0; pos < len; pos += (len > 20 ? 7 : 1)) {
				memset(v, 'a', len);
				v[len] = '\0';
				v[pos] = (char)c;
				struct ward_record r = { .present = RECORD_NO_ATAGS,
							 .resource = v };
				strbuf_reset(&got);
				assert_int_equal(record_to_json(&r, &got), 0);
				strbuf_reset(&want);
				strbuf_puts(&want, "{\"PPID\":0,\"UID\":0,\"Resource\":");
				ref_json_string(&want, v, len);
				strbuf_putc(&want, '}');
				assert_string_equal(got.buf, want.buf);
				assert_int_equal(got.len, want.len);
				strbuf_reset(&got);
				strbuf_reset(&want);
				strbuf_put_json_string(&got, v, len);
				ref_json_string(&want, v, len);
				assert_string_equal(got.buf, want.buf);
			}
		}
	}
	/* ATags are escaped the same way, element by element */
	struct ward_record r = { .present = RECORD_NO_ATAGS, .tags = "a\"b,\x01zzzzzzzzzz\x7f" };
	r.present = 0;
	r.ts_ns = 0;
	strbuf_reset(&got);
	assert_int_equal(record_to_json(&r, &got), 0);
	assert_non_null(strstr(got.buf, "\"ATags\":[\"a\\\"b\",\"\\u0001zzzzzzzzzz\\u007f\"]"));
	strbuf_done(&got);
	strbuf_done(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_example_1_serialises_in_proto_order),
		cmocka_unit_test(empty_fields_are_omitted_but_ppid_and_uid_kept),
		cmocka_unit_test(field_lookup_accepts_both_forms_and_suggests),
		cmocka_unit_test(updated_time_is_exact_across_second_boundaries),
		cmocka_unit_test(extra_without_drops_one_key_and_keeps_the_rest),
		cmocka_unit_test(strings_escape_like_the_reference_at_every_position),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
