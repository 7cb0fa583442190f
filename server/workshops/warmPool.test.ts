import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { Admission, type AdmissionChange, type AdmissionTicket } from '../sandbox/admission.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { poolOwner, poolWorkshop, TICK_MS, WarmPool, type WarmPoolOptions } from './warmPool.ts';

const MIN = 60_000;
const TTL = 120 * MIN;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/**
 * Sandboxes whose creates end when the test says so (finish/fail, oldest first), with the calls
 * the pool made: creates, touches, reassigns, removals.
 */
function fakeSandboxes() {
  const boxes = new Map<string, SandboxInfo>();
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const pending: { owner: string; resolve: (i: SandboxInfo) => void; reject: (e: Error) => void }[] = [];
  const calls = { creates: [] as string[], touches: new Map<string, number>(), reassigns: [] as [string, string][], destroys: [] as [string, DestroyReason][] };
  let n = 0;
  const add = (owner: string, expiresAt = Date.now() + TTL): SandboxInfo => {
    const info = { id: `sb${++n}`, owner, createdAt: Date.now(), expiresAt } as SandboxInfo;
    boxes.set(info.id, info);
    return info;
  };
  const sandboxes = {
    async create(owner: string) {
      calls.creates.push(owner);
      return new Promise<SandboxInfo>((resolve, reject) => pending.push({ owner, resolve, reject }));
    },
    get: (id: string) => boxes.get(id),
    list: () => [...boxes.values()],
    touch: (id: string) => void calls.touches.set(id, (calls.touches.get(id) ?? 0) + 1),
    reassign(id: string, owner: string) {
      const b = boxes.get(id);
      if (!b) throw new Error(`no sandbox ${id}`);
      calls.reassigns.push([id, owner]);
      b.owner = owner;
    },
    extend() {},
    async destroy(id: string, reason: DestroyReason) {
      calls.destroys.push([id, reason]);
      if (boxes.delete(id)) destroyed.fire({ id, reason });
    },
    onDestroyed: destroyed.event,
  } as unknown as Sandboxes;
  /** The oldest create running ends with a sandbox. */
  const finish = async (): Promise<SandboxInfo> => {
    const p = pending.shift();
    if (!p) throw new Error('no create is running');
    const info = add(p.owner);
    p.resolve(info);
    await settle();
    return info;
  };
  const fail = async () => {
    pending.shift()!.reject(new Error('the engine said no'));
    await settle();
  };
  return { sandboxes, boxes, pending, calls, add, finish, fail };
}

/** Lets promise callbacks and queued refills run (fake timers do not move). */
const settle = () => vi.advanceTimersByTimeAsync(0);
/** Moves the clock by `ms`, running the pool's ticks on the way. */
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

