#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: the agent's remote sinks. `--server URL --token-file F` ships every record
# to a local `ward serve` (its store gets the alert); the config's `outputs:` (a file output)
# receives it too; `--ui` serves the agent's own store. Ports 18260-18261 (monitor-user range).
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-mu-sinks.XXXXXX)
agent_pid= serve_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -KILL "$agent_pid" 2>/dev/null
	[ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root and BTF"; exit 1; fi
	echo "ok - sinks # SKIP needs root and BTF"; exit 0
fi
port=18260
echo "mu-token-$$" >"$tmp/token"
"$WARD_BIN" serve --listen "127.0.0.1:$port" --store "$tmp/central.db" --token-file "$tmp/token" \
	2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && ok "ward serve up" || notok "ward serve: $(cat "$tmp/serve.err")"

mkdir -p "$tmp/policies"
cp "$WARD_TOP/tests/data/monitor-user/seed-example-1.yaml" "$tmp/policies/"
cat >"$tmp/ward.yaml" <<YAML
hostname: mu-sinks-host
visibility: none
policies: [$tmp/policies]
outputs:
  - name: local-file
    type: file
    path: $tmp/forwarded.ndjson
YAML
"$WARD_BIN" agent --config "$tmp/ward.yaml" --store "$tmp/agent/ward.db" \
	--server "http://127.0.0.1:$port" --token-file "$tmp/token" --ui "127.0.0.1:$((port + 1))" \
	2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
grep -q 'monitoring' "$tmp/err" && ok "agent monitoring with --server and outputs" ||
	notok "agent start: $(cat "$tmp/err")"
ps >/dev/null
sleep 0.5
n=$(curl -sf -H "Authorization: Bearer mu-token-$$" \
	"http://127.0.0.1:$((port + 1))/api/v1/records?process=/usr/bin/ps&type=alert" | jq '.records | length')
[ "$n" = 1 ] && ok "--ui serves the agent's own store (the ps alert)" || notok "--ui: $n ($(cat "$tmp/err"))"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((port + 1))/api/v1/records")
[ "$code" = 401 ] && ok "--ui needs the token" || notok "--ui without token: $code"
kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0 (flushes the sinks)" || notok "agent exit $rc: $(cat "$tmp/err")"
n=$(curl -sf -H "Authorization: Bearer mu-token-$$" \
	"http://127.0.0.1:$port/api/v1/records?hostname=mu-sinks-host&process=/usr/bin/ps&type=alert" |
	jq '.records | length')
[ "$n" = 1 ] && ok "the central server has the ps alert" || notok "central server: $n"
n=$(jq -c 'select(.HostName == "mu-sinks-host" and .ProcessName == "/usr/bin/ps" and
	.Type == "MatchedHostPolicy")' "$tmp/forwarded.ndjson" 2>/dev/null | grep -c .)
[ "$n" = 1 ] && ok "the file output has the ps alert" || notok "file output: $n ($(ls "$tmp"))"
exit $fail
