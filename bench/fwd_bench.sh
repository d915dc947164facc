#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fwd_bench.sh - forwarding throughput and memory figures (docs/benchmarks/fwd.md).
#   bench/fwd_bench.sh [N]      (needs `make bench`; starts its own rsyslogd and clickhouse-server)
#   SKIP_MEMORY=1 skips part 4 (60 s)
# 1. engine ceiling: N records through the spool to a file output on /dev/null (CEF)
# 2. rsyslog over TCP: baseline = a raw sender writing pre-formatted octet-counted frames
#    (what rsyslog itself can take on this machine), then ward; both timed until rsyslog has
#    written every line
# 3. ClickHouse: baseline = one curl POST of the same rows pre-generated as JSONEachRow, then
#    ward (batches of 10000); both timed until SELECT count() sees every row
# 4. memory while the receiver is down: 60 s at 20k records/s into a dead TCP port, spool
#    limited to 256 MiB; RSS sampled every second
set -u
N=${1:-300000}
top=$(cd "$(dirname "$0")/.." && pwd)
drive="$top/${BUILD:-build}/bench/fwd_drive"
W=$(mktemp -d /tmp/ward-fwd-bench.XXXXXX)
TCP=18450 CH=18460 CHT=18461
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
rate() { python3 -c "print('%.0f' % ($1 / ($3 - $2)))"; }
wait_lines() { # FILE N TIMEOUT_S
	local end=$(($(date +%s) + $3))
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1 ------------------------------------------------------------------------------------------
cat >"$W/null.yaml" <<Y
outputs:
  - {name: null, type: file, path: /dev/null, format: cef, queue_size: 262144, batch_max: 5000, spool_max: 1GiB}
Y
out=$("$drive" --config "$W/null.yaml" --spool "$W/sp-null" --count "$N" --wait-ms 120000)
echo "engine (spool -> /dev/null, CEF): $(echo "$out" | jq -r '"\(.rate_per_s) records/s, sent \(.outputs[0].sent)/\(.count), drops \(.outputs[0].queue_drops), \(.count * 1000 / .cpu_ms | floor) records per CPU-second"')"

# 2 ------------------------------------------------------------------------------------------
mkdir -p "$W/work"
cat >"$W/rs.conf" <<C
global(workDirectory="$W/work")
module(load="imtcp")
template(name="raw" type="string" string="%msg%\n")
ruleset(name="in") { action(type="omfile" file="$W/rs.out" template="raw" asyncWriting="on" ioBufferSize="4m" flushOnTXEnd="off") }
input(type="imtcp" port="$TCP" ruleset="in")
C
rsyslogd -n -f "$W/rs.conf" -i "$W/rs.pid" 2>"$W/rs.err" &
pids+=($!)
for _ in $(seq 100); do ss -ltn | grep -q ":$TCP " && break; sleep 0.1; done
# baseline frames: the same shape as ward's (RFC 5424 + SD + CEF), built before the clock starts
python3 - "$N" "$TCP" >"$W/raw.t" <<'PY'
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
t0 = time.time()
s.sendall(buf)
s.close()
print(t0)
PY
wait_lines "$W/rs.out" "$N" 120
t1=$(now)
t0=$(cat "$W/raw.t")
echo "rsyslog baseline (raw pre-formatted frames over one TCP connection): $(rate "$N" "$t0" "$t1") records/s ($(wc -l <"$W/rs.out") lines)"
: >"$W/rs.out"
sleep 1
cat >"$W/tcp.yaml" <<Y
outputs:
  - {name: siem, type: syslog, address: "tcp://127.0.0.1:$TCP", format: cef, queue_size: 262144, batch_max: 5000, spool_max: 1GiB}
Y
t0=$(now)
out=$("$drive" --config "$W/tcp.yaml" --spool "$W/sp-tcp" --count "$N" --wait-ms 120000)
wait_lines "$W/rs.out" "$N" 120
t1=$(now)
echo "ward -> rsyslog TCP (CEF, octet counting): $(rate "$N" "$t0" "$t1") records/s end to end ($(wc -l <"$W/rs.out") lines; $(echo "$out" | jq -c '{submit_ms,deliver_ms,cpu_ms,per_cpu_s:(.count * 1000 / .cpu_ms | floor),max_rss_kb,drops:.outputs[0].queue_drops}'))"

# 3 ------------------------------------------------------------------------------------------
mkdir -p "$W/ch/data" "$W/ch/tmp" "$W/ch/log"
cat >"$W/ch/config.xml" <<X
<clickhouse>
  <logger><level>warning</level><log>$W/ch/log/ch.log</log><errorlog>$W/ch/log/err.log</errorlog><console>0</console></logger>
  <http_port>$CH</http_port><tcp_port>$CHT</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$W/ch/data/</path><tmp_path>$W/ch/tmp/</tmp_path>
  <user_files_path>$W/ch/data/user_files/</user_files_path><format_schema_path>$W/ch/data/fs/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size><mlock_executable>false</mlock_executable>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <profiles><default></default></profiles><quotas><default></default></quotas>
</clickhouse>
X
clickhouse-server --config-file="$W/ch/config.xml" >"$W/ch/out" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -s "http://127.0.0.1:$CH/ping" | grep -q Ok && break; sleep 0.1; done
q() { curl -s --data-binary "$1" "http://127.0.0.1:$CH/"; }
cat >"$W/ch.yaml" <<Y
outputs:
  - {name: ch, type: clickhouse, url: "http://127.0.0.1:$CH", table: ward_records, create_table: true, queue_size: 262144, batch_max: 10000, spool_max: 1GiB}
Y
t0=$(now)
out=$("$drive" --config "$W/ch.yaml" --spool "$W/sp-ch" --count "$N" --wait-ms 120000)
t1=$(now)
c=$(q "SELECT count() FROM default.ward_records")
echo "ward -> ClickHouse (JSONEachRow, 10000/batch): $(rate "$N" "$t0" "$t1") records/s end to end (count() = $c; $(echo "$out" | jq -c '{submit_ms,deliver_ms,cpu_ms,per_cpu_s:(.count * 1000 / .cpu_ms | floor),max_rss_kb,drops:.outputs[0].queue_drops}'))"
# baseline: the rows ward stored, exported and inserted again in one POST
q "SELECT * FROM default.ward_records FORMAT JSONEachRow" >"$W/rows.json"
q "CREATE TABLE default.baseline AS default.ward_records"
t0=$(now)
curl -s --data-binary @"$W/rows.json" "http://127.0.0.1:$CH/?query=INSERT%20INTO%20default.baseline%20FORMAT%20JSONEachRow"
t1=$(now)
echo "ClickHouse baseline (one POST of the same $(q 'SELECT count() FROM default.baseline') rows): $(rate "$N" "$t0" "$t1") records/s"
q "CREATE TABLE default.baseline2 AS default.ward_records"
split -l 10000 "$W/rows.json" "$W/chunk."
t0=$(now)
for f in "$W"/chunk.*; do
	curl -s --data-binary @"$f" "http://127.0.0.1:$CH/?query=INSERT%20INTO%20default.baseline2%20FORMAT%20JSONEachRow"
done
t1=$(now)
echo "ClickHouse baseline (the same rows as sequential POSTs of 10000, like ward): $(rate "$N" "$t0" "$t1") records/s ($(q 'SELECT count() FROM default.baseline2') rows)"
q "DROP TABLE default.ward_records"
sed -i 's/batch_max: 10000/batch_max: 100000/' "$W/ch.yaml"
t0=$(now)
out=$("$drive" --config "$W/ch.yaml" --spool "$W/sp-ch2" --count "$N" --wait-ms 120000)
t1=$(now)
echo "ward -> ClickHouse (JSONEachRow, up to 100000/batch, 16 MiB reads): $(rate "$N" "$t0" "$t1") records/s end to end (count() = $(q "SELECT count() FROM default.ward_records"); $(echo "$out" | jq -c '{submit_ms,deliver_ms,cpu_ms,per_cpu_s:(.count * 1000 / .cpu_ms | floor),max_rss_kb,drops:.outputs[0].queue_drops}'))"

# 4 ------------------------------------------------------------------------------------------
[ -n "${SKIP_MEMORY:-}" ] && exit 0
cat >"$W/dead.yaml" <<Y
outputs:
  - {name: dead, type: syslog, address: "tcp://127.0.0.1:18459", format: cef, queue_size: 8192, batch_max: 500, spool_max: 256MiB, retry_max_ms: 2000}
Y
"$drive" --config "$W/dead.yaml" --spool "$W/sp-dead" --count 1200000 --rate 20000 --wait-ms 0 --stop-ms 0 --rss-every-ms 1000 >"$W/dead.json" 2>"$W/dead.err"
echo "receiver down, 60 s at 20000 records/s, spool_max 256 MiB, queue_size 8192:"
grep '^rss_kb' "$W/dead.err" | awk '{t=int($2/1000); if (t%10==0 || t<3) printf "  t=%2ds RSS %d kB\n", t, $3; if ($3>m) m=$3; if (!n || $3<mn) mn=$3; n++} END {printf "  RSS min %d kB max %d kB over %d samples\n", mn, m, n}'
echo "  $(jq -c '.outputs[0] | {submitted, spool_bytes, spool_drops, queue_drops, failures}' "$W/dead.json"), drop events: $(grep -c '^event:' "$W/dead.err")"
