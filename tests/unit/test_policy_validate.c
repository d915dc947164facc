/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: policy/validate.c - one test per rule class of the KubeArmor CRDs (types, nulls,
 * enums, the ECMA-262 unanchored patterns, lengths, ranges, required and unknown fields, HSP
 * requirements, metadata), with the exact FILE:LINE:COL of every message, plus a check that the
 * compiled-in schema tables still say what the CRD files in the corpus say.
 */
#include "support/ward_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/load.h"
#include "policy/policy.h"

#define KSP_HEAD                                  \
	"apiVersion: security.kubearmor.com/v1\n" \
	"kind: KubeArmorPolicy\n"                 \
	"metadata:\n"                             \
	"  name: t\n"                             \
	"  namespace: default\n"                  \
	"spec:\n"                                 \
	"  selector:\n"                           \
	"    matchLabels:\n"                      \
	"      app: x\n"
/* KSP_HEAD is 9 lines: the first line after it is line 10. */

#define HSP_HEAD                                  \
	"apiVersion: security.kubearmor.com/v1\n" \
	"kind: KubeArmorHostPolicy\n"             \
	"metadata:\n"                             \
	"  name: h\n"                             \
	"spec:\n"

struct loaded {
	int r;
	size_t n_docs;
	struct diag d;
};

static void load(const char *yaml, struct loaded *out)
{
	struct policy_doc_list *l = NULL;
	diag_init(&out->d);
	out->r = policy_load_buffer("t.yaml", yaml, strlen(yaml), &l, &out->d);
	out->n_docs = policy_doc_list_count(l);
	policy_doc_list_free(l);
}

/* The diag holds an entry of @level at @line:@col whose message contains @needle. */
static int has_msg(const struct diag *d, enum diag_level level, unsigned line, unsigned col,
		   const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->entries[i];
		if (e->level == level && e->line == line && e->col == col && strstr(e->msg, needle))
			return 1;
	}
	return 0;
}

static void dump(const struct diag *d)
{
	char buf[1024];
	for (size_t i = 0; i < d->n; i++) {
		diag_format(&d->entries[i], buf, sizeof(buf));
		print_message("  %s\n", buf);
	}
}

static void expect_valid(const char *yaml)
{
	struct loaded L;
	load(yaml, &L);
	if (L.r != 0 || L.n_docs != 1 || L.d.n_errors) {
		print_message("expected valid:\n%s\n", yaml);
		dump(&L.d);
	}
	assert_int_equal(L.r, 0);
	assert_int_equal(L.n_docs, 1);
	assert_int_equal(L.d.n_errors, 0);
	diag_done(&L.d);
}

static void expect_error(const char *yaml, unsigned line, unsigned col, const char *needle)
{
	struct loaded L;
	load(yaml, &L);
	int found = has_msg(&L.d, DIAG_ERROR, line, col, needle);
	if (!found || L.r != 1 || L.n_docs != 0) {
		print_message("expected error %u:%u '%s' in:\n%s\n", line, col, needle, yaml);
		dump(&L.d);
	}
	assert_true(found);
	assert_int_equal(L.r, 1);
	assert_int_equal(L.n_docs, 0);
	diag_done(&L.d);
}

static void minimal_policies_of_each_kind_load(void **state)
{
	(void)state;
	expect_valid(KSP_HEAD "  process:\n    matchPaths:\n    - path: /bin/sh\n");
	expect_valid(HSP_HEAD
		     "  nodeSelector:\n    matchLabels:\n      kubearmor.io/hostname: '*'\n"
		     "  file:\n    matchDirectories:\n    - dir: /etc/\n      recursive: true\n");
	expect_valid("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorClusterPolicy\n"
		     "metadata: {name: c}\nspec:\n  selector:\n    matchExpressions:\n"
		     "    - key: namespace\n      operator: NotIn\n      values: [kube-system]\n"
		     "  action: Audit\n  file:\n    matchPaths: [{path: /etc/shadow}]\n");
	/* the CRD does not require spec */
	expect_valid("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: bare}\n");
}

