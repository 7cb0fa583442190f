import { describe, expect, it } from 'vitest';
import { ADMIN_COOKIE, SESSION_COOKIE } from '../common/api.ts';
import { cookieFrom } from './labClient.ts';

describe('cookieFrom', () => {
  it('reads the named cookie from one Set-Cookie header', () => {
    expect(cookieFrom(`${SESSION_COOKIE}=abc_DEF-123; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000`, SESSION_COOKIE)).toBe('abc_DEF-123');
  });

  it('finds it among several joined with ", " (fetch joins them so), even after an Expires with a comma', () => {
    const joined = `other=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/, ${ADMIN_COOKIE}=s3cret; HttpOnly; Path=/`;
    expect(cookieFrom(joined, ADMIN_COOKIE)).toBe('s3cret');
    expect(cookieFrom(joined, SESSION_COOKIE)).toBeUndefined();
  });

  it('does not take a cookie whose name only ends like the one asked for', () => {
    expect(cookieFrom(`x${SESSION_COOKIE}=nope; Path=/`, SESSION_COOKIE)).toBeUndefined();
  });

  it('is undefined for no header and for an emptied cookie (a logout)', () => {
    expect(cookieFrom(null, SESSION_COOKIE)).toBeUndefined();
    expect(cookieFrom(undefined, SESSION_COOKIE)).toBeUndefined();
    expect(cookieFrom(`${ADMIN_COOKIE}=; HttpOnly; Path=/; Max-Age=0`, ADMIN_COOKIE)).toBeUndefined();
  });
});
