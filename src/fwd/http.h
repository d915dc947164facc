/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - private to fwd/: the libcurl client the HTTP outputs share (one easy handle per
 * output, kept alive between batches; used only from that output's sender thread).
 */
#ifndef WARD_FWD_HTTP_H
#define WARD_FWD_HTTP_H

#include <curl/curl.h>

#include "common/strbuf.h"
#include "fwd/fwd.h"

#define HTTP_PAR_MAX 8

struct http_client {
	CURL *curl;
	CURL *more[HTTP_PAR_MAX - 1]; /* http_post_many(): further connections, made on demand */
	CURLM *multi;
	struct curl_slist *headers; /* from `headers:`/`properties:` and the sink */
	char *base;		    /* url without a trailing slash */
	struct strbuf resp;	    /* body of the last answer */
	unsigned timeout_ms;
};

/* Options every HTTP output accepts (merged into each sink's table). */
#define HTTP_OPTIONS                                                                 \
	{ "tls_ca", "CA file to verify the receiver" },                              \
		{ "tls_verify", "verify the receiver's certificate, default true" }, \
		{ "username", "basic auth user" },                                   \
	{                                                                            \
		"password", "basic auth password"                                    \
	}

/* http_client_init() - @c->address is the base URL; @c's tls/auth options applied. */
int http_client_init(struct http_client *h, const struct fwd_output_config *c, struct diag *diag);
void http_client_done(struct http_client *h);
/* http_client_header() - add "Name: value". */
int http_client_header(struct http_client *h, const char *line);
/*
 * http_post() - POST @body to base + @path (@path may carry a query string). Return the HTTP
 * status (>= 100), or -EIO when no answer came (connection refused, timeout).
 */
long http_post(struct http_client *h, const char *path, const char *content_type, const char *body,
	       size_t len);
/*
 * http_post_many() - POST @k bodies (k <= HTTP_PAR_MAX) to base + @path at the same time, each
 * on its own kept-alive connection, and wait for all answers. @status[i] is the HTTP status of
 * body i or -EIO. The answers' bodies are not kept apart (h->resp holds them mixed): for
 * receivers whose answer to a success is empty (ClickHouse). Return: 0 or -ENOMEM.
 */
int http_post_many(struct http_client *h, const char *path, const char *content_type, size_t k,
		   const char *const *body, const size_t *len, long *status);
/* http_status_item() - FWD_ITEM_OK for 2xx, REJECT for 400/413/422, else RETRY. */
int http_status_item(long status);

#endif
