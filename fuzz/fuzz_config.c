/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config.c - ward.yaml parsing (config/config.c) on arbitrary bytes: no crash, no leak. */
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct diag d;
	diag_init(&d);
	struct ward_config *c = NULL;
	if (config_load_buffer("fuzz.yaml", (const char *)data, size, &c, &d) == 0)
		config_free(c);
	diag_done(&d);
	return 0;
}
