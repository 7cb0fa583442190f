import { describe, expect, it } from 'vitest';
import { clockTime, fromLocalInput, localDateTime, minutesText, moreUrgent, shortMinutes, timeLeftText, timeWarning, toLocalInput, warningText } from './workshopTime.ts';

const MIN = 60_000;

describe('the countdown', () => {
  it('warns at 10 and at 2 minutes, and says when time is up', () => {
    expect(timeWarning(10 * MIN + 1)).toBe('none');
    expect(timeWarning(10 * MIN)).toBe('10-min');
    expect(timeWarning(2 * MIN + 1)).toBe('10-min');
    expect(timeWarning(2 * MIN)).toBe('2-min');
    expect(timeWarning(1)).toBe('2-min');
    expect(timeWarning(0)).toBe('over');
    expect(timeWarning(-5 * MIN)).toBe('over');
    expect(warningText('none')).toBeUndefined();
    expect(warningText('10-min')).toMatch(/10 minutes/);
    expect(warningText('2-min')).toMatch(/2 minutes/);
  });

  it('announces a warning once, when it gets more urgent', () => {
    expect(moreUrgent('none', '10-min')).toBe(true);
    expect(moreUrgent('10-min', '10-min')).toBe(false);
    expect(moreUrgent('none', '2-min')).toBe(true);
    // An extension moves the end away: no toast for calming down.
    expect(moreUrgent('2-min', 'none')).toBe(false);
    expect(moreUrgent('2-min', 'over')).toBe(true);
  });

  it('shows the time left', () => {
    expect(timeLeftText(41 * MIN + 7_000)).toBe('41:07 left');
    expect(timeLeftText(62 * MIN + 3_000)).toBe('1:02:03 left');
    expect(timeLeftText(0)).toBe('time is up');
    expect(timeLeftText(-1)).toBe('time is up');
  });
});

describe('minutes for the console', () => {
  it('rounds to whole minutes', () => {
    expect([0, 59, 60, 89, 90, 360, 3599, 3600, 3900].map(minutesText)).toEqual(['<1 min', '<1 min', '1 min', '1 min', '2 min', '6 min', '1 h', '1 h', '1 h 5 min']);
    expect(minutesText(Number.NaN)).toBe('<1 min');
  });

  it('has a short form for a cell', () => {
    expect([0, 59_999, 6 * MIN + 30_000, 65 * MIN, -MIN].map(shortMinutes)).toEqual(['0m', '0m', '6m', '1h05', '0m']);
  });
});

describe('local date and time', () => {
  it('round-trips a datetime-local value', () => {
    const ms = new Date(2026, 4, 12, 14, 5).getTime();
    expect(toLocalInput(ms)).toBe('2026-05-12T14:05');
    expect(fromLocalInput('2026-05-12T14:05')).toBe(ms);
    expect(fromLocalInput(' 2026-05-12T14:05:00 ')).toBe(ms);
    expect(clockTime(ms)).toBe('14:05');
    expect(clockTime(new Date(2026, 0, 1, 9, 3).getTime())).toBe('09:03');
  });

  it('refuses what is not a date', () => {
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('2026-05-12')).toBeUndefined();
    expect(fromLocalInput('2026-02-31T10:00')).toBeUndefined();
    expect(fromLocalInput('2026-05-12T25:00')).toBeUndefined();
  });

  it('writes an opening time a visitor can read', () => {
    const text = localDateTime(new Date(2026, 4, 12, 14, 5).getTime(), 'en-GB');
    expect(text).toContain('12');
    expect(text).toContain('May');
    expect(text).toContain('14:05');
  });
});
