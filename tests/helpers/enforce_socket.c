/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce_socket.c - opens one socket and reports the outcome, for the enforcer tests:
 * `enforce_socket raw|tcp|udp` prints "ok" (exit 0) or the strerror text (exit 1).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: enforce_socket raw|tcp|udp\n");
		return 2;
	}
	if (strcmp(argv[1], "raw") == 0)
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	else if (strcmp(argv[1], "tcp") == 0)
		fd = socket(AF_INET, SOCK_STREAM, 0);
	else
		fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}
