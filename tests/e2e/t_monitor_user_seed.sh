#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: seed example 1 (spec/seed-examples.md) on the real kernel. With the seed
# host policy (hostname "*"), `ps` run from an interactive bash under a pty yields exactly one
# alert with the example's fields; extra_fields from the config are appended; the alert is in
# the store too. Then a policy added to the watched folder and SIGHUP both reload.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-mu-seed.XXXXXX)
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
	echo "ok - seed example # SKIP needs root and BTF"; exit 0
fi
command -v script >/dev/null || { notok "script(1) present"; exit 1; }

mkdir -p "$tmp/policies" "$tmp/home"
cp "$WARD_TOP/tests/data/monitor-user/seed-example-1.yaml" "$tmp/policies/"
cat >"$tmp/ward.yaml" <<YAML
cluster: wsl-ubuntu
hostname: mu-seed-host
visibility: none
policies: [$tmp/policies]
store: {path: $tmp/ward.db}
extra_fields: {cluster_id: "27273", component_name: kubearmor}
YAML
"$WARD_BIN" agent --config "$tmp/ward.yaml" --json-out "$tmp/out.json" 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
grep -q 'monitoring (.*5 rules' "$tmp/err" && ok "agent monitoring with the seed policy's 5 rules" ||
	notok "agent start: $(cat "$tmp/err")"

# an interactive bash on a pty, in $tmp/home, runs ps
(cd "$tmp/home" && script -qc "bash --norc -i -c 'ps >/dev/null; echo \$\$ >$tmp/bash.pid'" /dev/null \
	>/dev/null 2>&1 </dev/null)
bash_pid=$(cat "$tmp/bash.pid")
sleep 0.3

n=$(jq -c 'select(.ProcessName == "/usr/bin/ps")' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "exactly one record for ps" || notok "records for ps: $n"
rec=$(jq -c 'select(.ProcessName == "/usr/bin/ps")' "$tmp/out.json" | head -n1)
bash_exe=$(readlink -f "$(command -v bash)")
want=$(jq -cn --arg b "$bash_exe" --arg c "$tmp/home/" '{
	Action: "Audit", ClusterName: "wsl-ubuntu", Cwd: $c, Data: "syscall=SYS_EXECVE",
	Enforcer: "eBPF Monitor", HostName: "mu-seed-host", Message: "Someone accessed running process",
	Operation: "Process", PPID: 0, ParentProcessName: $b, PolicyName: "ksp-discovery-process-discovery",
	ProcessName: "/usr/bin/ps", Resource: "/usr/bin/ps", Result: "Passed", Severity: "5",
	Source: $b, Tags: "MITRE,Discovery", ATags: ["MITRE", "Discovery"], Type: "MatchedHostPolicy",
	UID: 0, UserName: "root", cluster_id: "27273", component_name: "kubearmor",
	ExecEvent: {ExecID: "0", ExecutableName: "ps"}}')
got=$(jq -c 'del(.Timestamp, .UpdatedTime, .HostPID, .HostPPID, .PID, .TTY)' <<<"$rec")
[ "$(jq -cS . <<<"$got")" = "$(jq -cS . <<<"$want")" ] && ok "alert fields match seed example 1" ||
	notok "alert fields: got $got want $want"
jq -e '.TTY | test("^pts[0-9]+$")' <<<"$rec" >/dev/null && ok "TTY is ptsN" || notok "TTY: $rec"
jq -e '.PID == .HostPID and .HostPID > 0 and (.Timestamp | type) == "number" and
	(.UpdatedTime | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z$"))' <<<"$rec" >/dev/null &&
	ok "HostPID = PID, Timestamp and UpdatedTime forms" || notok "pids/times: $rec"
jq -e --argjson b "$bash_pid" '.HostPPID == $b' <<<"$rec" >/dev/null &&
	ok "HostPPID is the interactive bash" || notok "HostPPID: $rec (bash $bash_pid)"
n=$(grep -c . "$tmp/out.json")
[ "$n" = 1 ] && ok "visibility none: nothing but the alert" || notok "visibility none: $n records"

# reload by a new file in the watched folder, then by SIGHUP
sed 's/ksp-discovery-process-discovery/mu-second/; s#/usr/bin/ps#/usr/bin/id#' \
	"$tmp/policies/seed-example-1.yaml" >"$tmp/policies/second.yaml"
for _ in $(seq 50); do grep -q 'reloaded (10 rules)' "$tmp/err" && break; sleep 0.1; done
grep -q 'policies reloaded (10 rules)' "$tmp/err" && ok "a new policy file reloads" || notok "inotify reload: $(cat "$tmp/err")"
kill -HUP "$agent_pid"
for _ in $(seq 50); do [ "$(grep -c 'reloaded' "$tmp/err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'policies reloaded (10 rules)' "$tmp/err")" -ge 2 ] && ok "SIGHUP reloads" || notok "SIGHUP reload: $(cat "$tmp/err")"
id >/dev/null
sleep 0.3
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc"
n=$(jq -c 'select(.PolicyName == "mu-second" and .ProcessName == "/usr/bin/id")' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "the reloaded policy alerts" || notok "reloaded policy alerts: $n"
n=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --type alert --process /usr/bin/ps | grep -c .)
[ "$n" = 1 ] && ok "the alert is in the store" || notok "store has $n ps alerts"
exit $fail
