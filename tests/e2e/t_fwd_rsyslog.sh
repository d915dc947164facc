#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Forwarding to a real rsyslog (Debian's rsyslogd, own config and work dir, private ports):
# RFC 5424 with CEF bodies over TCP (octet counting) and UDP arrive and parse as RFC 5424;
# rsyslog stopped for 30 s while 200 alerts are produced and started again: all 200 arrive.
set -u
top=${WARD_TOP:?}
drive="$top/${WARD_BUILD:-build}/bench/fwd_drive"
W=$(mktemp -d /tmp/ward-fwd-rsyslog.XXXXXX)
TCP=18401 UDP=18402
rs_pid=
drv_pid=
cleanup() {
	[ -n "$drv_pid" ] && kill "$drv_pid" 2>/dev/null
	[ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null && wait "$rs_pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }

if ! command -v rsyslogd >/dev/null; then
	nok "rsyslogd is installed (apt-get install rsyslog)"
	exit 1
fi
mkdir -p "$W/work"
# protocol-version is "1" only when rsyslog's RFC 5424 parser accepted the line
cat >"$W/rsyslog.conf" <<CONF
global(workDirectory="$W/work")
module(load="imtcp")
module(load="imudp")
template(name="parsed" type="string"
	string="%protocol-version%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\n")
ruleset(name="in") { action(type="omfile" file="$W/out.log" template="parsed") }
input(type="imtcp" port="$TCP" ruleset="in")
input(type="imudp" port="$UDP" ruleset="in")
CONF

start_rsyslog() {
	rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" >>"$W/rsyslog.err" 2>&1 &
	rs_pid=$!
	for _ in $(seq 100); do
		ss -ltn | grep -q ":$TCP " && return 0
		sleep 0.1
	done
	return 1
}
stop_rsyslog() {
	kill "$rs_pid" && wait "$rs_pid" 2>/dev/null
	rs_pid=
}
# distinct "alert N" messages in the output
distinct() { grep -o 'msg=alert [0-9]*' "$W/out.log" 2>/dev/null | sort -u | wc -l; }

start_rsyslog && ok "rsyslogd started on tcp/$TCP udp/$UDP" || { nok "rsyslogd started"; cat "$W/rsyslog.err"; exit 1; }

cat >"$W/tcp.yaml" <<Y
outputs:
  - name: siem
    type: syslog
    address: tcp://127.0.0.1:$TCP
    format: cef
    flush_ms: 20
    retry_initial_ms: 100
    retry_max_ms: 1000
Y
out=$("$drive" --config "$W/tcp.yaml" --spool "$W/spool" --count 100 --wait-ms 10000)
for _ in $(seq 50); do [ "$(distinct)" -ge 100 ] && break; sleep 0.1; done
[ "$(distinct)" = 100 ] && ok "100 alerts over TCP arrive" || nok "100 alerts over TCP arrive (got $(distinct); $out)"
bad=$(grep -v '^1|bench-host|ward|[0-9]*|MatchedHostPolicy|\[ward@32473 type="MatchedHostPolicy" policy="ksp-bench" severity="[0-9]*" action="[A-Za-z]*" .*\]|CEF:0|ward|ward|0.1|ksp-bench|alert [0-9]*|[0-9]*|rt=[0-9]* dvchost=bench-host ' "$W/out.log" | head -3)
[ -z "$bad" ] && ok "every TCP line parses as RFC 5424 with structured data and a CEF body" || nok "RFC 5424 + CEF: $bad"
grep -q 'filePath=/etc/shadow' "$W/out.log" && grep -q 'dproc=/usr/bin/apt update' "$W/out.log" &&
	ok "CEF extension carries filePath and dproc" || nok "CEF extension fields"

: >"$W/out.log"
sed "s#tcp://127.0.0.1:$TCP#udp://127.0.0.1:$UDP#" "$W/tcp.yaml" >"$W/udp.yaml"
out=$("$drive" --config "$W/udp.yaml" --spool "$W/spool-udp" --count 100 --rate 2000 --wait-ms 10000)
for _ in $(seq 50); do [ "$(distinct)" -ge 100 ] && break; sleep 0.1; done
[ "$(distinct)" = 100 ] && ok "100 alerts over UDP arrive" || nok "100 alerts over UDP arrive (got $(distinct); $out)"
bad=$(grep -vc '^1|bench-host|ward|' "$W/out.log")
[ "$bad" = 0 ] && ok "every UDP datagram parses as RFC 5424" || nok "UDP lines not RFC 5424: $bad"

# outage: 200 alerts at 10/s; rsyslog down from t=2s to t=32s
: >"$W/out.log"
"$drive" --config "$W/tcp.yaml" --spool "$W/spool-outage" --count 200 --rate 10 --wait-ms 60000 >"$W/outage.json" 2>"$W/outage.err" &
drv_pid=$!
sleep 2
stop_rsyslog
before=$(distinct)
sleep 30
start_rsyslog || nok "rsyslogd restarted"
wait "$drv_pid"
drv_pid=
for _ in $(seq 50); do [ "$(distinct)" -ge 200 ] && break; sleep 0.1; done
n=$(distinct)
[ "$n" = 200 ] && ok "rsyslog down for 30 s: all 200 alerts arrive ($before before the stop)" ||
	nok "rsyslog down for 30 s: all 200 alerts arrive (got $n; $(cat "$W/outage.json"))"
total=$(grep -c 'msg=alert ' "$W/out.log")
retried=$(jq '.outputs[0].retried' "$W/outage.json")
fail=$(jq '.outputs[0].failures' "$W/outage.json")
[ "$fail" -gt 0 ] && ok "the outage was seen: $fail failed attempts, $retried items resent, $((total - n)) duplicates at the receiver" ||
	nok "the outage was seen (failures=$fail)"
[ $((total - n)) -le "$retried" ] && ok "duplicates ($((total - n))) are bounded by the counted resends ($retried)" ||
	nok "duplicates $((total - n)) > counted resends $retried"
