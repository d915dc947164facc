#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HTTP outputs (Splunk HEC, Elasticsearch _bulk, Loki push, webhook) against a scripted local
# receiver (tests/helpers/http_receiver.py) that checks the exact requests and answers with
# errors, partial bulk failures and timeouts; and a restart with a non-empty spool.
set -u
top=${WARD_TOP:?}
drive="$top/${WARD_BUILD:-build}/bench/fwd_drive"
recv="$top/tests/helpers/http_receiver.py"
W=$(mktemp -d /tmp/ward-fwd-http.XXXXXX)
PORT=18410
rpid=
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# receiver NAME PLAN_JSON: (re)start the receiver with a fresh log
receiver() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	PORT=$((PORT + 1))
	echo "$2" >"$W/$1.plan"
	python3 "$recv" --port "$PORT" --log "$W/$1.log" --plan "$W/$1.plan" >"$W/$1.ready" 2>"$W/$1.err" &
	rpid=$!
	for _ in $(seq 100); do grep -q ready "$W/$1.ready" 2>/dev/null && return 0; sleep 0.05; done
	echo "not ok - receiver $1 did not start: $(cat "$W/$1.err")"
	exit 1
}
# check NAME: run python on the log with $W/NAME.json (driver stats) available; it prints ok/not ok
check() {
	python3 - "$W/$1.log" "$W/$1.json" "$2" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
stats = json.load(open(sys.argv[2]))
out = stats["outputs"][0]
exec(sys.argv[3])
PY
}

common="flush_ms: 300
    retry_initial_ms: 50
    retry_max_ms: 200
    batch_max: 20"

# ---- Splunk HEC: envelope, token, batching; a 503 is retried ----------------------------
receiver hec '[{"status": 503}]'
cat >"$W/hec.yaml" <<Y
outputs:
  - name: splunk
    type: hec
    url: http://127.0.0.1:$PORT
    token: 00000000-1111-2222-3333-444444444444
    index: security
    $common
Y
"$drive" --config "$W/hec.yaml" --spool "$W/spool-hec" --count 50 --wait-ms 10000 >"$W/hec.json"
check hec '
ok = [r for r in reqs if r["status"] == 200]
evs = [json.loads(l) for r in ok for l in r["body"].split("\n") if l]
def t(c, what): print(("ok - " if c else "not ok - ") + what)
t(all(r["path"] == "/services/collector/event" for r in reqs), "hec: POST /services/collector/event")
t(all(r["headers"]["authorization"] == "Splunk 00000000-1111-2222-3333-444444444444" for r in reqs), "hec: Authorization: Splunk <token>")
t(sorted(e["event"]["Message"] for e in evs) == sorted("alert %d" % i for i in range(50)), "hec: all 50 events delivered exactly once (%d)" % len(evs))
t(all(set(e) == {"time", "host", "source", "sourcetype", "index", "event", "fields"} and isinstance(e["time"], float)
      and e["host"] == "bench-host" and e["source"] == "ward" and e["sourcetype"] == "_json" and e["index"] == "security"
      and e["fields"] == {"cluster": "bench"} for e in evs), "hec: envelope time(float)/host/source/sourcetype/index/event/fields")
t(len(ok) >= 3 and max(len(r["body"].strip().split("\n")) for r in ok) == 20, "hec: batched, 20 envelopes per request (%d requests)" % len(ok))
t(reqs[0]["status"] == 503 and out["failures"] >= 1 and out["retried"] >= 1, "hec: the 503 answer was retried (failures=%d retried=%d)" % (out["failures"], out["retried"]))
'

# ---- Elasticsearch: NDJSON framing, create actions, per-item retry, rejected items ------
receiver es '[{"bulk": [201, 429, 201, 400, 503]}]'
cat >"$W/es.yaml" <<Y
outputs:
  - name: es
    type: elasticsearch
    url: http://127.0.0.1:$PORT/
    $common
