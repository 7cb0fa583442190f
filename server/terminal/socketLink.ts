/**
 * Binds one `ws` WebSocket to one TerminalSession: decodes frames, enforces the wire's limits,
 * and closes the socket with CloseCode.BadFrame and a reason on anything malformed. Never throws
 * into the server.
 */
import type { WebSocket, RawData } from 'ws';
import { CloseCode } from '../common/api.ts';
import { decode, isFrameError } from '../common/frames.ts';
import { toDisposable, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { closeReason, type TerminalSession, type TerminalSocket } from './terminalSession.ts';

/** Close codes `ws` itself uses for a malformed message (protocol error, invalid UTF-8 in a
 * text frame, message over maxPayload); we report them as BadFrame with a reason instead. */
const WS_RECEIVER_CLOSE_REASONS: Record<number, string> = {
  1002: 'malformed WebSocket frame',
  1007: 'text frames are not accepted (invalid UTF-8); send binary frames',
  1009: 'frame exceeds MAX_FRAME_BYTES (1 MiB)',
};

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export function linkSocket(ws: WebSocket, session: TerminalSession, opts: { log: Logger; onInput?: () => void }): Disposable {
  // HACK: when a message breaks the protocol or exceeds maxPayload, ws closes the socket itself
  // (receiverOnError → websocket.close(1009)) before we hear of it. Wrapping this instance's
  // close maps those codes to CloseCode.BadFrame with a reason, so clients see one vocabulary.
  const close = ws.close.bind(ws);
  ws.close = ((code?: number, reason?: string | Buffer) => {
    const mapped = code !== undefined ? WS_RECEIVER_CLOSE_REASONS[code] : undefined;
    if (mapped) return close(CloseCode.BadFrame, mapped);
    return close(code, reason);
  }) as typeof ws.close;

  const socket: TerminalSocket = {
    send(frame) {
      if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, closeReason(reason));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };

  const bad = (reason: string) => {
    opts.log.warn('closing terminal socket on a bad frame', { reason });
    socket.close(CloseCode.BadFrame, reason);
  };

  const onMessage = (data: RawData, isBinary: boolean) => {
    if (!isBinary) return bad('text frames are not accepted; send binary frames (server/common/frames.ts)');
    const frame = decode(toBytes(data));
    if (isFrameError(frame)) return bad(frame.error);
    switch (frame.type) {
      case 'input':
        opts.onInput?.();
        return session.input(frame.data);
      case 'resize':
        return session.resize(frame.cols, frame.rows);
      case 'ack':
        return session.ack(frame.bytes);
      default:
        return bad(`${frame.type} frames only go from the server to the client`);
    }
  };
  const onClose = () => session.detach(socket);
  const onError = (err: Error) => {
    // The socket closes after this; the close handler detaches. Logged, never rethrown.
    opts.log.warn('terminal socket error', { error: err.message });
  };

  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', onError);
  session.attach(socket);
  return toDisposable(() => {
    ws.off('message', onMessage);
    ws.off('close', onClose);
    ws.off('error', onError);
    session.detach(socket);
    socket.close(CloseCode.Gone, 'the terminal server is shutting down');
  });
}
