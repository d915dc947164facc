/* SPDX-License-Identifier: Apache-2.0 */
/* skel_probe_lsm.c - the only includer of the generated probe_lsm.skel.h. */
#include "monitor/skel/skel_probe_lsm.h"

#include <errno.h>

#include <bpf/libbpf.h>

#include "probe_lsm.skel.h"

int skel_probe_lsm_try(int *ret_loads, int *ret_attaches)
{
	struct probe_lsm_bpf *o;
	struct bpf_link *l;
	int r;

	*ret_loads = 0;
	*ret_attaches = 0;
	o = probe_lsm_bpf__open();
	if (!o)
		return -errno;
	r = probe_lsm_bpf__load(o);
	if (r < 0)
		goto out;
	*ret_loads = 1;
	l = bpf_program__attach(o->progs.ward_probe_lsm);
	if (!l) {
		r = -errno;
		goto out;
	}
	*ret_attaches = 1;
	bpf_link__destroy(l);
	r = 0;
out:
	probe_lsm_bpf__destroy(o);
	return r;
}
