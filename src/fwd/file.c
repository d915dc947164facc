/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.c - `type: file`: one record per line (NDJSON, or any body format) appended to a file,
 * rotated by size (path.1 ... path.N, oldest removed) and reopened on SIGHUP (fwd_reopen) so
 * logrotate can move it away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "fwd/fwd.h"

struct file_sink {
	char *path;
	enum format_kind format;
	long long max_size; /* 0 = never rotate */
	int max_files;
	int fd;
	long long size;
};

static const struct fwd_option file_options[] = {
	{ "path", "file to append to (or `address: file:///path`)" },
	{ "max_size", "rotate when the file reaches this many bytes (0 = never)" },
	{ "max_files", "rotated files kept (path.1 .. path.N), default 5" },
	{ NULL, NULL },
};

static int file_open(struct file_sink *s)
{
	if (!strcmp(s->path, "-")) {
		/* stdout: never rotated, reopen is a no-op */
		s->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		s->max_size = 0;
		return s->fd < 0 ? -errno : 0;
	}
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (s->fd < 0)
		return -errno;
	struct stat sb;
	s->size = fstat(s->fd, &sb) ? 0 : sb.st_size;
	return 0;
}

static int file_create(const struct fwd_output_config *c, void **ret, struct diag *diag)
{
	const char *path = fwd_opt_str(c, "path", NULL);
	if (!path && c->address && !strncmp(c->address, "file://", 7))
		path = c->address + 7;
	else if (!path)
		path = c->address;
	if (!path || !*path)
		return diag_err(diag, c->file, c->line, c->col, "output '%s': file needs 'path'",
				c->name);
	struct file_sink *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return -ENOMEM;
	}
	s->format = c->format;
	s->max_size = fwd_opt_int(c, "max_size", 0);
	s->max_files = (int)fwd_opt_int(c, "max_files", 5);
	if (s->max_files < 1)
		s->max_files = 1;
	s->fd = -1;
	*ret = s;
	return 0;
}

static void file_destroy(void *ctx)
{
	struct file_sink *s = ctx;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

static int file_encode(void *ctx, const struct ward_record *r, struct strbuf *item)
{
	struct file_sink *s = ctx;
	int rc = format_record(s->format, r, item);
	strbuf_putc(item, '\n');
	return rc ? rc : strbuf_error(item);
}

static int file_encode_json(void *ctx, const char *json, size_t len, struct strbuf *item)
{
	struct file_sink *s = ctx;
	if (s->format != FORMAT_JSON)
		return 1;
	strbuf_append(item, json, len);
	strbuf_putc(item, '\n');
	return strbuf_error(item);
}

static void file_rotate(struct file_sink *s)
{
	char from[4096], to[4096];
	close(s->fd);
	s->fd = -1;
	for (int i = s->max_files; i >= 1; i--) {
		snprintf(to, sizeof(to), "%s.%d", s->path, i);
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->path);
		else
			snprintf(from, sizeof(from), "%s.%d", s->path, i - 1);
		rename(from, to); /* a missing older file is fine */
	}
}

static int file_send(void *ctx, const struct fwd_item *items, size_t n, uint8_t *status)
{
	struct file_sink *s = ctx;
	for (size_t i = 0; i < n; i++) {
		if (s->fd < 0 && file_open(s))
			return i ? 0 : -EIO;
		if (s->max_size && s->size && s->size + (long long)items[i].len > s->max_size) {
			file_rotate(s);
			if (file_open(s))
				return i ? 0 : -EIO;
		}
		const char *p = items[i].data;
		size_t left = items[i].len;
		while (left) {
			ssize_t w = write(s->fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return i ? 0 : -errno;
			p += w;
			left -= (size_t)w;
		}
		s->size += (long long)items[i].len;
		status[i] = FWD_ITEM_OK;
	}
	return 0;
}

static void file_reopen(void *ctx)
{
	struct file_sink *s = ctx;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

const struct fwd_ops fwd_file_ops = {
	.type = "file",
	.options = file_options,
	.formats = (1u << FORMAT_JSON) | (1u << FORMAT_CEF) | (1u << FORMAT_LEEF) |
		   (1u << FORMAT_OCSF) | (1u << FORMAT_RFC5424),
	.default_format = FORMAT_JSON,
	.create = file_create,
	.destroy = file_destroy,
	.encode = file_encode,
	.encode_json = file_encode_json,
	.send = file_send,
	.reopen = file_reopen,
};
