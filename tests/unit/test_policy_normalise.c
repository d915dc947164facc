/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: policy/normalise.c - KubeArmor's §1.11 post-processing as seen through
 * policy_load_buffer(): default action, severity/tags/message/action inheritance rule ← section ←
 * spec, the element-0 comma-expansion quirk, protocol and capability spelling, DNS dots, syscall
 * fromSource dirs; and policy_doc_list_to_json() for `ward policy show`.
 */
#include "support/ward_test.h"

#include <jansson.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/ast.h"
#include "policy/policy.h"

#define HEAD                                      \
	"apiVersion: security.kubearmor.com/v1\n" \
	"kind: KubeArmorPolicy\n"                 \
	"metadata: {name: pol, namespace: ns}\n"  \
	"spec:\n"                                 \
	"  selector: {matchLabels: {app: x}}\n"

static struct policy_doc_list *load_one(const char *yaml)
{
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	int r = policy_load_buffer("n.yaml", yaml, strlen(yaml), &l, &d);
	if (r != 0) {
		char buf[1024];
		for (size_t i = 0; i < d.n; i++) {
			diag_format(&d.entries[i], buf, sizeof(buf));
			print_message("%s\n", buf);
		}
	}
	assert_int_equal(r, 0);
	assert_int_equal(policy_doc_list_count(l), 1);
	diag_done(&d);
	return l;
}

static void default_action_is_block(void **state)
{
	(void)state;
	struct policy_doc_list *l =
		load_one(HEAD "  process:\n    matchPaths:\n    - path: /bin/sh\n");
	struct policy_doc *d = l->v[0];
	assert_int_equal(d->meta.action, POLICY_ACTION_BLOCK);
	assert_int_equal(d->process.v[0].meta.action, POLICY_ACTION_BLOCK);
	assert_int_equal(d->process.v[0].meta.severity, 0);
	assert_null(d->process.v[0].meta.message);
	policy_doc_list_free(l);
}

static void rules_inherit_from_section_then_spec(void **state)
{
	(void)state;
	struct policy_doc_list *l = load_one(
		HEAD
		"  severity: 3\n  tags: [spec-tag]\n  message: spec message\n  action: Audit\n"
		"  file:\n    severity: 7\n    action: Block\n"
		"    matchPaths:\n"
		"    - path: /etc/a\n"
		"    - path: /etc/b\n      severity: 9\n      tags: [own]\n      message: own\n"
		"      action: Allow\n"
		"  process:\n    matchDirectories:\n    - dir: /tmp/\n"
		"  syscalls:\n    message: local\n    matchSyscalls:\n    - syscall: [unlink]\n");
	struct policy_doc *d = l->v[0];
	const struct policy_path_rule *a = &d->file.v[0], *b = &d->file.v[1], *p = &d->process.v[0];
	assert_int_equal(a->meta.severity, 7);		       /* section */
	assert_int_equal(a->meta.action, POLICY_ACTION_BLOCK); /* section */
	assert_string_equal(a->meta.message, "spec message");  /* spec */
	assert_int_equal(a->meta.tags.n, 1);
	assert_string_equal(a->meta.tags.v[0], "spec-tag");
	assert_int_equal(b->meta.severity, 9); /* own values win */
	assert_int_equal(b->meta.action, POLICY_ACTION_ALLOW);
	assert_string_equal(b->meta.message, "own");
	assert_string_equal(b->meta.tags.v[0], "own");
	assert_int_equal(p->meta.severity, 3); /* no section values: spec */
	assert_int_equal(p->meta.action, POLICY_ACTION_AUDIT);
	assert_string_equal(p->value, "/tmp/");
	const struct policy_syscall_rule *s = &d->syscalls.v[0];
	assert_string_equal(s->meta.message, "local");
	assert_int_equal(s->meta.severity, 3);
	assert_int_equal(s->meta.action, POLICY_ACTION_AUDIT); /* syscall rules only audit */
	policy_doc_list_free(l);
}

static void comma_expansion_only_when_the_first_element_has_a_comma(void **state)
{
	(void)state;
	struct policy_doc_list *l = load_one(
		HEAD
		"  network:\n    matchProtocols:\n    - protocol: TCP, udp\n      severity: 4\n"
		"      fromSource: [{path: /bin/curl}]\n    - protocol: raw,icmp\n"
		"  capabilities:\n    matchCapabilities:\n    - capability: net_raw\n"
		"    - capability: CAP_chown,cap_kill\n");
	struct policy_doc *d = l->v[0];
	assert_int_equal(d->network.n_protocols, 4);
	assert_string_equal(d->network.protocols[0].protocol, "tcp");
	assert_string_equal(d->network.protocols[1].protocol, "udp");
	assert_string_equal(d->network.protocols[2].protocol, "raw");
	assert_string_equal(d->network.protocols[3].protocol, "icmp");
	/* every part keeps its rule's settings */
	assert_int_equal(d->network.protocols[1].meta.severity, 4);
	assert_int_equal(d->network.protocols[1].from.n, 1);
	assert_string_equal(d->network.protocols[1].from.v[0].path, "/bin/curl");
	assert_int_equal(d->network.protocols[3].from.n, 0);
	/* element 0 has no comma: the second element stays one rule (KubeArmor's quirk) */
	assert_int_equal(d->capabilities.n, 2);
	assert_string_equal(d->capabilities.v[0].capability, "net_raw");
	assert_string_equal(d->capabilities.v[1].capability, "chown,cap_kill");
	policy_doc_list_free(l);
}

