/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.h - strict number, duration, size and time parsing for CLI flags and config keys.
 *
 * Every helper rejects empty input, trailing junk and out-of-range values with -EINVAL/-ERANGE,
 * and writes *ret only on success.
 */
#ifndef WARD_COMMON_PARSE_H
#define WARD_COMMON_PARSE_H

#include <stdint.h>

int parse_u32(const char *s, uint32_t *ret);
int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);

/*
 * parse_duration() - "90s", "15m", "2h", "7d", "1w", or a bare number of seconds, into seconds.
 * Compound forms such as "1h30m" are accepted.
 */
int parse_duration(const char *s, int64_t *ret_seconds);

/* parse_size() - "512", "64KiB", "10MiB", "10GiB", "1G", "1MB" into bytes (K/M/G are powers of 1024). */
int parse_size(const char *s, uint64_t *ret_bytes);

/*
 * parse_time_spec() - a point in time for --since/--until: a duration ago ("15m" → now - 15 min)
 * or an RFC 3339 time ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00.5+02:00", "2026-12-01").
 * @now is unix seconds. Result in unix nanoseconds.
 */
int parse_time_spec(const char *s, int64_t now, int64_t *ret_unix_ns);

/* parse_rfc3339() - RFC 3339 (or a bare date) into unix nanoseconds. */
int parse_rfc3339(const char *s, int64_t *ret_unix_ns);

#endif
