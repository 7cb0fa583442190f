/** What the instructor's console shows, computed from a RoomView: the grid (attendees × steps),
 * the heat map's words, the pool and the join link. Pure: no DOM, so it is tested on its own. */
import type { RoomAttendee, RoomCell, RoomStep, RoomView, StepHeat, WorkshopState } from '../server/common/api.ts';
import { clockTime, minutesText, shortMinutes, timeLeftText, timeWarning, type TimeWarning } from './workshopTime.ts';

export interface ColumnModel {
  /** Index into RoomView.steps. */
  index: number;
  lesson: string;
  /** "2.3": the lesson's place in the workshop and the step's in the lesson, both from 1. */
  label: string;
  title: string;
}

export interface LessonGroup {
  lesson: string;
  title: string;
  /** Columns it spans. */
  span: number;
}

export interface CellModel {
  /** "<attendeeId>:<stepIndex>" */
  key: string;
  state: RoomCell['state'];
  /** What the cell shows: the time it passed, ▶ and minutes on it, ✗ and the hint's id. */
  text: string;
  /** The tooltip: for a failing cell the hint text first. */
  title: string;
}

export type BadgeKind = 'offline' | 'idle' | 'sandbox' | 'busy' | 'done';
export interface Badge {
  kind: BadgeKind;
  text: string;
}

export interface RowModel {
  id: string;
  name: string;
  badges: Badge[];
  sandbox: RoomAttendee['sandbox'];
  connected: boolean;
  idle: boolean;
  endsAt: number;
  /** Steps done, of all. */
  done: number;
  cells: CellModel[];
}

export interface GridModel {
  groups: LessonGroup[];
  columns: ColumnModel[];
  rows: RowModel[];
}

/** The longest hint id a cell shows; the whole hint is in its tooltip. */
const MARKER_CHARS = 12;

/** A lesson's title when known, else its id. */
export type LessonTitles = ReadonlyMap<string, string>;

export function gridModel(room: RoomView, now: number, titles: LessonTitles = new Map()): GridModel {
  const groups: LessonGroup[] = [];
  const columns: ColumnModel[] = room.steps.map((s, index) => {
    let g = groups[groups.length - 1];
    if (!g || g.lesson !== s.lesson) groups.push((g = { lesson: s.lesson, title: titles.get(s.lesson) ?? s.lesson, span: 0 }));
    g.span++;
    return { index, lesson: s.lesson, label: `${groups.length}.${s.step + 1}`, title: s.title };
  });
  const rows = room.attendees.map((a) => rowModel(a, columns, now));
  return { groups, columns, rows };
}

