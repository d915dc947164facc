#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_store_filters: every `ward logs` filter flag and every --where operator, on a generated
# data set with quotes, %, _, backslashes and SQL text in values, against the same selection
# computed independently with jq over the source NDJSON. Also --limit, newest first, --since/
# --until, --group-by, the text form, the unknown-field error and --follow.
set -u
. "$(dirname "$0")/store_lib.sh"
SRC=$D/src.ndjson
"$GEN" 3000 3 --tricky >"$SRC"
"$W" import --store "$S" "$SRC" 2>/dev/null || nok "import"

# check WHAT JQ_FILTER -- WARD_ARGS...
check() {
	local what=$1 jqf=$2
	shift 3
	jq -c "select($jqf)" "$SRC" >"$D/want"
	if ! "$W" logs --store "$S" --json --limit 0 "$@" >"$D/got" 2>"$D/err"; then
		nok "$what: ward logs failed: $(cat "$D/err")"
		return
	fi
	if [ ! -s "$D/want" ]; then
		nok "$what: the data set has no matching record (test data problem)"
		return
	fi
	same_set "$what" "$D/want" "$D/got"
}
pick() { jq -r "select(.$1 != null) | .$1" "$SRC" | sed -n 17p; }
POD=$(pick PodName) CONT=$(pick ContainerName) CID=$(pick ContainerID) IMG=$(pick ContainerImage)
LAB=$(pick Labels) PID=$(pick PID) SRCV=$(pick Source)

check "--type alert" '.Type == "MatchedPolicy" or .Type == "MatchedHostPolicy"' -- --type alert
check "--type log" '.Type == "ContainerLog" or .Type == "HostLog"' -- --type log
check "--operation" '.Operation == "File"' -- --operation File
check "--action" '.Action == "Block"' -- --action Block
check "--result" '.Result == "Permission denied"' -- --result "Permission denied"
check "--policy" '.PolicyName == "restrict-curl"' -- --policy restrict-curl
check "--severity (at least)" '(.Severity // "0" | tonumber) >= 7' -- --severity 7
check "--hostname" '.HostName == "node-03.prod"' -- --hostname node-03.prod
check "--cluster" '.ClusterName == "prod-us"' -- --cluster prod-us
check "--namespace" '.NamespaceName == "ns-redis"' -- --namespace ns-redis
check "--pod" ".PodName == \"$POD\"" -- --pod "$POD"
check "--container" ".ContainerName == \"$CONT\"" -- --container "$CONT"
check "--container-id" ".ContainerID == \"$CID\"" -- --container-id "$CID"
check "--image" ".ContainerImage == \"$IMG\"" -- --image "$IMG"
check "--labels" ".Labels == \"$LAB\"" -- --labels "$LAB"
check "--enforcer" '.Enforcer == "fanotify"' -- --enforcer fanotify
check "--pid" ".PID == $PID" -- --pid "$PID"
check "--process" '.ProcessName == "/usr/bin/curl"' -- --process /usr/bin/curl
check "--parent" '.ParentProcessName == "/usr/bin/ls"' -- --parent /usr/bin/ls
check "--resource with SQL text" '.Resource == "'"'"'; DROP TABLE records; --"' -- --resource "'; DROP TABLE records; --"
check "--resource with quotes" '.Resource == "/tmp/it'"'"'s \"quoted\""' -- --resource "/tmp/it's \"quoted\""
check "--source" ".Source == \"$SRCV\"" -- --source "$SRCV"
check "--message" '.Message == "Raw socket blocked"' -- --message "Raw socket blocked"
check "--data" '.Data == "syscall=SYS_CONNECT fd=3"' -- --data "syscall=SYS_CONNECT fd=3"
check "--tag" '(.Tags // "" | split(",") | index("MITRE")) != null' -- --tag MITRE
check "--user" '.UserName == "root"' -- --user root
check "--cwd" '.Cwd == "/root/"' -- --cwd /root/
check "--tty" '.TTY == "pts0"' -- --tty pts0
check "--text (FTS words)" '[.Message, .Resource, .Source] | map(. // "" | test("\\bsocket\\b"; "i")) | any' -- --text socket
check "--since/--until RFC 3339" '.Timestamp >= 1764547201 and .Timestamp < 1764547202' -- --since 2025-12-01T00:00:01Z --until 2025-12-01T00:00:02Z
check "three flags ANDed" '.HostName == "node-05.prod" and .Operation == "File" and .Action == "Block"' -- --hostname node-05.prod --operation File --action Block

check "--where =" '.HostName == "node-05.prod"' -- --where 'HostName = node-05.prod'
check "--where !=" '(.Action // "") != "Block"' -- --where 'Action != Block'
check "--where ~ with % and _" '(.Resource // "") | contains("%_")' -- --where 'Resource ~ %_'
check "--where ~ with a backslash" '(.Resource // "") | contains("\\")' -- --where 'Resource ~ \'
check "--where ~ with a quote" '(.Resource // "") | contains("'"'"' OR")' -- --where "Resource ~ ' OR"
check "--where !~" '(.Source // "") | contains("bash") | not' -- --where 'Source !~ bash'
check "--where <" '.PID < 5000' -- --where 'PID < 5000'
check "--where <=" '.Severity != null and (.Severity | tonumber) <= 3' -- --where 'Severity <= 3'
check "--where >" '.HostPID > 150000' -- --where 'HostPID > 150000'
check "--where >=" '.UID >= 1000' -- --where 'UID >= 1000'
check "--where < on strings" '.ProcessName != null and .ProcessName < "/usr/bin/c"' -- --where 'ProcessName < /usr/bin/c'
check "--where = empty (field absent)" '.ContainerID == null' -- --where 'ContainerID ='
check "--where twice ANDed" '.Operation == "Network" and (.Resource | contains("sin_port=53"))' -- --where 'Operation = Network' --where 'Resource ~ sin_port=53'
n=$(st_count "$S")
[ "$n" = 3000 ] && ok "the records table is intact after the SQL-text filters" || nok "records table intact ($n)"

