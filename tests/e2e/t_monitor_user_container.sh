#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# monitor-user e2e: a podman (runc) container, image built here from busybox-static, labelled
# app=demo. The agent learns name, image and labels from podman's Docker-compatible API (a
# private `podman system service` socket) and writes ContainerLog records and a MatchedPolicy
# alert (KubeArmorPolicy selecting app=demo) with ContainerID, ContainerName, ContainerImage,
# Labels, NamespaceName, PodName, PIDs in the container's namespace and container-side paths.
set -u
: "${WARD_BIN:?}" "${WARD_TOP:?}"
tmp=$(mktemp -d /tmp/ward-mu-ct.XXXXXX)
name="monitor-user-demo-$$"
name2="monitor-user-exec-$$"
name3="monitor-user-preexec-$$"
image="localhost/monitor-user-busybox-$$:latest"
agent_pid= svc_pid= pre_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -KILL "$agent_pid" 2>/dev/null
	[ -n "$pre_pid" ] && kill -KILL "$pre_pid" 2>/dev/null
	podman rm -f "$name" "$name2" "$name3" >/dev/null 2>&1
	podman rmi -f "$image" >/dev/null 2>&1
	if [ -n "$svc_pid" ]; then kill "$svc_pid" 2>/dev/null; wait "$svc_pid" 2>/dev/null; fi
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
if [ "$(id -u)" != 0 ] || ! command -v podman >/dev/null || [ ! -x /bin/busybox ]; then
	if [ "${WARD_REQUIRE_KERNEL:-0}" = 1 ]; then notok "prerequisite: root, podman, busybox-static"; exit 1; fi
	echo "ok - container # SKIP needs root, podman and busybox-static"; exit 0
fi

mkdir -p "$tmp/root/bin" "$tmp/root/tmp" "$tmp/root/etc"
cp /bin/busybox "$tmp/root/bin/"
for c in sh cat touch sleep; do ln -s busybox "$tmp/root/bin/$c"; done
tar -C "$tmp/root" -cf "$tmp/rootfs.tar" .
podman import "$tmp/rootfs.tar" "$image" >/dev/null 2>&1 && ok "image built from busybox-static" ||
	{ notok "podman import"; exit 1; }

podman system service --time=0 "unix://$tmp/podman.sock" >/dev/null 2>&1 &
svc_pid=$!
# The socket appears before the service answers; its first answers can take over a second on
# a busy machine. The agent fetches container metadata with a 1 s timeout, so a container that
# starts and exits while the runtime is still warming up is recorded by id only (a documented
# limit). Wait until the API answers, as a running runtime would, before testing metadata.
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

# An exec session that began before the agent: its shell waits for /tmp/go, then runs cat.
podman run -d --runtime runc --name "$name3" --label app=demo \
	--label kubearmor.io/namespace=mu-demo "$image" /bin/sleep 60 >/dev/null ||
	notok "podman run -d $name3"
podman exec "$name3" /bin/sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; cat /etc/hostname' \
	>/dev/null 2>&1 &
pre_pid=$!
for _ in $(seq 50); do
	podman top "$name3" args 2>/dev/null | grep -q 'while' && break
	sleep 0.1
done

cat >"$tmp/ward.yaml" <<YAML
hostname: mu-ct-host
runtime_sockets: [$tmp/podman.sock]
policies: [$WARD_TOP/tests/data/monitor-user/container-audit.yaml]
YAML
"$WARD_BIN" agent --config "$tmp/ward.yaml" --store "$tmp/ward.db" --json-out "$tmp/out.json" \
	--visibility process 2>"$tmp/err" &
agent_pid=$!
for _ in $(seq 100); do grep -q 'monitoring' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
grep -q 'monitoring (.*1 rules' "$tmp/err" && ok "agent monitoring with the container policy" ||
	notok "agent start: $(cat "$tmp/err")"

