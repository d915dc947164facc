#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# agent-wire e2e, seed example 3: the real `ward agent` enforces a KubeArmorPolicy Block rule
# inside a podman (runc) container. Image built here from busybox-static plus GNU touch (so Data
# spells the seed's open flags), container labelled app=fim-demo; the agent learns it from a
# private `podman system service` socket. Policy file-integrity-monitoring: /usr/lib/ recursive
# readOnly, Block. Inside, `touch /usr/lib/test_file` fails and leaves no file, `ls /usr/lib`
# works; the host still writes below its own /usr/lib (a test-owned file, removed at once);
# exactly one alert, from the enforcer (Enforcer fanotify, Result Operation not permitted), with
# the container's identity and its own PID. After a policy reload the rule still blocks. A
# second container, started before the agent, is learned at the agent's start and blocked too.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-ctr-block.XXXXXX)
name="ctr-fim-demo-$$"
early="ctr-fim-early-$$"
image="localhost/ctr-fim-busybox-$$:latest"
hostfile="/usr/lib/ctr-ward-host-write-$$"
agent_pid= svc_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	podman rm -f -t 0 "$name" "$early" >/dev/null 2>&1
	podman rmi -f "$image" >/dev/null 2>&1
	if [ -n "$svc_pid" ]; then kill "$svc_pid" 2>/dev/null; wait "$svc_pid" 2>/dev/null; fi
	rm -f "$hostfile"
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ] || ! command -v podman >/dev/null ||
	[ ! -x /bin/busybox ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root, BTF, podman, busybox-static"; exit 1; fi
	echo "ok - container block # SKIP needs root, BTF, podman and busybox-static"; exit 0
fi

# image: busybox applets, GNU touch with its libc, something under /usr/lib to list
r="$tmp/root"
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/lib/sub" "$r/lib/x86_64-linux-gnu" "$r/lib64" "$r/tmp" "$r/etc"
cp /bin/busybox "$r/bin/"
for a in sh ls cat sleep; do ln -s busybox "$r/bin/$a"; done
cp /usr/bin/touch "$r/usr/bin/"
for l in $(ldd /usr/bin/touch | grep -o '/[^ ]*'); do mkdir -p "$r$(dirname "$l")"; cp -nL "$l" "$r$l"; done
echo lib >"$r/usr/lib/old"
tar -C "$r" -cf "$tmp/rootfs.tar" .
podman import "$tmp/rootfs.tar" "$image" >/dev/null 2>&1 && ok "image built from busybox-static" ||
	{ notok "podman import"; exit 1; }

podman system service --time=0 "unix://$tmp/podman.sock" >/dev/null 2>&1 &
svc_pid=$!
# wait until the API answers, not only until its socket exists (see t_monitor_user_container)
ready=
for _ in $(seq 100); do
	if [ -S "$tmp/podman.sock" ] &&
		curl -sf --max-time 2 --unix-socket "$tmp/podman.sock" http://d/_ping >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] && ok "podman API service on a private socket" || notok "podman service"

mkdir -p "$tmp/policies"
cat >"$tmp/policies/fim.yaml" <<'YAML'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: file-integrity-monitoring
spec:
  selector:
    matchLabels:
      app: fim-demo
  severity: 1
  tags: ["NIST", "NIST_800-53_AU-2", "NIST_800-53_SI-4", "MITRE", "MITRE_T1036_masquerading"]
  message: Detected and prevented compromise to File integrity
  action: Block
  file:
    matchDirectories:
      - dir: /usr/lib/
        recursive: true
        readOnly: true
YAML
cat >"$tmp/ward.yaml" <<YAML
cluster: ctr-cluster
hostname: ctr-host
visibility: process
runtime_sockets: [$tmp/podman.sock]
policies: [$tmp/policies]
store: {path: $tmp/ward.db}
YAML
podman run -d --runtime runc --name "$early" --label app=fim-demo "$image" /bin/sleep 120 \
	>/dev/null 2>"$tmp/run.err" || notok "podman run (before the agent): $(cat "$tmp/run.err")"
"$WARD_BIN" agent --config "$tmp/ward.yaml" --json-out "$tmp/out.json" 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" && break; sleep 0.1; done
grep -q 'enforcing with fanotify' "$tmp/err" && ok "agent starts its enforcer" ||
	notok "agent enforcer: $(cat "$tmp/err")"

podman exec "$early" /usr/bin/touch /usr/lib/early_file >/dev/null 2>&1 &&
	notok "touch in a container started before the agent succeeded" ||
	ok "touch in a container started before the agent fails"

podman run -d --runtime runc --name "$name" --label app=fim-demo "$image" /bin/sleep 120 \
	>"$tmp/cid" 2>"$tmp/run.err" && ok "container started" || notok "podman run: $(cat "$tmp/run.err")"
cid=$(cat "$tmp/cid")
# the agent learns the container from the runtime's exec of its init (a ContainerLog record)
# (grep: the agent may be writing a line right now)
for _ in $(seq 50); do grep -qF "\"ContainerName\":\"$name\"" "$tmp/out.json" && break; sleep 0.1; done
grep -qF "\"ContainerName\":\"$name\"" "$tmp/out.json" &&
	ok "the agent knows the container by name" || notok "container unknown to the agent"

out=$(podman exec "$name" /usr/bin/touch /usr/lib/test_file 2>&1)
rc=$?
[ "$rc" != 0 ] && ok "touch /usr/lib/test_file inside fails (exit $rc)" || notok "touch succeeded"
grep -q 'Operation not permitted' <<<"$out" && ok "touch says Operation not permitted" ||
	notok "touch message: $out"
out=$(podman exec "$name" /bin/ls /usr/lib 2>&1)
rc=$?
[ "$rc" = 0 ] && grep -qx old <<<"$out" && ok "ls /usr/lib works inside" || notok "ls: $rc $out"
grep -q test_file <<<"$out" && notok "test_file left behind" || ok "no test_file inside"
touch "$hostfile" && [ -e "$hostfile" ] && ok "the host still writes below its own /usr/lib" ||
	notok "host write below /usr/lib"
rm -f "$hostfile"

# a reload rebuilds the container's scope from the new set: still blocked, under the new text
sed 's/^  message: .*/  message: File integrity after reload/' "$tmp/policies/fim.yaml" >"$tmp/fim2.yaml"
mv "$tmp/fim2.yaml" "$tmp/policies/fim.yaml"
for _ in $(seq 50); do grep -q 'reloaded (1 rules)' "$tmp/err" && break; sleep 0.1; done
grep -q 'reloaded (1 rules)' "$tmp/err" && ok "the policy reloads" || notok "reload: $(cat "$tmp/err")"
podman exec "$name" /usr/bin/touch /usr/lib/test_file2 >/dev/null 2>&1 &&
	notok "after the reload touch succeeded" || ok "after the reload touch inside still fails"
podman exec "$name" /bin/ls /usr/lib | grep -q test_file2 && notok "test_file2 left behind" ||
	ok "no test_file2 inside"
sleep 1.5 # the enforcer folds identical blocks for 1 s before writing the record

kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc ($(cat "$tmp/err"))"

sel='select(.PolicyName == "file-integrity-monitoring" and .Type == "MatchedPolicy" and
	.Message != "File integrity after reload" and .Resource == "/usr/lib/test_file")'