Y
"$drive" --config "$W/es.yaml" --spool "$W/spool-es" --count 30 --wait-ms 10000 >"$W/es.json"
check es '
import datetime
def t(c, what): print(("ok - " if c else "not ok - ") + what)
def items(r):
    l = r["body"].split("\n")
    return [(json.loads(l[i]), json.loads(l[i + 1])) for i in range(0, len(l) - 1, 2)]
t(all(r["path"] == "/_bulk" and r["headers"]["content-type"] == "application/x-ndjson" and r["body"].endswith("\n") for r in reqs),
  "es: POST /_bulk, application/x-ndjson, final newline")
day = datetime.datetime.now(datetime.timezone.utc).strftime("ward-%Y.%m.%d")
first = items(reqs[0])
t(all(list(a) == ["create"] and a["create"]["_index"] == day and len(a["create"]["_id"]) == 16 and "@timestamp" in d for a, d in first),
  "es: create actions into the daily index %s with @timestamp" % day)
second = items(reqs[1])
t([d["Message"] for a, d in second] == [first[1][1]["Message"], first[4][1]["Message"]],
  "es: only the items that failed with 429/503 are resent (%s)" % [d["Message"] for a, d in second])
got = set(d["Message"] for r in reqs for k, (a, d) in enumerate(items(r)) if not (r["i"] == 0 and k in (1, 3, 4)))
t(got == set("alert %d" % i for i in range(30)) - {first[3][1]["Message"]}, "es: every other item is delivered")
t(out["rejected"] == 1 and out["sent"] == 29, "es: the 400 item is rejected and counted (rejected=%d sent=%d)" % (out["rejected"], out["sent"]))
'

# ---- Elasticsearch data stream with OCSF documents -----------------------------------------
receiver ds '[]'
cat >"$W/ds.yaml" <<Y
outputs:
  - name: ds
    type: elasticsearch
    url: http://127.0.0.1:$PORT
    data_stream: logs-ward-default
    format: ocsf
    $common
Y
"$drive" --config "$W/ds.yaml" --spool "$W/spool-ds" --count 6 --wait-ms 10000 >"$W/ds.json"
check ds '
def t(c, what): print(("ok - " if c else "not ok - ") + what)
l = [json.loads(x) for r in reqs for x in r["body"].split("\n") if x]
acts, docs = l[0::2], l[1::2]
t(len(docs) == 6 and all(a["create"]["_index"] == "logs-ward-default" for a in acts), "es: data stream: create actions into logs-ward-default")
t(all("@timestamp" in d and d["class_uid"] in (1001, 1007, 4001) and d["type_uid"] == d["class_uid"] * 100 + d["activity_id"] for d in docs),
  "es: OCSF documents with @timestamp and type_uid = class_uid*100 + activity_id")
t(sorted(set(d["class_uid"] for d in docs)) == [1001, 1007, 4001], "es: File, Process and Network records map to 1001, 1007, 4001")
'

# ---- Loki: push format, fixed label set, record as the line ------------------------------
receiver loki '[]'
cat >"$W/loki.yaml" <<Y
outputs:
  - name: loki
    type: loki
    url: http://127.0.0.1:$PORT
    tenant: team-a
    $common
Y
"$drive" --config "$W/loki.yaml" --spool "$W/spool-loki" --count 30 --wait-ms 10000 >"$W/loki.json"
check loki '
def t(c, what): print(("ok - " if c else "not ok - ") + what)
t(all(r["path"] == "/loki/api/v1/push" and r["headers"]["x-scope-orgid"] == "team-a" and r["headers"]["content-type"] == "application/json" for r in reqs),
  "loki: POST /loki/api/v1/push with X-Scope-OrgID")
