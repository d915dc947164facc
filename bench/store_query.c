/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_query - in-process latency of `ward logs --json --limit N <filter>` on one or more
 * stores, so process start (~60 ms of `ward logs` wall time on the bench VM) is out of the
 * figure. Each run does what cmd_logs does: open the store read-only, compile the filter words
 * (store_filter_add), query newest first with a limit, turn every row into its JSON line
 * (record_to_json) and close. The stores are taken in turn inside each round, so a rows and a
 * blocks store of the same records see the same machine load.
 *
 * usage: store_query [-n RUNS] [-l LIMIT] STORE... -- FILTER...
 *   FILTER is NAME or NAME:WORD=VALUE[:WORD=VALUE...] with the words of `ward logs`
 *   (hostname, operation, action, containerid, text, where, ...); NAME alone = no filter.
 * prints per store and filter: p50_ms p90_ms (wall), cpu_p50_ms (this process's CPU time: less
 * sensitive to a shared machine's load) and rows (records the query returned)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "record/record.h"
#include "store/store.h"

#define MAX_F	  32
#define MAX_WORDS 8

struct fspec {
	char *name;
	char *word[MAX_WORDS], *value[MAX_WORDS];
	size_t n;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* one `ward logs --json` run; returns the rows written (to @sink) or -1 */
static long run(const char *path, const struct fspec *fs, int64_t limit, struct strbuf *sb,
		FILE *sink)
{
	char err[STORE_ERR_MAX];
	struct store *s = NULL;
	struct store_filter *f = NULL;
	struct store_query *q = NULL;
	const struct store_row *row;
	long n = -1;
	int r;
	if (store_open(path, STORE_OPEN_READONLY, &s, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	if (store_filter_new(&f))
		goto out;
	for (size_t i = 0; i < fs->n; i++)
		if (store_filter_add(f, fs->word[i], fs->value[i], time(NULL), err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", fs->name, err);
			goto out;
		}
	if (store_query_begin(s, f, STORE_NEWEST_FIRST, NULL, 0, limit, &q))
		goto out;
	n = 0;
	while ((r = store_next(q, &row)) == 1) {
		strbuf_reset(sb);
		if (record_to_json(&row->rec, sb))
			break;
		strbuf_putc(sb, '\n');
		fwrite(sb->buf, 1, sb->len, sink);
		n++;
	}
	if (r < 0)
		n = -1;
out:
	store_query_end(q);
	store_filter_free(f);
	store_close(s);
	return n;
}

int main(int argc, char **argv)
{
	int runs = 20;
	int64_t limit = 100;
	const char *stores[8];
	size_t ns = 0, nf = 0;
	struct fspec fs[MAX_F];
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-l") && i + 1 < argc)
			limit = atoll(argv[++i]);
		else if (ns < 8)
			stores[ns++] = argv[i];
	}
	for (i++; i < argc && nf < MAX_F; i++) {
		struct fspec *f = &fs[nf++];
		memset(f, 0, sizeof(*f));
		f->name = strtok(argv[i], ":");
		char *w;
		while ((w = strtok(NULL, ":")) && f->n < MAX_WORDS) {
			char *eq = strchr(w, '=');
			if (!eq) {
				fprintf(stderr, "filter word without '=': %s\n", w);
				return 2;
			}
			*eq = 0;
			f->word[f->n] = w;
			f->value[f->n++] = eq + 1;
		}
	}
	if (!ns || !nf || runs < 1) {
		fprintf(stderr, "usage: store_query [-n RUNS] [-l LIMIT] STORE... -- FILTER...\n");
		return 2;
	}
	FILE *sink = fopen("/dev/null", "w");
	double *t = calloc((size_t)runs * ns * nf, sizeof(*t));
	double *ct = calloc((size_t)runs * ns * nf, sizeof(*ct));
	long *rows = calloc(ns * nf, sizeof(*rows));
	struct strbuf sb;
	strbuf_init(&sb);
	if (!sink || !t || !ct || !rows)
		return 1;
	/* one warm-up pass: the page cache holds the stores, as it does for a repeated query */
	for (size_t k = 0; k < nf; k++)
		for (size_t s = 0; s < ns; s++)
			rows[s * nf + k] = run(stores[s], &fs[k], limit, &sb, sink);
	for (int r = 0; r < runs; r++)
		for (size_t k = 0; k < nf; k++)
			for (size_t s = 0; s < ns; s++) {
				double t0 = now_ms(), c0 = cpu_ms();
				if (run(stores[s], &fs[k], limit, &sb, sink) < 0)
					return 1;
				t[(s * nf + k) * (size_t)runs + (size_t)r] = now_ms() - t0;
				ct[(s * nf + k) * (size_t)runs + (size_t)r] = cpu_ms() - c0;
			}
	for (size_t k = 0; k < nf; k++)
		for (size_t s = 0; s < ns; s++) {
			double *v = t + (s * nf + k) * (size_t)runs;
			double *cv = ct + (s * nf + k) * (size_t)runs;
			size_t p50 = (size_t)(runs - 1) / 2, p90 = (size_t)(runs * 9) / 10;
			if (p90 >= (size_t)runs)
				p90 = (size_t)runs - 1;
			qsort(v, (size_t)runs, sizeof(*v), cmp_d);
			qsort(cv, (size_t)runs, sizeof(*cv), cmp_d);
			printf("%-8s %-24s p50_ms=%.2f p90_ms=%.2f cpu_p50_ms=%.2f rows=%ld\n",
			       fs[k].name, stores[s], v[p50], v[p90], cv[p50], rows[s * nf + k]);
		}
	strbuf_done(&sb);
	free(t);
	free(ct);
	free(rows);
	fclose(sink);
	return 0;
}
