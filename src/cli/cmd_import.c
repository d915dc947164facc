/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_import.c - `ward import FILE...`: KubeArmor records (NDJSON, or JSON objects one after
 * another, pretty-printed or not; either JSON form) into the store. A malformed record is
 * reported as FILE:LINE: error: ... and skipped; the rest is imported.
 *
 * Splitting: if the first object of a file ends on the line it starts, the file is NDJSON and
 * each line is one record (so one broken line cannot swallow the next ones); otherwise objects
 * are found by brace depth outside strings. Parsing runs in a second thread while the main
 * thread appends to the store, so the two cores overlap JSON decoding and SQLite.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/parse.h"
#include "record/record.h"
#include "store/store.h"

#define BATCH 2048
#define QUEUE 4

struct batch {
	struct record_owned *o[BATCH];
	size_t n;
	char *errors; /* diagnostics text for this batch (printed in order) */
	size_t errors_len;
	size_t n_errors;
};

struct importer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *q[QUEUE];
	size_t head, count;
	int done;
	/* parser side */
	char **files;
	int n_files;
	int read_failed;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void push(struct importer *im, struct batch *b)
{
	pthread_mutex_lock(&im->lock);
	while (im->count == QUEUE)
		pthread_cond_wait(&im->cond, &im->lock);
	im->q[(im->head + im->count) % QUEUE] = b;
	im->count++;
	pthread_cond_broadcast(&im->cond);
	pthread_mutex_unlock(&im->lock);
}

static struct batch *pop(struct importer *im)
{
	pthread_mutex_lock(&im->lock);
	while (!im->count && !im->done)
		pthread_cond_wait(&im->cond, &im->lock);
	struct batch *b = NULL;
	if (im->count) {
		b = im->q[im->head];
		im->head = (im->head + 1) % QUEUE;
		im->count--;
		pthread_cond_broadcast(&im->cond);
	}
	pthread_mutex_unlock(&im->lock);
	return b;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		record_owned_free(b->o[i]);
	free(b->errors);
	free(b);
}

static void add_error(struct batch *b, const char *msg)
{
	size_t l = strlen(msg);
	char *n = realloc(b->errors, b->errors_len + l + 2);
	if (!n)
		return;
	b->errors = n;
	memcpy(b->errors + b->errors_len, msg, l);
	b->errors[b->errors_len + l] = '\n';
	b->errors_len += l + 1;
	b->errors[b->errors_len] = 0;
	b->n_errors++;
}

struct parser {
	struct importer *im;
	struct batch *b;
	const char *name;
};

static int emit(struct parser *p, const char *text, size_t len, unsigned line)
{
	struct diag d;
	struct record_owned *o = NULL;
	diag_init(&d);
	int r = record_from_json(text, len, p->name, line, &o, &d);
	if (r == -ENOMEM) {
		diag_done(&d);
		return r;
	}
	if (!p->b) {
		p->b = calloc(1, sizeof(*p->b));
		if (!p->b) {
			record_owned_free(o);
			diag_done(&d);
			return -ENOMEM;
		}
	}
	if (r) {
		char buf[DIAG_MSG_MAX + 256];
		for (size_t i = 0; i < d.n; i++) {
			diag_format(&d.entries[i], buf, sizeof(buf));
			add_error(p->b, buf);
		}
		if (!d.n) {
			snprintf(buf, sizeof(buf), "%s:%u: error: not a record", p->name, line);
			add_error(p->b, buf);
		}
	} else {
		p->b->o[p->b->n++] = o;
	}
	diag_done(&d);
	if (p->b->n == BATCH || p->b->n_errors > 64) {
		push(p->im, p->b);
		p->b = NULL;
	}
	return 0;
}

static void error_at(struct parser *p, unsigned line, const char *what)
{
	char buf[512];
	if (!p->b)
		p->b = calloc(1, sizeof(*p->b));
	if (!p->b)
		return;
	snprintf(buf, sizeof(buf), "%s:%u: error: %s", p->name, line, what);
	add_error(p->b, buf);
}

/* end of the object starting at text[0] == '{' (index after '}'), or 0 if it never closes */
static size_t object_end(const char *t, size_t len, unsigned *ret_newlines)
{
	int depth = 0, in_str = 0;
	unsigned nl = 0;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '\n')
			nl++;
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0) {
			*ret_newlines = nl;
			return i + 1;
		}
	}
	return 0;
}

