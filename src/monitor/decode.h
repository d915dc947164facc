/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h - ring-buffer record (src/bpf/events.h) -> struct ward_event (private to
 * src/monitor/, its tests and fuzz/fuzz_event_decode.c).
 *
 * Every record is untrusted-length input: the decoder checks the header size against the
 * sample size and every length field and string inside, and never reads outside @data.
 */
#ifndef WARD_MONITOR_DECODE_H
#define WARD_MONITOR_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/events.h"
#include "monitor/event.h"

/* Strings of one decoded event that are not plain pointers into the sample live here. */
struct monitor_decoder {
	int64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME, set by monitor_decoder_init() */
	char exe[WARD_DPATH_MAX + 2];
	char cwd[WARD_DPATH_MAX + 2];
	char base[WARD_DPATH_MAX + 2];
	char path[WARD_PATH_MAX + 1];
	char path2[WARD_PATH_MAX + 1];
	char path_abs[WARD_DPATH_MAX + WARD_PATH_MAX + 4];
	char path2_abs[WARD_DPATH_MAX + WARD_PATH_MAX + 4];
	char fstype[WARD_PATH_MAX + 1];
	char filename[WARD_PATH_MAX + 1];
	char tty[WARD_TTY_LEN + 1];
	char args[WARD_ARGS_MAX + 1];
	/* a misaligned input (fuzzing, tests) is copied here before the record casts */
	_Alignas(8) unsigned char raw[sizeof(struct ward_kev_exec) > sizeof(struct ward_kev_syscall)
					      ? sizeof(struct ward_kev_exec)
					      : sizeof(struct ward_kev_syscall)];
};

/* monitor_decoder_init() - zero @d and measure the boot-time -> real-time offset. */
void monitor_decoder_init(struct monitor_decoder *d);

/*
 * monitor_decode() - decode one ring-buffer sample into @ret (strings borrowed from @data and
 * @d until the next call). Return: 0, or -EINVAL for a malformed record (@ret untouched),
 * -EPROTO for an unknown record type.
 */
int monitor_decode(struct monitor_decoder *d, const void *data, size_t size,
		   struct ward_event *ret);

/* monitor_event_kind_of_syscall() - the enum ward_ev_kind of a syscall record, 0 if unknown. */
uint32_t monitor_event_kind_of_syscall(uint32_t nr);

#endif
