/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rec_collect.h - a record callback for the enforcement kernel tests: each record the enforcer
 * emits (from its own thread) is kept as one JSON line in recs[], guarded by rec_lock.
 */
#ifndef WARD_TESTS_REC_COLLECT_H
#define WARD_TESTS_REC_COLLECT_H

#include <pthread.h>
#include <stddef.h>

#include "record/record.h"

#define REC_COLLECT_MAX 64

extern pthread_mutex_t rec_lock;
extern char *recs[REC_COLLECT_MAX]; /* JSON lines, owned; read under rec_lock */
extern size_t n_recs;

/* on_record() - the enforcer's record callback (@ctx unused); keeps up to REC_COLLECT_MAX. */
void on_record(void *ctx, const struct ward_record *r);
/* recs_wait() - wait up to @ms for @want records. Return: how many there are. */
size_t recs_wait(size_t want, int ms);
/* recs_clear() - free every collected record. */
void recs_clear(void);

#endif
