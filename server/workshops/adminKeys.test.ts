import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.ts';
import { ADMIN_SESSION_MS, AdminKeys } from './adminKeys.ts';
import { WorkshopStore } from './workshopStore.ts';

describe('AdminKeys', () => {
  it('makes a secret at first start, shows it once, and keeps only its hash', () => {
    const db = openDatabase(':memory:');
    const store = new WorkshopStore(db);
    const first = AdminKeys.open(store, undefined);
    expect(first.firstToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = AdminKeys.open(store, undefined);
    expect(again.firstToken).toBeUndefined();
    expect(again.keys.verify(first.firstToken)).toBe(true);
    expect(again.keys.verify(first.firstToken + 'x')).toBe(false);
    expect(again.keys.verify('')).toBe(false);
    expect(again.keys.verify(42)).toBe(false);
    expect(JSON.stringify(db.prepare('SELECT * FROM settings').all())).not.toContain(first.firstToken);
  });

  it("uses the operator's secret when set; sessions expire and log out", () => {
    let now = 1000;
    const keys = AdminKeys.open(new WorkshopStore(openDatabase(':memory:')), 'operator-secret-of-24-chars!', () => now).keys;
    expect(keys.login('wrong')).toBeUndefined();
    const s = keys.login('operator-secret-of-24-chars!')!;
    expect(keys.session(s)).toBe(true);
    expect(keys.session(undefined)).toBe(false);
    expect(keys.session('A'.repeat(43))).toBe(false);
    now += ADMIN_SESSION_MS + 1;
    expect(keys.session(s)).toBe(false);
    now = 1000;
    keys.logout(s);
    expect(keys.session(s)).toBe(false);
  });

  it('forgets ended sessions as new ones log in', () => {
    let now = 1000;
    const db = openDatabase(':memory:');
    const keys = AdminKeys.open(new WorkshopStore(db), 'operator-secret-of-24-chars!', () => now).keys;
    const count = () => (db.prepare("SELECT count(*) AS n FROM settings WHERE key LIKE 'admin.session.%'").get() as { n: number }).n;
    const a = keys.login('operator-secret-of-24-chars!')!;
    keys.login('operator-secret-of-24-chars!');
    keys.logout(a);
    expect(count()).toBe(2);
    const c = keys.login('operator-secret-of-24-chars!')!;
    expect(count()).toBe(2); // a's gone, b and c live
    now += ADMIN_SESSION_MS + 1;
    keys.login('operator-secret-of-24-chars!');
    expect(count()).toBe(1);
    expect(keys.session(c)).toBe(false);
  });
});
