#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: file Audit rules that name paths and directories are served by the
# enforcer's fanotify marks (issue 3): with visibility off the syscall hook stays detached, an
# open of a marked file is one alert in --json-out, an open of an unmarked file (or below a
# non-recursive directory) is none, and the alerts are the records the syscall hook writes for
# the same opens (compared with a second agent run with file visibility). A pattern rule added
# by reload brings the syscall hook back, without duplicate alerts.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-mu-fan.XXXXXX)
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
	echo "ok - fanotify-served file rules # SKIP needs root and BTF"; exit 0
fi

mkdir -p "$tmp/policies" "$tmp/home" "$tmp/sdir/deeper" "$tmp/rdir/sub"
for f in secret.txt unmarked.txt sdir/b.txt sdir/deeper/x.txt rdir/sub/c.txt; do
	echo data >"$tmp/$f"
done
cat >"$tmp/policies/files.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: mu-fan-files
spec:
  severity: 7
  tags: ["MITRE", "T1003"]
  message: Sensitive file accessed
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  action: Audit
  file:
    matchPaths:
    - path: $tmp/secret.txt
    matchDirectories:
    - dir: $tmp/sdir/
    - dir: $tmp/rdir/
      recursive: true
YAML

# start an agent with visibility $1 writing to $2
start() {
	cat >"$tmp/ward-$1.yaml" <<YAML
hostname: mu-fan-host
visibility: $1
policies: [$tmp/policies]
store: {path: $tmp/ward-$1.db}
${EXTRA:-}
YAML
	"$WARD_BIN" agent --config "$tmp/ward-$1.yaml" --json-out "$2" 2>"$tmp/err-$1" &
	agent_pid=$!
	for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err-$1" 2>/dev/null && break; sleep 0.1; done
	grep -q 'monitoring' "$tmp/err-$1" || notok "agent start: $(cat "$tmp/err-$1")"
}
stop() {
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	agent_pid=
}
# the opens: cat reads, sh appends (each exec'd in $tmp/home, so Cwd is known to both paths)
actions() {
	(cd "$tmp/home" && exec cat ../secret.txt ../unmarked.txt ../rdir/sub/c.txt ../sdir/deeper/x.txt >/dev/null)
	(cd "$tmp/home" && exec sh -c 'echo more >>../sdir/b.txt')
	sleep 0.3
}
alerts() { jq -c 'select(.Type == "MatchedHostPolicy")' "$1"; }

start none "$tmp/fan.json"
grep -q 'syscall hook detached; file rules by fanotify marks' "$tmp/err-none" &&
	ok "visibility none + path/dir file rules: no syscall hook, fanotify marks" ||
	notok "hook state: $(cat "$tmp/err-none")"
actions
stop # flushes --json-out

n=$(alerts "$tmp/fan.json" | grep -c .)
[ "$n" = 3 ] && ok "three alerts (file, recursive dir, dir)" || notok "alerts: $n: $(alerts "$tmp/fan.json")"
rec=$(alerts "$tmp/fan.json" | jq -c --arg r "$tmp/secret.txt" 'select(.Resource == $r)')
want=$(jq -cn --arg r "$tmp/secret.txt" --arg c "$tmp/home/" --arg s "/usr/bin/cat ../secret.txt ../unmarked.txt ../rdir/sub/c.txt ../sdir/deeper/x.txt" '{
	Action: "Audit", Operation: "File", Resource: $r, Data: "syscall=SYS_OPENAT fd=-100 flags=O_RDONLY",
	Enforcer: "eBPF Monitor", Result: "Passed", Type: "MatchedHostPolicy", PolicyName: "mu-fan-files",
	Severity: "7", Tags: "MITRE,T1003", ATags: ["MITRE", "T1003"], Message: "Sensitive file accessed",
	ProcessName: "/usr/bin/cat", Source: $s, Cwd: $c, UID: 0, UserName: "root", PPID: 0,
	ExecEvent: {ExecID: "0", ExecutableName: "cat"},
	HostName: "mu-fan-host", ClusterName: "default"}')
