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
