#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: `ward agent --json-out` on the real kernel writes the exact KubeArmor
# records (spec/kubearmor.md §3.5) for a helper's file, network, capability syscalls and its
# exec; SIGTERM exits 0 after flushing. Needs root and BPF (fails under WARD_REQUIRE_KERNEL=1).
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
build=${WARD_BUILD:-build}
helper="$WARD_TOP/$build/tests/helpers/mu_actions"
tmp=$(mktemp -d /tmp/ward-mu-e2e.XXXXXX)
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -KILL "$agent_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root and BTF"; exit 1; fi
	echo "ok - records # SKIP needs root and BTF"; exit 0
fi
[ -x "$helper" ] || { notok "helper $helper built"; exit 1; }

mkdir -p "$tmp/work/sub"
"$WARD_BIN" agent --config /dev/null --policy "$WARD_TOP/tests/data/monitor-user/setuid-audit.yaml" --store "$tmp/ward.db" --json-out "$tmp/out.json" \
	--hostname mu-e2e --cluster mu-cluster 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
if grep -q 'ward agent: monitoring' "$tmp/err"; then ok "agent prints one line when monitoring"; else
	notok "agent started: $(cat "$tmp/err")"; exit 1; fi

port=18251
(cd "$tmp/work" && echo go | "$helper" $port >"$tmp/act")
pid=$(awk '/^done/{print $2}' "$tmp/act")
[ -n "$pid" ] && ok "helper ran (pid $pid)" || notok "helper ran"
sleep 0.3
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc"
grep -q 'ward agent: stopped: ' "$tmp/err" && ok "stop summary printed" || notok "stop summary"

jq -e . "$tmp/out.json" >/dev/null 2>&1 && ok "every line is JSON" || notok "every line is JSON"

src="$helper $port"
cwd="$tmp/work/"
# Fields every record of the helper carries (HostPPID: the subshell that ran it).
common=$(jq -cn --arg h "$helper" --arg s "$src" --arg c "$cwd" --argjson p "$pid" \
	'{ClusterName:"mu-cluster",HostName:"mu-e2e",HostPID:$p,PID:$p,PPID:0,UID:0,
	  ProcessName:$h,Source:$s,Type:"HostLog",Cwd:$c,UserName:"root",
	  ExecEvent:{ExecID:"0",ExecutableName:"mu_actions"}}')
check() { # what operation resource data result
	local what=$1 op=$2 res=$3 data=$4 result=$5 want got n
	want=$(jq -cn --argjson c "$common" --arg o "$op" --arg r "$res" --arg d "$data" --arg x "$result" \
		'$c + {Operation:$o,Data:$d,Result:$x} + (if $r == "" then {} else {Resource:$r} end)')
	got=$(jq -c --argjson p "$pid" --arg o "$op" --arg r "$res" --arg d "$data" \
		'select(.HostPID == $p and .Operation == $o and (.Resource // "") == $r and .Data == $d)
		 | del(.Timestamp, .UpdatedTime, .HostPPID, .ParentProcessName)' "$tmp/out.json")
	n=$(printf '%s' "$got" | grep -c . || true)
	if [ "$n" = 1 ] && [ "$(jq -cS . <<<"$got")" = "$(jq -cS . <<<"$want")" ]; then
		ok "$what"
	else
		notok "$what: got ${n} record(s): $got; want $want"
	fi
}
check "open for write, relative path resolved and cleaned" File "$tmp/work/w.txt" \
	"syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC" Passed
check "open for read" File /etc/hostname "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY" Passed
check "failed open" File /nonexistent-ward-mu "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY" \
	"No such file or directory"
check "unlink of a relative path" File "$tmp/work/w.txt" "syscall=SYS_UNLINK" Passed
check "bind" Network "sa_family=AF_INET sin_port=$port sin_addr=127.0.0.1" "syscall=SYS_BIND fd=3" Passed
check "listen" Network "" "syscall=SYS_LISTEN fd=3" Passed
check "accept of the loopback client" Network "sa_family=AF_INET sin_port=$(jq -r --argjson p "$pid" \
	'select(.HostPID == $p and .Data == "syscall=SYS_ACCEPT fd=3") | .Resource' "$tmp/out.json" |
	sed -n 's/.*sin_port=\([0-9]*\).*/\1/p' | head -n1) sin_addr=127.0.0.1" "syscall=SYS_ACCEPT fd=3" Passed
check "UDP socket" Network "domain=AF_INET type=SOCK_DGRAM protocol=UDP" "syscall=SYS_SOCKET" Passed
check "raw socket" Network "domain=AF_INET type=SOCK_RAW protocol=ICMP" "syscall=SYS_SOCKET" Passed

n=$(jq -c --argjson p "$pid" 'select(.HostPID == $p and .Data == "syscall=SYS_SOCKET" and
	.Resource == "domain=AF_INET type=SOCK_STREAM protocol=TCP")' "$tmp/out.json" | grep -c .)
[ "$n" = 2 ] && ok "two TCP sockets (server, client)" || notok "two TCP sockets: $n"
n=$(jq -c --argjson p "$pid" --arg r "sa_family=AF_INET sin_port=$port sin_addr=127.0.0.1" \
	'select(.HostPID == $p and ((.Data // "") | startswith("syscall=SYS_CONNECT")) and .Resource == $r
	 and .Result == "Passed")' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "TCP connect to the loopback server" || notok "TCP connect: $n records"
n=$(jq -c --argjson p "$pid" 'select(.HostPID == $p and .Operation == "Capabilities" and
	.Resource == "CAP_NET_RAW" and .Type == "HostLog")' "$tmp/out.json" | grep -c .)
[ "$n" -ge 1 ] && ok "capability use (CAP_NET_RAW)" || notok "capability use: $n records"
got=$(jq -c --argjson p "$pid" 'select(.HostPID == $p and .Operation == "Process")
	| [.Resource, .Data, .Result, .ProcessName, .Source == .ParentProcessName, .Cwd]' "$tmp/out.json")
want=$(jq -cn --arg h "$helper" --arg c "$cwd" --arg p "$port" '[$h + " " + $p, "syscall=SYS_EXECVE", "Passed", $h, true, $c]')
[ "$got" = "$want" ] && ok "exec record: Resource with args, Source = parent" ||
	notok "exec record: $got want $want"

got=$(jq -c --argjson p "$pid" 'select(.HostPID == $p and .Operation == "Syscall")
	| del(.Timestamp, .UpdatedTime, .HostPPID, .HostPID, .PID, .ParentProcessName, .ClusterName,
	  .HostName, .Cwd, .ProcessName, .Source)' "$tmp/out.json")
want='{"PPID":0,"UID":0,"PolicyName":"mu-audit-setuid","Severity":"2","Message":"setuid called","Type":"MatchedHostPolicy","Operation":"Syscall","Data":"syscall=SYS_SETUID userid=0","Enforcer":"eBPF Monitor","Action":"Audit","Result":"Passed","ExecEvent":{"ExecID":"0","ExecutableName":"mu_actions"},"UserName":"root"}'
[ "$got" = "$want" ] && ok "setuid: one Syscall alert from a matchSyscalls rule" || notok "setuid: $got"

exit $fail
