#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fwd_bench.sh - forwarding throughput and memory figures (docs/benchmarks/fwd.md).
#   bench/fwd_bench.sh [N]      (needs `make bench`; starts its own rsyslogd and clickhouse-server)
#   PARTS="1 2 3 4" selects parts (default all); SKIP_MEMORY=1 skips part 4
#   the ward runs submit with --backlog 131072 (the driver waits while more than that many
#   records are not spooled yet), so a figure is a sustained rate with no drops; a run that
#   still lost records is marked INCOMPLETE
#   DOWN_SECONDS=600 is the length of part 4 (receiver down), DOWN_RATE=20000 its records/s
# 1. engine ceiling: N records through the spool to a file output on /dev/null (CEF)
# 2. rsyslog over TCP: baseline = a raw sender writing pre-formatted octet-counted frames
#    (what rsyslog itself can take on this machine), then ward; both timed until rsyslog has
#    written every line
# 3. ClickHouse: baseline = one curl POST of the same rows pre-generated as JSONEachRow, then
#    ward (batches of 10000); both timed until SELECT count() sees every row
# 4. memory while the receiver is down: DOWN_SECONDS (default 600) at DOWN_RATE (20k) records/s
#    into a dead TCP port, spool limited to 256 MiB; RSS sampled every second
set -u
N=${1:-300000}
PARTS=${PARTS:-1 2 3 4}
[ -n "${SKIP_MEMORY:-}" ] && PARTS=${PARTS//4/}
DOWN_SECONDS=${DOWN_SECONDS:-600}
DOWN_RATE=${DOWN_RATE:-20000}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
drive=${DRIVE:-"$top/${BUILD:-build}/bench/fwd_drive"}
W=$(mktemp -d /tmp/ward-fwd-bench.XXXXXX)
TCP=18450 CH=18460 CHT=18461
pids=()
. "$top/bench/lib.sh"
trap bench_cleanup EXIT
now() { date +%s.%N; }
rate() { python3 -c "print('%.0f' % ($1 / ($3 - $2)))"; }
wait_lines() { # FILE N TIMEOUT_S
	local end=$(($(date +%s) + $3))
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1 ------------------------------------------------------------------------------------------
if part 1; then
# spool_sync_ms 1000 (the default: fdatasync of the spool once a second) against 0 (no sync),
# alternated so that a change in the machine's load hits both alike
for sync in 1000 0 1000 0; do
	cat >"$W/null.yaml" <<Y
outputs:
  - {name: null, type: file, path: /dev/null, format: cef, queue_size: 262144, batch_max: 5000, spool_max: 1GiB, spool_sync_ms: $sync}
Y
	rm -rf "$W/sp-null"
	out=$("$drive" --config "$W/null.yaml" --spool "$W/sp-null" --count "$N" --backlog 131072 --wait-ms 120000)
	echo "engine (spool -> /dev/null, CEF, spool_sync_ms $sync): $(echo "$out" | jq -r '"\(.rate_per_s) records/s, sent \(.outputs[0].sent)/\(.count), drops \(.outputs[0].queue_drops), \(.count * 1000 / .cpu_ms | floor) records per CPU-second, \(.outputs[0].spool_syncs) syncs"'), load $(cut -d' ' -f1 /proc/loadavg)"
done
fi
# 2 ------------------------------------------------------------------------------------------
if part 2; then
mkdir -p "$W/work"
# Two receiver configs, each measured with the raw sender; ward runs against the tuned one.
# default: imtcp, rsyslog's default main queue (one worker), omfile asyncWriting with a 4 MiB
#   buffer and no flush per transaction (the previous benchmark's config)
# tuned: what an operator does for one high-volume TCP stream on a small box: imptcp (the
#   epoll plain-TCP input; rsyslog 8.2302's imtcp has no worker pool yet), a Direct ruleset
#   queue (the input thread runs the action: no hand-off between threads, which measured
#   cheaper in rsyslog CPU than a FixedArray queue with 4096-message dequeue batches and 1 or
#   2 workers), omfile asyncWriting, 4 MiB ioBuffer, flushOnTXEnd off, no fsync, a template
#   that writes only MSG
rs_conf() { # NAME
	echo "global(workDirectory=\"$W/work\")"
	echo 'template(name="raw" type="string" string="%msg%\n")'
	local act="action(type=\"omfile\" file=\"$W/rs.out\" template=\"raw\" asyncWriting=\"on\" ioBufferSize=\"4m\" flushOnTXEnd=\"off\")"
	case $1 in
	default)
		echo 'module(load="imtcp")'
		echo "ruleset(name=\"in\") { $act }"
		echo "input(type=\"imtcp\" port=\"$TCP\" ruleset=\"in\")"
		;;
	tuned)
		echo 'module(load="imptcp" threads="1")'
		echo "ruleset(name=\"in\" queue.type=\"Direct\") { $act }"
		echo "input(type=\"imptcp\" port=\"$TCP\" ruleset=\"in\")"
		;;
	esac
}
rs_pid=
rs_start() { # NAME
	[ -n "$rs_pid" ] && kill "$rs_pid" && wait "$rs_pid" 2>/dev/null
	rm -f "$W/rs.out"
	rs_conf "$1" >"$W/rs.conf"
	rsyslogd -n -f "$W/rs.conf" -i "$W/rs.pid" 2>"$W/rs.err" &
	rs_pid=$!
	pids+=($rs_pid)
	for _ in $(seq 100); do ss -ltn | grep -q ":$TCP " && break; sleep 0.1; done
}
cpu_of() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; } # ms (USER_HZ 100)
# done when the last record (message "alert N-1"; one connection keeps the order) is written:
# cheap, unlike counting the lines of a 200 MB file every 50 ms beside the measured processes
wait_last() { # TIMEOUT_S
	local end=$(($(date +%s) + $1))
	while ! tail -c 2000 "$W/rs.out" 2>/dev/null | grep -q "msg=alert $((N - 1)) " &&
		[ "$(date +%s)" -lt "$end" ]; do sleep 0.02; done
}
# baseline frames: the same shape as ward's (RFC 5424 + SD + CEF), built before the clock starts
cat >"$W/raw.py" <<'PY'
import socket, sys, time
n, port = int(sys.argv[1]), int(sys.argv[2])
frames = []
for i in range(n):
    m = ('<84>1 2026-12-02T03:00:00.000000Z bench-host ward %d MatchedHostPolicy [ward@32473 type="MatchedHostPolicy" '
         'policy="ksp-bench" severity="5" action="Block" result="Permission denied" operation="File" resource="/etc/shadow" '
         'process="/usr/bin/cat" pid="%d" ppid="100" uid="0" cluster="bench" enforcer="fanotify" tags="MITRE,bench"] '
         'CEF:0|ward|ward|0.1|ksp-bench|alert %d|5|rt=1764644400000 dvchost=bench-host cat=File act=Block '
         'outcome=Permission denied msg=alert %d spid=%d sproc=/usr/bin/cat suid=0 filePath=/etc/shadow cs1Label=policy '
         'cs1=ksp-bench cs2Label=type cs2=MatchedHostPolicy cn1Label=ppid cn1=100 flexString1Label=cluster flexString1=bench '
         'flexString2Label=tags flexString2=MITRE,bench deviceProcessName=/bin/bash wardSource=/bin/bash '
         'wardData=syscall\\=SYS_OPENAT wardEnforcer=fanotify') % (1000 + i % 5000, 1000 + i % 5000, i, i, 1000 + i % 5000)
    b = m.encode()
    frames.append(b"%d %s" % (len(b), b))
