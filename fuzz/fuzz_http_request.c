/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http_request - the router (server_handle()) with arbitrary method, path, query string,
 * Authorization header and body, over a real SQLite store in a temp folder.
 *
 * Input: line 1 method, line 2 request target (path?query, percent-encoded as on the wire;
 * decoded here as libmicrohttpd would), line 3 the Authorization header ("-" = none), the rest
 * is the body. Streamed answers are read for a bounded number of chunks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "server/server.h"

#define MAX_INPUT (64 * 1024)

static struct server_backend *be;
static struct server *srv;
static char dir[] = "/tmp/ward-fuzz-http.XXXXXX";
static char dbpath[64];

static void cleanup(void)
{
	char p[128];
	server_free(srv);
	server_backend_close(be);
	static const char *const files[] = { "w.db", "w.db-wal", "w.db-shm" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int init(void)
{
	if (srv)
		return 0;
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/w.db", dir);
	if (server_backend_open(dbpath, &be, NULL) < 0)
		return -1;
	struct server_config cfg = { .token = "fuzz", .be = be, .web_dir = dir };
	if (server_new(&cfg, &srv) < 0)
		return -1;
	atexit(cleanup);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* in-place percent/plus decoding */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == '+') {
			*o++ = ' ';
		} else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static char *next_line(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT || init() < 0)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *p = buf;
	char *method = next_line(&p);
	char *target = next_line(&p);
	char *auth = next_line(&p);
	if (!method || !target || !auth)
		goto out;
	char *q = strchr(target, '?');
	struct server_param params[SERVER_MAX_PARAMS + 2];
	size_t n = 0;
	if (q) {
		*q++ = '\0';
		for (char *kv = strtok(q, "&"); kv && n < SERVER_MAX_PARAMS + 2;
		     kv = strtok(NULL, "&")) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			unescape(kv);
			if (eq)
				unescape(eq);
			params[n++] = (struct server_param){ kv, eq ? eq : "" };
		}
	}
	unescape(target);
	struct server_request req = {
		.method = method,
		.path = target,
		.params = params,
		.n_params = n,
		.authorization = strcmp(auth, "-") ? auth : NULL,
		.body = p ? p : "",
		.body_len = p ? size - (size_t)(p - buf) : 0,
	};
	struct server_response r;
	server_handle(srv, &req, &r);
	if (r.stream) {
		char chunk[4096];
		int live = r.content_type && !strncmp(r.content_type, "text/event-stream", 17);
		for (int i = 0; i < (live ? 1 : 64); i++)
			if (server_stream_read(r.stream, chunk, sizeof(chunk)) < 0)
				break;
	}
	server_response_done(&r);
out:
	free(buf);
	return 0;
}
