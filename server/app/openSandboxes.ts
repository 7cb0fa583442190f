/**
 * The sandbox capability, ready to use: the host prepared (hostBootstrap.ts), a SandboxManager
 * given this process's data directory, limits and times (from server/core/config.ts, read here
 * and not in server/sandbox/), and the leftovers of earlier runs adopted or removed.
 */
import { dataDir, sandboxLimits, sandboxTimes, type SandboxLimits, type SandboxTimes } from '../core/config.ts';
import { logger, type Logger } from '../core/log.ts';
import type { ImageProgress } from '../images/catalog.ts';
import { SandboxManager } from '../sandbox/manager.ts';
import { prepareHost } from './hostBootstrap.ts';

export interface OpenOptions {
  log?: Logger;
  limits?: SandboxLimits;
  times?: SandboxTimes;
  /** Re-adopt live sandboxes and remove broken ones at start (default true). */
  adopt?: boolean;
  onImageProgress?: (p: ImageProgress) => void;
}

export async function openSandboxes(opts: OpenOptions = {}): Promise<SandboxManager> {
  const log = opts.log ?? logger('sandbox');
  const engine = await prepareHost({ log, onImageProgress: opts.onImageProgress });
  const m = new SandboxManager(engine, {
    dataDir: dataDir(),
    limits: opts.limits ?? sandboxLimits(),
    times: opts.times ?? sandboxTimes(),
    log,
  });
  if (opts.adopt ?? true) await m.adoptOrReap();
  return m;
}
