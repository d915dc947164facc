#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_policy_cli.sh - `ward policy validate` / `ward policy show` as a user runs them: exit codes
# 0/1/2, FILE:LINE:COL: error: messages with hints, notes for skipped kinds, the summary line,
# the whole shared corpus, and `policy show` JSON checked with jq (defaults, inheritance,
# comma expansion, capability names).
set -u
WARD_BIN=${WARD_BIN:-build/ward}
WARD_CORPUS=${WARD_CORPUS:-../shared/corpus}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-policy-e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}

cat >"$tmp/good.yaml" <<'Y'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: good
  namespace: default
spec:
  selector:
    matchLabels:
      app: nginx
  severity: 4
  tags: [t1]
  message: spec message
  process:
    action: Audit
    matchPaths:
    - path: /usr/bin/apt
    - path: /usr/bin/wget
      severity: 9
  network:
    matchProtocols:
    - protocol: TCP,udp
  capabilities:
    matchCapabilities:
    - capability: cap_net_raw
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: c
spec: {}
Y

cat >"$tmp/bad.yaml" <<'Y'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: bad
spec:
  action: audit
  file:
    matchDirectories:
    - dir: /etc
      recurive: true
Y

cat >"$tmp/hsp.yaml" <<'Y'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: host
spec:
  network:
    matchProtocols:
    - protocol: tcp
Y

# ---- validate: exit codes and messages ----
out=$("$WARD_BIN" policy validate "$tmp/good.yaml" 2>"$tmp/err"); rc=$?
check "validate: all valid exits 0" test "$rc" -eq 0
check "validate: summary line on stdout" test "$out" = "1 documents valid, 0 invalid, 1 skipped (1 files)"
check "validate: note for a skipped kind" grep -qxF "$tmp/good.yaml:27:7: note: skipping kind 'CiliumNetworkPolicy'" "$tmp/err"
check "validate: no error for a valid file" bash -c "! grep -q ': error:' '$tmp/err'"

"$WARD_BIN" policy validate "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "validate: invalid policy exits 1" test "$rc" -eq 1
check "validate: enum error with hint at its position" grep -qxF "$tmp/bad.yaml:6:11: error: spec.action: 'audit' is not one of Allow, Audit, Block (did you mean 'Audit'?)" "$tmp/err"
check "validate: dir pattern error at its position" grep -qF "$tmp/bad.yaml:9:12: error: spec.file.matchDirectories[0].dir: '/etc' does not match the pattern" "$tmp/err"
check "validate: unknown field with hint" grep -qxF "$tmp/bad.yaml:10:7: error: spec.file.matchDirectories[0]: unknown field 'recurive' (did you mean 'recursive'?)" "$tmp/err"
check "validate: every line is FILE:LINE:COL: error:" bash -c "grep -vcE '^[^:]+:[0-9]+:[0-9]+: error: ' '$tmp/err' | grep -qx 0"

"$WARD_BIN" policy validate "$tmp/hsp.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "validate: HSP without nodeSelector/fromSource exits 1" test "$rc" -eq 1
check "validate: HSP nodeSelector required" grep -qxF "$tmp/hsp.yaml:6:3: error: spec: missing required field 'nodeSelector'" "$tmp/err"
check "validate: HSP fromSource required" grep -qxF "$tmp/hsp.yaml:8:7: error: spec.network.matchProtocols[0]: missing required field 'fromSource'" "$tmp/err"

mkdir -p "$tmp/dir/sub" "$tmp/dir/.hidden"
cp "$tmp/good.yaml" "$tmp/dir/b.yml"
cp "$tmp/bad.yaml" "$tmp/dir/sub/a.yaml"
cp "$tmp/bad.yaml" "$tmp/dir/.hidden/x.yaml"
echo "not yaml at all: [" >"$tmp/dir/readme.txt"
out=$("$WARD_BIN" policy validate "$tmp/dir" 2>"$tmp/err"); rc=$?
check "validate: directory with one invalid file exits 1" test "$rc" -eq 1
check "validate: directory is read recursively, *.yaml/*.yml only, hidden skipped" test "$out" = "1 documents valid, 1 invalid, 1 skipped (2 files)"
check "validate: files in sorted order" bash -c "head -n1 '$tmp/err' | grep -q '/dir/b.yml:'"

