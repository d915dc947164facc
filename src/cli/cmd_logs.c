/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_logs.c - `ward logs`: query stored records (newest first), `--follow` new ones,
 * `--group-by` counts, and `ward logs verify` (the hash chain). Filters are the store's
 * filter words (store_filter_add), so the CLI, the HTTP API and the web page agree.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/parse.h"
#include "common/strbuf.h"
#include "record/record.h"
#include "store/store.h"

#define OPT_FILTER 1000
#define MAX_WORDS  64

enum {
	OPT_JSON = 256,
	OPT_FOLLOW,
	OPT_LIMIT,
	OPT_STORE,
	OPT_GROUP_BY,
	OPT_CURSOR,
	OPT_HELP,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* karmor's fixed leading keys (kubearmor.md §3.7); the rest follow sorted */
static const char *const lead_keys[] = {
	"ClusterName",	 "HostName",	"NamespaceName",  "PodName",  "Labels",
	"ContainerName", "ContainerID", "ContainerImage", "Type",     "PolicyName",
	"Severity",	 "Message",	"Source",	  "Resource", "Operation",
	"Action",	 "Data",	"EventData",	  "Enforcer", "Result",
};

static void print_value(FILE *out, json_t *v)
{
	if (json_is_string(v)) {
		fputs(json_string_value(v), out);
	} else if (json_is_integer(v)) {
		fprintf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		fprintf(out, "%.0f", json_real_value(v));
	} else if (json_is_true(v) || json_is_false(v)) {
		fputs(json_is_true(v) ? "true" : "false", out);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		fputc('[', out);
		json_array_foreach(v, i, e)
		{
			if (i)
				fputc(' ', out);
			print_value(out, e);
		}
		fputc(']', out);
	} else if (json_is_object(v)) {
		/* Go prints maps with sorted keys */
		const char *keys[64];
		size_t n = 0;
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e) if (n < 64) keys[n++] = k;
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
				const char *t = keys[j];
				keys[j] = keys[j - 1];
				keys[j - 1] = t;
			}
		fputs("map[", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s%s:", i ? " " : "", keys[i]);
			print_value(out, json_object_get(v, keys[i]));
		}
		fputc(']', out);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int print_text(FILE *out, const struct ward_record *r, struct strbuf *sb)
{
	char t[40];
	strbuf_reset(sb);
	if (record_to_json(r, sb))
		return -ENOMEM;
	json_t *o = json_loadb(sb->buf, sb->len, 0, NULL);
	if (!o)
		return -EINVAL;
	record_format_time(r->ts_ns, t, sizeof(t));
	char *z = strchr(t, 'Z');
	if (z)
		*z = 0;
	char *tt = strchr(t, 'T');
	if (tt)
		*tt = ' ';
	fprintf(out, "== %s / %s ==\n", record_is_alert(r) ? "Alert" : "Log", t);
	for (size_t i = 0; i < sizeof(lead_keys) / sizeof(lead_keys[0]); i++) {
		json_t *v = json_object_get(o, lead_keys[i]);
		if (!v)
			continue;
		fprintf(out, "%s: ", lead_keys[i]);
		print_value(out, v);
		fputc('\n', out);
	}
	const char *rest[128];
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		int lead = !strcmp(k, "UpdatedTime");
		for (size_t i = 0; !lead && i < sizeof(lead_keys) / sizeof(lead_keys[0]); i++)
			lead = !strcmp(k, lead_keys[i]);
		if (!lead && n < 128)
			rest[n++] = k;
	}
	qsort(rest, n, sizeof(rest[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s: ", rest[i]);
		print_value(out, json_object_get(o, rest[i]));
		fputc('\n', out);
	}
	json_decref(o);
	return 0;
}

static int print_row(const struct store_row *row, int json, struct strbuf *sb)
{
	if (json) {
		strbuf_reset(sb);
		if (record_to_json(&row->rec, sb))
			return -ENOMEM;
		strbuf_putc(sb, '\n');
		if (strbuf_error(sb))
			return -ENOMEM;
		fwrite(sb->buf, 1, sb->len, stdout);
		return 0;
	}
	return print_text(stdout, &row->rec, sb);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ward logs [filters] [--json] [--follow] [--limit N] [--group-by F[,F]] "
		"[--store PATH]\n"
		"       ward logs verify [--store PATH]\n\n"
		"Stored records, newest first (--limit defaults to 100; 0 = all).\n"
		"filters (ANDed): --type alert|log|all --operation --action --result --policy\n"
		"  --severity N (at least N) --hostname --cluster --namespace --pod --container\n"
		"  --container-id --image --enforcer --pid --process --parent --resource --source\n"
		"  --message --data --tag --user --cwd --tty --labels --text WORDS (full text)\n"
		"  --since T --until T (15m, 7d or RFC 3339)\n"
		"  --where 'Field OP Value' (repeatable; OP: = != ~ !~ < <= > >=)\n"
		"  --cursor C (continue after a full --json page: its last line on stderr names C)\n");
}

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = { { "store", required_argument, NULL, OPT_STORE },
					      { "help", no_argument, NULL, OPT_HELP },
					      { NULL, 0, NULL, 0 } };
	const char *store_opt = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == OPT_STORE) {
			store_opt = optarg;
		} else if (c == OPT_HELP || c == 'h') {
			printf("usage: ward logs verify [--store PATH]\n"
			       "Walk the tamper-evident hash chain; exit 1 naming the first record "
			       "that was edited, inserted or deleted.\n");
			return 0;
		} else {
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ward logs verify: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	const char *path = cli_store_path(store_opt);
	char err[STORE_ERR_MAX];
	struct store *s;
	int r = store_open(path, STORE_OPEN_READONLY, &s, err, sizeof(err));
	if (r) {
		fprintf(stderr, "ward logs verify: %s\n", err);
		return 1;
	}
	struct store_verify_result v;
	r = store_verify(s, &v);
	store_close(s);
	if (r) {
		fprintf(stderr, "ward logs verify: %s: cannot read the store (%s)\n", path,
			strerror(-r));
		return 1;
	}
	if (v.problem != STORE_VERIFY_OK) {
		printf("ward logs verify: FAILED: %s\n", v.detail);
		return 1;
	}
	if (v.anchor_id)
		printf("ward logs verify: ok: %lld records, chain intact from the retention anchor "
		       "(records up to id %lld removed by retention)\n",
		       (long long)v.checked, (long long)v.anchor_id);
	else
		printf("ward logs verify: ok: %lld records, chain intact\n", (long long)v.checked);
	return 0;
}

