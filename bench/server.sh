#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/server.sh - figures for docs/benchmarks/server.md.
#
#   bench/server.sh query STORE.db [RUNS]   API latency (p50/p95 over RUNS, default 30) of filtered
#                                           queries on a big SQLite store, and the Alerts page's
#                                           first render in headless Chromium
#   bench/server.sh ingest-sqlite [N]       HTTP ingest into SQLite from 3 concurrent shippers
#   bench/server.sh ingest-pg [N]           the same into PostgreSQL (own cluster, port 18700),
#                                           then baselines: the same rows by 3 psql \copy into
#                                           records, into a fresh table with its 9 indexes, and
#                                           into one with only (ts,id)+brin(id)
#   bench/server.sh ingest-pg-gen [N]       N gen_records records (shaped like real ones) posted
#                                           by 3 curl streams, then psql \copy baselines with
#                                           the schema's indexes and with all 9 full
#
# Every ingest line gives the wall-time rate and the CPU seconds of ward serve, of the whole
# PostgreSQL cluster (postmaster, backends, WAL writer, checkpointer) and of the clients, so a
# figure taken on the shared machine can be turned into a ceiling: 2 CPUs / (CPU per record).
# Environment: BATCH=records per batch (5000), WARD=binary to test, PGSTAT=1 prints the top
# statements of pg_stat_statements after each run.
#
# Build first: make build/ward build/bench/ship_load build/tests/helpers/gen_records
# A big store: tests/helpers/gen_records 1000000 SEED --start T > f; ward import --store S f
# (repeated with different SEED/T). Ports 18640-18649.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=${WARD:-$top/build/ward}
LOAD="$top/build/bench/ship_load"
tmp=$(mktemp -d /tmp/ward-bench-server.XXXXXX)
chmod 755 "$tmp"
pids=()
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -d "$tmp/pgdata" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pgdata" -m fast stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
TOKEN=bench-$RANDOM
echo "$TOKEN" >"$tmp/token"
AUTH="Authorization: Bearer $TOKEN"

serve() { # PORT ARGS...
	local port=$1
	shift
	"$W" serve --listen "127.0.0.1:$port" --token-file "$tmp/token" "$@" 2>>"$tmp/serve.log" &
	pids+=($!)
	for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
	echo "serve did not start" >&2
	exit 1
}

# p50/p95 in ms of RUNS requests of URL
lat() { # URL RUNS
	local i
	for i in $(seq "$2"); do
		curl -s -o /dev/null -H "$AUTH" -w '%{time_total}\n' "$1"
	done | sort -n | awk '{v[NR]=$1*1000} END {printf "%.1f %.1f", v[int((NR+1)/2)], v[int(NR*0.95+0.5)]}'
}

# CPU time (clock ticks, user+system) of process PID
cpu_of() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
# CPU ticks of a PostgreSQL cluster: the postmaster, its reaped children and its live children
pg_cpu() { # POSTMASTER_PID (empty: 0)
	[ -n "$1" ] || {
		echo 0
		return
	}
	local t c
	t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat")
	for c in $(ps --ppid "$1" -o pid=); do
		t=$((t + $(cpu_of "$c")))
	done
	echo "$t"
}
# one result line: records/s, and CPU seconds per process group (and per record)
report() { # LABEL RECORDS WALL SERVE_CPU PG_CPU CLIENT_CPU CLIENT_NAME
	awk -v l="$1" -v n="$2" -v w="$3" -v s="$4" -v p="$5" -v c="$6" -v cn="$7" 'BEGIN {
		printf "%s: %d records in %.2f s = %d records/s; CPU s: ward serve %.2f, postgres %.2f, %s %.2f (%.1f us/record in all)\n",
			l, n, w, n / w, s, p, cn, c, (s + p + c) * 1e6 / n }'
}