buf = b"".join(frames)
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
t0 = time.time()
s.sendall(buf)
s.close()
print(t0)
PY
raw_run() { # NAME
	rs_start "$1"
	local c0 t0 t1
	c0=$(cpu_of "$rs_pid")
	python3 "$W/raw.py" "$N" "$TCP" >"$W/raw.t"
	wait_last 120
	t1=$(now)
	t0=$(cat "$W/raw.t")
	echo "rsyslog ($1) baseline, raw pre-formatted frames over one TCP connection: $(rate "$N" "$t0" "$t1") records/s ($(wc -l <"$W/rs.out") lines, rsyslog CPU $(($(cpu_of "$rs_pid") - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg))"
}
raw_run default
raw_run tuned
cat >"$W/tcp.yaml" <<Y
outputs:
  - {name: siem, type: syslog, address: "tcp://127.0.0.1:$TCP", format: cef, queue_size: 262144, batch_max: 5000, spool_max: 1GiB}
Y
rs_start tuned
c0=$(cpu_of "$rs_pid")
t0=$(now)
out=$("$drive" --config "$W/tcp.yaml" --spool "$W/sp-tcp" --count "$N" --backlog 131072 --wait-ms 120000)
wait_last 120
t1=$(now)
lines=$(wc -l <"$W/rs.out")
[ "$lines" = "$N" ] || echo "INCOMPLETE: rsyslog wrote $lines of $N lines"
echo "ward -> rsyslog (tuned) TCP (CEF, octet counting): $(rate "$N" "$t0" "$t1") records/s end to end ($(wc -l <"$W/rs.out") lines, rsyslog CPU $(($(cpu_of "$rs_pid") - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg); ward $(echo "$out" | jq -c '{submit_ms,deliver_ms,cpu_ms,per_cpu_s:(.count * 1000 / .cpu_ms | floor),max_rss_kb,drops:.outputs[0].queue_drops,syncs:.outputs[0].spool_syncs}'))"
raw_run tuned
fi
# 3 ------------------------------------------------------------------------------------------
if part 3; then
mkdir -p "$W/ch/data" "$W/ch/tmp" "$W/ch/log"
"$top/scripts/clickhouse-private" "$W/ch" "$CH" "$CHT" || { echo "clickhouse-server did not start"; exit 1; }
ch_pid=$(cat "$W/ch/pid")
pids+=($ch_pid)
q() { curl -s --data-binary "$1" "http://127.0.0.1:$CH/"; }
cpu_of() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; } # ms (USER_HZ 100)
# the insert settings newer servers have (input_format_parallel_parsing 20.x, async_insert
# 21.11) do not exist in Debian's 18.16; max_insert_block_size (1048576) is above any batch here
echo "ClickHouse $(q 'SELECT version()'); insert settings: $(q "SELECT name, value FROM system.settings WHERE name IN ('input_format_parallel_parsing', 'async_insert', 'max_insert_block_size', 'max_threads') FORMAT TSV" | tr '\t\n' '= ')"
ward_ch() { # BATCH INFLIGHT TABLE
	cat >"$W/ch.yaml" <<Y
outputs:
  - {name: ch, type: clickhouse, url: "http://127.0.0.1:$CH", table: $3, create_table: true, queue_size: 262144, batch_max: $1, inserts_in_flight: $2, spool_max: 1GiB}
Y
	local c0 t0 t1 out
	c0=$(cpu_of "$ch_pid")
	t0=$(now)
	out=$("$drive" --config "$W/ch.yaml" --spool "$W/sp-$3" --count "$N" --backlog 131072 --wait-ms 120000)
	t1=$(now)
	[ "$(q "SELECT count() FROM default.$3")" = "$N" ] || echo "INCOMPLETE: ClickHouse has $(q "SELECT count() FROM default.$3") of $N rows"
	echo "ward -> ClickHouse (JSONEachRow, batch_max $1, inserts_in_flight $2): $(rate "$N" "$t0" "$t1") records/s end to end (count() = $(q "SELECT count() FROM default.$3"), parts $(q "SELECT count() FROM system.parts WHERE table = '$3' AND active"), ClickHouse CPU $(($(cpu_of "$ch_pid") - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg); ward $(echo "$out" | jq -c '{submit_ms,deliver_ms,cpu_ms,per_cpu_s:(.count * 1000 / .cpu_ms | floor),max_rss_kb,drops:.outputs[0].queue_drops,syncs:.outputs[0].spool_syncs}'))"
}
ward_ch 10000 1 ward_records
# baselines: the rows ward stored, exported and inserted again by curl
q "SELECT * FROM default.ward_records FORMAT JSONEachRow" >"$W/rows.json"
split -l 10000 "$W/rows.json" "$W/chunk."
ins="http://127.0.0.1:$CH/?query=INSERT%20INTO%20default.TABLE%20FORMAT%20JSONEachRow"
base() { # TABLE WHAT (then the curl commands on stdin run by bash)
	q "CREATE TABLE default.$1 AS default.ward_records"
	local c0 t0 t1
	c0=$(cpu_of "$ch_pid")
	t0=$(now)
	sed "s|TABLE|$1|g" | bash
	t1=$(now)
	echo "ClickHouse baseline ($2): $(rate "$N" "$t0" "$t1") records/s ($(q "SELECT count() FROM default.$1") rows, ClickHouse CPU $(($(cpu_of "$ch_pid") - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg))"
}
echo "curl -s --data-binary @$W/rows.json '$ins'" | base b_one "curl, one POST of all rows"
for f in "$W"/chunk.*; do echo "curl -s --data-binary @$f '$ins'"; done | base b_seq "curl, sequential POSTs of 10000 rows"
# two POSTs in flight: two sequential curl loops over halves of the chunks
{
	echo "("
	ls "$W"/chunk.* | awk 'NR % 2' | sed "s|.*|curl -s --data-binary @& '$ins'|"
	echo ") & ("
	ls "$W"/chunk.* | awk '!(NR % 2)' | sed "s|.*|curl -s --data-binary @& '$ins'|"
	echo ") & wait"
} | base b_par2 "curl, two POSTs of 10000 rows in flight"
ward_ch 20000 2 w_20k_2
ward_ch 10000 2 w_10k_2
ward_ch 60000 2 w_60k_2
ward_ch 10000 1 w_10k_1
fi
# 4 ------------------------------------------------------------------------------------------
if part 4; then
cat >"$W/dead.yaml" <<Y
outputs:
  - {name: dead, type: syslog, address: "tcp://127.0.0.1:18459", format: cef, queue_size: 8192, batch_max: 500, spool_max: 256MiB, retry_max_ms: 2000}
