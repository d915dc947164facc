# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh - sourced by the benchmark scripts that start their own servers.
# Callers add the pid of every server they start to the array `pids`, set W to their scratch
# folder and `trap bench_cleanup EXIT`.

# Stop every server in `pids` (children are reaped; a server started through a helper script,
# such as scripts/clickhouse-private, is not our child: wait until it is gone), then remove $W.
bench_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || continue
		wait "$p" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	rm -rf "$W"
}
