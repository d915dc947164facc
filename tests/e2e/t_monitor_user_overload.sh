#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: overload. A 64 KiB kernel ring buffer and a burst of 100k file opens: the
# agent stays up, its memory stays bounded, every event of the burst is either written or
# counted as lost, and the losses are reported as SystemEvent/Drop records whose sum equals
# the count in the agent's own summary.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
build=${WARD_BUILD:-build}
flood="$WARD_TOP/$build/tests/helpers/mu_flood"
tmp=$(mktemp -d /tmp/ward-mu-ovl.XXXXXX)
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
	echo "ok - overload # SKIP needs root and BTF"; exit 0
fi
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

echo hello >"$tmp/target"
printf 'ring_buffer: 64KiB\npolicies: [%s/none]\n' "$tmp" >"$tmp/ward.yaml"
"$WARD_BIN" agent --config "$tmp/ward.yaml" --store "$tmp/ward.db" --json-out "$tmp/out.json" \
	--visibility file 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
sleep 1
idle=$(kib "$agent_pid" VmRSS)
[ "$idle" -le 32768 ] && ok "idle RSS ${idle} KiB <= 32 MiB" || notok "idle RSS ${idle} KiB"

n=100000
"$flood" "$tmp/target" $n >"$tmp/flood.out"
sleep 1
kill -0 "$agent_pid" 2>/dev/null && ok "agent up after the burst" || notok "agent died"
peak=$(kib "$agent_pid" VmHWM)
[ "$peak" -le 65536 ] && ok "peak RSS ${peak} KiB <= 64 MiB" || notok "peak RSS ${peak} KiB"
kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc"

got=$(grep -c "\"Resource\":\"$tmp/target\"" "$tmp/out.json")
lost_sum=$(jq -s '[.[] | select(.Type == "SystemEvent" and .Operation == "Drop" and
	.Resource == "kernel ring buffer") | .Data | capture("lost=(?<n>[0-9]+)").n | tonumber] | add // 0' \
	"$tmp/out.json")
summary=$(sed -n 's/.*, \([0-9]*\) lost in the kernel.*/\1/p' "$tmp/err")
echo "# burst $n, written $got, reported lost $lost_sum, summary lost $summary"
[ "$got" -le "$n" ] && ok "no duplicates ($got <= $n)" || notok "more records than opens: $got"
[ "$lost_sum" = "$summary" ] && ok "Drop records add up to the agent's lost count ($lost_sum)" ||
	notok "Drop records $lost_sum vs summary $summary"
[ $((n - got)) -le "$lost_sum" ] && ok "every missing event is counted as lost ($((n - got)) <= $lost_sum)" ||
	notok "missing $((n - got)) but only $lost_sum reported lost"
[ "$lost_sum" -gt 0 ] && ok "a 64 KiB ring overflows under the burst" || notok "no loss at all with a 64 KiB ring"
n_store=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --resource "$tmp/target" | grep -c .)
[ "$n_store" = "$got" ] && ok "the store has the same $got records" || notok "store $n_store vs json-out $got"
exit $fail
