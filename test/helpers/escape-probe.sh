# Escape probe: what a root learner would try to reach the host's kernel through the file
# systems a container can mount. POSIX sh, so it runs in a node (bash) and in an inner busybox
# container alike. It only ever OPENS files for writing, appending (O_APPEND, never O_TRUNC, so
# tracefs keeps its events and probes) and closes them at once: not a byte is written anywhere.
# One line per attempt, for test/integration/containment.test.ts:
#   PROBE <vector> <route> <result> [detail]
# result: open (opened for writing), mounted, remounted, refused (detail: the error), absent.
#
#   sh escape-probe.sh          every probe that leaves this mount namespace as it found it,
#                               then `$PRIVATE sh escape-probe.sh private`
#   sh escape-probe.sh private  the probes that change this mount namespace's own mounts
#                               (umount /proc/sys, remount /sys rw); in a node PRIVATE is
#                               `unshare -m`, so the node itself is left as it was. A new mount
#                               namespace of the same user namespace has the same privileges.
set +e
d=$(mktemp -d /tmp/escape.XXXXXX)
SYSCTLS='kernel/core_pattern vm/drop_caches kernel/panic_on_oops kernel/kptr_restrict kernel/unprivileged_bpf_disabled'

say() { echo "PROBE $*"; }
# The error's last part ("Permission denied", "Read-only file system"), from its first line.
why() { head -n 1 "$d/err" | sed 's/ *$//; s/.*: //; s/\.$//'; }

# wopen VECTOR ROUTE FILE: open FILE for writing (appending) and close it; never writes.
wopen() {
  if [ ! -e "$3" ]; then say "$1 $2 absent"; return; fi
  if (exec 3>>"$3") 2>"$d/err"; then say "$1 $2 open"; else say "$1 $2 refused $(why)"; fi
}

# fresh VECTOR FSTYPE [OPTS]: mount a fresh FSTYPE at $d/VECTOR; 0 when it mounted.
fresh() {
  mkdir -p "$d/$1"
  if mount -t "$2" ${3:+-o "$3"} "$2" "$d/$1" 2>"$d/err"; then
    say "$1 mount mounted dev=$(stat -c %d "$d/$1")"
    return 0
  fi
  say "$1 mount refused $(why)"
  return 1
}

# Never rm -r here: a file system that failed to unmount (tracefs, debugfs) would be emptied.
cleanup() {
  for m in "$d"/*/; do umount "$m" 2>/dev/null; rmdir "$m" 2>/dev/null; done
  rm -f "$d/err"
  rmdir "$d" 2>/dev/null
}

if [ "${1:-}" = private ]; then
  # Docker's read-only /proc/sys is a bind mount over a writable procfs: take it away.
  if umount /proc/sys 2>"$d/err"; then
    for f in $SYSCTLS; do wopen "$f" unmasked "/proc/sys/$f"; done
  else
    for f in $SYSCTLS; do say "$f unmasked refused $(why)"; done
  fi
  if mount -o remount,rw /sys 2>"$d/err"; then say "sysfs remount remounted"; else say "sysfs remount refused $(why)"; fi
  cleanup
  exit 0
fi

say "uname - - $(uname -r)"
for f in $SYSCTLS; do wopen "$f" proc "/proc/sys/$f"; done
if fresh procfs proc; then
  for f in $SYSCTLS; do wopen "$f" fresh "$d/procfs/sys/$f"; done
else
  for f in $SYSCTLS; do say "$f fresh refused procfs-mount"; done
fi

# binfmt_misc: the test compares dev with the host's own instance (since kernel 6.7 a user
# namespace mounts an instance of its own, whose handlers apply only inside it).
if fresh binfmt_misc binfmt_misc; then wopen binfmt_misc register "$d/binfmt_misc/register"; fi

if fresh tracefs tracefs; then
  wopen tracefs set_event "$d/tracefs/set_event"
  wopen tracefs uprobe_events "$d/tracefs/uprobe_events"
fi

fresh debugfs debugfs

# A fresh sysfs, read-write.
fresh sysfs sysfs rw

cleanup
$PRIVATE sh "$0" private
