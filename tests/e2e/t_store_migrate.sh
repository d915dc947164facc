#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_migrate: a store written by schema version 1 (tests/e2e/data/store_v1.db.gz, made by
# `ward import` of `gen_records 50 7 --start 1764547200` before version 2) opens with this ward:
# it is migrated to version 3 (the Type/Operation indexes dropped; a store holding records
# keeps the row layout), its records read back
# unchanged, its hash chain (format 1, JSON) still verifies, new records extend that chain in
# format 1, and a tampered migrated store is still caught. A new store uses hash format 2.
set -u
. "$(dirname "$0")/store_lib.sh"
gzip -dc "$TOP/tests/e2e/data/store_v1.db.gz" >"$S"
"$GEN" 50 7 --start 1764547200 >"$D/v1.ndjson"

[ "$(sqlite3 "$S" 'PRAGMA user_version')" = 1 ] && ok "fixture is a version 1 store" || nok "fixture version"
"$W" logs --store "$S" --json --limit 1000 >"$D/got" 2>/dev/null
same_set "version 1 records read back after migration" "$D/v1.ndjson" "$D/got"
[ "$(sqlite3 "$S" 'PRAGMA user_version')" = 3 ] && ok "store migrated to version 3" || nok "not migrated"
is_blocks "$S" && nok "a store holding records changed layout" || ok "the migrated store keeps its rows"
idx=$(sqlite3 "$S" "SELECT count(*) FROM sqlite_master WHERE name IN ('records_type', 'records_operation')")
[ "$idx" = 0 ] && ok "Type and Operation indexes dropped" || nok "indexes left: $idx"
[ -z "$(sqlite3 "$S" "SELECT v FROM meta WHERE k = 'hash_format'")" ] && ok "migrated chain keeps hash format 1" || nok "hash_format set on a started chain"
"$W" logs verify --store "$S" >/dev/null && ok "migrated chain verifies" || nok "migrated chain does not verify"
"$GEN" 30 8 --start 1764550000 >"$D/more.ndjson"
"$W" import --store "$S" "$D/more.ndjson" 2>/dev/null
n=$(sqlite3 "$S" 'SELECT count(*) FROM records')
[ "$n" = 80 ] && ok "appended to the migrated store (80 records)" || nok "records after append: $n"
"$W" logs verify --store "$S" >/dev/null && ok "chain verifies after appending in format 1" || nok "verify after append"
sqlite3 "$S" "UPDATE records SET pid = pid + 1 WHERE id = 20"
"$W" logs verify --store "$S" >/dev/null 2>&1 && nok "edit of a migrated record not detected" || ok "edit of a migrated record is detected"

"$W" import --store "$D/new.db" "$D/v1.ndjson" 2>/dev/null
[ "$(sqlite3 "$D/new.db" "SELECT v FROM meta WHERE k = 'hash_format'")" = 2 ] && ok "a new store uses hash format 2" || nok "new store hash format"
"$W" logs verify --store "$D/new.db" >/dev/null && ok "format 2 chain verifies" || nok "format 2 verify"
exit $((FAILS > 0))
