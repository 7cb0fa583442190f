import { describe, expect, it } from 'vitest';
import { Emitter } from '../common/lifecycle.ts';
import { Admission, INITIAL_CREATE_MS, MIN_RETRY_AFTER_S, type AdmissionOptions, type AdmissionTicket } from './admission.ts';
import type { DestroyReason, SandboxInfo } from './types.ts';

const MIN = 60_000;

/** A fake sandbox list the test fills and empties, and a clock it moves. */
function fixture(o: Partial<AdmissionOptions> = {}) {
  const boxes = new Map<string, SandboxInfo>();
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const clock = { now: 1_000_000 };
  const admission = new Admission({
    slots: 3, createsAtOnce: 2, queueMax: 5, ttlMs: 120 * MIN,
    sandboxes: { list: () => [...boxes.values()], onDestroyed: destroyed.event },
    now: () => clock.now,
    ...o,
  });
  let n = 0;
  /** The create of a granted ticket ends with a sandbox (or not, when it failed). */
  const finish = (t: AdmissionTicket, made = true) => {
    if (made) boxes.set(`sb${++n}`, { id: `sb${n}`, owner: t.owner, expiresAt: clock.now + 120 * MIN } as SandboxInfo);
    t.dispose();
  };
  const remove = (owner: string) => {
    for (const [id, b] of boxes) {
      if (b.owner !== owner) continue;
      boxes.delete(id);
      destroyed.fire({ id, reason: 'requested' });
    }
  };
  const ask = (owner: string) => {
    const r = admission.request(owner);
    if (!r.ok) throw new Error(r.error);
    return r.ticket;
  };
  return { admission, boxes, clock, finish, remove, ask };
}

const states = (ts: AdmissionTicket[]) => ts.map((t) => t.state);

describe('Admission', () => {
  it('runs at most createsAtOnce creates, and hands lanes out first come first served', async () => {
    const { admission, ask, finish } = fixture();
    const order: string[] = [];
    admission.onChange((c) => c.kind === 'granted' && order.push(c.owner!));
    const t = ['a', 'b', 'c', 'd'].map(ask);
    expect(states(t)).toEqual(['granted', 'granted', 'waiting', 'waiting']);
    expect(await t[0]!.granted).toBe(true);
    expect(admission.place(t[2]!)).toMatchObject({ position: 1, running: 2, capacity: 3, full: false });
    expect(admission.place(t[3]!)).toMatchObject({ position: 2 });
    finish(t[1]!);
    expect(states(t)).toEqual(['granted', 'done', 'granted', 'waiting']);
    // Three slots: two sandboxes made or being made + one create = full, so d waits for a slot.
    finish(t[0]!);
    expect(states(t)).toEqual(['done', 'done', 'granted', 'waiting']);
    expect(admission.place(t[3]!)).toMatchObject({ position: 1, running: 3, full: true });
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('never lets more than `slots` sandboxes exist or be made, and a removal lets the next in', () => {
    const { admission, ask, finish, remove, boxes } = fixture();
    const t = ['a', 'b', 'c', 'd', 'e'].map(ask);
    const check = () => expect(boxes.size + admission.creating).toBeLessThanOrEqual(3);
    for (const done of t.slice(0, 3)) {
      finish(done);
      check();
    }
    expect(states(t)).toEqual(['done', 'done', 'done', 'waiting', 'waiting']);
    remove('b');
    check();
    expect(states(t)).toEqual(['done', 'done', 'done', 'granted', 'waiting']);
    finish(t[3]!, false); // a failed create frees its lane and its slot
    check();
    expect(t[4]!.state).toBe('granted');
  });

  it('counts sandboxes it did not admit (adopted after a restart)', () => {
    const { ask, boxes } = fixture();
    for (const id of ['x', 'y', 'z']) boxes.set(id, { id, owner: id, expiresAt: 0 } as SandboxInfo);
    expect(ask('a').state).toBe('waiting');
  });

  it('a withdrawn place leaves the line at once and the rest move up; its granted resolves false', async () => {
    const { admission, ask } = fixture({ createsAtOnce: 1 });
    const t = ['a', 'b', 'c', 'd'].map(ask);
    expect(t[2]!.withdraw()).toBe(true);
    expect(await t[2]!.granted).toBe(false);
    expect(admission.place(t[3]!)?.position).toBe(2);
    expect(t[0]!.withdraw()).toBe(false); // granted: its lane is released by dispose only
    expect(admission.waiting).toBe(2);
    t[1]!.dispose();
    t[1]!.dispose();
    expect(admission.waiting).toBe(1);
  });

  it('refuses beyond queueMax with the reason and a time to come back, and takes newcomers again once there is room', () => {
    const { admission, ask, finish } = fixture({ queueMax: 2 });
    const t = ['a', 'b', 'c', 'd'].map(ask);
    expect(states(t)).toEqual(['granted', 'granted', 'waiting', 'waiting']);
    const changes: unknown[] = [];
    admission.onChange((c) => changes.push(c));
    const refused = admission.request('e');
    expect(changes).toEqual([{ kind: 'refused', owner: 'e', reason: 'full' }]);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/^The lab is full: 2 sandboxes running and 2 learners in line/) });
    expect(refused.ok ? 0 : refused.retryAfterS).toBeGreaterThanOrEqual(MIN_RETRY_AFTER_S);
    finish(t[0]!); // c moves on: one place in line is free again
    expect(t[2]!.state).toBe('granted');
    const e = ask('e');
    expect(admission.place(e)).toMatchObject({ position: 2, running: 3, full: true });
    expect(admission.request('f').ok).toBe(false);
    finish(t[1]!); // two sandboxes and c's create fill the three slots: nobody moves
    expect(admission.waiting).toBe(2);
    expect(admission.request('g').ok).toBe(false);
  });

  it('estimates grow with the place, and follow the measured create time', () => {
    const { admission, ask, clock, finish } = fixture({ slots: 10, createsAtOnce: 1, queueMax: 20 });
    const t = Array.from({ length: 6 }, (_, i) => ask(`o${i}`));
    const etas = () => t.slice(1).map((x) => admission.place(x)?.etaS);
    expect(etas()).toEqual([2, 3, 4, 5, 6].map((k) => (k * INITIAL_CREATE_MS) / 1000));
    clock.now += 2_000;
    finish(t[0]!); // measured: 2 s
    expect(etas().slice(1)).toEqual([4, 6, 8, 10]);
  });

  it('with no limits grants everything at once', () => {
    const a = Admission.unlimited({ list: () => [], onDestroyed: new Emitter<{ id: string; reason: DestroyReason }>().event });
    for (let i = 0; i < 100; i++) {
      const r = a.request(`o${i}`);
      expect(r.ok && r.ticket.state).toBe('granted');
    }
  });

  it('refuses settings that are no whole numbers, naming them', () => {
    expect(() => fixture({ slots: 2.5 })).toThrow(/slots must be a whole number ≥ 0 or Infinity \(got 2.5\)/);
    expect(() => fixture({ createsAtOnce: 0 })).toThrow(/createsAtOnce must be at least 1/);
  });

  it('says plainly when the host cannot hold one sandbox', () => {
    const { admission } = fixture({ slots: 0 });
    expect(admission.request('a')).toMatchObject({ ok: false, error: expect.stringMatching(/no room for a sandbox/) });
  });

  it('withdraws everyone waiting when disposed', async () => {
    const { admission, ask } = fixture({ createsAtOnce: 1 });
    const t = ['a', 'b'].map(ask);
    await admission.dispose();
    expect(await t[1]!.granted).toBe(false);
    expect(admission.request('c').ok).toBe(false);
  });
});
