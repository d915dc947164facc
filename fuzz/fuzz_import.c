/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_import - record_from_json() on arbitrary bytes. A record it accepts must serialise
 * and parse again to the same JSON (the import → store → `ward logs --json` round trip
 * relies on that); a refusal must carry a diagnostic. The fast path for plain records and the
 * general jansson path must give the same answer for every input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "record/record.h"

#define MAX_INPUT 65536

/* parse.c: 1 forces the jansson path (internal switch for this differential check) */
extern int record_parse_slow;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	struct record_owned *a = NULL, *b = NULL;
	struct diag d;
	struct strbuf j1, j2;
	diag_init(&d);
	strbuf_init(&j1);
	strbuf_init(&j2);
	int r = record_from_json((const char *)data, size, "fuzz", 1, &a, &d);
	if (r == -EINVAL && !diag_has_errors(&d))
		abort();
	/* the general path must agree with whatever path was taken */
	{
		struct record_owned *s = NULL;
		struct diag d2;
		struct strbuf js, jf;
		diag_init(&d2);
		strbuf_init(&js);
		strbuf_init(&jf);
		record_parse_slow = 1;
		int rs = record_from_json((const char *)data, size, "fuzz", 1, &s, &d2);
		record_parse_slow = 0;
		if ((rs == 0) != (r == 0))
			abort();
		if (!r && (record_to_json(&a->rec, &jf) || record_to_json(&s->rec, &js) ||
			   jf.len != js.len || memcmp(jf.buf, js.buf, jf.len)))
			if (!jf.oom && !js.oom)
				abort();
		record_owned_free(s);
		strbuf_done(&js);
		strbuf_done(&jf);
		diag_done(&d2);
	}
	if (!r) {
		if (record_to_json(&a->rec, &j1))
			goto out;
		if (record_from_json(j1.buf, j1.len, "again", 1, &b, &d))
			abort(); /* ward's own output must parse */
		if (record_to_json(&b->rec, &j2))
			goto out;
		if (j1.len != j2.len || memcmp(j1.buf, j2.buf, j1.len))
			abort(); /* and come out the same */
	}
out:
	record_owned_free(a);
	record_owned_free(b);
	strbuf_done(&j1);
	strbuf_done(&j2);
	diag_done(&d);
	return 0;
}
