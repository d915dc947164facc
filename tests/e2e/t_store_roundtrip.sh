#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_roundtrip: the three seed records (spec/seed-examples.md) go through `ward import`
# and come back from `ward logs --json` field for field; malformed input is reported with its
# FILE:LINE and skipped; stdin and NDJSON work too.
set -u
. "$(dirname "$0")/store_lib.sh"
SEED=$TOP/tests/e2e/data/seed-examples.json

out=$("$W" import --store "$S" "$SEED" 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "import of the pretty-printed seed examples exits 0" || nok "import exit $rc: $out"
"$W" logs --store "$S" --json --limit 0 >"$D/got.ndjson"
# exactly what came in: the seed records have Tags without ATags, so none is added
jq -c . "$SEED" >"$D/want.ndjson"
same_set "seed records come back field for field" "$D/want.ndjson" "$D/got.ndjson"
n=$(jq -s 'length' "$D/got.ndjson")
[ "$n" = 3 ] && ok "three records stored" || nok "three records stored (got $n)"
# newest first
order=$(jq -r .Timestamp "$D/got.ndjson" | tr '\n' ' ')
[ "$order" = "1717156232 1717155559 1716918832 " ] && ok "newest first" || nok "newest first: $order"

# the same records as NDJSON through stdin land in a second store identically
jq -c . "$SEED" | "$W" import --store "$D/b.db" - 2>/dev/null
"$W" logs --store "$D/b.db" --json --limit 0 >"$D/got2.ndjson"
same_set "NDJSON on stdin imports the same records" "$D/want.ndjson" "$D/got2.ndjson"

# ATags that is not the split of Tags, and a Timestamp that is not UpdatedTime's second, come
# back as they were written (ward derives both only when they agree)
cat >"$D/odd.ndjson" <<'X'
{"Timestamp":1700000000,"UpdatedTime":"2025-12-01T00:00:00.000210Z","HostName":"ts","PPID":0,"UID":0,"Tags":"a,b","ATags":["a","b"],"Type":"HostLog"}
{"Timestamp":1764547200,"UpdatedTime":"2025-12-01T00:00:00.000211Z","HostName":"other","PPID":0,"UID":0,"Tags":"a,b","ATags":["x"],"Type":"HostLog"}
{"Timestamp":1764547200,"UpdatedTime":"2025-12-01T00:00:00.000212Z","HostName":"comma","PPID":0,"UID":0,"Tags":"a,b","ATags":["a,b"],"Type":"HostLog"}
{"Timestamp":1764547200,"UpdatedTime":"2025-12-01T00:00:00.000213Z","HostName":"empty","PPID":0,"UID":0,"ATags":[],"Type":"HostLog"}
{"Timestamp":1764547200,"UpdatedTime":"2025-12-01T00:00:00.000214Z","HostName":"escaped\u00e9","PPID":0,"UID":0,"Tags":"a","ATags":["a",3],"Type":"HostLog"}
{"Timestamp":1764547200,"UpdatedTime":"2025-12-01T00:00:00.000215Z","HostName":"same","PPID":0,"UID":0,"Tags":"a,b","ATags":["a","b"],"Type":"HostLog"}
X
"$W" import --store "$D/odd.db" "$D/odd.ndjson" >/dev/null 2>&1
"$W" logs --store "$D/odd.db" --json --limit 0 >"$D/odd-got.ndjson"
same_set "odd ATags and Timestamp come back as written" "$D/odd.ndjson" "$D/odd-got.ndjson"

# malformed records: reported with FILE:LINE and skipped, the good ones imported
cat >"$D/bad.ndjson" <<'X'
{"Timestamp":1,"HostName":"good1"}
{"Timestamp":2,"PID":"abc"}
hello
{"Timestamp":3,"HostName":
{"Timestamp":4,"HostName":"good2","Unknown":{"k":[1,2]}}
X
err=$("$W" import --store "$D/c.db" "$D/bad.ndjson" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && ok "malformed input exits 1" || nok "malformed input exits 1 (got $rc)"
echo "$err" | grep -q "^$D/bad.ndjson:2: error: 'PID': expected an integer$" &&
	ok "bad field reported as FILE:2" || nok "bad field reported as FILE:2: $err"
echo "$err" | grep -q "^$D/bad.ndjson:3: error: " && ok "junk line reported as FILE:3" || nok "junk line reported: $err"
echo "$err" | grep -q "^$D/bad.ndjson:4:" && ok "truncated object reported as FILE:4" || nok "truncated object reported: $err"
got=$("$W" logs --store "$D/c.db" --json --limit 0 | jq -r .HostName | sort | tr '\n' ' ')
[ "$got" = "good1 good2 " ] && ok "good records around the bad ones imported" || nok "good records imported: $got"
x=$("$W" logs --store "$D/c.db" --json --hostname good2 | jq -c .Unknown)
[ "$x" = '{"k":[1,2]}' ] && ok "unknown keys kept verbatim" || nok "unknown keys kept: $x"
exit $((FAILS > 0))
