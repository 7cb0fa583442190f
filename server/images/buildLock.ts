/**
 * One image build at a time, across processes (the server and a test run may both call
 * ensureImages): a lock directory holding the owner's pid. A lock whose owner died is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/log.ts';
import { processAlive } from '../host/run.ts';

/** How often a waiter looks at the lock again. */
const POLL_MS = 500;
/** A waiter says so in the log this often, so a long wait is never silent. */
const WAIT_LOG_MS = 15_000;
/** A lock directory without a readable pid this old is debris from a crash between mkdir and write. */
const PIDLESS_STALE_MS = 10_000;

let chain: Promise<unknown> = Promise.resolve();

function tryTake(dir: string): { taken: true } | { taken: false; owner?: number } {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let owner: number | undefined;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim()) || undefined;
    } catch {
      // No pid file yet: its owner is between mkdir and write, or crashed there (aged out below).
    }
    const stale = owner ? !processAlive(owner) : Date.now() - fs.statSync(dir).mtimeMs > PIDLESS_STALE_MS;
    if (stale) {
      fs.rmSync(dir, { recursive: true, force: true });
      return tryTake(dir);
    }
    return { taken: false, owner };
  }
  fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
  return { taken: true };
}

/** Runs fn while holding the lock directory dir; waits for another holder first. */
export function withBuildLock<T>(dir: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  const next = chain.then(() => holdAndRun(dir, log, fn));
  chain = next.catch(() => undefined);
  return next;
}

async function holdAndRun<T>(dir: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const start = Date.now();
  let lastLog = 0;
  for (;;) {
    const r = tryTake(dir);
    if (r.taken) break;
    if (Date.now() - lastLog >= WAIT_LOG_MS) {
      log.info('waiting for another process to finish building images', { pid: r.owner, lock: dir, elapsed: `${Math.round((Date.now() - start) / 1000)}s` });
      lastLog = Date.now();
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
