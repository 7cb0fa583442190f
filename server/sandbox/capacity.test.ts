import { describe, expect, it } from 'vitest';
import type { CapacitySettings } from '../core/config.ts';
import { POOL_SIZE } from './addresses.ts';
import { budgetOf, capacityOf, createsAtOnce, CPU_OVERCOMMIT, MAX_DEFAULT_CREATES_AT_ONCE, slotsFor } from './capacity.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** The defaults of server/core/config.ts. */
const defaults: CapacitySettings = {
  memoryBytes: undefined, reserveMemoryBytes: 2048 * MIB, diskBytes: undefined, reserveDiskBytes: 8192 * MIB,
  cpus: undefined, sandboxes: undefined, createsAtOnce: undefined, queueMax: 100,
};
const sandbox = { memoryBytes: 1536 * MIB, pids: 1024, cpus: 1, storeBytes: 4096 * MIB };

describe('capacity', () => {
  it('counts a sandbox as its memory limit, both node stores and its CPU limit', () => {
    expect(budgetOf(sandbox)).toEqual({ memoryBytes: 1536 * MIB, diskBytes: 8 * GIB, cpus: 1 });
  });

  it('takes the host less its reserves, so the issue\'s 24 GiB host holds 14 sandboxes of memory, not 256', () => {
    const host = { memoryBytes: 24 * GIB, diskFreeBytes: 500 * GIB, cpus: 8 };
    const cap = capacityOf(host, defaults);
    expect(cap).toEqual({ memoryBytes: 22 * GIB, diskBytes: 492 * GIB, cpus: 8 * CPU_OVERCOMMIT, sandboxes: POOL_SIZE });
    expect(slotsFor(cap, budgetOf(sandbox))).toMatchObject({ slots: 14, limitedBy: 'memoryBytes' });
  });

  it('lets the smallest resource decide, and the sum of the budgets never exceeds any of them', () => {
    const hosts = [
      { memoryBytes: 23 * GIB, diskFreeBytes: 76 * GIB, cpus: 2 }, // this machine: disk decides (8)
      { memoryBytes: 4 * GIB, diskFreeBytes: 1000 * GIB, cpus: 64 }, // memory: 1
      { memoryBytes: 512 * GIB, diskFreeBytes: 10_000 * GIB, cpus: 2 }, // CPUs: 8
      { memoryBytes: 1 * GIB, diskFreeBytes: 1 * GIB, cpus: 1 }, // nothing fits
    ];
    const decided = hosts.map((h) => {
      const s = slotsFor(capacityOf(h, defaults), budgetOf(sandbox));
      expect(s.slots * s.budget.memoryBytes).toBeLessThanOrEqual(s.capacity.memoryBytes);
      expect(s.slots * s.budget.diskBytes).toBeLessThanOrEqual(s.capacity.diskBytes);
      expect(s.slots * s.budget.cpus).toBeLessThanOrEqual(s.capacity.cpus);
      expect(s.slots).toBeLessThanOrEqual(s.capacity.sandboxes);
      return [s.slots, s.limitedBy];
    });
    expect(decided).toEqual([[8, 'diskBytes'], [1, 'memoryBytes'], [8, 'cpus'], [0, 'memoryBytes']]);
  });

  it('takes each setting over the host, and never more sandboxes than subnets', () => {
    const host = { memoryBytes: 23 * GIB, diskFreeBytes: 76 * GIB, cpus: 2 };
    const set = { ...defaults, memoryBytes: 6 * GIB, diskBytes: 1000 * GIB, cpus: 100, sandboxes: 3 };
    expect(slotsFor(capacityOf(host, set), budgetOf(sandbox))).toMatchObject({ slots: 3, limitedBy: 'sandboxes' });
    expect(slotsFor(capacityOf(host, { ...set, sandboxes: undefined }), budgetOf(sandbox))).toMatchObject({ slots: 4, limitedBy: 'memoryBytes' });
    expect(capacityOf(host, { ...set, sandboxes: 10_000 }).sandboxes).toBe(POOL_SIZE);
  });

  it('creates one sandbox per CPU at once by default, 2 on 2 cores, within bounds', () => {
    expect(createsAtOnce({ cpus: 2 }, defaults)).toBe(2);
    expect(createsAtOnce({ cpus: 1 }, defaults)).toBe(1);
    expect(createsAtOnce({ cpus: 64 }, defaults)).toBe(MAX_DEFAULT_CREATES_AT_ONCE);
    expect(createsAtOnce({ cpus: 64 }, { createsAtOnce: 9 })).toBe(9);
  });
});
