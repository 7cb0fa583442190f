import { describe, expect, it } from 'vitest';
import type { RoomStep } from '../common/api.ts';
import type { StepRecord } from '../learners/sessionStore.ts';
import { attendeeRow, heatMap, type AttendeeFacts } from './room.ts';

const cols: RoomStep[] = [
  { lesson: 'reg', step: 0, title: 'run' },
  { lesson: 'reg', step: 1, title: 'tag' },
  { lesson: 'reg', step: 2, title: 'push' },
];
const rec = (step: number, o: Partial<StepRecord>): StepRecord => ({ learner: 'x', lesson: 'reg', step, attempts: 0, hints: [], ...o });
const MIN = 60_000;
const facts = (o: Partial<AttendeeFacts>): AttendeeFacts => ({ id: 'a', name: 'Ada', joinedAt: 0, endsAt: 99 * MIN, sandbox: 'ready', connected: true, steps: [], ...o });

describe('attendeeRow', () => {
  it('marks done steps with when, the first other as current, the rest todo', () => {
    const row = attendeeRow(facts({ steps: [rec(0, { firstPassedAt: 3 * MIN, attempts: 2 })], lastInputAt: 9 * MIN }), cols, 10 * MIN, 5 * MIN);
    expect(row.cells.map((c) => c.state)).toEqual(['done', 'current', 'todo']);
    expect(row.cells[0]).toMatchObject({ passedAt: 3 * MIN, attempts: 2 });
    expect(row).toMatchObject({ current: 1, currentSince: 3 * MIN, idle: false });
  });

  it('shows a failing current step with the hint the attendee was shown', () => {
    const hint = { id: 'no-host', text: 'Put the registry host in the name.' };
    const row = attendeeRow(facts({ steps: [rec(0, { attempts: 3, lastStatus: 'not-yet', lastHint: hint })] }), cols, MIN, 5 * MIN);
    expect(row.cells[0]).toEqual({ state: 'failing', attempts: 3, hint });
  });

  it('is idle only while connected and quiet for the idle time; done when all passed', () => {
    expect(attendeeRow(facts({ lastInputAt: 0 }), cols, 6 * MIN, 5 * MIN).idle).toBe(true);
    expect(attendeeRow(facts({ lastInputAt: 0, connected: false }), cols, 6 * MIN, 5 * MIN).idle).toBe(false);
    const all = attendeeRow(facts({ steps: [0, 1, 2].map((s) => rec(s, { firstPassedAt: s + 1 })) }), cols, MIN, 5 * MIN);
    expect(all.current).toBeUndefined();
  });
});

describe('heatMap', () => {
  it('counts who is on each step, for how long, and the hints seen there by attendee', () => {
    const noHost = { id: 'no-host', text: 'host' };
    const noTag = { id: 'no-tag', text: 'tag' };
    const rows = [
      attendeeRow(facts({ id: 'a', steps: [rec(0, { firstPassedAt: 0 }), rec(1, { firstPassedAt: MIN }), rec(2, { attempts: 20, lastStatus: 'not-yet', lastHint: noTag })] }), cols, 0, MIN),
      attendeeRow(facts({ id: 'b', steps: [rec(0, { firstPassedAt: 0 }), rec(1, { firstPassedAt: 2 * MIN }), rec(2, { attempts: 1, lastStatus: 'not-yet', lastHint: noHost })] }), cols, 0, MIN),
      attendeeRow(facts({ id: 'c', steps: [rec(0, { firstPassedAt: 0 }), rec(1, { firstPassedAt: 4 * MIN }), rec(2, { attempts: 1, lastStatus: 'not-yet', lastHint: noHost })] }), cols, 0, MIN),
      attendeeRow(facts({ id: 'd' }), cols, 0, MIN),
    ];
    const heat = heatMap(rows, cols, 10 * MIN);
    expect(heat.map((h) => h.on)).toEqual([1, 0, 3]);
    expect(heat[2]).toMatchObject({ medianS: 8 * 60, maxS: 9 * 60 });
    expect(heat[2]!.topHints).toEqual([{ ...noHost, count: 2 }, { ...noTag, count: 1 }]);
    expect(heat[1]).toMatchObject({ on: 0, medianS: 0, maxS: 0, topHints: [] });
  });
});
