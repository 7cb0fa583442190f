/**
 * The lab's HTTP server, a thin edge over the capabilities it is given: the API's route table
 * (apiRoutes.ts), the event streams (sse.ts), the terminal WebSockets (terminalUpgrade.ts) and the
 * built page (staticFiles.ts), every answer with the security headers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.ts';
import type { Learners } from '../learners/learners.ts';
import type { LessonService } from '../lessons/types.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import { apiRoutes } from './apiRoutes.ts';
import { HttpError, sendError } from './httpIo.ts';
import { apiDispatch } from './router.ts';
import { EventStreams } from './sse.ts';
import { SECURITY_HEADERS, serveStatic } from './staticFiles.ts';
import { TerminalUpgrade } from './terminalUpgrade.ts';

export interface LabHttpOptions {
  learners: Learners;
  lessons: LessonService;
  terminals: TerminalHub;
  /** The built page. */
  staticDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
}

export interface LabHttp {
  /** http://host:port, without a trailing slash. */
  url: string;
  /**
   * Stops taking connections and ends the event streams; runs `drain` while the terminal sockets
   * are still open (the terminal hub closes them with its own close code); then terminates what is
   * left and resolves once every connection is gone.
   */
  close(drain?: () => Promise<void>): Promise<void>;
}

export async function serveLab(opts: LabHttpOptions): Promise<LabHttp> {
  const { log } = opts;
  const streams = new EventStreams();
  const api = apiDispatch(apiRoutes({ learners: opts.learners, lessons: opts.lessons, streams }));
  const upgrade = new TerminalUpgrade(opts.learners, opts.terminals);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const work = url.pathname.startsWith('/api/')
      ? api(req, res, url.pathname)
      : method === 'GET' || method === 'HEAD'
        ? serveStatic(req, res, opts.staticDir)
        : Promise.reject(new HttpError(404, `no route ${method} ${url.pathname}`));
    work.catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err.status, err.message);
      log.error('request failed', { method, path: url.pathname, error: err instanceof Error ? err.stack : String(err) });
      sendError(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.on('clientError', (_err, socket) => {
    // A malformed HTTP request: answer 400 if we still can, never crash.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => upgrade.handle(req, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('server error', { error: err.message }));
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    close(drain) {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        streams.dispose();
        try {
          await drain?.();
        } finally {
          upgrade.dispose();
          server.closeAllConnections();
          await closed;
        }
      })();
      return closing;
    },
  };
}
