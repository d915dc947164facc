#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_probe.sh - `ward probe` and `ward probe --json` against what the machine itself says
# (/proc/mounts, /sys/kernel/btf, /sys/kernel/security/lsm), and that probing leaves no BPF
# program behind.
set -u
WARD=${WARD_BIN:?}
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # check "what" cmd...
	local what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}

out=$("$WARD" probe --json)
rc=$?
check "probe --json exits 0 when the monitor can run" test "$rc" -eq 0
jqe() { jq -e "$1" <<<"$out" >/dev/null 2>&1; }
check "probe --json prints one valid JSON object" jqe 'type == "object"'

cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
check "cgroup_v2 is the cgroup2 mount ($cg)" test "$(jq -r '.cgroup_v2' <<<"$out")" = "${cg:-null}"
if [ -r /sys/kernel/btf/vmlinux ]; then btf=true; else btf=false; fi
check "btf matches /sys/kernel/btf/vmlinux" test "$(jq -r '.btf' <<<"$out")" = "$btf"
# shellcheck disable=SC2002 # a missing file must read as "not listed", not an error
if cat /sys/kernel/security/lsm 2>/dev/null | tr ',' '\n' | grep -qx bpf; then lsm=true; else lsm=false; fi
check "BPFLSM.listed matches /sys/kernel/security/lsm" test "$(jq -r '.enforcers.BPFLSM.listed' <<<"$out")" = "$lsm"
if [ "$lsm" = false ]; then
	check "BPF-LSM does not attach when bpf is not an active LSM" \
		test "$(jq -r '.enforcers.BPFLSM.attaches' <<<"$out")" = false
fi

names=$(jq -r '[.programs[].name] | join(" ")' <<<"$out")
check "every monitor program is listed" test "$names" = \
	"ward_sched_exec ward_sched_fork ward_sched_exit ward_sys_exit ward_sock_create ward_connect4 ward_connect6 ward_cap_capable"
check "every monitor program loads and attaches here (tp_btf, cgroup v2, cap_capable)" \
	jqe 'all(.programs[]; .loads and .attaches and (has("error") | not))'
check "monitor is reported usable" jqe '.monitor == true and .ringbuf == true'
check "fanotify permission events are reported available" \
	jqe '.enforcers.fanotify.permission_events == true'
check "cgroup-bpf sock_create is reported attachable" \
	jqe '.enforcers["cgroup-bpf"].sock_create == true'

check "probing leaves no probe program loaded" \
	bash -c "! bpftool prog show 2>/dev/null | grep -q ward_probe_lsm"

txt=$("$WARD" probe)
rc=$?
check "probe (text) exits 0" test "$rc" -eq 0
check "probe (text) has a row per program" test "$(grep -c '^ward_' <<<"$txt")" -eq 8
check "probe (text) ends with the monitor verdict" test "$(tail -n1 <<<"$txt")" = "monitor       ok"

"$WARD" probe --bogus >/dev/null 2>&1
check "an unknown option exits 2" test $? -eq 2
"$WARD" probe --help | grep -q '^usage: ward probe'
check "--help prints the usage" test $? -eq 0
