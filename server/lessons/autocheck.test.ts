import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult, NodeName } from '../common/api.ts';
import { EVENT_DEBOUNCE_MS, TICK_MS, startAutocheck } from './autocheck.ts';

const notYet = (found: string): CheckResult => ({ status: 'not-yet', passed: false, found, hint: { id: 'h', text: 'H' }, durationMs: 1 });
const pass: CheckResult = { status: 'passed', passed: true, durationMs: 1 };

function fakeEngines() {
  const streams = new Map<NodeName, PassThrough>();
  const engine = (node: NodeName) => ({
    getEvents: async () => {
      const s = new PassThrough();
      streams.set(node, s);
      return s;
    },
  }) as unknown as Docker;
  return { engine, streams };
}

describe('startAutocheck', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks the current step on engine events (debounced) and on the tick; reports passes and changes', async () => {
    vi.useFakeTimers();
    const { engine, streams } = fakeEngines();
    const passed: number[] = [];
    let state = notYet('nothing');
    const runs: number[] = [];
    const reported: [number, CheckResult][] = [];
    const auto = startAutocheck({
      steps: [{ index: 0 }, { index: 1, question: 'Q?' }],
      nodes: ['node1', 'remote-docker-engine'],
      passedSteps: () => passed,
      run: async (step) => (runs.push(step), state),
      onResult: (step, r) => reported.push([step, r]),
      engine,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0]); // a first look, not reported: nothing happened yet
    expect(reported).toEqual([]);

    // A burst of events → one check after the debounce.
    state = notYet('web from busybox');
    for (let i = 0; i < 5; i++) streams.get('node1')!.write('{"status":"create"}\n');
    await vi.advanceTimersByTimeAsync(EVENT_DEBOUNCE_MS - 50);
    expect(runs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([0, 0]);
    expect(reported).toEqual([[0, state]]); // changed: reported

    // The same failure again is not news.
    streams.get('remote-docker-engine')!.write('{}\n');
    await vi.advanceTimersByTimeAsync(EVENT_DEBOUNCE_MS + 10);
    expect(runs.length).toBe(3);
    expect(reported.length).toBe(1);

    // The tick finds the pass.
    state = pass;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    expect(reported.at(-1)).toEqual([0, pass]);

    // Step 0 passed; step 1 is a question: no more auto checks.
    passed.push(0);
    const before = runs.length;
    await vi.advanceTimersByTimeAsync(TICK_MS * 3);
    expect(runs.length).toBe(before);

    await auto.dispose();
    expect(streams.get('node1')!.destroyed).toBe(true);
  });

  it('reconnects when an event stream ends, and stops after dispose', async () => {
    vi.useFakeTimers();
    let connects = 0;
    const engine = () => ({ getEvents: async () => { connects++; const s = new PassThrough(); setTimeout(() => s.destroy(), 10); return s; } }) as unknown as Docker;
    const auto = startAutocheck({ steps: [{ index: 0 }], nodes: ['node1'], passedSteps: () => [], run: async () => pass, onResult: () => {}, engine });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(connects).toBeGreaterThanOrEqual(2);
    await auto.dispose();
    const after = connects;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(connects).toBe(after);
  });
});