# No --rm: the agent asks the runtime for a container's metadata when it reads the container's
# first event; a container removed before that (a few ms of --rm cleanup after a very short run)
# is recorded by id only, a documented limit. The trap removes it.
podman run --runtime runc --cidfile "$tmp/cid" --name "$name" --label app=demo \
	--label kubearmor.io/namespace=mu-demo "$image" /bin/sh -c 'cd /tmp; cat /etc/hostname; echo done' \
	>/dev/null && ok "container ran" || notok "podman run"
cid=$(cat "$tmp/cid")
# An exec session: `podman exec` into a running container (KubeArmor's ExecEvent.ExecID)
podman run -d --runtime runc --name "$name2" --label app=demo \
	--label kubearmor.io/namespace=mu-demo "$image" /bin/sleep 60 >/dev/null &&
	podman exec "$name2" /bin/sh -c 'cat /etc/hostname; echo done' >/dev/null &&
	ok "podman exec into a running container" || notok "podman run -d / exec"
podman exec "$name3" /bin/touch /tmp/go && wait "$pre_pid" && ok "session begun before the agent ran cat" ||
	notok "podman exec touch / the waiting session"
pre_pid=
sleep 0.3
kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=

# every record of the container carries its identity
common=$(jq -cn --arg id "$cid" --arg n "$name" --arg i "$image" '{ContainerID: $id,
	ContainerName: $n, PodName: $n, ContainerImage: $i, NamespaceName: "mu-demo",
	Labels: "app=demo,kubearmor.io/namespace=mu-demo", HostName: "mu-ct-host"}')
