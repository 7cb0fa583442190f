/**
 * The terminal WebSocket (/ws/terminal/:node). A socket is attached only for a learner with a
 * session cookie, from our own origin, to a node of that learner's own ready sandbox; every
 * refusal is a close code of server/common/api.ts the page understands.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, isNodeName, NODE_NAMES, routes } from '../common/api.ts';
import { MAX_FRAME_BYTES } from '../common/frames.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { Learners } from '../learners/learners.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import { sameOrigin, sessionToken } from './requestAuth.ts';

/** Refuses an upgrade while it is still plain HTTP. */
function refuse(socket: Duplex, status: string, message = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

export class TerminalUpgrade implements Disposable {
  private readonly _wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });

  constructor(
    private readonly _learners: Learners,
    private readonly _terminals: TerminalHub,
  ) {}

  /** The server's 'upgrade' listener. */
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const m = routes.terminal.match(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m) return refuse(socket, '404 Not Found');
    if (!m.ok) return refuse(socket, '400 Bad Request', m.error);
    const node = m.params.node;
    this._wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // Errors are logged by the socket link once attached; before that the socket only closes.
      ws.on('error', () => {});
      const learner = this._learners.byToken(sessionToken(req));
      if (!learner) return ws.close(CloseCode.Unauthorized, 'no session cookie: open the lab page first');
      if (!sameOrigin(req, true)) return ws.close(CloseCode.Unauthorized, 'WebSocket from a foreign origin refused');
      if (!isNodeName(node)) return ws.close(CloseCode.NotFound, `no node ${node}; nodes are ${NODE_NAMES.join(', ')}`);
      const sandbox = this._learners.ready(learner.id);
      if (!sandbox) return ws.close(CloseCode.NotFound, 'no sandbox is ready: start the lesson first');
      if (!sandbox.nodes[node]) return ws.close(CloseCode.NotFound, `this sandbox has no node ${node}`);
      this._terminals.attach(ws, sandbox, node);
    });
  }

  /** Terminates the sockets still open: the terminal hub has closed its own, with their codes. */
  dispose(): void {
    for (const ws of this._wss.clients) ws.terminate();
    this._wss.close();
  }
}
