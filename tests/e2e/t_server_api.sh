#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_server_api.sh - `ward serve` over a SQLite store filled with `ward import`: authentication,
# every filter word against an independent count (jq over the imported file), counts and
# histogram totals, cursor paging exactly once, CSV export parsed back, SQL-shaped values
# matched literally, limits, live SSE, TLS and /metrics. Ports: free ones of 18600-18799.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}" "${WARD_BUILD:=build}"
tmp=$(mktemp -d /tmp/ward-server-api.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

n_fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; n_fail=$((n_fail + 1)); }
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then ok "$1"; else nok "$1 (expected '$2', got '$3')"; fi
}

# shellcheck source=tests/e2e/server-lib.sh
. "$WARD_TOP/tests/e2e/server-lib.sh"
TOKEN=s3cret-$RANDOM-$RANDOM
echo "$TOKEN" >"$tmp/token"
AUTH="Authorization: Bearer $TOKEN"
gen="$WARD_TOP/$WARD_BUILD/tests/helpers/gen_records"

# ---- data: 3000 generated records incl. quotes, %, _, backslashes and SQL text ----------------
"$gen" 3000 11 --tricky >"$tmp/in.ndjson"
"$WARD_BIN" import --store "$tmp/ward.db" "$tmp/in.ndjson" >/dev/null 2>"$tmp/import.err" ||
	{ nok "ward import filled the store"; cat "$tmp/import.err"; }
N=$(wc -l <"$tmp/in.ndjson")

if ! serve_start "$tmp/serve.log" --store "$tmp/ward.db" --token-file "$tmp/token"; then
	echo "not ok - ward serve starts"
	cat "$tmp/serve.log"
	exit 1
fi
pids+=("$SERVE_PID")
PORT=$SERVE_PORT
BASE="http://127.0.0.1:$PORT"

# ---- auth ---------------------------------------------------------------------------------
check "healthz answers ok without a token" "ok" "$(curl -s "$BASE/healthz")"
check "records without a token is 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/records")"
check "records with a wrong token is 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer nope" "$BASE/api/v1/records")"
check "a token that is a prefix of the right one is 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOKEN:0:5}" "$BASE/api/v1/records")"
check "metrics without a token is 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/metrics")"
check "ingest without a token is 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' "$BASE/api/v1/ingest")"
check "records with the token is 200" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/records")"
hdrs=$(curl -s -D - -o /dev/null -H "$AUTH" -H "Origin: http://evil.example" "$BASE/api/v1/records")
if grep -qi '^access-control-allow-origin' <<<"$hdrs"; then nok "no CORS header is sent"; else ok "no CORS header is sent"; fi

# all records of a filter, paging with the cursor (limit $2), one JSON per line
fetch_all() { # QUERY LIMIT
	local cursor="" url page
	while :; do
		url="$BASE/api/v1/records?$1&limit=$2"
		[ -n "$cursor" ] && url="$url&cursor=$cursor"
		page=$(curl -sf -H "$AUTH" "$url") || { echo "FETCH-FAILED"; return; }
		jq -c '.records[]' <<<"$page"
		cursor=$(jq -r '.next // empty' <<<"$page")
		[ -z "$cursor" ] && break
	done
}
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }

