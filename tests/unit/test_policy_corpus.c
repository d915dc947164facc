/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: every *.yaml / *.yml of the shared corpus ($WARD_CORPUS, read in place) through
 * policy_load_file(), each file's verdict checked against the table below. The table was made
 * by running the validator and then checking every invalid verdict by hand against the CRD files
 * (kubearmor-crds/): selector.app (not matchLabels), matchPatterns[].path, STIG host policies
 * without nodeSelector, severity: null, fromSource: null, a dir without its trailing '/', an HSP
 * protocol rule without fromSource, process.file / selector.process (unknown fields), and an
 * object name with a space. Files not in the table must load without errors; other kinds must be
 * skipped with a note, never an error; the CRD files themselves are skipped.
 */
#include "support/ward_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "policy/policy.h"

struct expected_error {
	const char *file; /* relative to $WARD_CORPUS */
	unsigned line, col;
	const char *reason; /* substring of the message */
};

static const struct expected_error expected[] = {
	{ "kubearmor-tests/tests/k8s_env/blockposture/res/ksp-nginx-allow-file.yaml", 36, 18,
	  "spec.file.matchPaths[6].fromSource: expected array, got null" },
	{ "kubearmor-tests/tests/nonk8s_env/host_policy/res/hsp-audit-network-protocol.yaml", 23, 9,
	  "spec.network.matchProtocols[0]: missing required field 'fromSource'" },
	{ "kubearmor-tests/tests/nonk8s_env/host_policy/res/hsp-block-process-dir-bin.yaml", 20, 14,
	  "spec.process.matchDirectories[0].dir: '/usr/bin' does not match the pattern ^\\/$|^\\/.*\\/$ " },
	{ "policy-templates/cve/system/hsp-cve-2024-3094-xz-v5-6-backdoor.yaml", 21, 7,
	  "spec.file.matchPatterns[0]: unknown field 'path' (did you mean 'pattern'?)" },
	{ "policy-templates/cve/system/hsp-cve-2024-3094-xz-v5-6-backdoor.yaml", 21, 7,
	  "spec.file.matchPatterns[0]: missing required field 'pattern'" },
	{ "policy-templates/cve/system/hsp-cve-2024-3094-xz-v5-6-backdoor.yaml", 22, 7,
	  "spec.file.matchPatterns[1]: unknown field 'path' (did you mean 'pattern'?)" },
	{ "policy-templates/cve/system/hsp-cve-2024-3094-xz-v5-6-backdoor.yaml", 22, 7,
	  "spec.file.matchPatterns[1]: missing required field 'pattern'" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-4-10-7-cve-2022-32081.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-6-3-cve-2022-27455.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-6-3-cve-2022-27456.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-7-cve-2022-27386.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-7-cve-2022-32091.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/cve/system/ksp-block-mariadb-v-10-9-cve-2022-27444.yaml", 14, 5,
	  "spec.selector: unknown field 'app' (labels go under 'matchLabels')" },
	{ "policy-templates/exposures/configs/ksp-deny-qdpm-info-leak-on-public-web.yaml", 18, 14,
	  "spec.file.severity: expected integer, got null" },
	{ "policy-templates/java/system/ksp-block-virus-eduapps-sexo.yaml", 17, 5,
	  "spec.selector: unknown field 'process' ('process' belongs directly under spec)" },
	{ "policy-templates/java/system/ksp-block-virus-eduapps-sexo.yaml", 18, 5,
	  "spec.selector: unknown field 'severity' ('severity' belongs directly under spec)" },
	{ "policy-templates/java/system/ksp-block-virus-eduapps-sexo.yaml", 19, 5,
	  "spec.selector: unknown field 'matchPaths'" },
	{ "policy-templates/java/system/ksp-block-virus-eduapps-sexo.yaml", 23, 5,
	  "spec.selector: unknown field 'action' ('action' belongs directly under spec)" },
	{ "policy-templates/nist/system/ksp-nist-ps-5-personnel-transfer.yaml", 28, 5,
	  "spec.process: unknown field 'file' ('file' belongs directly under spec)" },
	{ "policy-templates/stigs/system/hsp-audit-stig ubuntu-20-010137-chfn.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig ubuntu-20-010137-chfn.yaml", 8, 9,
	  "metadata: name: 'hsp-audit-stig ubuntu-20-010137-chfn' is not a valid object name (lower-c" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010138-mount.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010148-chown.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010161-sudo.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010162-sudoedit.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010164-newgrp.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010166-apparmor-parser.yaml", 10,
	  3, "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010175-chage.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010176-usermod.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010178-pam-timestamp.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010267-sensitive-syscall.yaml",
	  10, 3, "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-audit-stig-ubuntu-20-010297-kmod.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-block-stig-ubuntu-20-010419-log.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
	{ "policy-templates/stigs/system/hsp-block-stig-ubuntu-20-010427-lib.yaml", 10, 3,
	  "spec: missing required field 'nodeSelector'" },
};

static const char *const skippable[] = {
	"skipping kind 'CiliumNetworkPolicy'",	  "skipping kind 'CiliumClusterwideNetworkPolicy'",
	"skipping kind 'ClusterPolicy'",	  "skipping kind 'NetworkPolicy'",
	"skipping kind 'KubeArmorNetworkPolicy'", "skipping kind 'CustomResourceDefinition'",
	"skipping document without 'kind'",
};

static size_t expected_for(const char *rel)
{
	size_t n = 0;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(expected); i++)
		n += strcmp(expected[i].file, rel) == 0;
	return n;
}

