/**
 * The instructor's view of a room, computed from facts: per attendee and step what was recorded
 * (first pass, attempts, last result and hint), whether a page is connected, when they last
 * typed. Pure, so the console's rules (current, failing, idle, stuck) are tested without a lab.
 */
import type { RoomAttendee, RoomCell, RoomStep, SandboxState, StepHeat } from '../common/api.ts';
import type { StepRecord } from '../learners/sessionStore.ts';

/** Hints listed per step in the heat map. */
export const TOP_HINTS = 3;

export interface AttendeeFacts {
  id: string;
  name: string;
  joinedAt: number;
  endsAt: number;
  sandbox: SandboxState;
  connected: boolean;
  lastInputAt?: number;
  busy?: string;
  steps: StepRecord[];
}

const key = (lesson: string, step: number) => `${lesson}\u0000${step}`;

/** One row of the grid: the cells, the current step and since when the attendee is on it. */
export function attendeeRow(a: AttendeeFacts, columns: readonly RoomStep[], now: number, idleMs: number): RoomAttendee {
  const recs = new Map(a.steps.map((r) => [key(r.lesson, r.step), r]));
  let current: number | undefined;
  let lastPassBefore = a.joinedAt;
  const cells: RoomCell[] = columns.map((col, i) => {
    const r = recs.get(key(col.lesson, col.step));
    if (r?.firstPassedAt !== undefined) {
      if (current === undefined) lastPassBefore = Math.max(lastPassBefore, r.firstPassedAt);
      return { state: 'done', passedAt: r.firstPassedAt, attempts: r.attempts };
    }
    if (current !== undefined) return { state: 'todo', attempts: r?.attempts ?? 0 };
    current = i;
    const failing = r?.lastStatus !== undefined && r.lastStatus !== 'passed';
    return failing
      ? { state: 'failing', attempts: r.attempts, ...(r.lastHint && { hint: r.lastHint }) }
      : { state: 'current', attempts: r?.attempts ?? 0 };
  });
  const lastActive = a.lastInputAt ?? a.joinedAt;
  return {
    id: a.id,
    name: a.name,
    joinedAt: a.joinedAt,
    endsAt: a.endsAt,
    sandbox: a.sandbox,
    connected: a.connected,
    idle: a.connected && now - lastActive >= idleMs,
    ...(a.lastInputAt !== undefined && { lastInputAt: a.lastInputAt }),
    ...(current !== undefined && { current, currentSince: lastPassBefore }),
    ...(a.busy !== undefined && { busy: a.busy }),
    cells,
  };
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Per column: who is on it, for how long, and the hints they were shown there, most first (the
 * hint each attendee saw last counts once per attendee, so one learner pressing Check twenty times
 * does not outweigh twelve stuck on the same thing).
 */
export function heatMap(rows: readonly RoomAttendee[], columns: readonly RoomStep[], now: number): StepHeat[] {
  return columns.map((_, i) => {
    const on = rows.filter((r) => r.current === i);
    const secs = on.map((r) => Math.max(0, Math.round((now - (r.currentSince ?? now)) / 1000)));
    const hints = new Map<string, { id: string; text: string; count: number }>();
    for (const r of on) {
      const h = r.cells[i]?.hint;
      if (!h) continue;
      const e = hints.get(h.id) ?? { ...h, count: 0 };
      e.count++;
      hints.set(h.id, e);
    }
    return {
      on: on.length,
      medianS: Math.round(median(secs)),
      maxS: secs.length ? Math.max(...secs) : 0,
      topHints: [...hints.values()].sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)).slice(0, TOP_HINTS),
    };
  });
}