Y
"$drive" --config "$W/dead.yaml" --spool "$W/sp-dead" --count $((DOWN_SECONDS * DOWN_RATE)) --rate "$DOWN_RATE" --wait-ms 0 --stop-ms 0 --rss-every-ms 1000 >"$W/dead.json" 2>"$W/dead.err"
echo "receiver down, $DOWN_SECONDS s at $DOWN_RATE records/s, spool_max 256 MiB, queue_size 8192 (load $(cut -d' ' -f1-3 /proc/loadavg)):"
grep '^rss_kb' "$W/dead.err" | awk '{t=int($2/1000); if (t%60==0 || t<3) printf "  t=%2ds RSS %d kB\n", t, $3; if ($3>m) m=$3; if (!n || $3<mn) mn=$3; n++} END {printf "  RSS min %d kB max %d kB over %d samples\n", mn, m, n}'
grep '^rss_kb' "$W/dead.err" | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {printf "  RSS p50 %d kB, p90 %d kB, p99 %d kB\n", v[int(NR*0.5)], v[int(NR*0.9)], v[int(NR*0.99)]}'
grep '^rss_kb' "$W/dead.err" | awk '$3 > 12000 {printf "  above 12 MB: t=%ds %d kB\n", $2/1000, $3}' | head -20
echo "  $(jq -c '{cpu_ms, max_rss_kb} + (.outputs[0] | {submitted, spool_bytes, spool_drops, queue_drops, failures})' "$W/dead.json"), drop events: $(grep -c '^event:' "$W/dead.err")"
fi
