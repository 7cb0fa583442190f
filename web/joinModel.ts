/** The attendee's side of a workshop in words and order: the join code as typed, what the join
 * page says for each state, the name rule, and the workshop's lessons first. Pure: no DOM. */
import { JOIN_CODE_ALPHABET, MAX_NAME_CHARS, type Broadcast, type JoinInfo, type LessonSummary, type Progress } from '../server/common/api.ts';
import { localDateTime } from './workshopTime.ts';

const CODE_LENGTH = 8;

/** What a visitor typed ("abcd efgh", "ABCD-EFGH ") as the code's shape XXXX-XXXX when it has
 * eight characters, else upper-cased and without separators (the server says whether it exists). */
export function normalizeCode(typed: string): string {
  const s = typed.replace(/[\s-]+/g, '').toUpperCase();
  return s.length === CODE_LENGTH ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

/** Undefined when `typed` can be a join code, else why not (before asking the server). */
export function codeError(typed: string): string | undefined {
  const s = normalizeCode(typed).replace('-', '');
  if (s.length === 0) return 'Enter the code your instructor gave you.';
  const bad = [...s].filter((c) => !JOIN_CODE_ALPHABET.includes(c));
  if (bad.length) return `A join code has no "${bad[0]}" (codes use letters and digits without 0, O, 1, I or L).`;
  if (s.length !== CODE_LENGTH) return `A join code has ${CODE_LENGTH} characters, like ABCD-EFGH.`;
  return undefined;
}

/** Undefined when `name` is a display name the server takes, else why not. */
export function nameError(name: string): string | undefined {
  const n = name.trim();
  if (n.length === 0) return 'Enter the name the instructor will see.';
  if ([...n].length > MAX_NAME_CHARS) return `A name has at most ${MAX_NAME_CHARS} characters.`;
  return undefined;
}

export interface JoinStateText {
  /** The state's own heading. */
  heading: string;
  text: string;
  /** The name form is shown. */
  canJoin: boolean;
}

/** What the join page says for each workshop state; `locale` is the reader's (tests fix it). */
export function joinStateText(info: JoinInfo, locale?: string): JoinStateText {
  switch (info.state) {
    case 'open':
      return { heading: info.title, text: 'Enter your name to join. The instructor sees it beside your progress.', canJoin: true };
    case 'not-open':
      return { heading: 'Not open yet', text: `“${info.title}” opens ${localDateTime(info.opensAt, locale)}. This page lets you in then.`, canJoin: false };
    case 'full':
      return { heading: 'This workshop is full', text: `Every place in “${info.title}” is taken. Ask your instructor.`, canJoin: false };
    case 'ended':
      return { heading: 'This workshop has ended', text: `“${info.title}” is over. Thank you for taking part!`, canJoin: false };
  }
}

/** The text for a code the server does not know (404). */
export function wrongCodeText(code: string): string {
  return `There is no workshop with the code ${code}. Check it for typos, or ask your instructor.`;
}

/**
 * The lessons split for an attendee: the workshop's, in the workshop's order (ids the lab does
 * not have are left out), then every other lesson in the lab's order.
 */
export function orderForWorkshop(lessons: readonly LessonSummary[], workshopLessons: readonly string[]): { workshop: LessonSummary[]; others: LessonSummary[] } {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const workshop = [...new Set(workshopLessons)].map((id) => byId.get(id)).filter((l): l is LessonSummary => l !== undefined);
  const inWorkshop = new Set(workshop.map((l) => l.id));
  const others = lessons.filter((l) => !inWorkshop.has(l.id)).sort((a, b) => a.order - b.order);
  return { workshop, others };
}

/**
 * Where an attendee goes on (joining or coming back): the workshop's first lesson with a step
 * not passed, or its first when all are done or nothing is known of the lessons.
 */
export function lessonToTake(workshopLessons: readonly string[], progress: Progress = {}, lessons: readonly LessonSummary[] = []): string | undefined {
  const steps = new Map(lessons.map((l) => [l.id, l.steps]));
  const open = workshopLessons.find((id) => {
    const n = steps.get(id);
    return n !== undefined && (progress[id]?.length ?? 0) < n;
  });
  return open ?? workshopLessons[0];
}

/** Broadcasts the page holds plus those just heard, once each (by id), oldest first. */
export function mergeBroadcasts(held: readonly Broadcast[], heard: readonly Broadcast[]): Broadcast[] {
  const byId = new Map<number, Broadcast>();
  for (const b of [...held, ...heard]) byId.set(b.id, b);
  return [...byId.values()].sort((a, b) => a.at - b.at || a.id - b.id);
}
