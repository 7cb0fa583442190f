/** The create-workshop form's logic: the chosen lessons in order, and the fields read into a
 * WorkshopInput (or the first thing wrong with them). Pure: no DOM. */
import type { WorkshopInput } from '../server/common/api.ts';
import { fromLocalInput } from './workshopTime.ts';

/** Adds `id` at the end of the order, or takes it out. */
export function toggleLesson(order: readonly string[], id: string): string[] {
  return order.includes(id) ? order.filter((x) => x !== id) : [...order, id];
}

/** Moves the lesson at `index` by `delta` places (−1 up, +1 down), staying inside the list. */
export function moveLesson(order: readonly string[], index: number, delta: number): string[] {
  const to = index + delta;
  if (index < 0 || index >= order.length || to < 0 || to >= order.length) return [...order];
  const out = [...order];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item!);
  return out;
}

/** The form's fields as typed. */
export interface WorkshopFields {
  title: string;
  lessons: readonly string[];
  capacity: string;
  /** datetime-local values. */
  opensAt: string;
  closesAt: string;
  sessionMinutes: string;
  /** Percent, 0..100. */
  warmPercent: string;
}

export type FormResult = { ok: true; input: WorkshopInput } | { ok: false; field: keyof WorkshopFields; error: string };

function wholeNumber(s: string): number | undefined {
  const t = s.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Reads the fields; the first field that is wrong comes back with the reason. */
export function readWorkshopFields(f: WorkshopFields): FormResult {
  const title = f.title.trim();
  if (!title) return { ok: false, field: 'title', error: 'Give the workshop a title.' };
  if (f.lessons.length === 0) return { ok: false, field: 'lessons', error: 'Choose at least one lesson.' };
  const capacity = wholeNumber(f.capacity);
  if (capacity === undefined || capacity < 1) return { ok: false, field: 'capacity', error: 'Capacity is a whole number of attendees, 1 or more.' };
  const opensAt = fromLocalInput(f.opensAt);
  if (opensAt === undefined) return { ok: false, field: 'opensAt', error: 'Choose when the workshop opens.' };
  const closesAt = fromLocalInput(f.closesAt);
  if (closesAt === undefined) return { ok: false, field: 'closesAt', error: 'Choose when the workshop closes.' };
  if (closesAt <= opensAt) return { ok: false, field: 'closesAt', error: 'The workshop must close after it opens.' };
  const sessionMinutes = wholeNumber(f.sessionMinutes);
  if (sessionMinutes === undefined || sessionMinutes < 1) return { ok: false, field: 'sessionMinutes', error: 'Session length is a whole number of minutes, 1 or more.' };
  const warm = Number(f.warmPercent.trim());
  if (f.warmPercent.trim() === '' || !Number.isFinite(warm) || warm < 0 || warm > 100) {
    return { ok: false, field: 'warmPercent', error: 'The warm share is a percentage from 0 to 100.' };
  }
  return {
    ok: true,
    input: { title, lessons: [...f.lessons], capacity, opensAt, closesAt, sessionMinutes, poolShare: Math.round(warm) / 100 },
  };
}
