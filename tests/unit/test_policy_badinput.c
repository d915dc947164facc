/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: hostile and broken input to the policy loader (parse.c limits): a 10 MiB file,
 * 100k nested brackets, alias bombs (wide and deep), 1M nodes, too many documents, binary
 * garbage, invalid UTF-8, NUL characters, bad merge keys, thousands of errors in one document.
 * Every case must end in a positioned error, in bounded time, without a crash or a leak.
 */
#include "support/ward_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "policy/policy.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Load @buf; expect it rejected with an error at @line:@col containing @needle (line 0: any). */
static void expect_rejected(const char *buf, size_t len, unsigned line, unsigned col,
			    const char *needle)
{
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	double t0 = now();
	int r = policy_load_buffer("bad.yaml", buf, len, &l, &d);
	double dt = now() - t0;
	int found = 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.entries[i].level == DIAG_ERROR && strstr(d.entries[i].msg, needle) &&
		    (!line || (d.entries[i].line == line && d.entries[i].col == col)))
			found = 1;
	if (!found)
		for (size_t i = 0; i < d.n; i++)
			print_message("  %u:%u %s\n", d.entries[i].line, d.entries[i].col,
				      d.entries[i].msg);
	assert_true(found);
	assert_int_equal(r, 1);
	assert_int_equal(policy_doc_list_count(l), 0);
	/* CPU time, not wall time (the machine is shared); generous for sanitizer builds: the
	 * release build needs at most 0.2 s for the biggest case here */
	assert_true(dt < 5.0);
	policy_doc_list_free(l);
	diag_done(&d);
}

static void ten_mib_file_is_refused_before_parsing(void **state)
{
	(void)state;
	size_t len = 10u << 20;
	char *buf = malloc(len);
	assert_non_null(buf);
	memset(buf, 'a', len);
	expect_rejected(buf, len, 1, 1, "file is too large (10485760 bytes; the limit is 4194304)");
	/* the same through a real file: refused from fstat, nothing read */
	char *dir = ward_test_tmpdir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	struct policy_doc_list *l = NULL;
	struct policy_load_stats st = { 0 };
	struct diag d;
	diag_init(&d);
	assert_int_equal(policy_load_file(path, &l, &st, &d), 1);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.entries[0].line, 1);
	assert_non_null(strstr(d.entries[0].msg, "file is too large"));
	assert_int_equal(st.invalid, 1);
	policy_doc_list_free(l);
	diag_done(&d);
	ward_test_rm_rf(dir);
	free(dir);
	free(buf);
}

static void deep_nesting_stops_at_the_depth_limit(void **state)
{
	(void)state;
	size_t n = 100000;
	char *buf = malloc(n + 1);
	assert_non_null(buf);
	memset(buf, '[', n);
	buf[n] = '\n';
	expect_rejected(buf, n + 1, 1, POLICY_MAX_DEPTH + 1, "nested too deeply (more than 64");
	for (size_t i = 0; i < n / 4; i++)
		memcpy(buf + 4 * i, "{a: ", 4);
	expect_rejected(buf, n, 1, 4 * POLICY_MAX_DEPTH + 1, "nested too deeply");
	/* block style too */
	struct strbufish {
		char *p;
		size_t len;
	} s = { malloc(200000), 0 };
	assert_non_null(s.p);
	for (int i = 0; i < 100; i++) {
		for (int k = 0; k < i; k++)
			s.p[s.len++] = ' ';
		s.len += (size_t)sprintf(s.p + s.len, "k%d:\n", i);
	}
	expect_rejected(s.p, s.len, 65, 65, "nested too deeply");
	free(s.p);
	free(buf);
}

static void alias_bomb_fails_fast(void **state)
{
	(void)state;
	static const char bomb[] = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
				   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
				   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
				   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
				   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
				   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
				   "kind: KubeArmorPolicy\n";
	expect_rejected(bomb, sizeof(bomb) - 1, 7, 8, "too many YAML nodes (more than 1048576");
	/* aliases that nest beyond the depth limit when expanded */
	char buf[4096];
	size_t o = 0;
	o += (size_t)sprintf(buf + o, "a: &a ");
	for (int i = 0; i < 40; i++)
		buf[o++] = '[';
	for (int i = 0; i < 40; i++)
		buf[o++] = ']';
	o += (size_t)sprintf(buf + o, "\nb: ");
	for (int i = 0; i < 40; i++)
		buf[o++] = '[';
	o += (size_t)sprintf(buf + o, "*a");
	for (int i = 0; i < 40; i++)
		buf[o++] = ']';
	buf[o++] = '\n';
	expect_rejected(buf, o, 2, 44, "nested too deeply");
}

