/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syslog.c - `type: syslog`: RFC 5424 lines over UDP (RFC 5426, one datagram per record), TCP
 * (RFC 6587 octet counting `LEN SP MSG`, or LF framing) or TLS (RFC 5425, OpenSSL). The body
 * after the structured data is CEF, LEEF, JSON, OCSF or the plain message (`format:`).
 *
 * One connection is kept and reused. Plain TCP with octet counting sends a batch with writev():
 * the frame prefixes ("LEN ") in a fixed scratch array, the messages straight from the spool's
 * read buffer, up to IOV_MAX/2 frames per call, no copy and no allocation per record; TLS and
 * LF framing build the batch in one buffer (SSL_write takes one buffer; LF framing rewrites
 * line breaks). The send buffer is raised to 4 MiB (capped by net.core.wmem_max) so a writev
 * of a batch rarely waits for the receiver's window. Before each batch the
 * socket is checked for a peer close (rsyslog restarting sends FIN), so records are not
 * written into a connection the receiver has already left.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "fwd/fwd.h"
#include "record/record.h"

enum proto {
	P_UDP,
	P_TCP,
	P_TLS
};

/* frames per writev(): two iovecs each, within IOV_MAX (1024 on Linux) */
#define IOV_FRAMES 512

struct syslog_sink {
	enum proto proto;
	char host[256], port[16];
	int octet; /* octet counting (default) or LF framing */
	enum format_kind format;
	struct format_syslog_opts so;
	char *app_name, *hostname, *server_name;
	unsigned timeout_ms;
	int fd;
	SSL_CTX *ssl_ctx;
	SSL *ssl;
	struct strbuf body; /* encode scratch (spooler thread) */
	struct strbuf out;  /* send scratch (sender thread) */
	/* writev scratch (sender thread): one prefix and two iovecs per frame */
	struct iovec iov[IOV_FRAMES * 2];
	char prefix[IOV_FRAMES][12];
	/*
	 * What was written to a stream receiver lately (sender thread). Plain syslog over TCP
	 * or TLS has no acknowledgement: a receiver that stops (rsyslog restarting) loses what
	 * it had read into its socket or queue but not written out, and the kernel said
	 * "sent" for all of it. So the frames of the last RESEND_WINDOW_NS (at most
	 * RESEND_MAX_BYTES) are kept, and when the connection is found broken, the frames
	 * written in the RESEND_WINDOW_NS before that are written again first on the next
	 * connection: at-least-once, the duplicates counted in `retried`.
	 */
	struct strbuf win;   /* framed bytes, oldest first, from win_start */
	size_t win_start;    /* offset of the first live frame in win */
	struct win_ent *ent; /* one per frame in win: end offset and when it was written */
	size_t ent_first, ent_n, ent_cap;
	int64_t lost_ns;	 /* 0, or when the connection was found broken */
	_Atomic uint64_t resent; /* frames written again */
};

struct win_ent {
	size_t end; /* offset in win just after the batch */
	int64_t ns; /* CLOCK_MONOTONIC when it was written */
	size_t n;   /* frames in the batch */
};

#define RESEND_WINDOW_NS 2000000000LL
#define RESEND_MAX_BYTES (4u << 20)

static const struct fwd_option syslog_options[] = {
	{ "app_name", "APP-NAME, default ward" },
	{ "facility", "0..23, default 10 (authpriv)" },
	{ "hostname", "HOSTNAME instead of the record's HostName" },
	{ "framing", "octet-counting (default) or lf, for tcp:// and tls://" },
	{ "tls_ca", "CA file to verify the receiver (tls://)" },
	{ "tls_cert", "client certificate (PEM)" },
	{ "tls_key", "client key (PEM)" },
	{ "tls_verify", "verify the receiver's certificate, default true" },
	{ "tls_server_name", "name to verify instead of the host of the address" },
	{ NULL, NULL },
};

static int split_address(const char *a, struct syslog_sink *s)
{
	const char *rest;
	if (!strncmp(a, "udp://", 6)) {
		s->proto = P_UDP;
		rest = a + 6;
	} else if (!strncmp(a, "tcp://", 6)) {
		s->proto = P_TCP;
		rest = a + 6;
	} else if (!strncmp(a, "tls://", 6)) {
		s->proto = P_TLS;
		rest = a + 6;
	} else {
		return -EINVAL;
	}
	const char *colon = strrchr(rest, ':');
	const char *host = rest, *port = s->proto == P_TLS ? "6514" : "514";
	size_t hl = strlen(rest);
	if (colon && !strchr(colon, ']')) {
		hl = (size_t)(colon - rest);
		port = colon + 1;
	}
	if (hl && host[0] == '[' && host[hl - 1] == ']') {
		host++;
		hl -= 2;
	}
	if (!hl || hl >= sizeof(s->host) || strlen(port) >= sizeof(s->port) || !*port)
		return -EINVAL;
	memcpy(s->host, host, hl);
	s->host[hl] = 0;
	snprintf(s->port, sizeof(s->port), "%s", port);
	return 0;
}

