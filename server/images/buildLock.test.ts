import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logger } from '../core/log.ts';
import { withBuildLock } from './buildLock.ts';

const log = logger('test');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('withBuildLock', () => {
  it('runs holders one at a time and releases the lock', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'x-')) + '/images.lock';
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name}-`);
    };
    await Promise.all([withBuildLock(dir, log, job('a')), withBuildLock(dir, log, job('b'))]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('takes over a lock whose owner is dead, and releases after a failure', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'x-')) + '/images.lock';
    fs.mkdirSync(dir);
    // Pid numbers this high are above Linux's pid_max limit (4194304): never alive.
    fs.writeFileSync(path.join(dir, 'pid'), '999999999');
    await expect(withBuildLock(dir, log, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(fs.existsSync(dir)).toBe(false);
    expect(await withBuildLock(dir, log, async () => 42)).toBe(42);
  });
});