function rowModel(a: RoomAttendee, columns: ColumnModel[], now: number): RowModel {
  const cells = columns.map((col) => cellModel(a, col, now));
  return {
    id: a.id,
    name: a.name,
    badges: badges(a, now),
    sandbox: a.sandbox,
    connected: a.connected,
    idle: a.idle,
    endsAt: a.endsAt,
    done: a.cells.filter((c) => c.state === 'done').length,
    cells,
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function cellModel(a: RoomAttendee, col: ColumnModel, now: number): CellModel {
  const key = `${a.id}:${col.index}`;
  const cell: RoomCell = a.cells[col.index] ?? { state: 'todo', attempts: 0 };
  const checks = cell.attempts ? ` · ${plural(cell.attempts, 'check')}` : '';
  const onFor = a.current === col.index && a.currentSince !== undefined ? now - a.currentSince : undefined;
  switch (cell.state) {
    case 'done': {
      if (cell.passedAt === undefined) return { key, state: 'done', text: '✓', title: `${col.title}: passed${checks}` };
      const after = minutesText((cell.passedAt - a.joinedAt) / 1000);
      return { key, state: 'done', text: clockTime(cell.passedAt), title: `${col.title}: passed at ${clockTime(cell.passedAt)}, ${after} after joining${checks}` };
    }
    case 'current': {
      const text = onFor === undefined ? '▶' : `▶ ${shortMinutes(onFor)}`;
      const since = onFor === undefined ? '' : ` · on it for ${minutesText(onFor / 1000)}`;
      return { key, state: 'current', text, title: `${col.title}: working on it${since}${checks}` };
    }
    case 'failing': {
      const id = cell.hint?.id ?? 'not yet';
      const marker = id.length > MARKER_CHARS ? `${id.slice(0, MARKER_CHARS - 1)}…` : id;
      const since = onFor === undefined ? '' : ` (on it for ${minutesText(onFor / 1000)}${checks})`;
      const title = cell.hint ? `${cell.hint.text}${since}` : `${col.title}: the last check did not pass${since}`;
      return { key, state: 'failing', text: `✗ ${marker}`, title };
    }
    case 'todo':
      return { key, state: 'todo', text: '', title: col.title };
  }
}

function badges(a: RoomAttendee, now: number): Badge[] {
  const out: Badge[] = [];
  if (!a.connected) out.push({ kind: 'offline', text: 'offline' });
  else if (a.idle) out.push({ kind: 'idle', text: a.lastInputAt === undefined ? 'idle' : `idle ${shortMinutes(now - a.lastInputAt)}` });
  if (a.sandbox !== 'ready') out.push({ kind: 'sandbox', text: `sandbox ${a.sandbox}` });
  if (a.busy) out.push({ kind: 'busy', text: a.busy });
  if (a.current === undefined && a.cells.length > 0) out.push({ kind: 'done', text: 'all done' });
  return out;
}

/** An attendee's time left, and how close the end is, at `now`; once the workshop ended, that. */
export function rowTimeLeft(endsAt: number, now: number, ended = false): { text: string; warning: TimeWarning } {
  if (ended) return { text: 'ended', warning: 'over' };
  const left = endsAt - now;
  return { text: timeLeftText(left), warning: timeWarning(left) };
}

/** Top hints the heat map names at most. */
const HEAT_HINTS = 3;

/** "12 on push · median 6 min · max 14 min · no-host ×9, wrong-tag ×3"; "nobody on push". */
export function heatText(step: Pick<RoomStep, 'title'>, heat: StepHeat): string {
  if (heat.on === 0) return `nobody on ${step.title}`;
  const parts = [`${heat.on} on ${step.title}`, `median ${minutesText(heat.medianS)}`, `max ${minutesText(heat.maxS)}`];
  const hints = heat.topHints.slice(0, HEAT_HINTS).map((h) => `${h.id} ×${h.count}`);
  if (hints.length) parts.push(hints.join(', '));
  return parts.join(' · ');
}

/**
 * How hot a step is, 0 (nobody on it) to 4: by how long its attendees have been on it (median),
 * one more when most of those on it fail a check with the same hint.
 */
export function heatLevel(heat: StepHeat): 0 | 1 | 2 | 3 | 4 {
  if (heat.on === 0) return 0;
  const m = heat.medianS / 60;
  let level = m < 3 ? 1 : m < 6 ? 2 : m < 12 ? 3 : 4;
  const top = heat.topHints[0]?.count ?? 0;
  if (top * 2 > heat.on && level < 4) level++;
  return level as 1 | 2 | 3 | 4;
}

/** "Warm pool: 3 ready · 1 starting · target 5". */
export function poolText(pool: RoomView['pool']): string {
  return `Warm pool: ${pool.ready} ready · ${pool.starting} starting · target ${pool.target}`;
}

/** "14 attendees · 12 connected · 3 finished". */
export function roomCountsText(room: Pick<RoomView, 'attendees' | 'workshop'>): string {
  const n = room.attendees.length;
  const connected = room.attendees.filter((a) => a.connected).length;
  const finished = room.attendees.filter((a) => a.current === undefined && a.cells.length > 0).length;
  return `${plural(n, 'attendee')} of ${room.workshop.capacity} · ${connected} connected · ${finished} finished`;
}

/** The label of a step in the jump select: "Images and registries · 2: Full names". */
export function stepOptionText(step: RoomStep, titles: LessonTitles = new Map()): string {
  return `${titles.get(step.lesson) ?? step.lesson} · ${step.step + 1}: ${step.title}`;
}

export const STATE_TEXT: Record<WorkshopState, string> = { scheduled: 'Scheduled', open: 'Open', ended: 'Ended' };

/** The full join link: this lab's origin and the summary's join path. */
export function joinLink(origin: string, joinPath: string): string {
  return origin.replace(/\/+$/, '') + (joinPath.startsWith('/') ? joinPath : `/${joinPath}`);
}
