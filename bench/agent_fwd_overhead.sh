#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent_fwd_overhead.sh - does forwarding change the monitor's overhead? (docs/benchmarks/fwd.md)
#   bench/agent_fwd_overhead.sh [ROUNDS] [OPENS]     (as root; needs `make`, rsyslogd, clickhouse-server)
#   FILE_AUDIT=syscall serves the Audit rule from the syscall hook instead of fanotify marks
#   (config file_audit): the audited opens then do not wait for the agent
# Workload: python opening+closing a file OPENS (default 20000) times; an Audit policy on that
# file makes every open an alert (fanotify sees it, the agent writes the record to its store and
# to every output). Modes, alternated ROUNDS (default 3) times so load changes hit all alike:
#   none     - the workload alone (the baseline)
#   agent    - `ward agent` running, no outputs
#   null     - `ward agent` with two outputs doing all of ward's output work (filter, copy,
#              encode CEF and JSON, spool with fdatasync, send) into /dev/null (file outputs):
#              what the outputs cost without a receiver on the same 2 cores
#   outputs  - `ward agent` with two outputs: syslog TCP/CEF to rsyslog (the tuned receiver of
#              fwd_bench.sh) and ClickHouse (JSONEachRow), both receiving every alert; the
#              receivers run on the same cores here, in production they are elsewhere
# Reported: median wall time of the workload per mode, the overhead ratios agent/none and
# outputs/none, the agent's CPU time, and what the outputs delivered (exit summary).
set -u
ROUNDS=${1:-3}
OPENS=${2:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
ward="$top/${BUILD:-build}/ward"
W=$(mktemp -d /tmp/ward-agent-fwd.XXXXXX)
TCP=18480 CH=18490 CHT=18491
pids=()
. "$top/bench/lib.sh"
trap bench_cleanup EXIT
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$W/policies"
echo target >"$W/target"
bench_receivers "$TCP" "$CH" "$CHT"

cat >"$W/policies/audit.yaml" <<Y
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata:
  name: bench-audit-target
spec:
  nodeSelector:
    matchLabels:
      kubearmor.io/hostname: "*"
  severity: 5
  message: target opened
  file:
    matchPaths:
      - path: $W/target
  action: Audit
Y
conf() { # MODE ROUND
	cat <<Y
cluster: bench
hostname: bench-host
visibility: none
policies: [$W/policies]
store: {path: $W/store-$1-$2/ward.db}
file_audit: ${FILE_AUDIT:-fanotify}
Y
	[ "$1" = null ] && cat <<Y
outputs:
  - {name: cef, type: file, path: /dev/null, format: cef, queue_size: 65536, batch_max: 5000}
  - {name: json, type: file, path: /dev/null, format: json, queue_size: 65536, batch_max: 10000}
Y
	[ "$1" = outputs ] && cat <<Y
outputs:
  - {name: siem, type: syslog, address: "tcp://127.0.0.1:$TCP", format: cef, queue_size: 65536, batch_max: 5000}
  - {name: ch, type: clickhouse, url: "http://127.0.0.1:$CH", table: ward_records, create_table: true, queue_size: 65536, batch_max: 10000}
Y
}
workload() {
	python3 -c "
import sys, time
p = sys.argv[1]
t0 = time.monotonic()
for i in range(int(sys.argv[2])):
    open(p).close()
print('%.3f' % (time.monotonic() - t0))" "$W/target" "$OPENS"
}
cpu_of() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; } # ms (USER_HZ 100)
declare -A times
for r in $(seq "$ROUNDS"); do
	for mode in none agent null outputs; do
		ap=
		if [ "$mode" != none ]; then
			conf "$mode" "$r" >"$W/ward-$mode-$r.yaml"
			"$ward" agent --config "$W/ward-$mode-$r.yaml" 2>"$W/err-$mode-$r" &
			ap=$!
			for _ in $(seq 200); do grep -q 'monitoring' "$W/err-$mode-$r" && break; sleep 0.05; done
		fi
		rc0=$(($(cpu_of "$rs_pid") + $(cpu_of "$ch_pid")))
		t=$(workload)
		times[$mode]+="$t "
		extra=
		if [ -n "$ap" ]; then
			sleep 1 # the last alerts reach the outputs' queues
			acpu=$(cpu_of "$ap")
			kill -TERM "$ap"
			wait "$ap"
			extra=", agent CPU ${acpu} ms, receivers CPU $(($(cpu_of "$rs_pid") + $(cpu_of "$ch_pid") - rc0)) ms | $(grep -E 'stopped|output' "$W/err-$mode-$r" | tr '\n' ' ')"
		fi
		echo "round $r $mode: workload ${t} s, load $(cut -d' ' -f1 /proc/loadavg)$extra"
	done
done
med() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
none=$(echo "${times[none]}" | med)
agent=$(echo "${times[agent]}" | med)
outs=$(echo "${times[outputs]}" | med)
null=$(echo "${times[null]}" | med)
echo "median workload ($OPENS opens, each an alert): none $none s, agent $agent s, agent+2 /dev/null outputs $null s, agent+2 outputs to local receivers $outs s"
python3 -c "print('overhead ratio: agent %.2fx, agent+2 /dev/null outputs %.2fx, agent+2 outputs with receivers %.2fx' % ($agent/$none, $null/$none, $outs/$none))"
echo "rsyslog lines: $(wc -l <"$W/rs.out"), ClickHouse rows: $(curl -s --data-binary 'SELECT count() FROM default.ward_records' "http://127.0.0.1:$CH/") (expected $((ROUNDS * OPENS)) each)"
