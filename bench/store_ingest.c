/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_ingest - sustained ingest rate of the store writer with every index and the FTS
 * maintained, separated from JSON parsing: records are parsed first (timed on their own),
 * then appended in batches the way the agent does (store_writer_append + periodic flush).
 *
 * usage: store_ingest FILE.ndjson STORE.db [BATCH] [RATE]
 *   RATE (records/s): pace the appends like a lightly loaded agent (its autoflush thread
 *   commits every 50 ms), for the size of the blocks a slow stream makes
 * prints: parse_rate=N/s ingest_rate=N/s bytes_per_record=N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/diag.h"
#include "record/record.h"
#include "store/store.h"

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: store_ingest FILE.ndjson STORE.db [BATCH] [RATE]\n");
		return 2;
	}
	size_t batch = argc > 3 ? (size_t)atol(argv[3]) : 1000;
	double rate = argc > 4 ? atof(argv[4]) : 0;
	FILE *in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	struct record_owned **recs = malloc(cap * sizeof(*recs));
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	unsigned lineno = 0;
	double t0 = now_s(), c0 = cpu_s();
	while ((len = getline(&line, &lcap, in)) > 0) {
		lineno++;
		struct diag d;
		diag_init(&d);
		if (n == cap) {
			cap *= 2;
			recs = realloc(recs, cap * sizeof(*recs));
		}
		if (record_from_json(line, (size_t)len, argv[1], lineno, &recs[n], &d) == 0)
			n++;
		diag_done(&d);
	}
	double t_parse = now_s() - t0, c_parse = cpu_s() - c0;
	free(line);
	fclose(in);

	char err[STORE_ERR_MAX];
	struct store_writer *w;
	struct store_writer_opts o = { .autoflush = 1 };
	if (store_writer_open(argv[2], &o, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct ward_record *b = malloc(batch * sizeof(*b));
	t0 = now_s();
	c0 = cpu_s();
	for (size_t i = 0; i < n; i += batch) {
		size_t m = n - i < batch ? n - i : batch;
		for (size_t j = 0; j < m; j++)
			b[j] = recs[i + j]->rec;
		if (store_writer_append(w, b, m, NULL)) {
			fprintf(stderr, "append failed\n");
			return 1;
		}
		if (rate > 0) {
			double due = t0 + (double)(i + m) / rate, wait = due - now_s();
			if (wait > 0) {
				struct timespec ts = {
					(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)
				};
				nanosleep(&ts, NULL);
			}
		}
	}
	if (store_writer_close(w)) {
		fprintf(stderr, "close failed\n");
		return 1;
	}
	double t_ingest = now_s() - t0, c_ingest = cpu_s() - c0;
	struct store *s;
	struct store_stats st = { 0 };
	if (!store_open(argv[2], STORE_OPEN_READONLY, &s, err, sizeof(err))) {
		store_get_stats(s, &st);
		store_close(s);
	}
	/* the machine is shared: CPU-time rates show the cost, wall-clock rates what was seen */
	printf("records=%zu parse_rate=%.0f/s (cpu %.0f/s) ingest_rate=%.0f/s (cpu %.0f/s) "
	       "bytes_per_record=%.0f\n",
	       n, (double)n / t_parse, (double)n / c_parse, (double)n / t_ingest,
	       (double)n / c_ingest, n ? (double)st.bytes_file / (double)n : 0.0);
	for (size_t i = 0; i < n; i++)
		record_owned_free(recs[i]);
	free(recs);
	free(b);
	return 0;
}
