/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_records - a deterministic generator of realistic KubeArmor records (gRPC JSON, one per
 * line) for the store's tests and benchmarks.
 *
 * usage: gen_records N [SEED] [--tricky] [--start UNIX_SECONDS] [--step-ms MS]
 *
 * The mix imitates a node with containers: mostly file and process telemetry, some network,
 * about 10% alerts from a set of policies; names, images, labels and paths come from pools
 * (they repeat in real logs), PIDs and some resources (/proc/<pid>/...) do not. --tricky mixes
 * in values with quotes, %, _, backslashes and SQL text so filters can be checked for literal
 * matching. Plain C, no libward (tests/helpers rule).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static void jstr(const char *k, const char *v, int *first)
{
	if (!v || !*v)
		return;
	printf("%s\"%s\":\"", *first ? "" : ",", k);
	*first = 0;
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
}

static void jint(const char *k, long long v, int always, int *first)
{
	if (!v && !always)
		return;
	printf("%s\"%s\":%lld", *first ? "" : ",", k, v);
	*first = 0;
}

static const char *const procs[] = {
	"/usr/bin/bash",
	"/usr/bin/ls",
	"/usr/bin/cat",
	"/usr/bin/grep",
	"/usr/bin/python3.11",
	"/usr/sbin/nginx",
	"/usr/bin/curl",
	"/usr/bin/ps",
	"/usr/local/bin/node",
	"/usr/bin/java",
	"/usr/sbin/sshd",
	"/usr/bin/sleep",
	"/usr/bin/apt",
	"/usr/bin/touch",
	"/usr/bin/sed",
	"/usr/bin/awk",
	"/usr/lib/systemd/systemd-journald",
	"/usr/bin/containerd-shim-runc-v2",
	"/usr/bin/runc",
	"/usr/bin/kubelet",
};
static const char *const dirs[] = { "/etc/",	     "/usr/lib/x86_64-linux-gnu/",
				    "/var/log/",     "/tmp/",
				    "/home/app/",    "/usr/share/zoneinfo/",
				    "/var/lib/app/", "/opt/service/conf/",
				    "/run/secrets/" };
static const char *const files[] = { "passwd",	   "shadow",	    "hosts",	    "resolv.conf",
				     "libc.so.6",  "ld.so.cache",   "app.log",	    "config.yaml",
				     "token",	   "nsswitch.conf", "localtime",    "cert.pem",
				     "index.html", "data.db",	    "session.json", "os-release" };
static const char *const policies[] = {
	"block-pkg-mgmt-tools", "file-integrity-monitoring", "ksp-discovery-process-discovery",
	"audit-shadow-read",	"block-raw-sockets",	     "DefaultPosture",
	"restrict-curl",	"audit-etc-writes",
};
static const char *const messages[] = {
	"apt was attempted to be executed",
	"Detected and prevented compromise to File integrity",
	"Someone accessed running process",
	"Sensitive file read",
	"Raw socket blocked",
	"",
	"curl was run inside a container",
	"Write under /etc",
};
static const char *const tags[] = {
	"NIST,NIST_800-53_CM-7(4),SI-4,process,NIST_800-53_SI-4",
	"NIST,NIST_800-53_AU-2,NIST_800-53_SI-4,MITRE,MITRE_T1036_masquerading",
	"MITRE,Discovery",
	"PCI_DSS,MITRE",
	"network",
	"",
	"MITRE,T1105",
	"CIS,file",
};
static const char *const tricky[] = {
	"/tmp/it's \"quoted\"", "/tmp/100%_done",   "'; DROP TABLE records; --",
	"/tmp/back\\slash",	"/tmp/under_score", "/tmp/percent%",
	"x' OR '1'='1",		"/tmp/a%b_c",
};

