#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent_outputs_monitor.sh - the Monitor figures' workload (bench/monitor_bench.c: open+close,
# posix_spawn of /bin/true, TCP connect+accept) under `ward agent` without and with two outputs
# (syslog TCP/CEF to a local rsyslog, ClickHouse JSONEachRow), in the agent's two usual modes:
#   policy - visibility none, examples/policies (Audit rules on a few process and file paths)
#   full   - visibility process,file,network,capabilities: every event is a record, and every
#            record goes to both outputs (their default filter is `all`)
# Modes alternate ROUNDS times (default 3); each run is one `monitor_bench --workload-only`
# round. Reported: the median CPU time per operation and its ratio to the no-agent run, for
# the agent alone and the agent with outputs: issue "Forwarding" asks that the second equal the
# first. The receivers run on the same 2 cores here; in production they are elsewhere.
#   bench/agent_outputs_monitor.sh [ROUNDS]     (as root; needs `make bench`, rsyslogd,
#                                                clickhouse-server)
# WARD_BASE=/path/to/other/ward adds that binary's agent and agent+outputs runs to every round
# (same receivers, same rounds): a before/after comparison in one session. VIS=full runs only
# the full-visibility modes. Each round line also gives the agent's own CPU time (user+sys).
set -u
ROUNDS=${1:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
ward="$top/${BUILD:-build}/ward"
mb="$top/${BUILD:-build}/bench/monitor_bench"
W=$(mktemp -d /tmp/ward-agent-outmon.XXXXXX)
TCP=18482 CH=18492 CHT=18493
pids=()
. "$top/bench/lib.sh"
trap bench_cleanup EXIT
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

bench_receivers "$TCP" "$CH" "$CHT"

conf() { # VIS OUTPUTS(0|1) TAG
	cat <<Y
hostname: bench-host
visibility: $1
policies: [$top/examples/policies]
store: {path: $W/store-$3/ward.db}
Y
	[ "$2" = 1 ] && cat <<Y
outputs:
  - {name: siem, type: syslog, address: "tcp://127.0.0.1:$TCP", format: cef, queue_size: 65536, batch_max: 5000}
  - {name: ch, type: clickhouse, url: "http://127.0.0.1:$CH", table: ward_records, create_table: true, queue_size: 65536, batch_max: 10000}
Y
	return 0
}
# one workload round: "open spawn connect" CPU ns/op
workload() {
	"$mb" --rounds 1 --workload-only 2>/dev/null | awk '
		/^open\+close  / {o = $(NF-2)} /^posix_spawn/ {s = $(NF-2)} /^tcp connect/ {c = $(NF-2)}
		END {print o, s, c}'
}
declare -A res
for r in $(seq "$ROUNDS"); do
	for vis in ${VIS:-none full}; do
		for mode in none agent outputs ${WARD_BASE:+base-agent base-outputs}; do
			ap=
			if [ "$mode" != none ]; then
				tag="$vis-$mode-$r"
				bin=$ward
				case $mode in base-*) bin=$WARD_BASE ;; esac
				conf "$([ "$vis" = full ] && echo '[process, file, network, capabilities]' || echo none)" \
					"$(case $mode in *outputs) echo 1 ;; *) echo 0 ;; esac)" "$tag" >"$W/$tag.yaml"
				"$bin" agent --config "$W/$tag.yaml" 2>"$W/err-$tag" &
				ap=$!
				for _ in $(seq 200); do grep -q 'monitoring' "$W/err-$tag" && break; sleep 0.05; done
				grep -q 'monitoring' "$W/err-$tag" || { echo "agent did not start: $(cat "$W/err-$tag")"; exit 1; }
			fi
			v=$(workload)
			res[$vis-$mode]+="$v;"
			acpu=
			if [ -n "$ap" ]; then
				kill -0 "$ap" 2>/dev/null || { echo "the agent exited during the run: $(cat "$W/err-$tag")"; exit 1; }
				acpu=", agent CPU $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s", ($14 + $15) / hz}' "/proc/$ap/stat")"
				kill -TERM "$ap"
				wait "$ap"
			fi
			echo "round $r visibility $vis $mode: open/spawn/connect CPU ns/op $v$acpu, load $(cut -d' ' -f1 /proc/loadavg)"
		done
	done
done
med() { # COLUMN (1..3) of the ';'-separated triples on stdin
	tr ';' '\n' | grep . | awk -v k="$1" '{print $k}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
for vis in ${VIS:-none full}; do
	for pre in "" ${WARD_BASE:+base-}; do
		line="visibility $vis${pre:+ (WARD_BASE $WARD_BASE)}:"
		for k in 1 2 3; do
			b=$(echo "${res[$vis-none]}" | med "$k")
			a=$(echo "${res[$vis-${pre}agent]}" | med "$k")
			o=$(echo "${res[$vis-${pre}outputs]}" | med "$k")
			name=$(echo "open+close spawn connect" | cut -d' ' -f"$k")
			line+=$(python3 -c "print(' %s agent %.2fx, agent+2 outputs %.2fx;' % ('$name', $a/$b, $o/$b))")
		done
		echo "$line"
	done
done
echo "rsyslog lines: $(wc -l <"$W/rs.out"), ClickHouse rows: $(curl -s --data-binary 'SELECT count() FROM default.ward_records' "http://127.0.0.1:$CH/")"
