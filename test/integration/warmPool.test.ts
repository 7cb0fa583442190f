/**
 * The warm pool on the real engine: a pool of TARGET spares fills through the admission line,
 * take() hands one over at once with both inner engines answering, the pool makes another, and
 * after a "restart" (pool, line and manager closed, a new manager adopting what is on the host) the
 * spares are the pool's again while the taken one, reassigned by its caller, is not. Reassign and
 * extend on the manager itself: an unknown id throws, the TTL sweep honours a new expiry. Nothing
 * is left behind; it prints the figures (fill time, take latency).
 */
import { describe, expect, it } from 'vitest';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { NODE_NAMES } from '../../server/common/api.ts';
import { logger, type Logger } from '../../server/core/log.ts';
import { Admission } from '../../server/sandbox/admission.ts';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import type { DestroyReason, Sandboxes } from '../../server/sandbox/types.ts';
import { poolOwner, WarmPool } from '../../server/workshops/warmPool.ts';
import { leftovers, NONE, sh } from '../helpers/sandbox.ts';

const TARGET = 2;
const FILL_TIMEOUT_MS = 120_000;
const WORKSHOP = `it-pool-${process.pid}`;
const ATTENDEE = 'attendee-1';

/** Warnings and errors only (the pool's and the manager's info lines would drown the figures). */
const warningsOnly = (base: Logger): Logger => ({ ...base, info: () => {}, debug: () => {}, child: (s) => warningsOnly(base.child(s)) });

/** The manager as the pool sees it, noting every sandbox created through it. */
function noting(m: SandboxManager, made: Set<string>): Sandboxes {
  return {
    get engine() {
      return m.engine;
    },
    async create(owner, onProgress) {
      const info = await m.create(owner, onProgress);
      made.add(info.id);
      return info;
    },
    get: (id) => m.get(id),
    list: () => m.list(),
    touch: (id) => m.touch(id),
    reassign: (id, owner) => m.reassign(id, owner),
    extend: (id, expiresAt) => m.extend(id, expiresAt),
    exec: (id, node, cmd, o) => m.exec(id, node, cmd, o),
    tcpConnects: (id, from, to, port) => m.tcpConnects(id, from, to, port),
    engineCreates: (id, from, to) => m.engineCreates(id, from, to),
    catalogImage: (tag) => m.catalogImage(tag),
    destroy: (id, reason) => m.destroy(id, reason),
    onDestroyed: (l) => m.onDestroyed(l),
    dispose: () => m.dispose(),
  };
}

function openPool(m: SandboxManager, made: Set<string>) {
  const sandboxes = noting(m, made);
  const admission = new Admission({ slots: TARGET + 2, createsAtOnce: 2, queueMax: 10, ttlMs: m.times.ttlMs, sandboxes });
  const pool = new WarmPool({ sandboxes, admission, log: warningsOnly(logger('pool')) });
  return { pool, admission, close: async () => (await pool.dispose(), await admission.dispose()) };
}