static void wrong_types_are_reported_at_the_value(void **state)
{
	(void)state;
	expect_error(KSP_HEAD "  severity: \"5\"\n", 10, 13,
		     "spec.severity: expected integer, got string");
	expect_error(KSP_HEAD "  tags: notalist\n", 10, 9, "spec.tags: expected array, got string");
	expect_error(KSP_HEAD "  process: []\n", 10, 12,
		     "spec.process: expected object, got array");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: 12\n", 12, 13,
		     "expected string, got integer");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /a\n      readOnly: \"yes\"\n",
		     13, 17, "spec.file.matchPaths[0].readOnly: expected boolean");
	expect_error(KSP_HEAD "  message: [a]\n", 10, 12, "expected string, got array");
	/* YAML 1.1 as kubectl reads it: an unquoted yes is a boolean, 1.0 an integer */
	expect_valid(KSP_HEAD "  file:\n    matchPaths:\n    - path: /a\n      readOnly: yes\n");
	expect_valid(KSP_HEAD "  severity: 5.0\n");
	expect_error(KSP_HEAD "  severity: 5.5\n", 10, 13, "expected integer, got number");
	expect_error(KSP_HEAD "  message: true\n", 10, 12, "expected string, got boolean");
}

static void null_where_a_value_is_required_is_an_error(void **state)
{
	(void)state;
	expect_error(KSP_HEAD "  file:\n    severity: null\n    matchPaths: [{path: /a}]\n", 11, 15,
		     "spec.file.severity: expected integer, got null");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /a\n      fromSource:\n", 13,
		     18, "spec.file.matchPaths[0].fromSource: expected array, got null");
	expect_error(KSP_HEAD "  message: ~\n", 10, 12, "spec.message: expected string, got null");
	expect_error(KSP_HEAD "  process: null\n", 10, 12,
		     "spec.process: expected object, got null");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: a}\nspec:\n  selector: {matchLabels: {app: null}}\n",
		     5, 33, "spec.selector.matchLabels.app: expected string, got null");
}

static void enums_are_case_sensitive_with_a_hint(void **state)
{
	(void)state;
	expect_error(
		KSP_HEAD "  action: audit\n", 10, 11,
		"spec.action: 'audit' is not one of Allow, Audit, Block (did you mean 'Audit'?)");
	expect_error(KSP_HEAD "  action: Deny\n", 10, 11,
		     "'Deny' is not one of Allow, Audit, Block");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /a\n      action: BLOCK\n", 13,
		     15, "(did you mean 'Block'?)");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: a}\nspec:\n  selector:\n    matchExpressions:\n"
		     "    - key: namespace\n      operator: In\n      values: [a]\n",
		     7, 12, "'namespace' is not one of label");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorClusterPolicy\n"
		     "metadata: {name: a}\nspec:\n  selector:\n    matchExpressions:\n"
		     "    - key: label\n      operator: in\n      values: [a=b]\n",
		     8, 17, "'in' is not one of In, NotIn (did you mean 'In'?)");
}

static void capability_pattern_is_only_end_anchored(void **state)
{
	(void)state;
	static const char *const ok[] = { "net_raw",  "cap_net_raw", "CAP_net_raw",
					  "xnet_raw", "sys_admin",   "setuid" };
	char buf[1024];
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ok); i++) {
		snprintf(buf, sizeof(buf),
			 KSP_HEAD "  capabilities:\n    matchCapabilities:\n    - capability: %s\n",
			 ok[i]);
		expect_valid(buf);
	}
	expect_error(KSP_HEAD
		     "  capabilities:\n    matchCapabilities:\n    - capability: NET_RAW\n",
		     12, 19, "'NET_RAW' does not match the pattern (chown|");
	expect_error(KSP_HEAD
		     "  capabilities:\n    matchCapabilities:\n    - capability: NET_RAW\n",
		     12, 19, "(did you mean 'net_raw'?)");
	expect_error(KSP_HEAD
		     "  capabilities:\n    matchCapabilities:\n    - capability: \"net_raw \"\n",
		     12, 19, "does not match");
	assert_true(schema_pattern_match(SCHEMA_PAT_CAP, "cap_net_raw", 11));
	assert_false(schema_pattern_match(SCHEMA_PAT_CAP, "CAP_NET_RAW", 11));
	assert_false(schema_pattern_match(SCHEMA_PAT_CAP, "net_raw\n", 8));
}

