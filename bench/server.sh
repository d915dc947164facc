#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/server.sh - figures for docs/benchmarks/server.md.
#
#   bench/server.sh query STORE.db [RUNS]   API latency (p50/p95 over RUNS, default 30) of filtered
#                                           queries on a big SQLite store, and the Alerts page's
#                                           first render in headless Chromium
#   bench/server.sh ingest-sqlite [N]       HTTP ingest into SQLite from 3 concurrent shippers
#   bench/server.sh ingest-pg [N]           the same into PostgreSQL (own cluster, port 18700)
#
# Build first: make build/ward build/bench/ship_load build/tests/helpers/gen_records
# A big store: tests/helpers/gen_records 1000000 SEED --start T > f; ward import --store S f
# (repeated with different SEED/T). Ports 18640-18649.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W="$top/build/ward"
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
	if [ "$1" = ingest-pg ]; then
		mkdir "$tmp/pgdata" "$tmp/pgsock"
		chown postgres "$tmp/pgdata" "$tmp/pgsock"
		runuser -u postgres -- "$PGBIN/initdb" -D "$tmp/pgdata" -A trust -U ward >/dev/null
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pgdata" -l "$tmp/pgsock/log" -w \
			-o "-p 18700 -k $tmp/pgsock -c listen_addresses=127.0.0.1" start >/dev/null
		"$PGBIN/createdb" -h 127.0.0.1 -p 18700 -U ward ward
		serve 18641 --db postgres://ward@127.0.0.1:18700/ward
	else
		serve 18641 --store "$tmp/ward.db"
	fi
	for d in 0 1000; do
		t0=$(date +%s.%N)
		lp=()
		for h in a b c; do
			"$LOAD" --url http://127.0.0.1:18641 --token-file "$tmp/token" --spool "$tmp/spool-$d-$h" \
				--host "bench-$d-$h" --count "$n" --batch 5000 --distinct "$d" --start-seq $((RANDOM * 1000)) \
				>"$tmp/load-$d-$h.json" &
			lp+=($!)
		done
		wait "${lp[@]}"
		t1=$(date +%s.%N)
		sent=$(cat "$tmp"/load-$d-*.json | jq -s '[.[].sent]|add')
		rate=$(echo "$sent / ($t1 - $t0)" | bc)
		echo "$1: 3 clients x $n records, distinct messages: ${d/#0/all unique}: $sent records in $(printf %.2f "$(echo "$t1 - $t0" | bc)") s = $rate records/s"
	done
	;;
*)
	sed -n '3,13p' "$0"
	exit 2
	;;
esac