got=$(jq -c 'del(.Timestamp, .UpdatedTime, .HostPID, .HostPPID, .PID, .ParentProcessName)' <<<"$rec")
[ "$(jq -cS . <<<"$got")" = "$(jq -cS . <<<"$want")" ] && ok "read of the marked file: the alert's fields" ||
	notok "marked file alert: got $got want $want"
jq -e '.HostPID > 0 and .PID == .HostPID' <<<"$rec" >/dev/null && ok "HostPID = PID" || notok "pids: $rec"
w=$(alerts "$tmp/fan.json" | jq -r --arg r "$tmp/sdir/b.txt" 'select(.Resource == $r) | .Data')
[ "$w" = "syscall=SYS_OPENAT fd=-100 flags=O_WRONLY|O_CREAT|O_APPEND" ] &&
	ok "append below a marked directory: flags spelled out" || notok "append Data: $w"
n=$(jq -c --arg a "$tmp/unmarked.txt" --arg b "$tmp/sdir/deeper/x.txt" \
	'select(.Resource == $a or .Resource == $b)' "$tmp/fan.json" | grep -c .)
[ "$n" = 0 ] && ok "unmarked file and a file below a non-recursive dir: no record" || notok "unmarked: $n records"

# the same opens through the syscall hook (file visibility): the alerts must be the same records
start file "$tmp/tp.json"
grep -q 'syscall hook attached; file rules by the syscall hook' "$tmp/err-file" &&
	ok "file visibility: the syscall hook serves file rules" || notok "hook state: $(cat "$tmp/err-file")"
actions
stop
norm() { alerts "$1" | jq -c 'del(.Timestamp, .UpdatedTime, .HostPID, .HostPPID, .PID)' | sort; }
if [ "$(norm "$tmp/fan.json")" = "$(norm "$tmp/tp.json")" ] && [ -n "$(norm "$tmp/tp.json")" ]; then
	ok "fanotify alerts = syscall-hook alerts (all fields but times and pids)"
else
	notok "alerts differ: fanotify $(norm "$tmp/fan.json") syscall hook $(norm "$tmp/tp.json")"
fi

# file_audit: syscall keeps the hook with visibility off (no open waits for the agent): same alerts
EXTRA='file_audit: syscall' start none "$tmp/hook.json"
grep -q 'syscall hook attached; file rules by the syscall hook' "$tmp/err-none" &&
	ok "file_audit: syscall: the hook serves file rules with visibility off" ||
	notok "hook state with file_audit: syscall: $(cat "$tmp/err-none")"
actions
stop
[ "$(norm "$tmp/hook.json")" = "$(norm "$tmp/tp.json")" ] &&
	ok "file_audit: syscall: the same alerts" || notok "file_audit: syscall alerts: $(norm "$tmp/hook.json")"

# a pattern rule needs every open: the syscall hook comes back and serves all file rules
start none "$tmp/fan2.json"
cat >"$tmp/policies/pattern.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: mu-fan-pattern
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  action: Audit
  file:
    matchPatterns:
    - pattern: /nonexistent-ward-dir/*.key
YAML
for _ in $(seq 50); do grep -q 'policies reloaded' "$tmp/err-none" && break; sleep 0.1; done
for _ in $(seq 20); do grep -q 'syscall hook attached' "$tmp/err-none" && break; sleep 0.1; done
grep -q 'syscall hook attached; file rules by the syscall hook' "$tmp/err-none" &&
	ok "reload with a pattern rule: syscall hook attached" || notok "after reload: $(cat "$tmp/err-none")"
(cd "$tmp/home" && exec cat ../secret.txt >/dev/null)
sleep 0.3
stop
n=$(jq -c --arg r "$tmp/secret.txt" 'select(.Resource == $r and .Type == "MatchedHostPolicy")' "$tmp/fan2.json" | grep -c .)
[ "$n" = 1 ] && ok "one alert, not two, after the switch" || notok "alerts after the switch: $n"
exit $fail
