/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_syslog_sd - RFC 5424 structured data: unescape(escape(x)) == x for PARAM-VALUE, and a
 * whole line built from fuzzed fields parses back: the header has 6 space-separated fields
 * of printable ASCII, the SD element closes exactly where the writer put it (no bare `"` or
 * `]` inside a value) and the MSG after it is the body byte for byte.
 */
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
	struct strbuf e, d;
	strbuf_init(&e);
	strbuf_init(&d);
	format_sd_escape(&e, s, size);
	if (strbuf_error(&e) || format_sd_unescape(&d, e.buf ? e.buf : "", e.len) ||
	    d.len != size || (size && memcmp(d.buf, s, size)))
		abort();

	char *z = strndup(s, size);
	if (!z)
		abort();
	struct ward_record r = {
		.host_name = z, .type = z, .policy_name = z, .resource = z, .ts_ns = 1
	};
	strbuf_reset(&e);
	struct format_syslog_opts o = { .app_name = z, .facility = -1 };
	if (format_rfc5424(&r, &o, "BODY", 4, &e))
		abort();
	/* header: PRI+VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each non-empty */
	const char *p = e.buf;
	for (int f = 0; f < 6; f++) {
		const char *sp = strchr(p, ' ');
		if (!sp || sp == p)
			abort();
		for (const char *q = p; q < sp; q++)
			if ((unsigned char)*q < 33 || (unsigned char)*q > 126)
				abort();
		p = sp + 1;
	}
	if (strncmp(p, "[" FORMAT_SD_ID, strlen("[" FORMAT_SD_ID)))
		abort();
	/* walk the SD element: inside quotes a backslash escapes the next byte */
	int inq = 0;
	for (p++; *p; p++) {
		if (inq && *p == '\\') {
			p++;
			if (!*p)
				abort();
			continue;
		}
		if (*p == '"')
			inq = !inq;
		else if (!inq && *p == ']')
			break;
	}
	if (*p != ']' || strcmp(p, "] BODY"))
		abort();
	free(z);
	strbuf_done(&e);
	strbuf_done(&d);
	return 0;
}
