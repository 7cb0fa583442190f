import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root, so paths work whatever the current directory is. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where Shiplab keeps its engine state, image build cache, sessions and sandbox stores. */
export function dataDir(): string {
  return path.resolve(process.env.SHIPLAB_DATA_DIR ?? path.join(ROOT, '.shiplab'));
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number; unset it or give a number`);
  return n;
}

export interface SandboxLimits {
  /** Hard memory limit of the whole sandbox (both nodes and everything inside), bytes. */
  memoryBytes: number;
  /** Processes in the whole sandbox; a fork bomb stops here. */
  pids: number;
  /** CPUs for the whole sandbox. */
  cpus: number;
  /** Size of each node's /var/lib/docker store, bytes. */
  storeBytes: number;
}

export function sandboxLimits(): SandboxLimits {
  return {
    memoryBytes: num('SHIPLAB_SANDBOX_MEMORY_MB', 1536) * 1024 * 1024,
    pids: num('SHIPLAB_SANDBOX_PIDS', 1024),
    cpus: num('SHIPLAB_SANDBOX_CPUS', 1),
    storeBytes: num('SHIPLAB_STORE_MB', 4096) * 1024 * 1024,
  };
}

export interface SandboxTimes {
  /** A sandbox lives at most this long. */
  ttlMs: number;
  /** A sandbox nobody touched (terminal, check, status) for this long is removed. */
  idleMs: number;
}

export function sandboxTimes(): SandboxTimes {
  return {
    ttlMs: num('SHIPLAB_SANDBOX_TTL_MIN', 120) * 60_000,
    idleMs: num('SHIPLAB_SANDBOX_IDLE_MIN', 30) * 60_000,
  };
}
