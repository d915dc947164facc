#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor_auditd.sh [BENCH] [ROUNDS] - the monitor_bench workload under Debian's auditd with
# rules on the syscalls ward's full visibility captures, against the same workload without
# rules, interleaved in the same invocation (docs/benchmarks/monitor.md).
#
# auditd runs in the foreground with a private config (log in a temp dir, rotated at 50 MB) so
# the host's audit log is untouched; on exit the rules are deleted, the audit enable flag and
# backlog limit restored and our auditd stopped (by its pid).
set -eu
BENCH=${1:-build/bench/monitor_bench}
ROUNDS=${2:-5}
KEY=ward-bench
SYSCALLS=open,openat,openat2,unlink,unlinkat,rmdir,rename,renameat,renameat2,chmod,fchmodat,chown,fchownat,lchown,setuid,setgid,ptrace,mount,umount2,execve,execveat,socket,connect,accept,accept4,bind,listen

work=$(mktemp -d /tmp/ward-bench-audit.XXXXXX)
old_enabled=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
old_backlog=$(auditctl -s | awk '$1 == "backlog_limit" { print $2 }')
audit_pid=
cleanup() {
	auditctl -d always,exit -F arch=b64 -S "$SYSCALLS" -k "$KEY" >/dev/null 2>&1 || true
	auditctl -e "${old_enabled:-0}" >/dev/null 2>&1 || true
	auditctl -b "${old_backlog:-64}" >/dev/null 2>&1 || true
	if [ -n "$audit_pid" ]; then
		kill "$audit_pid" 2>/dev/null || true
		wait "$audit_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" != 0 ]; then
	echo "an auditd is already running; refusing to touch it" >&2
	exit 1
fi
cat >"$work/auditd.conf" <<CONF
log_file = $work/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 50
num_logs = 2
max_log_file_action = ROTATE
space_left = 100
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
write_logs = yes
CONF
chmod 0640 "$work/auditd.conf"
auditd -f -c "$work" >"$work/auditd.out" 2>&1 &
audit_pid=$!
sleep 1
auditctl -e 1 >/dev/null
auditctl -b 8192 >/dev/null

run() { # prints "open spawn connect" wall and cpu ns/op
	"$BENCH" --workload-only | awk '{ w[NR] = $(NF-5); c[NR] = $(NF-2) } END { print w[1], w[2], w[3], c[1], c[2], c[3] }'
}
: >"$work/base" && : >"$work/audit"
for _ in $(seq "$ROUNDS"); do
	run >>"$work/base"
	auditctl -a always,exit -F arch=b64 -S "$SYSCALLS" -k "$KEY" >/dev/null
	run >>"$work/audit"
	auditctl -d always,exit -F arch=b64 -S "$SYSCALLS" -k "$KEY" >/dev/null
done
lost=$(auditctl -s | awk '$1 == "lost" { print $2 }')

median() { # file column
	sort -g -k"$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
printf '%-24s %14s %22s\n' "median ns/op" baseline "auditd (rules)"
i=1
for kind in wall cpu; do
	for wl in "open+close" "posix_spawn /bin/true" "tcp connect+accept"; do
		b=$(median "$work/base" "$i")
		a=$(median "$work/audit" "$i")
		printf '%-24s %14.1f %14.1f %6.2fx\n' "$wl ($kind)" "$b" "$a" "$(echo "$a / $b" | bc -l)"
		i=$((i + 1))
	done
done
echo "(auditd kernel 'lost' counter after the run: $lost; $ROUNDS rounds)"
