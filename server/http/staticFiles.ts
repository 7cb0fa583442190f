/** Serves the built page (dist/web) with a strict Content-Security-Policy. */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { MALFORMED_PATH } from '../common/route.ts';
import { sendError } from './httpIo.ts';

/**
 * Only our own scripts, styles, images and connections (fetch, SSE, WebSocket: 'self' covers
 * ws:/wss: to the same host in CSP 3). xterm.js sets inline styles for its cells, hence
 * 'unsafe-inline' for styles only. No framing, no plugins, no <base>.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the file `pathname` (as sent, percent-encoded) names under `root`. */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, pathname: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return sendError(res, 400, MALFORMED_PATH);
  }
  if (rel.includes('\0')) return sendError(res, 400, 'a NUL byte in the path');
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(root, '.' + path.posix.normalize(rel));
  if (!file.startsWith(path.resolve(root) + path.sep)) return sendError(res, 404, 'not found');
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      return sendError(res, 404, `the web page is not built (no ${root}/index.html): run npm run build:web`);
    }
    return sendError(res, 404, `not found: ${pathname}`);
  }
  if (!stat.isFile()) return sendError(res, 404, `not found: ${pathname}`);
  // Vite puts hashed, immutable files under assets/; everything else is revalidated.
  const immutable = rel.startsWith('/assets/');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  // A file gone since stat, or a client gone mid-file: the response ends short; nothing to answer.
  pipeline(fs.createReadStream(file), res, () => {});
}