/** Resolves when `pool` has `ready` spares of WORKSHOP and no create running. */
function until(pool: WarmPool, ready: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => pool.counts(WORKSHOP).ready === ready && pool.counts(WORKSHOP).starting === 0;
    if (done()) return resolve();
    const timer = setTimeout(() => (sub.dispose(), reject(new Error(`pool never had ${ready} ready: ${JSON.stringify(pool.counts(WORKSHOP))}`))), FILL_TIMEOUT_MS);
    const sub = pool.onChange(() => {
      if (!done()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

const spareIds = (m: SandboxManager) => m.list().filter((s) => s.owner === poolOwner(WORKSHOP)).map((s) => s.id).sort();

describe('warm pool', () => {
  it(`fills ${TARGET} spares, hands one over at once, refills, and is adopted again after a restart`, async () => {
    const made = new Set<string>();
    const figures: string[] = [];
    let m = await openSandboxes({ adopt: false, log: warningsOnly(logger('sandbox')) });
    let open = openPool(m, made);
    try {
      // Fill.
      let t = performance.now();
      open.pool.setTarget(WORKSHOP, TARGET);
      await new Promise((r) => setImmediate(r));
      expect(open.pool.counts(WORKSHOP)).toEqual({ ready: 0, starting: 1, target: TARGET });
      await until(open.pool, TARGET);
      const fillMs = performance.now() - t;
      figures.push(`fill ${TARGET} spares: ${(fillMs / 1000).toFixed(1)} s`);
      expect(spareIds(m)).toHaveLength(TARGET);

      // Take: a running sandbox in well under a second, both engines answering.
      t = performance.now();
      const taken = open.pool.take(WORKSHOP, ATTENDEE)!;
      const takeMs = performance.now() - t;
      expect(taken).toBeDefined();
      expect(m.get(taken.id)?.owner).toBe(ATTENDEE);
      const answers = await Promise.all(NODE_NAMES.map((node) => sh(m, taken, node, "docker version --format '{{.Server.Version}}'")));
      const usableMs = performance.now() - t;
      for (const r of answers) expect(r.exitCode, r.stderr).toBe(0);
      expect(answers.every((r) => /^\d+\.\d+/.test(r.stdout.trim()))).toBe(true);
      figures.push(`take(): ${takeMs.toFixed(2)} ms; take → both inner engines answered \`docker version\`: ${usableMs.toFixed(0)} ms`);
      expect(takeMs).toBeLessThan(100);
      // Sooner than a cold create measured in this run (the fill, per spare), whatever the load:
      // a fixed 1 s failed once in CI at 1083 ms, with the refill's create running beside it.
      expect(usableMs).toBeLessThan(fillMs / TARGET);
      expect(open.pool.counts(WORKSHOP).ready).toBe(TARGET - 1);

      // Refill.
      t = performance.now();
      await until(open.pool, TARGET);
      figures.push(`refill 1 spare: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const spares = spareIds(m);
      expect(spares).toHaveLength(TARGET);
      expect(spares).not.toContain(taken.id);

      // Restart: the pool, the line and the manager close; the sandboxes stay.
      await open.close();
      await m.dispose();
      t = performance.now();
      m = await openSandboxes({ log: warningsOnly(logger('sandbox')) });
      // Labels cannot change, but the new owner is kept beside the sandbox (overrides.json): the
      // taken one comes back as the attendee's, not as a spare.
      expect(m.get(taken.id)?.owner).toBe(ATTENDEE);
      open = openPool(m, made);
      open.pool.adopt();
      figures.push(`restart (new manager adopting, pool.adopt): ${(performance.now() - t).toFixed(0)} ms`);
      expect(open.pool.counts(WORKSHOP)).toEqual({ ready: TARGET, starting: 0, target: 0 });
      open.pool.setTarget(WORKSHOP, TARGET);
      await new Promise((r) => setTimeout(r, 500));
      expect(open.pool.counts(WORKSHOP)).toEqual({ ready: TARGET, starting: 0, target: TARGET });
      expect(made.size).toBe(TARGET + 1); // nothing made after the restart: the spares were enough
      const again = open.pool.take(WORKSHOP, 'attendee-2')!;
      expect(spares).toContain(again.id);
      expect((await sh(m, again, 'node1', 'hostname')).stdout.trim()).toBe('node1');

      // reassign and extend on the manager: unknown ids throw; the TTL sweep honours a new expiry.
      expect(() => m.reassign('nosuchsandbox', 'x')).toThrow(/no sandbox nosuchsandbox/);
      expect(() => m.extend('nosuchsandbox', Date.now())).toThrow(/no sandbox nosuchsandbox/);
      expect(() => m.extend(taken.id, NaN)).toThrow(RangeError);
      const later = Date.now() + 10 * m.times.ttlMs;
      m.extend(taken.id, later);
      expect(m.get(taken.id)?.expiresAt).toBe(later);
      await m.sweepNow();
      expect(m.get(taken.id)).toBeDefined();
      const reasons = new Map<string, DestroyReason>();
      const sub = m.onDestroyed((e) => reasons.set(e.id, e.reason));
      m.extend(taken.id, Date.now() - 1);
      await m.sweepNow();
      sub.dispose();
      expect(reasons.get(taken.id)).toBe('expired');
      expect(m.get(taken.id)).toBeUndefined();

      // Target 0: the spares go.
      await until(open.pool, TARGET); // the refill after the second take
      open.pool.setTarget(WORKSHOP, 0);
      await open.close();
      expect(spareIds(m)).toEqual([]);
    } finally {
      await open.close();
      for (const id of made) if (m.get(id)) await m.destroy(id, 'requested');
      await m.dispose();
      console.log(['warm pool:', ...figures.map((f) => `  ${f}`)].join('\n'));
    }
    expect(await leftovers(m.engine.docker, [...made])).toEqual(NONE);
  }, 10 * 60_000);
});
