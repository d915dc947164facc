/* SPDX-License-Identifier: Apache-2.0 */
/* strbuf.c - growable strings for formatters (see strbuf.h). */
#include "common/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *sb)
{
	*sb = (struct strbuf){ 0 };
}

void strbuf_done(struct strbuf *sb)
{
	free(sb->buf);
	*sb = (struct strbuf){ 0 };
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->oom)
		return -ENOMEM;
	if (extra > SIZE_MAX - sb->len - 1)
		goto fail;
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *b = realloc(sb->buf, cap);
	if (!b)
		goto fail;
	sb->buf = b;
	sb->cap = cap;
	return 0;
fail:
	sb->oom = 1;
	return -ENOMEM;
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_reserve(sb, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_put_u64(struct strbuf *sb, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_append(sb, tmp + i, sizeof(tmp) - i);
}

void strbuf_put_i64(struct strbuf *sb, int64_t v)
{
	if (v < 0) {
		strbuf_putc(sb, '-');
		/* -(INT64_MIN) overflows; go through unsigned arithmetic */
		strbuf_put_u64(sb, (uint64_t)0 - (uint64_t)v);
		return;
	}
	strbuf_put_u64(sb, (uint64_t)v);
}

/* Per byte: 0 copy as is, else the letter after the backslash ('u': \u00XX). */
static const char json_esc[256] = {
	['\0'] = 'u', [1] = 'u',    [2] = 'u',	  [3] = 'u',	 [4] = 'u',    [5] = 'u',
	[6] = 'u',    [7] = 'u',    ['\b'] = 'u', ['\t'] = 't',	 ['\n'] = 'n', [11] = 'u',
	['\f'] = 'u', ['\r'] = 'r', [14] = 'u',	  [15] = 'u',	 [16] = 'u',   [17] = 'u',
	[18] = 'u',   [19] = 'u',   [20] = 'u',	  [21] = 'u',	 [22] = 'u',   [23] = 'u',
	[24] = 'u',   [25] = 'u',   [26] = 'u',	  [27] = 'u',	 [28] = 'u',   [29] = 'u',
	[30] = 'u',   [31] = 'u',   ['"'] = '"',  ['\\'] = '\\', [0x7f] = 'u',
};

static inline char *json_escape_byte(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e = json_esc[c];
	if (WARD_LIKELY(!e)) {
		*o++ = (char)c;
		return o;
	}
	*o++ = '\\';
	*o++ = e;
	if (e == 'u') {
		*o++ = '0';
		*o++ = '0';
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	return o;
}

/* 1 if a byte of @w is one json_esc[] escapes: below 0x20, '"', '\\' or DEL (exact per word) */
static inline int json_word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t ctl = (w - ones * 0x20) & ~w & highs;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), d = w ^ (ones * 0x7f);
	q = (q - ones) & ~q & highs;
	b = (b - ones) & ~b & highs;
	d = (d - ones) & ~d & highs;
	return (ctl | q | b | d) != 0;
}

/*
 * Strings are copied 8 bytes at a time while no byte of the word needs escaping: the record
 * writer and the forwarders' encoders call this for every string of every record.
 */
char *strbuf_json_string_at(char *o, const char *s, size_t n)
{
	size_t i = 0;
	*o++ = '"';
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (!json_word_needs_escape(w)) {
			memcpy(o, &w, 8);
			o += 8;
			continue;
		}
		for (size_t j = 0; j < 8; j++)
			o = json_escape_byte(o, (unsigned char)s[i + j]);
	}
	if (i < n && n >= 8) {
		/* the tail is the end of the last (overlapping) word: copy it whole if it is clean */
		uint64_t w;
		memcpy(&w, s + n - 8, 8);
		if (!json_word_needs_escape(w)) {
			memcpy(o, s + i, n - i);
			o += n - i;
			i = n;
		}
	}
	for (; i < n; i++)
		o = json_escape_byte(o, (unsigned char)s[i]);
	*o++ = '"';
	return o;
}

void strbuf_put_json_string(struct strbuf *sb, const char *s, size_t n)
{
	/* worst case: every byte becomes \u00XX */
	if (n > (SIZE_MAX - 2) / 6 || strbuf_reserve(sb, n * 6 + 2) < 0) {
		sb->oom = 1;
		return;
	}
	char *o = strbuf_json_string_at(sb->buf + sb->len, s, n);
	*o = '\0';
	sb->len = (size_t)(o - sb->buf);
}

int strbuf_error(const struct strbuf *sb)
{
	return sb->oom ? -ENOMEM : 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *ret_len)
{
	if (sb->oom) {
		strbuf_done(sb);
		return NULL;
	}
	if (!sb->buf && strbuf_reserve(sb, 0) < 0)
		return NULL;
	char *b = sb->buf;
	if (ret_len)
		*ret_len = sb->len;
	*sb = (struct strbuf){ 0 };
	return b;
}
