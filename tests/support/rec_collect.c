/* SPDX-License-Identifier: Apache-2.0 */
/* rec_collect.c - records an enforcer emits, collected as JSON lines for the kernel tests. */
#include "support/rec_collect.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/strbuf.h"

pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
char *recs[REC_COLLECT_MAX];
size_t n_recs;

void on_record(void *ctx, const struct ward_record *r)
{
	struct strbuf sb;

	(void)ctx;
	strbuf_init(&sb);
	if (record_to_json(r, &sb) == 0) {
		pthread_mutex_lock(&rec_lock);
		if (n_recs < REC_COLLECT_MAX)
			recs[n_recs++] = strbuf_detach(&sb, NULL);
		pthread_mutex_unlock(&rec_lock);
	}
	strbuf_done(&sb);
}

size_t recs_wait(size_t want, int ms)
{
	size_t n = 0;
	int i;

	for (i = 0; i <= ms / 10; i++) {
		pthread_mutex_lock(&rec_lock);
		n = n_recs;
		pthread_mutex_unlock(&rec_lock);
		if (n >= want)
			break;
		usleep(10000);
	}
	return n;
}

void recs_clear(void)
{
	pthread_mutex_lock(&rec_lock);
	while (n_recs)
		free(recs[--n_recs]);
	pthread_mutex_unlock(&rec_lock);
}