# 3 concurrent psql sessions \copy base-{a,b,c}/* (prepared by ingest-pg) into TABLE, one
# transaction per file; prints a report line
base_copy() { # TABLE LABEL
	local h lp=() c0p c1p t0 t1 cl
	for h in a b c; do
		for f in "$tmp/base-$h"/*; do
			echo "\\copy $1 ($cols) FROM '$f'"
		done >"$tmp/base-$h.sql"
	done
	c0p=$(pg_cpu "$pm")
	t0=$(date +%s.%N)
	for h in a b c; do
		/usr/bin/time -f '%U %S' -o "$tmp/time-base-$h" "${PSQL[@]}" -f "$tmp/base-$h.sql" &
		lp+=($!)
	done
	wait "${lp[@]}"
	t1=$(date +%s.%N)
	sleep 0.5 # the psql backends exit after psql: let them be reaped first
	c1p=$(pg_cpu "$pm")
	cl=$(cat "$tmp"/time-base-* | awk '{s+=$1+$2} END {print s}')
	report "$2" "$rows" "$(echo "$t1 - $t0" | bc)" 0 "$(echo "($c1p - $c0p)/100" | bc -l)" "$cl" "psql"
}

# a private PostgreSQL on port 18700 and ward serve on it (port 18641); sets PSQL and pm
start_pg() {
	mkdir "$tmp/pgdata" "$tmp/pgsock"
	chown postgres "$tmp/pgdata" "$tmp/pgsock"
	runuser -u postgres -- "$PGBIN/initdb" -D "$tmp/pgdata" -A trust -U ward >/dev/null
	# what an operator would set for an ingest-heavy server; durability untouched
	# (fsync=on, synchronous_commit=on, full_page_writes=on)
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pgdata" -l "$tmp/pgsock/log" -w \
		-o "-p 18700 -k $tmp/pgsock -c listen_addresses=127.0.0.1 \
		-c shared_buffers=256MB -c wal_buffers=32MB -c max_wal_size=4GB \
		-c checkpoint_timeout=30min -c shared_preload_libraries=pg_stat_statements \
		-c pg_stat_statements.track=all" start >/dev/null
	"$PGBIN/createdb" -h 127.0.0.1 -p 18700 -U ward ward
	serve 18641 --db postgres://ward@127.0.0.1:18700/ward
	PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 18700 -U ward ward)
	"${PSQL[@]}" -c "CREATE EXTENSION pg_stat_statements"
	pm=$(head -n1 "$tmp/pgdata/postmaster.pid")
}

case "${1:-}" in
query)
	store=${2:?store path}
	runs=${3:-30}
	serve 18640 --store "$store"
	B=http://127.0.0.1:18640/api/v1
	n=$(curl -s -H "$AUTH" "$B/histogram?interval=1d" | jq '[.buckets[].count]|add')
	host=$(curl -s -H "$AUTH" "$B/records?limit=1" | jq -r '.records[0].HostName')
	echo "records in store: $n"
	echo "| query | p50 ms | p95 ms |" # runs: $runs (records), $(((runs + 5) / 6)) (counts, histogram)
	echo "|---|---|---|"
	for q in "records?limit=100" \
		"records?operation=File&limit=100" \
		"records?hostname=$host&operation=Process&limit=100" \
		"records?type=alert&severity=5&limit=100" \
		"records?action=Block&limit=100" \
		"records?where=Resource~passwd&limit=100" \
		"records?operation=Network&where=PID%3E30000&limit=100" \
		"records?since=2025-12-01T02:45:00Z&until=2025-12-01T02:50:00Z&limit=100" \
		"counts?by=HostName&type=alert" \
		"histogram?interval=10m&type=alert" \
		"counts?by=Operation&since=2025-12-01T02:45:00Z&until=2025-12-01T02:50:00Z" \
		"histogram?interval=10m"; do
		r=$runs
		# the aggregates over millions of rows take seconds: fewer runs
		case "$q" in counts* | histogram*) r=$(((runs + 5) / 6)) ;; esac
		read -r p50 p95 <<<"$(lat "$B/$q" "$r")"
		echo "| \`$q\` | $p50 | $p95 |"
	done
	# the page: time to the first table row, in a fresh headless Chromium each run
	if [ -d "$top/tests/browser/node_modules/playwright-core" ]; then
		cat >"$tmp/page.mjs" <<'EOF'
import { chromium } from 'playwright-core';
const times = [];
for (let i = 0; i < Number(process.env.RUNS); i++) {
	const ctx = await chromium.launchPersistentContext(`${process.env.PROFILE}-${i}`, {
		executablePath: '/usr/bin/chromium', headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'] });
	const page = ctx.pages()[0] || await ctx.newPage();
	const t0 = Date.now();
	await page.goto(`${process.env.URL}/?operation=File#token=${process.env.TOKEN}`);
	await page.waitForSelector('#records tbody tr');
	times.push(Date.now() - t0);
	await ctx.close();
}
times.sort((a, b) => a - b);
console.log(`page first render (operation=File): p50 ${times[Math.floor((times.length - 1) / 2)]} ms, max ${times[times.length - 1]} ms over ${times.length} loads`);
EOF
		cp "$tmp/page.mjs" "$top/tests/browser/.bench-page.mjs"
		URL=http://127.0.0.1:18640 TOKEN="$TOKEN" PROFILE="$tmp/profile" RUNS=7 \
			node "$top/tests/browser/.bench-page.mjs"
		rm -f "$top/tests/browser/.bench-page.mjs"
	fi
	;;
ingest-sqlite | ingest-pg)
	n=${2:-100000}
	batch=${BATCH:-5000}
	if [ "$1" = ingest-pg ]; then
		start_pg
	else
		serve 18641 --store "$tmp/ward.db"
		pm=
	fi
	spid=${pids[-1]}
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	for d in 0 1000; do
		[ -n "$pm" ] && "${PSQL[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
		c0s=$(cpu_of "$spid")
		c0p=$(pg_cpu "$pm")
		t0=$(date +%s.%N)
		lp=()
		for h in a b c; do
			/usr/bin/time -f '%U %S' -o "$tmp/time-$d-$h" \
				"$LOAD" --url http://127.0.0.1:18641 --token-file "$tmp/token" --spool "$tmp/spool-$d-$h" \
				--host "bench-$d-$h" --count "$n" --batch "$batch" --distinct "$d" --start-seq $((RANDOM * 1000)) \
				>"$tmp/load-$d-$h.json" &
			lp+=($!)
		done
		wait "${lp[@]}"
		t1=$(date +%s.%N)
		sleep 0.5 # let exited backends be reaped into the postmaster's child times
		c1s=$(cpu_of "$spid")
		c1p=$(pg_cpu "$pm")
		sent=$(cat "$tmp"/load-$d-*.json | jq -s '[.[].sent]|add')
		cl=$(cat "$tmp"/time-$d-* | awk '{s+=$1+$2} END {print s}')
		wall=$(echo "$t1 - $t0" | bc)
		report "$1, ${d/#0/all unique} messages" "$sent" "$wall" "$(echo "($c1s - $c0s)/100" | bc -l)" \
			"$(echo "($c1p - $c0p)/100" | bc -l)" "$cl" "senders"
		if [ -n "$pm" ] && [ -n "${PGSTAT:-}" ]; then
			"${PSQL[@]}" -c "SELECT calls, round(total_exec_time::numeric,0) AS ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8"
		fi
	done
	if [ -n "$pm" ]; then
		# Baseline: PostgreSQL alone. The rows ward stored for the 1000-message run, with their
		# dictionary ids, copied back into the same table by 3 concurrent psql \copy clients in
		# the same batches, one transaction (and commit) per batch: COPY's own ceiling on this
		# machine for this schema and these indexes, with no HTTP, JSON or dictionary work.
		cols=$("${PSQL[@]}" -At -c "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'records'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'")
		for h in a b c; do
			"${PSQL[@]}" -c "\\copy (SELECT $cols FROM records r WHERE hostname = (SELECT id FROM sdict WHERE s = 'bench-1000-$h') ORDER BY id) TO '$tmp/base-$h.tsv'"
			mkdir "$tmp/base-$h"
			split -l "$batch" -d -a 4 "$tmp/base-$h.tsv" "$tmp/base-$h/"
		done
		rows=$(cat "$tmp"/base-?.tsv | wc -l)
		base_copy records "baseline: 3 psql \\copy into records, same rows and batches"
		# Where PostgreSQL's time goes: the same COPY into fresh unpartitioned tables with all
		# 9 indexes of records and with only the 2 that paging and the live tail need
		# (ts, id) and brin(id), i.e. without the 7 (field, ts) indexes.
		"${PSQL[@]}" -c "CREATE TABLE b9 (LIKE records INCLUDING DEFAULTS INCLUDING INDEXES)" \
			-c "CREATE TABLE b2 (LIKE records INCLUDING DEFAULTS)" \
			-c "CREATE INDEX ON b2 (ts, id)" -c "CREATE INDEX ON b2 USING brin (id)" -c CHECKPOINT
		base_copy b9 "baseline: 3 psql \\copy into a fresh table, 9 indexes"
		base_copy b2 "baseline: 3 psql \\copy into a fresh table, (ts,id)+brin(id) only"
	fi
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	;;
ingest-pg-gen)
	# Records shaped like real ones (tests/helpers/gen_records: host logs without pod or
	# container, ~10% alerts, many new Resource/Data strings), posted as NDJSON batches by 3
	# curl streams; then the same rows by 3 psql \copy into fresh tables with the schema's
	# indexes and with all 9 indexes full (the schema before PolicyName, PodName and
	# ContainerID got partial indexes).
	n=${2:-300000}
	batch=${BATCH:-5000}
	"$top/build/tests/helpers/gen_records" $((n + batch)) 100 --start 1764547200 >"$tmp/gen.ndjson"
	mkdir "$tmp/gen"
	split -l "$batch" -d -a 4 "$tmp/gen.ndjson" "$tmp/gen/"
	rm "$tmp/gen.ndjson"
	start_pg
	spid=${pids[-1]}
	post() { curl -sf -o /dev/null -H "$AUTH" --data-binary @"$1" http://127.0.0.1:18641/api/v1/ingest; }
	# the day partition and the first dictionary strings: not timed
	first=$(ls "$tmp/gen" | head -n1)
	post "$tmp/gen/$first" && rm "$tmp/gen/$first"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	files=("$tmp"/gen/*)
	c0s=$(cpu_of "$spid")
	c0p=$(pg_cpu "$pm")
	t0=$(date +%s.%N)
	lp=()
	for k in 0 1 2; do
		/usr/bin/time -f '%U %S' -o "$tmp/time-gen-$k" bash -c '
			k=$1; shift; auth=$1; shift; i=0
			for f in "$@"; do
				[ $((i % 3)) -eq "$k" ] && { curl -sf -o /dev/null -H "$auth" --data-binary @"$f" \
					http://127.0.0.1:18641/api/v1/ingest || echo "post of $f failed" >&2; }
				i=$((i + 1))
			done' _ "$k" "$AUTH" "${files[@]}" &
		lp+=($!)
	done
	wait "${lp[@]}"
	t1=$(date +%s.%N)
	sleep 0.5
	c1s=$(cpu_of "$spid")
	c1p=$(pg_cpu "$pm")
	rows=$("${PSQL[@]}" -At -c "SELECT count(*) FROM records")
	rows=$((rows - batch))
	cl=$(cat "$tmp"/time-gen-* | awk '{s+=$1+$2} END {print s}')
	report "ingest-pg-gen: ward serve, 3 curl streams" "$rows" "$(echo "$t1 - $t0" | bc)" \
		"$(echo "($c1s - $c0s)/100" | bc -l)" "$(echo "($c1p - $c0p)/100" | bc -l)" "$cl" "curl"
	cols=$("${PSQL[@]}" -At -c "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'records'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'")
	"${PSQL[@]}" -c "\\copy (SELECT $cols FROM records ORDER BY id OFFSET $batch) TO '$tmp/base.tsv'"
	mkdir "$tmp/base-all" "$tmp/base-a" "$tmp/base-b" "$tmp/base-c"
	split -l "$batch" -d -a 4 "$tmp/base.tsv" "$tmp/base-all/"
	i=0
	for f in "$tmp"/base-all/*; do
		mv "$f" "$tmp/base-$(echo a b c | cut -d' ' -f$((i % 3 + 1)))/"
		i=$((i + 1))
	done
	"${PSQL[@]}" -c "CREATE TABLE bnow (LIKE records INCLUDING DEFAULTS INCLUDING INDEXES)" \
		-c "CREATE TABLE bfull (LIKE records INCLUDING DEFAULTS)" \
		-c "CREATE INDEX ON bfull (ts, id)" -c "CREATE INDEX ON bfull USING brin (id)"
	for c in hostname operation type policyname podname containerid processname; do
		"${PSQL[@]}" -c "CREATE INDEX ON bfull ($c, ts)"
	done
	"${PSQL[@]}" -c CHECKPOINT
	for r in 1 2; do
		base_copy bnow "baseline $r: 3 psql \\copy, the schema's indexes (3 partial)"
		"${PSQL[@]}" -c "TRUNCATE bnow" -c CHECKPOINT
		base_copy bfull "baseline $r: 3 psql \\copy, all 9 indexes full"
		"${PSQL[@]}" -c "TRUNCATE bfull" -c CHECKPOINT
	done
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	;;
*)
	sed -n '3,23p' "$0"
	exit 2
	;;
esac
