/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforcer.c - src/enforce/ as `ward agent` runs it. The policy matcher calls
 * agent_enforcer_on_set() with each newly compiled set before it frees the previous one: the
 * first set starts the enforcer (enforce_open()), later ones switch it (enforce_update()), so
 * the monitor and the enforcer always decide from the same compiled rules. Block records are
 * made on the enforcer's thread and go through the agent's inbox to the same sinks as the
 * monitor's. When an enforcer runs, the monitor's copy of a blocked event is a log (the
 * enforcer's record is the alert); when none can run, the monitor alerts them itself (audit
 * only) and the reason is kept for the start-up line.
 *
 * Container processes: no resolver is set yet (the monitor's container table lives on the agent
 * thread), so enforce_open() decides them with the host scope. That over-enforces host rules in
 * containers rather than letting a task escape them by entering a new pid namespace (which an
 * unprivileged user can do): a namespace test alone cannot tell a container from an evasion.
 */
#include "agent/agent.h"

#include <errno.h>
#include <stdlib.h>

#include "config/config.h"
#include "enforce/enforce.h"

struct agent_enforcer {
	struct agent *a;
	struct agent_inbox *in;
	struct enforce_opts opts;
	struct enforce *e;
	int err;
};

static void on_record(void *ctx, const struct ward_record *r)
{
	struct agent_enforcer *ae = ctx;
	(void)agent_inbox_put(ae->in, r);
}

int agent_enforcer_new(struct agent *a, struct agent_inbox *in, const struct ward_config *cfg,
		       const char *const *protect_dirs, struct agent_enforcer **ret)
{
	struct agent_enforcer *ae = calloc(1, sizeof(*ae));
	if (!ae)
		return -ENOMEM;
	ae->a = a;
	ae->in = in;
	enforce_opts_init(&ae->opts);
	ae->opts.host_name = cfg->hostname;
	ae->opts.cluster_name = cfg->cluster;
	ae->opts.protect_dirs = protect_dirs;
	*ret = ae;
	return 0;
}

void agent_enforcer_on_set(void *ctx, const struct policy_set *set)
{
	struct agent_enforcer *ae = ctx;
	int r;
	if (!ae->e) {
		r = enforce_open(set, &ae->opts, on_record, ae, &ae->e);
		if (r)
			ae->e = NULL;
	} else {
		r = enforce_update(ae->e, set);
		/*
		 * The old rules would stay in force, but the old set is freed right after this
		 * returns: the enforcer cannot keep it, so it stops (fail-open) and is started
		 * again with the next set.
		 */
		if (r) {
			enforce_close(ae->e);
			ae->e = NULL;
		}
	}
	ae->err = r;
	agent_set_enforcer_alerts(ae->a, ae->e != NULL);
}

int agent_enforcer_running(const struct agent_enforcer *ae)
{
	return ae && ae->e;
}

int agent_enforcer_last_error(const struct agent_enforcer *ae)
{
	return ae ? ae->err : 0;
}

void agent_enforcer_free(struct agent_enforcer *ae)
{
	if (!ae)
		return;
	enforce_close(ae->e);
	free(ae);
}
