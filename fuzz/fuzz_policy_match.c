/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_policy_match.c - compile hostile rule strings and decide hostile events.
 *
 * Input: up to four NUL/newline-separated strings: a matchPatterns pattern, a matchDirectories
 * dir, a fromSource path, and an event path; the first byte picks modifiers and the posture. The
 * pattern goes through the Go-regexp validity check and the glob matcher, the rest through
 * indexing and the '/'-prefix walk. Documents are built on the stack (no loader involved).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "policy/ast.h"
#include "policy/policy.h"

#define MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MAX_INPUT + 1], *part[4] = { "", "", "", "" };
	struct policy_path_rule rules[3];
	struct policy_source src;
	struct policy_doc doc, *docs[1] = { &doc };
	struct policy_doc_list list = { docs, 1, 1 };
	struct policy_compile_opts o;
	struct policy_set *set = NULL;
	struct policy_scope *sc = NULL;
	struct diag dg;
	uint8_t flags;
	size_t n = 0;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	flags = data[0];
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	part[n++] = buf;
	for (char *p = buf; *p && n < 4; p++)
		if (*p == '\n') {
			*p = 0;
			part[n++] = p + 1;
		}

	memset(&doc, 0, sizeof(doc));
	memset(rules, 0, sizeof(rules));
	doc.kind = POLICY_KIND_KSP;
	doc.name = "fuzz";
	doc.meta.action = (flags & 3) == 0   ? POLICY_ACTION_ALLOW
			  : (flags & 3) == 1 ? POLICY_ACTION_AUDIT
					     : POLICY_ACTION_BLOCK;
	rules[0].kind = POLICY_MATCH_PATTERN;
	rules[0].value = part[0];
	rules[0].read_only = flags >> 2 & 1;
	rules[1].kind = POLICY_MATCH_DIR;
	rules[1].value = part[1];
	rules[1].recursive = flags >> 3 & 1;
	rules[1].owner_only = flags >> 4 & 1;
	rules[2].kind = POLICY_MATCH_PATH;
	rules[2].value = part[3];
	src.path = part[2];
	src.dir = NULL;
	src.recursive = 0;
	rules[2].from.v = &src;
	rules[2].from.n = 1;
	doc.file.v = rules;
	doc.file.n = 3;
	doc.process.v = rules;
	doc.process.n = 3;

	policy_compile_opts_init(&o);
	o.container_posture[POLICY_CLASS_FILE] =
		flags >> 5 & 1 ? POLICY_POSTURE_BLOCK : POLICY_POSTURE_AUDIT;
	o.audited = flags >> 6 & 1;
	diag_init(&dg);
	if (policy_set_compile(&list, &o, &set, &dg) == 0) {
		struct policy_container c = { "default", "c", NULL };

		if (policy_set_container_scope(set, &c, &sc) == 0) {
			for (int op = POLICY_OP_PROCESS; op <= POLICY_OP_FILE; op++) {
				struct policy_event ev;
				struct policy_verdict v;

				memset(&ev, 0, sizeof(ev));
				ev.op = (enum policy_op)op;
				ev.process = part[2];
				ev.parent = part[0];
				ev.source = part[2];
				ev.path = part[3];
				ev.result = flags >> 7 ? POLICY_RESULT_PENDING : 0;
				ev.is_write = flags & 1;
				policy_scope_decide(sc, &ev, &v);
				ev.path = part[1];
				policy_scope_decide(sc, &ev, &v);
			}
			policy_scope_free(sc);
		}
		policy_set_free(set);
	}
	diag_done(&dg);
	return 0;
}
