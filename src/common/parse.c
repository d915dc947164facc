/* SPDX-License-Identifier: Apache-2.0 */
/* parse.c - strict parsers for numbers, durations, sizes and times (see parse.h). */
#include "common/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	if (!s || !*s)
		return -EINVAL;
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_duration(const char *s, int64_t *ret_seconds)
{
	if (!s || !*s)
		return -EINVAL;
	int64_t total = 0;
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
		int64_t mult;
		switch (*end) {
		case '\0':
			/* a bare number is seconds, only as the whole string */
			if (p != s)
				return -EINVAL;
			mult = 1;
			break;
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 7 * 86400;
			break;
		default:
			return -EINVAL;
		}
		if (v > INT64_MAX / mult || total > INT64_MAX - v * mult)
			return -ERANGE;
		total += v * mult;
		p = *end ? end + 1 : end;
	}
	*ret_seconds = total;
	return 0;
}

int parse_size(const char *s, uint64_t *ret_bytes)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	uint64_t mult = 1;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'B':
			mult = 1;
			break;
		case 'K':
			mult = 1024ULL;
			break;
		case 'M':
			mult = 1024ULL * 1024;
			break;
		case 'G':
			mult = 1024ULL * 1024 * 1024;
			break;
		case 'T':
			mult = 1024ULL * 1024 * 1024 * 1024;
			break;
		default:
			return -EINVAL;
		}
		const char *rest = end + 1;
		if (toupper((unsigned char)*end) != 'B') {
			if (!strcmp(rest, "") || !strcmp(rest, "iB") || !strcmp(rest, "B") ||
			    !strcmp(rest, "ib") || !strcmp(rest, "b"))
				;
			else
				return -EINVAL;
		} else if (*rest) {
			return -EINVAL;
		}
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*ret_bytes = v * mult;
	return 0;
}

static int digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

int parse_rfc3339(const char *s, int64_t *ret_unix_ns)
{
	if (!s)
		return -EINVAL;
	const char *p = s;
	int Y, M, D, h = 0, m = 0, sec = 0;
	int64_t frac_ns = 0, offset = 0;
	if (digits(&p, 4, &Y) < 0 || *p++ != '-' || digits(&p, 2, &M) < 0 || *p++ != '-' ||
	    digits(&p, 2, &D) < 0)
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &m) < 0)
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) < 0)
				return -EINVAL;
		}
		if (*p == '.') {
			p++;
			int64_t scale = 100000000;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			while (isdigit((unsigned char)*p)) {
				frac_ns += (*p - '0') * scale;
				scale /= 10;
				p++;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
				return -EINVAL;
			offset = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p)
		return -EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	struct tm tm = { .tm_year = Y - 1900,
			 .tm_mon = M - 1,
			 .tm_mday = D,
			 .tm_hour = h,
			 .tm_min = m,
			 .tm_sec = sec };
	time_t t = timegm(&tm);
	int64_t secs = (int64_t)t - offset;
	/* int64 nanoseconds reach from 1677 to 2262; outside that the value cannot be represented */
	if (secs <= INT64_MIN / 1000000000LL + 1 || secs >= INT64_MAX / 1000000000LL - 1)
		return -ERANGE;
	*ret_unix_ns = secs * 1000000000LL + frac_ns;
	return 0;
}

int parse_time_spec(const char *s, int64_t now, int64_t *ret_unix_ns)
{
	int64_t secs;
	int r = parse_duration(s, &secs);
	if (r == 0) {
		if (secs > now - INT64_MIN / 1000000000LL - 1)
			return -ERANGE;
		int64_t t = now - secs;
		if (t <= INT64_MIN / 1000000000LL + 1 || t >= INT64_MAX / 1000000000LL - 1)
			return -ERANGE;
		*ret_unix_ns = t * 1000000000LL;
		return 0;
	}
	if (r == -ERANGE)
		return r;
	return parse_rfc3339(s, ret_unix_ns);
}