function fixture(o: { slots?: number; createsAtOnce?: number; refillPerMin?: number } = {}) {
  const fake = fakeSandboxes();
  const admission = new Admission({ slots: o.slots ?? 10, createsAtOnce: o.createsAtOnce ?? 2, queueMax: 10, ttlMs: TTL, sandboxes: fake.sandboxes });
  const changes: AdmissionChange[] = [];
  admission.onChange((c) => changes.push(c));
  const opts: WarmPoolOptions = { sandboxes: fake.sandboxes, admission, log: quiet, refillPerMin: o.refillPerMin ?? 100 };
  const pool = new WarmPool(opts);
  const events: string[] = [];
  pool.onChange((e) => events.push(e.workshop));
  /** Finishes pool creates one by one until none is running. */
  const fill = async () => {
    for (let i = 0; fake.pending.length && i < 100; i++) await fake.finish();
  };
  return { ...fake, admission, changes, pool, events, fill, opts };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('pool owners', () => {
  it('names a workshop\'s spares and reads the workshop back', () => {
    expect(poolOwner('ws1')).toBe('pool:ws1');
    expect(poolWorkshop(poolOwner('ws1'))).toBe('ws1');
    expect(poolWorkshop('pool:')).toBeUndefined();
    expect(poolWorkshop('learner-pool:x')).toBeUndefined();
    expect(poolWorkshop('a1b2c3')).toBeUndefined();
  });
});

describe('WarmPool', () => {
  it('refills up to the target, one create at a time, each through the admission line', async () => {
    const { pool, pending, calls, fill, finish, changes } = fixture();
    pool.setTarget('w', 3);
    await settle();
    expect(pending.map((p) => p.owner)).toEqual(['pool:w']);
    expect(pool.counts('w')).toEqual({ ready: 0, starting: 1, target: 3 });
    await wait(3 * TICK_MS);
    expect(pending).toHaveLength(1); // still one: ticks start nothing while a create runs
    await finish();
    expect(pool.counts('w')).toEqual({ ready: 1, starting: 1, target: 3 });
    await fill();
    await wait(3 * TICK_MS);
    expect(pool.counts('w')).toEqual({ ready: 3, starting: 0, target: 3 });
    expect(calls.creates).toEqual(['pool:w', 'pool:w', 'pool:w']);
    // Each create was granted at once and its lane given back.
    const pools = changes.filter((c) => c.owner === 'pool:w').map((c) => c.kind);
    expect(pools).toEqual(['queued', 'granted', 'released', 'queued', 'granted', 'released', 'queued', 'granted', 'released']);
  });

  it('runs one create at a time over all workshops, the one lacking most first', async () => {
    const { pool, pending, finish, fill } = fixture();
    pool.setTarget('a', 1);
    pool.setTarget('b', 3);
    await settle();
    expect(pending.map((p) => p.owner)).toEqual(['pool:b']);
    expect(pool.counts('a').starting + pool.counts('b').starting).toBe(1);
    await finish(); // b lacks 2, a lacks 1
    expect(pending.map((p) => p.owner)).toEqual(['pool:b']);
    await finish(); // both lack 1: the first set goes first
    expect(pending.map((p) => p.owner)).toEqual(['pool:a']);
    await fill();
    expect([pool.counts('a').ready, pool.counts('b').ready]).toEqual([1, 3]);
  });

  it('starts at most refillPerMin creates in any minute', async () => {
    const { pool, pending, calls, finish } = fixture({ refillPerMin: 2 });
    pool.setTarget('w', 5);
    await settle();
    await finish();
    await finish();
    await wait(MIN - TICK_MS); // ticks all along: the minute is not over
    expect(calls.creates).toHaveLength(2);
    expect(pending).toHaveLength(0);
    await wait(TICK_MS);
    expect(calls.creates).toHaveLength(3);
    expect(pool.counts('w')).toEqual({ ready: 2, starting: 1, target: 5 });
  });

  it('yields to learners: never asks while someone waits in line or no lane or slot is free', async () => {
    const { pool, admission, pending, changes, boxes, finish, add, fill, sandboxes } = fixture({ slots: 3, createsAtOnce: 1 });
    const ask = (owner: string): AdmissionTicket => {
      const r = admission.request(owner);
      if (!r.ok) throw new Error(r.error);
      return r.ticket;
    };
    const l1 = ask('learner1'); // creating: the only lane
    const l2 = ask('learner2'); // waits for the lane
    pool.setTarget('w', 2);
    await wait(5 * TICK_MS);
    expect(pending).toHaveLength(0);
    expect(admission.waiting).toBe(1);
    add('learner1');
    l1.dispose(); // learner2 gets the lane: the line is empty, but no lane is free
    expect(l2.state).toBe('granted');
    await wait(5 * TICK_MS);
    expect(pending).toHaveLength(0);
    add('learner2');
    l2.dispose(); // one slot of three left, nobody waiting: the pool may go
    await settle();
    expect(pending.map((p) => p.owner)).toEqual(['pool:w']);
    await finish();
    await wait(5 * TICK_MS);
    expect(pending).toHaveLength(0); // the host is full: no more
    expect(pool.counts('w')).toEqual({ ready: 1, starting: 0, target: 2 });
    // A learner leaving frees a slot: the pool fills it when nobody waits.
    const learner1 = [...boxes.values()].find((b) => b.owner === 'learner1')!;
    await sandboxes.destroy(learner1.id, 'requested');
    await settle();
    expect(pending).toHaveLength(1);
    await fill();
    expect(pool.counts('w').ready).toBe(2);
    // The pool never stood in line: each of its requests was granted at once.
    changes.forEach((c, i) => {
      if (c.kind === 'queued' && c.owner === 'pool:w') expect(changes[i + 1]).toEqual({ kind: 'granted', owner: 'pool:w' });
    });
    expect(changes.filter((c) => c.owner === 'pool:w' && c.kind === 'withdrawn')).toEqual([]);
  });

  it('take reassigns a ready spare, gives the one with most time left, and refills', async () => {
    const { pool, calls, boxes, pending, add, events, sandboxes } = fixture();
    const older = add('pool:w', Date.now() + 10 * MIN);
    const newer = add('pool:w', Date.now() + 100 * MIN);
    pool.adopt();
    expect(pool.take('other', 'x')).toBeUndefined();
    pool.setTarget('w', 2);
    await settle();
    expect(pending).toHaveLength(0);
    events.length = 0;
    const got = pool.take('w', 'learner1');
    expect(got?.id).toBe(newer.id);
    expect(got?.owner).toBe('learner1');
    expect(calls.reassigns).toEqual([[newer.id, 'learner1']]);
    expect(boxes.get(newer.id)?.owner).toBe('learner1');
    expect(events).toEqual(['w']);
    expect(pool.counts('w')).toMatchObject({ ready: 1 });
    await settle();
    expect(pending.map((p) => p.owner)).toEqual(['pool:w']);
    expect(pool.take('w', 'learner2')?.id).toBe(older.id);
    expect(pool.take('w', 'learner3')).toBeUndefined();
    // A taken sandbox is no longer the pool's: removing it does not count as a lost spare.
    events.length = 0;
    await sandboxes.destroy(newer.id, 'requested');
    expect(events).toEqual([]);
  });

  it('notices a spare removed behind its back (expired) and makes another', async () => {
    const { pool, fill, pending, events, sandboxes } = fixture();
    pool.setTarget('w', 2);
    await settle();
    await fill();
    const [lost] = sandboxes.list();
    events.length = 0;
    const removing = sandboxes.destroy(lost!.id, 'expired');
    expect(events).toEqual(['w']);
    expect(pool.counts('w')).toEqual({ ready: 1, starting: 0, target: 2 });
    await removing;
    await settle();
    expect(pending).toHaveLength(1);
    expect(pool.counts('w')).toEqual({ ready: 1, starting: 1, target: 2 });
  });

  it('a failed create is tried again later', async () => {
    const { pool, fail, pending, fill } = fixture({ refillPerMin: 6 });
    pool.setTarget('w', 1);
    await settle();
    await fail();
    await fail();
    expect(pool.counts('w')).toEqual({ ready: 0, starting: 1, target: 1 });
    await fill();
    expect(pool.counts('w')).toEqual({ ready: 1, starting: 0, target: 1 });
    expect(pending).toHaveLength(0);
  });

  it('setTarget lower removes the surplus (least time left first); 0 removes every spare and stops', async () => {
    const { pool, calls, add, pending, boxes, finish, fill } = fixture();
    const soon = add('pool:w', Date.now() + 5 * MIN);
    add('pool:w');
    add('pool:w');
    pool.adopt();
    pool.setTarget('w', 2);
    expect(calls.destroys).toEqual([[soon.id, 'requested']]);
    await settle();
    expect(pool.counts('w')).toEqual({ ready: 2, starting: 0, target: 2 });
    pool.setTarget('w', 0);
    await settle();
    expect(calls.destroys).toHaveLength(3);
    expect(calls.destroys.every(([, r]) => r === 'requested')).toBe(true);
    expect(boxes.size).toBe(0);
    expect(pool.counts('w')).toEqual({ ready: 0, starting: 0, target: 0 });
    await wait(5 * TICK_MS);
    expect(pending).toHaveLength(0);
    // A create that ends after its target went to 0 is removed too.
    pool.setTarget('w', 1);
    await settle();
    pool.setTarget('w', 0);
    const late = await finish();
    await settle();
    expect(calls.destroys.at(-1)).toEqual([late.id, 'requested']);
    await fill();
    expect(boxes.size).toBe(0);
  });

  it('touches spares on each tick so the idle timeout spares them, but not those of a workshop nobody wants', async () => {
    const { pool, calls, add, fill, boxes } = fixture();
    pool.setTarget('w', 1);
    await settle();
    await fill();
    const orphan = add('pool:gone');
    pool.adopt();
    const spare = [...boxes.values()].find((b) => b.owner === 'pool:w')!.id;
    calls.touches.clear();
    await wait(3 * TICK_MS);
    expect(calls.touches.get(spare)).toBe(3);
    expect(calls.touches.get(orphan.id)).toBeUndefined();
  });

  it('adopt finds every live sandbox owned by a pool owner, and only those', async () => {
    const { pool, add, pending, events } = fixture();
    const w1 = add('pool:w');
    const w2 = add('pool:w');
    add('pool:v');
    add('learner1');
    add('pool-like');
    pool.adopt();
    expect(pool.counts('w')).toEqual({ ready: 2, starting: 0, target: 0 });
    expect(pool.counts('v')).toEqual({ ready: 1, starting: 0, target: 0 });
    expect(new Set(events)).toEqual(new Set(['w', 'v']));
    pool.adopt(); // twice is once
    expect(pool.counts('w').ready).toBe(2);
    pool.setTarget('w', 2);
    await settle();
    expect(pending).toHaveLength(0); // adopted spares count: nothing to make
    expect([w1.id, w2.id]).toContain(pool.take('w', 'learner2')?.id);
  });

  it('dispose stops refilling, waits for the create in flight and keeps every spare', async () => {
    const { pool, pending, calls, boxes, finish } = fixture();
    pool.setTarget('w', 3);
    await settle();
    await finish();
    expect(pending).toHaveLength(1);
    let disposed = false;
    const closing = pool.dispose().then(() => (disposed = true));
    await settle();
    expect(disposed).toBe(false); // waits for the create running
    const late = await finish();
    await closing;
    expect(disposed).toBe(true);
    await wait(5 * TICK_MS);
    expect(calls.creates).toHaveLength(2);
    expect(calls.destroys).toEqual([]);
    expect([...boxes.values()].map((b) => b.owner)).toEqual(['pool:w', 'pool:w']);
    expect(boxes.has(late.id)).toBe(true);
    expect(pool.take('w', 'learner')).toBeUndefined();
  });

  it('refuses a target that is not a whole number', () => {
    const { pool } = fixture();
    expect(() => pool.setTarget('w', -1)).toThrow(RangeError);
    expect(() => pool.setTarget('w', 1.5)).toThrow(RangeError);
  });
});
