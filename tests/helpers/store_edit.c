/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_edit - what `sqlite3 DB "UPDATE records ..."` is to a row store, for a block-layout
 * store (e2e tamper/retention/crash tests; see tests/support/store_edit.h):
 *   store_edit DB pid ID DELTA | delete ID | truncate ID | copy SRC NEWID | count
 *   store_edit DB replicate K   (bench/store.sh: K copies of the records for a big store)
 * count prints "N MIN_ID MAX_ID".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/store_edit.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	const char *db = argv[1], *op = argv[2];
	int r;
	if (!strcmp(op, "count")) {
		int64_t n, lo, hi;
		r = store_edit_count(db, &n, &lo, &hi);
		if (!r)
			printf("%lld %lld %lld\n", (long long)n, (long long)lo, (long long)hi);
	} else if (!strcmp(op, "replicate") && argc == 4) {
		r = store_edit_replicate(db, atoi(argv[3]));
	} else if (!strcmp(op, "pid") && argc == 5) {
		r = store_edit(db, STORE_EDIT_PID, atoll(argv[3]), atoll(argv[4]));
	} else if (!strcmp(op, "delete") && argc == 4) {
		r = store_edit(db, STORE_EDIT_DELETE, atoll(argv[3]), 0);
	} else if (!strcmp(op, "truncate") && argc == 4) {
		r = store_edit(db, STORE_EDIT_TRUNCATE, atoll(argv[3]), 0);
	} else if (!strcmp(op, "copy") && argc == 5) {
		r = store_edit(db, STORE_EDIT_COPY, atoll(argv[4]), atoll(argv[3]));
	} else {
		goto usage;
	}
	if (r) {
		fprintf(stderr, "store_edit: %s: %s\n", op, strerror(-r));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: store_edit DB pid ID DELTA|delete ID|truncate ID|copy SRC NEWID|count|replicate K\n");
	return 2;
}
