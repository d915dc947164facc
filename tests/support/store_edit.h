/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_edit.h - tampering with a block-layout store the way an attacker with the sqlite3 CLI
 * would with a row store (`UPDATE records ...`), for the tamper, retention and crash tests:
 * a block is decoded, changed and written back without fixing any hash.
 */
#ifndef WARD_TESTS_STORE_EDIT_H
#define WARD_TESTS_STORE_EDIT_H

#include <stdint.h>

enum store_edit_op {
	STORE_EDIT_PID,	     /* add @arg to record @id's PID */
	STORE_EDIT_DELETE,   /* remove record @id */
	STORE_EDIT_TRUNCATE, /* remove every record after @id */
	STORE_EDIT_COPY,     /* add a block holding a copy of record @arg under id @id */
};

/* store_edit() - apply @op to the block-layout store at @path. Return: 0 or -errno. */
int store_edit(const char *path, enum store_edit_op op, int64_t id, int64_t arg);

/*
 * store_edit_replicate() - append @copies copies of the store's records (ids and ts moved
 * past the originals, postings too) for the benchmark's big store. The copies are not on
 * the hash chain: such a store is for query latency only.
 */
int store_edit_replicate(const char *path, int copies);

/* store_edit_count() - records, smallest and largest id stored (block headers). */
int store_edit_count(const char *path, int64_t *ret_n, int64_t *ret_min, int64_t *ret_max);

#endif
