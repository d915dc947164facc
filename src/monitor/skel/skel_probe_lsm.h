/* SPDX-License-Identifier: Apache-2.0 */
/* skel_probe_lsm.h - wrapper around the generated probe_lsm skeleton (`ward probe` only). */
#ifndef WARD_MONITOR_SKEL_PROBE_LSM_H
#define WARD_MONITOR_SKEL_PROBE_LSM_H

/*
 * skel_probe_lsm_try() - load the BPF-LSM probe program and, if that worked, attach and detach
 * it. *ret_loads / *ret_attaches get 0 or 1. Return: 0, or the first negative errno.
 */
int skel_probe_lsm_try(int *ret_loads, int *ret_attaches);

#endif
