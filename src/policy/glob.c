/* SPDX-License-Identifier: Apache-2.0 */
/*
 * glob.c - matchPatterns semantics (§2.2): KubeArmor first compiles a pattern as a Go regexp and
 * silently drops the rule if that fails, then matches it with Go's filepath.Match, where '*' and
 * '?' never cross '/', '[...]' is a class ('^' negates) and '\' escapes. This file implements both
 * checks from the documented semantics, without allocation (used on the decision path).
 */
#include <stdint.h>
#include <string.h>

#include "policy/set.h"

/*
 * One chunk (the text up to the next '*') against the start of @s. Return: bytes of @s consumed,
 * or -1 on mismatch, -2 on a malformed pattern (Go returns ErrBadPattern, KubeArmor then treats
 * the event as not matching).
 */
static int chunk_match(const char *c, size_t clen, const char *s, size_t slen)
{
	size_t i = 0, j = 0;

	while (i < clen) {
		if (c[i] == '[') {
			int negate = 0, matched = 0, nrange = 0;
			unsigned char ch;

			if (j >= slen)
				return -1;
			ch = (unsigned char)s[j++];
			i++;
			if (i < clen && c[i] == '^') {
				negate = 1;
				i++;
			}
			for (;;) {
				unsigned char lo, hi;

				if (i < clen && c[i] == ']' && nrange > 0) {
					i++;
					break;
				}
				if (i >= clen)
					return -2;
				if (c[i] == '\\') {
					if (++i >= clen)
						return -2;
				}
				lo = (unsigned char)c[i++];
				hi = lo;
				if (i < clen && c[i] == '-') {
					i++;
					if (i >= clen)
						return -2;
					if (c[i] == '\\') {
						if (++i >= clen)
							return -2;
					}
					hi = (unsigned char)c[i++];
				}
				if (lo <= ch && ch <= hi)
					matched = 1;
				nrange++;
			}
			if (matched == negate)
				return -1;
		} else if (c[i] == '?') {
			if (j >= slen || s[j] == '/')
				return -1;
			i++;
			j++;
		} else {
			if (c[i] == '\\') {
				if (++i >= clen)
					return -2;
			}
			if (j >= slen || c[i] != s[j])
				return -1;
			i++;
			j++;
		}
	}
	return (int)j;
}

int pglob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0;

	while (p < plen) {
		int star = 0;
		size_t cstart, cend;
		int in_class = 0, r;

		while (p < plen && pat[p] == '*') {
			star = 1;
			p++;
		}
		cstart = p;
		while (p < plen) {
			if (pat[p] == '\\' && p + 1 < plen) {
				p += 2;
				continue;
			}
			if (pat[p] == '[')
				in_class = 1;
			else if (pat[p] == ']')
				in_class = 0;
			else if (pat[p] == '*' && !in_class)
				break;
			p++;
		}
		cend = p;
		if (star && cstart == cend)
			return memchr(s, '/', slen) == NULL; /* trailing '*' */
		r = chunk_match(pat + cstart, cend - cstart, s, slen);
		if (r == -2)
			return 0;
		if (r >= 0 && ((size_t)r == slen || p < plen)) {
			s += r;
			slen -= (size_t)r;
			continue;
		}
		if (star) {
			size_t i;
			int found = 0;

			/* first fit: the star consumes i+1 bytes, never a '/' */
			for (i = 0; i < slen && s[i] != '/'; i++) {
				r = chunk_match(pat + cstart, cend - cstart, s + i + 1,
						slen - i - 1);
				if (r == -2)
					return 0;
				if (r >= 0) {
					if (p >= plen && (size_t)r != slen - i - 1)
						continue;
					s += i + 1 + (size_t)r;
					slen -= i + 1 + (size_t)r;
					found = 1;
					break;
				}
			}
			if (found)
				continue;
		}
		return 0;
	}
	return slen == 0;
}

uint32_t pglob_literal_prefix(const char *pat)
{
	uint32_t n = 0;

	while (pat[n] && pat[n] != '*' && pat[n] != '?' && pat[n] != '[' && pat[n] != '\\')
		n++;
	return n;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A "{n}", "{n,}" or "{n,m}" repeat at @p? Return its length, else 0 (Go: then '{' is literal). */
static size_t repeat_len(const char *p)
{
	size_t i = 1;

	if (!is_digit(p[i]))
		return 0;
	while (is_digit(p[i]))
		i++;
	if (p[i] == ',') {
		i++;
		while (is_digit(p[i]))
			i++;
	}
	return p[i] == '}' ? i + 1 : 0;
}

/*
 * The Go regexp (RE2 syntax) errors real patterns run into: a repetition operator with nothing to
 * repeat ("*x", "(*", "a|*"), a repeated repetition ("**", "*+", "a{2}*"; the lazy forms "*?",
 * "+?", "??" are fine once), unbalanced parentheses, an unclosed or inverted class, a trailing
 * backslash, and unknown escapes.
 */
int pglob_go_regexp_ok(const char *pat)
{
	/* 0 = nothing to repeat, 1 = an atom, 2 = a repetition, 3 = a lazy repetition */
	int prev = 0, depth = 0;
	const char *p = pat;

	while (*p) {
		char c = *p;
		size_t rl = 0;

		if (c == '*' || c == '+' || c == '?' || (c == '{' && (rl = repeat_len(p)) != 0)) {
			if (prev == 0)
				return 0;
			if (prev == 2 && c == '?') {
				prev = 3;
				p++;
				continue;
			}
			if (prev >= 2)
				return 0;
			prev = 2;
			p += c == '{' ? rl : 1;
			continue;
		}
		if (c == '(') {
			depth++;
			prev = 0;
			p++;
			if (*p == '?')
				return 0; /* group flags: not produced by real policies; reject */
			continue;
		}
		if (c == ')') {
			if (--depth < 0)
				return 0;
			prev = 1;
			p++;
			continue;
		}
		if (c == '|') {
			prev = 0;
			p++;
			continue;
		}
		if (c == '\\') {
			p++;
			if (!*p)
				return 0;
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '1' && *p <= '9')) {
				if (!strchr("aAbBdDfnpPrsStvwWxz", *p))
					return 0;
			}
			p++;
			prev = 1;
			continue;
		}
		if (c == '[') {
			const char *q = p + 1;

			if (*q == '^')
				q++;
			if (*q == ']')
				q++; /* a leading ']' is a literal */
			while (*q && *q != ']') {
				unsigned char ch;

				if (*q == '\\') {
					q++;
					if (!*q)
						return 0;
				}
				ch = (unsigned char)*q++;
				if (*q == '-' && q[1] && q[1] != ']') {
					unsigned char hi;

					q++;
					if (*q == '\\') {
						q++;
						if (!*q)
							return 0;
					}
					hi = (unsigned char)*q++;
					if (hi < ch)
						return 0;
				}
			}
			if (*q != ']')
				return 0;
			p = q + 1;
			prev = 1;
			continue;
		}
		prev = 1;
		p++;
	}
	return depth == 0;
}
