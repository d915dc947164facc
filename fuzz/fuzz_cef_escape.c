/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_cef_escape - CEF (and LEEF) escapers: unescape(escape(x)) == x, an escaped header field
 * has no bare `|`, an escaped extension value no bare `=` or line break, and a whole CEF line
 * built from fuzzed fields has exactly 7 unescaped `|` separators.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "format/format.h"
#include "record/record.h"

static void roundtrip(void (*esc)(struct strbuf *, const char *, size_t),
		      int (*unesc)(struct strbuf *, const char *, size_t), const char *s, size_t n)
{
	struct strbuf e, d;
	strbuf_init(&e);
	strbuf_init(&d);
	esc(&e, s, n);
	if (strbuf_error(&e) || unesc(&d, e.buf ? e.buf : "", e.len) || d.len != n ||
	    (n && memcmp(d.buf, s, n)))
		abort();
	strbuf_done(&e);
	strbuf_done(&d);
}

/* Count separators that are not escaped (a `\` escapes exactly the next byte). */
static size_t bare(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		k += s[i] == c;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *s = (const char *)data;
	roundtrip(format_cef_escape_header, format_cef_unescape, s, size);
	roundtrip(format_cef_escape_ext, format_cef_unescape, s, size);
	roundtrip(format_leef_escape_header, format_leef_unescape, s, size);
	roundtrip(format_leef_escape_value, format_leef_unescape, s, size);

	struct strbuf e;
	strbuf_init(&e);
	format_cef_escape_ext(&e, s, size);
	if (bare(e.buf ? e.buf : "", e.len, '=') || memchr(e.buf ? e.buf : "", '\n', e.len))
		abort();
	strbuf_reset(&e);
	format_leef_escape_value(&e, s, size);
	if (bare(e.buf ? e.buf : "", e.len, '=') || memchr(e.buf ? e.buf : "", '\t', e.len))
		abort();

	/* whole line: fuzzed policy name and message land in the header */
	char *z = strndup(s, size);
	if (!z)
		abort();
	struct ward_record r = {
		.policy_name = z, .message = z, .resource = z, .operation = "File"
	};
	strbuf_reset(&e);
	if (format_cef(&r, &e))
		abort();
	/* 7 header separators; the extension may hold bare pipes, so count in the header only */
	size_t pipes = 0, i = 0;
	for (; i < e.len && pipes < 7; i++) {
		if (e.buf[i] == '\\')
			i++;
		else if (e.buf[i] == '|')
			pipes++;
	}
	if (pipes != 7 || i < 3 || strncmp(e.buf + i - 3, "|0|rt=", 6))
		abort();
	free(z);
	strbuf_done(&e);
	return 0;
}
