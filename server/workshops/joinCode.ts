/**
 * Join codes: 8 characters from JOIN_CODE_ALPHABET (31 letters and digits, none that look alike
 * when read aloud or off a projector: no 0/O, 1/I/L), shown as XXXX-XXXX. 31^8 ≈ 8.5e11 codes:
 * a room cannot guess its way into another workshop, and the join route is rate limited besides.
 */
import crypto from 'node:crypto';
import { JOIN_CODE_ALPHABET } from '../common/api.ts';

export const JOIN_CODE_LENGTH = 8;

/** A new random code, XXXX-XXXX. */
export function newJoinCode(): string {
  let s = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % JOIN_CODE_ALPHABET.length);
  while (s.length < JOIN_CODE_LENGTH) {
    for (const b of crypto.randomBytes(JOIN_CODE_LENGTH * 2)) {
      if (b < limit && s.length < JOIN_CODE_LENGTH) s += JOIN_CODE_ALPHABET[b % JOIN_CODE_ALPHABET.length];
    }
  }
  return formatJoinCode(s);
}

export function formatJoinCode(bare: string): string {
  return `${bare.slice(0, 4)}-${bare.slice(4)}`;
}

/**
 * What an attendee typed, as a code (XXXX-XXXX), or why it cannot be one. Case, spaces and dashes
 * do not matter; a look-alike (O for 0 and so on) is not in the alphabet, so it is named.
 */
export function parseJoinCode(input: string): { ok: true; code: string } | { ok: false; error: string } {
  if (input.length > 64) return { ok: false, error: 'a join code has 8 characters (XXXX-XXXX)' };
  const bare = input.toUpperCase().replace(/[\s-]/g, '');
  if (bare.length !== JOIN_CODE_LENGTH) return { ok: false, error: `a join code has 8 characters (XXXX-XXXX); this one has ${bare.length}` };
  const bad = [...bare].find((c) => !JOIN_CODE_ALPHABET.includes(c));
  if (bad !== undefined) return { ok: false, error: `"${bad}" is never in a join code (codes leave out 0, O, 1, I and L)` };
  return { ok: true, code: formatJoinCode(bare) };
}
