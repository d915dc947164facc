/* SPDX-License-Identifier: Apache-2.0 */
/* ward_test.c - helpers shared by the cmocka tiers (see ward_test.h). */
#include "support/ward_test.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ward_test_require_kernel(void)
{
	const char *v = getenv("WARD_REQUIRE_KERNEL");
	return v && !strcmp(v, "1");
}

const char *ward_test_top(void)
{
	const char *t = getenv("WARD_TOP");
	return t && *t ? t : ".";
}

const char *ward_test_corpus(void)
{
	static char buf[4096];
	const char *c = getenv("WARD_CORPUS");
	if (c && *c)
		return c;
	snprintf(buf, sizeof(buf), "%s/../shared/corpus", ward_test_top());
	return buf;
}

char *ward_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/ward-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ward_test_rm_rf(const char *dir)
{
	if (dir && *dir && strcmp(dir, "/"))
		(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *ward_test_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}
