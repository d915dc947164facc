#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run-tests.sh TIER BUILD - run one tier (unit|kernel|e2e|fuzz) or all of them, and print
# "TIER: N passed, N failed, N skipped"; `all` ends with "check: N passed, N failed, N skipped".
# A crash, a sanitizer report or a non-zero exit without a counted failure is one failure.
# Logs of every binary/script are kept in BUILD/test-logs/.
set -u

tier=${1:?usage: run-tests.sh unit|kernel|e2e|fuzz|all BUILD}
build=${2:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
logs="$build/test-logs"
mkdir -p "$logs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=STDOUT
export WARD_TOP="$top"
export WARD_BUILD="$build"
export WARD_BIN="$top/$build/ward"
export WARD_CORPUS="${WARD_CORPUS:-$top/../shared/corpus}"
export WARD_SHARED="${WARD_SHARED:-$top/../shared}"
# Per-binary/script wall-clock limit; a hang is a failure, not a stuck CI.
test_timeout=${WARD_TEST_TIMEOUT:-600}

T_PASS=0 T_FAIL=0 T_SKIP=0

show_failure() {
	local log=$1
	echo "---- $log (last 40 lines) ----"
	tail -n 40 "$log"
	echo "----"
}

# cmocka binary: add its summary counts.
run_cmocka() {
	local bin=$1 name log rc p f s t0 secs
	name=$(basename "$bin")
	log="$logs/$name.log"
	t0=$(date +%s)
	timeout --kill-after=10 "$test_timeout" "$bin" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	# a binary may run several groups (each prints its own summary): add them up
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "  $name: exited $rc (crash, timeout or sanitizer report)"
	fi
	if grep -qE '^(==[0-9]+==ERROR|.*runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer)' "$log"; then
		[ "$f" -eq 0 ] && f=1
		echo "  $name: sanitizer report"
	fi
	if [ "$f" -ne 0 ]; then
		echo "  FAIL $name ($p passed, $f failed, $s skipped, ${secs}s)"
		show_failure "$log"
	else
		echo "  ok   $name ($p passed, $s skipped, ${secs}s)"
	fi
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + s))
}

# TAP-ish script: "ok ...", "not ok ...", "ok ... # SKIP ...".
run_script() {
	local script=$1 name log rc p f s t0 secs
	name=$(basename "$script" .sh)
	log="$logs/$name.log"
	t0=$(date +%s)
	timeout --kill-after=10 "$test_timeout" bash "$script" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
	s=$(grep -cE '^ok .*# *SKIP' "$log")
	p=$(grep -cE '^ok ' "$log")
	p=$((p - s))
	f=$(grep -cE '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "  $name: exited $rc"
	fi
	if [ "$f" -ne 0 ]; then
		echo "  FAIL $name ($p passed, $f failed, $s skipped, ${secs}s)"
		grep -E '^not ok ' "$log" | head -n 20
		show_failure "$log"
	else
		echo "  ok   $name ($p passed, $s skipped, ${secs}s)"
	fi
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + s))
}

# A fuzz replay binary over its seeds and regressions: one test per target.
run_replay() {
	local bin=$1 target name log rc dirs=()
	name=$(basename "$bin")
	target=${name#replay_}
	log="$logs/$name.log"
	[ -d "$top/fuzz/corpus/$target" ] && dirs+=("$top/fuzz/corpus/$target")
	[ -d "$top/tests/data/fuzz-regressions/$target" ] && dirs+=("$top/tests/data/fuzz-regressions/$target")
	timeout --kill-after=10 "$test_timeout" "$bin" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "  FAIL $name (exit $rc)"
		show_failure "$log"
		T_FAIL=$((T_FAIL + 1))
	else
		echo "  ok   $name ($(tail -n1 "$log"))"
		T_PASS=$((T_PASS + 1))
	fi
}

run_tier() {
	local t=$1 x
	T_PASS=0 T_FAIL=0 T_SKIP=0
	case "$t" in
	unit | kernel)
		for x in "$build"/tests/"$t"/test_*; do
			[ -x "$x" ] || continue
			run_cmocka "$x"
		done
		;;
	e2e)
		for x in "$top"/tests/e2e/t_*.sh; do
			[ -f "$x" ] || continue
			run_script "$x"
		done
		;;
	fuzz)
		for x in "$build"/fuzz/replay_*; do
			[ -x "$x" ] || continue
			run_replay "$x"
		done
		;;
	esac
	echo "$t: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
}

if [ "$tier" = all ]; then
	A_PASS=0 A_FAIL=0 A_SKIP=0
	for t in unit kernel e2e fuzz; do
		echo "== $t =="
		run_tier "$t"
		A_PASS=$((A_PASS + T_PASS)) A_FAIL=$((A_FAIL + T_FAIL)) A_SKIP=$((A_SKIP + T_SKIP))
	done
	echo "check: $A_PASS passed, $A_FAIL failed, $A_SKIP skipped"
	[ "$A_FAIL" -eq 0 ]
else
	run_tier "$tier"
	[ "$T_FAIL" -eq 0 ]
fi
