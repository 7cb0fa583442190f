/**
 * Learners' sandboxes through the admission line, over fake sandboxes whose creates the test
 * finishes itself: one create per learner at a time, places in line, a full lab, expiry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LessonView, SandboxStatus } from '../common/api.ts';
import { Emitter, toDisposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { LessonService } from '../lessons/types.ts';
import { Admission, type AdmissionOptions } from '../sandbox/admission.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { Learners } from './learners.ts';
import { SessionStore } from './sessionStore.ts';
import { openDatabase } from '../store/database.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const lessons: LessonService = {
  list: () => [],
  view: (id) => (id === 'intro' || id === 'other' ? ({ id, stepViews: [{}] } as LessonView) : undefined),
  check: async () => ({ status: 'passed', passed: true, durationMs: 1 }),
  watch: () => toDisposable(() => {}),
};
/** Lets every settled promise run its callbacks. */
const settle = () => new Promise((r) => setTimeout(r, 0));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Sandboxes whose creates wait until the test calls finish(); counts creates per owner. */
function fakeSandboxes() {
  const boxes = new Map<string, SandboxInfo>();
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const pending: { owner: string; finish(): void }[] = [];
  const inFlight = new Map<string, number>();
  const creates = new Map<string, number>();
  let mostInFlightForOne = 0;
  let n = 0;
  const sandboxes = {
    create(owner: string) {
      creates.set(owner, (creates.get(owner) ?? 0) + 1);
      inFlight.set(owner, (inFlight.get(owner) ?? 0) + 1);
      mostInFlightForOne = Math.max(mostInFlightForOne, inFlight.get(owner)!);
      return new Promise<SandboxInfo>((resolve) => {
        pending.push({
          owner,
          finish() {
            const info = { id: `sb${++n}`, owner, expiresAt: Date.now() + 3_600_000, nodes: {} } as SandboxInfo;
            boxes.set(info.id, info);
            inFlight.set(owner, inFlight.get(owner)! - 1);
            resolve(info);
          },
        });
      });
    },
    get: (id: string) => boxes.get(id),
    list: () => [...boxes.values()],
    touch() {},
    async destroy(id: string, reason: DestroyReason) {
      if (boxes.delete(id)) destroyed.fire({ id, reason });
    },
    onDestroyed: destroyed.event,
  } as unknown as Sandboxes;
  /** Finishes the oldest create still pending (of `owner`, if given). */
  const finish = async (owner?: string) => {
    const i = pending.findIndex((p) => owner === undefined || p.owner === owner);
    if (i < 0) throw new Error(`no create pending${owner ? ` for ${owner}` : ''}`);
    pending.splice(i, 1)[0]!.finish();
    await settle();
  };
  return { sandboxes, boxes, pending, creates, finish, mostInFlight: () => mostInFlightForOne };
}

function fixture(admission: Partial<Omit<AdmissionOptions, 'sandboxes'>> = {}, learnerOpts: { sessionTtlMs?: number; maxSessions?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-boxes-'));
  dirs.push(dir);
  const fake = fakeSandboxes();
  const line = new Admission({ slots: 2, createsAtOnce: 2, queueMax: 10, ttlMs: 3_600_000, sandboxes: fake.sandboxes, ...admission });
  const learners = new Learners({ sessions: SessionStore.open(openDatabase(path.join(dir, 'shiplab.db'))), sandboxes: fake.sandboxes, lessons, log: quiet, admission: line, ...learnerOpts });
  const statuses = new Map<string, SandboxStatus[]>();
  learners.onEvent(({ learner, event }) => {
    if (event.type === 'sandbox') statuses.set(learner, [...(statuses.get(learner) ?? []), event.status]);
  });
  const newLearner = () => learners.create().learner.id;
  const start = (id: string, lesson = 'intro') => {
    const r = learners.start(id, lesson);
    if (!r.ok) throw new Error(r.error);
    return r.status;
  };
  return { ...fake, line, learners, statuses, newLearner, start };
}

describe('one create per learner', () => {
  it('a start while one is starting or waiting answers with that one', async () => {
    const f = fixture({ slots: 1 });
    const [a, b] = [f.newLearner(), f.newLearner()];
    f.start(a);
    const waiting = f.start(b);
    await settle();
    expect(f.start(a, 'other')).toMatchObject({ state: 'starting', lesson: 'other' });
    expect(f.start(b)).toEqual(waiting);
    expect(f.start(b)).toMatchObject({ state: 'starting', progress: { phase: 'queued' }, queue: { position: 1 } });
    expect(f.pending.map((p) => p.owner)).toEqual([a]);
    await f.finish(a);
    expect(f.learners.status(a)).toMatchObject({ state: 'ready', lesson: 'other' });
    expect(f.start(a)).toMatchObject({ state: 'ready' });
    expect([...f.creates.values()]).toEqual([1]);
  });

  it('a stop while creating waits for the create to end, then removes what it made', async () => {
    const f = fixture();
    const a = f.newLearner();
    f.start(a);
    await settle();
    let stopped = false;
    const stop = f.learners.stop(a).then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    await f.finish(a);
    await stop;
    expect(f.boxes.size).toBe(0);
    expect(f.learners.status(a).state).toBe('none');
    expect(f.statuses.get(a)?.at(-1)?.state).toBe('none');
  });

  it('a stop while waiting in line leaves it at once, and the others move up', async () => {
    const f = fixture({ slots: 1 });
    const [a, b, c] = [f.newLearner(), f.newLearner(), f.newLearner()];
    f.start(a);
    f.start(b);
    f.start(c);
    expect(f.learners.status(c).queue?.position).toBe(2);
    await f.learners.stop(b);
    expect(f.learners.status(b).state).toBe('none');
    expect(f.learners.status(c).queue?.position).toBe(1);
    expect(f.statuses.get(c)?.at(-1)?.queue?.position).toBe(1); // told over events
    expect(f.pending.map((p) => p.owner)).toEqual([a]);
  });

  it('repeated start and stop while one is starting never has two creates in flight, and ends as the last call says', async () => {
    const f = fixture({ slots: 4, createsAtOnce: 2 });
    const a = f.newLearner();
    const stops: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      f.start(a);
      await settle();
      stops.push(f.learners.stop(a));
      await settle();
    }
    f.start(a);
    while (f.pending.length) await f.finish();
    await Promise.all(stops);
    await settle();
    while (f.pending.length) await f.finish();
    expect(f.mostInFlight()).toBe(1);
    expect(f.learners.status(a).state).toBe('ready');
    expect(f.boxes.size).toBe(1);
    expect(f.creates.get(a)).toBeLessThanOrEqual(2);
    expect(f.line.creating).toBe(0);
    expect(f.line.waiting).toBe(0);
  });
});

