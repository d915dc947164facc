/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json_escape - the JSON string escaper every JSON body uses (strbuf_put_json_string):
 * the output never holds a raw control character, and for valid UTF-8 input jansson decodes
 * it back to exactly the input. Also runs the OCSF writer on fuzzed fields and checks that
 * jansson accepts the whole object.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "format/format.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *s = (const char *)data;
	struct strbuf e;
	strbuf_init(&e);
	strbuf_put_json_string(&e, s, size);
	if (strbuf_error(&e))
		abort();
	for (size_t i = 0; i < e.len; i++)
		if ((unsigned char)e.buf[i] < 0x20)
			abort();
	json_t *probe = json_stringn(s, size); /* NULL when @s is not valid UTF-8 */
	if (probe) {
		json_error_t err;
		json_t *back = json_loadb(e.buf, e.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (!back || !json_is_string(back) || json_string_length(back) != size ||
		    memcmp(json_string_value(back), s, size))
			abort();
		json_decref(back);
		json_decref(probe);

		char *z = strndup(s, size);
		if (!z)
			abort();
		struct ward_record r = { .policy_name = z,
					 .message = z,
					 .resource = z,
					 .operation = "Network",
					 .host_name = z };
		strbuf_reset(&e);
		if (format_ocsf(&r, &e))
			abort();
		json_t *o = json_loadb(e.buf, e.len, 0, &err);
		/* a NUL inside the input cuts the C string: still valid JSON */
		if (!o || !json_is_object(o))
			abort();
		json_decref(o);
		free(z);
	}
	strbuf_done(&e);
	return 0;
}
