/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: policy_list_files() / policy_load_paths() / policy_load_file() on a real
 * directory tree: recursion, *.yaml and *.yml only, sorted order, dot-entries and symlinked
 * directories not entered (a ConfigMap mount is read once), unreadable paths reported.
 */
#include "support/ward_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "policy/policy.h"

static void put(const char *dir, const char *rel, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata: {name: %s}\n"
		"spec:\n  file:\n    matchPaths: [{path: /etc/%s}]\n",
		name, name);
	fclose(f);
}

static void directories_are_walked_sorted_and_filtered(void **state)
{
	(void)state;
	char *dir = ward_test_tmpdir();
	char p[4096];
	const char *subs[] = { "b", "a", "a/deep", ".hidden", "..data" };
	for (size_t i = 0; i < WARD_ARRAY_SIZE(subs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, subs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	put(dir, "b/z.yaml", "bz");
	put(dir, "b/a.yml", "ba");
	put(dir, "a/deep/x.yaml", "adx");
	put(dir, "a/c.yaml", "ac");
	put(dir, "a/notes.txt", "txt");
	put(dir, ".hidden/h.yaml", "h");
	put(dir, "..data/cm.yaml", "cm");
	/* a ConfigMap-style link to a file is followed, a link to a directory is not */
	snprintf(p, sizeof(p), "%s/cm.yaml", dir);
	assert_int_equal(symlink("..data/cm.yaml", p), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("b", p), 0);

	const char *paths[] = { dir };
	char **files = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(policy_list_files(paths, 1, &files, &d), 0);
	const char *want[] = { "a/c.yaml", "a/deep/x.yaml", "b/a.yml", "b/z.yaml", "cm.yaml" };
	size_t n = 0;
	for (; files[n]; n++) {
		assert_true(n < WARD_ARRAY_SIZE(want));
		snprintf(p, sizeof(p), "%s/%s", dir, want[n]);
		assert_string_equal(files[n], p);
	}
	assert_int_equal(n, WARD_ARRAY_SIZE(want));
	policy_file_list_free(files);

	struct policy_doc_list *l = NULL;
	assert_int_equal(policy_load_paths(paths, 1, &l, &d), 0);
	assert_int_equal(policy_doc_list_count(l), 5);
	policy_doc_list_free(l);
	assert_int_equal(d.n, 0);

	/* an unreadable top-level path: -errno and a message, nothing returned */
	snprintf(p, sizeof(p), "%s/missing.yaml", dir);
	const char *bad[] = { dir, p };
	l = NULL;
	assert_true(policy_load_paths(bad, 2, &l, &d) < 0);
	assert_null(l);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.entries[0].msg, "cannot read"));
	diag_done(&d);

	/* policy_load_file counts what it saw */
	struct policy_load_stats st = { 0 };
	diag_init(&d);
	snprintf(p, sizeof(p), "%s/a/c.yaml", dir);
	assert_int_equal(policy_load_file(p, &l, &st, &d), 0);
	assert_int_equal(st.valid, 1);
	assert_int_equal(st.files, 1);
	policy_doc_list_free(l);
	snprintf(p, sizeof(p), "%s/a", dir);
	/* a directory is not a policy file: one invalid file, reported */
	assert_int_equal(policy_load_file(p, &l, &st, &d), 1);
	assert_int_equal(policy_doc_list_count(l), 0);
	policy_doc_list_free(l);
	assert_non_null(strstr(d.entries[0].msg, "not a regular file"));
	assert_int_equal(st.invalid, 1);
	diag_done(&d);
	ward_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(directories_are_walked_sorted_and_filtered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
