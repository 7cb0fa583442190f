import { describe, expect, it } from 'vitest';
import { moveLesson, readWorkshopFields, toggleLesson, type WorkshopFields } from './workshopForm.ts';

describe('the lesson order', () => {
  it('adds at the end and takes out', () => {
    expect(toggleLesson([], 'a')).toEqual(['a']);
    expect(toggleLesson(['a', 'b'], 'c')).toEqual(['a', 'b', 'c']);
    expect(toggleLesson(['a', 'b', 'c'], 'b')).toEqual(['a', 'c']);
  });

  it('moves a lesson up or down, never out of the list', () => {
    expect(moveLesson(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveLesson(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveLesson(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveLesson(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });
});

describe('readWorkshopFields', () => {
  const fields: WorkshopFields = {
    title: '  Docker basics ',
    lessons: ['welcome', 'images'],
    capacity: '30',
    opensAt: '2026-05-12T14:00',
    closesAt: '2026-05-12T17:00',
    sessionMinutes: '90',
    warmPercent: '40',
  };

  it('makes the WorkshopInput: epoch ms from local times, the warm share as 0..1', () => {
    expect(readWorkshopFields(fields)).toEqual({
      ok: true,
      input: {
        title: 'Docker basics',
        lessons: ['welcome', 'images'],
        capacity: 30,
        opensAt: new Date(2026, 4, 12, 14, 0).getTime(),
        closesAt: new Date(2026, 4, 12, 17, 0).getTime(),
        sessionMinutes: 90,
        poolShare: 0.4,
      },
    });
    const r = readWorkshopFields({ ...fields, warmPercent: '0' });
    expect(r.ok && r.input.poolShare).toBe(0);
  });

  it('names the first field that is wrong', () => {
    const wrong = (over: Partial<WorkshopFields>) => {
      const r = readWorkshopFields({ ...fields, ...over });
      return r.ok ? undefined : r.field;
    };
    expect(wrong({ title: ' ' })).toBe('title');
    expect(wrong({ lessons: [] })).toBe('lessons');
    expect(wrong({ capacity: '0' })).toBe('capacity');
    expect(wrong({ capacity: '2.5' })).toBe('capacity');
    expect(wrong({ opensAt: '' })).toBe('opensAt');
    expect(wrong({ closesAt: '2026-05-12T13:00' })).toBe('closesAt');
    expect(wrong({ sessionMinutes: '' })).toBe('sessionMinutes');
    expect(wrong({ warmPercent: '101' })).toBe('warmPercent');
    expect(wrong({ warmPercent: '' })).toBe('warmPercent');
  });
});
