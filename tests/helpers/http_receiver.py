#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""http_receiver.py - a scripted HTTP receiver for the forwarding tests (HEC, Elasticsearch,
Loki, webhook). Logs every request (path, headers, body, what it answered) as one JSON line to
--log, and answers per a plan: a JSON list, entry i for request i (0-based); missing entries
mean success. Entries: {"status": 503} an error; {"delay": 3} answer after 3 s (the client
times out first); {"bulk": [201, 429, 400, ...]} per-item statuses of an Elasticsearch _bulk
answer (items beyond the list get 201).
Usage: http_receiver.py --port P --log FILE [--plan FILE]; prints "ready" when listening."""
import argparse, json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--plan")
args = ap.parse_args()
plan = json.load(open(args.plan)) if args.plan else []
lock = threading.Lock()
count = [0]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        with lock:
            i = count[0]
            count[0] += 1
        step = plan[i] if i < len(plan) else {}
        status, answer = 200, b""
        path = self.path
        if "status" in step:
            status, answer = step["status"], b'{"error":"planned"}'
        elif path.endswith("/_bulk"):
            lines = [l for l in body.split("\n") if l]
            want = step.get("bulk", [])
            items, errors = [], False
            for k in range(len(lines) // 2):
                st = want[k] if k < len(want) else 201
                errors = errors or st >= 300
                idx = json.loads(lines[2 * k])["create"]["_index"]
                items.append({"create": {"_index": idx, "status": st}})
            answer = json.dumps({"took": 1, "errors": errors, "items": items}).encode()
        elif "/services/collector" in path:
            answer = b'{"text":"Success","code":0}'
        elif path.startswith("/loki/"):
            status = 204
        rec = {"i": i, "path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body, "status": status, "delayed": "delay" in step}
        with lock:
            with open(args.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
        if "delay" in step:
            time.sleep(step["delay"])
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            if answer:
                self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass


srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
srv.daemon_threads = True
print("ready", flush=True)
srv.serve_forever()
