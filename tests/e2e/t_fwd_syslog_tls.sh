#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Syslog over TLS (RFC 5425): `openssl s_server` with a test CA-signed certificate receives
# octet-counted RFC 5424 frames; a receiver whose name does not match the certificate is
# refused (nothing sent, failures counted, records kept in the spool).
# (Debian's rsyslog has no TLS driver installed by default, hence s_server as the receiver.)
set -u
top=${WARD_TOP:?}
drive="$top/${WARD_BUILD:-build}/bench/fwd_drive"
W=$(mktemp -d /tmp/ward-fwd-tls.XXXXXX)
PORT=18430
spid=
hold=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -n "$hold" ] && kill "$hold" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ward-test-ca -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=siem.test -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=DNS:siem.test\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out srv.pem 2>/dev/null
# s_server closes the connection when its stdin ends: give it one that stays open
exec 3< <(sleep 300)
hold=$!
openssl s_server -accept "127.0.0.1:$PORT" -cert srv.pem -key srv.key -quiet >recv.bin 2>s_server.err <&3 &
spid=$!
for _ in $(seq 100); do ss -ltn | grep -q ":$PORT " && break; sleep 0.05; done

cfg() {
	cat >"$1" <<Y
outputs:
  - name: tls
    type: syslog
    address: tls://127.0.0.1:$PORT
    format: json
    tls_ca: $W/ca.pem
    tls_server_name: $2
    flush_ms: 10
    retry_initial_ms: 100
    retry_max_ms: 200
Y
}
cfg bad.yaml other.test
"$drive" --config bad.yaml --spool sp-bad --count 10 --wait-ms 1000 --stop-ms 0 >bad.json
f=$(jq '.outputs[0].failures' bad.json) s=$(jq '.outputs[0].sent' bad.json)
[ "$s" = 0 ] && [ "$f" -ge 1 ] && echo "ok - a certificate for another name is refused (sent 0, $f failed attempts)" ||
	echo "not ok - wrong name accepted: $(cat bad.json)"
cfg good.yaml siem.test
"$drive" --config good.yaml --spool sp-good --count 50 --wait-ms 10000 >good.json
sleep 0.5
n=$(python3 - recv.bin <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
msgs, i = [], 0
while i < len(data):
    sp = data.index(b" ", i)
    n = int(data[i:sp])
    msgs.append(data[sp + 1:sp + 1 + n].decode())
    i = sp + 1 + n
ok = all(m.startswith("<") and ' ward ' in m and '[ward@32473 ' in m for m in msgs)
got = sorted(json.loads(m[m.index("] {") + 2:])["Message"] for m in msgs)
print(len(msgs) if ok and got == sorted("alert %d" % k for k in range(50)) else "bad %d" % len(msgs))
PY
)
[ "$n" = 50 ] && echo "ok - 50 octet-counted RFC 5424 frames with JSON bodies arrive over TLS with the CA verified" ||
	echo "not ok - TLS receiver got: $n ($(cat good.json); $(head -c 300 s_server.err))"
