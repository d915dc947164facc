/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_decide.c - decision latency of policy_scope_decide() against one container scope of
 * 1,000 rules (50 policies x 20 rules: exact paths, directories, recursive directories, patterns,
 * exec names, fromSource rules, protocols, capabilities), for events that hit and miss.
 *
 * Reports compile and scope-build time, then per event class the median and p99 ns of single
 * decisions (each timed with CLOCK_MONOTONIC; the timer's own median cost is subtracted and also
 * printed). Allocation on the decision path is counted by interposing malloc/calloc/realloc/free
 * in this binary (glibc's __libc_* do the work) and must be zero.
 *
 * Run: make bench && build/bench/policy_decide [iterations]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/diag.h"
#include "policy/policy.h"
#include "support/policy_build.c" /* C document builders (no YAML loader needed) */

/* ---- allocation counter ---------------------------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static volatile int counting;
static volatile unsigned long n_allocs;

void *malloc(size_t n)
{
	if (counting)
		n_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (counting)
		n_allocs++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		n_allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (counting && p)
		n_allocs++;
	__libc_free(p);
}

/* ---- the rule set ---------------------------------------------------------------------------- */

static struct policy_doc_list *build_docs(void)
{
	struct policy_doc_list *l = tpb_list();
	char buf[256];
	static const char *const protos[] = { "tcp", "udp", "icmp", "raw" };
	static const char *const caps[] = { "net_raw", "sys_admin", "chown", "setuid" };

	for (int p = 0; p < 50; p++) {
		struct policy_doc *d;
		struct policy_path_rule *r;

		snprintf(buf, sizeof(buf), "bench-policy-%02d", p);
		d = tpb_doc(POLICY_KIND_KSP, buf, "bench");
		tpb_label(d, "app", "bench");
		tpb_spec(d, p % 5 == 0 ? POLICY_ACTION_AUDIT : POLICY_ACTION_BLOCK, 1 + p % 10,
			 "bench message", "bench,tag");
		/* 8 exact file paths, 2 of them with fromSource */
		for (int i = 0; i < 8; i++) {
			snprintf(buf, sizeof(buf), "/etc/app%02d/secret%d.conf", p, i);
			r = tpb_path(d, POLICY_OP_FILE, POLICY_MATCH_PATH, buf);
			if (i < 2)
				tpb_from(&r->from, "/usr/bin/cat");
			if (i == 3)
				r->read_only = 1;
		}
		/* 3 directories, one recursive */
		for (int i = 0; i < 3; i++) {
			snprintf(buf, sizeof(buf), "/var/lib/app%02d/d%d/", p, i);
			tpb_path(d, POLICY_OP_FILE, POLICY_MATCH_DIR, buf)->recursive = i == 0;
		}
		/* 1 pattern in 2 of every 5 policies (20 in the set) */
		snprintf(buf, sizeof(buf), "/opt/app%02d/*.key", p);
		if (p % 5 < 2)
			tpb_path(d, POLICY_OP_FILE, POLICY_MATCH_PATTERN, buf);
		else {
			snprintf(buf, sizeof(buf), "/srv/app%02d/index.html", p);
			tpb_path(d, POLICY_OP_FILE, POLICY_MATCH_PATH, buf);
		}
		/* 3 process paths (1 from source), 1 execname, 1 process dir */
		for (int i = 0; i < 3; i++) {
			snprintf(buf, sizeof(buf), "/usr/local/app%02d/bin/tool%d", p, i);
			r = tpb_path(d, POLICY_OP_PROCESS, POLICY_MATCH_PATH, buf);
			if (i == 0)
				tpb_from(&r->from, "/bin/bash");
		}
		snprintf(buf, sizeof(buf), "tool%02d", p);
		tpb_path(d, POLICY_OP_PROCESS, POLICY_MATCH_EXECNAME, buf);
		snprintf(buf, sizeof(buf), "/opt/app%02d/bin/", p);
		tpb_path(d, POLICY_OP_PROCESS, POLICY_MATCH_DIR, buf)->recursive = 1;
		/* 1 protocol with fromSource, 1 capability, 1 syscall */
		snprintf(buf, sizeof(buf), "/usr/local/app%02d/bin/net", p);
		tpb_from(&tpb_proto(d, protos[p % 4])->from, buf);
		tpb_cap(d, caps[p % 4]);
		snprintf(buf, sizeof(buf), "/var/log/app%02d/", p);
		tpb_syscall(d, "unlink", buf)->recursive = 1;
		tpb_push(l, d);
	}
	return l;
}

/* ---- timing ---------------------------------------------------------------------------------- */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct ev_case {
	const char *name;
	struct policy_event ev;
	int expect_kind; /* checked once, so the bench measures real decisions */
};

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 200000;
	struct policy_doc_list *docs = build_docs();
	struct policy_compile_opts o;
	struct policy_set *set = NULL;
	struct policy_scope *sc = NULL;
	struct diag dg;
	static const char *const labels[] = { "app=bench", NULL };
	struct policy_container c = { "bench", "bench-1", labels };
	uint64_t t0, t_compile, t_scope, timer_cost;
	uint64_t *samples = malloc((size_t)iters * sizeof(uint64_t));
	struct policy_verdict v;
	unsigned long allocs_total = 0;
	int rc = 0;

	policy_compile_opts_init(&o);
	diag_init(&dg);
	t0 = now_ns();
	if (policy_set_compile(docs, &o, &set, &dg) < 0) {
		fprintf(stderr, "compile failed\n");
		return 1;
	}
	t_compile = now_ns() - t0;
	t0 = now_ns();
	if (policy_set_container_scope(set, &c, &sc) < 0)
		return 1;
	t_scope = now_ns() - t0;
	diag_done(&dg);

	struct ev_case cases[] = {
		{ "file exact hit (Block)",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/bin/head",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/head",
		    .path = "/etc/app37/secret5.conf",
		    .result = -13 },
		  POLICY_VERDICT_ALERT },
		{ "file miss (libc)",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/bin/python3",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/python3 x.py",
		    .path = "/usr/lib/x86_64-linux-gnu/libc.so.6",
		    .result = 0 },
		  POLICY_VERDICT_LOG },
		{ "file recursive dir hit",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/bin/cat",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/cat",
		    .path = "/var/lib/app21/d0/x/y/z.db",
		    .result = -13 },
		  POLICY_VERDICT_ALERT },
		{ "file fromSource hit",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/bin/cat",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/cat",
		    .path = "/etc/app44/secret1.conf",
		    .result = -13 },
		  POLICY_VERDICT_ALERT },
		{ "file pattern hit",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/bin/cat",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/cat",
		    .path = "/opt/app31/server.key",
		    .result = -13 },
		  POLICY_VERDICT_ALERT },
		{ "file pending miss",
		  { .op = POLICY_OP_FILE,
		    .process = "/usr/sbin/nginx",
		    .parent = "/usr/sbin/nginx",
		    .source = "/usr/sbin/nginx",
		    .path = "/var/www/html/static/css/site.css",
		    .result = POLICY_RESULT_PENDING },
		  POLICY_VERDICT_LOG },
		{ "exec path hit",
		  { .op = POLICY_OP_PROCESS,
		    .process = "/usr/local/app12/bin/tool2",
		    .parent = "/bin/sh",
		    .source = "/bin/sh",
		    .path = "/usr/local/app12/bin/tool2",
		    .result = -13 },
		  POLICY_VERDICT_ALERT },
		{ "exec miss",
		  { .op = POLICY_OP_PROCESS,
		    .process = "/usr/bin/ls",
		    .parent = "/bin/bash",
		    .source = "/bin/bash",
		    .path = "/usr/bin/ls",
		    .result = 0 },
		  POLICY_VERDICT_LOG },
		{ "network tcp miss",
		  { .op = POLICY_OP_NETWORK,
		    .process = "/usr/bin/curl",
		    .parent = "/bin/bash",
		    .source = "/usr/bin/curl example.com",
		    .result = 0,
		    .protos = 0 },
		  POLICY_VERDICT_LOG },
	};
	size_t ncases = sizeof(cases) / sizeof(cases[0]);

	cases[8].ev.protos = policy_proto_classify(2, 1, 0);
	for (size_t i = 0; i < ncases; i++) {
		policy_scope_decide(sc, &cases[i].ev, &v);
		if ((int)v.kind != cases[i].expect_kind) {
			fprintf(stderr, "case '%s': kind %d, expected %d\n", cases[i].name, v.kind,
				cases[i].expect_kind);
			rc = 1;
		}
	}

	/* the timer's own cost */
	for (int i = 0; i < iters; i++) {
		uint64_t a = now_ns();

		samples[i] = now_ns() - a;
	}
	qsort(samples, (size_t)iters, sizeof(uint64_t), cmp_u64);
	timer_cost = samples[iters / 2];

	printf("rules in set: %zu (in this container scope: all)\n", policy_set_rule_count(set));
	printf("compile: %.3f ms   container scope build: %.3f ms\n", t_compile / 1e6,
	       t_scope / 1e6);
	printf("timer cost (median, subtracted): %llu ns   iterations per case: %d\n",
	       (unsigned long long)timer_cost, iters);
	printf("%-26s %10s %10s %12s\n", "event", "median ns", "p99 ns", "batched ns");

	uint64_t *all = malloc((size_t)iters * ncases * sizeof(uint64_t));
	size_t nall = 0;

	for (size_t i = 0; i < ncases; i++) {
		n_allocs = 0;
		counting = 1;
		for (int k = 0; k < iters; k++) {
			uint64_t a = now_ns();

			policy_scope_decide(sc, &cases[i].ev, &v);
			uint64_t d = now_ns() - a;

			samples[k] = d > timer_cost ? d - timer_cost : 0;
		}
		/* the same event 1000 times between two clock reads: the mean without timer cost */
		uint64_t b0 = now_ns();

		for (int k = 0; k < 1000; k++)
			policy_scope_decide(sc, &cases[i].ev, &v);
		double batched = (double)(now_ns() - b0) / 1000.0;

		counting = 0;
		allocs_total += n_allocs;
		memcpy(all + nall, samples, (size_t)iters * sizeof(uint64_t));
		nall += (size_t)iters;
		qsort(samples, (size_t)iters, sizeof(uint64_t), cmp_u64);
		printf("%-26s %10llu %10llu %12.1f\n", cases[i].name,
		       (unsigned long long)samples[iters / 2],
		       (unsigned long long)samples[(size_t)iters * 99 / 100], batched);
	}
	qsort(all, nall, sizeof(uint64_t), cmp_u64);
	printf("%-26s %10llu %10llu\n", "ALL (mixed)", (unsigned long long)all[nall / 2],
	       (unsigned long long)all[nall * 99 / 100]);
	printf("allocations during %zu decisions: %lu\n", nall, allocs_total);
	if (allocs_total)
		rc = 1;

	free(all);
	free(samples);
	policy_scope_free(sc);
	policy_set_free(set);
	tpb_list_free(docs);
	return rc;
}
