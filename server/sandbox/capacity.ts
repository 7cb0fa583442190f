/**
 * How many sandboxes the host holds at once: the global capacity (memory, disk, CPUs, measured
 * once at start by the composition root, or set) divided by one sandbox's budget (its memory
 * limit, its two node stores, its CPU limit). The sum of the budgets of the sandboxes that exist
 * never exceeds the capacity, because Admission (admission.ts) never lets more than `slots` exist.
 * Pure arithmetic; the composition root (server/app/labAdmission.ts) reads the host.
 */
import { NODE_NAMES } from '../common/api.ts';
import type { CapacitySettings, SandboxLimits } from '../core/config.ts';
import { POOL_SIZE } from './addresses.ts';

/**
 * CPU limits are ceilings for bursts, not reservations: a learner mostly reads and types, and a
 * sandbox at rest uses next to no CPU. So all sandboxes' CPU limits may add up to this many times
 * the host's CPUs. Memory and disk are not overcommitted: a sandbox may really fill its memory
 * limit and its stores, and the host must survive all of them doing it at once.
 */
export const CPU_OVERCOMMIT = 4;

/**
 * Creating a sandbox is the busy part (two inner engines starting, ext4 stores made): one create
 * keeps about one core busy for its ~2 s, so the default is one create per host CPU (2 at a time
 * on 2 cores), and never more than this many, since the host engine serializes much of the work.
 */
export const MAX_DEFAULT_CREATES_AT_ONCE = 4;

/** What the host has, read once at start. */
export interface HostResources {
  /** os.totalmem(), bytes. */
  memoryBytes: number;
  /** Free space on the file system of the data directory (where the node stores live), bytes. */
  diskFreeBytes: number;
  /** os.availableParallelism(). */
  cpus: number;
}

/** The most all sandboxes together may be given. */
export interface Capacity {
  memoryBytes: number;
  diskBytes: number;
  cpus: number;
  /** A cap on the count itself (a setting, and the subnet pool's POOL_SIZE). */
  sandboxes: number;
}

/** The most one sandbox may use. */
export interface Budget {
  memoryBytes: number;
  /** Its nodes' stores: one sparse file of SandboxLimits.storeBytes per node. */
  diskBytes: number;
  cpus: number;
}

export type CapacityResource = keyof Capacity;

export interface Slots {
  /** Sandboxes that may exist at once (0 when the host cannot hold even one). */
  slots: number;
  /** The resource that sets `slots`. */
  limitedBy: CapacityResource;
  capacity: Capacity;
  budget: Budget;
}

export function budgetOf(limits: SandboxLimits): Budget {
  return { memoryBytes: limits.memoryBytes, diskBytes: NODE_NAMES.length * limits.storeBytes, cpus: limits.cpus };
}

/** The capacity: each setting if given, else what the host has less its reserve. */
export function capacityOf(host: HostResources, s: CapacitySettings): Capacity {
  return {
    memoryBytes: s.memoryBytes ?? Math.max(0, host.memoryBytes - s.reserveMemoryBytes),
    diskBytes: s.diskBytes ?? Math.max(0, host.diskFreeBytes - s.reserveDiskBytes),
    cpus: s.cpus ?? host.cpus * CPU_OVERCOMMIT,
    sandboxes: Math.min(s.sandboxes ?? POOL_SIZE, POOL_SIZE),
  };
}

/** How many sandboxes of `budget` fit in `capacity` at once, and which resource decides. */
export function slotsFor(capacity: Capacity, budget: Budget): Slots {
  const fits: [CapacityResource, number][] = [
    ['memoryBytes', Math.floor(capacity.memoryBytes / budget.memoryBytes)],
    ['diskBytes', Math.floor(capacity.diskBytes / budget.diskBytes)],
    ['cpus', Math.floor(capacity.cpus / budget.cpus)],
    ['sandboxes', capacity.sandboxes],
  ];
  let [limitedBy, slots] = fits[0]!;
  for (const [r, n] of fits) {
    if (n < slots) [limitedBy, slots] = [r, n];
  }
  return { slots: Math.max(0, slots), limitedBy, capacity, budget };
}

/** Sandbox creates at once: the setting, else one per host CPU up to MAX_DEFAULT_CREATES_AT_ONCE. */
export function createsAtOnce(host: Pick<HostResources, 'cpus'>, s: Pick<CapacitySettings, 'createsAtOnce'>): number {
  return s.createsAtOnce ?? Math.max(1, Math.min(host.cpus, MAX_DEFAULT_CREATES_AT_ONCE));
}
