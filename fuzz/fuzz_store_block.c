/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_store_block - a block of the block-layout store (block.c) as someone who can write the
 * database file left it: input byte 0 is the block's record count (1..64), the rest its data
 * blob. The block replaces the one real block of a small store, then everything that reads
 * blocks runs over it: newest-first and id-ascending queries with and without an indexed
 * equality, counts, and `ward logs verify`. Each must end with rows, an error or a verify
 * problem, never a crash or a read outside the blob; and the real block put back must verify.
 * Seeds: fuzz/corpus/fuzz_store_block/ (the real block, made from the records below).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "record/record.h"
#include "store/internal.h"
#include "store/store.h"

#define MAX_INPUT 65536

/* three records of the seed examples' shape, so every column kind has values */
static const char *const lines[] = {
	"{\"Timestamp\":1700000000,\"UpdatedTime\":\"2023-11-14T22:13:20.000000Z\","
	"\"HostName\":\"h1\",\"HostPID\":10,\"PID\":10,\"UID\":0,\"ProcessName\":\"/usr/bin/ps\","
	"\"ParentProcessName\":\"/usr/bin/bash\",\"Source\":\"/usr/bin/bash\",\"Operation\":"
	"\"Process\",\"Resource\":\"/usr/bin/ps\",\"Data\":\"syscall=SYS_EXECVE\",\"Type\":"
	"\"MatchedHostPolicy\",\"PolicyName\":\"p1\",\"Severity\":\"5\",\"Tags\":\"MITRE\","
	"\"Message\":\"ps ran\",\"Action\":\"Audit\",\"Result\":\"Passed\",\"Enforcer\":"
	"\"eBPF Monitor\",\"ExecEvent\":{\"ExecID\":\"0\",\"ExecutableName\":\"ps\"}}",
	"{\"Timestamp\":1700000001,\"UpdatedTime\":\"2023-11-14T22:13:21.000000Z\","
	"\"HostName\":\"h2\",\"ContainerID\":\"abc\",\"ContainerName\":\"c\",\"PodName\":\"p\","
	"\"HostPID\":11,\"PID\":3,\"UID\":1000,\"ProcessName\":\"/bin/cat\",\"Operation\":\"File\","
	"\"Resource\":\"/etc/passwd\",\"Data\":\"syscall=SYS_OPENAT fd=-100 flags=O_RDONLY\","
	"\"Type\":\"ContainerLog\",\"Result\":\"Passed\"}",
	"{\"Timestamp\":1700000002,\"UpdatedTime\":\"2023-11-14T22:13:22.000000Z\","
	"\"HostName\":\"h1\",\"HostPID\":12,\"PID\":12,\"UID\":0,\"ProcessName\":\"/usr/bin/curl\","
	"\"Operation\":\"Network\",\"Resource\":\"sa_family=AF_INET sin_port=80\",\"Data\":"
	"\"syscall=SYS_CONNECT fd=3\",\"Type\":\"HostLog\",\"Result\":\"Passed\"}",
};

static struct store *st;
static unsigned char *real_blob;
static int real_len, real_n;
static int64_t first_id;

static void setup(void)
{
	char dir[] = "/tmp/fuzz-store-block.XXXXXX", path[64], err[STORE_ERR_MAX];
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/s.db", dir);
	setenv("WARD_STORE_LAYOUT", "blocks", 1);
	struct store_writer *w;
	if (store_writer_open(path, NULL, &w, err, sizeof(err)))
		abort();
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct record_owned *o;
		struct diag d;
		diag_init(&d);
		if (record_from_json(lines[i], strlen(lines[i]), "fuzz", 1, &o, &d) ||
		    store_writer_append(w, &o->rec, 1, NULL))
			abort();
		record_owned_free(o);
		diag_done(&d);
	}
	if (store_writer_close(w) || store_open(path, 0, &st, err, sizeof(err)) || !st->blocks)
		abort();
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, "SELECT first_id, n, data FROM blocks", -1, &q, NULL) ||
	    sqlite3_step(q) != SQLITE_ROW)
		abort();
	first_id = sqlite3_column_int64(q, 0);
	real_n = sqlite3_column_int(q, 1);
	real_len = sqlite3_column_bytes(q, 2);
	real_blob = malloc((size_t)real_len);
	if (!real_blob)
		abort();
	memcpy(real_blob, sqlite3_column_blob(q, 2), (size_t)real_len);
	sqlite3_finalize(q);
	/* the file stays for the process's life; only its directory entry goes */
	unlink(path);
	rmdir(dir);
}

static void put_block(int n, const void *blob, int len)
{
	sqlite3_stmt *u;
	if (sqlite3_prepare_v2(st->db, "UPDATE blocks SET n = ?, data = ? WHERE first_id = ?", -1,
			       &u, NULL))
		abort();
	sqlite3_bind_int(u, 1, n);
	sqlite3_bind_blob(u, 2, blob, len, SQLITE_STATIC);
	sqlite3_bind_int64(u, 3, first_id);
	if (sqlite3_step(u) != SQLITE_DONE)
		abort();
	sqlite3_finalize(u);
}

static void read_all(struct store_filter *f, enum store_order order)
{
	struct store_query *q;
	const struct store_row *row;
	if (store_query_begin(st, f, order, NULL, 0, 0, &q))
		return;
	while (store_next(q, &row) == 1)
		;
	store_query_end(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > MAX_INPUT)
		return 0;
	if (!st)
		setup();
	/* an exact-size copy: ASan sees a read past the blob's end */
	int len = (int)size - 1;
	unsigned char *blob = malloc(len ? (size_t)len : 1);
	if (!blob)
		return 0;
	memcpy(blob, data + 1, (size_t)len);
	put_block(data[0] % 64 + 1, blob, len);

	char err[STORE_ERR_MAX];
	struct store_filter *f;
	read_all(NULL, STORE_NEWEST_FIRST);
	read_all(NULL, STORE_ID_ASCENDING);
	if (store_filter_new(&f) == 0) {
		if (store_filter_add(f, "hostname", "h1", 0, err, sizeof(err)) == 0 &&
		    store_filter_add(f, "operation", "Process", 0, err, sizeof(err)) == 0)
			read_all(f, STORE_NEWEST_FIRST);
		static const char *const fields[] = { "HostName", "Operation" };
		struct store_count *c = NULL;
		size_t nc = 0;
		if (store_count(st, NULL, fields, 2, 10, &c, &nc, err, sizeof(err)) == 0)
			store_counts_free(c, nc);
		store_filter_free(f);
	}
	struct store_verify_result v;
	(void)store_verify(st, &v);

	/* the real block back: the chain must verify again (nothing cached the fuzzed one) */
	put_block(real_n, real_blob, real_len);
	if (store_verify(st, &v) || v.problem != STORE_VERIFY_OK)
		abort();
	free(blob);
	return 0;
}
