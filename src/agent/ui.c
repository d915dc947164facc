/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ui.c - `ward agent --ui ADDR`: the HTTP API and the Alerts page (src/server/) over this
 * host's store, served from libmicrohttpd's threads inside the agent. The server opens its own
 * SQLite connection (WAL: readers never block the agent's writer thread) and sees a record as
 * soon as the writer committed it (every 50 ms).
 */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "server/server.h"

struct agent_ui {
	struct server_backend *be;
	struct server *srv;
};

int agent_read_token(const char *path, char **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *buf = malloc(SERVER_MAX_TOKEN + 2);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, SERVER_MAX_TOKEN + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = -errno;
			close(fd);
			free(buf);
			return r;
		}
		if (k == 0 || (n += (size_t)k) == SERVER_MAX_TOKEN + 1)
			break;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	/* the same rule as `ward serve`: the first line, not empty, at most SERVER_MAX_TOKEN */
	if (!buf[0] || strlen(buf) > SERVER_MAX_TOKEN) {
		free(buf);
		return -EINVAL;
	}
	*ret = buf;
	return 0;
}

int agent_random_token(char **ret)
{
	unsigned char raw[24];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	char *t = malloc(sizeof(raw) * 2 + 1);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(raw); i++) {
		static const char hex[] = "0123456789abcdef";
		t[2 * i] = hex[raw[i] >> 4];
		t[2 * i + 1] = hex[raw[i] & 15];
	}
	t[sizeof(raw) * 2] = '\0';
	*ret = t;
	return 0;
}

int agent_ui_start(const char *listen, const char *store_path, const char *token,
		   struct agent_ui **ret, struct diag *diag)
{
	struct agent_ui *ui = calloc(1, sizeof(*ui));
	if (!ui)
		return -ENOMEM;
	int r = server_backend_open(store_path, &ui->be, diag);
	if (r)
		goto fail;
	struct server_config c = { .listen = listen, .token = token, .be = ui->be };
	r = server_new(&c, &ui->srv);
	if (r)
		goto fail;
	r = server_start(ui->srv, diag);
	if (r)
		goto fail;
	*ret = ui;
	return 0;
fail:
	agent_ui_stop(ui);
	return r;
}

unsigned agent_ui_port(const struct agent_ui *ui)
{
	return ui ? server_port(ui->srv) : 0;
}

void agent_ui_stop(struct agent_ui *ui)
{
	if (!ui)
		return;
	server_free(ui->srv);
	server_backend_close(ui->be);
	free(ui);
}