static void a_million_nodes_are_refused(void **state)
{
	(void)state;
	size_t n = POLICY_MAX_NODES + 1;
	char *buf = malloc(2 * n + 3);
	assert_non_null(buf);
	size_t o = 0;
	buf[o++] = '[';
	for (size_t i = 0; i < n; i++) {
		buf[o++] = '1';
		buf[o++] = ',';
	}
	buf[o - 1] = ']';
	buf[o++] = '\n';
	expect_rejected(buf, o, 0, 0, "too many YAML nodes");
	free(buf);
}

static void too_many_documents_are_refused(void **state)
{
	(void)state;
	size_t n = POLICY_MAX_DOCS + 1;
	char *buf = malloc(n * 16);
	assert_non_null(buf);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(buf + o, "---\n");
	expect_rejected(buf, o, (unsigned)(POLICY_MAX_DOCS + 1), 1,
			"too many documents in one file (more than 4096)");
	free(buf);
}

static void binary_garbage_is_an_error_not_a_crash(void **state)
{
	(void)state;
	uint32_t x = 12345;
	char buf[4096];
	size_t errors = 0;
	for (int round = 0; round < 300; round++) {
		size_t len = 1 + (size_t)(round * 13) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
		}
		struct policy_doc_list *l = NULL;
		struct diag d;
		diag_init(&d);
		int r = policy_load_buffer("garbage.bin", buf, len, &l, &d);
		assert_true(r >= 0);
		if (r > 0) {
			errors++;
			assert_true(d.n_errors > 0);
			assert_true(d.entries[0].line >= 1);
		}
		assert_int_equal(policy_doc_list_count(l), 0);
		policy_doc_list_free(l);
		diag_done(&d);
	}
	assert_true(errors >= 290);
}

static void invalid_utf8_and_nul_are_reported_where_they_are(void **state)
{
	(void)state;
	static const char bad[] = "kind: KubeArmorPolicy\nmetadata:\n  name: \"a\xff\xfe\"\n";
	expect_rejected(bad, sizeof(bad) - 1, 3, 11, "invalid leading UTF-8 octet (byte 0xff)");
	static const char nul[] = "kind: KubeArmorPolicy\nmetadata:\n  name: a\0b\n";
	expect_rejected(nul, sizeof(nul) - 1, 3, 10, "invalid input");
	static const char esc[] = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
				  "metadata: {name: a}\nspec:\n  message: \"a\\0b\"\n";
	expect_rejected(esc, sizeof(esc) - 1, 5, 12, "must not contain NUL");
}

static void wrong_shapes_and_unsupported_yaml_are_errors(void **state)
{
	(void)state;
	static const char seq[] = "- kind: KubeArmorPolicy\n";
	expect_rejected(seq, sizeof(seq) - 1, 1, 1, "a policy document must be a mapping");
	static const char merge[] = "base: &b [a, b]\nspec:\n  <<: *b\n";
	expect_rejected(merge, sizeof(merge) - 1, 1, 11,
			"a merge key ('<<') takes a mapping or a list of mappings");
	static const char key[] = "? [a, b]\n: c\n";
	expect_rejected(key, sizeof(key) - 1, 1, 3, "a mapping key must be a plain string");
}

static void thousands_of_errors_are_counted_not_lost(void **state)
{
	(void)state;
	char *buf = malloc(200000);
	assert_non_null(buf);
	size_t o = (size_t)sprintf(buf, "apiVersion: security.kubearmor.com/v1\nkind: "
					"KubeArmorPolicy\nmetadata: {name: a}\nspec:\n");
	for (int i = 0; i < 3000; i++)
		o += (size_t)sprintf(buf + o, "  bogus%d: 1\n", i);
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(policy_load_buffer("many.yaml", buf, o, &l, &d), 1);
	assert_int_equal(d.n_errors, 3000);
	assert_int_equal(d.n, DIAG_MAX_ENTRIES);
	assert_int_equal(d.n_dropped, 3000 - DIAG_MAX_ENTRIES);
	policy_doc_list_free(l);
	diag_done(&d);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_mib_file_is_refused_before_parsing),
		cmocka_unit_test(deep_nesting_stops_at_the_depth_limit),
		cmocka_unit_test(alias_bomb_fails_fast),
		cmocka_unit_test(a_million_nodes_are_refused),
		cmocka_unit_test(too_many_documents_are_refused),
		cmocka_unit_test(binary_garbage_is_an_error_not_a_crash),
		cmocka_unit_test(invalid_utf8_and_nul_are_reported_where_they_are),
		cmocka_unit_test(wrong_shapes_and_unsupported_yaml_are_errors),
		cmocka_unit_test(thousands_of_errors_are_counted_not_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
