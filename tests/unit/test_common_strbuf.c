/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: common/strbuf, common/parse, common/diag. */
#include "support/ward_test.h"

#include <errno.h>
#include <string.h>

#include "common/diag.h"
#include "common/parse.h"
#include "common/strbuf.h"

static void strbuf_grows_and_stays_terminated(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_puts(&sb, "abc");
	assert_int_equal(sb.len, 3000);
	assert_int_equal(sb.buf[3000], '\0');
	assert_int_equal(strbuf_error(&sb), 0);
	strbuf_done(&sb);
}

static void json_string_escapes_quotes_controls_and_backslash(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	const char in[] = "a\"b\\c\n\x01\x7f";
	strbuf_put_json_string(&sb, in, sizeof(in) - 1);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\u0001\\u007f\"");
	strbuf_done(&sb);
}

static void integers_print_extremes(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_put_i64(&sb, INT64_MIN);
	strbuf_putc(&sb, ' ');
	strbuf_put_u64(&sb, UINT64_MAX);
	assert_string_equal(sb.buf, "-9223372036854775808 18446744073709551615");
	strbuf_done(&sb);
}

static void parse_u32_rejects_junk_and_overflow(void **state)
{
	(void)state;
	uint32_t v = 7;
	assert_int_equal(parse_u32("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u32("42x", &v), -EINVAL);
	assert_int_equal(parse_u32("", &v), -EINVAL);
	assert_int_equal(parse_u32("-1", &v), -EINVAL);
	assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void parse_duration_accepts_units_and_compounds(void **state)
{
	(void)state;
	int64_t s;
	assert_int_equal(parse_duration("15m", &s), 0);
	assert_int_equal(s, 900);
	assert_int_equal(parse_duration("7d", &s), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(parse_duration("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(parse_duration("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("1x", &s), -EINVAL);
	assert_int_equal(parse_duration("m", &s), -EINVAL);
}

static void parse_size_accepts_binary_suffixes(void **state)
{
	(void)state;
	uint64_t b;
	assert_int_equal(parse_size("10GiB", &b), 0);
	assert_true(b == 10ULL << 30);
	assert_int_equal(parse_size("64K", &b), 0);
	assert_true(b == 64ULL << 10);
	assert_int_equal(parse_size("12", &b), 0);
	assert_true(b == 12);
	assert_int_equal(parse_size("1Q", &b), -EINVAL);
}

static void parse_rfc3339_handles_fraction_and_offset(void **state)
{
	(void)state;
	int64_t ns;
	assert_int_equal(parse_rfc3339("2024-06-01T16:39:49.360067Z", &ns), 0);
	assert_true(ns == 1717259989360067000LL);
	assert_int_equal(parse_rfc3339("2024-06-01T18:39:49+02:00", &ns), 0);
	assert_true(ns == 1717259989000000000LL);
	assert_int_equal(parse_rfc3339("2024-06-01", &ns), 0);
	assert_int_equal(parse_rfc3339("2024-13-01", &ns), -EINVAL);
	assert_int_equal(parse_rfc3339("2300-01-01T00:00:00Z", &ns), -ERANGE);
	assert_int_equal(parse_rfc3339("1600-01-01T00:00:00Z", &ns), -ERANGE);
	assert_int_equal(parse_time_spec("9999999999999d", 1000000, &ns), -ERANGE);
	assert_int_equal(parse_time_spec("1h", 1000000, &ns), 0);
	assert_true(ns == (1000000LL - 3600) * 1000000000LL);
}

static void diag_formats_file_line_col(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	assert_int_equal(diag_err(&d, "p.yaml", 3, 7, "unknown field '%s'", "recurive"), -EINVAL);
	assert_true(diag_has_errors(&d));
	char buf[256];
	diag_format(&d.entries[0], buf, sizeof(buf));
	assert_string_equal(buf, "p.yaml:3:7: error: unknown field 'recurive'");
	diag_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf_grows_and_stays_terminated),
		cmocka_unit_test(json_string_escapes_quotes_controls_and_backslash),
		cmocka_unit_test(integers_print_extremes),
		cmocka_unit_test(parse_u32_rejects_junk_and_overflow),
		cmocka_unit_test(parse_duration_accepts_units_and_compounds),
		cmocka_unit_test(parse_size_accepts_binary_suffixes),
		cmocka_unit_test(parse_rfc3339_handles_fraction_and_offset),
		cmocka_unit_test(diag_formats_file_line_col),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
