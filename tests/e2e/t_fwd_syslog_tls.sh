#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Syslog over TLS (RFC 5425): a Python ssl receiver with a test CA-signed certificate receives
# octet-counted RFC 5424 frames; a receiver whose name does not match the certificate is
# refused (nothing sent, failures counted, records kept in the spool).
# (Debian's rsyslog has no TLS driver installed by default, hence a receiver of our own.)
set -u
top=${WARD_TOP:?}
drive="$top/${WARD_BUILD:-build}/bench/fwd_drive"
W=$(mktemp -d /tmp/ward-fwd-tls.XXXXXX)
PORT=18430
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ward-test-ca -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=siem.test -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=DNS:siem.test\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out srv.pem 2>/dev/null
# The receiver: Python's ssl module on the test certificate, appending every decrypted byte to
# recv.bin unbuffered, one connection at a time; a refused handshake (the bad-name phase: the
# client aborts it) is skipped. openssl s_server was used before, but it buffers what it writes
# and flushes at exit, which made the byte count depend on timing.
python3 - "$PORT" srv.pem srv.key recv.bin >s_server.err 2>&1 <<'PY' &
import socket, ssl, sys
port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
with open(out, "ab", buffering=0) as f:
    while True:
        c, _ = ls.accept()
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                while True:
                    d = t.recv(65536)
                    if not d:
                        break
                    f.write(d)
        except (ssl.SSLError, OSError) as e:
            print("refused:", e, flush=True)
PY
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
# the drive has closed its connection: wait until the receiver has written all 50 frames
for _ in $(seq 50); do [ "$(grep -c 'alert 49"' recv.bin 2>/dev/null)" -ge 1 ] && break; sleep 0.1; done
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
