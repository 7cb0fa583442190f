/**
 * The lab's HTTP server: every route in server/common/api.ts, SSE events, the terminal
 * WebSockets and the built page. One learner = one session cookie = at most one sandbox.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, isNodeName, NODE_NAMES, type ServerEvent, type SessionInfo } from '../common/api.ts';
import { MAX_FRAME_BYTES } from '../common/frames.ts';
import { dataDir as defaultDataDir, ROOT } from '../core/config.ts';
import { logger, type Logger } from '../core/log.ts';
import type { LessonService } from '../lessons/types.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import type { NodeShell } from '../terminal/nodeShell.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';
import { HttpError, readJsonBody, sendError, sendJson } from './httpIo.ts';
import { LearnerEvents } from '../learners/learnerEvents.ts';
import { LearnerSandboxes } from '../learners/learnerSandboxes.ts';
import { sameOrigin, sessionCookie, sessionToken } from './requestAuth.ts';
import { SessionStore, type LearnerRecord } from '../learners/sessionStore.ts';
import { SECURITY_HEADERS, serveStatic } from './staticFiles.ts';

/** Longest answer a question step accepts; answers are a number or a short word. */
const MAX_ANSWER_CHARS = 1000;

export interface LabServerOptions {
  sandboxes: Sandboxes;
  lessons: LessonService;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built page; default <checkout>/dist/web. */
  staticDir?: string;
  /** Where sessions.json lives; default the data directory (SHIPLAB_DATA_DIR or .shiplab). */
  dataDir?: string;
  /** Terminal grace period without a socket, ms; default SHIPLAB_TERMINAL_GRACE_S or 60 s. */
  graceMs?: number;
  /** How terminals reach nodes; default `docker exec` on the host engine. */
  shell?: NodeShell;
  log?: Logger;
}

export interface LabServer {
  /** http://host:port, without a trailing slash. */
  url: string;
  /** Closes sockets and streams and ends terminals; sandboxes stay for the next server to adopt. */
  close(): Promise<void>;
  /** The terminal sessions (stats for tests and benchmarks). */
  terminals: TerminalHub;
  sessions: SessionStore;
}

