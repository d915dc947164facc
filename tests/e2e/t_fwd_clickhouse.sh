#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Forwarding to a real ClickHouse (Debian's clickhouse-server, started here on private ports
# with its data in a temp dir): the table is created (MergeTree partitioned by day), batches
# of JSONEachRow rows arrive, and a GROUP BY over HTTP matches what was sent.
set -u
top=${WARD_TOP:?}
drive="$top/${WARD_BUILD:-build}/bench/fwd_drive"
W=$(mktemp -d /tmp/ward-fwd-ch.XXXXXX)
HTTP=18420 TCP=18421
pid=
cleanup() {
	# not our child (scripts/clickhouse-private started it): wait until it is gone
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -rf "$W"
}
trap cleanup EXIT
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
q() { curl -s --data-binary "$1" "http://127.0.0.1:$HTTP/"; }

t0=$(date +%s%N)
"$WARD_TOP/scripts/clickhouse-private" "$W" "$HTTP" "$TCP"
up=$?
pid=$(cat "$W/pid" 2>/dev/null)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$up" = 0 ] && ok "clickhouse-server $(q 'SELECT version()') up in ${ms} ms" ||
	{ nok "clickhouse-server started (apt-get install clickhouse-server)"; exit 1; }

N=20000
cat >"$W/ch.yaml" <<Y
outputs:
  - name: ch
    type: clickhouse
    url: http://127.0.0.1:$HTTP
    table: ward_records
    create_table: true
    queue_size: 65536
    batch_max: 2000
    inserts_in_flight: 2
    flush_ms: 20
Y
"$drive" --config "$W/ch.yaml" --spool "$W/spool" --count $N --wait-ms 30000 >"$W/ch.json"
sent=$(jq '.outputs[0].sent' "$W/ch.json")
[ "$sent" = $N ] && ok "$N records acknowledged by ClickHouse" || nok "acknowledged: $sent of $N ($(cat "$W/ch.json"))"

got=$(q "SELECT Operation, Action, count(), uniqExact(Message) FROM default.ward_records GROUP BY Operation, Action ORDER BY Operation, Action FORMAT TabSeparated")
want=$(python3 -c "
import collections
c = collections.Counter((['Process','File','Network'][i % 3], 'Block' if i % 2 else 'Audit') for i in range($N))
for (o, a), n in sorted(c.items()): print('%s\t%s\t%d\t%d' % (o, a, n, n))")
[ "$got" = "$want" ] && ok "SELECT count() ... GROUP BY Operation, Action matches what was sent" ||
	nok "GROUP BY differs: got [$got] want [$want]"
n=$(q "SELECT count() FROM default.ward_records WHERE Message = 'alert 12346' AND Resource = '/etc/shadow' AND HostName = 'bench-host' AND Severity = '7' AND Action = 'Audit' AND HostPID = 3346")
[ "$n" = 1 ] && ok "a single row reads back with its fields" || nok "row alert 12346: $n"
part=$(q "SELECT DISTINCT partition FROM system.parts WHERE table = 'ward_records' AND active")
[ "$part" = "$(date -u +%Y%m%d)" ] && ok "partitioned by day ($part)" || nok "partition: $part"
eng=$(q "SELECT engine FROM system.tables WHERE name = 'ward_records'")
[ "$eng" = MergeTree ] && ok "table created as MergeTree" || nok "engine: $eng"
batches=$(q "SELECT count() FROM system.parts WHERE table = 'ward_records'")
[ "$batches" -le $((N / 100)) ] && ok "rows arrive in batches ($batches parts for $N rows)" || nok "too many parts: $batches"
