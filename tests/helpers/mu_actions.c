/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mu_actions.c - does a fixed list of syscalls whose records the monitor-user e2e test checks:
 * open for write via a relative path, open for read, a failed open, unlink, a TCP listener on
 * 127.0.0.1:PORT with a connect and accept, a UDP socket, setuid(getuid()), and a raw ICMP
 * socket (a CAP_NET_RAW use). Waits for a line on stdin first (so the agent is ready), prints
 * "done" at the end. Usage: mu_actions PORT (run with cwd = a scratch folder).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int port = atoi(argv[1]);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	/*
	 * Paths are built on the stack, as real programs build them: a string literal in a page
	 * the process never touched cannot be read by the kernel probe at syscall entry.
	 */
	char rel[32];
	snprintf(rel, sizeof(rel), "./sub/../%s", "w.txt");
	int fd = openat(AT_FDCWD, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 3;
	close(fd);
	fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0)
		close(fd);
	fd = open("/nonexistent-ward-mu", O_RDONLY);
	if (fd >= 0)
		return 4;
	if (unlink("w.txt") != 0)
		return 5;
	int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1;
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv, (struct sockaddr *)&sa, sizeof(sa)) || listen(srv, 4))
		return 6;
	int cli = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (connect(cli, (struct sockaddr *)&sa, sizeof(sa)))
		return 7;
	int acc = accept(srv, NULL, NULL);
	if (acc < 0)
		return 8;
	close(acc);
	close(cli);
	close(srv);
	int u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	close(u);
	if (setuid(getuid()))
		return 9;
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (raw >= 0)
		close(raw);
	printf("done %d\n", getpid());
	fflush(stdout);
	return 0;
}
