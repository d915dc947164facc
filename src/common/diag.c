/* SPDX-License-Identifier: Apache-2.0 */
/* diag.c - collects file:line:col messages for the CLI to print (see diag.h). */
#include "common/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	*d = (struct diag){ 0 };
}

void diag_done(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->entries[i].file);
	free(d->entries);
	*d = (struct diag){ 0 };
}

static int diag_vadd(struct diag *d, enum diag_level level, const char *file, unsigned line,
		     unsigned col, const char *fmt, va_list ap)
{
	if (!d)
		return 0;
	if (level == DIAG_ERROR)
		d->n_errors++;
	if (d->n >= DIAG_MAX_ENTRIES) {
		d->n_dropped++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_entry *e = realloc(d->entries, cap * sizeof(*e));
		if (!e) {
			d->n_dropped++;
			return -ENOMEM;
		}
		d->entries = e;
		d->cap = cap;
	}
	struct diag_entry *e = &d->entries[d->n];
	*e = (struct diag_entry){ .level = level, .line = line, .col = col };
	if (file) {
		e->file = strdup(file);
		if (!e->file) {
			d->n_dropped++;
			return -ENOMEM;
		}
	}
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	d->n++;
	return 0;
}

int diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int diag_err(struct diag *d, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)diag_vadd(d, DIAG_ERROR, file, line, col, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *level_name(enum diag_level level)
{
	switch (level) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_NOTE:
		return "note";
	}
	return "error";
}

int diag_format(const struct diag_entry *e, char *buf, size_t size)
{
	const char *file = e->file ? e->file : "<input>";
	if (e->line && e->col)
		return snprintf(buf, size, "%s:%u:%u: %s: %s", file, e->line, e->col,
				level_name(e->level), e->msg);
	if (e->line)
		return snprintf(buf, size, "%s:%u: %s: %s", file, e->line, level_name(e->level),
				e->msg);
	return snprintf(buf, size, "%s: %s: %s", file, level_name(e->level), e->msg);
}

int diag_has_errors(const struct diag *d)
{
	return d && d->n_errors > 0;
}
