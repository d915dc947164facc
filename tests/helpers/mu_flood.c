/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mu_flood.c - open PATH (read-only, then close) COUNT times as fast as possible: a burst of
 * file events for the monitor-user overload test and benchmarks. Prints its pid first and
 * "done" at the end. Usage: mu_flood PATH COUNT
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char path[4096];
	snprintf(path, sizeof(path), "%s", argv[1]); /* on the stack: readable by the probe */
	long n = atol(argv[2]);
	printf("%d\n", getpid());
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	printf("done\n");
	return 0;
}
