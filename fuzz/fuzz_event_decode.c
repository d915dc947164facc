/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_event_decode.c - libFuzzer target for the ring-buffer decoder (src/monitor/decode.c):
 * any byte string must be rejected or decoded without reading outside it. Each input is tried
 * as is and, to get past the size check, with the header's size field patched to the input
 * length; the strings of a decoded event are walked to catch unterminated ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/decode.h"

#define MAX_INPUT 8192

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static void check(struct monitor_decoder *d, const uint8_t *data, size_t size)
{
	struct ward_event e;
	size_t sum = 0;
	uint32_t i;

	if (monitor_decode(d, data, size, &e) < 0)
		return;
	sum += touch(e.exe) + touch(e.path) + touch(e.path2) + touch(e.fstype) + touch(e.cwd) +
	       touch(e.tty) + touch(e.path_abs) + touch(e.path2_abs) + touch(e.unix_path);
	if (e.argc > WARD_EV_MAX_ARGS)
		abort();
	for (i = 0; i < e.argc; i++)
		sum += touch(e.argv[i]);
	if (sum == (size_t)-1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct monitor_decoder d;
	uint8_t *copy;
	uint32_t sz;

	if (size > MAX_INPUT)
		return 0;
	monitor_decoder_init(&d);
	check(&d, data, size);
	if (size < sizeof(struct ward_kev_hdr))
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sz = (uint32_t)size;
	memcpy(copy + offsetof(struct ward_kev_hdr, size), &sz, sizeof(sz));
	check(&d, copy, size);
	free(copy);
	return 0;
}
