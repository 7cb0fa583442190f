import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET } from '../common/api.ts';
import { newJoinCode, parseJoinCode } from './joinCode.ts';

describe('join codes', () => {
  it('are XXXX-XXXX from an alphabet without look-alikes', () => {
    for (const c of '0O1IL') expect(JOIN_CODE_ALPHABET).not.toContain(c);
    const codes = new Set(Array.from({ length: 2000 }, () => newJoinCode()));
    expect(codes.size).toBe(2000);
    for (const c of codes) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  });

  it('read what an attendee types, in any case, with or without the dash', () => {
    expect(parseJoinCode('abcd-efgh')).toEqual({ ok: true, code: 'ABCD-EFGH' });
    expect(parseJoinCode(' abcd efgh ')).toEqual({ ok: true, code: 'ABCD-EFGH' });
    expect(parseJoinCode('ABCDEFG')).toMatchObject({ ok: false, error: expect.stringContaining('has 7') });
    expect(parseJoinCode('ABCD-EFG0')).toMatchObject({ ok: false, error: expect.stringContaining('"0"') });
    expect(parseJoinCode('x'.repeat(10_000))).toMatchObject({ ok: false });
  });
});
