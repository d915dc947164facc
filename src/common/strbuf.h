/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.h - growable, always NUL-terminated byte string (the role SDS plays in Redis).
 *
 * Formatters and escapers write into a strbuf. Growth is overflow-checked; on allocation
 * failure the buffer keeps its old contents, `oom` is set and every later append is a no-op,
 * so a formatter can append freely and check once at the end with strbuf_error().
 */
#ifndef WARD_COMMON_STRBUF_H
#define WARD_COMMON_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/compiler.h"

struct strbuf {
	char *buf; /* owned; NUL-terminated when cap > 0 */
	size_t len, cap;
	int oom;
};

void strbuf_init(struct strbuf *sb);
void strbuf_done(struct strbuf *sb);
/* strbuf_reset() - keep the allocation, empty the string. */
void strbuf_reset(struct strbuf *sb);
/* strbuf_reserve() - make room for @extra more bytes. Return: 0 or -ENOMEM. */
int strbuf_reserve(struct strbuf *sb, size_t extra);
/*
 * The appenders below are inline: the formatters (record JSON, CEF, RFC 5424) call them a few
 * dozen times per record on the forwarding and agent hot paths, where a call plus the reserve
 * check cost more than the copy. Only growth goes out of line (strbuf_reserve).
 */
static inline void strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
	if (WARD_UNLIKELY(sb->oom || n >= sb->cap - sb->len) && strbuf_reserve(sb, n) < 0)
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

static inline void strbuf_putc(struct strbuf *sb, char c)
{
	if (WARD_UNLIKELY(sb->oom || sb->len + 1 >= sb->cap) && strbuf_reserve(sb, 1) < 0)
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) WARD_PRINTF(2, 3);
void strbuf_put_u64(struct strbuf *sb, uint64_t v);
void strbuf_put_i64(struct strbuf *sb, int64_t v);
/* strbuf_put_json_string() - append @s (length @n) as a quoted JSON string (RFC 8259 escaping). */
/*
 * strbuf_json_string_at() - write @s (@n bytes) as a quoted JSON string at @o, which has room
 * for 6 * @n + 2 bytes (a caller that reserved once for several members); return the end.
 */
char *strbuf_json_string_at(char *o, const char *s, size_t n);
void strbuf_put_json_string(struct strbuf *sb, const char *s, size_t n);
/* strbuf_error() - -ENOMEM if any append failed, else 0. */
int strbuf_error(const struct strbuf *sb);
/* strbuf_detach() - hand the buffer to the caller (free()) and reset @sb. Never NULL unless OOM. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);

#endif
