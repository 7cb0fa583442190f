/**
 * The workshop routes over fakes (no engine): the admin wall, join by code and every refusal an
 * attendee can meet (wrong code, not open, ended, full, names), the room, broadcast, export, and
 * that a restart on the same database keeps the workshop, its attendees and their progress.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_COOKIE, routes, SESSION_COOKIE, type AttendeeInfo, type CheckResult, type LessonView, type RoomView, type WorkshopSummary } from '../common/api.ts';
import { Emitter, toDisposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { Learners } from '../learners/learners.ts';
import { SessionStore } from '../learners/sessionStore.ts';
import type { LessonService } from '../lessons/types.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { openDatabase } from '../store/database.ts';
import { localNodeShell } from '../terminal/nodeShell.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';
import { Workshops } from '../workshops/workshops.ts';
import { serveLab } from './labServer.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const ADMIN = 'a-test-admin-secret-of-at-least-24';
const HOUR = 3_600_000;

function fakeSandboxes(): Sandboxes {
  const boxes = new Map<string, SandboxInfo>();
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  let n = 0;
  return {
    async create(owner: string) {
      const info = { id: `sb${++n}`, owner, expiresAt: Date.now() + HOUR, nodes: { node1: {} } } as SandboxInfo;
      boxes.set(info.id, info);
      return info;
    },
    get: (id: string) => boxes.get(id),
    list: () => [...boxes.values()],
    touch() {},
    reassign(id: string, owner: string) {
      boxes.get(id)!.owner = owner;
    },
    extend(id: string, at: number) {
      boxes.get(id)!.expiresAt = at;
    },
    async destroy(id: string, reason: DestroyReason) {
      if (boxes.delete(id)) destroyed.fire({ id, reason });
    },
    onDestroyed: destroyed.event,
  } as unknown as Sandboxes;
}

/** Lesson "reg" with 2 steps; step 0 passes with the answer "ok" and otherwise shows hint no-host. */
const lessons: LessonService = {
  list: () => [],
  view: (id) => (id === 'reg' ? ({ id, title: 'Registry', stepViews: [{ index: 0, title: 'Tag' }, { index: 1, title: 'Push' }] } as LessonView) : undefined),
  check: async (_l, _s, _sb, answer): Promise<CheckResult> =>
    answer === 'ok' ? { status: 'passed', passed: true, durationMs: 1 } : { status: 'not-yet', passed: false, hint: { id: 'no-host', text: 'Put the registry host first.' }, durationMs: 1 },
  watch: () => toDisposable(() => {}),
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function lab(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-ws-'))) {
  const db = openDatabase(path.join(dir, 'shiplab.db'));
  const sandboxes = fakeSandboxes();
  const learners = new Learners({ sessions: SessionStore.open(db), sandboxes, lessons, log: quiet });
  const terminals = new TerminalHub({ sandboxes, shell: localNodeShell(), log: quiet });
  const workshops = new Workshops({ db, learners, lessons, sandboxes, terminals, idleMs: 300_000, adminToken: ADMIN, log: quiet });
  const web = await serveLab({ learners, lessons, terminals, workshops, staticDir: dir, host: '127.0.0.1', port: 0, log: quiet });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await web.close(() => terminals.dispose());
    await workshops.dispose();
    await learners.dispose();
    db.close();
  };
  closers.push(async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, p: string, o: { cookie?: string; body?: unknown } = {}) => {
    const res = await fetch(web.url + p, {
      method,
      headers: { ...(o.cookie && { cookie: o.cookie }), ...(o.body !== undefined && { 'content-type': 'application/json' }) },
      body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // CSV and event streams are not JSON.
    }
    return { status: res.status, body: body as Record<string, unknown>, text, setCookie: res.headers.get('set-cookie') ?? '' };
  };
  const cookieOf = (setCookie: string, name: string) => new RegExp(`${name}=([^;]*)`).exec(setCookie)?.[1];
  const admin = async () => {
    const r = await call('POST', routes.adminLogin.path(), { body: { token: ADMIN } });
    expect(r.status).toBe(200);
    return `${ADMIN_COOKIE}=${cookieOf(r.setCookie, ADMIN_COOKIE)}`;
  };
  const create = async (cookie: string, o: Record<string, unknown> = {}) => {
    const r = await call('POST', routes.workshops.path(), {
      cookie,
      body: { title: 'Registries', lessons: ['reg'], capacity: 2, opensAt: Date.now() - 60_000, closesAt: Date.now() + 2 * HOUR, sessionMinutes: 60, poolShare: 0, ...o },
    });
    return r;
  };
  /** A page: a session first (as web/main.ts does), then the join. */
  const attendee = async (code: string, name: string) => {
    const s = await call('POST', routes.session.path(), { body: {} });
    const cookie = `${SESSION_COOKIE}=${cookieOf(s.setCookie, SESSION_COOKIE)}`;
    const r = await call('POST', routes.join.path(), { cookie, body: { code, name } });
    return { ...r, cookie };
  };
  return { dir, call, admin, create, attendee, close, workshops, learners };
}

describe('workshop routes', () => {
  it('keep every admin route behind the admin cookie and refuse a wrong token', async () => {
    const { call } = await lab();
    for (const [method, p] of [
      ['GET', routes.workshops.path()], ['POST', routes.workshops.path()], ['GET', routes.workshop.path({ workshop: 'x' })],
      ['GET', routes.roomEvents.path({ workshop: 'x' })], ['POST', routes.broadcast.path({ workshop: 'x' })],
      ['POST', routes.endWorkshop.path({ workshop: 'x' })], ['GET', routes.exportResults.path({ workshop: 'x' })],
      ['POST', routes.resetAttendee.path({ workshop: 'x', attendee: 'y' })], ['POST', routes.jumpAttendee.path({ workshop: 'x', attendee: 'y' })],
      ['POST', routes.extendAttendee.path({ workshop: 'x', attendee: 'y' })], ['GET', routes.adminSession.path()],
    ] as const) {
      const r = await call(method, p, { body: method === 'POST' ? {} : undefined, cookie: `${ADMIN_COOKIE}=${'A'.repeat(43)}` });
      expect(r.status, `${method} ${p}`).toBe(401);
      expect(String(r.body.error)).toMatch(/admin token/);
    }
    expect((await call('POST', routes.adminLogin.path(), { body: { token: 'guess' } })).status).toBe(401);
    expect((await call('POST', routes.adminLogin.path(), { body: { token: 42 } })).status).toBe(400);
    expect((await call('POST', routes.adminLogin.path(), { body: { token: 'x'.repeat(10_000) } })).status).toBe(400);
  });

  it('create a workshop with a readable code, and name what is wrong with a bad one', async () => {
    const { admin, create, call } = await lab();
    const cookie = await admin();
    expect((await call('GET', routes.adminSession.path(), { cookie })).status).toBe(200);
    for (const [bad, says] of [
      [{ title: '' }, /title is empty/], [{ capacity: 0 }, /capacity must be at least 1/], [{ lessons: ['nope'] }, /no lesson "nope"/],
      [{ lessons: [] }, /at least one lesson/], [{ closesAt: Date.now() - 1000, opensAt: Date.now() - 5000 }, /already passed/],
      [{ opensAt: Date.now() + HOUR, closesAt: Date.now() + 1000 }, /close after it opens/], [{ sessionMinutes: 'long' }, /sessionMinutes must be a number/],
      [{ title: 'a\u202Eb' }, /control characters/],
    ] as const) {
      const r = await create(cookie, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(String(r.body.error)).toMatch(says);
    }
    const r = await create(cookie);
    expect(r.status).toBe(200);
    const w = r.body as unknown as WorkshopSummary;
    expect(w.code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    expect(w).toMatchObject({ state: 'open', attendees: 0, joinPath: `/#/join/${w.code}` });
    expect(((await call('GET', routes.workshops.path(), { cookie })).body as unknown as WorkshopSummary[]).map((x) => x.id)).toEqual([w.id]);
  });

  it('let attendees join by code, and give each refusal its own clear answer', async () => {
    const { admin, create, call, attendee } = await lab();
    const cookie = await admin();
    const w = (await create(cookie)).body as unknown as WorkshopSummary;
    const later = (await create(cookie, { opensAt: Date.now() + HOUR })).body as unknown as WorkshopSummary;

    expect((await call('GET', routes.joinInfo.path({ code: 'AAAA-AAAA' }))).status).toBe(404);
    const lookalike = await call('GET', routes.joinInfo.path({ code: 'ABCD-EFG0' }));
    expect(lookalike.status).toBe(404);
    expect(String(lookalike.body.error)).toMatch(/"0" is never in a join code/);
    expect((await call('GET', routes.joinInfo.path({ code: w.code.toLowerCase().replace('-', '') }))).body).toMatchObject({ code: w.code, state: 'open', title: 'Registries' });
    expect((await call('GET', routes.joinInfo.path({ code: later.code }))).body).toMatchObject({ state: 'not-open', opensAt: later.opensAt });

    expect((await attendee(later.code, 'Ada')).status).toBe(403);
    expect((await attendee(w.code, 'x'.repeat(41))).status).toBe(400);
    expect((await attendee(w.code, '   ')).status).toBe(400);
    expect(String((await attendee(w.code, 'Ada\u0007')).body.error)).toMatch(/no control characters/);
    expect((await call('POST', routes.join.path(), { body: '{"code":' })).status).toBe(400);

    const ada = await attendee(w.code, 'Ada Lovelace');
    expect(ada.status).toBe(200);
    expect((ada.body as unknown as AttendeeInfo).attendee).toMatchObject({ name: 'Ada Lovelace' });
    const dup = await attendee(w.code, '  ada   LOVELACE ');
    expect(dup.status).toBe(409);
    expect(String(dup.body.error)).toMatch(/already called/);
    // The same device again (a reload, a new tab): the same place, not a second one.
    const again = await call('POST', routes.join.path(), { cookie: ada.cookie, body: { code: w.code, name: 'Ada Lovelace' } });
    expect((again.body as unknown as AttendeeInfo).attendee.id).toBe((ada.body as unknown as AttendeeInfo).attendee.id);
    expect((await attendee(w.code, 'Grace')).status).toBe(200);
    const full = await attendee(w.code, 'Linus');
    expect(full.status).toBe(409);
    expect(String(full.body.error)).toMatch(/full \(2 places\)/);
    expect((await call('GET', routes.joinInfo.path({ code: w.code }))).body).toMatchObject({ state: 'full' });

    const mine = await call('GET', routes.myWorkshop.path(), { cookie: ada.cookie });
    expect(mine.body).toMatchObject({ workshop: { id: w.id, title: 'Registries', state: 'open' } });
    const stranger = await attendee('nope', 'x');
    expect((await call('GET', routes.myWorkshop.path(), { cookie: stranger.cookie })).status).toBe(404);

    // A workshop past its closing time has ended by itself.
    const brief = (await create(cookie, { closesAt: Date.now() + 300 })).body as unknown as WorkshopSummary;
    await new Promise((r) => setTimeout(r, 400));
    expect((await call('GET', routes.joinInfo.path({ code: brief.code }))).body).toMatchObject({ state: 'ended' });
    const closed = await attendee(brief.code, 'Late');
    expect(closed.status).toBe(403);
    expect(String(closed.body.error)).toMatch(/has ended/);

    expect((await call('POST', routes.endWorkshop.path({ workshop: w.id }), { cookie, body: {} })).body).toMatchObject({ state: 'ended' });
    expect((await attendee(w.code, 'Late')).status).toBe(403);
    expect((await call('GET', routes.myWorkshop.path(), { cookie: ada.cookie })).body).toMatchObject({ workshop: { state: 'ended' } });
  });

  it('show the room: checks, hints, broadcasts, and export the results', async () => {
    const { admin, create, call, attendee } = await lab();
    const cookie = await admin();
    const w = (await create(cookie)).body as unknown as WorkshopSummary;
    const ada = await attendee(w.code, '=cmd|calc');
    const adaId = (ada.body as unknown as AttendeeInfo).attendee.id;
    const check = (answer: string, step = 0) => call('POST', routes.check.path({ lesson: 'reg', step }), { cookie: ada.cookie, body: { answer } });
    // The sandbox starts through the (fake) manager; wait for it like the page does.
    for (let i = 0; i < 50 && (await call('GET', routes.sandbox.path(), { cookie: ada.cookie })).body.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await check('no')).body).toMatchObject({ passed: false });
    let room = (await call('GET', routes.workshop.path({ workshop: w.id }), { cookie })).body as unknown as RoomView;
    expect(room.steps.map((s) => s.title)).toEqual(['Tag', 'Push']);
    expect(room.attendees[0]).toMatchObject({ id: adaId, sandbox: 'ready', current: 0 });
    expect(room.attendees[0]!.cells[0]).toMatchObject({ state: 'failing', attempts: 1, hint: { id: 'no-host' } });
    expect(room.heat[0]).toMatchObject({ on: 1, topHints: [{ id: 'no-host', count: 1 }] });
    expect((await check('ok')).body).toMatchObject({ passed: true });
    room = (await call('GET', routes.workshop.path({ workshop: w.id }), { cookie })).body as unknown as RoomView;
    expect(room.attendees[0]!.cells.map((c) => c.state)).toEqual(['done', 'current']);

    expect((await call('POST', routes.broadcast.path({ workshop: w.id }), { cookie, body: { text: '' } })).status).toBe(400);
    expect((await call('POST', routes.broadcast.path({ workshop: w.id }), { cookie, body: { text: 'x'.repeat(281) } })).status).toBe(400);
    expect((await call('POST', routes.broadcast.path({ workshop: w.id }), { cookie, body: { text: 'Break until 11:00' } })).status).toBe(200);
    expect(((await call('GET', routes.myWorkshop.path(), { cookie: ada.cookie })).body as unknown as AttendeeInfo).broadcasts.map((b) => b.text)).toEqual(['Break until 11:00']);

    const ext = await call('POST', routes.extendAttendee.path({ workshop: w.id, attendee: adaId }), { cookie, body: { minutes: 15 } });
    expect(ext.status).toBe(200);
    expect((await call('POST', routes.extendAttendee.path({ workshop: w.id, attendee: adaId }), { cookie, body: { minutes: 0 } })).status).toBe(400);
    expect((await call('POST', routes.extendAttendee.path({ workshop: w.id, attendee: 'nobody' }), { cookie, body: { minutes: 5 } })).status).toBe(404);
    expect((await call('POST', routes.jumpAttendee.path({ workshop: w.id, attendee: adaId }), { cookie, body: { lesson: 'reg', step: 7 } })).status).toBe(400);

    const csv = await call('GET', routes.exportResults.path({ workshop: w.id }), { cookie });
    expect(csv.status).toBe(200);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"'=cmd\|calc","[^"]+","reg","1","Tag","20\d\d-[^"]+","2","no-host×1"$/);
    expect(lines[2]).toMatch(/"reg","2","Push","","0",""$/);
  });

  it('keep workshops, attendees and progress across a restart on the same database', async () => {
    const first = await lab();
    const cookie = await first.admin();
    const w = (await first.create(cookie)).body as unknown as WorkshopSummary;
    const ada = await first.attendee(w.code, 'Ada');
    for (let i = 0; i < 50 && (await first.call('GET', routes.sandbox.path(), { cookie: ada.cookie })).body.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    await first.call('POST', routes.check.path({ lesson: 'reg', step: 0 }), { cookie: ada.cookie, body: { answer: 'ok' } });
    await first.close();
    const second = await lab(first.dir);
    const cookie2 = await second.admin();
    const room = (await second.call('GET', routes.workshop.path({ workshop: w.id }), { cookie: cookie2 })).body as unknown as RoomView;
    expect(room.attendees.map((a) => a.name)).toEqual(['Ada']);
    expect(room.attendees[0]!.cells[0]).toMatchObject({ state: 'done' });
    expect((await second.call('GET', routes.myWorkshop.path(), { cookie: ada.cookie })).body).toMatchObject({ attendee: { name: 'Ada' } });
    // The admin session survived too.
    expect((await second.call('GET', routes.adminSession.path(), { cookie })).status).toBe(200);
  });
});
