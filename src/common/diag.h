/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag.h - file:line:col diagnostics filled by parsers and loaders.
 *
 * Library code never prints (house style B6). A parser that fails fills a struct diag; the CLI
 * prints it with diag_format(). A diag can collect several entries (a validator reports every
 * problem of a file, not only the first); the count is bounded by DIAG_MAX_ENTRIES and the
 * overflow is counted, never lost silently.
 */
#ifndef WARD_COMMON_DIAG_H
#define WARD_COMMON_DIAG_H

#include <stddef.h>

#include "common/compiler.h"

#define DIAG_MAX_ENTRIES 256
#define DIAG_MSG_MAX	 512

enum diag_level {
	DIAG_ERROR = 0,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag_entry {
	enum diag_level level;
	char *file;    /* owned */
	unsigned line; /* 1-based; 0 = no position */
	unsigned col;  /* 1-based; 0 = no column */
	char msg[DIAG_MSG_MAX];
};

struct diag {
	struct diag_entry *entries; /* owned array of n entries */
	size_t n, cap;
	size_t n_errors;
	size_t n_dropped; /* entries beyond DIAG_MAX_ENTRIES */
};

/* diag_init()/diag_done(): caller-owned storage; diag_done() frees the entries. */
void diag_init(struct diag *d);
void diag_done(struct diag *d);

/*
 * diag_add() - record one message. @d may be NULL (the message is then discarded).
 * @file is copied. Return: 0, or -ENOMEM (the entry is counted as dropped).
 */
int diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...) WARD_PRINTF(6, 7);

/* Shorthand for diag_add(d, DIAG_ERROR, ...). Returns -EINVAL so callers can `return diag_err(...)`. */
int diag_err(struct diag *d, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	WARD_PRINTF(5, 6);

/*
 * diag_format() - "FILE:LINE:COL: error: MSG" (line/col left out when 0) into @buf.
 * Return: the length snprintf would have written.
 */
int diag_format(const struct diag_entry *e, char *buf, size_t size);

/* diag_has_errors() - true when at least one DIAG_ERROR was added. */
int diag_has_errors(const struct diag *d);

#endif
