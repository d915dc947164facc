/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_load.c - benchmark: load + validate + normalise every policy file of a directory (the
 * shared corpus by default), against a baseline in the same run: libyaml's event parser alone
 * over the same bytes (the floor any libyaml-based loader pays). Also times policy_load_paths()
 * from disk, which adds the directory walk and reads. Times are CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID): the machine is shared, so wall time mostly measures neighbours.
 * Usage: policy_load [DIR] [ROUNDS]   (DIR defaults to $WARD_CORPUS or ../shared/corpus)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "common/diag.h"
#include "policy/policy.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct file {
	char *name, *buf;
	size_t len;
};

static size_t baseline(const struct file *f, size_t n)
{
	size_t events = 0;
	for (size_t i = 0; i < n; i++) {
		yaml_parser_t p;
		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, (const unsigned char *)f[i].buf, f[i].len);
		for (;;) {
			yaml_event_t e;
			if (!yaml_parser_parse(&p, &e))
				break;
			int end = e.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&e);
			events++;
			if (end)
				break;
		}
		yaml_parser_delete(&p);
	}
	return events;
}

static size_t full(const struct file *f, size_t n)
{
	size_t docs = 0;
	for (size_t i = 0; i < n; i++) {
		struct policy_doc_list *l = NULL;
		struct diag d;
		diag_init(&d);
		if (policy_load_buffer(f[i].name, f[i].buf, f[i].len, &l, &d) >= 0) {
			docs += policy_doc_list_count(l);
			policy_doc_list_free(l);
		}
		diag_done(&d);
	}
	return docs;
}

int main(int argc, char **argv)
{
	const char *env = getenv("WARD_CORPUS");
	const char *dir = argc > 1 ? argv[1] : (env && *env ? env : "../shared/corpus");
	int rounds = argc > 2 ? atoi(argv[2]) : 21;
	if (rounds < 1)
		rounds = 1;
	char **names = NULL;
	struct diag d;
	diag_init(&d);
	if (policy_list_files((const char *const *)&dir, 1, &names, &d) != 0) {
		fprintf(stderr, "policy_load: cannot read %s\n", dir);
		return 1;
	}
	diag_done(&d);
	size_t n = 0, bytes = 0;
	while (names[n])
		n++;
	struct file *f = calloc(n ? n : 1, sizeof(*f));
	for (size_t i = 0; f && i < n; i++) {
		FILE *fp = fopen(names[i], "rb");
		if (!fp)
			continue;
		fseek(fp, 0, SEEK_END);
		long sz = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		f[i].name = names[i];
		f[i].buf = malloc((size_t)sz + 1);
		f[i].len = f[i].buf ? fread(f[i].buf, 1, (size_t)sz, fp) : 0;
		bytes += f[i].len;
		fclose(fp);
	}
	if (!f)
		return 1;
	double *tb = calloc((size_t)rounds, sizeof(double)),
	       *tf = calloc((size_t)rounds, sizeof(double));
	double *tp = calloc((size_t)rounds, sizeof(double));
	double *tc = calloc((size_t)rounds, sizeof(double));
	size_t events = 0, docs = 0, docs_paths = 0, rules = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now();
		events = baseline(f, n);
		double t1 = now();
		docs = full(f, n);
		double t2 = now();
		struct policy_doc_list *l = NULL;
		diag_init(&d);
		if (policy_load_paths((const char *const *)&dir, 1, &l, &d) >= 0)
			docs_paths = policy_doc_list_count(l);
		diag_done(&d);
		double t3 = now();
		/* the figure: load (above) + compile of everything that loaded */
		struct policy_compile_opts o;
		policy_compile_opts_init(&o);
		struct policy_set *set = NULL;
		diag_init(&d);
		if (l && policy_set_compile(l, &o, &set, &d) == 0) {
			rules = policy_set_rule_count(set);
			policy_set_free(set);
		}
		diag_done(&d);
		double t4 = now();
		policy_doc_list_free(l);
		tb[r] = t1 - t0;
		tf[r] = t2 - t1;
		tp[r] = t3 - t2;
		tc[r] = t4 - t3;
	}
	qsort(tb, (size_t)rounds, sizeof(double), cmp_double);
	qsort(tf, (size_t)rounds, sizeof(double), cmp_double);
	qsort(tp, (size_t)rounds, sizeof(double), cmp_double);
	qsort(tc, (size_t)rounds, sizeof(double), cmp_double);
	double mb = tb[rounds / 2], mf = tf[rounds / 2], mp = tp[rounds / 2], mc = tc[rounds / 2];
	printf("corpus: %s: %zu files, %zu bytes, %zu libyaml events, %zu valid documents\n", dir,
	       n, bytes, events, docs);
	printf("rounds: %d (medians of process CPU time)\n", rounds);
	printf("baseline libyaml events only:          %8.2f ms\n", mb * 1e3);
	printf("ward load+validate+normalise (memory): %8.2f ms  (%.2fx baseline, %.1f us/file)\n",
	       mf * 1e3, mf / mb, mf * 1e6 / (double)(n ? n : 1));
	printf("ward policy_load_paths (from disk):    %8.2f ms  (%zu documents)\n", mp * 1e3,
	       docs_paths);
	printf("ward policy_set_compile:               %8.2f ms  (%zu rules)\n", mc * 1e3, rules);
	printf("load from disk + compile (target <= 1 s): %8.2f ms\n", (mp + mc) * 1e3);
	for (size_t i = 0; i < n; i++)
		free(f[i].buf);
	free(f);
	free(tb);
	free(tf);
	free(tp);
	free(tc);
	policy_file_list_free(names);
	return 0;
}
