import { describe, expect, it } from 'vitest';
import { estimateWait, estimateWaitMs, Ewma, type WaitInput } from './queueEstimate.ts';

const S = 1000;
const MIN = 60 * S;
const base: WaitInput = { position: 1, createsAtOnce: 2, creating: 0, free: 10, createMs: 4 * S, leaveIntervalMs: undefined, leavesInMs: [], stayMs: 120 * MIN };

describe('Ewma', () => {
  it('starts from its guess, takes the first sample whole, then moves part way', () => {
    const a = new Ewma(5 * S);
    expect(a.value).toBe(5 * S);
    a.add(2 * S);
    expect(a.value).toBe(2 * S);
    a.add(12 * S);
    expect(a.value).toBeCloseTo(5 * S);
    expect(new Ewma(undefined).value).toBeUndefined();
  });
});

describe('estimateWaitMs', () => {
  it('with free slots, counts create lanes: 2 at a time, so 3rd and 4th in line wait two creates', () => {
    const at = (position: number, creating = 0) => estimateWaitMs({ ...base, position, creating });
    expect([1, 2, 3, 4, 5].map((p) => at(p) / S)).toEqual([4, 4, 8, 8, 12]);
    expect(at(1, 2) / S).toBe(8); // both lanes busy
    expect(at(1, 1) / S).toBe(4);
  });

  it('when full, waits for enough sandboxes to leave, at their pace, then one create', () => {
    const full = { ...base, free: 0, leaveIntervalMs: 10 * S, leavesInMs: [30 * MIN, 60 * MIN, 90 * MIN] };
    expect([1, 2, 3].map((position) => estimateWaitMs({ ...full, position }) / S)).toEqual([14, 24, 34]);
    // One free slot: the first in line goes at once; the second needs one departure.
    expect(estimateWaitMs({ ...full, free: 1, position: 2 }) / S).toBe(14);
  });

  it('never later than the time limits, nor earlier than a create lane', () => {
    const full = { ...base, free: 0, leaveIntervalMs: 60 * MIN, leavesInMs: [1 * MIN, 2 * MIN] };
    expect(estimateWaitMs({ ...full, position: 1 }) / S).toBe(64);
    expect(estimateWaitMs({ ...full, position: 2 }) / S).toBe(124);
    // Past every taken slot, the next departures are a full stay (and a create) later.
    expect(estimateWaitMs({ ...full, position: 3, leaveIntervalMs: undefined })).toBe(1 * MIN + 120 * MIN + 4 * S + 4 * S);
    // A sandbox already past its limit leaves at the next sweep: not a negative wait.
    expect(estimateWaitMs({ ...full, leavesInMs: [-5 * S], position: 1 })).toBe(4 * S);
  });

  it('says when the wait rests on the time limits: the most it can be, not a likely value', () => {
    const full = { ...base, free: 0, leavesInMs: [30 * MIN, 60 * MIN] };
    expect(estimateWait({ ...full, leaveIntervalMs: undefined })).toEqual({ ms: 30 * MIN + 4 * S, atMost: true });
    expect(estimateWait({ ...full, leaveIntervalMs: 10 * S })).toEqual({ ms: 14 * S, atMost: false });
    expect(estimateWait({ ...base, position: 3 }).atMost).toBe(false);
  });

  it('grows with the place in line, whatever the state', () => {
    const states: Partial<WaitInput>[] = [{}, { free: 0, leavesInMs: [5 * S, 50 * S] }, { free: 1, creating: 1, leaveIntervalMs: 3 * S, leavesInMs: [9 * S] }];
    for (const st of states) {
      const waits = Array.from({ length: 20 }, (_, i) => estimateWaitMs({ ...base, ...st, position: i + 1 }));
      expect(waits).toEqual([...waits].sort((a, b) => a - b));
    }
  });
});