describe('a full lab', () => {
  it('says how full it is and where each learner stands, first come first served', async () => {
    const f = fixture({ slots: 2, createsAtOnce: 2 });
    const ids = [1, 2, 3, 4].map(() => f.newLearner());
    for (const id of ids) f.start(id);
    await settle();
    expect(f.learners.status(ids[2]!)).toMatchObject({ state: 'starting', progress: { phase: 'queued' }, queue: { position: 1, running: 2, capacity: 2, full: true } });
    expect(f.learners.status(ids[3]!).queue).toMatchObject({ position: 2, full: true });
    expect(f.learners.status(ids[3]!).queue!.etaS).toBeGreaterThanOrEqual(f.learners.status(ids[2]!).queue!.etaS);
    await f.finish(ids[0]);
    await f.finish(ids[1]);
    await f.learners.stop(ids[1]!);
    await settle();
    expect(f.learners.status(ids[2]!)).toMatchObject({ state: 'starting', progress: { phase: 'creating' } });
    expect(f.learners.status(ids[2]!).queue).toBeUndefined();
    expect(f.learners.status(ids[3]!).queue).toMatchObject({ position: 1 });
    expect(f.pending.map((p) => p.owner)).toEqual([ids[2]]);
  });

  it('refuses a newcomer when the line is at its limit, with the reason', () => {
    const f = fixture({ slots: 1, queueMax: 1 });
    const ids = [1, 2, 3].map(() => f.newLearner());
    f.start(ids[0]!);
    f.start(ids[1]!);
    expect(f.learners.start(ids[2]!, 'intro')).toMatchObject({ ok: false, error: expect.stringMatching(/^The lab is full: 1 sandboxes running and 1 learners in line/) });
    expect(f.learners.status(ids[2]!).state).toBe('none');
  });
});

describe('sessions', () => {
  it('an expired session loses its sandbox and its place in line', async () => {
    const f = fixture({ slots: 1 }, { sessionTtlMs: 30 * 24 * 3600_000 });
    const [a, b, c] = [f.newLearner(), f.newLearner(), f.newLearner()];
    f.start(a);
    await settle();
    await f.finish(a);
    f.start(b);
    for (const id of [a, b]) f.learners.sessions.get(id)!.lastSeenAt = Date.now() - 31 * 24 * 3600_000;
    expect(await f.learners.expireSessions()).toBe(2);
    expect(f.boxes.size).toBe(0);
    expect(f.line.waiting).toBe(0);
    expect(f.learners.sessions.all().map((r) => r.id)).toEqual([c]);
  });

  it('refuses new sessions beyond the cap, with the reason', () => {
    const f = fixture({}, { maxSessions: 2 });
    f.newLearner();
    expect(f.learners.sessionsFull()).toBeUndefined();
    f.newLearner();
    expect(f.learners.sessionsFull()).toMatch(/as many learners as it keeps \(2\)/);
    expect(() => f.learners.create()).toThrow(RangeError);
  });
});