static void protocol_pattern_is_only_end_anchored(void **state)
{
	(void)state;
	static const char *const ok[] = { "tcp",     "TCP", "xtcp",    "icmpv6", "ICMPV6",
					  "tcp,udp", "all", "\"TCP\"", "packet" };
	char buf[1024];
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ok); i++) {
		snprintf(buf, sizeof(buf),
			 KSP_HEAD "  network:\n    matchProtocols:\n    - protocol: %s\n", ok[i]);
		expect_valid(buf);
	}
	expect_error(KSP_HEAD "  network:\n    matchProtocols:\n    - protocol: Tcp\n", 12, 17,
		     "(did you mean 'tcp'?)");
	expect_error(KSP_HEAD "  network:\n    matchProtocols:\n    - protocol: icmpV6\n", 12, 17,
		     "does not match the pattern (tcp|TCP");
	expect_error(KSP_HEAD "  network:\n    matchProtocols:\n    - protocol: tcp,\n", 12, 17,
		     "does not match");
}

static void path_pattern_needs_two_characters_and_no_trailing_slash(void **state)
{
	(void)state;
	static const char *const ok[] = { "/a",	  "//a",	 "/home/*/.bash_history",
					  "/a b", "/etc/*hado?", "\"/\\u00e9t\\u00e9\"" };
	char buf[1024];
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ok); i++) {
		snprintf(buf, sizeof(buf), KSP_HEAD "  file:\n    matchPaths:\n    - path: %s\n",
			 ok[i]);
		expect_valid(buf);
	}
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /\n", 12, 13,
		     "'/' does not match the pattern ^\\/+.*[^\\/]$");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /etc/\n", 12, 13,
		     "must not end with '/'");
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: etc/passwd\n", 12, 13,
		     "must be an absolute path");
	/* '.' does not match a line terminator in ECMA-262 */
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: \"/a\\nb\"\n", 12, 13,
		     "does not match");
	/* ... but [^\/] does: a line break as the last character passes the CRD */
	expect_valid(KSP_HEAD "  file:\n    matchPaths:\n    - path: \"/ab\\n\"\n");
	/* fromSource paths have the same rule */
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - path: /a\n      fromSource:\n"
			      "      - path: /bin/\n",
		     14, 15, "spec.file.matchPaths[0].fromSource[0].path");
}

static void dir_pattern_needs_leading_and_trailing_slash(void **state)
{
	(void)state;
	expect_valid(KSP_HEAD "  file:\n    matchDirectories:\n    - dir: /\n");
	expect_valid(KSP_HEAD "  file:\n    matchDirectories:\n    - dir: /usr/bin/\n");
	expect_valid(KSP_HEAD "  file:\n    matchDirectories:\n    - dir: //\n");
	expect_error(KSP_HEAD "  process:\n    matchDirectories:\n    - dir: /usr/bin\n", 12, 12,
		     "'/usr/bin' does not match the pattern ^\\/$|^\\/.*\\/$ (a directory must end "
		     "with '/': did you mean '/usr/bin/'?)");
	expect_error(KSP_HEAD "  file:\n    matchDirectories:\n    - dir: usr/\n", 12, 12,
		     "must be an absolute directory");
}

static void execname_and_syscall_path_patterns(void **state)
{
	(void)state;
	expect_valid(KSP_HEAD "  process:\n    matchPaths:\n    - execname: sh\n");
	expect_error(KSP_HEAD "  process:\n    matchPaths:\n    - execname: /bin/sh\n", 12, 17,
		     "execname is a file name without '/'");
	expect_valid(KSP_HEAD
		     "  syscalls:\n    matchPaths:\n    - path: /etc/\n      syscall: [unlink]\n");
	expect_valid(KSP_HEAD "  syscalls:\n    matchPaths:\n    - path: /etc/passwd\n");
	expect_error(KSP_HEAD "  syscalls:\n    matchPaths:\n    - path: etc\n", 12, 13,
		     "(must be an absolute file path, or a directory ending in '/')");
	expect_error(KSP_HEAD "  syscalls:\n    matchSyscalls:\n    - syscall: [unlinkk]\n", 12, 17,
		     "'unlinkk' is not one of the 335 allowed values (did you mean 'unlink'?)");
	/* syscall fromSource dir has no pattern */
	expect_valid(KSP_HEAD "  syscalls:\n    matchSyscalls:\n    - syscall: [unlink]\n"
			      "      fromSource:\n      - dir: /bin\n        recursive: true\n");
}