/*
 * Streaming input: the file is read in chunks into one buffer that holds the unit being parsed
 * and what follows it, never the whole file, so memory is bounded whatever the input size
 * (a unit longer than MAX_UNIT is reported and skipped).
 */
#define CHUNK	 (1u << 20)
#define MAX_UNIT (16u << 20)

struct input {
	int fd;
	char *buf;
	size_t cap, pos, end; /* unparsed bytes are buf[pos, end) */
	int eof, failed;
};

/* read more input after buf[end]; 0 = got some, 1 = end of input (or read error: failed) */
static int input_more(struct input *in)
{
	if (in->eof)
		return 1;
	if (in->pos) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	if (in->cap - in->end < CHUNK / 2) {
		size_t ncap = in->cap * 2;
		if (ncap > MAX_UNIT + CHUNK)
			return 1; /* the caller sees the unit still incomplete: too long */
		char *n = realloc(in->buf, ncap);
		if (!n) {
			in->failed = 1;
			in->eof = 1;
			return 1;
		}
		in->buf = n;
		in->cap = ncap;
	}
	for (;;) {
		ssize_t r = read(in->fd, in->buf + in->end, in->cap - in->end);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				in->failed = 1;
			in->eof = 1;
			return 1;
		}
		in->end += (size_t)r;
		return 0;
	}
}

/* drop input up to and including the next newline (skipping an over-long unit) */
static void input_skip_line(struct input *in)
{
	for (;;) {
		const char *nl = memchr(in->buf + in->pos, '\n', in->end - in->pos);
		if (nl) {
			in->pos = (size_t)(nl - in->buf);
			return;
		}
		in->pos = in->end;
		if (input_more(in))
			return;
	}
}

static int parse_stream(struct parser *p, struct input *in)
{
	unsigned line = 1;
	int ndjson = -1;
	for (;;) {
		if (in->pos == in->end && input_more(in))
			return 0;
		char c = in->buf[in->pos];
		if (c == '\n') {
			line++;
			in->pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			in->pos++;
			continue;
		}
		if (ndjson == 1 || c != '{') {
			/* a line-sized unit: NDJSON record, or junk to report and skip */
			const char *nl;
			while (!(nl = memchr(in->buf + in->pos, '\n', in->end - in->pos)) &&
			       in->end - in->pos <= MAX_UNIT && !input_more(in))
				;
			if (!nl && !in->eof) {
				error_at(p, line, "record longer than 16 MiB");
				input_skip_line(in);
				continue;
			}
			size_t end = nl ? (size_t)(nl - in->buf) : in->end;
			if (c == '{') {
				int r = emit(p, in->buf + in->pos, end - in->pos, line);
				if (r)
					return r;
			} else {
				error_at(p, line, "expected a JSON object ('{')");
			}
			in->pos = end;
			continue;
		}
		unsigned nls = 0;
		size_t e;
		while (!(e = object_end(in->buf + in->pos, in->end - in->pos, &nls)) &&
		       in->end - in->pos <= MAX_UNIT && !input_more(in))
			;
		if (!e) {
			error_at(p, line,
				 in->eof ? "unterminated JSON object"
					 : "record longer than 16 MiB");
			return 0;
		}
		if (ndjson == -1)
			ndjson = nls == 0;
		int r = emit(p, in->buf + in->pos, e, line);
		if (r)
			return r;
		line += nls;
		in->pos += e;
	}
}

