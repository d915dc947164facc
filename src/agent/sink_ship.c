/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sink_ship.c - fleet mode as an agent sink: every record to a central `ward serve` through
 * src/ship (one JSON line appended to the open batch per record; its thread seals, spools and
 * posts). On stop the spool gets a few seconds to drain; what is left is sent on the next start.
 */
#include "agent/agent.h"

#include <errno.h>
#include <string.h>

#include "ship/ship.h"

#define SHIP_STOP_FLUSH_MS 3000

static int ss_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	(void)json;
	(void)len;
	int e = ship_send(ctx, r);
	return e == 0 ? 0 : -ENOSPC;
}

static void ss_destroy(void *ctx)
{
	(void)ship_flush(ctx, SHIP_STOP_FLUSH_MS);
	ship_stop(ctx);
}

int agent_sink_ship(const char *url, const char *token, const char *spool_dir,
		    struct agent_sink *ret)
{
	struct ship_config c = {
		.url = url,
		.token = token,
		.spool_dir = spool_dir,
	};
	struct ship *s = NULL;
	int r = ship_start(&c, &s);
	if (r)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->ctx = s;
	ret->write = ss_write;
	ret->destroy = ss_destroy;
	return 0;
}