static void capability_and_protocol_names_are_normalised(void **state)
{
	(void)state;
	struct policy_doc_list *l = load_one(
		HEAD "  network:\n    matchProtocols:\n    - protocol: ICMPV6\n"
		     "  capabilities:\n    matchCapabilities:\n    - capability: cap_net_raw\n"
		     "    - capability: CAP_sys_admin\n    - capability: setuid\n");
	struct policy_doc *d = l->v[0];
	assert_string_equal(d->network.protocols[0].protocol, "icmpv6");
	assert_string_equal(d->capabilities.v[0].capability, "net_raw");
	assert_string_equal(d->capabilities.v[1].capability, "sys_admin");
	assert_string_equal(d->capabilities.v[2].capability, "setuid");
	policy_doc_list_free(l);
}

static void dns_dots_trimmed_and_syscall_dirs_get_a_slash(void **state)
{
	(void)state;
	struct policy_doc_list *l = load_one(
		HEAD "  network:\n    matchDNSQueries:\n    - domain: .example.com.\n"
		     "  syscalls:\n    matchPaths:\n    - path: /etc/\n      recursive: true\n"
		     "      syscall: [unlink, rmdir]\n      fromSource:\n      - dir: /usr/bin\n"
		     "      - dir: /sbin/\n      - path: /bin/rm\n");
	struct policy_doc *d = l->v[0];
	assert_string_equal(d->network.dns[0].domain, "example.com");
	const struct policy_syscall_rule *s = &d->syscalls.v[0];
	assert_string_equal(s->path, "/etc/");
	assert_true(s->recursive);
	assert_int_equal(s->syscalls.n, 2);
	assert_string_equal(s->from.v[0].dir, "/usr/bin/");
	assert_string_equal(s->from.v[1].dir, "/sbin/");
	assert_string_equal(s->from.v[2].path, "/bin/rm");
	policy_doc_list_free(l);
}

static void show_json_has_the_normalised_values(void **state)
{
	(void)state;
	struct policy_doc_list *l =
		load_one(HEAD "  severity: 5\n  file:\n    action: Audit\n    matchDirectories:\n"
			      "    - dir: /etc/\n      recursive: true\n      readOnly: true\n"
			      "  network:\n    matchProtocols:\n    - protocol: tcp,UDP\n");
	struct strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(policy_doc_list_to_json(l, &sb), 0);
	json_error_t err;
	json_t *j = json_loads(sb.buf, 0, &err);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 1);
	json_t *d = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(d, "kind")), "KubeArmorPolicy");
	assert_string_equal(json_string_value(json_object_get(d, "name")), "pol");
	assert_string_equal(json_string_value(json_object_get(d, "namespace")), "ns");
	assert_string_equal(json_string_value(json_object_get(d, "action")), "Block");
	json_t *dir =
		json_array_get(json_object_get(json_object_get(d, "file"), "matchDirectories"), 0);
	assert_string_equal(json_string_value(json_object_get(dir, "dir")), "/etc/");
	assert_int_equal(json_integer_value(json_object_get(dir, "severity")), 5);
	assert_string_equal(json_string_value(json_object_get(dir, "action")), "Audit");
	assert_true(json_is_true(json_object_get(dir, "recursive")));
	assert_true(json_is_true(json_object_get(dir, "readOnly")));
	json_t *protos = json_object_get(json_object_get(d, "network"), "matchProtocols");
	assert_int_equal(json_array_size(protos), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(protos, 1), "protocol")), "udp");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(d, "selector"), "matchLabels"), "app")),
		"x");
	json_decref(j);
	strbuf_done(&sb);
	policy_doc_list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_action_is_block),
		cmocka_unit_test(rules_inherit_from_section_then_spec),
		cmocka_unit_test(comma_expansion_only_when_the_first_element_has_a_comma),
		cmocka_unit_test(capability_and_protocol_names_are_normalised),
		cmocka_unit_test(dns_dots_trimmed_and_syscall_dirs_get_a_slash),
		cmocka_unit_test(show_json_has_the_normalised_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
