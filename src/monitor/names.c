/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.c - the words KubeArmor's monitor prints in Resource/Data (spec/kubearmor.md §3.5):
 * syscall names, open flags, socket domains/types, IANA protocol keywords, capabilities,
 * ptrace requests, errno texts. Tables, not switch ladders, so a missing entry is one line.
 * Order of flag words follows KubeArmor's getOpenFlags() so Data strings compare equal.
 */
#include "monitor/enrich.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct nr_name {
	int nr;
	const char *name;
};

/* x86-64 numbers of every syscall the monitor reports (and a few neighbours). */
static const struct nr_name syscall_names[] = {
	{ 2, "SYS_OPEN" },	  { 41, "SYS_SOCKET" },	    { 42, "SYS_CONNECT" },
	{ 43, "SYS_ACCEPT" },	  { 49, "SYS_BIND" },	    { 50, "SYS_LISTEN" },
	{ 59, "SYS_EXECVE" },	  { 82, "SYS_RENAME" },	    { 83, "SYS_MKDIR" },
	{ 84, "SYS_RMDIR" },	  { 85, "SYS_CREAT" },	    { 86, "SYS_LINK" },
	{ 87, "SYS_UNLINK" },	  { 88, "SYS_SYMLINK" },    { 90, "SYS_CHMOD" },
	{ 91, "SYS_FCHMOD" },	  { 92, "SYS_CHOWN" },	    { 93, "SYS_FCHOWN" },
	{ 94, "SYS_LCHOWN" },	  { 101, "SYS_PTRACE" },    { 105, "SYS_SETUID" },
	{ 106, "SYS_SETGID" },	  { 113, "SYS_SETREUID" },  { 114, "SYS_SETREGID" },
	{ 117, "SYS_SETRESUID" }, { 119, "SYS_SETRESGID" }, { 161, "SYS_CHROOT" },
	{ 165, "SYS_MOUNT" },	  { 166, "SYS_UMOUNT2" },   { 257, "SYS_OPENAT" },
	{ 258, "SYS_MKDIRAT" },	  { 260, "SYS_FCHOWNAT" },  { 263, "SYS_UNLINKAT" },
	{ 264, "SYS_RENAMEAT" },  { 265, "SYS_LINKAT" },    { 266, "SYS_SYMLINKAT" },
	{ 268, "SYS_FCHMODAT" },  { 288, "SYS_ACCEPT4" },   { 308, "SYS_SETNS" },
	{ 316, "SYS_RENAMEAT2" }, { 322, "SYS_EXECVEAT" },  { 437, "SYS_OPENAT2" },
	{ 452, "SYS_FCHMODAT2" },
};

const char *mon_syscall_name(int nr, char *buf, size_t size)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(syscall_names); i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	snprintf(buf, size, "SYS_%d", nr);
	return buf;
}

/* KubeArmor's order: access mode, then these bits in this order (octal, as in fcntl.h). */
static const struct {
	uint32_t mask;
	const char *name;
} open_flag_names[] = {
	{ 0100, "O_CREAT" },	    { 0200, "O_EXCL" },	       { 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },	    { 02000, "O_APPEND" },     { 04000, "O_NONBLOCK" },
	{ 04010000, "O_SYNC" },	    { 020000, "O_ASYNC" },     { 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 02000000, "O_CLOEXEC" },
	{ 040000, "O_DIRECT" },	    { 01000000, "O_NOATIME" }, { 010000000, "O_PATH" },
	{ 020200000, "O_TMPFILE" },
};

void mon_open_flags(uint32_t flags, struct strbuf *out)
{
	if (flags & 01)
		strbuf_puts(out, "O_WRONLY");
	else if (flags & 02)
		strbuf_puts(out, "O_RDWR");
	else
		strbuf_puts(out, "O_RDONLY");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(open_flag_names); i++) {
		if ((flags & open_flag_names[i].mask) == open_flag_names[i].mask) {
			strbuf_putc(out, '|');
			strbuf_puts(out, open_flag_names[i].name);
		}
	}
}

static const char *const domain_names[] = {
	"AF_UNSPEC",	 "AF_UNIX",	 "AF_INET",	"AF_AX25",  "AF_IPX",	  "AF_APPLETALK",
	"AF_NETROM",	 "AF_BRIDGE",	 "AF_ATMPVC",	"AF_X25",   "AF_INET6",	  "AF_ROSE",
	"AF_DECnet",	 "AF_NETBEUI",	 "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
	"AF_ASH",	 "AF_ECONET",	 "AF_ATMSVC",	"AF_RDS",   "AF_SNA",	  "AF_IRDA",
	"AF_PPPOX",	 "AF_WANPIPE",	 "AF_LLC",	"AF_IB",    "AF_MPLS",	  "AF_CAN",
	"AF_TIPC",	 "AF_BLUETOOTH", "AF_IUCV",	"AF_RXRPC", "AF_ISDN",	  "AF_PHONET",
	"AF_IEEE802154", "AF_CAIF",	 "AF_ALG",	"AF_NFC",   "AF_VSOCK",	  "AF_KCM",
	"AF_QIPCRTR",	 "AF_SMC",	 "AF_XDP",
};

void mon_sock_domain(int domain, struct strbuf *out)
{
	if (domain >= 0 && (size_t)domain < WARD_ARRAY_SIZE(domain_names))
		strbuf_puts(out, domain_names[domain]);
	else
		strbuf_put_i64(out, domain);
}

