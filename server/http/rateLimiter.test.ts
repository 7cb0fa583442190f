import { describe, expect, it } from 'vitest';
import { clientKey, MAX_TRACKED_CLIENTS, RateLimiter } from './rateLimiter.ts';

function limiter(perMinute: number) {
  const clock = { now: 0 };
  return { clock, rl: new RateLimiter(perMinute, () => clock.now) };
}

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then one every 60/perMinute s, saying when', () => {
    const { clock, rl } = limiter(6);
    const burst = Array.from({ length: 6 }, () => rl.take('10.0.0.1').ok);
    expect(burst).toEqual([true, true, true, true, true, true]);
    expect(rl.take('10.0.0.1')).toEqual({ ok: false, retryAfterS: 10 });
    clock.now += 4_000;
    expect(rl.take('10.0.0.1')).toEqual({ ok: false, retryAfterS: 6 });
    clock.now += 6_000;
    expect(rl.take('10.0.0.1').ok).toBe(true);
    expect(rl.take('10.0.0.1').ok).toBe(false);
  });

  it('gives each client its own bucket, refilled to the burst and no further', () => {
    const { clock, rl } = limiter(2);
    rl.take('a');
    rl.take('a');
    expect(rl.take('a').ok).toBe(false);
    expect(rl.take('b').ok).toBe(true);
    clock.now += 10 * 60_000;
    expect([rl.take('a').ok, rl.take('a').ok, rl.take('a').ok]).toEqual([true, true, false]);
  });

  it('refused requests do not dig the bucket deeper', () => {
    const { clock, rl } = limiter(60);
    for (let i = 0; i < 60; i++) rl.take('a');
    for (let i = 0; i < 100; i++) expect(rl.take('a')).toMatchObject({ ok: false, retryAfterS: 1 });
    clock.now += 1_000;
    expect(rl.take('a').ok).toBe(true);
  });

  it('keeps at most MAX_TRACKED_CLIENTS buckets', () => {
    const { clock, rl } = limiter(1);
    for (let i = 0; i < MAX_TRACKED_CLIENTS + 500; i++) {
      clock.now += 1;
      rl.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    }
    expect(rl.size).toBeLessThanOrEqual(MAX_TRACKED_CLIENTS);
  });

  it('with Infinity never refuses, and refuses a limit that is not above 0', () => {
    const { rl } = limiter(Infinity);
    for (let i = 0; i < 1000; i++) expect(rl.take('a').ok).toBe(true);
    expect(() => new RateLimiter(0)).toThrow(/perMinute must be above 0 \(got 0\)/);
  });
});

describe('clientKey', () => {
  it('counts IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:bbbb:cccc:dddd:eeee')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