static int follow(struct store *s, const struct store_filter *f, int json)
{
	struct strbuf sb;
	int64_t last;
	int r = store_last_id(s, &last);
	if (r)
		return 1;
	strbuf_init(&sb);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	while (!stop) {
		struct store_query *q;
		const struct store_row *row;
		r = store_query_begin(s, f, STORE_ID_ASCENDING, NULL, last, 10000, &q);
		if (r)
			break;
		int n = 0;
		while ((r = store_next(q, &row)) == 1) {
			last = row->id;
			n++;
			if (print_row(row, json, &sb))
				break;
		}
		store_query_end(q);
		if (r < 0 || fflush(stdout) == EOF)
			break;
		if (!n)
			usleep(200000);
	}
	strbuf_done(&sb);
	return stop ? 0 : 1;
}

static int group_by(struct store *s, const struct store_filter *f, char *spec, int json,
		    int64_t limit)
{
	const char *fields[STORE_MAX_GROUP_BY];
	size_t n = 0;
	char err[STORE_ERR_MAX];
	for (char *save = NULL, *t = strtok_r(spec, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (n == STORE_MAX_GROUP_BY) {
			fprintf(stderr, "ward logs: --group-by takes at most %d fields\n",
				STORE_MAX_GROUP_BY);
			return EXIT_USAGE;
		}
		fields[n++] = t;
	}
	struct store_count *c = NULL;
	size_t nc = 0;
	int r = store_count(s, f, fields, n, limit, &c, &nc, err, sizeof(err));
	if (r == -EINVAL) {
		fprintf(stderr, "ward logs: %s\n", err);
		return EXIT_USAGE;
	}
	if (r) {
		fprintf(stderr, "ward logs: %s\n", err);
		return 1;
	}
	if (!json) {
		printf("COUNT");
		for (size_t j = 0; j < n; j++)
			printf("\t%s", record_field_find(fields[j])->name);
		printf("\n");
	}
	for (size_t i = 0; i < nc; i++) {
		if (json) {
			json_t *o = json_object();
			for (size_t j = 0; j < n; j++)
				json_object_set_new(o, record_field_find(fields[j])->name,
						    json_string(c[i].values[j]));
			json_object_set_new(o, "count", json_integer(c[i].count));
			char *d = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (d)
				puts(d);
			free(d);
			json_decref(o);
		} else {
			printf("%lld", (long long)c[i].count);
			for (size_t j = 0; j < n; j++)
				printf("\t%s", c[i].values[j]);
			printf("\n");
		}
	}
	store_counts_free(c, nc);
	return 0;
}

int cmd_logs(int argc, char **argv)
{
	struct option opts[MAX_WORDS + 16];
	const char *words[MAX_WORDS];
	size_t nw = 0, no = 0;
	const char *store_opt = NULL, *cursor = NULL;
	char *group = NULL;
	int json = 0, follow_mode = 0, c, rc = 1;
	int64_t limit = 100;
	struct store_filter *f = NULL;
	struct store *s = NULL;
	char err[STORE_ERR_MAX];
	int64_t now = time(NULL);

	if (argc > 1 && !strcmp(argv[1], "verify"))
		return do_verify(argc - 1, argv + 1);

	static const char *const specials[] = { "where", "since", "until",   "text",
						"tag",	 "type",  "severity" };
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		words[nw++] = specials[i];
	for (size_t i = 0; i < record_n_fields && nw < MAX_WORDS; i++) {
		const char *fl = record_fields[i].flag;
		if (!fl)
			continue;
		int dup = 0;
		for (size_t j = 0; j < nw; j++)
			dup |= !strcmp(words[j], fl);
		if (!dup)
			words[nw++] = fl;
	}
	for (size_t i = 0; i < nw; i++)
		opts[no++] =
			(struct option){ words[i], required_argument, NULL, OPT_FILTER + (int)i };
	opts[no++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	opts[no++] = (struct option){ "follow", no_argument, NULL, OPT_FOLLOW };
	opts[no++] = (struct option){ "limit", required_argument, NULL, OPT_LIMIT };
	opts[no++] = (struct option){ "store", required_argument, NULL, OPT_STORE };
	opts[no++] = (struct option){ "group-by", required_argument, NULL, OPT_GROUP_BY };
	opts[no++] = (struct option){ "cursor", required_argument, NULL, OPT_CURSOR };
	opts[no++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	opts[no++] = (struct option){ NULL, 0, NULL, 0 };

	if (store_filter_new(&f))
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c >= OPT_FILTER && c < OPT_FILTER + (int)nw) {
			int r = store_filter_add(f, words[c - OPT_FILTER], optarg, now, err,
						 sizeof(err));
			if (r == -EINVAL) {
				fprintf(stderr, "ward logs: %s\n", err);
				rc = EXIT_USAGE;
				goto out;
			}
			if (r)
				goto out;
			continue;
		}
		switch (c) {
		case OPT_JSON:
			json = 1;
			break;
		case 'f':
		case OPT_FOLLOW:
			follow_mode = 1;
			break;
		case OPT_LIMIT: {
			uint64_t v;
			if (parse_u64(optarg, &v) || v > INT64_MAX) {
				fprintf(stderr, "ward logs: --limit: '%s' is not a count\n",
					optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			limit = (int64_t)v;
			break;
		}
		case OPT_STORE:
			store_opt = optarg;
			break;
		case OPT_GROUP_BY:
			group = optarg;
			break;
		case OPT_CURSOR:
			cursor = optarg;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ward logs: unexpected argument '%s'\n", argv[optind]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (store_open(cli_store_path(store_opt), STORE_OPEN_READONLY, &s, err, sizeof(err))) {
		fprintf(stderr, "ward logs: %s\n", err);
		goto out;
	}
	if (group) {
		rc = group_by(s, f, group, json, limit);
		goto out;
	}
	if (follow_mode) {
		rc = follow(s, f, json);
		goto out;
	}
	struct store_query *q;
	const struct store_row *row;
	int r = store_query_begin(s, f, STORE_NEWEST_FIRST, cursor, 0, limit, &q);
	if (r == -EINVAL) {
		fprintf(stderr, "ward logs: --cursor: '%s' is not a cursor\n", cursor);
		rc = EXIT_USAGE;
		goto out;
	}
	if (r) {
		fprintf(stderr, "ward logs: query failed\n");
		goto out;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	int64_t n = 0;
	char last_cursor[STORE_CURSOR_MAX] = "";
	signal(SIGPIPE, SIG_IGN);
	while ((r = store_next(q, &row)) == 1) {
		if (!json && n)
			fputc('\n', stdout);
		if (print_row(row, json, &sb) || ferror(stdout))
			break;
		snprintf(last_cursor, sizeof(last_cursor), "%s", row->cursor);
		n++;
	}
	store_query_end(q);
	strbuf_done(&sb);
	if (r < 0) {
		fprintf(stderr, "ward logs: reading the store failed\n");
		goto out;
	}
	if (json && limit && n == limit)
		fprintf(stderr, "ward logs: more records: --cursor %s\n", last_cursor);
	rc = fflush(stdout) == EOF ? 1 : 0;
out:
	store_close(s);
	store_filter_free(f);
	return rc;
}
