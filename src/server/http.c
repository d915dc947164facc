/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - libmicrohttpd glue: the daemon, per-request state, body limits, TLS, security
 * headers, and turning a struct server_response into an MHD response (buffers and streams).
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION): a live stream sleeps in its own
 * thread between polls, an export writes as fast as its client reads, and neither holds up
 * other requests. Every allocation of a request hangs off its struct http_req and is freed in
 * the request-completed callback, whatever way the request ended.
 */
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/sha.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "server/internal.h"

#ifndef WARD_WEB_DIR_DEFAULT
#define WARD_WEB_DIR_DEFAULT "/usr/local/share/ward/web"
#endif

#define CONN_MEMORY_LIMIT (64u * 1024) /* headers + URL per connection (MHD answers 414/431) */
#define CONN_TIMEOUT_S	  120

struct http_req {
	struct strbuf body;
	int too_big;
	struct server_param params[SERVER_MAX_PARAMS + 1];
	size_t n_params;
};

int server_backend_open(const char *url, struct server_backend **ret, struct diag *diag)
{
	if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
		return backend_pg_open(url, ret, diag);
	return backend_sqlite_open(url, ret, diag);
}

void server_backend_close(struct server_backend *be)
{
	if (be)
		be->ops->close(be);
}

int server_backend_ingest(struct server_backend *be, const struct ward_record *const *recs,
			  size_t n)
{
	int r = be->ops->ingest(be, recs, n, NULL);
	return r < 0 ? r : 0;
}

int server_backend_retain(struct server_backend *be, int64_t max_age_s, int64_t now,
			  int64_t *ret_deleted)
{
	if (max_age_s <= 0)
		return -EINVAL;
	return be->ops->retain(be, max_age_s, now, ret_deleted);
}

const char *server_default_web_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("WARD_WEB_DIR");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build/ward -> web/ of the source tree */
			snprintf(dir, sizeof(dir), "%.*s/../web", (int)(sizeof(dir) - 16), exe);
			char probe[PATH_MAX + 16];
			snprintf(probe, sizeof(probe), "%s/index.html", dir);
			if (access(probe, R_OK) == 0)
				return dir;
		}
	}
	return WARD_WEB_DIR_DEFAULT;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int server_new(const struct server_config *cfg, struct server **ret)
{
	if (!cfg->token || !*cfg->token || !cfg->be)
		return -EINVAL;
	if (!cfg->tls_cert_pem != !cfg->tls_key_pem)
		return -EINVAL;
	struct server *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	metrics_init(&s->m);
	s->be = cfg->be;
	s->token = strdup(cfg->token);
	s->listen = strdup(cfg->listen ? cfg->listen : "127.0.0.1:8600");
	s->tls_cert = dup_or_null(cfg->tls_cert_pem);
	s->tls_key = dup_or_null(cfg->tls_key_pem);
	snprintf(s->web_dir, sizeof(s->web_dir), "%s",
		 cfg->web_dir ? cfg->web_dir : server_default_web_dir());
	if (!s->token || !s->listen || (cfg->tls_cert_pem && (!s->tls_cert || !s->tls_key))) {
		server_free(s);
		return -ENOMEM;
	}
	SHA256((const unsigned char *)s->token, strlen(s->token), s->token_hash);
	*ret = s;
	return 0;
}

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct http_req *hr = cls;
	(void)kind;
	if (hr->n_params < SERVER_MAX_PARAMS + 1) {
		hr->params[hr->n_params].key = key;
		hr->params[hr->n_params].value = value ? value : "";
		hr->n_params++;
	}
	return MHD_YES;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct server_stream *st = cls;
	(void)pos;
	for (;;) {
		ssize_t n = server_stream_read(st, buf, max);
		if (n > 0)
			return n;
		if (n == -1)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (n < -1)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		/* 0: nothing yet; server_stream_read() already slept one poll interval */
	}
}

static void stream_free_cb(void *cls)
{
	server_stream_free(cls);
}

