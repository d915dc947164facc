#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# enforce_ab.sh OLD NEW [ROUNDS [N]] - the blocked-exec latency of two builds of
# bench/enforce (say main's library and a branch's, linked with the same bench source) in one
# run: ROUNDS (10) short runs of each, alternating, N (1000) blocked execs per phase and run,
# every sample pooled per build and phase (WARD_BENCH_RAW). Short alternating runs spread the
# other users' load over both builds alike. Run it under /tmp/ward-e2e.lock (root: fanotify):
#   flock /tmp/ward-e2e.lock bench/enforce_ab.sh OLD NEW
set -eu
old=${1:?usage: enforce_ab.sh OLD NEW [ROUNDS [N]]}
new=${2:?usage: enforce_ab.sh OLD NEW [ROUNDS [N]]}
rounds=${3:-10}
n=${4:-1000}
tmp=$(mktemp -d /tmp/ward-enforce-ab-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for r in $(seq 1 "$rounds"); do
	for b in old new; do
		bin=$old
		[ "$b" = new ] && bin=$new
		l0=$(cut -d' ' -f1 /proc/loadavg)
		WARD_BENCH_RAW=$tmp/$b "$bin" 0 "$n" >/dev/null
		echo "round $r $b: load $l0 -> $(cut -d' ' -f1 /proc/loadavg) $(date -u +%H:%M:%S)"
	done
done

for b in old new; do
	for ph in "repeats of a pending block" "first of a kind (folding off)" \
		"repeats, enforcer thread SCHED_FIFO"; do
		grep -F "$ph " "$tmp/$b" | awk '{print $NF}' | sort -n |
			awk -v b="$b" -v ph="$ph" '{a[NR] = $1}
			END {
				n = NR
				if (!n)
					exit
				printf "%-3s %-37s n=%5d p50 %6.1f p99 %6.1f p99.9 %6.1f max %7.1f us\n",
					b, ph, n, a[int(n * 0.5) + 1] / 1e3, a[int(n * 0.99) + 1] / 1e3,
					a[int(n * 0.999) + 1] / 1e3, a[n] / 1e3
			}'
	done
done
