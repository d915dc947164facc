#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t_web_alerts_page.sh - the Alerts page in headless Chromium (Debian's /usr/bin/chromium driven
# by playwright-core from tests/browser/node_modules) against `ward serve` on a store filled
# with `ward import`. The checks live in tests/browser/alerts_page.mjs; screenshots and the
# downloaded exports go to $WARD_BUILD/test-artifacts/. A free port of 18600-18799.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}" "${WARD_BUILD:=build}"
tmp=$(mktemp -d /tmp/ward-web.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

art="$WARD_TOP/$WARD_BUILD/test-artifacts"
mkdir -p "$art"
browser="$WARD_TOP/tests/browser"
if [ ! -x /usr/bin/chromium ]; then
	echo "not ok - /usr/bin/chromium is installed (apt-get install chromium)"
	exit 1
fi
if [ ! -d "$browser/node_modules/playwright-core" ]; then
	# package-lock.json pins the version; npm ci installs exactly that
	(cd "$browser" && npm ci --no-audit --no-fund >"$tmp/npm.log" 2>&1) ||
		{ echo "not ok - playwright-core installs (npm ci in tests/browser)"; cat "$tmp/npm.log"; exit 1; }
fi

# shellcheck source=tests/e2e/server-lib.sh
. "$WARD_TOP/tests/e2e/server-lib.sh"
TOKEN=web-$RANDOM$RANDOM
echo "$TOKEN" >"$tmp/token"
"$WARD_TOP/$WARD_BUILD/tests/helpers/gen_records" 3000 3 --tricky >"$tmp/in.ndjson"
"$WARD_BIN" import --store "$tmp/ward.db" "$tmp/in.ndjson" >/dev/null 2>&1 ||
	echo "not ok - ward import filled the store"
if ! serve_start "$tmp/serve.log" --store "$tmp/ward.db" --token-file "$tmp/token"; then
	echo "not ok - ward serve starts"
	exit 1
fi
pids+=("$SERVE_PID")
PORT=$SERVE_PORT

mkdir "$tmp/profile"
WARD_URL="http://127.0.0.1:$PORT" WARD_TOKEN="$TOKEN" WARD_ARTIFACTS="$art" WARD_PROFILE="$tmp/profile" \
	timeout 120 node "$browser/alerts_page.mjs"
rc=$?
[ $rc -eq 0 ] || { echo "# ward serve log:"; sed 's/^/# /' "$tmp/serve.log"; }
exit $rc