static void lengths_ranges_and_item_counts(void **state)
{
	(void)state;
	char path[260], buf[2048];
	path[0] = '/';
	memset(path + 1, 'a', 199);
	path[200] = '\0';
	snprintf(buf, sizeof(buf), KSP_HEAD "  file:\n    matchPaths:\n    - path: %s\n", path);
	expect_valid(buf);
	path[200] = 'a';
	path[201] = '\0';
	snprintf(buf, sizeof(buf), KSP_HEAD "  file:\n    matchPaths:\n    - path: %s\n", path);
	expect_error(buf, 12, 13, "too long: 201 characters (the limit is 200)");
	/* maxLength counts characters, not bytes: 1 + 99 two-byte characters is valid */
	strcpy(path, "/");
	for (int i = 0; i < 99; i++)
		strcat(path, "\xc3\xa9");
	snprintf(buf, sizeof(buf), KSP_HEAD "  file:\n    matchPaths:\n    - path: %s\n", path);
	expect_valid(buf);
	expect_error(KSP_HEAD "  severity: 0\n", 10, 13, "0 is out of range (must be 1..10)");
	expect_error(KSP_HEAD "  severity: 11\n", 10, 13, "11 is out of range");
	expect_valid(KSP_HEAD "  severity: 10\n");
	expect_valid(KSP_HEAD "  severity: 1\n");
	strcpy(buf,
	       KSP_HEAD "  process:\n    matchPaths:\n    - path: /bin/x\n      allowedArgs: [");
	for (int i = 0; i < 21; i++)
		strcat(buf, i ? ",a" : "a");
	strcat(buf, "]\n");
	expect_error(buf, 13, 20, "too many items: 21 (the limit is 20)");
}

static void required_fields_are_reported_at_their_object(void **state)
{
	(void)state;
	expect_error(KSP_HEAD "  file:\n    matchPaths:\n    - readOnly: true\n", 12, 7,
		     "spec.file.matchPaths[0]: missing required field 'path'");
	expect_error(KSP_HEAD "  file:\n    matchDirectories:\n    - recursive: true\n", 12, 7,
		     "missing required field 'dir'");
	expect_error(KSP_HEAD
		     "  network:\n    matchProtocols:\n    - fromSource: [{path: /bin/x}]\n",
		     12, 7, "missing required field 'protocol'");
	/* process.matchPaths[] has no required list in the CRD */
	expect_valid(KSP_HEAD "  process:\n    matchPaths:\n    - ownerOnly: true\n");
}

static void unknown_fields_get_a_near_miss_hint(void **state)
{
	(void)state;
	expect_error(KSP_HEAD
		     "  file:\n    matchDirectories:\n    - dir: /etc/\n      recurive: true\n",
		     13, 7, "unknown field 'recurive' (did you mean 'recursive'?)");
	expect_error(KSP_HEAD "  file:\n    matchPatterns:\n    - path: /etc/*\n", 12, 7,
		     "unknown field 'path' (did you mean 'pattern'?)");
	expect_error(KSP_HEAD "  process:\n    file:\n      matchPaths: [{path: /a}]\n", 11, 5,
		     "spec.process: unknown field 'file' ('file' belongs directly under spec)");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: a}\nspec:\n  selector:\n    app: nginx\n",
		     6, 5, "spec.selector: unknown field 'app' (labels go under 'matchLabels')");
	expect_error(KSP_HEAD "  whatever: 1\n", 10, 3, "spec: unknown field 'whatever'");
	/* KSP has no nodeSelector, CSP selector has no matchLabels */
	expect_error(KSP_HEAD "  nodeSelector:\n    matchLabels: {a: b}\n", 10, 3,
		     "unknown field 'nodeSelector'");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorClusterPolicy\n"
		     "metadata: {name: a}\nspec:\n  selector:\n    matchLabels: {a: b}\n",
		     6, 5, "unknown field 'matchLabels'");
	expect_error(KSP_HEAD "  extra: 1\n  action: Block\n  also: 2\n", 12, 3,
		     "unknown field 'also'");
}

