/** Time as a workshop shows it: the countdown and its warnings, minutes for the console, and the
 * local date-time fields of the create form. Pure: no DOM. */
import { formatDuration } from './dom.ts';

/** The banner warns at these minutes before the end. */
export const WARN_AT_MIN = [10, 2] as const;

/** How close the end is: nothing yet, within 10 minutes, within 2, or over. */
export type TimeWarning = 'none' | '10-min' | '2-min' | 'over';

export function timeWarning(leftMs: number): TimeWarning {
  if (leftMs <= 0) return 'over';
  if (leftMs <= WARN_AT_MIN[1] * 60_000) return '2-min';
  if (leftMs <= WARN_AT_MIN[0] * 60_000) return '10-min';
  return 'none';
}

const URGENCY: Record<TimeWarning, number> = { none: 0, '10-min': 1, '2-min': 2, over: 3 };

/** True when `next` is more urgent than `prev`: the moment to say so once (a toast). */
export function moreUrgent(prev: TimeWarning, next: TimeWarning): boolean {
  return URGENCY[next] > URGENCY[prev];
}

/** What the banner's warning says, or undefined while there is nothing to warn about. */
export function warningText(w: TimeWarning): string | undefined {
  switch (w) {
    case '10-min':
      return 'Less than 10 minutes left: finish the step you are on.';
    case '2-min':
      return 'Less than 2 minutes left!';
    case 'over':
      return 'Your time is up.';
    case 'none':
      return undefined;
  }
}

/** "41:07 left", "1:02:03 left", or "time is up". */
export function timeLeftText(leftMs: number): string {
  return leftMs > 0 ? `${formatDuration(leftMs)} left` : 'time is up';
}

/** A span in whole minutes for the console: "<1 min", "6 min", "1 h 5 min". */
export function minutesText(seconds: number): string {
  if (!(seconds >= 60)) return '<1 min';
  const min = Math.round(seconds / 60);
  return min < 60 ? `${min} min` : min % 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min / 60} h`;
}

/** "6m", "1h05": the short form for a grid cell. */
export function shortMinutes(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  return min < 60 ? `${min}m` : `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The local clock time "14:05" (24 h, the same on every projector). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A local date and time a reader can act on, in the browser's language: "Tue, 12 May, 14:00". */
export function localDateTime(ms: number, locale?: string): string {
  return new Date(ms).toLocaleString(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** An <input type="datetime-local"> value ("2026-05-12T14:00") for epoch ms, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Epoch ms of a datetime-local value (local time), or undefined when it is not one. */
export function fromLocalInput(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((s) => Number(s ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, hh, mm, ss);
  // new Date rolls 2026-02-31 over to March: refuse what is not a real date.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== hh || date.getMinutes() !== mm) return undefined;
  return date.getTime();
}
