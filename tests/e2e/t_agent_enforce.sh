#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent-wire e2e: `ward agent` enforces a Block host policy through src/enforce (seed example 2
# style, on a test-owned copy of /usr/bin/true named apt, never a system binary): bash gets
# exit 126 "Operation not permitted", ls still runs, exactly one MatchedHostPolicy Block alert
# with Enforcer fanotify in --json-out and in the store; a policy added while it runs is
# enforced after the reload; after SIGTERM the binary runs again.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-wire-enf.XXXXXX)
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
	echo "ok - agent enforcement # SKIP needs root and BTF"; exit 0
fi

mkdir -p "$tmp/policies" "$tmp/bin"
cp /usr/bin/true "$tmp/bin/apt"
cat >"$tmp/policies/block.yaml" <<YAML
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: block-pkg-mgmt-tools
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 10
  tags: ["NIST", "NIST_800-53_CM-7(4)", "SI-4", "process", "NIST_800-53_SI-4"]
  message: apt was attempted to be executed
  process:
    matchPaths:
      - path: $tmp/bin/apt
  action: Block
YAML
cat >"$tmp/ward.yaml" <<YAML
cluster: wire-cluster
hostname: wire-enforce-host
visibility: none
policies: [$tmp/policies]
store: {path: $tmp/ward.db}
enforcement: {on_error: allow, rt_priority: 7}
YAML
"$WARD_BIN" agent --config "$tmp/ward.yaml" --json-out "$tmp/out.json" 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" && break; sleep 0.1; done
sleep 0.2
grep -q 'enforcing with fanotify' "$tmp/err" && ok "agent starts its enforcer" ||
	notok "agent enforcer: $(cat "$tmp/err")"
# enforcement.rt_priority: one thread of the agent (the fanotify enforcer) runs SCHED_FIFO 7
n=$(ps -L -o cls=,rtprio= -p "$agent_pid" | awk '$1 == "FF" && $2 == 7' | grep -c .)
[ "$n" = 1 ] && ok "enforcement.rt_priority: the enforcer thread is SCHED_FIFO 7" ||
	notok "rt_priority: $(ps -L -o tid=,cls=,rtprio=,comm= -p "$agent_pid" | tr '\n' ';')"

out=$(bash -c "$tmp/bin/apt" 2>&1)
rc=$?
[ "$rc" = 126 ] && ok "blocked binary: bash exits 126" || notok "blocked binary exit $rc ($out)"
grep -q 'Operation not permitted' <<<"$out" && ok "bash says Operation not permitted" ||
	notok "message: $out"
ls "$tmp" >/dev/null && ok "ls still runs" || notok "ls runs"
# the agent's spool folder is written by ward only (the built-in self-protection rule)
[ -d "$tmp/spool" ] && ok "the agent made its spool folder beside the store" || notok "no $tmp/spool"
bash -c "echo x >$tmp/spool/intruder" 2>/dev/null && notok "a write into ward's spool is denied" ||
	ok "a write into ward's spool is denied"

# a reload switches the enforcer to the new set: a second blocked copy, the first stays blocked
cp /usr/bin/true "$tmp/bin/apt-get"
sed "s/name: block-pkg-mgmt-tools/name: block-apt-get/; s#path: $tmp/bin/apt\$#path: $tmp/bin/apt-get#" \
	"$tmp/policies/block.yaml" >"$tmp/second.yaml"
mv "$tmp/second.yaml" "$tmp/policies/second.yaml"
for _ in $(seq 50); do grep -q 'reloaded (2 rules)' "$tmp/err" && break; sleep 0.1; done
grep -q 'reloaded (2 rules)' "$tmp/err" && ok "a new policy file reloads" || notok "reload: $(cat "$tmp/err")"
bash -c "$tmp/bin/apt-get" 2>/dev/null
rc=$?
[ "$rc" = 126 ] && ok "after the reload the new rule blocks (exit 126)" || notok "new rule: exit $rc"
sleep 1.5 # the enforcer folds identical blocks for 1 s before writing the record

kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc ($(cat "$tmp/err"))"
"$tmp/bin/apt" && ok "after SIGTERM the binary runs again" || notok "binary still blocked"
# the stop summary counts the enforcer's decisions: the two blocked execs at least, no errors
line=$(grep 'ward agent: enforcer: ' "$tmp/err")
denied=$(sed -n 's/.* \([0-9]*\) denied by policy, 0 errors (0 of them.*/\1/p' <<<"$line")
[ -n "$denied" ] && [ "$denied" -ge 2 ] && ok "stop summary: $line" || notok "enforcer summary: $line"

sel='select(.PolicyName == "block-pkg-mgmt-tools")'
n=$(jq -c "$sel" "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "exactly one record for the block in --json-out" ||
	notok "--json-out has $n records: $(cat "$tmp/out.json")"
rec=$(jq -c "$sel" "$tmp/out.json" | head -n1)
jq -e --arg p "$tmp/bin/apt" '.Type == "MatchedHostPolicy" and .Action == "Block" and
	.Enforcer == "fanotify" and .Operation == "Process" and .Resource == $p and
	.HostName == "wire-enforce-host" and .ClusterName == "wire-cluster" and .Severity == "10" and
	.Message == "apt was attempted to be executed" and (.Result | test("not permitted|denied"))' \
	<<<"${rec:-null}" >/dev/null && ok "MatchedHostPolicy Block alert with Enforcer fanotify" ||
	notok "alert fields: $rec"
n=$(jq -c 'select(.PolicyName == "block-apt-get" and .Enforcer == "fanotify" and .Action == "Block")' \
	"$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "one Block alert for the reloaded rule" || notok "reloaded rule records: $n"
n=$(jq -c 'select(.PolicyName == "ward-self-protection" and .Action == "Block")' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "the denied spool write is a ward-self-protection alert" || notok "self-protection records: $n"
n=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --policy block-pkg-mgmt-tools |
	jq -c 'select(.Type == "MatchedHostPolicy" and .Action == "Block" and .Enforcer == "fanotify")' | grep -c .)
[ "$n" = 1 ] && ok "exactly one Block alert in the store" || notok "store has $n Block alerts"
exit $fail