int main(int argc, char **argv)
{
	long long n = argc > 1 ? atoll(argv[1]) : 1000;
	int tricky_mode = 0;
	long long start = 1764547200; /* 2025-12-01T00:00:00Z */
	long long step_us = 1000;     /* mean gap between records */
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--tricky"))
			tricky_mode = 1;
		else if (!strcmp(argv[i], "--start") && i + 1 < argc)
			start = atoll(argv[++i]);
		else if (!strcmp(argv[i], "--step-ms") && i + 1 < argc)
			step_us = atoll(argv[++i]) * 1000;
		else
			rng = (uint64_t)atoll(argv[i]) * 2654435761ULL + 1;
	}
	char hosts[20][32], cids[200][65], cnames[200][32], images[200][96], labels[200][96],
		pods[200][48], nss[200][32];
	for (int i = 0; i < 20; i++)
		snprintf(hosts[i], sizeof(hosts[i]), "node-%02d.prod", i + 1);
	static const char *const apps[] = { "nginx",	"api",	    "worker", "redis",
					    "postgres", "frontend", "batch",  "cron" };
	for (int i = 0; i < 200; i++) {
		for (int j = 0; j < 64; j++)
			cids[i][j] = "0123456789abcdef"[pick(16)];
		cids[i][64] = 0;
		const char *app = apps[i % 8];
		snprintf(cnames[i], sizeof(cnames[i]), "%s-%d", app, i);
		snprintf(images[i], sizeof(images[i]), "registry.local/%s:1.%d@sha256:%08x%08x",
			 app, i % 5, (unsigned)next(), (unsigned)next());
		snprintf(labels[i], sizeof(labels[i]), "app=%s,tier=%s,team=t%d", app,
			 i % 3 ? "backend" : "frontend", i % 7);
		snprintf(pods[i], sizeof(pods[i]), "%s-7d9f8c6b5-%05x", app,
			 (unsigned)(next() & 0xfffff));
		snprintf(nss[i], sizeof(nss[i]), "ns-%s", apps[(i / 8) % 8]);
	}
	long long ts_us = start * 1000000LL;
	char buf[512], res[512], src[512];
	for (long long k = 0; k < n; k++) {
		ts_us += 1 + (long long)(next() % (uint64_t)(2 * step_us));
		int first = 1;
		int host_ev = pick(10) < 4;
		int ci = (int)pick(200);
		int alert = pick(10) == 0;
		unsigned kind = pick(100); /* <30 process, <80 file, else network */
		const char *proc = procs[pick(20)];
		const char *parent = procs[pick(6)];
		int pid = 1000 + (int)pick(60000), ppid = 1 + (int)pick(60000);
		const char *op, *data;
		if (kind < 30) {
			op = "Process";
			snprintf(res, sizeof(res), "%s%s", proc, pick(2) ? " --quiet" : "");
			data = "syscall=SYS_EXECVE";
			snprintf(src, sizeof(src), "%s", parent);
		} else if (kind < 80) {
			op = "File";
			if (pick(10) == 0)
				snprintf(res, sizeof(res), "/proc/%d/stat", pid);
			else
				snprintf(res, sizeof(res), "%s%s", dirs[pick(9)], files[pick(16)]);
			data = pick(3) ? "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY|O_CLOEXEC"
				       : "syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_TRUNC";
			snprintf(src, sizeof(src), "%s %s", proc,
				 pick(2) ? "-c /etc/app.conf" : "");
		} else {
			op = "Network";
			snprintf(res, sizeof(res),
				 "sa_family=AF_INET sin_port=%u sin_addr=10.%u.%u.%u",
				 pick(2) ? 443u : 53u, pick(4), pick(256), pick(256));
			data = "syscall=SYS_CONNECT fd=3";
			snprintf(src, sizeof(src), "%s", proc);
		}
		if (tricky_mode && pick(5) == 0)
			snprintf(res, sizeof(res), "%s", tricky[pick(8)]);
		char upd[96];
		long long secs = ts_us / 1000000;
		int us = (int)(ts_us % 1000000);
		{
			long long days = secs / 86400, rem = secs % 86400;
			/* civil from days (Howard Hinnant's algorithm) */
			long long z = days + 719468, era = z / 146097;
			long long doe = z - era * 146097;
			long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
			long long y = yoe + era * 400,
				  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
			long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
			long long m = mp + (mp < 10 ? 3 : -9);
			y += m <= 2;
			snprintf(upd, sizeof(upd),
				 "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06dZ", y, m, d,
				 rem / 3600, rem / 60 % 60, rem % 60, us);
		}
		int pi = (int)pick(8);
		putchar('{');
		jint("Timestamp", secs, 0, &first);
		jstr("UpdatedTime", upd, &first);
		jstr("ClusterName", pick(4) ? "prod-eu" : "prod-us", &first);
		jstr("HostName", hosts[pick(20)], &first);
		if (!host_ev) {
			jstr("NamespaceName", nss[ci], &first);
			jstr("PodName", pods[ci], &first);
			jstr("Labels", labels[ci], &first);
			jstr("ContainerID", cids[ci], &first);
			jstr("ContainerName", cnames[ci], &first);
			jstr("ContainerImage", images[ci], &first);
		}
		jint("HostPPID", ppid + 100000, 0, &first);
		jint("HostPID", pid + 100000, 0, &first);
		jint("PPID", host_ev ? 0 : ppid, 1, &first);
		jint("PID", pid, 0, &first);
		jint("UID", pick(4) ? 0 : 1000, 1, &first);
		jstr("ParentProcessName", parent, &first);
		jstr("ProcessName", proc, &first);
		if (alert) {
			jstr("PolicyName", policies[pi], &first);
			snprintf(buf, sizeof(buf), "%u", 1 + pick(10));
			if (pi != 5)
				jstr("Severity", buf, &first);
			jstr("Tags", tags[pi], &first);
			if (*tags[pi]) {
				printf(",\"ATags\":[");
				const char *p = tags[pi];
				int e = 0;
				while (*p) {
					const char *c = strchr(p, ',');
					size_t l = c ? (size_t)(c - p) : strlen(p);
					printf("%s\"%.*s\"", e++ ? "," : "", (int)l, p);
					p += l + (c ? 1 : 0);
				}
				putchar(']');
			}
			jstr("Message", messages[pi], &first);
		}
		jstr("Type",
		     alert ? (host_ev ? "MatchedHostPolicy" : "MatchedPolicy")
			   : (host_ev ? "HostLog" : "ContainerLog"),
		     &first);
		jstr("Source", src, &first);
		jstr("Operation", op, &first);
		jstr("Resource", res, &first);
		jstr("Data", data, &first);
		if (alert) {
			static const char *const enf[] = { "eBPF Monitor", "fanotify",
							   "cgroup-bpf" };
			static const char *const act[] = { "Audit", "Block", "Block" };
			unsigned e = pick(3);
			jstr("Enforcer", enf[e], &first);
			jstr("Action", act[e], &first);
			jstr("Result", e ? "Permission denied" : "Passed", &first);
		} else {
			jstr("Result", pick(20) ? "Passed" : "No such file or directory", &first);
		}
		jstr("Cwd", pick(3) ? "/" : "/root/", &first);
		if (pick(8) == 0)
			jstr("TTY", "pts0", &first);
		if (host_ev)
			jstr("UserName", pick(4) ? "root" : "app", &first);
		fputs("}\n", stdout);
	}
	return 0;
}