# ---- every filter word against jq over the input ---------------------------------------------
host=$(jq -r .HostName "$tmp/in.ndjson" | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
pod=$(jq -r '.PodName // empty' "$tmp/in.ndjson" | head -1)
cid=$(jq -r '.ContainerID // empty' "$tmp/in.ndjson" | head -1)
pid=$(jq -r '.PID' "$tmp/in.ndjson" | sed -n 5p)
pol=$(jq -r '.PolicyName // empty' "$tmp/in.ndjson" | head -1)
cluster=$(jq -r '.ClusterName // empty' "$tmp/in.ndjson" | head -1)
enf=$(jq -r '.Enforcer // empty' "$tmp/in.ndjson" | head -1)
ns=$(jq -r '.NamespaceName // empty' "$tmp/in.ndjson" | head -1)
msg=$(jq -r '.Message // empty' "$tmp/in.ndjson" | grep -v DROP | head -1)
proc=$(jq -r '.ProcessName // empty' "$tmp/in.ndjson" | head -1)
ts_mid=$(jq -r .Timestamp "$tmp/in.ndjson" | sort -n | sed -n "$((N / 2))p")
since_iso=$(date -u -d "@$ts_mid" +%Y-%m-%dT%H:%M:%SZ)

filter_case() { # NAME QUERY JQ-SELECT
	local want got
	want=$(jq -c "select($3)" "$tmp/in.ndjson" | wc -l)
	got=$(fetch_all "$2" 1000 | grep -vc '^FETCH-FAILED$')
	if [ "$want" -eq 0 ]; then nok "filter $1 has matching data (jq found none)"; return; fi
	check "filter $1 returns the $want matching records" "$want" "$got"
	local total hist
	total=$(curl -sf -H "$AUTH" "$BASE/api/v1/counts?by=HostName&$2" | jq '[.counts[].count]|add // 0')
	check "counts by HostName for $1 add up to $want" "$want" "$total"
	hist=$(curl -sf -H "$AUTH" "$BASE/api/v1/histogram?interval=1m&$2" | jq '[.buckets[].count]|add // 0')
	check "histogram buckets for $1 add up to $want" "$want" "$hist"
}
filter_case "operation=File" "operation=File" '.Operation=="File"'
filter_case "hostname" "hostname=$(urlenc "$host")" ".HostName==\"$host\""
filter_case "severity>=5" "severity=5" '(.Severity // "0" | tonumber) >= 5'
filter_case "action=Block" "action=Block" '.Action=="Block"'
filter_case "type=alert" "type=alert" '.Type=="MatchedPolicy" or .Type=="MatchedHostPolicy" or .Type=="MatchedNetworkPolicy" or .Type=="SystemEvent"'
filter_case "type=log" "type=log" '.Type=="ContainerLog" or .Type=="HostLog"'
filter_case "pod" "pod=$(urlenc "$pod")" ".PodName==\"$pod\""
filter_case "container-id" "container-id=$cid" ".ContainerID==\"$cid\""
filter_case "pid" "pid=$pid" ".PID==$pid"
filter_case "policy" "policy=$(urlenc "$pol")" ".PolicyName==\"$pol\""
filter_case "cluster" "cluster=$cluster" ".ClusterName==\"$cluster\""
filter_case "enforcer" "enforcer=$(urlenc "$enf")" ".Enforcer==\"$enf\""
filter_case "namespace" "namespace=$ns" ".NamespaceName==\"$ns\""
filter_case "process" "process=$(urlenc "$proc")" ".ProcessName==\"$proc\""
filter_case "message" "message=$(urlenc "$msg")" ".Message==\"$msg\""
filter_case "where Resource~passwd" "where=$(urlenc 'Resource~passwd')" '(.Resource // "") | contains("passwd")'
filter_case "where PID>30000" "where=$(urlenc 'PID>30000')" '.PID > 30000'
filter_case "since (absolute)" "since=$since_iso" ".Timestamp >= $ts_mid"
filter_case "until (absolute)" "until=$since_iso" ".Timestamp < $ts_mid"
filter_case "two conditions ANDed" "operation=Process&hostname=$(urlenc "$host")" ".Operation==\"Process\" and .HostName==\"$host\""
filter_case "exclusion where HostName!=" "where=$(urlenc "HostName!=$host")" ".HostName!=\"$host\""

# ---- values are matched literally, never as SQL or patterns ----------------------------------
sqlv="'; DROP TABLE records; --"
filter_case "a SQL-shaped Resource is matched literally" "where=$(urlenc "Resource=$sqlv")" ".Resource==\"$sqlv\""
filter_case "a SQL-shaped resource= word is matched literally" "resource=$(urlenc "$sqlv")" ".Resource==\"$sqlv\""
check "an OR 1=1 value matches nothing" 0 \
	"$(fetch_all "hostname=$(urlenc "x' OR '1'='1")" 100 | grep -vc FETCH-FAILED)"
filter_case "% and _ are literal in ~" "where=$(urlenc 'Resource~a%b_c')" '(.Resource // "") | contains("a%b_c")'
check "the store still has every record after the SQL-shaped values" "$N" \
	"$(curl -sf -H "$AUTH" "$BASE/api/v1/histogram?interval=1d" | jq '[.buckets[].count]|add')"

# ---- paging returns every record exactly once ------------------------------------------------
fetch_all "" 7 | jq -c -S . | sort >"$tmp/paged"
curl -sf -H "$AUTH" "$BASE/api/v1/export?format=ndjson" | jq -c -S . | sort >"$tmp/export"
check "paging by 7 returns all $N records" "$N" "$(wc -l <"$tmp/paged")"
check "paging returns no record twice" "0" "$(uniq -d "$tmp/paged" | wc -l)"
if cmp -s "$tmp/paged" "$tmp/export"; then ok "paged records equal the exported records"; else nok "paged records equal the exported records"; fi
order=$(fetch_all "" 500 | jq -r .UpdatedTime)
if [ "$(wc -l <<<"$order")" -eq "$N" ] && sort -r -c <<<"$order" 2>/dev/null; then ok "records come newest first"; else nok "records come newest first"; fi

# ---- CSV export parses back to the same rows --------------------------------------------------
curl -sf -H "$AUTH" -D "$tmp/csv.h" -o "$tmp/export.csv" "$BASE/api/v1/export?format=csv&operation=File"
grep -qi '^content-disposition: attachment' "$tmp/csv.h" && ok "export is a download (Content-Disposition)" || nok "export is a download (Content-Disposition)"
curl -sf -H "$AUTH" "$BASE/api/v1/export?format=ndjson&operation=File" >"$tmp/export.ndjson"
if python3 - "$tmp/export.csv" "$tmp/export.ndjson" <<'EOF'; then ok "CSV export parses back to the same rows as the NDJSON export"; else nok "CSV export parses back to the same rows as the NDJSON export"; fi
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
recs = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
if len(rows) != len(recs) or not rows:
    print("row count", len(rows), len(recs)); sys.exit(1)
for row, rec in zip(rows, recs):
    for k, v in row.items():
        # formula guard: a leading apostrophe was added before = + - @ tab CR
        if len(v) > 1 and v[0] == "'" and v[1] in "=+-@\t\r":
            v = v[1:]
        want = rec.get(k)
        want = "" if want is None else str(want)
        if v != want:
            print("mismatch", k, repr(v), repr(want)); sys.exit(1)
EOF

# ---- errors and limits -----------------------------------------------------------------------
err=$(curl -s -H "$AUTH" "$BASE/api/v1/records?where=$(urlenc 'Hostnme=x')")
check "an unknown field gets a did-you-mean hint" "unknown field 'Hostnme' (did you mean 'HostName'?)" "$(jq -r .error <<<"$err")"
check "an unknown filter word is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/records?bogus=1")"
check "a bad cursor is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/records?cursor=zzz")"
check "limit above the maximum is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/records?limit=5001")"
check "counts without by= is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/counts")"
check "a bad histogram interval is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/histogram?interval=0s")"
check "GET on ingest is 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/ingest")"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$tmp/big"
check "an ingest body over 16 MiB is 413" 413 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -X POST --data-binary @"$tmp/big" "$BASE/api/v1/ingest")"
bad=$(printf '{"HostName":"ok-1","Timestamp":1764547200}\nnot json\n' |
	curl -s -H "$AUTH" -X POST --data-binary @- "$BASE/api/v1/ingest")
