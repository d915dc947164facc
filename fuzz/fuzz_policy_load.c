/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_policy_load.c - libFuzzer target for the whole policy loader: bytes → libyaml events →
 * tree (limits, aliases, duplicate keys) → CRD validation → conversion → normalisation → JSON.
 * Input is capped at 256 KiB so each run stays fast; the file-size limit itself is a unit test.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	struct policy_doc_list *l = NULL;
	struct diag d;
	diag_init(&d);
	int r = policy_load_buffer("fuzz.yaml", (const char *)data, size, &l, &d);
	if (r >= 0) {
		struct strbuf sb;
		strbuf_init(&sb);
		(void)policy_doc_list_to_json(l, &sb);
		strbuf_done(&sb);
		policy_doc_list_free(l);
	}
	for (size_t i = 0; i < d.n; i++) {
		char buf[DIAG_MSG_MAX + 64];
		diag_format(&d.entries[i], buf, sizeof(buf));
	}
	diag_done(&d);
	return 0;
}
