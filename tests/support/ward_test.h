/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward_test.h - helpers shared by the cmocka tiers.
 *
 * Kernel tests call WARD_REQUIRE(cond, reason): without the prerequisite the test is skipped,
 * unless WARD_REQUIRE_KERNEL=1 (CI), where a missing prerequisite is a failure.
 */
#ifndef WARD_TESTS_WARD_TEST_H
#define WARD_TESTS_WARD_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int ward_test_require_kernel(void);
/* ward_test_path() - "$WARD_TOP/<rel>" (or "<rel>" when unset); static buffer per call site not kept. */
const char *ward_test_top(void);
/* ward_test_corpus() - the shared corpus folder ($WARD_CORPUS, default ../shared/corpus). */
const char *ward_test_corpus(void);
/* ward_test_tmpdir() - a fresh mkdtemp() folder under $TMPDIR; caller frees the string. */
char *ward_test_tmpdir(void);
/* ward_test_rm_rf() - remove a folder made by ward_test_tmpdir(). */
void ward_test_rm_rf(const char *dir);
/* ward_test_read_file() - whole file, NUL-terminated; caller frees. NULL on error. */
char *ward_test_read_file(const char *path, size_t *ret_len);

#define WARD_REQUIRE(cond, reason)                                              \
	do {                                                                    \
		if (!(cond)) {                                                  \
			if (ward_test_require_kernel())                         \
				fail_msg("prerequisite missing: %s", (reason)); \
			else {                                                  \
				print_message("skipping: %s\n", (reason));      \
				skip();                                         \
			}                                                       \
		}                                                               \
	} while (0)

#endif
