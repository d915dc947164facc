/* SPDX-License-Identifier: Apache-2.0 */
/* msg.c - stderr messages for the CLI and the daemon's top level (see msg.h). */
#include "common/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum msg_level current_level = MSG_INFO;
static int level_from_env_done;

static void level_from_env(void)
{
	if (level_from_env_done)
		return;
	level_from_env_done = 1;
	const char *d = getenv("WARD_DEBUG");
	if (d && *d && strcmp(d, "0") != 0)
		current_level = MSG_DEBUG;
}

void msg_set_level(enum msg_level level)
{
	level_from_env_done = 1;
	current_level = level;
}

enum msg_level msg_get_level(void)
{
	level_from_env();
	return current_level;
}

static void vmsg(enum msg_level level, const char *prefix, const char *fmt, va_list ap)
{
	level_from_env();
	if (level > current_level)
		return;
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	/* one write per message so lines from threads do not interleave */
	fprintf(stderr, "ward: %s%s\n", prefix, line);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(MSG_ERROR, "", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(MSG_WARN, "warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(MSG_INFO, "", fmt, ap);
	va_end(ap);
}

void msg_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(MSG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}

int msg_errno(int r, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg_error("%s: %s", what, strerror(r < 0 ? -r : r));
	return r;
}
