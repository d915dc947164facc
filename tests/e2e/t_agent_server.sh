#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent-wire e2e: `ward agent --server URL --token-file F` ships its records to a central
# `ward serve` (private port, temp SQLite store). The central server is down when the alert is
# made: the record waits in the agent's spool and arrives once `ward serve` starts; a second
# alert made while it is up arrives too; nothing is left in the spool after SIGTERM.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-wire-srv.XXXXXX)
PORT=18821
agent_pid=
serve_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root and BTF"; exit 1; fi
	echo "ok - agent --server # SKIP needs root and BTF"; exit 0
fi

mkdir -p "$tmp/policies" "$tmp/bin" "$tmp/agent" "$tmp/central"
cp /usr/bin/true "$tmp/bin/wire-ship-probe"
cat >"$tmp/policies/audit.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: wire-ship-audit
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 4
  process:
    matchPaths:
      - path: $tmp/bin/wire-ship-probe
  action: Audit
YAML
TOKEN=wire-ship-$RANDOM$RANDOM
echo "$TOKEN" >"$tmp/token"
"$WARD_BIN" agent --policy "$tmp/policies" --store "$tmp/agent/ward.db" --visibility none \
	--hostname wire-ship-host --server "http://127.0.0.1:$PORT" --token-file "$tmp/token" \
	2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" && break; sleep 0.1; done
grep -q 'monitoring' "$tmp/err" && ok "agent with --server starts while the server is down" ||
	notok "agent start: $(cat "$tmp/err")"

central() { "$WARD_BIN" logs --store "$tmp/central/ward.db" --json --limit 0 --policy wire-ship-audit 2>/dev/null; }
"$tmp/bin/wire-ship-probe" first
sleep 1
batches() { find "$tmp/agent/spool/ship" -name '*.ndjson' 2>/dev/null | wc -l; }
[ "$(batches)" -ge 1 ] && ok "the record waits in the agent's spool" ||
	notok "spool: $(ls -R "$tmp/agent/spool" 2>&1)"

"$WARD_BIN" serve --listen "127.0.0.1:$PORT" --store "$tmp/central/ward.db" --token-file "$tmp/token" \
	2>"$tmp/serve.err" &
serve_pid=$!
n=0
for _ in $(seq 100); do
	n=$(central | grep -c .)
	[ "$n" -ge 1 ] && break
	sleep 0.1
done
[ "$n" = 1 ] && ok "the spooled alert arrives once ward serve is up" ||
	notok "central store has $n records ($(cat "$tmp/serve.err"))"
"$tmp/bin/wire-ship-probe" second
for _ in $(seq 50); do
	n=$(central | grep -c .)
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
[ "$n" = 2 ] && ok "an alert made while the server is up arrives" || notok "central store has $n records"
jq -se --arg p "$tmp/bin/wire-ship-probe" 'length == 2 and all(.[]; .HostName == "wire-ship-host" and
	.ProcessName == $p and .Type == "MatchedHostPolicy" and .Action == "Audit")' \
	<<<"$(central)" >/dev/null && ok "central records carry the agent's fields" ||
	notok "central records: $(central)"

kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc ($(cat "$tmp/err"))"
left=$(batches)
[ "$left" = 0 ] && ok "nothing left in the agent's spool" || notok "spool has $left files: $(find "$tmp/agent/spool/ship")"
n=$("$WARD_BIN" logs --store "$tmp/agent/ward.db" --json --limit 0 --policy wire-ship-audit | grep -c .)
[ "$n" = 2 ] && ok "the agent's own store has both alerts too" || notok "agent store has $n"
exit $fail
