import { describe, expect, it } from 'vitest';
import type { RoomAttendee, RoomView, StepHeat, WorkshopSummary } from '../server/common/api.ts';
import { gridModel, heatLevel, heatText, joinLink, poolText, roomCountsText, rowTimeLeft, stepOptionText } from './roomModel.ts';
import { clockTime } from './workshopTime.ts';

const MIN = 60_000;
const T0 = new Date(2026, 4, 12, 14, 0).getTime();

const workshop: WorkshopSummary = {
  id: 'w1',
  code: 'ABCD-EFGH',
  state: 'open',
  attendees: 2,
  joinPath: '/#/join/ABCD-EFGH',
  createdAt: T0 - 60 * MIN,
  title: 'Docker basics',
  lessons: ['welcome', 'images'],
  capacity: 30,
  opensAt: T0 - 10 * MIN,
  closesAt: T0 + 120 * MIN,
  sessionMinutes: 90,
  poolShare: 0.5,
};

function attendee(over: Partial<RoomAttendee>): RoomAttendee {
  return {
    id: 'a1',
    name: 'Ana',
    joinedAt: T0,
    endsAt: T0 + 90 * MIN,
    sandbox: 'ready',
    connected: true,
    idle: false,
    cells: [],
    ...over,
  };
}

function room(attendees: RoomAttendee[]): RoomView {
  return {
    workshop,
    steps: [
      { lesson: 'welcome', step: 0, title: 'Run hello' },
      { lesson: 'welcome', step: 1, title: 'List containers' },
      { lesson: 'images', step: 0, title: 'Push' },
    ],
    attendees,
    heat: [],
    pool: { ready: 3, starting: 1, target: 5 },
    broadcasts: [],
    at: T0,
  };
}

describe('gridModel', () => {
  const ana = attendee({
    current: 1,
    currentSince: T0 + 12 * MIN,
    cells: [
      { state: 'done', passedAt: T0 + 12 * MIN, attempts: 2 },
      { state: 'failing', attempts: 3, hint: { id: 'no-host-port-mapping', text: 'Publish the port with -p 8080:80.' } },
      { state: 'todo', attempts: 0 },
    ],
  });
  const bo = attendee({
    id: 'b2',
    name: 'Bo',
    connected: false,
    sandbox: 'starting',
    busy: 'solving step 1',
    current: 0,
    currentSince: T0 + 1 * MIN,
    cells: [{ state: 'current', attempts: 0 }, { state: 'todo', attempts: 0 }, { state: 'todo', attempts: 0 }],
  });

  it('groups the columns by lesson and numbers them', () => {
    const g = gridModel(room([ana]), T0 + 20 * MIN, new Map([['welcome', 'Welcome']]));
    expect(g.groups).toEqual([
      { lesson: 'welcome', title: 'Welcome', span: 2 },
      { lesson: 'images', title: 'images', span: 1 },
    ]);
    expect(g.columns.map((c) => c.label)).toEqual(['1.1', '1.2', '2.1']);
  });

  it('gives each cell its state, what it shows and its tooltip', () => {
    const g = gridModel(room([ana, bo]), T0 + 20 * MIN);
    const [done, failing, todo] = g.rows[0]!.cells;
    expect(done).toMatchObject({ key: 'a1:0', state: 'done', text: clockTime(T0 + 12 * MIN) });
    expect(done!.title).toContain('12 min after joining');
    expect(done!.title).toContain('2 checks');
    expect(failing).toMatchObject({ key: 'a1:1', state: 'failing', text: '✗ no-host-por…' });
    expect(failing!.title.startsWith('Publish the port with -p 8080:80.')).toBe(true);
    expect(failing!.title).toContain('8 min');
    expect(todo).toEqual({ key: 'a1:2', state: 'todo', text: '', title: 'Push' });
    expect(g.rows[1]!.cells[0]).toMatchObject({ key: 'b2:0', state: 'current', text: '▶ 19m' });
    expect(g.rows[0]!.done).toBe(1);
  });

  it('puts the row badges in: offline, idle, sandbox, busy, all done', () => {
    const g = gridModel(room([ana, bo]), T0 + 20 * MIN);
    expect(g.rows[0]!.badges).toEqual([]);
    expect(g.rows[1]!.badges).toEqual([
      { kind: 'offline', text: 'offline' },
      { kind: 'sandbox', text: 'sandbox starting' },
      { kind: 'busy', text: 'solving step 1' },
    ]);
    const idle = gridModel(room([attendee({ idle: true, lastInputAt: T0 + 5 * MIN, current: undefined, cells: [{ state: 'done', attempts: 1 }] })]), T0 + 20 * MIN);
    expect(idle.rows[0]!.badges).toEqual([
      { kind: 'idle', text: 'idle 15m' },
      { kind: 'done', text: 'all done' },
    ]);
  });

  it('fills in missing cells as todo', () => {
    const g = gridModel(room([attendee({ cells: [] })]), T0);
    expect(g.rows[0]!.cells.map((c) => c.state)).toEqual(['todo', 'todo', 'todo']);
  });
});

