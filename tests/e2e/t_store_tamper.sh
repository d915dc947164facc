#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_tamper: `ward logs verify` passes on an untouched store and fails (exit 1) naming the
# record when one is edited with the sqlite3 CLI (or, on the block layout, the store_edit helper),
# deleted from the middle, or appended by hand.
set -u
. "$(dirname "$0")/store_lib.sh"
"$GEN" 1000 11 >"$D/src.ndjson"
"$W" import --store "$S" "$D/src.ndjson" 2>/dev/null
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 0 ] && [ "$out" = "ward logs verify: ok: 1000 records, chain intact" ] && ok "untouched store verifies" || nok "untouched store: rc=$rc $out"

st_add_pid "$S" 500 1
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record 500 was edited" && ok "an edited PID is found: $out" || nok "edited PID: rc=$rc $out"
st_add_pid "$S" 500 -1
"$W" logs verify --store "$S" >/dev/null && ok "undoing the edit verifies again" || nok "undo edit"

# editing a dictionary string changes every record that uses it; the first one is named
# (ids follow the input's lines: the import stores every record, in order)
first=$(jq -c .Resource "$D/src.ndjson" | grep -n -m1 '^"/etc/passwd"$' | cut -d: -f1)
sqlite3 "$S" "UPDATE tdict SET s = '/etc/passwd-' WHERE s = '/etc/passwd'"
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record $first was edited" && ok "an edited Resource string is found at record $first" || nok "edited dictionary string: rc=$rc $out (want $first)"
sqlite3 "$S" "UPDATE tdict SET s = '/etc/passwd' WHERE s = '/etc/passwd-'"

st_delete "$S" 700
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && [ "$out" = "ward logs verify: FAILED: record 700 was deleted" ] && ok "a deleted record is named" || nok "deleted record: rc=$rc $out"

# a forged record appended after the head
"$W" import --store "$D/b.db" "$D/src.ndjson" 2>/dev/null
st_forge "$D/b.db" 1001
out=$("$W" logs verify --store "$D/b.db")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record 1001 .*inserted" && ok "an inserted record is named" || nok "inserted record: rc=$rc $out"

# retention is not tampering: the anchor moves with it
"$W" import --store "$D/c.db" --max-size 256KiB "$D/src.ndjson" 2>/dev/null
out=$("$W" logs verify --store "$D/c.db")
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "removed by retention" && ok "retention keeps the chain verifiable: $out" || nok "retention: rc=$rc $out"
exit $((FAILS > 0))
