/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_import - record_from_json() on arbitrary bytes. A record it accepts must serialise
 * and parse again to the same JSON (the import → store → `ward logs --json` round trip
 * relies on that); a refusal must carry a diagnostic.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "record/record.h"

#define MAX_INPUT 65536

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
