/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_logs_filter - `ward logs` filters: each input line is `word=value` (a flag word) or
 * `where:EXPR`. Whatever the store accepts must compile in both dialects and run on a real
 * (in-memory) store without an SQL error; whatever it refuses must come with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "store/store.h"

#define MAX_INPUT 4096

static struct store *mem;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[STORE_ERR_MAX];
	if (size > MAX_INPUT)
		return 0;
	if (!mem && store_open(":memory:", STORE_OPEN_CREATE, &mem, err, sizeof(err)))
		abort();
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct store_filter *f;
	if (store_filter_new(&f)) {
		free(text);
		return 0;
	}
	int accepted = 1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int r;
		err[0] = 0;
		if (!strncmp(line, "where:", 6)) {
			r = store_filter_where(f, line + 6, 1764547200, err, sizeof(err));
		} else {
			char *eq = strchr(line, '=');
			if (!eq)
				continue;
			*eq = 0;
			r = store_filter_add(f, line, eq + 1, 1764547200, err, sizeof(err));
		}
		if (r == -EINVAL && !err[0])
			abort(); /* a refusal must say why */
		if (r) {
			accepted = 0;
			break;
		}
	}
	if (accepted) {
		struct strbuf sb;
		struct store_param p[256];
		size_t np;
		strbuf_init(&sb);
		int r1 = store_filter_sql(f, STORE_DIALECT_POSTGRES, 1, &sb, p, 256, &np);
		strbuf_done(&sb);
		struct store_query *q;
		int r = store_query_begin(mem, f, STORE_NEWEST_FIRST, NULL, 0, 10, &q);
		if (r == -EIO && r1 != -E2BIG)
			abort(); /* an accepted filter produced invalid SQL */
		if (!r) {
			const struct store_row *row;
			if (store_next(q, &row) < 0)
				abort();
			store_query_end(q);
		}
	}
	store_filter_free(f);
	free(text);
	return 0;
}
