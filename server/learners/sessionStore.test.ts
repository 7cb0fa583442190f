import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashToken, SEEN_SAVE_MS, SessionStore } from './sessionStore.ts';

const dirs: string[] = [];
function tmpFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-sessions-'));
  dirs.push(dir);
  return path.join(dir, 'sessions.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('SessionStore', () => {
  it('stores only a sha256 of the token', async () => {
    const file = tmpFile();
    const store = SessionStore.open(file);
    const { token, learner } = store.create();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await store.flush();
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).not.toContain(token);
    expect(raw).toContain(hashToken(token));
    expect(learner.tokenHash).toBe(hashToken(token));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('finds the learner by token and rejects foreign or malformed tokens', () => {
    const store = SessionStore.open(tmpFile());
    const a = store.create();
    const b = store.create();
    expect(store.byToken(a.token)?.id).toBe(a.learner.id);
    expect(store.byToken(b.token)?.id).toBe(b.learner.id);
    expect(a.learner.id).not.toBe(b.learner.id);
    const forged = 'A'.repeat(43);
    expect(store.byToken(forged)).toBeUndefined();
    expect(store.byToken(a.learner.tokenHash)).toBeUndefined(); // the stored hash is not a token
    expect(store.byToken(a.token + 'x')).toBeUndefined();
    expect(store.byToken('')).toBeUndefined();
    expect(store.byToken(undefined)).toBeUndefined();
  });

  it('persists progress and lesson across a restart', async () => {
    const file = tmpFile();
    const s1 = SessionStore.open(file);
    const { token, learner } = s1.create();
    expect(s1.markPassed(learner.id, 'welcome', 1)).toBe(true);
    expect(s1.markPassed(learner.id, 'welcome', 0)).toBe(true);
    expect(s1.markPassed(learner.id, 'welcome', 1)).toBe(false);
    s1.setLesson(learner.id, 'welcome');
    await s1.flush();
    const s2 = SessionStore.open(file);
    const again = s2.byToken(token);
    expect(again?.progress).toEqual({ welcome: [0, 1] });
    expect(again?.lesson).toBe('welcome');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['sessions.json']); // no temp files left
  });

  it('moves a corrupt file aside and starts empty', () => {
    const file = tmpFile();
    fs.writeFileSync(file, '{ not json');
    const store = SessionStore.open(file);
    expect(store.all()).toEqual([]);
    expect(fs.readdirSync(path.dirname(file)).some((f) => f.startsWith('sessions.json.corrupt-'))).toBe(true);
  });
});

describe('SessionStore expiry', () => {
  it('removes learners unseen since a time, for good, and keeps the rest', async () => {
    const file = tmpFile();
    const store = SessionStore.open(file);
    const old = store.create();
    const fresh = store.create();
    old.learner.lastSeenAt = Date.now() - 31 * 24 * 3600_000;
    expect(store.size).toBe(2);
    expect(store.expire(Date.now() - 30 * 24 * 3600_000).map((r) => r.id)).toEqual([old.learner.id]);
    expect(store.size).toBe(1);
    expect(store.byToken(old.token)).toBeUndefined();
    expect(store.byToken(fresh.token)?.id).toBe(fresh.learner.id);
    await store.flush();
    expect(SessionStore.open(file).all().map((r) => r.id)).toEqual([fresh.learner.id]);
  });

  it('keeps lastSeenAt exact in memory and writes it at most every SEEN_SAVE_MS', async () => {
    const file = tmpFile();
    const store = SessionStore.open(file);
    const { token, learner } = store.create();
    await store.flush();
    const onDisk = () => (JSON.parse(fs.readFileSync(file, 'utf8')) as { learners: { lastSeenAt: number }[] }).learners[0]!.lastSeenAt;
    const written = onDisk();
    learner.lastSeenAt = written - 1; // any request moves it in memory
    store.byToken(token);
    await store.flush();
    expect(learner.lastSeenAt).toBeGreaterThanOrEqual(written);
    expect(onDisk()).toBe(written); // not rewritten within SEEN_SAVE_MS
    const later = Date.now() + SEEN_SAVE_MS;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(later);
    store.byToken(token);
    clock.mockRestore();
    await store.flush();
    expect(onDisk()).toBe(later);
  });
});
