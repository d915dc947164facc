/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c - `ward serve`: the HTTP API, the Alerts page and ingest from remote agents over
 * the local SQLite store or a fleet PostgreSQL database (design.md §2, §6).
 *
 * Runs until SIGINT/SIGTERM (waited for with sigwait on a blocked set, so no handler does real
 * work), then stops the server (ending live streams) and closes the backend.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "common/diag.h"
#include "common/msg.h"
#include "common/parse.h"
#include "server/server.h"

#define FILE_MAX       (1u << 20)
#define RETAIN_EVERY_S 3600

struct serve_opts {
	const char *listen;
	const char *store;
	const char *db;
	const char *token_file;
	const char *tls_cert;
	const char *tls_key;
	const char *web_dir;
	int64_t max_age_s;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ward serve [--listen ADDR] [--store PATH | --db postgres://...]\n"
		"                  [--token-file F] [--tls-cert F --tls-key F] [--web-dir DIR]\n\n"
		"Serve the HTTP API (/api/v1/...), the Alerts page (/), /metrics and /healthz, and\n"
		"accept records from remote agents (POST /api/v1/ingest).\n\n"
		"  --listen ADDR      address to listen on (default 127.0.0.1:8600; ':PORT' = loopback)\n"
		"  --store PATH       SQLite store (default $WARD_STORE or /var/lib/ward/ward.db)\n"
		"  --db URL           PostgreSQL fleet database instead of the SQLite store\n"
		"  --token-file F     bearer token clients must send (first line of F); without it a\n"
		"                     random token is made and printed once on stderr\n"
		"  --tls-cert F       PEM certificate (with --tls-key): serve HTTPS\n"
		"  --tls-key F        PEM private key\n"
		"  --web-dir DIR      the page's files (default: $WARD_WEB_DIR, web/ of the build tree,\n"
		"                     or the installed copy)\n"
		"  --max-age DUR      retention: remove records older than DUR (e.g. 30d) at start and\n"
		"                     every hour; on PostgreSQL whole day partitions are dropped\n");
}

/* Whole small file into a NUL-terminated buffer. */
static int read_small_file(const char *path, char **ret)
{
	int r = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (st.st_size > FILE_MAX) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	*ret = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

static int load_token(const char *path, char **ret)
{
	char *t;
	int r = read_small_file(path, &t);
	if (r < 0)
		return r;
	t[strcspn(t, "\r\n")] = '\0';
	if (!*t || strlen(t) > SERVER_MAX_TOKEN) {
		free(t);
		return -EINVAL;
	}
	*ret = t;
	return 0;
}

static int random_token(char **ret)
{
	unsigned char raw[24];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	char *t = malloc(sizeof(raw) * 2 + 1);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(t + 2 * i, 3, "%02x", raw[i]);
	*ret = t;
	return 0;
}

static void print_diag(const struct diag *d, const char *what)
{
	char line[DIAG_MSG_MAX + 256];
	if (!d->n) {
		msg_error("serve: %s", what);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		/* problems without a file (a port in use) read better without "<input>:" */
		if (!d->entries[i].file) {
			msg_error("serve: %s", d->entries[i].msg);
			continue;
		}
		diag_format(&d->entries[i], line, sizeof(line));
		msg_error("serve: %s", line);
	}
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "store", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "token-file", required_argument, NULL, 't' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "web-dir", required_argument, NULL, 'w' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_opts o = { .listen = "127.0.0.1:8600" };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 's':
			o.store = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'w':
			o.web_dir = optarg;
			break;
		case 'a':
			if (parse_duration(optarg, &o.max_age_s) < 0 || o.max_age_s <= 0) {
				fprintf(stderr,
					"ward serve: --max-age wants a duration such as 30d\n");
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
	if (optind < argc) {
		fprintf(stderr, "ward serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.store && o.db) {
		fprintf(stderr, "ward serve: --store and --db exclude each other\n");
		return EXIT_USAGE;
	}
	if (!o.tls_cert != !o.tls_key) {
		fprintf(stderr, "ward serve: --tls-cert and --tls-key go together\n");
		return EXIT_USAGE;
	}
	if (o.db && strncmp(o.db, "postgres://", 11) && strncmp(o.db, "postgresql://", 13)) {
		fprintf(stderr, "ward serve: --db wants a postgres:// or postgresql:// URL\n");
		return EXIT_USAGE;
	}

	int rc = 1, r;
	char *token = NULL, *cert = NULL, *key = NULL;
	struct server_backend *be = NULL;
	struct server *srv = NULL;
	struct diag d;
	diag_init(&d);

	if (o.token_file) {
		r = load_token(o.token_file, &token);
		if (r < 0) {
			msg_errno(r, "serve: cannot read a token from '%s'", o.token_file);
			goto out;
		}
	} else {
		r = random_token(&token);
		if (r < 0) {
			msg_errno(r, "serve: cannot make a token");
			goto out;
		}
		fprintf(stderr, "ward serve: no --token-file; this run's token is %s\n", token);
	}
	if (o.tls_cert) {
		r = read_small_file(o.tls_cert, &cert);
		if (r < 0) {
			msg_errno(r, "serve: cannot read '%s'", o.tls_cert);
			goto out;
		}
		r = read_small_file(o.tls_key, &key);
		if (r < 0) {
			msg_errno(r, "serve: cannot read '%s'", o.tls_key);
			goto out;
		}
	}

	r = server_backend_open(o.db ? o.db : cli_store_path(o.store), &be, &d);
	if (r < 0) {
		print_diag(&d, "cannot open the database");
		goto out;
	}
	struct server_config cfg = {
		.listen = o.listen,
		.token = token,
		.tls_cert_pem = cert,
		.tls_key_pem = key,
		.web_dir = o.web_dir,
		.be = be,
	};
	r = server_new(&cfg, &srv);
	if (r < 0) {
		msg_errno(r, "serve: cannot set up the server");
		goto out;
	}

	/* block the signals before any thread starts, so only sigwait() below sees them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = server_start(srv, &d);
	if (r < 0) {
		print_diag(&d, "cannot start");
		goto out;
	}
	fprintf(stderr, "ward serve: listening on %s://%s (port %u, %s)\n", cert ? "https" : "http",
		o.listen, server_port(srv), o.db ? "postgresql" : "sqlite");
	for (;;) {
		if (o.max_age_s) {
			int64_t n = 0;
			r = server_backend_retain(be, o.max_age_s, (int64_t)time(NULL), &n);
			if (r < 0)
				msg_errno(r, "serve: retention failed");
			else if (n)
				msg_info("serve: retention removed %lld %s", (long long)n,
					 o.db ? "partitions" : "records");
		}
		struct timespec every = { o.max_age_s ? RETAIN_EVERY_S : 86400, 0 };
		if (sigtimedwait(&set, NULL, &every) >= 0)
			break;
	}
	fprintf(stderr, "ward serve: stopping\n");
	rc = 0;
out:
	server_free(srv);
	server_backend_close(be);
	diag_done(&d);
	free(token);
	free(cert);
	free(key);
	return rc;
}
