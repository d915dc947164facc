#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor_user_latency.sh - syscall → record in `ward agent --json-out` latency, and agent RSS
# idle and under load. A Python loop opens 1000 unique paths (one every 2 ms) while tailing
# the output file; latency = when the line is seen (CLOCK_REALTIME) - the record's UpdatedTime
# (the syscall's kernel timestamp). Then a 300k-open flood for the peak RSS.
# Usage: bench/monitor_user_latency.sh [BUILD]   (root)
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
ward="$top/$build/ward"
tmp=$(mktemp -d /tmp/ward-mu-lat.XXXXXX)
trap 'kill -KILL $agent 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$ward" agent --config /dev/null --policy "$tmp/none" --store "$tmp/w.db" \
	--json-out "$tmp/out.json" --visibility file 2>"$tmp/err" &
agent=$!
for _ in $(seq 100); do grep -q monitoring "$tmp/err" && break; sleep 0.1; done
sleep 1
echo "idle RSS: $(awk '$1 == "VmRSS:" {print $2}' /proc/$agent/status) KiB"
python3 - "$tmp" <<'PY'
import json, os, sys, time
tmp = sys.argv[1]
out = open(os.path.join(tmp, "out.json"))
out.seek(0, 2)
seen, lat, buf = {}, [], ""
n = 1000
def drain():
    global buf
    buf += out.read()
    *lines, buf = buf.split("\n")
    now = time.time()
    for l in lines:
        if "lat-probe-" not in l:
            continue
        r = json.loads(l)
        p = r.get("Resource", "")
        if p.startswith(tmp) and p not in seen:
            t = r["UpdatedTime"]
            ts = time.mktime(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            ts += int(t[20:26]) / 1e6
            seen[p] = now - ts
for i in range(n):
    p = os.path.join(tmp, "lat-probe-%d" % i)
    try:
        os.close(os.open(p, os.O_RDONLY))
    except FileNotFoundError:
        pass
    t_end = time.time() + 0.002
    while time.time() < t_end:
        drain()
        time.sleep(0.0005)
deadline = time.time() + 2
while len(seen) < n and time.time() < deadline:
    drain()
    time.sleep(0.001)
v = sorted(seen.values())
if not v:
    print("no records seen"); sys.exit(1)
q = lambda f: v[min(len(v) - 1, int(f * len(v)))] * 1000
print("latency over %d/%d records: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms"
      % (len(v), n, q(0.5), q(0.9), q(0.99), v[-1] * 1000))
PY
echo x >"$tmp/target"
"$top/$build/tests/helpers/mu_flood" "$tmp/target" 300000 >/dev/null
sleep 1
echo "peak RSS after a 300k-open flood: $(awk '$1 == "VmHWM:" {print $2}' /proc/$agent/status) KiB"
# where the resident memory is now, by mapping (heap, thread arenas, the ring buffer, libraries)
awk '/^[0-9a-f]+-[0-9a-f]+ / { n = NF >= 6 ? $6 : "[anon]"; if (n ~ /\.so/) n = "libraries" }
	$1 == "Rss:" { rss[n] += $2 } END { for (k in rss) if (rss[k] >= 512) printf "  %-28s %7d KiB\n", k, rss[k] }' \
	/proc/$agent/smaps | sort -k2 -n -r
kill -TERM $agent; wait $agent || true
tail -n1 "$tmp/err"
