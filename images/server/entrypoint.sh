#!/bin/bash
# Entrypoint of the Shiplab server container (docker-compose.yml): give the embedded engine what a
# host gives it, run the server (the image's command), pass it SIGTERM, and once it has ended stop
# the embedded engine the server started (it outlives the server on a host, by design), so the
# sandboxes' nodes stop cleanly and their loop devices are released before the container goes.
#   - cgroups: writable, rooted at this container's own cgroup (the sandboxes' limits and the
#     embedded engine's containers go below it, never beside it on the host);
#   - loop device nodes: a node's /var/lib/docker is a loop-mounted ext4 file, and the
#     container's /dev holds no /dev/loopN;
#   - /dev/net/tun, which a learner's VPN-style container may ask for.
set -u

log() { echo "shiplab-server: $*" >&2; }

# --- cgroups -----------------------------------------------------------------------------------
# Docker mounts a container's cgroups read-only. A fresh mount of each hierarchy shows the whole
# tree of its cgroup namespace: with a private namespace that is this container's own cgroup;
# with the host's (docker-compose 1.x cannot ask for a private one) it is the host's root, so
# only this container's own subtree (the mount's root in mountinfo) is bound back in its place.
fresh=/run/shiplab-cgroups
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: one tree; the engine needs the controllers enabled below the container's cgroup.
  own=$(awk '$5 == "/sys/fs/cgroup" { print $4 }' /proc/self/mountinfo | tail -n 1)
  mkdir -p "$fresh"
  mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 "$fresh" || log "cannot mount cgroup2"
  umount /sys/fs/cgroup && mount --bind "$fresh${own%/}" /sys/fs/cgroup || log "cannot make /sys/fs/cgroup writable"
  umount "$fresh"
  mkdir -p /sys/fs/cgroup/init
  for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo "$p" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
  for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true; done
else
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || log "cannot remount /sys/fs/cgroup read-write"
  for dir in /sys/fs/cgroup/*/; do
    dir=${dir%/}
    name=${dir##*/}
    [ -L "$dir" ] && continue
    line=$(awk -v m="$dir" '$5 == m' /proc/self/mountinfo | tail -n 1)
    [ -z "$line" ] && continue
    own=$(echo "$line" | awk '{ print $4 }')
    fstype=$(echo "$line" | awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $(i+1); exit } }')
    opts=$(echo "$line" | awk '{ print $NF }' | tr ',' '\n' | grep -vE '^(rw|ro)$' | paste -sd, -)
    mkdir -p "$fresh/$name"
    if [ "$fstype" = cgroup2 ]; then
      mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 "$fresh/$name" || { log "cannot mount $name"; continue; }
    else
      mount -t cgroup -o "rw,nosuid,nodev,noexec,$opts" cgroup "$fresh/$name" || { log "cannot mount $name ($opts)"; continue; }
    fi
    umount "$dir" && mount --bind "$fresh/$name${own%/}" "$dir" || log "cannot make $dir writable"
    umount "$fresh/$name"
  done
  # Symlinks such as cpu -> cpu,cpuacct still point at the remounted hierarchies.
fi

# --- /proc and /sys as a host has them ---------------------------------------------------------
# Docker hides parts of a container's /proc and /sys (kcore, /proc/sys read-only, firmware, …)
# under mounts of its own. The embedded engine's nodes each mount a fresh procfs in their own
# user namespace, which the kernel refuses while the only procfs it can see has covered parts
# ("mount proc: operation not permitted"); `systempaths=unconfined` would say the same in
# docker-compose.yml, but Debian's docker-compose 1.29 cannot pass it. So the covers go here.
awk '$5 ~ "^/(proc|sys)/" { print $5 }' /proc/self/mountinfo | grep -v '^/sys/fs/cgroup' | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || log "cannot uncover $m"
done

# --- devices -----------------------------------------------------------------------------------
# Loop devices are the host's (LOOP_CTL_GET_FREE may hand out any number); docker-compose.yml
# allows block major 7 and /dev/loop-control. LOOP_NODES covers far more than the sandboxes one
# host holds (two stores each).
LOOP_NODES=${SHIPLAB_LOOP_NODES:-256}
for i in $(seq 0 $((LOOP_NODES - 1))); do
  [ -e "/dev/loop$i" ] || mknod -m 0660 "/dev/loop$i" b 7 "$i" 2>/dev/null || { log "cannot create /dev/loop$i (device_cgroup_rules 'b 7:* rmw')"; break; }
done
if [ ! -e /dev/net/tun ]; then
  mkdir -p /dev/net && mknod -m 0666 /dev/net/tun c 10 200 2>/dev/null || true
fi

# --- the server, then the engine ------------------------------------------------------------------
"$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
status=0
while kill -0 "$server" 2>/dev/null; do
  wait "$server"
  status=$?
done
log "the server ended ($status); stopping the embedded engine"
node --import tsx server/cli/shiplab.ts engine stop >&2 || log "the engine did not stop cleanly"
exit "$status"
