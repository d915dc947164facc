// SPDX-License-Identifier: GPL-2.0
/*
 * probe_lsm.bpf.c - the smallest BPF-LSM program, for `ward probe` only: whether this kernel
 * loads and attaches lsm/ programs (it needs CONFIG_BPF_LSM and "bpf" in the active LSM list).
 * It allows everything and is detached as soon as the attach succeeded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(ward_probe_lsm, struct file *file)
{
	return 0;
}