if jq -e '.error | test("ingest:2")' <<<"$bad" >/dev/null; then ok "a bad ingest line is rejected with its line number"; else nok "a bad ingest line is rejected with its line number ($bad)"; fi
check "a rejected batch stores nothing" 0 "$(fetch_all "hostname=ok-1" 10 | grep -vc FETCH-FAILED)"

# ---- ingest and live stream --------------------------------------------------------------
curl -sN -H "$AUTH" "$BASE/api/v1/stream?hostname=live-host" >"$tmp/sse" &
pids+=($!)
sleep 0.6
now=$(date +%s)
acc=$(printf '{"Timestamp":%s,"HostName":"live-host","Operation":"File","Resource":"/etc/shadow","Type":"MatchedHostPolicy","Action":"Block"}\n{"Timestamp":%s,"HostName":"other-host","Operation":"File"}\n' "$now" "$now" |
	curl -s -H "$AUTH" -X POST --data-binary @- "$BASE/api/v1/ingest")
check "ingest answers accepted:2" '{"accepted":2}' "$acc"
got=""
for _ in $(seq 20); do
	got=$(grep '^data: ' "$tmp/sse" | head -1)
	[ -n "$got" ] && break
	sleep 0.1
done
check "the live stream shows the matching record within 2 s" "live-host" "$(sed 's/^data: //' <<<"$got" | jq -r .HostName 2>/dev/null)"
check "the live stream leaves out records its filter excludes" 0 "$(grep -c other-host "$tmp/sse")"
check "ingested records are queryable at once" 1 "$(fetch_all "hostname=live-host" 10 | grep -vc FETCH-FAILED)"

m=$(curl -s -H "$AUTH" "$BASE/metrics")
grep -q '^ward_records_stored_total{source="live-host"} 1$' <<<"$m" && ok "metrics count stored records per source" || nok "metrics count stored records per source"
grep -q '^ward_http_request_duration_seconds_count{route="records"} [1-9]' <<<"$m" && ok "metrics have a query latency histogram" || nok "metrics have a query latency histogram"
grep -q '^ward_stream_clients 1$' <<<"$m" && ok "metrics show the open live stream" || nok "metrics show the open live stream"

# ---- TLS -----------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
serve_start "$tmp/serve-tls.log" --tls --store "$tmp/ward.db" --token-file "$tmp/token" \
	--tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" || nok "ward serve with TLS starts"
pids+=("$SERVE_PID")
TPORT=$SERVE_PORT
check "HTTPS serves records with the token" "$N" \
	"$(curl -sk --cacert "$tmp/cert.pem" -H "$AUTH" "https://127.0.0.1:$TPORT/api/v1/histogram?interval=1d&until=2030-01-01" | jq '[.buckets[].count]|add' | awk -v n=2 '{print $1-n}')"
check "HTTPS without the token is 401" 401 \
	"$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$TPORT/api/v1/records")"
check "plain HTTP to the TLS port fails" "000" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$TPORT/healthz")"

# ---- command line ------------------------------------------------------------------------
"$WARD_BIN" serve --store a --db postgres://x 2>/dev/null
check "--store with --db is a usage error (exit 2)" 2 $?
"$WARD_BIN" serve --tls-cert x 2>/dev/null
check "--tls-cert without --tls-key is a usage error (exit 2)" 2 $?
timeout 10 "$WARD_BIN" serve --listen 127.0.0.1:$PORT --store "$tmp/ward.db" --token-file "$tmp/token" 2>"$tmp/busy.err"
check "a busy port exits 1" 1 $?

[ "$n_fail" -eq 0 ]
