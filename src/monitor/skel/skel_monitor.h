/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skel_monitor.h - thin wrapper around the bpftool-generated monitor skeleton (private to
 * src/monitor/). The generated monitor.skel.h is included by skel_monitor.c only (house style
 * B14: the analyzer's false leak stays in one exempted file); the rest of the module reaches
 * programs and maps through these functions.
 */
#ifndef WARD_MONITOR_SKEL_MONITOR_H
#define WARD_MONITOR_SKEL_MONITOR_H

#include <stdint.h>

struct bpf_program;
struct bpf_map;
struct skel_monitor;

/* Programs of monitor.bpf.c, in a fixed order (probe and attach tables index by these). */
enum skel_monitor_prog {
	SKEL_MON_SCHED_EXEC = 0,
	SKEL_MON_SCHED_FORK,
	SKEL_MON_SCHED_EXIT,
	SKEL_MON_SYS_EXIT,
	SKEL_MON_SOCK_CREATE,
	SKEL_MON_CONNECT4,
	SKEL_MON_CONNECT6,
	SKEL_MON_CAP_CAPABLE,
	SKEL_MON_PROG_COUNT,
};

enum skel_monitor_map {
	SKEL_MON_MAP_EVENTS = 0,
	SKEL_MON_MAP_LOST,
	SKEL_MON_MAP_WCFG,
	SKEL_MON_MAP_IGNORE,
	SKEL_MON_MAP_WANT,
	SKEL_MON_MAP_INTEREST,
	SKEL_MON_MAP_TRACK,
	SKEL_MON_MAP_COUNT,
};

struct skel_monitor_opts {
	uint32_t ringbuf_bytes; /* power of two, multiple of the page size */
	uint32_t wakeup_bytes;
	/* bit i set: load program i (enum skel_monitor_prog); the others are not loaded */
	uint32_t load_mask;
};

/*
 * skel_monitor_load() - open the skeleton, apply @o, load into the kernel (verifier).
 * Return: 0, or a negative errno from libbpf (-EPERM without privilege, -EINVAL verifier...).
 * On success *ret is freed with skel_monitor_destroy().
 */
int skel_monitor_load(const struct skel_monitor_opts *o, struct skel_monitor **ret);
void skel_monitor_destroy(struct skel_monitor *s);

/* Borrowed pointers, valid until skel_monitor_destroy(). */
struct bpf_program *skel_monitor_prog(struct skel_monitor *s, enum skel_monitor_prog p);
struct bpf_map *skel_monitor_map(struct skel_monitor *s, enum skel_monitor_map m);

/* The C function name of a program ("ward_sched_exec"), for probe output. */
const char *skel_monitor_prog_name(enum skel_monitor_prog p);

#endif