static void host_policies_require_node_selector_and_from_source(void **state)
{
	(void)state;
	expect_error(HSP_HEAD "  process:\n    matchPaths:\n    - path: /bin/sh\n", 6, 3,
		     "spec: missing required field 'nodeSelector'");
	expect_error(HSP_HEAD "  nodeSelector:\n    matchLabels: {kubearmor.io/hostname: '*'}\n"
			      "  network:\n    matchProtocols:\n    - protocol: tcp\n",
		     10, 7, "spec.network.matchProtocols[0]: missing required field 'fromSource'");
	expect_error(HSP_HEAD
		     "  nodeSelector:\n    matchLabels: {kubearmor.io/hostname: '*'}\n"
		     "  capabilities:\n    matchCapabilities:\n    - capability: net_raw\n",
		     10, 7, "missing required field 'fromSource'");
	expect_valid(HSP_HEAD "  nodeSelector:\n    matchLabels: {kubearmor.io/hostname: '*'}\n"
			      "  capabilities:\n    matchCapabilities:\n    - capability: net_raw\n"
			      "      fromSource: [{path: /bin/ping}]\n");
	/* the KSP has no such requirement */
	expect_valid(KSP_HEAD "  network:\n    matchProtocols:\n    - protocol: tcp\n");
	/* device is HSP only */
	expect_valid(HSP_HEAD
		     "  nodeSelector:\n    matchLabels: {a: b}\n  device:\n    matchDevice:\n"
		     "    - class: MASS-STORAGE\n      level: 1\n");
	expect_error(HSP_HEAD
		     "  nodeSelector:\n    matchLabels: {a: b}\n  device:\n    matchDevice:\n"
		     "    - class: HID\n      level: 0\n",
		     11, 14, "0 is too small (minimum 1)");
}

static void metadata_name_and_api_version_are_checked(void **state)
{
	(void)state;
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n"
		     "  namespace: x\nspec: {}\n",
		     4, 3, "metadata: missing required field 'name'");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nspec: {}\n", 1,
		     1, "missing required field 'metadata'");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n"
		     "  name: My Policy\n",
		     4, 9, "'My Policy' is not a valid object name");
	expect_error(
		"apiVersion: security.kubearmor.com/v1beta1\nkind: KubeArmorPolicy\n"
		"metadata: {name: a}\n",
		1, 13,
		"apiVersion: 'security.kubearmor.com/v1beta1' is not 'security.kubearmor.com/v1'");
	expect_error("kind: KubeArmorPolicy\nmetadata: {name: a}\n", 1, 1,
		     "missing required field 'apiVersion'");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: 5}\n",
		     3, 18, "name: expected string, got integer");
	/* metadata is ObjectMeta for the API server */
	expect_valid("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: a, labels: {x: web}, annotations: {z: w}}\n");
	/* YAML 1.1 as kubectl's go-yaml v2 reads it: a plain y is the boolean true */
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: a, labels: {x: y}}\n",
		     3, 33,
		     "labels.x: expected string, got boolean (quote it to make it a string)");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata:\n  name: a\n  namespce: b\n",
		     5, 3, "metadata: unknown field 'namespce' (did you mean 'namespace'?)");
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata:\n  name: a\n  labels: {x: 1}\n",
		     5, 15, "metadata: labels.x: expected string, got integer");
}

static void other_kinds_are_skipped_with_a_note(void **state)
{
	(void)state;
	struct loaded L;
	load("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c}\n"
	     "spec: {whatever: 1}\n---\n"
	     "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorNetworkPolicy\nmetadata: {name: n}\n"
	     "---\nfoo: bar\n",
	     &L);
	assert_int_equal(L.r, 0);
	assert_int_equal(L.n_docs, 0);
	assert_int_equal(L.d.n_errors, 0);
	assert_true(has_msg(&L.d, DIAG_NOTE, 2, 7, "skipping kind 'CiliumNetworkPolicy'"));
	assert_true(has_msg(&L.d, DIAG_NOTE, 7, 7, "skipping kind 'KubeArmorNetworkPolicy'"));
	assert_true(has_msg(&L.d, DIAG_NOTE, 10, 1, "skipping document without 'kind'"));
	diag_done(&L.d);
	/* a misspelt KubeArmor kind is not ours to judge either, but the note names it */
	load("apiVersion: security.kubearmor.com/v1\nkind: KubearmorPolicy\nmetadata: {name: a}\n",
	     &L);
	assert_int_equal(L.r, 0);
	assert_true(has_msg(&L.d, DIAG_NOTE, 2, 7,
			    "skipping kind 'KubearmorPolicy' (did you mean 'KubeArmorPolicy'?)"));
	diag_done(&L.d);
}

