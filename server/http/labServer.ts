/**
 * The lab's HTTP server, a thin edge over the capabilities it is given: the API's route table
 * (apiRoutes.ts), the event streams (sse.ts), the terminal WebSockets (terminalUpgrade.ts) and the
 * built page (staticFiles.ts), every answer with the security headers. Every request and upgrade
 * first names this lab (ownOrigin.ts: Host, DNS rebinding) with a path (requestTarget.ts), and
 * runs under the guard (requestGuard.ts) that answers or logs whatever a handler throws.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimits } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { Learners } from '../learners/learners.ts';
import type { LessonService } from '../lessons/types.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import { apiRoutes } from './apiRoutes.ts';
import { HttpError, refuseSocket } from './httpIo.ts';
import { OwnOrigin } from './ownOrigin.ts';
import { RateLimiter } from './rateLimiter.ts';
import { sessionToken } from './requestAuth.ts';
import { RequestGuard } from './requestGuard.ts';
import { requestTarget } from './requestTarget.ts';
import { apiDispatch } from './router.ts';
import { EventStreams } from './sse.ts';
import { SECURITY_HEADERS, serveStatic } from './staticFiles.ts';
import { TerminalUpgrade } from './terminalUpgrade.ts';
import { workshopRoutes } from './workshopRoutes.ts';
import { isProbePath, serveOps, type Ops } from './opsRoutes.ts';
import type { Workshops } from '../workshops/workshops.ts';

/** Admin logins per client address per minute: plenty for a person who mistyped, nothing for guessing a 256-bit secret. */
export const ADMIN_LOGINS_PER_MIN = 10;

export interface LabHttpOptions {
  learners: Learners;
  lessons: LessonService;
  terminals: TerminalHub;
  workshops: Workshops;
  /** The built page. */
  staticDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** SHIPLAB_PUBLIC_URL: another origin learners open, beside the loopback names on our port. */
  publicUrl?: string;
  /** SHIPLAB_TRUST_PROXY: believe X-Forwarded-Proto/Host/For. */
  trustProxy?: boolean;
  /** Per client address (SHIPLAB_RATE_*); default: no limit. */
  rates?: RateLimits;
  /** Admin logins per client address per minute (guessing the secret); default ADMIN_LOGINS_PER_MIN. */
  adminLoginsPerMin?: number;
  /** /healthz, /readyz and /metrics (opsRoutes.ts); without it those paths are the page's. */
  ops?: Ops;
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
  const server = http.createServer();
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // What Node's parser refused (a bad request line, bad or oversized headers): answer if we still can.
    log.debug('malformed request', { code: err.code });
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuseSocket(socket, status, `malformed request (${err.code ?? 'unreadable'})`);
  });

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

  // The listeners go on once the port is known (port 0 picks one, and the host rule names it). No
  // connection is read before this: 'listening' and this continuation both run before the event
  // loop polls again.
  const own = new OwnOrigin({ listenHost: opts.host, port: addr.port, publicUrl: opts.publicUrl, trustProxy: opts.trustProxy });
  const guard = new RequestGuard(log, (req) => opts.learners.byToken(sessionToken(req))?.id);
  const rates = { sessions: new RateLimiter(opts.rates?.sessionsPerMin ?? Infinity), creates: new RateLimiter(opts.rates?.createsPerMin ?? Infinity) };
  const adminLogins = new RateLimiter(opts.adminLoginsPerMin ?? ADMIN_LOGINS_PER_MIN);
  const api = apiDispatch({
    ...apiRoutes({ learners: opts.learners, lessons: opts.lessons, streams, rates }),
    ...workshopRoutes({ workshops: opts.workshops, learners: opts.learners, streams, rates: { sessions: rates.sessions, adminLogins } }),
  }, own);
  const upgrade = new TerminalUpgrade({ learners: opts.learners, terminals: opts.terminals, workshops: opts.workshops, own, guard });
  server.on(
    'request',
    guard.request(async (req, res) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const target = requestTarget(req.url);
      if (!target.ok) throw new HttpError(400, target.error);
      // Probes name the pod or host by address, not the lab's name: /healthz and /readyz answer
      // any Host (they hold no learner's data); /metrics keeps the host rule and its secret.
      if (opts.ops && isProbePath(target.path) && (await serveOps(opts.ops, req, res, target.path))) return;
      const named = own.checkHost(req);
      if (!named.ok) throw new HttpError(named.status, named.error);
      const method = req.method ?? 'GET';
      if (target.path.startsWith('/api/')) return api(req, res, target.path);
      if (opts.ops && (await serveOps(opts.ops, req, res, target.path))) return;
      if (method === 'GET' || method === 'HEAD') return serveStatic(req, res, opts.staticDir, target.path);
      throw new HttpError(404, `no route ${method} ${target.path}`);
    }),
  );
  server.on('upgrade', guard.upgrade((req, socket, head) => upgrade.handle(req, socket, head)));

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