static void every_corpus_file_gets_its_verdict(void **state)
{
	(void)state;
	const char *corpus = ward_test_corpus();
	const char *paths[] = { corpus };
	char **files = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(policy_list_files(paths, 1, &files, &d), 0);
	diag_done(&d);
	size_t n_files = 0, matched = 0, bad = 0, crds = 0;
	struct policy_load_stats st = { 0 };
	size_t plen = strlen(corpus);
	for (char **f = files; *f; f++, n_files++) {
		const char *rel = *f + plen + (strncmp(*f, corpus, plen) == 0 && (*f)[plen] == '/');
		struct policy_doc_list *l = NULL;
		size_t valid_before = st.valid;
		diag_init(&d);
		int r = policy_load_file(*f, &l, &st, &d);
		size_t want = expected_for(rel);
		if (want == 0 && (r != 0 || d.n_errors)) {
			print_message("unexpected errors in %s:\n", rel);
			bad++;
		}
		if (want && (r != 1 || d.n_errors != want || st.valid != valid_before)) {
			print_message(
				"%s: expected %zu errors and no document, got r=%d, %zu errors\n",
				rel, want, r, d.n_errors);
			bad++;
		}
		for (size_t i = 0; i < d.n; i++) {
			const struct diag_entry *e = &d.entries[i];
			char line[1024];
			diag_format(e, line, sizeof(line));
			if (e->level == DIAG_NOTE) {
				int ok = 0;
				for (size_t k = 0; k < WARD_ARRAY_SIZE(skippable); k++)
					ok |= strcmp(e->msg, skippable[k]) == 0;
				if (!ok) {
					print_message("unexpected note: %s\n", line);
					bad++;
				}
				crds += strstr(e->msg, "CustomResourceDefinition") != NULL;
				continue;
			}
			if (e->level != DIAG_ERROR)
				continue;
			int ok = 0;
			for (size_t k = 0; k < WARD_ARRAY_SIZE(expected); k++)
				if (!strcmp(expected[k].file, rel) && expected[k].line == e->line &&
				    expected[k].col == e->col && strstr(e->msg, expected[k].reason))
					ok = 1;
			if (ok) {
				matched++;
			} else {
				print_message("unexpected: %s\n", line);
				bad++;
			}
		}
		diag_done(&d);
		policy_doc_list_free(l);
	}
	policy_file_list_free(files);
	print_message("corpus: %zu files, %zu documents valid, %zu invalid, %zu skipped\n", n_files,
		      st.valid, st.invalid, st.skipped);
	assert_int_equal(bad, 0);
	assert_int_equal(matched, WARD_ARRAY_SIZE(expected));
	assert_int_equal(crds, 4);
	/* the corpus as copied for the team: these totals change only if the corpus does */
	assert_int_equal(n_files, 690);
	assert_int_equal(st.valid, 593);
	assert_int_equal(st.invalid, 27);
	assert_int_equal(st.skipped, 71);
}

static void tab_before_comment_templates_load(void **state)
{
	(void)state;
	static const char *const tabbed[] = {
		"policy-templates/nist/system/ksp-nist-si-7-1-software-firmware-information-integrity-check.yaml",
		"policy-templates/nist/system/"
		"ksp-nist-si-7-7-software-firmware-information-integrity-detection-response.yaml",
		"policy-templates/python/system/ksp-python-hardening-rule-audit-ipaddress-package.yaml",
		"policy-templates/python/system/ksp-python-hardening-rule-audit-url-lib.yaml",
	};
	for (size_t i = 0; i < WARD_ARRAY_SIZE(tabbed); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", ward_test_corpus(), tabbed[i]);
		size_t len;
		char *buf = ward_test_read_file(path, &len);
		assert_non_null(buf);
		assert_non_null(strchr(buf, '\t')); /* still the file with the TAB */
		struct policy_doc_list *l = NULL;
		struct diag d;
		diag_init(&d);
		assert_int_equal(policy_load_buffer(path, buf, len, &l, &d), 0);
		assert_int_equal(policy_doc_list_count(l), 1);
		assert_int_equal(d.n, 0);
		policy_doc_list_free(l);
		diag_done(&d);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_corpus_file_gets_its_verdict),
		cmocka_unit_test(tab_before_comment_templates_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
