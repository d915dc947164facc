#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_tamper: `ward logs verify` passes on an untouched store and fails (exit 1) naming the
# record when one is edited with the sqlite3 CLI, deleted from the middle, or appended by hand.
set -u
. "$(dirname "$0")/store_lib.sh"
"$GEN" 1000 11 >"$D/src.ndjson"
"$W" import --store "$S" "$D/src.ndjson" 2>/dev/null
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 0 ] && [ "$out" = "ward logs verify: ok: 1000 records, chain intact" ] && ok "untouched store verifies" || nok "untouched store: rc=$rc $out"

sqlite3 "$S" "UPDATE records SET pid = pid + 1 WHERE id = 500"
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record 500 was edited" && ok "an edited PID is found: $out" || nok "edited PID: rc=$rc $out"
sqlite3 "$S" "UPDATE records SET pid = pid - 1 WHERE id = 500"
"$W" logs verify --store "$S" >/dev/null && ok "undoing the edit verifies again" || nok "undo edit"

# editing a dictionary string changes every record that uses it; the first one is named
first=$(sqlite3 "$S" "SELECT min(r.id) FROM records r JOIN tdict t ON t.id = r.resource WHERE t.s = '/etc/passwd'")
sqlite3 "$S" "UPDATE tdict SET s = '/etc/passwd-' WHERE s = '/etc/passwd'"
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record $first was edited" && ok "an edited Resource string is found at record $first" || nok "edited dictionary string: rc=$rc $out (want $first)"
sqlite3 "$S" "UPDATE tdict SET s = '/etc/passwd' WHERE s = '/etc/passwd-'"

sqlite3 "$S" "DELETE FROM records WHERE id = 700"
out=$("$W" logs verify --store "$S")
rc=$?
[ $rc -eq 1 ] && [ "$out" = "ward logs verify: FAILED: record 700 was deleted" ] && ok "a deleted record is named" || nok "deleted record: rc=$rc $out"

# a forged record appended after the head
"$W" import --store "$D/b.db" "$D/src.ndjson" 2>/dev/null
sqlite3 "$D/b.db" "INSERT INTO records(id, ts, present, pid, hash) VALUES(1001, 0, 1, 4, zeroblob(32))"
out=$("$W" logs verify --store "$D/b.db")
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "record 1001 .*inserted" && ok "an inserted record is named" || nok "inserted record: rc=$rc $out"

# retention is not tampering: the anchor moves with it
"$W" import --store "$D/c.db" --max-size 256KiB "$D/src.ndjson" 2>/dev/null
out=$("$W" logs verify --store "$D/c.db")
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "removed by retention" && ok "retention keeps the chain verifiable: $out" || nok "retention: rc=$rc $out"
exit $((FAILS > 0))
