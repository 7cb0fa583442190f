/**
 * The terminal WebSocket (/ws/terminal/:node). A socket is attached only for a request that
 * names this lab (Host), for a learner with a session cookie, from one of our own origins, to a
 * node of that learner's own ready sandbox. A malformed request is refused before the handshake
 * (400, 404, 421); every later refusal is a close code of server/common/api.ts the page
 * understands.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, isNodeName, NODE_NAMES, routes } from '../common/api.ts';
import { MAX_FRAME_BYTES } from '../common/frames.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { Learners } from '../learners/learners.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import type { Workshops } from '../workshops/workshops.ts';
import { refuseSocket } from './httpIo.ts';
import type { OwnOrigin } from './ownOrigin.ts';
import { adminToken, sessionToken } from './requestAuth.ts';
import type { RequestGuard } from './requestGuard.ts';
import { requestTarget } from './requestTarget.ts';

/** WebSocket close code for "the server failed" (RFC 6455 §7.4.1). */
const INTERNAL_ERROR = 1011;
/** A close frame's payload is 125 bytes at most, 2 of them the code (RFC 6455 §5.5); ws throws beyond. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `text` as a close reason: whole if it fits, else cut short with an ellipsis. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_CLOSE_REASON_BYTES) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > MAX_CLOSE_REASON_BYTES - Buffer.byteLength('…')) break;
    out += ch;
  }
  return `${out}…`;
}

export interface TerminalUpgradeOptions {
  learners: Learners;
  terminals: TerminalHub;
  /** For shadows (/ws/shadow/…): the admin session, and the attendee's sandbox. */
  workshops?: Workshops;
  own: OwnOrigin;
  /** Logs what nobody expected, with its request. */
  guard: RequestGuard;
}

export class TerminalUpgrade implements Disposable {
  private readonly _wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });

  constructor(private readonly _o: TerminalUpgradeOptions) {}

  /** The server's 'upgrade' listener. */
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const target = requestTarget(req.url);
    if (!target.ok) return refuseSocket(socket, 400, target.error);
    const named = this._o.own.checkHost(req);
    if (!named.ok) return refuseSocket(socket, named.status, named.error);
    const m = routes.terminal.match(target.path);
    const shadow = m ? undefined : routes.shadow.match(target.path);
    if (!m && !shadow) return refuseSocket(socket, 404, `no WebSocket at ${target.path}`);
    if (m && !m.ok) return refuseSocket(socket, 400, m.error);
    if (shadow && !shadow.ok) return refuseSocket(socket, 400, shadow.error);
    this._wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // Errors are logged by the socket link once attached; before that the socket only closes.
      ws.on('error', () => {});
      try {
        if (m?.ok) this._attach(req, ws, m.params.node);
        else if (shadow?.ok) this._shadow(req, ws, shadow.params);
      } catch (err) {
        this._o.guard.unexpected(req, err);
        ws.close(INTERNAL_ERROR, 'internal error');
      }
    });
  }

  private _attach(req: http.IncomingMessage, ws: WebSocket, node: string): void {
    const { learners, terminals, own } = this._o;
    const learner = learners.byToken(sessionToken(req));
    if (!learner) return ws.close(CloseCode.Unauthorized, 'no session cookie: open the lab page first');
    if (!own.allowsOrigin(req.headers.origin, true)) return ws.close(CloseCode.Unauthorized, 'WebSocket from a foreign origin refused');
    if (!isNodeName(node)) return ws.close(CloseCode.NotFound, closeReason(`no node ${JSON.stringify(node.slice(0, 40))}; nodes are ${NODE_NAMES.join(', ')}`));
    const sandbox = learners.ready(learner.id);
    if (!sandbox) return ws.close(CloseCode.NotFound, 'no sandbox is ready: start the lesson first');
    if (!sandbox.nodes[node]) return ws.close(CloseCode.NotFound, `this sandbox has no node ${node}`);
    terminals.attach(ws, sandbox, node);
  }

  /** A read-only view of an attendee's terminal for the instructor: the admin cookie, our origin. */
  private _shadow(req: http.IncomingMessage, ws: WebSocket, p: { workshop: string; attendee: string; node: string }): void {
    const { workshops, terminals, own } = this._o;
    if (!workshops?.admin.session(adminToken(req))) return ws.close(CloseCode.Unauthorized, 'the shadow needs the admin console\'s login');
    if (!own.allowsOrigin(req.headers.origin, true)) return ws.close(CloseCode.Unauthorized, 'WebSocket from a foreign origin refused');
    if (!isNodeName(p.node)) return ws.close(CloseCode.NotFound, closeReason(`no node ${JSON.stringify(p.node.slice(0, 40))}; nodes are ${NODE_NAMES.join(', ')}`));
    const sandbox = workshops.shadowTarget(p.workshop, p.attendee);
    if (!sandbox) return ws.close(CloseCode.NotFound, 'this attendee has no running sandbox');
    if (!sandbox.nodes[p.node]) return ws.close(CloseCode.NotFound, `this sandbox has no node ${p.node}`);
    if (terminals.shadow(ws, sandbox, p.node)) workshops.audit('shadow terminal', { workshop: p.workshop, attendee: p.attendee, detail: p.node });
  }

  /** Terminates the sockets still open: the terminal hub has closed its own, with their codes. */
  dispose(): void {
    for (const ws of this._wss.clients) ws.terminate();
    this._wss.close();
  }
}
