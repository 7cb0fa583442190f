/**
 * The admission line of this lab, sized from the host: memory (os.totalmem), free disk where the
 * node stores live (the data directory), CPUs, each less its reserve or as configured
 * (server/core/config.ts CapacitySettings), divided by one sandbox's budget. Read here, in the
 * composition root, once at start; server/sandbox/ only does the arithmetic and keeps the line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CapacitySettings, SandboxLimits } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { Admission } from '../sandbox/admission.ts';
import { budgetOf, capacityOf, createsAtOnce, slotsFor, type HostResources } from '../sandbox/capacity.ts';
import type { Sandboxes } from '../sandbox/types.ts';

const GIB = 1024 ** 3;

export interface LabAdmissionOptions {
  sandboxes: Sandboxes;
  /** One sandbox's limits (its budget). */
  limits: SandboxLimits;
  /** A sandbox's TTL, ms (the estimates' upper bound). */
  ttlMs: number;
  settings: CapacitySettings;
  /** What the sandbox backend can give all sandboxes (SandboxBackend.capacity). */
  host: HostResources;
  log: Logger;
}

/** What this host has: memory, free disk under `dir` (or its nearest existing parent), CPUs. */
export function hostResources(dir: string): HostResources {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const st = fs.statfsSync(at);
  return { memoryBytes: os.totalmem(), diskFreeBytes: st.bavail * st.bsize, cpus: os.availableParallelism() };
}

export function labAdmission(o: LabAdmissionOptions): Admission {
  const s = slotsFor(capacityOf(o.host, o.settings), budgetOf(o.limits));
  const creates = createsAtOnce(o.host, o.settings);
  const gib = (b: number) => Math.round((b / GIB) * 10) / 10;
  o.log.info('admission', {
    sandboxes: s.slots,
    limitedBy: s.limitedBy,
    createsAtOnce: creates,
    queueMax: o.settings.queueMax,
    memoryGiB: gib(s.capacity.memoryBytes),
    diskGiB: gib(s.capacity.diskBytes),
    cpus: s.capacity.cpus,
  });
  if (s.slots === 0) {
    o.log.warn('this host has no room for one sandbox: every start will be refused; lower SHIPLAB_SANDBOX_MEMORY_MB / SHIPLAB_STORE_MB / SHIPLAB_SANDBOX_CPUS or the reserves', {
      limitedBy: s.limitedBy,
    });
  }
  return new Admission({ slots: s.slots, createsAtOnce: creates, queueMax: o.settings.queueMax, ttlMs: o.ttlMs, sandboxes: o.sandboxes });
}