export async function createLabServer(opts: LabServerOptions): Promise<LabServer> {
  const log = opts.log ?? logger('http');
  const staticDir = opts.staticDir ?? path.join(ROOT, 'dist', 'web');
  const store = SessionStore.open(path.join(opts.dataDir ?? defaultDataDir(), 'sessions.json'), log);
  const events = new LearnerEvents();
  const learners = new LearnerSandboxes({
    sandboxes: opts.sandboxes,
    lessons: opts.lessons,
    store,
    publish: (learner, e) => events.publish(learner, e),
    log,
  });
  learners.adopt();
  const terminals = new TerminalHub({ sandboxes: opts.sandboxes, shell: opts.shell, graceMs: opts.graceMs, log: log.child('terminal') });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });

  const learnerOf = (req: http.IncomingMessage): LearnerRecord | undefined => store.byToken(sessionToken(req));
  const mustLearner = (req: http.IncomingMessage): LearnerRecord => {
    const l = learnerOf(req);
    if (!l) throw new HttpError(401, 'no session: POST /api/session first (the page does this when it loads)');
    return l;
  };
  const touch = (learner: string) => {
    const sb = learners.ready(learner);
    if (sb) opts.sandboxes.touch(sb.id);
  };

  async function api(req: http.IncomingMessage, res: http.ServerResponse, p: string, method: string): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req, true)) {
      throw new HttpError(401, 'request from a foreign origin refused');
    }
    if (p === '/api/session' && method === 'POST') {
      await readJsonBody(req);
      let learner = learnerOf(req);
      if (!learner) {
        const created = store.create();
        learner = created.learner;
        res.setHeader('set-cookie', sessionCookie(created.token, req));
        log.info('new learner', { learner: learner.id });
      }
      return sendJson(res, 200, { learner: learner.id, lesson: learner.lesson, progress: learner.progress } satisfies SessionInfo);
    }
    if (p === '/api/lessons' && method === 'GET') return sendJson(res, 200, opts.lessons.list());
    let m = /^\/api\/lessons\/([^/]+)$/.exec(p);
    if (m && method === 'GET') {
      const view = opts.lessons.view(decodeURIComponent(m[1]!));
      if (!view) throw new HttpError(404, `no lesson ${decodeURIComponent(m[1]!)}`);
      return sendJson(res, 200, view);
    }
    m = /^\/api\/lessons\/([^/]+)\/steps\/(\d{1,4})\/check$/.exec(p);
    if (m && method === 'POST') {
      const learner = mustLearner(req);
      const lessonId = decodeURIComponent(m[1]!);
      const step = Number(m[2]);
      const body = await readJsonBody(req);
      const view = opts.lessons.view(lessonId);
      if (!view) throw new HttpError(404, `no lesson ${lessonId}`);
      if (step >= view.stepViews.length) throw new HttpError(404, `lesson ${lessonId} has no step ${step} (it has ${view.stepViews.length})`);
      const answer = body.answer;
      if (answer !== undefined && (typeof answer !== 'string' || answer.length > MAX_ANSWER_CHARS)) {
        throw new HttpError(400, `answer must be a string of at most ${MAX_ANSWER_CHARS} characters`);
      }
      const sandbox = learners.ready(learner.id);
      if (!sandbox) throw new HttpError(409, 'no sandbox is ready: start the lesson (its sandbox) first, then check');
      opts.sandboxes.touch(sandbox.id);
      const result = await opts.lessons.check(lessonId, step, sandbox, answer);
      events.publish(learner.id, { type: 'check', lesson: lessonId, step, result, auto: false });
      if (result.passed && store.markPassed(learner.id, lessonId, step)) {
        events.publish(learner.id, { type: 'progress', progress: learner.progress });
      }
      return sendJson(res, 200, result);
    }
    if (p === '/api/progress' && method === 'GET') return sendJson(res, 200, mustLearner(req).progress);
    if (p === '/api/sandbox') {
      const learner = mustLearner(req);
      if (method === 'GET') {
        touch(learner.id);
        return sendJson(res, 200, learners.status(learner.id));
      }
      if (method === 'POST') {
        const body = await readJsonBody(req);
        if (typeof body.lesson !== 'string' || !opts.lessons.view(body.lesson)) {
          throw new HttpError(typeof body.lesson === 'string' ? 404 : 400, typeof body.lesson === 'string' ? `no lesson ${body.lesson}` : 'body must be { "lesson": "<lesson id>" }');
        }
        return sendJson(res, 200, learners.start(learner.id, body.lesson));
      }
      if (method === 'DELETE') {
        await learners.stop(learner.id);
        return sendJson(res, 200, learners.status(learner.id));
      }
    }
    if (p === '/api/events' && method === 'GET') {
      const learner = mustLearner(req);
      touch(learner.id);
      const initial: ServerEvent[] = [
        { type: 'sandbox', status: learners.status(learner.id) },
        { type: 'progress', progress: learner.progress },
      ];
      return events.serve(req, res, learner.id, initial, () => touch(learner.id));
    }
    throw new HttpError(404, `no route ${method} ${p}`);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const work = url.pathname.startsWith('/api/')
      ? api(req, res, url.pathname, method)
      : method === 'GET' || method === 'HEAD'
        ? serveStatic(req, res, staticDir)
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

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/ws\/terminal\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // Errors are logged by the socket link once attached; before that the socket only closes.
      ws.on('error', () => {});
      const learner = learnerOf(req);
      if (!learner) return ws.close(CloseCode.Unauthorized, 'no session cookie: open the lab page first');
      if (!sameOrigin(req, true)) return ws.close(CloseCode.Unauthorized, 'WebSocket from a foreign origin refused');
      const node = decodeURIComponent(m[1]!);
      if (!isNodeName(node)) return ws.close(CloseCode.NotFound, `no node ${node}; nodes are ${NODE_NAMES.join(', ')}`);
      const sandbox = learners.ready(learner.id);
      if (!sandbox) return ws.close(CloseCode.NotFound, 'no sandbox is ready: start the lesson first');
      if (!sandbox.nodes[node]) return ws.close(CloseCode.NotFound, `this sandbox has no node ${node}`);
      terminals.attach(ws, sandbox, node);
    });
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
  const url = `http://${host}:${addr.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    terminals,
    sessions: store,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        events.dispose();
        await terminals.dispose();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        await learners.dispose();
        server.closeAllConnections();
        await closed;
        await store.flush();
      })();
      return closing;
    },
  };
}
