#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent-wire e2e: `ward agent --ui ADDR --token-file F` serves this host's store: /healthz
# answers without a token, /api/v1/records is 401 without it and, with it, returns the alert the
# agent wrote for a command the test ran; the Alerts page is served; SIGTERM stops both.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-wire-ui.XXXXXX)
PORT=18811
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root and BTF"; exit 1; fi
	echo "ok - agent --ui # SKIP needs root and BTF"; exit 0
fi

help=$("$WARD_BIN" agent --help)
for w in --config --policy --store --json-out --visibility --cluster --hostname --ui --server \
	--token-file Enforcement "'outputs:'" docs/config.md; do
	grep -q -- "${w//\'/}" <<<"$help" || { notok "ward agent --help mentions $w"; missing=1; }
done
[ -z "${missing:-}" ] && ok "ward agent --help lists every flag, enforcement and outputs"

mkdir -p "$tmp/policies" "$tmp/bin"
cp /usr/bin/true "$tmp/bin/wire-ui-probe"
cat >"$tmp/policies/audit.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: wire-ui-audit
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 3
  process:
    matchPaths:
      - path: $tmp/bin/wire-ui-probe
  action: Audit
YAML
TOKEN=wire-ui-$RANDOM$RANDOM
echo "$TOKEN" >"$tmp/token"
"$WARD_BIN" agent --policy "$tmp/policies" --store "$tmp/ward.db" --visibility none \
	--hostname wire-ui-host --ui "127.0.0.1:$PORT" --token-file "$tmp/token" 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" && break; sleep 0.1; done
grep -q "UI on http://127.0.0.1:$PORT/" "$tmp/err" && ok "agent serves the UI on port $PORT" ||
	notok "agent --ui start: $(cat "$tmp/err")"
BASE="http://127.0.0.1:$PORT"
[ "$(curl -s "$BASE/healthz")" = ok ] && ok "/healthz answers ok" || notok "/healthz: $(curl -s "$BASE/healthz")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/records")
[ "$code" = 401 ] && ok "records without the token is 401" || notok "records without token: $code"

"$tmp/bin/wire-ui-probe"
got=
for _ in $(seq 50); do
	got=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/records?policy=wire-ui-audit")
	[ "$(jq '.records | length' <<<"$got" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
jq -e --arg p "$tmp/bin/wire-ui-probe" '(.records | length) == 1 and .records[0].ProcessName == $p and
	.records[0].HostName == "wire-ui-host" and .records[0].Type == "MatchedHostPolicy" and
	.records[0].Action == "Audit"' <<<"${got:-null}" >/dev/null &&
	ok "/api/v1/records with the token returns the agent's alert" || notok "records: $got"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/")
[ "$code" = 200 ] && ok "the Alerts page is served" || notok "GET /: $code"

kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc ($(cat "$tmp/err"))"
curl -s -m 2 "$BASE/healthz" >/dev/null && notok "the UI stops with the agent" || ok "the UI stops with the agent"
exit $fail
