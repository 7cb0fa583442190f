/** Who is asking: the session cookie. (Which origins are ours: ownOrigin.ts.) */
import type { IncomingMessage } from 'node:http';
import { ADMIN_COOKIE, SESSION_COOKIE } from '../common/api.ts';

/** Session cookies last 30 days; the learner's progress is keyed to them. */
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export function sessionToken(req: IncomingMessage): string | undefined {
  return parseCookies(req.headers.cookie).get(SESSION_COOKIE);
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/. Secure
 * when the client reached us over TLS (`secure`: directly, or via a proxy we trust to say so). */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}

export function adminToken(req: IncomingMessage): string | undefined {
  return parseCookies(req.headers.cookie).get(ADMIN_COOKIE);
}

/** The admin console's cookie: like the session's, for the length of an admin session; empty
 * with Max-Age=0 to log out. */
export function adminCookie(token: string, secure: boolean, maxAgeS: number): string {
  return `${ADMIN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