describe('the heat map', () => {
  const heat = (over: Partial<StepHeat>): StepHeat => ({ on: 0, medianS: 0, maxS: 0, topHints: [], ...over });

  it('says who is on a step, for how long, and what fails there', () => {
    expect(heatText({ title: 'push' }, heat({ on: 12, medianS: 372, maxS: 840, topHints: [{ id: 'no-host', text: '…', count: 9 }, { id: 'wrong-tag', text: '…', count: 2 }] }))).toBe(
      '12 on push · median 6 min · max 14 min · no-host ×9, wrong-tag ×2',
    );
    expect(heatText({ title: 'push' }, heat({ on: 1, medianS: 20, maxS: 20 }))).toBe('1 on push · median <1 min · max <1 min');
    expect(heatText({ title: 'push' }, heat({}))).toBe('nobody on push');
    const many = [1, 2, 3, 4].map((i) => ({ id: `h${i}`, text: '', count: 5 - i }));
    expect(heatText({ title: 'x' }, heat({ on: 9, medianS: 60, maxS: 60, topHints: many }))).toBe('9 on x · median 1 min · max 1 min · h1 ×4, h2 ×3, h3 ×2');
  });

  it('grows hotter with time on the step and a shared failure', () => {
    expect(heatLevel(heat({}))).toBe(0);
    expect(heatLevel(heat({ on: 3, medianS: 60 }))).toBe(1);
    expect(heatLevel(heat({ on: 3, medianS: 179 }))).toBe(1);
    expect(heatLevel(heat({ on: 3, medianS: 180 }))).toBe(2);
    expect(heatLevel(heat({ on: 3, medianS: 4 * 60 }))).toBe(2);
    expect(heatLevel(heat({ on: 3, medianS: 8 * 60 }))).toBe(3);
    expect(heatLevel(heat({ on: 3, medianS: 30 * 60 }))).toBe(4);
    expect(heatLevel(heat({ on: 3, medianS: 60, topHints: [{ id: 'x', text: '', count: 2 }] }))).toBe(2);
    expect(heatLevel(heat({ on: 3, medianS: 30 * 60, topHints: [{ id: 'x', text: '', count: 3 }] }))).toBe(4);
  });
});

describe('the console header', () => {
  it('counts the room and the pool', () => {
    expect(poolText({ ready: 3, starting: 1, target: 5 })).toBe('Warm pool: 3 ready · 1 starting · target 5');
    const r = room([attendee({ current: undefined, cells: [{ state: 'done', attempts: 1 }] }), attendee({ id: 'b', connected: false, current: 0 })]);
    expect(roomCountsText(r)).toBe('2 attendees of 30 · 1 connected · 1 finished');
  });

  it('builds the join link from the origin', () => {
    expect(joinLink('http://lab.local:8080', '/#/join/ABCD-EFGH')).toBe('http://lab.local:8080/#/join/ABCD-EFGH');
    expect(joinLink('http://lab.local/', '#/join/X')).toBe('http://lab.local/#/join/X');
  });

  it('names a step for the jump select and counts down each attendee', () => {
    expect(stepOptionText({ lesson: 'images', step: 1, title: 'Full names' }, new Map([['images', 'Images']]))).toBe('Images · 2: Full names');
    expect(rowTimeLeft(T0 + 9 * MIN, T0)).toEqual({ text: '9:00 left', warning: '10-min' });
    expect(rowTimeLeft(T0, T0)).toEqual({ text: 'time is up', warning: 'over' });
    expect(rowTimeLeft(T0 + 9 * MIN, T0, true)).toEqual({ text: 'ended', warning: 'over' });
  });
});