/*
 * Close a stream connection so that what was written still arrives. A TLS 1.3 server sends
 * session tickets after the handshake that a write-only client never reads; closing a socket
 * with unread bytes in its receive buffer makes the kernel send RST instead of FIN, and the
 * receiver then discards whatever it had not read yet (seen in t_fwd_syslog_tls: the last
 * frames of a batch lost although every write had succeeded). So: close_notify, half-close,
 * drain the receive side for a short bounded time, then close.
 */
static void close_gracefully(SSL *ssl, int fd, int stream)
{
	if (ssl)
		(void)SSL_shutdown(ssl);
	if (fd < 0)
		return;
	if (!stream) {
		close(fd);
		return;
	}
	(void)shutdown(fd, SHUT_WR);
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (int i = 0; i < 8 && poll(&p, 1, 100) > 0; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

static void syslog_destroy(void *ctx)
{
	struct syslog_sink *s = ctx;
	if (s->ssl || s->fd >= 0)
		close_gracefully(s->ssl, s->fd, s->proto != P_UDP);
	if (s->ssl)
		SSL_free(s->ssl);
	if (s->ssl_ctx)
		SSL_CTX_free(s->ssl_ctx);
	free(s->app_name);
	free(s->hostname);
	free(s->server_name);
	strbuf_done(&s->body);
	strbuf_done(&s->out);
	strbuf_done(&s->win);
	free(s->ent);
	free(s);
}

static int syslog_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	strbuf_init(&s->body);
	strbuf_init(&s->out);
	strbuf_init(&s->win);
	int rc = 0;
	if (!c->address || split_address(c->address, s)) {
		rc = diag_err(
			diag, c->file, c->line, c->col,
			"output '%s': syslog 'address' must be udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT",
			c->name);
		goto fail;
	}
	const char *fr = fwd_opt_str(c, "framing", "octet-counting");
	if (strcmp(fr, "octet-counting") && strcmp(fr, "lf")) {
		rc = diag_err(diag, c->file, c->line, c->col,
			      "output '%s': framing must be octet-counting or lf", c->name);
		goto fail;
	}
	s->octet = !strcmp(fr, "octet-counting");
	s->format = c->format;
	s->timeout_ms = c->timeout_ms;
	s->app_name = strdup(fwd_opt_str(c, "app_name", "ward"));
	s->hostname =
		fwd_opt_str(c, "hostname", NULL) ? strdup(fwd_opt_str(c, "hostname", NULL)) : NULL;
	s->so.app_name = s->app_name;
	s->so.hostname = s->hostname;
	s->so.facility = (int)fwd_opt_int(c, "facility", 10);
	if (s->so.facility < 0 || s->so.facility > 23) {
		rc = diag_err(diag, c->file, c->line, c->col, "output '%s': facility must be 0..23",
			      c->name);
		goto fail;
	}
	if (s->proto == P_TLS) {
		s->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!s->ssl_ctx) {
			rc = -ENOMEM;
			goto fail;
		}
		SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
		const char *ca = fwd_opt_str(c, "tls_ca", NULL);
		if ((ca && SSL_CTX_load_verify_locations(s->ssl_ctx, ca, NULL) != 1) ||
		    (!ca && SSL_CTX_set_default_verify_paths(s->ssl_ctx) != 1)) {
			rc = diag_err(diag, c->file, c->line, c->col,
				      "output '%s': cannot load CA '%s'", c->name,
				      ca ? ca : "(system)");
			goto fail;
		}
		const char *cert = fwd_opt_str(c, "tls_cert", NULL),
			   *key = fwd_opt_str(c, "tls_key", NULL);
		if (cert && (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, cert) != 1 ||
			     SSL_CTX_use_PrivateKey_file(s->ssl_ctx, key ? key : cert,
							 SSL_FILETYPE_PEM) != 1)) {
			rc = diag_err(diag, c->file, c->line, c->col,
				      "output '%s': cannot load client certificate/key", c->name);
			goto fail;
		}
		SSL_CTX_set_verify(
			s->ssl_ctx,
			fwd_opt_bool(c, "tls_verify", 1) ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
		const char *sn = fwd_opt_str(c, "tls_server_name", NULL);
		if (sn && !(s->server_name = strdup(sn))) {
			rc = -ENOMEM;
			goto fail;
		}
		X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(s->ssl_ctx);
		X509_VERIFY_PARAM_set1_host(vp, sn ? sn : s->host, 0);
	}
	if (!s->app_name || (fwd_opt_str(c, "hostname", NULL) && !s->hostname)) {
		rc = -ENOMEM;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	syslog_destroy(s);
	return rc;
}

static int syslog_encode(void *ctx, const struct ward_record *r, struct strbuf *item)
{
	struct syslog_sink *s = ctx;
	if (s->format == FORMAT_RFC5424)
		return format_rfc5424(r, &s->so, NULL, 0, item);
	strbuf_reset(&s->body);
	int rc = format_record(s->format, r, &s->body);
	if (rc)
		return rc;
	return format_rfc5424(r, &s->so, s->body.buf, s->body.len, item);
}

static void disconnect(struct syslog_sink *s)
{
	if (s->fd >= 0)
		close_gracefully(s->ssl, s->fd, s->proto != P_UDP);
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	s->fd = -1;
}

static int connect_to(struct syslog_sink *s)
{
	struct addrinfo hints = { .ai_socktype = s->proto == P_UDP ? SOCK_DGRAM : SOCK_STREAM },
			*res, *ai;
	if (getaddrinfo(s->host, s->port, &hints, &res))
		return -EHOSTUNREACH;
	int rc = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = { .tv_sec = s->timeout_ms / 1000,
				      .tv_usec = (s->timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (s->proto != P_UDP) {
			int sndbuf = 4 << 20;
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			rc = -errno;
			close(fd);
			continue;
		}
		s->fd = fd;
		rc = 0;
		break;
	}
	freeaddrinfo(res);
	if (rc || s->proto != P_TLS)
		return rc;
	s->ssl = SSL_new(s->ssl_ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, s->fd) ||
	    !SSL_set_tlsext_host_name(s->ssl, s->server_name ? s->server_name : s->host) ||
	    SSL_connect(s->ssl) != 1) {
		ERR_clear_error();
		disconnect(s);
		return -ECONNREFUSED;
	}
	return 0;
}

/* A stream receiver that closed (FIN) or sent anything (a TLS alert) is not to be written to. */
static int peer_gone(struct syslog_sink *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	return (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

static int write_stream(struct syslog_sink *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w;
		if (s->ssl) {
			int k = SSL_write(s->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
			if (k <= 0) {
				ERR_clear_error();
				return -EIO;
			}
			w = k;
		} else {
			w = send(s->fd, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write all of @iov (@cnt entries), resuming after short writes. sendmsg() rather than
 * writev(): MSG_NOSIGNAL, a receiver that left must give EPIPE, not kill the agent.
 */
static int writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		while (cnt && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Forget frames older than the window (only while the connection is fine: after a break,
 * what was written before it waits for the next connection) and beyond the byte bound.
 */
static void win_prune(struct syslog_sink *s, int64_t now)
{
	while (s->ent_n) {
		const struct win_ent *e = &s->ent[s->ent_first];
		if (!(s->lost_ns == 0 && e->ns < now - RESEND_WINDOW_NS) &&
		    s->win.len - s->win_start <= RESEND_MAX_BYTES)
			break;
		s->win_start = e->end;
		s->ent_first++;
		s->ent_n--;
	}
	if (!s->ent_n) {
		strbuf_reset(&s->win);
		s->win_start = s->ent_first = 0;
	} else if (s->win_start > s->win.len / 2) {
		/* move the live part to the front once it is the smaller half */
		size_t live = s->win.len - s->win_start;
		memmove(s->win.buf, s->win.buf + s->win_start, live);
		s->win.len = live;
		s->win.buf[live] = '\0';
		for (size_t i = 0; i < s->ent_n; i++) {
			s->ent[i] = s->ent[s->ent_first + i];
			s->ent[i].end -= s->win_start;
		}
		s->win_start = s->ent_first = 0;
	}
}

/* Remember a batch of @n frames just written (their bytes already appended to win). */
static void win_commit(struct syslog_sink *s, size_t n)
{
	if (strbuf_error(&s->win)) { /* out of memory: keep nothing rather than half */
		strbuf_done(&s->win);
		strbuf_init(&s->win);
		s->win_start = s->ent_first = s->ent_n = 0;
		return;
	}
	if (s->ent_first + s->ent_n == s->ent_cap) {
		size_t cap = s->ent_cap ? s->ent_cap * 2 : 64;
		struct win_ent *e = realloc(s->ent, cap * sizeof(*e));
		if (!e) {
			s->win.len =
				s->ent_n ? s->ent[s->ent_first + s->ent_n - 1].end : s->win_start;
			return;
		}
		s->ent = e;
		s->ent_cap = cap;
	}
	s->ent[s->ent_first + s->ent_n++] = (struct win_ent){ s->win.len, mono_ns(), n };
}

static void lost(struct syslog_sink *s)
{
	if (!s->lost_ns)
		s->lost_ns = mono_ns();
	disconnect(s);
}

/* On a new connection after a break: write again what the receiver may have lost. */
static int win_resend(struct syslog_sink *s)
{
	size_t i = s->ent_first, last = s->ent_first + s->ent_n, from = s->win_start;
	uint64_t frames = 0;
	while (i < last && s->ent[i].ns < s->lost_ns - RESEND_WINDOW_NS)
		from = s->ent[i++].end;
	for (size_t k = i; k < last; k++)
		frames += s->ent[k].n;
	if (s->win.len > from) {
		int rc = write_stream(s, s->win.buf + from, s->win.len - from);
		if (rc)
			return rc;
	}
	s->resent += frames;
	s->lost_ns = 0;
	int64_t now = mono_ns();
	for (size_t k = i; k < last; k++)
		s->ent[k].ns = now;
	return 0;
}

/* Plain TCP, octet counting: "LEN SP MSG" frames, IOV_FRAMES per writev(), nothing copied. */
static int send_frames(struct syslog_sink *s, const struct fwd_item *items, size_t n)
{
	for (size_t i = 0; i < n;) {
		int cnt = 0;
		for (size_t k = 0; k < IOV_FRAMES && i < n; k++, i++) {
			/* "LEN " right-aligned in the scratch: digits written backwards */
			char *end = s->prefix[k] + sizeof(s->prefix[k]), *p = end - 1;
			size_t v = items[i].len;
			*p = ' ';
			do {
				*--p = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			s->iov[cnt++] = (struct iovec){ p, (size_t)(end - p) };
			s->iov[cnt++] =
				(struct iovec){ (void *)(uintptr_t)items[i].data, items[i].len };
		}
		int rc = writev_all(s->fd, s->iov, cnt);
		if (rc)
			return rc;
	}
	/* the frames as written, for a resend after a break (a copy: the spool buffer moves on) */
	for (size_t i = 0; i < n; i++) {
		strbuf_put_u64(&s->win, items[i].len);
		strbuf_putc(&s->win, ' ');
		strbuf_append(&s->win, items[i].data, items[i].len);
	}
	win_commit(s, n);
	return 0;
}

static int syslog_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct syslog_sink *s = ctx;
	if (s->proto != P_UDP) {
		if (s->fd >= 0 && peer_gone(s))
			lost(s);
		win_prune(s, mono_ns());
	}
	if (s->fd < 0) {
		int rc = connect_to(s);
		if (rc)
			return rc;
		if (s->proto != P_UDP && s->lost_ns && (rc = win_resend(s)) != 0) {
			disconnect(s);
			return rc;
		}
	}
	if (s->proto == P_UDP) {
		for (size_t i = 0; i < n; i++) {
			if (send(s->fd, items[i].data, items[i].len, MSG_NOSIGNAL) < 0) {
				int rc = -errno;
				if (rc == -EMSGSIZE) {
					/* larger than a datagram can be: retrying cannot help */
					status[i] = FWD_ITEM_REJECT;
					continue;
				}
				disconnect(s);
				return i ? 0 : rc;
			}
			status[i] = FWD_ITEM_OK;
		}
		return 0;
	}
	if (s->proto == P_TCP && s->octet) {
		int rc = send_frames(s, items, n);
		if (rc) {
			lost(s);
			return rc;
		}
		memset(status, FWD_ITEM_OK, n);
		return 0;
	}
	strbuf_reset(&s->out);
	for (size_t i = 0; i < n; i++) {
		if (s->octet) {
			strbuf_put_u64(&s->out, items[i].len);
			strbuf_putc(&s->out, ' ');
			strbuf_append(&s->out, items[i].data, items[i].len);
		} else {
			/* LF framing: a line break inside a record would split it; replace it */
			for (size_t k = 0; k < items[i].len; k++) {
				char ch = items[i].data[k];
				strbuf_putc(&s->out, ch == '\n' || ch == '\r' ? ' ' : ch);
			}
			strbuf_putc(&s->out, '\n');
		}
	}
	if (strbuf_error(&s->out))
		return -ENOMEM;
	int rc = write_stream(s, s->out.buf, s->out.len);
	if (rc) {
		lost(s);
		return rc;
	}
	strbuf_append(&s->win, s->out.buf, s->out.len);
	win_commit(s, n);
	memset(status, FWD_ITEM_OK, n);
	return 0;
}

static uint64_t syslog_resent(void *ctx)
{
	struct syslog_sink *s = ctx;
	return s->resent;
}

const struct fwd_ops fwd_syslog_ops = {
	.type = "syslog",
	.options = syslog_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_CEF) | (1u << FORMAT_LEEF) |
		   (1u << FORMAT_OCSF) | (1u << FORMAT_RFC5424),
	.default_format = FORMAT_RFC5424,
	.create = syslog_create,
	.destroy = syslog_destroy,
	.encode = syslog_encode,
	.send = syslog_send,
	.resent = syslog_resent,
};