"$WARD_BIN" policy validate >/dev/null 2>&1; rc=$?
check "validate: no PATH is a usage error (2)" test "$rc" -eq 2
"$WARD_BIN" policy validate --bogus x >/dev/null 2>&1; rc=$?
check "validate: unknown option is a usage error (2)" test "$rc" -eq 2
"$WARD_BIN" policy frobnicate >/dev/null 2>&1; rc=$?
check "policy: unknown subcommand is a usage error (2)" test "$rc" -eq 2
"$WARD_BIN" policy validate "$tmp/missing.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "validate: a missing path exits 1 with a message" bash -c "test $rc -eq 1 && grep -q 'missing.yaml: error: cannot read' '$tmp/err'"
"$WARD_BIN" policy --help | grep -q 'validate PATH' && ok "policy --help lists validate" || nok "policy --help lists validate"
"$WARD_BIN" policy validate --help | grep -q 'FILE:LINE:COL' && ok "policy validate --help" || nok "policy validate --help"
"$WARD_BIN" policy test x >/dev/null 2>&1; rc=$?
check "policy test: dispatched (placeholder until the store area lands)" test "$rc" -eq 1

# ---- bad input through the CLI ----
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$tmp/big.yaml"
"$WARD_BIN" policy validate "$tmp/big.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "validate: 10 MiB file rejected with a clear error" bash -c "test $rc -eq 1 && grep -qF '$tmp/big.yaml:1:1: error: file is too large' '$tmp/err'"
head -c 3000 /dev/urandom >"$tmp/garbage.yaml"
"$WARD_BIN" policy validate "$tmp/garbage.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "validate: binary garbage is an error, not a crash" bash -c "test $rc -eq 1 && grep -qE ':[0-9]+:[0-9]+: error: ' '$tmp/err'"

# ---- the shared corpus ----
if [ -d "$WARD_CORPUS" ]; then
	out=$("$WARD_BIN" policy validate "$WARD_CORPUS" 2>"$tmp/err"); rc=$?
	check "validate corpus: exit 1 (it contains invalid policies)" test "$rc" -eq 1
	check "validate corpus: summary" test "$out" = "593 documents valid, 27 invalid, 71 skipped (690 files)"
	check "validate corpus: 71 notes for other kinds" test "$(grep -c ': note: skipping' "$tmp/err")" -eq 71
	check "validate corpus: the lower-case/typo/selector mistakes are found" \
		grep -qF "ksp-block-mariadb-v-10-7-cve-2022-27386.yaml:14:5: error: spec.selector: unknown field 'app' (labels go under 'matchLabels')" "$tmp/err"
	"$WARD_BIN" policy validate "$WARD_CORPUS/kubearmor-crds" >/dev/null 2>"$tmp/err"; rc=$?
	check "validate CRDs: CustomResourceDefinition skipped, exit 0" bash -c "test $rc -eq 0 && test \$(grep -c \"note: skipping kind 'CustomResourceDefinition'\" '$tmp/err') -eq 4"
else
	nok "corpus not found at $WARD_CORPUS"
fi

# ---- show ----
"$WARD_BIN" policy show "$tmp/good.yaml" >"$tmp/show.json" 2>"$tmp/err"; rc=$?
check "show: exit 0" test "$rc" -eq 0
check "show: one KubeArmor document (Cilium skipped)" test "$(jq length "$tmp/show.json")" = 1
check "show: default action Block" test "$(jq -r '.[0].action' "$tmp/show.json")" = Block
check "show: section action inherited" test "$(jq -r '.[0].process.matchPaths[0].action' "$tmp/show.json")" = Audit
check "show: spec severity inherited" test "$(jq -r '.[0].process.matchPaths[0].severity' "$tmp/show.json")" = 4
check "show: own severity kept" test "$(jq -r '.[0].process.matchPaths[1].severity' "$tmp/show.json")" = 9
check "show: message and tags inherited" test "$(jq -c '[.[0].process.matchPaths[0].message, .[0].process.matchPaths[0].tags]' "$tmp/show.json")" = '["spec message",["t1"]]'
check "show: comma expansion, lower-case protocols" test "$(jq -c '[.[0].network.matchProtocols[].protocol]' "$tmp/show.json")" = '["tcp","udp"]'
check "show: capability normalised" test "$(jq -r '.[0].capabilities.matchCapabilities[0].capability' "$tmp/show.json")" = net_raw
check "show: rule action defaults to spec Block" test "$(jq -r '.[0].network.matchProtocols[0].action' "$tmp/show.json")" = Block
check "show: selector" test "$(jq -r '.[0].selector.matchLabels.app' "$tmp/show.json")" = nginx
"$WARD_BIN" policy show "$tmp/bad.yaml" >"$tmp/show.json" 2>"$tmp/err"; rc=$?
check "show: invalid input exits 1, prints the valid rest ([])" bash -c "test $rc -eq 1 && test \"\$(jq length '$tmp/show.json')\" = 0 && grep -q ': error: ' '$tmp/err'"
if [ -d "$WARD_CORPUS" ]; then
	"$WARD_BIN" policy show "$WARD_CORPUS" >"$tmp/all.json" 2>/dev/null
	check "show corpus: 593 normalised documents, all with an action" test "$(jq '[.[] | select(.action != null)] | length' "$tmp/all.json")" = 593
fi
