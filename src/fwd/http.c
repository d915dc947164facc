/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - the libcurl client behind hec, elasticsearch, loki, clickhouse and webhook.
 * Keeps one connection alive per output; never prints (CURLOPT_NOSIGNAL, no verbose).
 */
#include "fwd/http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct http_client *h = ud;
	/* answers are small JSON documents; cap them so a broken receiver cannot grow us */
	if (h->resp.len < (16u << 20))
		strbuf_append(&h->resp, p, size * n);
	return size * n;
}

int http_client_init(struct http_client *h, const struct fwd_output_config *c, struct diag *diag)
{
	memset(h, 0, sizeof(*h));
	strbuf_init(&h->resp);
	pthread_once(&curl_once, curl_init_once);
	if (!c->address ||
	    (strncmp(c->address, "http://", 7) && strncmp(c->address, "https://", 8)))
		return diag_err(diag, c->file, c->line, c->col,
				"output '%s': '%s' needs 'url: http://...' or https://", c->name,
				c->type);
	h->base = strdup(c->address);
	h->curl = curl_easy_init();
	if (!h->base || !h->curl)
		return -ENOMEM;
	size_t n = strlen(h->base);
	while (n && h->base[n - 1] == '/')
		h->base[--n] = 0;
	h->timeout_ms = c->timeout_ms;
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(c->timeout_ms < 5000 ? c->timeout_ms : 5000));
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
	const char *ca = fwd_opt_str(c, "tls_ca", NULL);
	if (ca)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, ca);
	if (!fwd_opt_bool(c, "tls_verify", 1)) {
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	const char *user = fwd_opt_str(c, "username", NULL);
	if (user) {
		curl_easy_setopt(h->curl, CURLOPT_USERNAME, user);
		curl_easy_setopt(h->curl, CURLOPT_PASSWORD, fwd_opt_str(c, "password", ""));
	}
	/* `headers:` / `properties:` entries become request headers */
	for (size_t i = 0; i < c->n_props; i++) {
		char line[1024];
		snprintf(line, sizeof(line), "%s: %s", c->props[i].key, c->props[i].value);
		if (http_client_header(h, line))
			return -ENOMEM;
	}
	/* no "Expect: 100-continue" round trip on large batches */
	return http_client_header(h, "Expect:");
}

void http_client_done(struct http_client *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	for (size_t i = 0; i < HTTP_PAR_MAX - 1; i++)
		if (h->more[i])
			curl_easy_cleanup(h->more[i]);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->headers);
	free(h->base);
	strbuf_done(&h->resp);
	memset(h, 0, sizeof(*h));
}

int http_client_header(struct http_client *h, const char *line)
{
	struct curl_slist *l = curl_slist_append(h->headers, line);
	if (!l)
		return -ENOMEM;
	h->headers = l;
	return 0;
}

/*
 * One POST's URL (into @url) and header list: Content-Type, then the configured headers as a
 * borrowed tail (post_headers_done() unlinks it again). NULL on ENOMEM.
 */
static struct curl_slist *post_headers(struct http_client *h, const char *path,
				       const char *content_type, char *url, size_t url_size)
{
	char ct[128];
	snprintf(url, url_size, "%s%s", h->base, path);
	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	struct curl_slist *hdrs = curl_slist_append(NULL, ct);
	if (!hdrs)
		return NULL;
	hdrs->next = h->headers;
	strbuf_reset(&h->resp);
	return hdrs;
}

static void post_headers_done(struct curl_slist *hdrs)
{
	hdrs->next = NULL;
	curl_slist_free_all(hdrs);
}

long http_post(struct http_client *h, const char *path, const char *content_type, const char *body,
	       size_t len)
{
	char url[4096];
	struct curl_slist *hdrs = post_headers(h, path, content_type, url, sizeof(url));
	if (!hdrs)
		return -ENOMEM;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	CURLcode cc = curl_easy_perform(h->curl);
	long status = 0;
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	post_headers_done(hdrs);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	if (cc != CURLE_OK || status < 100)
		return -EIO;
	return status;
}

int http_post_many(struct http_client *h, const char *path, const char *content_type, size_t k,
		   const char *const *body, const size_t *len, long *status)
{
	if (k > HTTP_PAR_MAX)
		return -EINVAL;
	if (!h->multi && !(h->multi = curl_multi_init()))
		return -ENOMEM;
	/* copies of the configured handle (options, headers, timeouts), each its own connection */
	for (size_t i = 1; i < k; i++)
		if (!h->more[i - 1] && !(h->more[i - 1] = curl_easy_duphandle(h->curl)))
			return -ENOMEM;
	char url[4096];
	struct curl_slist *hdrs = post_headers(h, path, content_type, url, sizeof(url));
	if (!hdrs)
		return -ENOMEM;
	CURL *e[HTTP_PAR_MAX];
	for (size_t i = 0; i < k; i++) {
		e[i] = i ? h->more[i - 1] : h->curl;
		status[i] = -EIO;
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(e[i], CURLOPT_POST, 1L);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, body[i]);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len[i]);
		curl_multi_add_handle(h->multi, e[i]);
	}
	int running = 1;
	while (running) {
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
	}
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		for (size_t i = 0; i < k; i++) {
			long st = 0;
			if (m->easy_handle != e[i])
				continue;
			curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &st);
			status[i] = m->data.result == CURLE_OK && st >= 100 ? st : -EIO;
		}
	}
	for (size_t i = 0; i < k; i++) {
		curl_multi_remove_handle(h->multi, e[i]);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h->headers);
	}
	post_headers_done(hdrs);
	return 0;
}

int http_status_item(long status)
{
	if (status >= 200 && status < 300)
		return FWD_ITEM_OK;
	/* only "this payload is wrong" drops data; auth and routing errors wait for a fix */
	if (status == 400 || status == 413 || status == 422)
		return FWD_ITEM_REJECT;
	return FWD_ITEM_RETRY;
}
