/** Who is asking: the session cookie, and whether a browser request comes from our own origin. */
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE } from '../common/api.ts';

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
 * when the request came over TLS (directly or via a proxy that says so). */
export function sessionCookie(token: string, req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}${tls ? '; Secure' : ''}`;
}

/**
 * True when the request's Origin names the same host (and port) as its Host header. A request
 * without Origin is not from a browser page (browsers always send Origin on WebSocket upgrades
 * and cross-origin POSTs); it is allowed only when `allowMissing` (the caller holds a session).
 */
export function sameOrigin(req: IncomingMessage, allowMissing: boolean): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return allowMissing;
  const host = req.headers.host;
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed iframes, file://) or garbage: not our page.
  }
}
