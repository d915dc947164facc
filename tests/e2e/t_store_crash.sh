#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_crash: `kill -9` of `ward import` in the middle of a large import, then reopen:
# PRAGMA integrity_check is ok, every batch the importer acknowledged as committed is there,
# what is there is exactly the first N input records, and the hash chain verifies.
set -u
. "$(dirname "$0")/store_lib.sh"
"$GEN" 200000 21 >"$D/src.ndjson"
"$W" import --store "$S" --progress "$D/src.ndjson" 2>"$D/progress" &
pid=$!
BG_PIDS=$pid
for _ in $(seq 1 300); do
	n=$(grep -c '^committed ' "$D/progress")
	[ "$n" -ge 2 ] && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
BG_PIDS=
acked=$(sed -n 's/^committed //p' "$D/progress" | tail -n 1)
[ -n "$acked" ] && ok "importer acknowledged $acked records before the kill" || nok "no commit acknowledged before the kill"
grep -q 'records imported' "$D/progress" && nok "the import finished before the kill (data set too small)" || ok "the import was killed mid-way"
ic=$(sqlite3 "$S" 'PRAGMA integrity_check')
[ "$ic" = ok ] && ok "integrity_check ok after kill -9" || nok "integrity_check: $ic"
n=$(st_count "$S")
[ "$n" -ge "${acked:-1}" ] && ok "all $acked acknowledged records present ($n stored)" || nok "acknowledged records lost: $n < $acked"
"$W" logs --store "$S" --json --limit 0 >"$D/got"
head -n "$n" "$D/src.ndjson" >"$D/want"
same_set "the stored records are exactly the first $n input records" "$D/want" "$D/got"
out=$("$W" logs verify --store "$S")
[ $? -eq 0 ] && ok "chain verifies after the crash: $out" || nok "verify after crash: $out"
# the store keeps working: resume appending
"$GEN" 100 22 --start 1900000000 >"$D/more.ndjson"
"$W" import --store "$S" "$D/more.ndjson" 2>/dev/null && "$W" logs verify --store "$S" >/dev/null &&
	ok "appending after the crash keeps the chain" || nok "append after crash"
exit $((FAILS > 0))
