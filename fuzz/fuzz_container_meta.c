/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_container_meta.c - the two untrusted inputs of the container table: /proc/PID/cgroup
 * text (mon_cgroup_container_id) and the runtime's inspect JSON (mon_ctr_parse_inspect).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char id[65];
	(void)mon_cgroup_container_id(text, id);
	struct mon_container c;
	memset(&c, 0, sizeof(c));
	(void)mon_ctr_parse_inspect(&c, text, size);
	free(c.name);
	free(c.image);
	free(c.labels);
	free(c.namespace_name);
	for (size_t i = 0; c.label_list && c.label_list[i]; i++)
		free(c.label_list[i]);
	free(c.label_list);
	free(text);
	return 0;
}