static void empty_documents_are_ignored_and_each_document_stands_alone(void **state)
{
	(void)state;
	struct loaded L;
	load("---\n---\n# only a comment\n---\n" KSP_HEAD "---\n" KSP_HEAD "  action: audit\n"
	     "  severity: 0\n---\n" KSP_HEAD "  action: Allow\n---\n",
	     &L);
	/* the middle document is invalid (both problems reported) and not loaded at all */
	assert_int_equal(L.r, 1);
	assert_int_equal(L.n_docs, 2);
	assert_int_equal(L.d.n_errors, 2);
	assert_true(has_msg(&L.d, DIAG_ERROR, 24, 11, "'audit' is not one of"));
	assert_true(has_msg(&L.d, DIAG_ERROR, 25, 13, "0 is out of range"));
	diag_done(&L.d);
	load("", &L);
	assert_int_equal(L.r, 0);
	assert_int_equal(L.n_docs, 0);
	assert_int_equal(L.d.n, 0);
	diag_done(&L.d);
}

static void every_problem_is_reported_not_only_the_first(void **state)
{
	(void)state;
	struct loaded L;
	load(KSP_HEAD "  severity: 11\n  action: block\n  file:\n    matchPaths:\n    - path: /x/\n"
		      "      recurive: true\n    matchDirectories:\n    - dir: /etc\n",
	     &L);
	assert_int_equal(L.r, 1);
	assert_int_equal(L.d.n_errors, 5);
	assert_true(has_msg(&L.d, DIAG_ERROR, 10, 13, "out of range"));
	assert_true(has_msg(&L.d, DIAG_ERROR, 11, 11, "did you mean 'Block'"));
	assert_true(has_msg(&L.d, DIAG_ERROR, 14, 13, "must not end with '/'"));
	assert_true(has_msg(&L.d, DIAG_ERROR, 15, 7, "did you mean 'readOnly'") ||
		    has_msg(&L.d, DIAG_ERROR, 15, 7, "unknown field 'recurive'"));
	assert_true(has_msg(&L.d, DIAG_ERROR, 17, 12, "did you mean '/etc/'"));
	diag_done(&L.d);
}

static void duplicate_keys_keep_the_last_value_with_a_warning(void **state)
{
	(void)state;
	static const char y[] = KSP_HEAD "  action: Block\n  severity: 2\n  action: Audit\n"
					 "  file:\n    matchPaths: [{path: /a/}]\n"
					 "  file:\n    matchPaths: [{path: /b}]\n";
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	/* the first `file` (invalid path) is dropped, as kubectl drops it */
	assert_int_equal(policy_load_buffer("t.yaml", y, strlen(y), &l, &d), 0);
	assert_int_equal(policy_doc_list_count(l), 1);
	assert_int_equal(d.n_errors, 0);
	assert_true(has_msg(&d, DIAG_WARNING, 12, 3,
			    "duplicate key 'action': the one at line 10 is ignored"));
	assert_true(has_msg(&d, DIAG_WARNING, 15, 3, "duplicate key 'file'"));
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(policy_doc_list_to_json(l, &sb), 0);
	assert_non_null(strstr(sb.buf, "\"action\": \"Audit\""));
	assert_non_null(strstr(sb.buf, "\"path\": \"/b\""));
	assert_null(strstr(sb.buf, "\"path\": \"/a/\""));
	strbuf_done(&sb);
	policy_doc_list_free(l);
	diag_done(&d);
	/* in a skipped kind they are not judged */
	struct loaded L;
	load("kind: Other\na: 1\na: 2\n", &L);
	assert_int_equal(L.r, 0);
	assert_int_equal(L.d.n, 1);
	assert_int_equal(L.d.entries[0].level, DIAG_NOTE);
	diag_done(&L.d);
}

