/**
 * The request target (req.url) read without throwing. Only origin-form ("/path?query") is ours:
 * absolute-form (GET http://host/path), authority-form (CONNECT host:port) and "*" are for
 * proxies, and `new URL` throws on some of them (`GET http://[ HTTP/1.1` once stopped the
 * server). The path is kept as sent, still percent-encoded: the route matchers decode it param
 * by param and answer a malformed escape with 400 (server/common/route.ts).
 */

export type RequestTarget = { ok: true; path: string } | { ok: false; error: string };

export const BAD_TARGET = 'the request target must be a path starting with / (this server is not a proxy)';

export function requestTarget(raw: string | undefined): RequestTarget {
  if (raw === undefined || !raw.startsWith('/')) return { ok: false, error: BAD_TARGET };
  const end = raw.search(/[?#]/);
  return { ok: true, path: end < 0 ? raw : raw.slice(0, end) };
}
