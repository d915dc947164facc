# SPDX-License-Identifier: Apache-2.0
# store_lib.sh - shared bits of the store's e2e scripts (sourced, not a test itself).
W=${WARD_BIN:?WARD_BIN not set}
TOP=${WARD_TOP:?WARD_TOP not set}
case "${WARD_BUILD:-build}" in
/*) B=${WARD_BUILD} ;;
*) B=$TOP/${WARD_BUILD:-build} ;;
esac
GEN=$B/tests/helpers/gen_records
D=$(mktemp -d /tmp/ward-store-e2e.XXXXXX)
S=$D/ward.db
cleanup() {
	local p
	for p in ${BG_PIDS:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
FAILS=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
# same_set WHAT FILE_A FILE_B: the two NDJSON files hold the same records (key order ignored)
same_set() {
	local what=$1
	if ! cmp -s <(jq -c -S . "$2" | sort) <(jq -c -S . "$3" | sort); then
		nok "$what ($(wc -l <"$2") vs $(wc -l <"$3") records)"
		diff <(jq -c -S . "$2" | sort) <(jq -c -S . "$3" | sort) | head -n 6
		return 1
	fi
	ok "$what ($(wc -l <"$2") records)"
}
[ -x "$GEN" ] || { nok "generator $GEN built (make tests)"; exit 1; }

# ---- the same questions on either layout (rows: the records table; blocks: src/store/block.c,
# whose records table is a virtual table the sqlite3 CLI cannot read) ----
EDIT=$B/tests/helpers/store_edit
is_blocks() { [ "$(sqlite3 "$1" "SELECT v FROM meta WHERE k = 'layout'")" = blocks ]; }
# st_stat DB → "COUNT MIN_ID MAX_ID"
st_stat() {
	if is_blocks "$1"; then "$EDIT" "$1" count
	else sqlite3 -separator ' ' "$1" 'SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM records'; fi
}
st_count() { st_stat "$1" | cut -d' ' -f1; }
st_min_id() { st_stat "$1" | cut -d' ' -f2; }
st_max_id() { st_stat "$1" | cut -d' ' -f3; }
# oldest record's ts in seconds
st_min_ts_s() {
	if is_blocks "$1"; then sqlite3 "$1" 'SELECT min(ts_min) / 1000000000 FROM blocks'
	else sqlite3 "$1" 'SELECT min(ts) / 1000000000 FROM records'; fi
}
# st_add_pid DB ID DELTA: edit a record's PID behind ward's back (no hash fixed)
st_add_pid() {
	if is_blocks "$1"; then "$EDIT" "$1" pid "$2" "$3"
	else sqlite3 "$1" "UPDATE records SET pid = pid + ($3) WHERE id = $2"; fi
}
st_delete() {
	if is_blocks "$1"; then "$EDIT" "$1" delete "$2"
	else sqlite3 "$1" "DELETE FROM records WHERE id = $2"; fi
}
# st_forge DB ID: a record appended after the head by hand (a copy of record 5 under ID)
st_forge() {
	if is_blocks "$1"; then "$EDIT" "$1" copy 5 "$2"
	else sqlite3 "$1" "INSERT INTO records(id, ts, present, pid, hash) SELECT $2, ts, present, pid, hash FROM records WHERE id = 5"; fi
}
[ -x "$EDIT" ] || { nok "helper $EDIT built (make tests)"; exit 1; }
