/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sinks.c - the agent's remote sinks: fleet shipping to a central `ward serve` (src/ship/) and
 * (the config's `outputs` are src/agent/sink_fwd.c). Both copy each record and do their I/O on their own
 * threads with a disk spool, so a slow or absent receiver never stalls the event loop.
 */
#include "agent/agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "fwd/fwd.h"
#include "ship/ship.h"

static int ship_sink_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)r;
	/* the agent's line, serialised once for every sink */
	return ship_send_json(ctx, json, len) == 0 ? 0 : -ENOSPC;
}

static void ship_sink_destroy(void *ctx)
{
	/* a short grace period; what is not acknowledged stays in the spool for the next run */
	(void)ship_flush(ctx, 2000);
	ship_stop(ctx);
}

int agent_sink_ship(const char *url, const char *token_file, const char *spool_dir,
		    struct agent_sink *ret, char *err, size_t errsize)
{
	char token[4096];
	FILE *f = fopen(token_file, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errsize, "%s: %s", token_file, strerror(e));
		return -e;
	}
	size_t n = fread(token, 1, sizeof(token) - 1, f);
	fclose(f);
	token[n] = '\0';
	token[strcspn(token, "\r\n")] = '\0';
	if (!token[0]) {
		snprintf(err, errsize, "%s: empty token", token_file);
		return -EINVAL;
	}
	struct ship_config c = { .url = url, .token = token, .spool_dir = spool_dir };
	struct ship *s = NULL;
	int r = ship_start(&c, &s);
	if (r) {
		snprintf(err, errsize, "cannot start shipping to %s (spool %s): %s", url, spool_dir,
			 strerror(-r));
		return r;
	}
	memset(ret, 0, sizeof(*ret));
	ret->ctx = s;
	ret->write = ship_sink_write;
	ret->destroy = ship_sink_destroy;
	return 0;
}
