#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent-wire e2e: the `outputs:` of the agent's config reach a real rsyslog (Debian's rsyslogd,
# own config and work dir, private port): an Audit alert made by `ward agent` for a command the
# test runs arrives over TCP as RFC 5424 with a CEF body; SIGTERM flushes and the exit summary
# counts it as sent. An output that cannot spool the alert drops it, and the drop comes back
# into the pipeline as a SystemEvent record (--json-out and the store).
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-wire-fwd.XXXXXX)
TCP=18801 DEAD=18802 # nothing listens on DEAD
agent_pid=
rs_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null && wait "$rs_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root and BTF"; exit 1; fi
	echo "ok - agent forwarding # SKIP needs root and BTF"; exit 0
fi
command -v rsyslogd >/dev/null || { notok "rsyslogd is installed (apt-get install rsyslog)"; exit 1; }

mkdir -p "$tmp/work" "$tmp/policies" "$tmp/bin"
# protocol-version is "1" only when rsyslog's RFC 5424 parser accepted the line
cat >"$tmp/rsyslog.conf" <<CONF
global(workDirectory="$tmp/work")
module(load="imtcp")
template(name="parsed" type="string"
	string="%protocol-version%|%hostname%|%app-name%|%msgid%|%msg%\n")
ruleset(name="in") { action(type="omfile" file="$tmp/out.log" template="parsed") }
input(type="imtcp" port="$TCP" ruleset="in")
CONF
rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rsyslog.pid" >>"$tmp/rsyslog.err" 2>&1 &
rs_pid=$!
for _ in $(seq 100); do ss -ltn | grep -q ":$TCP " && break; sleep 0.1; done
ss -ltn | grep -q ":$TCP " && ok "rsyslogd listening on tcp/$TCP" ||
	{ notok "rsyslogd started: $(cat "$tmp/rsyslog.err")"; exit 1; }

cp /usr/bin/true "$tmp/bin/wire-discovery"
cat >"$tmp/policies/audit.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: wire-audit-discovery
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 5
  message: discovery tool ran
  process:
    matchPaths:
      - path: $tmp/bin/wire-discovery
  action: Audit
YAML
cat >"$tmp/ward.yaml" <<YAML
cluster: wire-cluster
hostname: wire-fwd-host
visibility: none
policies: [$tmp/policies]
store: {path: $tmp/ward.db}
outputs:
  - name: siem
    type: syslog
    address: tcp://127.0.0.1:$TCP
    format: cef
    filter: {type: alert}
    flush_ms: 20
    retry_initial_ms: 100
  - name: dead
    type: syslog
    address: tcp://127.0.0.1:$DEAD
    format: json
    spool_max: 64
YAML
"$WARD_BIN" agent --config "$tmp/ward.yaml" --json-out "$tmp/out.json" 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" && break; sleep 0.1; done
grep -q 'monitoring (.*1 rules' "$tmp/err" && ok "agent monitoring with an outputs: config" ||
	notok "agent start: $(cat "$tmp/err")"

"$tmp/bin/wire-discovery"
for _ in $(seq 50); do grep -q 'wire-audit-discovery' "$tmp/out.log" 2>/dev/null && break; sleep 0.1; done
line=$(grep 'wire-audit-discovery' "$tmp/out.log" 2>/dev/null | head -n1)
n=$(grep -c 'wire-audit-discovery' "$tmp/out.log" 2>/dev/null)
[ "${n:-0}" = 1 ] && ok "exactly one alert arrives at rsyslog" || notok "alerts at rsyslog: ${n:-0} ($(cat "$tmp/out.log" 2>/dev/null))"
# version 1 (RFC 5424 parsed) | HOSTNAME | APP-NAME | MSGID | CEF body
re="^1\|wire-fwd-host\|ward\|MatchedHostPolicy\|CEF:0\|ward\|ward\|[^|]*\|wire-audit-discovery\|discovery tool ran\|[0-9]+\|"
[[ "$line" =~ $re ]] && ok "RFC 5424 line with a CEF body" || notok "RFC 5424 + CEF: $line"
grep -q "dproc=$tmp/bin/wire-discovery" <<<"$line" && ok "CEF extension names the process" ||
	notok "CEF dproc: $line"
[ "$(jq -c 'select(.PolicyName == "wire-audit-discovery")' "$tmp/out.json" | grep -c .)" = 1 ] &&
	ok "the same alert is in --json-out" || notok "--json-out: $(cat "$tmp/out.json")"

# the dead output's 64-byte spool cannot take the alert: its drop comes back as a record
for _ in $(seq 30); do grep -q '"Operation":"Drop"' "$tmp/out.json" && break; sleep 0.1; done
n=$(jq -c 'select(.Type == "SystemEvent" and .Operation == "Drop" and .Resource == "dead" and
	.HostName == "wire-fwd-host" and (.Data | test("dropped=1 ")))' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] &&
	ok "a forwarder's drop is a SystemEvent record in --json-out" ||
	notok "drop record: $(cat "$tmp/out.json")"
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc"
grep -q 'output siem: 1 submitted, 1 sent' "$tmp/err" && ok "exit summary: output siem 1 submitted, 1 sent" ||
	notok "exit summary: $(cat "$tmp/err")"
n=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --where 'Operation = Drop' --where 'Resource = dead' | grep -c .)
[ "$n" = 1 ] && ok "the drop record is in the store" || notok "store drop records: $n"
exit $fail