n=$(jq -c "$sel" "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "exactly one alert for the blocked attempt" ||
	notok "alerts: $n: $(jq -c "$sel" "$tmp/out.json")"
rec=$(jq -c "$sel" "$tmp/out.json" | head -n1)
echo "# $rec"
jq -e --arg id "$cid" --arg n "$name" --arg i "$image" '.Action == "Block" and
	.Enforcer == "fanotify" and .Result == "Operation not permitted" and .Operation == "File" and
	.ContainerID == $id and (.ContainerID | test("^[0-9a-f]{64}$")) and .ContainerName == $n and
	.PodName == $n and .ContainerImage == $i and .NamespaceName == "container_namespace" and
	(.Labels | split(",") | index("app=fim-demo") != null) and
	.Resource == "/usr/lib/test_file" and .ProcessName == "/usr/bin/touch" and
	.Source == "/usr/bin/touch /usr/lib/test_file" and (.Data | test("O_WRONLY\\|O_CREAT")) and
	.Severity == "1" and .Message == "Detected and prevented compromise to File integrity" and
	.HostName == "ctr-host" and .ClusterName == "ctr-cluster"' <<<"${rec:-null}" >/dev/null &&
	ok "alert: Block, fanotify, Operation not permitted, container identity, Data flags" ||
	notok "alert fields: $rec"
# `podman exec touch`: the touch began an exec session (ExecID from the monitor's process
# table, kept after the task exited since the record comes after its fold window)
jq -e '.ExecEvent.ExecutableName == "touch" and (.ExecEvent.ExecID | test("^[1-9][0-9]+$"))' \
	<<<"${rec:-null}" >/dev/null && ok "ExecEvent: the exec session of podman exec touch" ||
	notok "ExecEvent: $rec"
# PID inside the container's namespace: small, and not the host's
jq -e '.PID > 1 and .PID < 1000 and .HostPID != .PID' <<<"${rec:-null}" >/dev/null &&
	ok "PID in the container's namespace" || notok "pids: $rec"
n=$(jq -c --arg n "$name" 'select(.Message == "File integrity after reload" and .Type == "MatchedPolicy" and
	.Enforcer == "fanotify" and .Resource == "/usr/lib/test_file2" and .ContainerName == $n)' "$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "one alert for the attempt after the reload" ||
	notok "after-reload alerts: $n: $(grep test_file2 "$tmp/out.json")"
n=$(jq -c --arg n "$early" 'select(.Type == "MatchedPolicy" and .Enforcer == "fanotify" and
	.Resource == "/usr/lib/early_file" and .ContainerName == $n and (.Labels | contains("app=fim-demo")))' \
	"$tmp/out.json" | grep -c .)
[ "$n" = 1 ] && ok "one alert for the container started before the agent" ||
	notok "early container alerts: $n: $(grep early_file "$tmp/out.json")"
n=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --policy file-integrity-monitoring |
	jq -c 'select(.Type == "MatchedPolicy" and .Enforcer == "fanotify")' | grep -c .)
[ "$n" = 3 ] && ok "exactly one alert per attempt in the store (3)" || notok "store has $n alerts"
exit $fail