static void add_common_headers(struct MHD_Response *resp, const struct server_response *r)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	/* the page is same-origin only: no CDN, no inline script, no wildcard CORS */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; object-src 'none'; "
				"frame-ancestors 'none'; base-uri 'none'");
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	if (r->disposition)
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (r->no_store)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"ward\"");
	if (r->stream && r->content_type && !strncmp(r->content_type, "text/event-stream", 17))
		MHD_add_response_header(resp, "X-Accel-Buffering", "no");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct http_req *hr = *con_cls;
	(void)version;

	if (!hr) {
		hr = calloc(1, sizeof(*hr));
		if (!hr)
			return MHD_NO;
		strbuf_init(&hr->body);
		*con_cls = hr;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* keep reading past the limit without storing, then answer 413 once */
		if (!hr->too_big && hr->body.len + *upload_data_size > SERVER_MAX_BODY)
			hr->too_big = 1;
		if (!hr->too_big)
			strbuf_append(&hr->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	struct server_response r = { 0 };
	if (hr->too_big) {
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_puts(&sb, "{\"error\":\"request body too large\"}\n");
		r.status = 413;
		r.content_type = "application/json";
		r.body = strbuf_detach(&sb, &r.body_len);
	} else if (strbuf_error(&hr->body)) {
		r.status = 500;
	} else {
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, hr);
		struct server_request req = {
			.method = method,
			.path = url,
			.params = hr->params,
			.n_params = hr->n_params,
			.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_AUTHORIZATION),
			.batch_id =
				MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Ward-Batch"),
			.body = hr->body.buf ? hr->body.buf : "",
			.body_len = hr->body.len,
		};
		server_handle(s, &req, &r);
	}

	struct MHD_Response *resp;
	if (r.stream) {
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_reader,
							 r.stream, stream_free_cb);
		if (resp)
			r.stream = NULL; /* MHD owns it now */
	} else {
		resp = MHD_create_response_from_buffer(r.body_len, r.body ? r.body : (void *)"",
						       r.body ? MHD_RESPMEM_MUST_FREE
							      : MHD_RESPMEM_PERSISTENT);
		if (resp)
			r.body = NULL;
	}
	if (!resp) {
		server_response_done(&r);
		return MHD_NO;
	}
	add_common_headers(resp, &r);
	enum MHD_Result ok = MHD_queue_response(conn, r.status ? r.status : 500, resp);
	MHD_destroy_response(resp);
	server_response_done(&r);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_req *hr = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!hr)
		return;
	strbuf_done(&hr->body);
	free(hr);
	*con_cls = NULL;
}

/* "127.0.0.1:8600", "[::1]:8600", ":8600", "8600", "0.0.0.0:0" */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, int *v6)
{
	char host[256] = "";
	const char *port_s;
	const char *colon = strrchr(listen, ':');
	if (listen[0] == '[') {
		const char *rb = strchr(listen, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen + 1, (size_t)(rb - listen - 1));
		port_s = rb + 2;
	} else if (colon) {
		if ((size_t)(colon - listen) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen, (size_t)(colon - listen));
		port_s = colon + 1;
	} else {
		port_s = listen;
	}
	char *end;
	long port = strtol(port_s, &end, 10);
	if (!*port_s || *end || port < 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (!host[0])
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		*v6 = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		*v6 = 1;
		return 0;
	}
	return -EINVAL;
}

int server_start(struct server *s, struct diag *diag)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int v6;
	if (parse_listen(s->listen, &ss, &sl, &v6) < 0)
		return diag_err(diag, NULL, 0, 0,
				"bad --listen '%s' (want ADDR:PORT, [V6]:PORT or PORT)", s->listen);
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (s->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return diag_err(diag, NULL, 0, 0, "this libmicrohttpd has no TLS support");
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_SOCK_ADDR, 0, &ss },
		{ MHD_OPTION_CONNECTION_LIMIT, SERVER_MAX_CONNS, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY_LIMIT, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert },
		{ s->tls_cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	atomic_store(&s->stopping, 0);
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
						MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d)
		return diag_err(diag, NULL, 0, 0,
				"cannot listen on %s (address in use, or bad TLS certificate/key)",
				s->listen);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	s->daemon = d;
	return 0;
}

void server_stop(struct server *s)
{
	if (!s || !s->daemon)
		return;
	atomic_store(&s->stopping, 1);
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}

unsigned server_port(const struct server *s)
{
	return s->port;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	server_stop(s);
	metrics_done(&s->m);
	free(s->token);
	free(s->listen);
	free(s->tls_cert);
	free(s->tls_key);
	free(s);
}
