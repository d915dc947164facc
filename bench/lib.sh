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

# The receivers the agent benches forward to, on loopback: rsyslog tuned for one high-volume
# TCP stream (imptcp, a Direct ruleset queue, async omfile writing only MSG to $W/rs.out; see
# fwd_bench.sh part 2 for why) on port $1, and a throwaway ClickHouse (scripts/clickhouse-private)
# on HTTP port $2 / TCP port $3 with its files in $W/ch. Sets rs_pid and ch_pid (both in pids).
bench_receivers() {
	mkdir -p "$W/work"
	cat >"$W/rs.conf" <<C
global(workDirectory="$W/work")
template(name="raw" type="string" string="%msg%\n")
module(load="imptcp" threads="1")
ruleset(name="in" queue.type="Direct") { action(type="omfile" file="$W/rs.out" template="raw" asyncWriting="on" ioBufferSize="4m" flushOnTXEnd="off") }
input(type="imptcp" port="$1" ruleset="in")
C
	rsyslogd -n -f "$W/rs.conf" -i "$W/rs.pid" 2>"$W/rs.err" &
	rs_pid=$!
	pids+=($rs_pid)
	"$top/scripts/clickhouse-private" "$W/ch" "$2" "$3" || { echo "clickhouse-server did not start"; exit 1; }
	ch_pid=$(cat "$W/ch/pid")
	pids+=($ch_pid)
	for _ in $(seq 100); do ss -ltn | grep -q ":$1 " && break; sleep 0.1; done
	ss -ltn | grep -q ":$1 " || { echo "rsyslogd did not start: $(cat "$W/rs.err")"; exit 1; }
}
