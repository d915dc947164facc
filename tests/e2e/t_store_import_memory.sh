#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_import_memory: `ward import` streams its input through a bounded buffer and queue and
# the writer's SQLite cache is bounded, so peak RSS stays under a fixed bound (64 MiB) for an
# input larger than that, from a file and from a pipe; every record arrives; a record longer than
# the buffer's limit (16 MiB) is reported with its line and skipped, the next one imported.
set -u
. "$(dirname "$0")/store_lib.sh"
TIME=/usr/bin/time
[ -x "$TIME" ] || { nok "/usr/bin/time installed (GNU time, for max RSS)"; exit 1; }
bound_kb=$((64 * 1024))
N=200000
"$GEN" "$N" 7 >"$D/recs.ndjson"
size_kb=$(($(stat -c %s "$D/recs.ndjson") / 1024))
[ "$size_kb" -gt "$bound_kb" ] && ok "input is ${size_kb} KiB, larger than the bound" ||
	nok "input is only ${size_kb} KiB"

# max_rss LOG: the "Maximum resident set size" of a /usr/bin/time -v log, in KiB
max_rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

"$TIME" -v -o "$D/time1" "$W" import --store "$S" "$D/recs.ndjson" 2>"$D/err1"
rc=$?
rss=$(max_rss "$D/time1")
[ "$rc" = 0 ] && ok "import of $N records from a file exits 0" || { nok "import exit $rc"; head -3 "$D/err1"; }
[ -n "$rss" ] && [ "$rss" -lt "$bound_kb" ] && ok "file import: max RSS ${rss} KiB < ${bound_kb} KiB" ||
	nok "file import: max RSS ${rss:-?} KiB (bound ${bound_kb} KiB)"
n=$(st_count "$S")
[ "$n" = "$N" ] && ok "all $N records stored" || nok "$n records stored, want $N"

cat "$D/recs.ndjson" | "$TIME" -v -o "$D/time2" "$W" import --store "$D/pipe.db" - 2>"$D/err2"
rc=$?
rss=$(max_rss "$D/time2")
[ "$rc" = 0 ] && ok "import from a pipe exits 0" || { nok "pipe import exit $rc"; head -3 "$D/err2"; }
[ -n "$rss" ] && [ "$rss" -lt "$bound_kb" ] && ok "pipe import: max RSS ${rss} KiB < ${bound_kb} KiB" ||
	nok "pipe import: max RSS ${rss:-?} KiB (bound ${bound_kb} KiB)"
n=$(st_count "$D/pipe.db")
[ "$n" = "$N" ] && ok "all $N records stored from the pipe" || nok "$n records from the pipe, want $N"
"$W" logs verify --store "$S" >/dev/null && ok "chain verifies" || nok "chain does not verify"

# an over-long line between two good records
{
	sed -n 1p "$D/recs.ndjson"
	printf '{"HostName":"'
	head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' a
	printf '"}\n'
	sed -n 2p "$D/recs.ndjson"
} >"$D/long.ndjson"
"$W" import --store "$D/long.db" "$D/long.ndjson" 2>"$D/err3"
rc=$?
n=$(st_count "$D/long.db")
[ "$rc" = 1 ] && grep -q "long.ndjson:2: error: record longer than 16 MiB" "$D/err3" && [ "$n" = 2 ] &&
	ok "a 17 MiB line is reported as FILE:2 and skipped, the records around it imported" ||
	{ nok "over-long line: exit $rc, $n records, stderr: $(head -c 200 "$D/err3")"; }
[ "$FAILS" = 0 ]
