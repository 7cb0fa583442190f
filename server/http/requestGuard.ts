/**
 * The last line at the server's two entry points, a request and an upgrade: whatever a handler
 * throws or rejects with is answered (an HttpError with its status and message, anything else
 * 500) or its socket is closed, and the unexpected is logged with its request: method, path, and
 * the learner when the cookie names one, and the request's id: every request and upgrade gets one
 * (a proxy's well-formed X-Request-Id, or a new one), sent back as X-Request-Id and named in a 500's
 * message, so a learner's report finds its log line. The server keeps serving: one request's bug costs that
 * request, never every learner's terminal. (server/main.ts keeps a process-wide last resort too,
 * server/app/lastResort.ts, for what escapes outside any request.)
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/log.ts';
import { HttpError, refuseSocket, sendError } from './httpIo.ts';

/** A request target is logged this long at most; the rest would be a client's noise. */
const LOGGED_TARGET_CHARS = 200;

/** An id a proxy gave the request, taken as it is when it looks like one. */
const REQUEST_ID = /^[\w.-]{1,64}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

/** Each request's id, for as long as the request lives. */
const ids = new WeakMap<IncomingMessage, string>();

/** The request's id (made on first ask). */
export function requestId(req: IncomingMessage): string {
  let id = ids.get(req);
  if (!id) {
    const given = req.headers[REQUEST_ID_HEADER];
    id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomBytes(6).toString('hex');
    ids.set(req, id);
  }
  return id;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class RequestGuard {
  constructor(
    private readonly _log: Logger,
    /** The learner a request's cookie names, for the log. */
    private readonly _learnerOf: (req: IncomingMessage) => string | undefined,
  ) {}

  /** `handle` as a 'request' listener that neither throws nor leaves a rejection unhandled. */
  request(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): RequestListener {
    return (req, res) => {
      res.setHeader(REQUEST_ID_HEADER, requestId(req));
      const fail = (err: unknown) => this._answer(req, res, err);
      try {
        handle(req, res)?.catch(fail);
      } catch (err) {
        fail(err);
      }
    };
  }

  /**
   * `handle` as an 'upgrade' listener that does not throw: a throw before the handshake is
   * answered 500 on the raw socket. (After it, the WebSocket is the handler's to close.)
   */
  upgrade(handle: UpgradeListener): UpgradeListener {
    return (req, socket, head) => {
      try {
        handle(req, socket, head);
      } catch (err) {
        this.unexpected(req, err);
        refuseSocket(socket, 500, 'internal error');
      }
    };
  }

  /** Logs an error nobody expected, with the request it came with. */
  unexpected(req: IncomingMessage, err: unknown): void {
    let learner: string | undefined;
    try {
      learner = this._learnerOf(req);
    } catch {
      learner = undefined; // the log line matters more than who sent it
    }
    const target = req.url ?? '';
    this._log.error('request failed', {
      request: requestId(req),
      method: req.method,
      path: target.length > LOGGED_TARGET_CHARS ? `${target.slice(0, LOGGED_TARGET_CHARS)}…` : target,
      learner,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }

  private _answer(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    try {
      if (!(err instanceof HttpError)) this.unexpected(req, err);
      // A response under way (an event stream) cannot change its status: cut it short.
      if (res.headersSent) return void res.destroy();
      // Answered before the body was read: close the connection rather than read the rest.
      if (!req.complete) res.setHeader('connection', 'close');
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else sendError(res, 500, `internal error (request ${requestId(req)}): ${err instanceof Error ? err.message : String(err)}`);
    } catch (inner) {
      this.unexpected(req, inner);
      res.destroy();
    }
  }
}
