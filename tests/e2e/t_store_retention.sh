#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_retention: with a size bound the store's used size stays under it while ingest
# continues (oldest records go first, newest stay), and with an age bound old records go;
# the chain verifies throughout.
set -u
. "$(dirname "$0")/store_lib.sh"
bound=$((1536 * 1024))
prev_first=0
for round in 1 2 3 4 5 6; do
	"$GEN" 4000 $((100 + round)) --start $((1764547200 + round * 100)) >"$D/r$round.ndjson"
	"$W" import --store "$S" --max-size 1536KiB "$D/r$round.ndjson" 2>/dev/null
	used=$(sqlite3 "$S" 'SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())')
	used=$((used * 4096))
	first=$(st_min_id "$S")
	last=$(st_max_id "$S")
	if [ "$used" -le "$bound" ] && [ "$last" = $((round * 4000)) ] && [ "$first" -ge "$prev_first" ]; then
		ok "round $round: used $used <= $bound bytes, ids $first..$last"
	else
		nok "round $round: used $used (bound $bound), ids $first..$last"
	fi
	prev_first=$first
done
[ "$prev_first" -gt 1 ] && ok "old records were deleted" || nok "nothing was deleted"
tail -n 1 "$D/r6.ndjson" >"$D/want"
"$W" logs --store "$S" --json --limit 1 >"$D/got"
same_set "the newest record is kept" "$D/want" "$D/got"
"$W" logs verify --store "$S" >/dev/null && ok "chain verifies after size retention" || nok "verify after size retention"

now=$(date +%s)
"$GEN" 300 7 --start $((now - 7200)) --step-ms 20000 >"$D/age.ndjson"
"$W" import --store "$D/a.db" --max-age 1h "$D/age.ndjson" 2>/dev/null
oldest=$(st_min_ts_s "$D/a.db")
cutoff=$((now - 3600))
want=$(jq -c "select(.Timestamp >= $((cutoff + 5)))" "$D/age.ndjson" | wc -l)
n=$(st_count "$D/a.db")
[ "$oldest" -ge $((cutoff - 5)) ] && [ "$n" -ge "$want" ] && ok "--max-age 1h: oldest kept record is $((now - oldest)) s old, $n records kept" || nok "--max-age: oldest $oldest cutoff $cutoff n=$n want>=$want"
"$W" logs verify --store "$D/a.db" >/dev/null && ok "chain verifies after age retention" || nok "verify after age retention"
exit $((FAILS > 0))
