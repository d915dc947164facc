# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# server-lib.sh - sourced by the server e2e scripts (not a test itself): start `ward serve` on a
# free port of 18600-18699 (18700-18799 are for the PostgreSQL the tests start). Ports are
# picked at random and retried, so two runs of the same test (a developer and CI on one
# machine) never talk to each other's server.

# serve_start LOG [--port P] [--tls] ARGS... : sets SERVE_PORT and SERVE_PID, returns 1 on failure
serve_start() {
	local log=$1 fixed="" scheme=http try port attempt
	shift
	if [ "${1:-}" = --port ]; then
		fixed=$2
		shift 2
	fi
	if [ "${1:-}" = --tls ]; then
		scheme=https
		shift
	fi
	for try in $(seq 30); do
		port=${fixed:-$((18600 + RANDOM % 100))}
		attempt="$log.$try"
		"$WARD_BIN" serve --listen "127.0.0.1:$port" "$@" 2>"$attempt" &
		SERVE_PID=$!
		for _ in $(seq 150); do
			# our own process says it is listening: the port is ours
			if grep -q "listening on $scheme://127.0.0.1:$port" "$attempt" 2>/dev/null; then
				cat "$attempt" >>"$log"
				# shellcheck disable=SC2034 # read by the sourcing script
				SERVE_PORT=$port
				return 0
			fi
			kill -0 "$SERVE_PID" 2>/dev/null || break
			sleep 0.1
		done
		cat "$attempt" >>"$log"
		kill "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		[ -n "$fixed" ] && [ "$try" -ge 5 ] && return 1
		[ -n "$fixed" ] && sleep 1
	done
	return 1
}

# pick_free_port LO HI : a port nobody listens on now (for services other than ward serve)
pick_free_port() {
	local p
	for _ in $(seq 50); do
		p=$(($1 + RANDOM % ($2 - $1 + 1)))
		if ! ss -Hltn "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
