/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skel_monitor.c - the only includer of the generated monitor.skel.h (see skel_monitor.h).
 */
#include "monitor/skel/skel_monitor.h"

#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "bpf/events.h" /* struct ward_bpf_cfg, used by the skeleton */
#include "monitor.skel.h"

struct skel_monitor {
	struct monitor_bpf *obj;
};

static const char *const prog_names[SKEL_MON_PROG_COUNT] = {
	[SKEL_MON_SCHED_EXEC] = "ward_sched_exec",   [SKEL_MON_SCHED_FORK] = "ward_sched_fork",
	[SKEL_MON_SCHED_EXIT] = "ward_sched_exit",   [SKEL_MON_SYS_EXIT] = "ward_sys_exit",
	[SKEL_MON_SOCK_CREATE] = "ward_sock_create", [SKEL_MON_CONNECT4] = "ward_connect4",
	[SKEL_MON_CONNECT6] = "ward_connect6",	     [SKEL_MON_CAP_CAPABLE] = "ward_cap_capable",
};

const char *skel_monitor_prog_name(enum skel_monitor_prog p)
{
	return p < SKEL_MON_PROG_COUNT ? prog_names[p] : "?";
}

struct bpf_program *skel_monitor_prog(struct skel_monitor *s, enum skel_monitor_prog p)
{
	struct monitor_bpf *o = s->obj;

	switch (p) {
	case SKEL_MON_SCHED_EXEC:
		return o->progs.ward_sched_exec;
	case SKEL_MON_SCHED_FORK:
		return o->progs.ward_sched_fork;
	case SKEL_MON_SCHED_EXIT:
		return o->progs.ward_sched_exit;
	case SKEL_MON_SYS_EXIT:
		return o->progs.ward_sys_exit;
	case SKEL_MON_SOCK_CREATE:
		return o->progs.ward_sock_create;
	case SKEL_MON_CONNECT4:
		return o->progs.ward_connect4;
	case SKEL_MON_CONNECT6:
		return o->progs.ward_connect6;
	case SKEL_MON_CAP_CAPABLE:
		return o->progs.ward_cap_capable;
	default:
		return NULL;
	}
}

struct bpf_map *skel_monitor_map(struct skel_monitor *s, enum skel_monitor_map m)
{
	struct monitor_bpf *o = s->obj;

	switch (m) {
	case SKEL_MON_MAP_EVENTS:
		return o->maps.events;
	case SKEL_MON_MAP_LOST:
		return o->maps.lost;
	case SKEL_MON_MAP_WCFG:
		return o->maps.wcfg;
	case SKEL_MON_MAP_IGNORE:
		return o->maps.ignore;
	case SKEL_MON_MAP_WANT:
		return o->maps.want;
	case SKEL_MON_MAP_INTEREST:
		return o->maps.interest;
	case SKEL_MON_MAP_TRACK:
		return o->maps.track;
	default:
		return NULL;
	}
}

int skel_monitor_load(const struct skel_monitor_opts *opts, struct skel_monitor **ret)
{
	struct skel_monitor *s;
	int r, i;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->obj = monitor_bpf__open();
	if (!s->obj) {
		r = -errno;
		goto fail;
	}
	s->obj->rodata->cfg.wakeup_bytes = opts->wakeup_bytes;
	r = bpf_map__set_max_entries(s->obj->maps.events, opts->ringbuf_bytes);
	if (r < 0)
		goto fail;
	for (i = 0; i < SKEL_MON_PROG_COUNT; i++) {
		r = bpf_program__set_autoload(skel_monitor_prog(s, i),
					      !!(opts->load_mask & (1u << i)));
		if (r < 0)
			goto fail;
	}
	r = monitor_bpf__load(s->obj);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	skel_monitor_destroy(s);
	return r < 0 ? r : -EINVAL;
}

void skel_monitor_destroy(struct skel_monitor *s)
{
	if (!s)
		return;
	monitor_bpf__destroy(s->obj);
	free(s);
}
