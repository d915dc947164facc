/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.h - ward's own diagnostics ("messages"; "log" means a KubeArmor record here).
 *
 * Only cli/ and the daemon's top-level loop call msg_error()/msg_warn()/msg_info(); library
 * modules at most call msg_debug(). Messages go to stderr as "ward: <text>".
 */
#ifndef WARD_COMMON_MSG_H
#define WARD_COMMON_MSG_H

#include "common/compiler.h"

enum msg_level {
	MSG_ERROR = 0,
	MSG_WARN,
	MSG_INFO,
	MSG_DEBUG,
};

/* msg_set_level() - messages above @level are discarded (default MSG_INFO; WARD_DEBUG=1 → debug). */
void msg_set_level(enum msg_level level);
enum msg_level msg_get_level(void);

void msg_error(const char *fmt, ...) WARD_PRINTF(1, 2);
void msg_warn(const char *fmt, ...) WARD_PRINTF(1, 2);
void msg_info(const char *fmt, ...) WARD_PRINTF(1, 2);
void msg_debug(const char *fmt, ...) WARD_PRINTF(1, 2);

/*
 * msg_errno() - print "ward: <fmt>: <strerror(-r)>" and return @r (a negative errno), so the one
 * call site that reports a failure can also return it.
 */
int msg_errno(int r, const char *fmt, ...) WARD_PRINTF(2, 3);

#endif