static void merge_keys_work_as_in_kubectl(void **state)
{
	(void)state;
	static const char y[] =
		"apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		"metadata: {name: merge}\nspec:\n"
		"  <<: {severity: 3, action: Audit}\n  action: Block\n"
		"  file:\n    matchPaths:\n"
		"    - <<: [{path: /a, readOnly: true}, {path: /b, ownerOnly: true}]\n"
		"      path: /c\n";
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	assert_int_equal(policy_load_buffer("m.yaml", y, strlen(y), &l, &d), 0);
	assert_int_equal(d.n, 0);
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(policy_doc_list_to_json(l, &sb), 0);
	/* explicit keys win over merged ones; the first merged mapping wins over later ones */
	assert_non_null(strstr(sb.buf, "\"path\": \"/c\""));
	assert_non_null(strstr(sb.buf, "\"readOnly\": true"));
	assert_non_null(strstr(sb.buf, "\"ownerOnly\": true"));
	assert_non_null(strstr(sb.buf, "\"severity\": 3"));
	assert_null(strstr(sb.buf, "\"Audit\""));
	strbuf_done(&sb);
	policy_doc_list_free(l);
	diag_done(&d);
	/* a quoted "<<" is an ordinary (here unknown) key */
	expect_error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
		     "metadata: {name: q}\nspec:\n  \"<<\": {severity: 3}\n",
		     5, 3, "unknown field '<<'");
}

static void tab_before_a_trailing_comment_loads(void **state)
{
	(void)state;
	expect_valid("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n"
		     "  name: t\n  namespace: default \t\t #change your namespace\nspec:\n"
		     "  action: Block\t# a comment\n");
}

static void yaml_syntax_errors_have_positions(void **state)
{
	(void)state;
	expect_error(KSP_HEAD "  action: [Block\n", 11, 1, "invalid YAML");
	expect_error("a: b: c\n", 1, 5, "invalid YAML: mapping values are not allowed");
	expect_error("a: *nope\n", 1, 4, "unknown anchor 'nope'");
	expect_error("- 1\n- [x\n", 3, 1, "invalid YAML");
	expect_error("plain text\n", 1, 1, "a policy document must be a mapping");
}

/* Walk a CRD's openAPIV3Schema node (parsed from the corpus file) against the compiled table. */
static void compare_schema(const struct ynode *y, const struct schema_node *s, const char *path)
{
	const struct ynode *type = ymap_get(y, "type");
	assert_non_null(type);
	const char *t = type->str;
	const struct ynode *props = ymap_get(y, "properties");
	const struct ynode *addl = ymap_get(y, "additionalProperties");
	if (!strcmp(t, "object") && addl)
		assert_int_equal(s->type, SCHEMA_MAP);
	else if (!strcmp(t, "object") && props)
		assert_int_equal(s->type, SCHEMA_OBJECT);
	else if (!strcmp(t, "object"))
		assert_int_equal(s->type, SCHEMA_ANY_OBJECT);
	else if (!strcmp(t, "array"))
		assert_int_equal(s->type, SCHEMA_ARRAY);
	else if (!strcmp(t, "string"))
		assert_int_equal(s->type, SCHEMA_STRING);
	else if (!strcmp(t, "integer"))
		assert_int_equal(s->type, SCHEMA_INTEGER);
	else if (!strcmp(t, "boolean"))
		assert_int_equal(s->type, SCHEMA_BOOLEAN);
	else
		fail_msg("%s: unexpected type %s", path, t);
	size_t np = props ? props->n : 0;
	if (np != s->n_props)
		fail_msg("%s: %zu properties in the CRD, %zu in the table", path, np, s->n_props);
	for (size_t i = 0; i < np; i++) {
		const struct schema_node *c = schema_prop_find(s, props->pairs[i].key->str);
		if (!c)
			fail_msg("%s.%s missing from the table", path, props->pairs[i].key->str);
		char sub[512];
		snprintf(sub, sizeof(sub), "%s.%s", path, props->pairs[i].key->str);
		compare_schema(props->pairs[i].value, c, sub);
	}
	const struct ynode *items = ymap_get(y, "items");
	if (items)
		compare_schema(items, s->items, path);
	if (addl)
		compare_schema(addl, s->items, path);
	const struct ynode *req = ymap_get(y, "required");
	assert_int_equal(req ? req->n : 0, s->n_required);
	for (size_t i = 0; req && i < req->n; i++)
		assert_string_equal(req->items[i]->str, s->required[i]);
	const struct ynode *en = ymap_get(y, "enum");
	assert_int_equal(en ? en->n : 0, s->n_enum);
	for (size_t i = 0; en && i < en->n; i++)
		assert_string_equal(en->items[i]->str, s->enum_values[i]);
	const struct ynode *pat = ymap_get(y, "pattern");
	if (pat) {
		assert_int_not_equal(s->pattern, SCHEMA_PAT_NONE);
		if (s->pattern != SCHEMA_PAT_PROTO && s->pattern != SCHEMA_PAT_CAP)
			assert_string_equal(pat->str, schema_pattern_source(s->pattern));
	} else {
		assert_int_equal(s->pattern, SCHEMA_PAT_NONE);
	}
	const struct ynode *ml = ymap_get(y, "maxLength");
	assert_int_equal(ml ? ml->ival : -1, s->max_length);
	const struct ynode *mi = ymap_get(y, "maxItems");
	assert_int_equal(mi ? mi->ival : -1, s->max_items);
	const struct ynode *mn = ymap_get(y, "minimum"), *mx = ymap_get(y, "maximum");
	assert_int_equal(!!mn, s->has_min);
	assert_int_equal(!!mx, s->has_max);
	if (mn)
		assert_int_equal(mn->ival, s->min);
	if (mx)
		assert_int_equal(mx->ival, s->max);
}

