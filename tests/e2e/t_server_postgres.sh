#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_server_postgres.sh - `ward serve --db postgres://...` on a real PostgreSQL (Debian's) that
# this test starts itself (initdb + pg_ctl as the postgres user, temp dir, private port) and
# stops: three agents shipping concurrently, exact counts per HostName, the same filters
# answering identically on SQLite and PostgreSQL, two servers sharing one database, day
# partitions, and a 30 s server outage while an agent keeps producing (spool + resend, nothing
# lost), and retention by dropping day partitions. Free ports of 18600-18699 (ward) and
# 18700-18799 (PostgreSQL).
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}" "${WARD_BUILD:=build}"
tmp=$(mktemp -d /tmp/ward-server-pg.XXXXXX)
chmod 755 "$tmp"
pids=()
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$PGBIN" ] && [ -d "$tmp/pgdata" ] &&
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pgdata" -m immediate stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

n_fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; n_fail=$((n_fail + 1)); }
check() { if [ "$2" == "$3" ]; then ok "$1"; else nok "$1 (expected '$2', got '$3')"; fi; }

if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	nok "PostgreSQL server binaries are installed (apt-get install postgresql)"
	exit 1
fi
load="$WARD_TOP/$WARD_BUILD/bench/ship_load"
gen="$WARD_TOP/$WARD_BUILD/tests/helpers/gen_records"
[ -x "$load" ] || { nok "ship_load is built ($load)"; exit 1; }

# ---- our own PostgreSQL -------------------------------------------------------------------
mkdir "$tmp/pgdata" "$tmp/pgsock"
chown postgres "$tmp/pgdata" "$tmp/pgsock"
runuser -u postgres -- "$PGBIN/initdb" -D "$tmp/pgdata" -A trust -U ward >"$tmp/initdb.log" 2>&1 ||
	{ nok "initdb"; cat "$tmp/initdb.log"; exit 1; }
# shellcheck source=tests/e2e/server-lib.sh
. "$WARD_TOP/tests/e2e/server-lib.sh"
# a free port of 18700-18799, retried: another run of this test may hold one
started=0
for _ in 1 2 3 4 5; do
	PGPORT=$(pick_free_port 18700 18799) || break
	if runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/pgdata" -l "$tmp/pgsock/pg.log" -w \
		-o "-p $PGPORT -k $tmp/pgsock -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null; then
		started=1
		break
	fi
done
[ "$started" = 1 ] || { nok "pg_ctl start"; cat "$tmp/pgsock/pg.log"; exit 1; }
"$PGBIN/createdb" -h 127.0.0.1 -p $PGPORT -U ward ward || { nok "createdb"; exit 1; }
ok "a private PostgreSQL cluster runs on port $PGPORT"
DB="postgres://ward@127.0.0.1:$PGPORT/ward"

