import { afterEach, describe, expect, it, vi } from 'vitest';
import { ECHO_HOLD_MS, EchoPriority, MAX_HOLD_SHARE, TYPING_RECENT_MS } from './echoPriority.ts';

describe('EchoPriority', () => {
  afterEach(() => void vi.useRealTimers());

  it('holds a flood while another terminal waits for its echo, and lets go when the echo comes', () => {
    const p = new EchoPriority();
    const typist = {};
    const flood = {};
    let released = 0;
    p.onRelease(() => released++);
    expect(p.holds(flood, 0)).toBe(false);
    p.input(typist, 0);
    expect(p.holds(flood, 1)).toBe(true);
    // A terminal is never held for its own keystroke.
    expect(p.holds(typist, 1)).toBe(false);
    p.output(typist, 2);
    expect(released).toBe(1);
    expect(p.holds(flood, 3)).toBe(false);
    p.dispose();
  });

  it('tells a flood whether another terminal typed in the last TYPING_RECENT_MS', () => {
    const p = new EchoPriority();
    const typist = {};
    const flood = {};
    expect(p.othersTyping(flood, 0)).toBe(false);
    p.input(flood, 0);
    // Its own input is not someone else's.
    expect(p.othersTyping(flood, 1)).toBe(false);
    p.input(typist, 10);
    expect(p.othersTyping(flood, 11)).toBe(true);
    expect(p.othersTyping(typist, 11)).toBe(true);
    expect(p.othersTyping(flood, 10 + TYPING_RECENT_MS - 1)).toBe(true);
    expect(p.othersTyping(flood, 10 + TYPING_RECENT_MS)).toBe(false);
    // An ended terminal no longer counts, however recent its input.
    p.input(typist, 5_000);
    p.forget(typist);
    expect(p.othersTyping(flood, 5_001)).toBe(false);
    p.dispose();
  });

  it('lets go after ECHO_HOLD_MS when no echo comes', () => {
    vi.useFakeTimers();
    const p = new EchoPriority();
    const flood = {};
    let released = 0;
    p.onRelease(() => released++);
    p.input({});
    expect(p.holds(flood)).toBe(true);
    vi.advanceTimersByTime(ECHO_HOLD_MS + 1);
    expect(released).toBe(1);
    expect(p.holds(flood)).toBe(false);
    p.dispose();
  });

  it('never holds more than its share of a second, however much the room types', () => {
    const p = new EchoPriority();
    const flood = {};
    let held = 0;
    // Keys every 10 ms whose echoes take 9 ms: without the share, the flood would be held 90 %.
    for (let t = 0; t < 1_000; t += 10) {
      const key = {};
      p.input(key, t);
      if (p.holds(flood, t)) held += 9;
      p.output(key, t + 9);
    }
    expect(held).toBeLessThanOrEqual(MAX_HOLD_SHARE * 1_000 + 20);
    expect(held).toBeGreaterThan(0);
    p.dispose();
  });
});