static void compiled_schema_tables_match_the_crd_files(void **state)
{
	(void)state;
	for (size_t k = 0; k < schema_n_kinds; k++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/kubearmor-crds/%s.yaml", ward_test_corpus(),
			 schema_kinds[k].kind);
		size_t len;
		char *buf = ward_test_read_file(path, &len);
		if (!buf)
			fail_msg("cannot read %s (set WARD_CORPUS)", path);
		struct diag d;
		diag_init(&d);
		struct yparse *p = NULL;
		assert_int_equal(yparse_new(path, buf, len, &d, &p), 0);
		struct ytree t = { 0 };
		assert_int_equal(yparse_next(p, &t), 1);
		const struct ynode *spec = ymap_get(t.root, "spec");
		const struct ynode *vers = ymap_get(spec, "versions");
		assert_int_equal(vers->n, 1);
		const struct ynode *schema =
			ymap_get(ymap_get(vers->items[0], "schema"), "openAPIV3Schema");
		assert_non_null(schema);
		compare_schema(schema, schema_kinds[k].root, schema_kinds[k].kind);
		/* the CRD file itself is another kind: skipped with a note by the loader */
		struct policy_doc *doc = NULL;
		assert_int_equal(policy_doc_from_tree(path, &t, &d, &doc), 0);
		assert_null(doc);
		assert_true(
			has_msg(&d, DIAG_NOTE, 3, 7, "skipping kind 'CustomResourceDefinition'"));
		ytree_done(&t);
		yparse_free(p);
		diag_done(&d);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_policies_of_each_kind_load),
		cmocka_unit_test(wrong_types_are_reported_at_the_value),
		cmocka_unit_test(null_where_a_value_is_required_is_an_error),
		cmocka_unit_test(enums_are_case_sensitive_with_a_hint),
		cmocka_unit_test(capability_pattern_is_only_end_anchored),
		cmocka_unit_test(protocol_pattern_is_only_end_anchored),
		cmocka_unit_test(path_pattern_needs_two_characters_and_no_trailing_slash),
		cmocka_unit_test(dir_pattern_needs_leading_and_trailing_slash),
		cmocka_unit_test(execname_and_syscall_path_patterns),
		cmocka_unit_test(lengths_ranges_and_item_counts),
		cmocka_unit_test(required_fields_are_reported_at_their_object),
		cmocka_unit_test(unknown_fields_get_a_near_miss_hint),
		cmocka_unit_test(host_policies_require_node_selector_and_from_source),
		cmocka_unit_test(metadata_name_and_api_version_are_checked),
		cmocka_unit_test(other_kinds_are_skipped_with_a_note),
		cmocka_unit_test(empty_documents_are_ignored_and_each_document_stands_alone),
		cmocka_unit_test(every_problem_is_reported_not_only_the_first),
		cmocka_unit_test(duplicate_keys_keep_the_last_value_with_a_warning),
		cmocka_unit_test(merge_keys_work_as_in_kubectl),
		cmocka_unit_test(tab_before_a_trailing_comment_loads),
		cmocka_unit_test(yaml_syntax_errors_have_positions),
		cmocka_unit_test(compiled_schema_tables_match_the_crd_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