TOKEN=pg-$RANDOM$RANDOM
echo "$TOKEN" >"$tmp/token"
AUTH="Authorization: Bearer $TOKEN"
# start_serve [--port P] ARGS... : a ward serve on a free (or the given) port; sets SERVE_PORT
start_serve() {
	serve_start "$tmp/serve.log" "$@" --token-file "$tmp/token" || return 1
	pids+=("$SERVE_PID")
}
start_serve --db "$DB" || { nok "ward serve --db starts"; exit 1; }
PG1=$SERVE_PORT
start_serve --db "$DB" || { nok "a second ward serve on the same database starts"; exit 1; }
PG2=$SERVE_PORT
pg2_idx=$((${#pids[@]} - 1))

# ---- three agents at once, two servers, one database ---------------------------------------
"$load" --url "http://127.0.0.1:$PG1" --token-file "$tmp/token" --spool "$tmp/spool-a" --host fleet-a --count 6000 --batch 1000 >"$tmp/a.json" &
la=$!
"$load" --url "http://127.0.0.1:$PG2" --token-file "$tmp/token" --spool "$tmp/spool-b" --host fleet-b --count 5000 --batch 700 >"$tmp/b.json" &
lb=$!
"$load" --url "http://127.0.0.1:$PG1" --token-file "$tmp/token" --spool "$tmp/spool-c" --host fleet-c --count 4000 --batch 1500 >"$tmp/c.json" &
lc=$!
wait $la && wait $lb && wait $lc && ok "three agents shipped everything" || nok "three agents shipped everything"
counts=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG2/api/v1/counts?by=HostName" | jq -c '[.counts[]|[.value,.count]]|sort')
check "counts by HostName are exact" '[["fleet-a",6000],["fleet-b",5000],["fleet-c",4000]]' "$counts"
uniq_msgs=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/export?format=ndjson&hostname=fleet-b" | jq -r .Message | sort -u | wc -l)
check "every record of an agent arrived once" 5000 "$uniq_msgs"
parts=$(psql -h 127.0.0.1 -p $PGPORT -U ward -d ward -Atc "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid=i.inhparent WHERE p.relname='records'")
if [ "$parts" -ge 1 ]; then ok "records live in day partitions ($parts)"; else nok "records live in day partitions"; fi

# ---- the same filters answer identically on SQLite and PostgreSQL ---------------------------
"$gen" 2000 5 --tricky >"$tmp/in.ndjson"
"$WARD_BIN" import --store "$tmp/ward.db" "$tmp/in.ndjson" >/dev/null 2>&1
split -l 500 "$tmp/in.ndjson" "$tmp/chunk."
for f in "$tmp"/chunk.*; do
	curl -sf -H "$AUTH" -X POST --data-binary @"$f" "http://127.0.0.1:$PG1/api/v1/ingest" >/dev/null ||
		nok "ingest of $(basename "$f") into PostgreSQL"
done
start_serve --store "$tmp/ward.db" || nok "ward serve on SQLite starts"
SQ=$SERVE_PORT
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
fetch_all() { # PORT QUERY
	local cursor="" url page
	while :; do
		url="http://127.0.0.1:$1/api/v1/records?$2&limit=333"
		[ -n "$cursor" ] && url="$url&cursor=$cursor"
		page=$(curl -sf -H "$AUTH" "$url") || { echo FETCH-FAILED; return; }
		jq -c '.records[]' <<<"$page"
		cursor=$(jq -r '.next // empty' <<<"$page")
		[ -z "$cursor" ] && break
	done
}
gen_host=$(jq -r .HostName "$tmp/in.ndjson" | head -1)
mid_iso=$(jq -r .UpdatedTime "$tmp/in.ndjson" | sort | sed -n 700p)
end_iso=$(jq -r .UpdatedTime "$tmp/in.ndjson" | sort | sed -n 1500p)
# values of the fields whose PostgreSQL indexes are partial (WHERE col IS NOT NULL)
first_of() { jq -r "select((.$1 // \"\") != \"\") | .$1" "$tmp/in.ndjson" | head -n1; }
gen_pod=$(first_of PodName)
gen_policy=$(first_of PolicyName)
gen_cid=$(first_of ContainerID)
queries=(
	"cluster=prod-eu"
	"cluster=prod-eu&operation=File"
	"cluster=prod-eu&type=alert"
	"cluster=prod-eu&severity=5"
	"hostname=$gen_host"
	"cluster=prod-eu&action=Block"
	"cluster=prod-eu&where=$(urlenc 'Resource~passwd')"
	"cluster=prod-eu&where=$(urlenc 'Resource=/tmp/a%b_c')"
	"cluster=prod-eu&where=$(urlenc "Resource='; DROP TABLE records; --")"
	"cluster=prod-eu&where=$(urlenc 'PID>=30000')"
	"cluster=prod-eu&where=$(urlenc "HostName!=$gen_host")"
	"cluster=prod-eu&where=$(urlenc 'Message!~denied')"
	"cluster=prod-eu&since=$mid_iso&until=$end_iso"
	"cluster=prod-eu&tag=MITRE"
	"pod=$(urlenc "$gen_pod")"
	"policy=$(urlenc "$gen_policy")"
	"container-id=$gen_cid"
	"hostname=$gen_host&policy=$(urlenc "$gen_policy")"
)
for q in "${queries[@]}"; do
	fetch_all $SQ "$q" | jq -c -S . | sort >"$tmp/ra"
	fetch_all $PG1 "$q" | jq -c -S . | sort >"$tmp/rb"
	na=$(wc -l <"$tmp/ra")
	if cmp -s "$tmp/ra" "$tmp/rb" && [ "$na" -gt 0 ]; then ok "records of '$q' are identical on both ($na)"; else nok "records of '$q' are identical on both (sqlite $na)"; fi
	ca=$(curl -sf -H "$AUTH" "http://127.0.0.1:$SQ/api/v1/counts?by=Operation&$q" | jq -c '.counts|sort_by(.value)')
	cb=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/counts?by=Operation&$q" | jq -c '.counts|sort_by(.value)')
	check "counts of '$q' are identical" "$ca" "$cb"
	ha=$(curl -sf -H "$AUTH" "http://127.0.0.1:$SQ/api/v1/histogram?interval=10s&$q" | jq -c .buckets)
	hb=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/histogram?interval=10s&$q" | jq -c .buckets)
	check "histogram of '$q' is identical" "$ha" "$hb"
done

# ---- 30 s outage: the agent keeps producing, the spool keeps everything -----------------------
"$load" --url "http://127.0.0.1:$PG2" --token-file "$tmp/token" --spool "$tmp/spool-out" --host outage-host \
	--count 24000 --rate 600 --batch 200 --flush-timeout 60 >"$tmp/out.json" &
lo=$!
sleep 4
kill "${pids[$pg2_idx]}"
wait "${pids[$pg2_idx]}" 2>/dev/null
t_down=$(date +%s)
sleep 30
spooled=$(find "$tmp/spool-out" -maxdepth 1 -name '*.ndjson' | wc -l)
if [ "$spooled" -gt 10 ]; then ok "batches pile up in the spool while the server is down ($spooled)"; else nok "batches pile up in the spool while the server is down ($spooled)"; fi
start_serve --port "$PG2" --db "$DB" || nok "the server comes back on its port"
echo "# server was down $(($(date +%s) - t_down)) s"
wait $lo && ok "the agent flushed its spool after the outage" || { nok "the agent flushed its spool after the outage"; cat "$tmp/out.json"; }
got=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/export?format=ndjson&hostname=outage-host" | jq -r .Message | sort -u | wc -l)
check "nothing was lost during the outage" 24000 "$got"
total=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/counts?by=HostName&hostname=outage-host" | jq '.counts[0].count')
check "nothing was stored twice (batch ids)" 24000 "$total"

# ---- a resent batch is stored once --------------------------------------------------------
rec='{"Timestamp":1764600000,"HostName":"resend-host","Operation":"File"}'
a1=$(curl -s -H "$AUTH" -H "X-Ward-Batch: test-agent-1" -X POST --data-binary "$rec" "http://127.0.0.1:$PG1/api/v1/ingest")
a2=$(curl -s -H "$AUTH" -H "X-Ward-Batch: test-agent-1" -X POST --data-binary "$rec" "http://127.0.0.1:$PG2/api/v1/ingest")
check "the first send is accepted" '{"accepted":1}' "$a1"
check "a resend of the same batch id is accepted as a duplicate" '{"accepted":1,"duplicate":true}' "$a2"
check "the resent batch is stored once" 1 "$(fetch_all $PG1 "hostname=resend-host" | grep -vc FETCH-FAILED)"
check "a bad batch id is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H 'X-Ward-Batch: a b' -X POST --data-binary "$rec" "http://127.0.0.1:$PG1/api/v1/ingest")"

# ---- retention drops whole day partitions -------------------------------------------------------
printf '{"Timestamp":1577880000,"HostName":"old-host","Operation":"File"}\n' |
	curl -sf -H "$AUTH" -X POST --data-binary @- "http://127.0.0.1:$PG1/api/v1/ingest" >/dev/null
pq() { psql -h 127.0.0.1 -p $PGPORT -U ward -d ward -Atc "$1"; }
check "an old record gets its own day partition" 1 "$(pq "SELECT count(*) FROM pg_class WHERE relname='records_p20200101'")"
start_serve --db "$DB" --max-age 30d || nok "ward serve --max-age starts"
check "--max-age drops the partitions older than the cut-off" 0 "$(pq "SELECT count(*) FROM pg_class WHERE relname='records_p20200101'")"
check "the old record is gone" 0 "$(fetch_all $PG1 "hostname=old-host" | grep -vc FETCH-FAILED)"
check "recent records are kept" 6000 "$(curl -sf -H "$AUTH" "http://127.0.0.1:$PG1/api/v1/counts?by=HostName&hostname=fleet-a" | jq '.counts[0].count')"

m=$(curl -s -H "$AUTH" "http://127.0.0.1:$PG1/metrics")
grep -q '^ward_records_stored_total{source="fleet-a"} 6000$' <<<"$m" && ok "metrics of the receiving server count fleet-a" || nok "metrics of the receiving server count fleet-a"
[ "$n_fail" -eq 0 ]