# --limit and order
tail -n 7 "$SRC" | tac >"$D/want7"
"$W" logs --store "$S" --json --limit 7 >"$D/got7"
cmp -s <(jq -c -S . "$D/want7") <(jq -c -S . "$D/got7") && ok "--limit 7 gives the 7 newest, newest first" || nok "--limit 7 newest first"
n=$("$W" logs --store "$S" --json | wc -l)
[ "$n" = 100 ] && ok "--limit defaults to 100" || nok "--limit defaults to 100 ($n)"
n=$("$W" logs --store "$S" --json --limit 0 | wc -l)
[ "$n" = 3000 ] && ok "--limit 0 means all" || nok "--limit 0 means all ($n)"

# cursor paging covers everything once
: >"$D/pages"
cur=""
for _ in $(seq 1 40); do
	"$W" logs --store "$S" --json --limit 1000 ${cur:+--cursor "$cur"} >"$D/page" 2>"$D/perr"
	cat "$D/page" >>"$D/pages"
	cur=$(sed -n 's/^ward logs: more records: --cursor //p' "$D/perr")
	[ -n "$cur" ] || break
done
same_set "--cursor pages cover every record once" "$SRC" "$D/pages"

# group-by counts against jq
"$W" logs --store "$S" --group-by Operation,Action --json --limit 0 | jq -c -S . | sort >"$D/gb"
jq -c -s 'group_by([.Operation, (.Action // "")]) | map({Operation: .[0].Operation, Action: (.[0].Action // ""), count: length}) | .[]' "$SRC" | jq -c -S . | sort >"$D/gbw"
cmp -s "$D/gb" "$D/gbw" && ok "--group-by Operation,Action counts match jq" || { nok "--group-by counts"; diff "$D/gb" "$D/gbw" | head; }

# text form: karmor's header and Key: value lines
"$W" logs --store "$S" --limit 1 --type alert >"$D/text"
head -n 1 "$D/text" | grep -qE '^== Alert / 2025-12-01 [0-9:]{8}\.[0-9]{6} ==$' && ok "text form header" || nok "text form header: $(head -n1 "$D/text")"
sed -n 2p "$D/text" | grep -qE '^ClusterName: prod-' && ok "text form starts with ClusterName" || nok "text form body: $(sed -n 2p "$D/text")"

# unknown field
err=$("$W" logs --store "$S" --where 'HostNme = x' 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$err" = "ward logs: unknown field 'HostNme' (did you mean 'HostName'?)" ] &&
	ok "unknown field exits 2 with a suggestion" || nok "unknown field: rc=$rc '$err'"

# --since with durations, against the wall clock: a second data set spread over the last 100 min
now=$(date +%s)
"$GEN" 200 5 --start $((now - 6000)) --step-ms 30000 >"$D/recent.ndjson"
"$W" import --store "$D/r.db" "$D/recent.ndjson" 2>/dev/null
b=$(date +%s)
"$W" logs --store "$D/r.db" --json --limit 0 --since 30m --until 10m >"$D/got"
a=$(date +%s)
jq -c "select(.Timestamp >= $((b - 1800)) and .Timestamp < $((b - 600)))" "$D/recent.ndjson" >"$D/wb"
jq -c "select(.Timestamp >= $((a - 1800)) and .Timestamp < $((a - 600)))" "$D/recent.ndjson" >"$D/wa"
if cmp -s <(jq -c -S . "$D/got" | sort) <(jq -c -S . "$D/wb" | sort) || cmp -s <(jq -c -S . "$D/got" | sort) <(jq -c -S . "$D/wa" | sort); then
	ok "--since 30m --until 10m ($(wc -l <"$D/got") records)"
else
	nok "--since 30m --until 10m"
fi

# --follow streams records stored after it started
"$W" logs --store "$S" --follow --json --operation Process >"$D/follow" 2>&1 &
BG_PIDS=$!
sleep 0.7
"$GEN" 50 9 --start 1800000000 >"$D/more.ndjson"
"$W" import --store "$S" "$D/more.ndjson" 2>/dev/null
jq -c 'select(.Operation == "Process")' "$D/more.ndjson" >"$D/wantf"
for _ in $(seq 1 50); do
	[ "$(wc -l <"$D/follow")" -ge "$(wc -l <"$D/wantf")" ] && break
	sleep 0.1
done
kill "$BG_PIDS"; wait "$BG_PIDS" 2>/dev/null; BG_PIDS=
same_set "--follow streams new matching records" "$D/wantf" "$D/follow"
exit $((FAILS > 0))
