import { describe, expect, it } from 'vitest';
import type { JoinInfo, LessonSummary } from '../server/common/api.ts';
import { codeError, mergeBroadcasts, joinStateText, lessonToTake, nameError, normalizeCode, orderForWorkshop, wrongCodeText } from './joinModel.ts';

describe('the join code', () => {
  it('is read the way people type it', () => {
    expect(normalizeCode('abcd efgh')).toBe('ABCD-EFGH');
    expect(normalizeCode(' ABCD-EFGH ')).toBe('ABCD-EFGH');
    expect(normalizeCode('abcdefgh')).toBe('ABCD-EFGH');
    expect(normalizeCode('abc')).toBe('ABC');
  });

  it('says what is wrong before asking the server', () => {
    expect(codeError('abcd-efgh')).toBeUndefined();
    expect(codeError('  ')).toMatch(/Enter the code/);
    expect(codeError('ABCD-EFG0')).toMatch(/no "0"/);
    expect(codeError('ABCD-EFG')).toMatch(/8 characters/);
  });
});

describe('the name', () => {
  it('takes 1 to 40 characters after trimming', () => {
    expect(nameError('Ana')).toBeUndefined();
    expect(nameError('  ')).toMatch(/Enter the name/);
    expect(nameError('x'.repeat(40))).toBeUndefined();
    expect(nameError(` ${'x'.repeat(40)} `)).toBeUndefined();
    expect(nameError('x'.repeat(41))).toMatch(/at most 40/);
  });
});

describe('the join page', () => {
  const info = (state: JoinInfo['state']): JoinInfo => ({
    code: 'ABCD-EFGH',
    title: 'Docker basics',
    state,
    opensAt: new Date(2026, 4, 12, 14, 0).getTime(),
    closesAt: new Date(2026, 4, 12, 17, 0).getTime(),
  });

  it('has its own words for each state', () => {
    expect(joinStateText(info('open'))).toMatchObject({ heading: 'Docker basics', canJoin: true });
    const notOpen = joinStateText(info('not-open'), 'en-GB');
    expect(notOpen).toMatchObject({ heading: 'Not open yet', canJoin: false });
    expect(notOpen.text).toContain('14:00');
    expect(notOpen.text).toContain('12 May');
    expect(joinStateText(info('full'))).toMatchObject({ heading: 'This workshop is full', canJoin: false });
    expect(joinStateText(info('ended'))).toMatchObject({ heading: 'This workshop has ended', canJoin: false });
    expect(wrongCodeText('ABCD-EFGH')).toContain('no workshop with the code ABCD-EFGH');
  });
});

describe('the lessons of a workshop', () => {
  const lesson = (id: string, order: number, steps = 3): LessonSummary => ({ id, title: id, summary: '', minutes: 10, nodes: [], prerequisites: [], order, steps });
  const lessons = [lesson('welcome', 1), lesson('images', 2), lesson('registry', 3), lesson('limits', 4)];

  it('come first, in the workshop order; the others follow in the lab order', () => {
    const { workshop, others } = orderForWorkshop(lessons, ['registry', 'welcome', 'gone']);
    expect(workshop.map((l) => l.id)).toEqual(['registry', 'welcome']);
    expect(others.map((l) => l.id)).toEqual(['images', 'limits']);
    expect(orderForWorkshop(lessons, []).workshop).toEqual([]);
  });

  it('lead an attendee to the first one not finished', () => {
    expect(lessonToTake(['registry', 'welcome'])).toBe('registry');
    expect(lessonToTake(['registry', 'welcome'], { registry: [0, 1, 2] }, lessons)).toBe('welcome');
    expect(lessonToTake(['registry', 'welcome'], { registry: [0, 1] }, lessons)).toBe('registry');
    expect(lessonToTake(['registry', 'welcome'], { registry: [0, 1, 2], welcome: [0, 1, 2] }, lessons)).toBe('registry');
    expect(lessonToTake([])).toBeUndefined();
  });
});

describe('broadcasts', () => {
  it('are kept once each, oldest first', () => {
    const b = (id: number, at: number) => ({ id, text: `m${id}`, at });
    expect(mergeBroadcasts([b(1, 10), b(2, 20)], [b(3, 30), b(2, 20)])).toEqual([b(1, 10), b(2, 20), b(3, 30)]);
    expect(mergeBroadcasts([], [b(5, 50), b(4, 40)])).toEqual([b(4, 40), b(5, 50)]);
  });
});
