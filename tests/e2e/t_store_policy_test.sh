#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_policy_test: `ward policy test` decides stored records with a host process policy
# and a container file policy; the records it lists (and their Action/PolicyName) match a jq
# selection over the source records; seed example 1 is matched by its own policy (Audit).
set -u
. "$(dirname "$0")/store_lib.sh"
"$GEN" 4000 31 >"$D/src.ndjson"
"$W" import --store "$S" "$D/src.ndjson" "$TOP/tests/e2e/data/seed-examples.json" 2>/dev/null
cat >"$D/host.yaml" <<'X'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: block-pkg-mgmt-tools
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 10
  tags: ["NIST", "process"]
  message: apt was attempted to be executed
  action: Block
  process:
    matchPaths:
    - path: /usr/bin/apt
    - path: /usr/bin/apt-get
X
"$W" policy test "$D/host.yaml" --store "$S" --json >"$D/got" 2>"$D/err"
rc=$?
[ $rc -eq 0 ] && ok "policy test exits 0" || nok "policy test exit $rc: $(cat "$D/err")"
jq -c 'select(.Operation == "Process" and .ContainerID == null and .ProcessName == "/usr/bin/apt"
	and (.Result == "Passed" or .Result == "Permission denied" or .Result == "Operation not permitted"))
	| .PolicyName = "block-pkg-mgmt-tools" | .Action = "Block" | .Severity = "10" | .Tags = "NIST,process"
	| .ATags = ["NIST", "process"] | .Message = "apt was attempted to be executed" | .Type = "MatchedHostPolicy"' \
	"$D/src.ndjson" "$TOP/tests/e2e/data/seed-examples.json" >"$D/want"
same_set "host Block policy: the apt executions on hosts, as Block alerts" "$D/want" "$D/got"
grep -q "block-pkg-mgmt-tools	Block" "$D/err" && ok "summary per policy and action" || nok "summary: $(cat "$D/err")"

cat >"$D/cont.yaml" <<'X'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: audit-etc-in-backends
  namespace: ns-nginx
spec:
  selector:
    matchLabels:
      tier: backend
  severity: 3
  action: Audit
  file:
    matchDirectories:
    - dir: /etc/
      recursive: true
X
"$W" policy test "$D/cont.yaml" --store "$S" --json >"$D/got" 2>"$D/err"
jq -c 'select(.Operation == "File" and .NamespaceName == "ns-nginx" and (.Labels // "" | split(",") | index("tier=backend")) != null
	and (.Resource | startswith("/etc/"))
	and (.Result == "Passed" or .Result == "Permission denied" or .Result == "Operation not permitted"))
	| .PolicyName = "audit-etc-in-backends" | .Action = "Audit" | .Severity = "3" | del(.Tags) | del(.ATags) | del(.Message)
	| .Type = "MatchedPolicy"' "$D/src.ndjson" >"$D/want"
same_set "container Audit policy: /etc/ files of tier=backend containers in ns-nginx" "$D/want" "$D/got"

cat >"$D/ps.yaml" <<'X'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: ksp-discovery-process-discovery
spec:
  severity: 5
  tags: [MITRE, Discovery]
  message: Someone accessed running process
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: ubuntu-2gb-hel1-2
  action: Audit
  process:
    matchPaths:
    - path: /usr/bin/ps
X
"$W" policy test "$D/ps.yaml" --store "$S" --json 2>/dev/null | jq -c 'select(.HostName == "ubuntu-2gb-hel1-2")' >"$D/got"
n=$(jq -s 'length' "$D/got")
a=$(jq -r '.Action + " " + .PolicyName' "$D/got")
[ "$n" = 1 ] && [ "$a" = "Audit ksp-discovery-process-discovery" ] && ok "seed example 1 is matched by its policy with Audit" || nok "seed example 1: n=$n '$a'"
"$W" policy test /nonexistent.yaml --store "$S" >/dev/null 2>&1
[ $? -ne 0 ] && ok "a missing policy file fails" || nok "a missing policy file fails"
exit $((FAILS > 0))
