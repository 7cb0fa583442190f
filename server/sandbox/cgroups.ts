/**
 * The host-owned parent cgroup of a sandbox. Both nodes are created with --cgroup-parent
 * pointing here, so the sandbox's memory, swap, pids, CPU and device limits sit one level above
 * anything a node can see (--cgroupns private) or write: a learner who rewrites the node's own
 * cgroup files cannot lift them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxLimits } from '../core/config.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Every sandbox's parent lives under this group, so leftovers are easy to find. */
export const PARENT_GROUP = 'shiplab';
/** CFS period, µs: the kernel default; quota = cpus × period. */
const CFS_PERIOD_US = 100_000;

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
