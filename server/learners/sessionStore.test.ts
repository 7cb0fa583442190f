import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult } from '../common/api.ts';
import { DatabaseError, openDatabase, SCHEMA_VERSION, type Db } from '../store/database.ts';
import { hashToken, SEEN_SAVE_MS, SessionStore } from './sessionStore.ts';

const dirs: string[] = [];
const open: Db[] = [];
function tmpFile(name = 'shiplab.db'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-sessions-'));
  dirs.push(dir);
  return path.join(dir, name);
}
function db(file: string): Db {
  const d = openDatabase(file);
  open.push(d);
  return d;
}
afterEach(() => {
  for (const d of open.splice(0)) if (d.open) d.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const notYet = (hint: string): CheckResult => ({ status: 'not-yet', passed: false, hint: { id: hint, text: `hint ${hint}` }, durationMs: 1 });
const passed: CheckResult = { status: 'passed', passed: true, durationMs: 1 };

describe('SessionStore', () => {
  it('stores only a sha256 of the token, in a file only its owner reads', () => {
    const file = tmpFile();
    const store = SessionStore.open(db(file));
    const { token, learner } = store.create();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    open[0]!.close();
    const raw = fs.readFileSync(file).toString('latin1');
    expect(raw).not.toContain(token);
    expect(raw).toContain(hashToken(token));
    expect(learner.tokenHash).toBe(hashToken(token));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('finds the learner by token and rejects foreign or malformed tokens', () => {
    const store = SessionStore.open(db(':memory:'));
    const a = store.create();
    const b = store.create();
    expect(store.byToken(a.token)?.id).toBe(a.learner.id);
    expect(store.byToken(b.token)?.id).toBe(b.learner.id);
    expect(a.learner.id).not.toBe(b.learner.id);
    expect(store.byToken('A'.repeat(43))).toBeUndefined();
    expect(store.byToken(a.learner.tokenHash)).toBeUndefined(); // the stored hash is not a token
    expect(store.byToken(a.token + 'x')).toBeUndefined();
    expect(store.byToken('')).toBeUndefined();
    expect(store.byToken(undefined)).toBeUndefined();
  });

  it('keeps progress, attempts, hints and lesson across a restart', () => {
    const file = tmpFile();
    const s1 = SessionStore.open(db(file));
    const { token, learner } = s1.create();
    expect(s1.recordCheck(learner.id, 'welcome', 1, notYet('no-tag'))).toBe(false);
    expect(s1.recordCheck(learner.id, 'welcome', 1, notYet('no-tag'))).toBe(false);
    expect(s1.recordCheck(learner.id, 'welcome', 1, notYet('no-host'))).toBe(false);
    expect(s1.recordCheck(learner.id, 'welcome', 1, passed, 1000)).toBe(true);
    expect(s1.recordCheck(learner.id, 'welcome', 1, passed, 2000)).toBe(false);
    expect(s1.markPassed(learner.id, 'welcome', 0)).toBe(true);
    expect(s1.markPassed(learner.id, 'welcome', 0)).toBe(false);
    s1.setLesson(learner.id, 'welcome');
    open[0]!.close();
    const s2 = SessionStore.open(db(file));
    const again = s2.byToken(token);
    expect(again?.progress).toEqual({ welcome: [0, 1] });
    expect(again?.lesson).toBe('welcome');
    const step1 = s2.steps(learner.id).find((s) => s.step === 1)!;
    expect(step1).toMatchObject({ attempts: 5, firstPassedAt: 1000, lastStatus: 'passed' });
    expect(step1.hints.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'no-host', text: 'hint no-host', times: 1 },
      { id: 'no-tag', text: 'hint no-tag', times: 2 },
    ]);
  });

  it('takes in an older sessions.json once and renames it', () => {
    const file = tmpFile();
    const legacy = path.join(path.dirname(file), 'sessions.json');
    fs.writeFileSync(legacy, JSON.stringify({ version: 1, learners: [{ id: 'old1', tokenHash: hashToken('t'.repeat(43)), createdAt: 5, lastSeenAt: Date.now(), lesson: 'welcome', progress: { welcome: [0, 2] } }] }));
    const store = SessionStore.open(db(file), undefined, legacy);
    expect(store.byToken('t'.repeat(43))?.progress).toEqual({ welcome: [0, 2] });
    expect(fs.existsSync(legacy)).toBe(false);
    expect(fs.existsSync(`${legacy}.imported`)).toBe(true);
  });

  it('refuses a database from a newer Shiplab with a clear error', () => {
    const file = tmpFile();
    db(file).pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    open[0]!.close();
    expect(() => openDatabase(file)).toThrow(DatabaseError);
    expect(() => openDatabase(file)).toThrow(/newer than this Shiplab/);
  });
});

describe('SessionStore expiry', () => {
  it('removes learners unseen since a time, for good, keeps the rest and the ones asked for', () => {
    const file = tmpFile();
    const store = SessionStore.open(db(file));
    const old = store.create();
    const kept = store.create();
    const fresh = store.create();
    old.learner.lastSeenAt = Date.now() - 31 * 24 * 3600_000;
    kept.learner.lastSeenAt = Date.now() - 31 * 24 * 3600_000;
    expect(store.expire(Date.now() - 30 * 24 * 3600_000, (id) => id === kept.learner.id).map((r) => r.id)).toEqual([old.learner.id]);
    expect(store.size).toBe(2);
    expect(store.byToken(old.token)).toBeUndefined();
    expect(store.byToken(fresh.token)?.id).toBe(fresh.learner.id);
    open[0]!.close();
    expect(SessionStore.open(db(file)).all().map((r) => r.id).sort()).toEqual([kept.learner.id, fresh.learner.id].sort());
  });

  it('keeps lastSeenAt exact in memory and writes it at most every SEEN_SAVE_MS', () => {
    const d = db(':memory:');
    const store = SessionStore.open(d);
    const { token, learner } = store.create();
    const onDisk = () => (d.prepare('SELECT last_seen_at AS t FROM learners WHERE id = ?').get(learner.id) as { t: number }).t;
    const written = onDisk();
    learner.lastSeenAt = written - 1; // any request moves it in memory
    store.byToken(token);
    expect(learner.lastSeenAt).toBeGreaterThanOrEqual(written);
    expect(onDisk()).toBe(written); // not rewritten within SEEN_SAVE_MS
    const later = Date.now() + SEEN_SAVE_MS;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(later);
    store.byToken(token);
    clock.mockRestore();
    expect(onDisk()).toBe(later);
  });
});
