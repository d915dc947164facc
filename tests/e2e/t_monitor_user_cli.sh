#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: `ward agent` command line: --help, usage errors (exit 2), config errors
# as FILE:LINE:COL with a hint (exit 1). No kernel needed.
set -u
: "${WARD_BIN:?}"
tmp=$(mktemp -d /tmp/ward-mu-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

out=$("$WARD_BIN" agent --help); rc=$?
[ "$rc" = 0 ] && grep -q -- '--json-out FILE' <<<"$out" && grep -q -- '--visibility' <<<"$out" &&
	ok "--help lists the flags, exit 0" || notok "--help: $rc"
"$WARD_BIN" agent --bogus >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "unknown flag: exit 2" || notok "unknown flag: exit $rc"
err=$("$WARD_BIN" agent --visibility files 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$err" = "ward agent: --visibility 'files': use any of process, file, network, capabilities, or none" ] &&
	ok "bad --visibility: exit 2 with the words" || notok "bad --visibility: $rc $err"
err=$("$WARD_BIN" agent --server http://127.0.0.1:1 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q 'token-file' <<<"$err" && ok "--server without --token-file: exit 2" ||
	notok "--server alone: $rc $err"
printf 'cluster: a\nclustr: x\n' >"$tmp/w.yaml"
err=$("$WARD_BIN" agent --config "$tmp/w.yaml" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$err" = "$tmp/w.yaml:2:1: error: unknown field 'clustr' (did you mean 'cluster'?)" ] &&
	ok "config error: FILE:LINE:COL with a hint, exit 1" || notok "config error: $rc $err"
err=$("$WARD_BIN" agent --config "$tmp/missing.yaml" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "missing.yaml: error: cannot open: No such file or directory" <<<"$err" &&
	ok "missing --config: exit 1" || notok "missing config: $rc $err"
exit $fail
