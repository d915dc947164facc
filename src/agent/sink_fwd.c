/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sink_fwd.c - the forwarders (src/fwd/) as an agent sink. fwd_submit() copies the record into
 * each matching output's bounded memory queue and returns (never waits on a receiver); the
 * outputs' own threads spool and deliver. Their SystemEvent records (drops) come back through
 * the agent's inbox so they reach the store and --json-out like every other record.
 */
#include "agent/agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fwd/fwd.h"

/* Source of the records fwd reports through on_event (src/fwd/fwd.c). */
#define FWD_EVENT_SOURCE "ward-forwarder"

struct fwd_sink {
	struct fwd *f;
	struct fwd_config *fc; /* fwd keeps pointers into it until fwd_stop() */
	unsigned stop_ms;
};

static int fs_write(void *ctx, const struct ward_record *r, const char *json, size_t len)
{
	struct fwd_sink *s = ctx;
	/*
	 * The forwarders' own SystemEvents go to the store and the other sinks, not back to the
	 * forwarders: a dead output would otherwise drop its own drop report, once a second, forever.
	 */
	if (r->source && !strcmp(r->source, FWD_EVENT_SOURCE) && r->type &&
	    !strcmp(r->type, "SystemEvent"))
		return 0;
	/* queue-full drops are counted per output by fwd and reported as SystemEvent records */
	/* @json is record_to_json(r) (never empty): the JSON outputs (ClickHouse, json files) take
	 * it instead of encoding the record again */
	return fwd_submit_json(s->f, r, len ? json : NULL, len) == 0 ? 0 : -ENOSPC;
}

static void fs_destroy(void *ctx)
{
	struct fwd_sink *s = ctx;
	fwd_stop(s->f, s->stop_ms);
	fwd_config_free(s->fc);
	free(s);
}

static void fs_on_event(const struct ward_record *r, void *userdata)
{
	(void)agent_inbox_put(userdata, r);
}

int agent_sink_fwd(const struct ward_config *cfg, const char *spool_dir, struct agent_inbox *in,
		   unsigned stop_ms, struct agent_sink *ret, struct fwd **ret_fwd,
		   struct diag *diag)
{
	if (!cfg->n_outputs || !cfg->source_path)
		return -ENOENT;
	struct fwd_config *fc = NULL;
	int r = fwd_config_load_file(cfg->source_path, &fc, diag);
	if (r)
		return r;
	if (!fc->n_outputs) {
		fwd_config_free(fc);
		return -ENOENT;
	}
	struct fwd_sink *s = calloc(1, sizeof(*s));
	if (!s) {
		fwd_config_free(fc);
		return -ENOMEM;
	}
	struct fwd_start_opts o = {
		.spool_dir = spool_dir,
		.on_event = fs_on_event,
		.userdata = in,
		.hostname = cfg->hostname,
	};
	r = fwd_start(fc, &o, &s->f, diag);
	if (r) {
		fwd_config_free(fc);
		free(s);
		return r;
	}
	s->fc = fc;
	s->stop_ms = stop_ms;
	ret->ctx = s;
	ret->write = fs_write;
	ret->flush = NULL;
	ret->destroy = fs_destroy;
	if (ret_fwd)
		*ret_fwd = s->f;
	return 0;
}
