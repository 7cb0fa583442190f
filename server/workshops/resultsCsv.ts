/**
 * A workshop's results as CSV (RFC 4180): one row per attendee and step. Attendees typed their
 * names, so a cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR first) is
 * prefixed with ' and every cell is quoted.
 */
import type { RoomStep } from '../common/api.ts';
import type { StepRecord } from '../learners/sessionStore.ts';

export const CSV_HEADER = ['attendee', 'attendee_id', 'lesson', 'step', 'step_title', 'passed_at', 'attempts', 'hints_seen'];

export function csvCell(v: string | number | undefined): string {
  let s = v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function resultsCsv(steps: readonly RoomStep[], attendees: readonly { id: string; name: string; steps: StepRecord[] }[]): string {
  const rows = [CSV_HEADER.map(csvCell).join(',')];
  for (const a of attendees) {
    const recs = new Map(a.steps.map((r) => [`${r.lesson}\u0000${r.step}`, r]));
    for (const s of steps) {
      const r = recs.get(`${s.lesson}\u0000${s.step}`);
      const hints = (r?.hints ?? []).map((h) => `${h.id}×${h.times}`).join('; ');
      rows.push([a.name, a.id, s.lesson, s.step + 1, s.title, r?.firstPassedAt !== undefined ? new Date(r.firstPassedAt).toISOString() : '', r?.attempts ?? 0, hints].map(csvCell).join(','));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