static void *parser_main(void *arg)
{
	struct importer *im = arg;
	for (int f = 0; f < im->n_files; f++) {
		struct parser p = { .im = im, .name = im->files[f] };
		struct input in = { .fd = -1 };
		if (!strcmp(im->files[f], "-")) {
			p.name = "<stdin>";
			in.fd = STDIN_FILENO;
		} else {
			in.fd = open(im->files[f], O_RDONLY | O_CLOEXEC);
			if (in.fd < 0) {
				char m[300];
				snprintf(m, sizeof(m), "%s", strerror(errno));
				error_at(&p, 0, m);
				im->read_failed = 1;
			} else {
				posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			}
		}
		if (in.fd >= 0) {
			in.cap = CHUNK;
			in.buf = malloc(in.cap);
			if (!in.buf || parse_stream(&p, &in) == -ENOMEM)
				error_at(&p, 0, "out of memory");
			if (in.failed) {
				error_at(&p, 0, "cannot read");
				im->read_failed = 1;
			}
		}
		if (p.b)
			push(im, p.b);
		free(in.buf);
		if (in.fd > STDIN_FILENO)
			close(in.fd);
	}
	pthread_mutex_lock(&im->lock);
	im->done = 1;
	pthread_cond_broadcast(&im->cond);
	pthread_mutex_unlock(&im->lock);
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ward import [--store PATH] [--progress] [--max-size SIZE] [--max-age DUR] "
		"FILE...\n\n"
		"Load KubeArmor records (NDJSON or JSON objects one after another, gRPC or\n"
		"daemon key form) into the store. '-' reads standard input. A malformed record\n"
		"is reported as FILE:LINE: error: ... and skipped (exit 1 at the end).\n"
		"--progress prints 'committed N' after each durable commit (default on a TTY:\n"
		"a progress line). --max-size/--max-age apply the store's retention while\n"
		"importing (oldest records deleted first).\n");
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = { { "store", required_argument, NULL, 's' },
					      { "progress", no_argument, NULL, 'p' },
					      { "max-size", required_argument, NULL, 'S' },
					      { "max-age", required_argument, NULL, 'A' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *store_opt = NULL;
	int c, progress_lines = 0;
	struct store_writer_opts wo = { .batch_records = 20000 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			store_opt = optarg;
			break;
		case 'p':
			progress_lines = 1;
			break;
		case 'S': {
			uint64_t v;
			if (parse_size(optarg, &v) || v > INT64_MAX || !v) {
				fprintf(stderr, "ward import: --max-size: '%s' is not a size\n",
					optarg);
				return EXIT_USAGE;
			}
			wo.max_bytes = (int64_t)v;
			break;
		}
		case 'A':
			if (parse_duration(optarg, &wo.max_age_s) || wo.max_age_s <= 0) {
				fprintf(stderr, "ward import: --max-age: '%s' is not a duration\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ward import: no FILE given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = cli_store_path(store_opt);
	char err[STORE_ERR_MAX];
	struct store_writer *w;
	if (store_writer_open(path, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "ward import: %s\n", err);
		return 1;
	}
	struct importer im = { .files = argv + optind, .n_files = argc - optind };
	pthread_mutex_init(&im.lock, NULL);
	pthread_cond_init(&im.cond, NULL);
	pthread_t th;
	if (pthread_create(&th, NULL, parser_main, &im)) {
		fprintf(stderr, "ward import: cannot start the parser thread\n");
		store_writer_close(w);
		return 1;
	}
	int tty = isatty(STDERR_FILENO);
	double t0 = now_s(), last_report = t0;
	int64_t imported = 0, errors = 0, first_id = -1, last_durable = 0;
	int failed = 0;
	struct ward_record recs[BATCH];
	struct batch *b;
	while ((b = pop(&im))) {
		if (b->errors_len)
			fputs(b->errors, stderr);
		errors += (int64_t)b->n_errors;
		if (!failed && b->n) {
			for (size_t i = 0; i < b->n; i++)
				recs[i] = b->o[i]->rec;
			int64_t last;
			int r = store_writer_append(w, recs, b->n, &last);
			if (r) {
				fprintf(stderr, "ward import: %s: writing failed (%s)\n", path,
					strerror(-r));
				failed = 1;
			} else {
				if (first_id < 0)
					first_id = last - (int64_t)b->n + 1;
				imported += (int64_t)b->n;
			}
		}
		batch_free(b);
		int64_t durable = store_writer_durable_id(w);
		if (progress_lines && durable != last_durable && first_id >= 0) {
			fprintf(stderr, "committed %lld\n", (long long)(durable - first_id + 1));
			last_durable = durable;
		}
		double t = now_s();
		if (tty && t - last_report > 0.5) {
			fprintf(stderr, "\rimported %lld records (%.0f/s), %lld errors",
				(long long)imported, (double)imported / (t - t0),
				(long long)errors);
			last_report = t;
		}
	}
	pthread_join(th, NULL);
	int r = store_writer_close(w);
	if (r && !failed) {
		fprintf(stderr, "ward import: %s: final commit failed\n", path);
		failed = 1;
	}
	double dt = now_s() - t0;
	if (tty)
		fputc('\r', stderr);
	if (progress_lines && !failed && imported)
		fprintf(stderr, "committed %lld\n", (long long)imported);
	fprintf(stderr,
		"ward import: %lld records imported, %lld errors, %.2f s (%.0f records/s)\n",
		(long long)imported, (long long)errors, dt, dt > 0 ? (double)imported / dt : 0.0);
	pthread_mutex_destroy(&im.lock);
	pthread_cond_destroy(&im.cond);
	return failed || errors || im.read_failed ? 1 : 0;
}
