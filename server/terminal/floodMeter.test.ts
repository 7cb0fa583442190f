import { describe, expect, it } from 'vitest';
import { FLOOD_RATE_BYTES, FLOOD_RECENT_PAUSE_MS, FloodMeter } from './floodMeter.ts';

const idle = { ptyPaused: false, windowFilled: false };

describe('FloodMeter', () => {
  it('calls typing quiet and a fast shell a flood', () => {
    const m = new FloodMeter();
    for (let t = 0; t < 5_000; t += 100) m.count(80, t);
    expect(m.flooding(5_000, idle)).toBe(false);
    for (let t = 5_000; t < 5_400; t += 10) m.count(16 * 1024, t);
    expect(m.flooding(5_400, idle)).toBe(true);
    // A second of silence later it is over.
    expect(m.flooding(6_500, idle)).toBe(false);
    expect(FLOOD_RATE_BYTES).toBeGreaterThan(64 * 1024);
  });

  it('counts a paused pty, a recent pause and a filled window as a flood', () => {
    const m = new FloodMeter();
    expect(m.flooding(0, { ptyPaused: true, windowFilled: false })).toBe(true);
    expect(m.flooding(0, { ptyPaused: false, windowFilled: true })).toBe(true);
    m.paused(1_000);
    expect(m.flooding(1_000 + FLOOD_RECENT_PAUSE_MS - 1, idle)).toBe(true);
    expect(m.flooding(1_000 + FLOOD_RECENT_PAUSE_MS + 1, idle)).toBe(false);
  });
});
