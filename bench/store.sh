#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/store.sh [N] [BIG_N] - the store's figures, each next to its baseline in the same run:
#   * `ward import` of N generated records vs sqlite3 `.import` of the same lines into a table
#     with six (expression) indexes;
#   * sustained writer ingest (records already parsed; every index and the FTS maintained);
#   * bytes per record in the store vs the JSONL;
#   * `ward logs` with one filter and with three (HostName + Operation + Action), p50 of 20
#     runs, vs jq selecting the same newest 100 records from the JSONL;
#   * the same two queries in process (bench/store_query) and `ward --help` (process start);
#   * with BIG_N (e.g. 10000000): the same two queries on a store of BIG_N records.
# Not part of CI (minutes, GBs). Prints key=value lines; docs/benchmarks/store.md has results.
set -eu
N=${1:-1000000}
BIG=${2:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
make -C "$top" -s build/ward build/tests/helpers/gen_records build/bench/store_ingest build/tests/helpers/store_edit build/bench/store_query >/dev/null
W=$top/build/ward
GEN=$top/build/tests/helpers/gen_records
ING=$top/build/bench/store_ingest
SQ=$top/build/bench/store_query
EDIT=$top/build/tests/helpers/store_edit
T=$(mktemp -d "${TMPDIR:-/tmp}/ward-store-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# p50 of $1 runs of a command, in ms
p50_ms() {
	local runs=$1 i t0 t1
	shift
	for i in $(seq 1 "$runs"); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		echo "($t1 - $t0) * 1000" | bc -l
	done | median
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$GEN" "$N" 1 >"$T/recs.ndjson"
jsonl=$(stat -c %s "$T/recs.ndjson")
echo "records=$N jsonl_bytes_per_record=$(echo "$jsonl / $N" | bc)"

# ---- baseline: sqlite3 .import into a table with six indexes
cat >"$T/base.sql" <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE raw(j TEXT);
CREATE INDEX i1 ON raw(json_extract(j, '\$.Timestamp'));
CREATE INDEX i2 ON raw(json_extract(j, '\$.HostName'));
CREATE INDEX i3 ON raw(json_extract(j, '\$.Operation'));
CREATE INDEX i4 ON raw(json_extract(j, '\$.Type'));
CREATE INDEX i5 ON raw(json_extract(j, '\$.PolicyName'));
CREATE INDEX i6 ON raw(json_extract(j, '\$.ContainerID'));
.mode ascii
.separator "\\037" "\\n"
BEGIN;
.import $T/recs.ndjson raw
COMMIT;
EOF
t0=$(now)
sqlite3 "$T/base.db" <"$T/base.sql" >/dev/null
t1=$(now)
base_rate=$(echo "$N / ($t1 - $t0)" | bc)
echo "baseline_sqlite3_import_rate=$base_rate/s ($(echo "$t1 - $t0" | bc) s) bytes_per_record=$(echo "$(stat -c %s "$T/base.db") / $N" | bc)"
rm -f "$T"/base.db*

# ---- ward import
t0=$(now)
"$W" import --store "$T/ward.db" "$T/recs.ndjson" 2>"$T/import.log"
t1=$(now)
rate=$(echo "$N / ($t1 - $t0)" | bc)
echo "ward_import_rate=$rate/s ($(echo "$t1 - $t0" | bc) s) ratio_to_baseline=$(echo "scale=2; $rate / $base_rate" | bc)"
bpr=$(echo "$(stat -c %s "$T/ward.db") / $N" | bc)
echo "ward_store_bytes_per_record=$bpr (indexes + FTS included)"

# ---- sustained writer ingest (parsing timed separately)
"$ING" "$T/recs.ndjson" "$T/ingest.db" 1000 | sed 's/^/store_ingest: /'
rm -f "$T"/ingest.db*

# ---- queries: ward vs jq on the same records
host=node-05.prod
q1=(--hostname "$host")
q3=(--hostname "$host" --operation File --action Block)
w1=$(p50_ms 20 "$W" logs --store "$T/ward.db" --json --limit 100 "${q1[@]}")
w3=$(p50_ms 20 "$W" logs --store "$T/ward.db" --json --limit 100 "${q3[@]}")
j1=$(p50_ms 3 sh -c "jq -c 'select(.HostName == \"$host\")' '$T/recs.ndjson' | tail -n 100")
j3=$(p50_ms 3 sh -c "jq -c 'select(.HostName == \"$host\" and .Operation == \"File\" and .Action == \"Block\")' '$T/recs.ndjson' | tail -n 100")
echo "query_1field_p50_ms=$w1 jq_ms=$j1 speedup=$(echo "$j1 / $w1" | bc)x"
# the same queries in process (no process start), and what starting ward costs here
echo "ward_help_p50_ms=$(p50_ms 20 "$W" --help)"
"$SQ" -n 20 "$T/ward.db" -- "host:hostname=$host" "host3:hostname=$host:operation=File:action=Block" | sed 's/^/in_process: /'
echo "query_3field_p50_ms=$w3 jq_ms=$j3 speedup=$(echo "$j3 / $w3" | bc)x"
# same answers?
"$W" logs --store "$T/ward.db" --json --limit 100 "${q3[@]}" 2>/dev/null | jq -c -S . >"$T/a"
jq -c "select(.HostName == \"$host\" and .Operation == \"File\" and .Action == \"Block\")" "$T/recs.ndjson" | tail -n 100 | tac | jq -c -S . >"$T/b"
cmp -s "$T/a" "$T/b" && echo "query_answers_equal_jq=yes" || echo "query_answers_equal_jq=NO"
rm -f "$T/recs.ndjson"

# ---- the big store: BIG rows for query latency. Importing BIG records through JSON would take
# most of an hour on a shared 2-core machine, so rows N+1..BIG are copies of the first N made
# with INSERT ... SELECT (same columns, ids and times shifted past the originals, every index
# maintained). The copies are not on the hash chain (verify would flag them): the big store is
# for query latency only.
# On the block layout (the default) the copies are whole blocks rebuilt with ids and times moved
# (tests/helpers/store_edit replicate), postings included.
layout=$(sqlite3 "$T/ward.db" "SELECT coalesce((SELECT v FROM meta WHERE k = 'layout'), 'rows')")
echo "layout=$layout"
if [ "$BIG" -gt 0 ]; then
	t0=$(now)
	if [ "$layout" = blocks ]; then
		"$EDIT" "$T/ward.db" replicate $((BIG / N - 1))
		t1=$(now)
		total=$("$EDIT" "$T/ward.db" count | cut -d' ' -f1)
	else
		cols=$(sqlite3 "$T/ward.db" "SELECT group_concat(name, ', ') FROM pragma_table_info('records') WHERE name NOT IN ('id', 'ts')")
		span=$(sqlite3 "$T/ward.db" "SELECT max(ts) - min(ts) + 1000000000 FROM records")
		k=1
		while [ $((N * (k + 1))) -le "$BIG" ]; do
			sqlite3 "$T/ward.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;
				INSERT INTO records(id, ts, $cols) SELECT id + $((k * N)), ts + $k * $span, $cols FROM records WHERE id <= $N;" >/dev/null
			k=$((k + 1))
		done
		sqlite3 "$T/ward.db" "PRAGMA analysis_limit=1000; ANALYZE records;"
		t1=$(now)
		total=$(sqlite3 "$T/ward.db" "SELECT count(*) FROM records")
	fi
	echo "big_store_rows=$total fill_s=$(echo "$t1 - $t0" | bc) bytes_per_record=$(echo "$(stat -c %s "$T/ward.db") / $total" | bc)"
	b1=$(p50_ms 20 "$W" logs --store "$T/ward.db" --json --limit 100 "${q1[@]}")
	b3=$(p50_ms 20 "$W" logs --store "$T/ward.db" --json --limit 100 "${q3[@]}")
	echo "big_query_1field_p50_ms=$b1 big_query_3field_p50_ms=$b3"
	bt=$(p50_ms 5 "$W" logs --store "$T/ward.db" --json --limit 100 --where 'Resource ~ passwd')
	echo "big_query_substring_p50_ms=$bt"
	"$SQ" -n 20 "$T/ward.db" -- "host:hostname=$host" "host3:hostname=$host:operation=File:action=Block" | sed 's/^/big_in_process: /'
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
