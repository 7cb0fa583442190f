#!/bin/bash
# Entrypoint of a Shiplab sandbox node: give the inner engine writable cgroups rooted at this
# node's own cgroup, write its daemon.json from what the Shiplab server passed in the
# environment, then keep dockerd running (a learner who kills it gets it back in a second).
set -u

log() { echo "shiplab-node: $*" >&2; }

# --- cgroups -------------------------------------------------------------------------------
# Docker mounts the node's cgroups read-only. With --cgroupns private a fresh mount shows this
# node's own cgroup as the root, so the inner engine can create children, while the limits of
# the whole sandbox stay on the host-owned parent cgroup that this node cannot see or change.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: remount rw, move ourselves out of the root so controllers can be delegated.
  umount /sys/fs/cgroup 2>/dev/null
  mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/init
  for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo "$p" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
  for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true; done
else
  # cgroup v1: /sys/fs/cgroup is a tmpfs with one mount per hierarchy.
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
  for dir in /sys/fs/cgroup/*/; do
    dir=${dir%/}
    name=${dir##*/}
    [ -L "$dir" ] && continue
    opts=$(awk -v m="$dir" '$5 == m { print $NF }' /proc/self/mountinfo | tr ',' '\n' | grep -vE '^(rw|ro)$' | paste -sd, -)
    fstype=$(awk -v m="$dir" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i+1); exit } }' /proc/self/mountinfo)
    [ -z "$fstype" ] && continue
    umount "$dir" 2>/dev/null || continue
    if [ "$fstype" = cgroup2 ]; then
      mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 "$dir" || log "cannot remount $dir"
    else
      mount -t cgroup -o "rw,nosuid,nodev,noexec,$opts" cgroup "$dir" || log "cannot remount $dir ($opts)"
    fi
  done
fi

# --- daemon.json --------------------------------------------------------------------------------
mkdir -p /etc/docker
hosts='"unix:///var/run/docker.sock"'
tls=''
if [ "${SHIPLAB_ROLE:-}" = remote ]; then
  # The lesson's remote engine: plain tcp 2375 on the sandbox network only. "tls": false keeps
  # dockerd from its 15 s warning pause about an unauthenticated tcp socket.
  hosts="$hosts, \"tcp://0.0.0.0:2375\""
  tls='"tls": false,'
fi
insecure=$(echo "${SHIPLAB_INSECURE:-}" | tr ',' '\n' | sed '/^$/d; s/.*/"&"/' | paste -sd, -)
cat > /etc/docker/daemon.json <<JSON
{
  "hosts": [$hosts],
  $tls
  "registry-mirrors": ["${SHIPLAB_MIRROR:-http://shiplab-mirror:5000}"],
  "insecure-registries": [${insecure}],
  "storage-driver": "overlay2",
  "log-driver": "json-file",
  "log-opts": { "max-size": "1m", "max-file": "2" }
}
JSON

# --- containerd and dockerd, kept running -------------------------------------------------------
# containerd is started here rather than by dockerd: dockerd 20.10 gives its own containerd a
# fixed moment to answer and, on a busy machine, kills and restarts it just before it would
# have (~0.3 s lost per start). Started side by side, containerd boots while dockerd starts.
# Each loop brings its daemon back if a learner kills it.
CONTAINERD_SOCK=/run/containerd/containerd.sock
keep_running() {
  local name=$1
  shift
  while :; do
    "$@" >>"/var/log/$name.log" 2>&1
    log "$name exited with $?; starting it again"
    sleep 1
  done
}
stop() {
  pkill -TERM -x dockerd
  sleep 1
  pkill -TERM -x containerd
  exit 0
}
trap stop TERM INT
mkdir -p /run/containerd
keep_running containerd containerd --address "$CONTAINERD_SOCK" \
  --root /var/lib/docker/containerd/daemon --state /run/containerd/daemon &
keep_running dockerd bash -c "rm -f /var/run/docker.pid; exec dockerd --containerd=$CONTAINERD_SOCK" &
wait
