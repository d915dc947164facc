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

struct http_client {
	CURL *curl;
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
/* http_status_item() - FWD_ITEM_OK for 2xx, REJECT for 400/413/422, else RETRY. */
int http_status_item(long status);

#endif
