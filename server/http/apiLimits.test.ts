/**
 * The API's admission answers over fakes (no engine): 429 with Retry-After per client, 503 with a
 * reason when the sessions or the line are full, the place in line on the status, and one create
 * per learner however the requests race.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { routes, type LessonView, type SandboxStatus } from '../common/api.ts';
import { Emitter, toDisposable } from '../common/lifecycle.ts';
import type { RateLimits } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { Learners } from '../learners/learners.ts';
import { SessionStore } from '../learners/sessionStore.ts';
import { openDatabase } from '../store/database.ts';
import { Workshops } from '../workshops/workshops.ts';
import type { LessonService } from '../lessons/types.ts';
import { Admission, type AdmissionOptions } from '../sandbox/admission.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { localNodeShell } from '../terminal/nodeShell.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';
import { serveLab } from './labServer.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const lessons: LessonService = {
  list: () => [],
  view: (id) => (id === 'intro' ? ({ id, stepViews: [{}] } as LessonView) : undefined),
  check: async () => ({ status: 'passed', passed: true, durationMs: 1 }),
  watch: () => toDisposable(() => {}),
};
const UNLIMITED: RateLimits = { sessionsPerMin: Infinity, createsPerMin: Infinity };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** Fake sandboxes whose creates take `createMs`; counts creates, and the most in flight for one owner. */
function slowSandboxes(createMs: number) {
  const boxes = new Map<string, SandboxInfo>();
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const inFlight = new Map<string, number>();
  const stats = { creates: 0, mostInFlightForOne: 0 };
  let n = 0;
  const sandboxes = {
    async create(owner: string) {
      stats.creates++;
      inFlight.set(owner, (inFlight.get(owner) ?? 0) + 1);
      stats.mostInFlightForOne = Math.max(stats.mostInFlightForOne, inFlight.get(owner)!);
      await new Promise((r) => setTimeout(r, createMs));
      inFlight.set(owner, inFlight.get(owner)! - 1);
      const info = { id: `sb${++n}`, owner, expiresAt: Date.now() + 3_600_000, nodes: { node1: {} } } as SandboxInfo;
      boxes.set(info.id, info);
      return info;
    },
    get: (id: string) => boxes.get(id),
    list: () => [...boxes.values()],
    touch() {},
    async destroy(id: string, reason: DestroyReason) {
      if (boxes.delete(id)) destroyed.fire({ id, reason });
    },
    onDestroyed: destroyed.event,
  } as unknown as Sandboxes;
  return { sandboxes, boxes, stats };
}

async function lab(o: { rates?: RateLimits; line?: Partial<Omit<AdmissionOptions, 'sandboxes'>>; maxSessions?: number; createMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-limits-'));
  const fake = slowSandboxes(o.createMs ?? 0);
  const admission = new Admission({ slots: 10, createsAtOnce: 10, queueMax: 10, ttlMs: 3_600_000, sandboxes: fake.sandboxes, ...o.line });
  const db = openDatabase(path.join(dir, 'shiplab.db'));
  const learners = new Learners({ sessions: SessionStore.open(db), sandboxes: fake.sandboxes, lessons, log: quiet, admission, maxSessions: o.maxSessions });
  const terminals = new TerminalHub({ sandboxes: fake.sandboxes, shell: localNodeShell(), log: quiet });
  const workshops = new Workshops({ db, learners, lessons, sandboxes: fake.sandboxes, terminals, idleMs: 300_000, log: quiet });
  const web = await serveLab({ learners, lessons, terminals, workshops, staticDir: dir, host: '127.0.0.1', port: 0, rates: o.rates ?? UNLIMITED, log: quiet });
  closers.push(async () => {
    await web.close(() => terminals.dispose());
    await learners.dispose();
    await admission.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, p: string, cookie?: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(web.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), cookie: res.headers.get('set-cookie')?.split(';')[0], body: (await res.json()) as Record<string, unknown> };
  };
  const session = async () => (await call('POST', routes.session.path())).cookie!;
  const start = (cookie: string) => call('POST', routes.sandbox.path(), cookie, { lesson: 'intro' });
  const stop = (cookie: string) => call('DELETE', routes.sandbox.path(), cookie);
  return { ...fake, learners, admission, call, session, start, stop };
}

describe('rate limits per client', () => {
  it('new sessions: a burst, then 429 with Retry-After and the reason; a known session is not counted', async () => {
    const l = await lab({ rates: { sessionsPerMin: 3, createsPerMin: 100 } });
    const cookies = [await l.session(), await l.session(), await l.session()];
    const refused = await l.call('POST', routes.session.path());
    expect(refused).toMatchObject({ status: 429, body: { error: expect.stringMatching(/^Too many new sessions from your address \(at most 3 a minute\); try again in \d+ s\.$/) } });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.cookie).toBeUndefined();
    expect((await l.call('POST', routes.session.path(), cookies[0])).status).toBe(200);
  });

  it('sandbox starts: only a start that makes a new sandbox takes a token', async () => {
    const l = await lab({ rates: { sessionsPerMin: 100, createsPerMin: 2 } });
    const a = await l.session();
    expect((await l.start(a)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await l.start(a)).status).toBe(200); // the same sandbox, answered as is
    await l.stop(a);
    expect((await l.start(a)).status).toBe(200);
    await l.stop(a);
    const refused = await l.start(a);
    expect(refused).toMatchObject({ status: 429, body: { error: expect.stringMatching(/^Too many sandbox starts from your address/) } });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  });
});

describe('a full lab', () => {
  it('puts the learner in line with a place, and refuses past the line with 503, the reason and Retry-After', async () => {
    const l = await lab({ line: { slots: 1, createsAtOnce: 1, queueMax: 1 }, createMs: 50 });
    const [a, b, c] = [await l.session(), await l.session(), await l.session()];
    expect((await l.start(a)).body).toMatchObject({ state: 'starting' });
    const waiting = (await l.start(b)).body as unknown as SandboxStatus;
    expect(waiting).toMatchObject({ state: 'starting', progress: { phase: 'queued' }, queue: { position: 1, running: 1, capacity: 1, full: true } });
    expect(waiting.queue!.etaS).toBeGreaterThan(0);
    const refused = await l.start(c);
    expect(refused).toMatchObject({ status: 503, body: { error: expect.stringMatching(/^The lab is full: 1 sandboxes running and 1 learners in line/) } });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(10);
    // b keeps its place across requests, and says so on GET.
    expect((await l.call('GET', routes.sandbox.path(), b)).body).toMatchObject({ queue: { position: 1 } });
  });

  it('refuses a new session at the session cap with 503 and the reason', async () => {
    const l = await lab({ maxSessions: 2 });
    await l.session();
    await l.session();
    const refused = await l.call('POST', routes.session.path());
    expect(refused).toMatchObject({ status: 503, body: { error: expect.stringMatching(/as many learners as it keeps \(2\)/) } });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  });
});

describe('one create per learner', () => {
  it('racing POST and DELETE of the sandbox never has two creates in flight, and ends as the last request says', async () => {
    const l = await lab({ createMs: 30 });
    const a = await l.session();
    const racing: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) racing.push(l.start(a), l.stop(a));
    await Promise.all(racing);
    const last = await l.start(a);
    expect(last.status).toBe(200);
    for (let i = 0; i < 100 && (await l.call('GET', routes.sandbox.path(), a)).body.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await l.call('GET', routes.sandbox.path(), a)).body.state).toBe('ready');
    expect(l.stats.mostInFlightForOne).toBe(1);
    expect(l.boxes.size).toBe(1);
    expect(l.admission.creating + l.admission.waiting).toBe(0);
  });
});