n=$(jq -c --arg n "$name" 'select(.ContainerName == $n)' "$tmp/out.json" | grep -c .)
[ "$n" -ge 3 ] && ok "records of the container ($n)" || notok "records of the container: $n"
bad=$(jq -c --arg n "$name" --argjson c "$common" 'select(.ContainerName == $n) |
	select(with_entries(select(.key as $k | $c | has($k))) != $c)' "$tmp/out.json" | head -n 3)
[ -z "$bad" ] && ok "ContainerID (64 hex), name, image, labels, namespace on every record" ||
	notok "identity fields: $bad"
[[ "$cid" =~ ^[0-9a-f]{64}$ ]] && ok "container id is 64 hex" || notok "cid $cid"

got=$(jq -c --arg n "$name" 'select(.ContainerName == $n and .Operation == "Process" and .PID == 1)
	| [.Type, .PPID, .ProcessName, .Resource, .Cwd]' "$tmp/out.json")
want='["ContainerLog",0,"/bin/busybox","/bin/busybox -c cd /tmp; cat /etc/hostname; echo done","/"]'
[ "$got" = "$want" ] && ok "container init: PID 1 in its namespace, ContainerLog" || notok "init exec: $got"
got=$(jq -c --arg n "$name" 'select(.ContainerName == $n and .Operation == "Process" and .PID != 1)
	| [.Type, .PPID, .ProcessName, .ParentProcessName, .Source, .Resource, .Cwd, .HostPID != .PID]' "$tmp/out.json")
want='["ContainerLog",1,"/bin/busybox","/bin/busybox","/bin/busybox","/bin/busybox /etc/hostname","/tmp/",true]'
[ "$got" = "$want" ] && ok "cat: container-side paths and pids" || notok "cat exec: $got"
got=$(jq -c --arg n "$name" 'select(.ContainerName == $n and .Type == "MatchedPolicy")
	| del(.Timestamp, .UpdatedTime, .HostPID, .HostPPID, .PID, .ContainerID, .ContainerName,
	  .PodName, .ContainerImage, .NamespaceName, .Labels, .HostName, .ClusterName)' "$tmp/out.json")
want='{"PPID":1,"UID":0,"ParentProcessName":"/bin/busybox","ProcessName":"/bin/busybox","PolicyName":"mu-demo-hostname-read","Severity":"4","Tags":"demo","ATags":["demo"],"Message":"demo container read its hostname file","Type":"MatchedPolicy","Source":"/bin/busybox /etc/hostname","Operation":"File","Resource":"/etc/hostname","Data":"syscall=SYS_OPENAT fd=-100 flags=O_RDONLY","Enforcer":"eBPF Monitor","Action":"Audit","Result":"Passed","Cwd":"/tmp/","ExecEvent":{"ExecID":"0","ExecutableName":"cat"}}'
[ "$got" = "$want" ] && ok "KubeArmorPolicy selected by label: MatchedPolicy alert" ||
	notok "container alert: $got"
# the exec session: the shell podman exec started and the cat it ran share one ExecID, named
# after the shell; the container's own init (sleep, PID 1) is in no session
got=$(jq -c --arg n "$name2" 'select(.ContainerName == $n and .Operation == "Process")
	| [.PID == 1, .ExecEvent.ExecID, .ExecEvent.ExecutableName, .Resource]' "$tmp/out.json")
init=$(jq -c 'select(.[0])' <<<"$got")
[ "$init" = '[true,"0","sleep","/bin/busybox 60"]' ] && ok "container init: ExecID 0" ||
	notok "init of the exec container: $got"
ids=$(jq -r 'select(.[0] | not) | .[1]' <<<"$got" | sort -u)
names=$(jq -r 'select(.[0] | not) | .[2]' <<<"$got" | sort -u | tr '\n' ' ')
nexec=$(jq -c 'select(.[0] | not)' <<<"$got" | grep -c .)
if [ "$nexec" -ge 2 ] && [ "$(grep -c . <<<"$ids")" = 1 ] && [[ "$ids" =~ ^[1-9][0-9]+$ ]] &&
	[ "$names" = "sh " ]; then
	ok "podman exec: sh and the cat it ran share ExecID $ids, ExecutableName sh"
else
	notok "exec session records: $got"
fi
got=$(jq -c --arg n "$name2" 'select(.ContainerName == $n and .Type == "MatchedPolicy")
	| [.Resource, .ExecEvent.ExecID, .ExecEvent.ExecutableName]' "$tmp/out.json")
[ "$got" = "$(jq -cn --arg i "$ids" '["/etc/hostname", $i, "sh"]')" ] &&
	ok "the alert of the exec'd cat carries the session" || notok "exec session alert: $got"
# the session that began before the agent: found in /proc at start, so its cat carries it; the
# touch that released it is a session of its own
got=$(jq -c --arg n "$name3" 'select(.ContainerName == $n and .Operation == "Process" and .PID != 1)
	| [.Resource, .ExecEvent.ExecID, .ExecEvent.ExecutableName]' "$tmp/out.json")
cat_id=$(jq -r 'select(.[0] == "/bin/busybox /etc/hostname") | .[1]' <<<"$got" | sort -u)
cat_name=$(jq -r 'select(.[0] == "/bin/busybox /etc/hostname") | .[2]' <<<"$got" | sort -u)
touch_id=$(jq -r 'select(.[0] == "/bin/busybox /tmp/go") | .[1]' <<<"$got" | sort -u)
if [[ "$cat_id" =~ ^[1-9][0-9]+$ ]] && [ "$cat_name" = sh ] && [[ "$touch_id" =~ ^[1-9][0-9]+$ ]] &&
	[ "$cat_id" != "$touch_id" ]; then
	ok "session begun before the agent: cat has ExecID $cat_id (sh), touch its own $touch_id"
else
	notok "pre-existing exec session: $got"
fi
n=$("$WARD_BIN" logs --store "$tmp/ward.db" --json --limit 0 --container-id "$cid" | grep -c .)
m=$(jq -c --arg n "$name" 'select(.ContainerName == $n)' "$tmp/out.json" | grep -c .)
[ "$n" = "$m" ] && ok "the store has the container's $n records" || notok "store: $n, json-out: $m"
exit $fail
