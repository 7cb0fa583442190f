/**
 * The host-owned parent cgroup of a sandbox. Both nodes are created with --cgroup-parent
 * pointing here, so the sandbox's memory, swap, pids, CPU and device limits sit one level above
 * anything a node can see (--cgroupns private) or write: a learner who rewrites the node's own
 * cgroup files cannot lift them. Under a user namespace remap, each node is handed its own cgroup
 * directory (delegateNodeCgroup), so that its inner engine can make its containers' cgroups.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxLimits } from '../core/config.ts';
import type { UserNamespace } from '../engine/userns.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Every sandbox's parent lives under this group, so leftovers are easy to find. */
export const PARENT_GROUP = 'shiplab';
/** CFS period, µs: the kernel default; quota = cpus × period. */
const CFS_PERIOD_US = 100_000;

/** All sandboxes together weigh a quarter of a default group (v1 cpu.shares 1024, v2 cpu.weight
 * 100) against the host's own processes when the CPU is contended: the server, which carries
 * every learner's keystrokes, and the engine that proxies their shells go first, so one learner's
 * flood cannot make another's echo wait on the scheduler. Uncontended, sandboxes use the CPU
 * their quota allows as before. */
export const SANDBOXES_CPU_SHARES = 256;
const SANDBOXES_CPU_WEIGHT = 25;

/** Devices a node may use: mknod anything (the inner engine creates device nodes for its
 * containers), but read/write only the harmless character devices every container gets, plus
 * tun. Host disks (block devices) and /dev/kmsg (c 1:11) are not in the list. */
export const DEVICE_ALLOW = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm',
] as const;

export function isCgroupV2(): boolean {
  return fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'));
}

/** The --cgroup-parent value for a sandbox (cgroupfs driver: a path). */
export function cgroupParent(sandboxId: string): string {
  return `/${PARENT_GROUP}/${sandboxId}`;
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

/** Creates the parent cgroup with the sandbox's limits (idempotent). */
export function createParentCgroup(sandboxId: string, limits: SandboxLimits): void {
  if (isCgroupV2()) {
    const top = path.join(CGROUP_ROOT, PARENT_GROUP);
    fs.mkdirSync(top, { recursive: true });
    for (const c of ['memory', 'pids', 'cpu']) {
      try { write(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), `+${c}`); } catch { /* already enabled or not delegatable at the root */ }
      try { write(path.join(top, 'cgroup.subtree_control'), `+${c}`); } catch { /* the controller is missing on this host */ }
    }
    try { write(path.join(top, 'cpu.weight'), String(SANDBOXES_CPU_WEIGHT)); } catch { /* no cpu controller here */ }
    const dir = path.join(top, sandboxId);
    fs.mkdirSync(dir, { recursive: true });
    write(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), '0');
    write(path.join(dir, 'pids.max'), String(limits.pids));
    write(path.join(dir, 'cpu.max'), `${Math.round(limits.cpus * CFS_PERIOD_US)} ${CFS_PERIOD_US}`);
    // Devices on v2 are eBPF programs Docker attaches per container; the node cannot replace
    // them because its seccomp profile denies bpf().
    return;
  }
  const dir = (ctrl: string) => path.join(CGROUP_ROOT, ctrl, PARENT_GROUP, sandboxId);
  for (const ctrl of ['memory', 'pids', 'cpu', 'devices']) fs.mkdirSync(dir(ctrl), { recursive: true });
  write(path.join(CGROUP_ROOT, 'cpu', PARENT_GROUP, 'cpu.shares'), String(SANDBOXES_CPU_SHARES));
  write(path.join(dir('memory'), 'memory.limit_in_bytes'), String(limits.memoryBytes));
  const memsw = path.join(dir('memory'), 'memory.memsw.limit_in_bytes');
  // Without swap accounting the file is missing and swap is not charged at all.
  if (fs.existsSync(memsw)) write(memsw, String(limits.memoryBytes));
  write(path.join(dir('pids'), 'pids.max'), String(limits.pids));
  write(path.join(dir('cpu'), 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
  write(path.join(dir('cpu'), 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CFS_PERIOD_US)));
  const devices = dir('devices');
  const current = fs.readFileSync(path.join(devices, 'devices.list'), 'utf8').trim();
  if (current === 'a *:* rwm') {
    write(path.join(devices, 'devices.deny'), 'a');
    for (const rule of DEVICE_ALLOW) write(path.join(devices, 'devices.allow'), rule);
  }
}

/**
 * Hands a node its own cgroup directory, before the node starts: the inner engine (root in the
 * node's user namespace, an unprivileged host uid) creates its containers' cgroups there, where
 * inner `--memory`/`--cpus` are set and enforced. The directory is the one the cgroupfs driver
 * gives the container (`<parent>/<containerId>`) in every v1 hierarchy but the empty v2 one
 * (`unified`); only that directory changes owner. Its own files (memory.limit_in_bytes, …) and
 * the sandbox's parent stay host root's, so the sandbox's limits cannot be lifted from inside.
 * On cgroup v2 (not the hosts this was measured on) the same directory and the three files the
 * kernel's delegation model names are handed over.
 */
export function delegateNodeCgroup(sandboxId: string, containerId: string, owner: UserNamespace): void {
  const rel = path.join(PARENT_GROUP, sandboxId, containerId);
  if (isCgroupV2()) {
    const dir = path.join(CGROUP_ROOT, rel);
    fs.mkdirSync(dir, { recursive: true });
    for (const p of [dir, ...['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control'].map((f) => path.join(dir, f))]) {
      fs.chownSync(p, owner.uid, owner.gid);
    }
    return;
  }
  for (const h of v1Hierarchies()) {
    const dir = path.join(CGROUP_ROOT, h, rel);
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, owner.uid, owner.gid);
  }
}

/** The v1 hierarchies' mount directories (not the symlinks to them, e.g. cpu → cpu,cpuacct),
 * without `unified`: the v2 hierarchy of a hybrid host, which has no controllers. */
function v1Hierarchies(): string[] {
  return fs
    .readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'unified')
    .map((e) => e.name);
}

/** All cgroup directories that belong to a sandbox, deepest first. */
export function sandboxCgroupDirs(sandboxId: string): string[] {
  const roots = isCgroupV2()
    ? [path.join(CGROUP_ROOT, PARENT_GROUP, sandboxId)]
    : fs.readdirSync(CGROUP_ROOT).map((c) => path.join(CGROUP_ROOT, c, PARENT_GROUP, sandboxId));
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  for (const r of new Set(roots.map(safeReal))) walk(r);
  return out;
}

function safeReal(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Removes the sandbox's cgroups (after its containers are gone). Returns directories left. */
export function removeParentCgroup(sandboxId: string): string[] {
  const left: string[] = [];
  for (const d of sandboxCgroupDirs(sandboxId)) {
    try {
      fs.rmdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(d);
    }
  }
  return left;
}

/** Sandbox ids that still have a parent cgroup on this host. */
export function listParentCgroups(): string[] {
  const ids = new Set<string>();
  const tops = isCgroupV2()
    ? [path.join(CGROUP_ROOT, PARENT_GROUP)]
    : fs.readdirSync(CGROUP_ROOT).map((c) => path.join(CGROUP_ROOT, c, PARENT_GROUP));
  for (const t of tops) {
    try {
      for (const e of fs.readdirSync(t, { withFileTypes: true })) if (e.isDirectory()) ids.add(e.name);
    } catch {
      /* this hierarchy has no shiplab group */
    }
  }
  return [...ids];
}