void mon_sock_type(int type, struct strbuf *out)
{
	static const char *const names[11] = {
		[1] = "SOCK_STREAM",	[2] = "SOCK_DGRAM", [3] = "SOCK_RAW",	  [4] = "SOCK_RDM",
		[5] = "SOCK_SEQPACKET", [6] = "SOCK_DCCP",  [10] = "SOCK_PACKET",
	};
	unsigned t = (unsigned)type & 0xf;
	if (t < WARD_ARRAY_SIZE(names) && names[t])
		strbuf_puts(out, names[t]);
	else
		strbuf_put_i64(out, type);
	if ((unsigned)type & 04000)
		strbuf_puts(out, "|SOCK_NONBLOCK");
	if ((unsigned)type & 02000000)
		strbuf_puts(out, "|SOCK_CLOEXEC");
}

/* IANA protocol keywords (as Go's and KubeArmor's tables print them). */
static const struct nr_name ip_protocols[] = {
	{ 0, "HOPOPT" },     { 1, "ICMP" },	   { 2, "IGMP" },	{ 4, "IPv4" },
	{ 6, "TCP" },	     { 17, "UDP" },	   { 41, "IPv6" },	{ 43, "IPv6-Route" },
	{ 44, "IPv6-Frag" }, { 47, "GRE" },	   { 50, "ESP" },	{ 51, "AH" },
	{ 58, "IPv6-ICMP" }, { 59, "IPv6-NoNxt" }, { 60, "IPv6-Opts" }, { 103, "PIM" },
	{ 112, "VRRP" },     { 132, "SCTP" },	   { 136, "UDPLite" },	{ 255, "Reserved" },
	{ 262, "MPTCP" },
};

void mon_ip_protocol(int proto, struct strbuf *out)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ip_protocols); i++) {
		if (ip_protocols[i].nr == proto) {
			strbuf_puts(out, ip_protocols[i].name);
			return;
		}
	}
	strbuf_put_i64(out, proto);
}

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

void mon_cap_name(int cap, struct strbuf *out)
{
	if (cap >= 0 && (size_t)cap < WARD_ARRAY_SIZE(cap_names))
		strbuf_puts(out, cap_names[cap]);
	else
		strbuf_put_i64(out, cap);
}

static const struct nr_name ptrace_requests[] = {
	{ 0, "PTRACE_TRACEME" },
	{ 1, "PTRACE_PEEKTEXT" },
	{ 2, "PTRACE_PEEKDATA" },
	{ 3, "PTRACE_PEEKUSER" },
	{ 4, "PTRACE_POKETEXT" },
	{ 5, "PTRACE_POKEDATA" },
	{ 6, "PTRACE_POKEUSER" },
	{ 7, "PTRACE_CONT" },
	{ 8, "PTRACE_KILL" },
	{ 9, "PTRACE_SINGLESTEP" },
	{ 12, "PTRACE_GETREGS" },
	{ 13, "PTRACE_SETREGS" },
	{ 14, "PTRACE_GETFPREGS" },
	{ 15, "PTRACE_SETFPREGS" },
	{ 16, "PTRACE_ATTACH" },
	{ 17, "PTRACE_DETACH" },
	{ 18, "PTRACE_GETFPXREGS" },
	{ 19, "PTRACE_SETFPXREGS" },
	{ 24, "PTRACE_SYSCALL" },
	{ 0x4200, "PTRACE_SETOPTIONS" },
	{ 0x4201, "PTRACE_GETEVENTMSG" },
	{ 0x4202, "PTRACE_GETSIGINFO" },
	{ 0x4203, "PTRACE_SETSIGINFO" },
	{ 0x4204, "PTRACE_GETREGSET" },
	{ 0x4205, "PTRACE_SETREGSET" },
	{ 0x4206, "PTRACE_SEIZE" },
	{ 0x4207, "PTRACE_INTERRUPT" },
	{ 0x4208, "PTRACE_LISTEN" },
	{ 0x4209, "PTRACE_PEEKSIGINFO" },
};

void mon_ptrace_request(int64_t req, struct strbuf *out)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ptrace_requests); i++) {
		if (ptrace_requests[i].nr == req) {
			strbuf_puts(out, ptrace_requests[i].name);
			return;
		}
	}
	strbuf_printf(out, "UNKNOWN(0x%llx)", (unsigned long long)req);
}

const char *mon_result(int64_t retval, char *buf, size_t size)
{
	if (retval >= 0)
		return "Passed";
	if (retval < -4095)
		return "Unknown error";
	/* strerrordesc_np: the plain text, thread-safe, NULL for numbers glibc has no text for */
	const char *s = strerrordesc_np((int)-retval);
	if (!s)
		return "Unknown error";
	snprintf(buf, size, "%s", s);
	return buf;
}

void mon_path_join(const char *base, const char *rel, struct strbuf *out)
{
	/* Build into out, then clean in place: components are appended one at a time. */
	strbuf_reset(out);
	strbuf_putc(out, '/');
	const char *parts[2] = { base ? base : "/", rel };
	for (int k = 0; k < 2; k++) {
		const char *s = parts[k];
		while (*s) {
			while (*s == '/')
				s++;
			if (!*s)
				break;
			const char *e = strchr(s, '/');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			if (n == 1 && s[0] == '.') {
				/* skip */
			} else if (n == 2 && s[0] == '.' && s[1] == '.') {
				if (out->len > 1) {
					char *slash = strrchr(out->buf, '/');
					out->len =
						slash == out->buf ? 1 : (size_t)(slash - out->buf);
					out->buf[out->len] = '\0';
				}
			} else {
				if (out->len > 1)
					strbuf_putc(out, '/');
				strbuf_append(out, s, n);
			}
			s += n;
		}
	}
}
