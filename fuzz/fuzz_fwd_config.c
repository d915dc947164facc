/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_fwd_config - the `outputs:` config parser (fwd/config.c): any YAML either parses or
 * fails with at least one FILE:LINE:COL diagnostic, never crashes or leaks; a parsed filter
 * can be evaluated on a record.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/diag.h"
#include "fwd/fwd.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	struct diag d;
	struct fwd_config *c = NULL;
	diag_init(&d);
	int rc = fwd_config_parse_string((const char *)data, size, "fuzz.yaml", &c, &d);
	if (rc == -EINVAL && !diag_has_errors(&d))
		abort();
	if (!rc) {
		struct ward_record r = { .type = "MatchedPolicy",
					 .severity = "5",
					 .operation = "File",
					 .resource = "/etc/shadow",
					 .host_pid = 4 };
		for (size_t i = 0; i < c->n_outputs; i++)
			(void)fwd_filter_match(&c->outputs[i].filter, &r);
		fwd_config_free(c);
	}
	diag_done(&d);
	return 0;
}