streams = [s for r in reqs for s in json.loads(r["body"])["streams"]]
t(all(set(s["stream"]) == {"cluster", "host", "type", "operation", "action"} for s in streams), "loki: labels are cluster, host, type, operation, action")
vals = [v for s in streams for v in s["values"]]
lines = [json.loads(v[1]) for v in vals]
t(all(isinstance(v[0], str) and v[0].isdigit() and len(v[0]) == 19 for v in vals), "loki: timestamps are unix ns strings")
t(sorted(l["Message"] for l in lines) == sorted("alert %d" % i for i in range(30)), "loki: all 30 records delivered once, the record JSON as the line")
t(all(s["stream"]["operation"] == json.loads(v[1])["Operation"] and s["stream"]["action"] == json.loads(v[1])["Action"] for s in streams for v in s["values"]),
  "loki: each line sits in the stream of its own labels")
'

# ---- webhook (Slack-compatible) with a timeout on the first request ----------------------
receiver hook '[{"delay": 2}]'
cat >"$W/hook.yaml" <<Y
outputs:
  - name: slack
    type: webhook
    url: http://127.0.0.1:$PORT/hooks/T000/B000
    slack: true
    timeout_ms: 500
    $common
Y
"$drive" --config "$W/hook.yaml" --spool "$W/spool-hook" --count 5 --wait-ms 10000 >"$W/hook.json"
check hook '
def t(c, what): print(("ok - " if c else "not ok - ") + what)
t(all(r["path"] == "/hooks/T000/B000" and list(json.loads(r["body"])) == ["text"] for r in reqs), "webhook: Slack {\"text\": ...} POSTs to the URL path")
texts = [json.loads(r["body"])["text"] for r in reqs if not r["delayed"]]
t(sorted(x.split("alert ")[1].split(":")[0] for x in texts) == ["0", "1", "2", "3", "4"], "webhook: one message per record, all 5 delivered after the timeout")
t(out["failures"] >= 1 and out["retried"] >= 1, "webhook: the timed-out request was retried (duplicate counted: retried=%d)" % out["retried"])
'

# ---- restart with a non-empty spool -------------------------------------------------------
receiver spool '[{"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}]'
sed "s#127.0.0.1:[0-9]*#127.0.0.1:$PORT#; s#retry_initial_ms: 50#retry_initial_ms: 2000#" "$W/hec.yaml" >"$W/spool.yaml"
"$drive" --config "$W/spool.yaml" --spool "$W/spool-restart" --count 100 --wait-ms 300 --stop-ms 0 >"$W/spool1.json"
before=$(jq '.outputs[0].sent' "$W/spool1.json")
[ "$before" = 0 ] && ls "$W/spool-restart/splunk/"*.seg >/dev/null 2>&1 &&
	echo "ok - restart: 100 records left in the on-disk spool while the receiver fails" || echo "not ok - spool after run 1: $(cat "$W/spool1.json")"
receiver spool2 '[]'
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$PORT#; s#retry_initial_ms: 2000#retry_initial_ms: 50#" "$W/spool.yaml"
"$drive" --config "$W/spool.yaml" --spool "$W/spool-restart" --count 0 --expect 100 --wait-ms 10000 >"$W/spool2.json" 2>"$W/spool2.err"
grep -q "^event: SystemEvent Redeliver: output 'splunk' resent $(jq '.outputs[0].redelivered' "$W/spool2.json") records" "$W/spool2.err" &&
	echo "ok - restart: the possible duplicates are reported as a SystemEvent record" ||
	echo "not ok - no Redeliver SystemEvent: $(cat "$W/spool2.err")"
cp "$W/spool1.json" "$W/spool2.prev"
check spool2 '
def t(c, what): print(("ok - " if c else "not ok - ") + what)
evs = [json.loads(l)["event"]["Message"] for r in reqs for l in r["body"].split("\n") if l]
t(sorted(evs) == sorted("alert %d" % i for i in range(100)), "restart: all 100 spooled records delivered after the restart, none lost (%d)" % len(evs))
first = [json.loads(l) for l in open(sys.argv[1].replace("spool2.log", "spool.log"))]
inflight = len([x for x in first[-1]["body"].split("\n") if x])
t(out["sent"] == 100 and out["redelivered"] == inflight and inflight > 0,
  "restart: the batch in flight at the stop (%d records the receiver saw and answered 503) is counted as redelivered (%d)" % (inflight, out["redelivered"]))
'
